#!/usr/bin/env python3
"""Regenerates SigV4Vectors.swift: requests signed by botocore (AWS's own Python signer), and aws-chunked bodies.

Run from this folder: python3 make_vectors.py > SigV4Vectors.swift

Header-signed requests come from botocore.auth.S3SigV4Auth, presigned URLs from S3SigV4QueryAuth, each on an
AWSRequest built the way botocore's S3 client builds it (the key quoted with safe='/~', the query percent-encoded),
with fixed credentials and a fixed clock. botocore does not write signed aws-chunked bodies, so their chunk and
trailer signatures are computed below from the algorithm in AWS's documentation (the decoder's tests also check
AWS's own published example). The CRCs botocore lacks without awscrt (CRC32C, CRC64NVME) are computed here bit by
bit, independently of the table-driven Swift code.
"""
import base64
import datetime
import hashlib
import hmac
import json
import zlib
from unittest import mock
from urllib.parse import quote

from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ACCESS_KEY = "AKIAVAULTEXAMPLE0001"
SECRET = "vAuLt/sEcReT+kEy=wItH/sYmBoLs0123456789"
SIGNED_AT = datetime.datetime(2026, 12, 4, 5, 6, 7)  # naive UTC, as botocore's clock gives it
SIGNED_AT_MILLIS = int(SIGNED_AT.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)


class S3Config:
    """A client_config whose s3 settings turn payload signing on or off, as botocore's Config(s3=...) does."""

    def __init__(self, sign_payload):
        self.s3 = {"payload_signing_enabled": sign_payload}


class StreamingSignedAuth(S3SigV4Auth):
    """botocore's S3 signer with the payload hash of a signed aws-chunked body (botocore never sends one itself)."""

    def __init__(self, credentials, service, region, payload):
        super().__init__(credentials, service, region)
        self._streaming_payload = payload

    def payload(self, request):
        return self._streaming_payload


def object_url(scheme, host, bucket, key, query=""):
    url = f"{scheme}://{host}/{bucket}"
    if key is not None:
        url += "/" + quote(key.encode("utf-8"), safe="/~")
    if query:
        url += "?" + query
    return url


def split_url(url):
    rest = url.split("://", 1)[1]
    path_and_query = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
    path, _, query = path_and_query.partition("?")
    return rest.split("/", 1)[0], path, query


def sign(name, method, url, headers=(), body=b"", region="us-east-1", sign_payload=None, trailer=None, auth_class=None,
         presign_expires=None, now_offset_seconds=60):
    host, _, _ = split_url(url)
    request = AWSRequest(method=method, url=url, data=body)
    request.headers["Host"] = host
    for header_name, value in headers:
        request.headers[header_name] = value  # HTTPHeaders appends: a repeated name stays repeated
    if sign_payload is not None:
        request.context["client_config"] = S3Config(sign_payload)
    if trailer is not None:
        request.context["checksum"] = {"request_algorithm": {"in": "trailer", "name": trailer}}
    credentials = Credentials(ACCESS_KEY, SECRET)
    if presign_expires is not None:
        signer = S3SigV4QueryAuth(credentials, "s3", region, expires=presign_expires)
    elif auth_class is not None:
        signer = auth_class(credentials, "s3", region)
    else:
        signer = S3SigV4Auth(credentials, "s3", region)
    with mock.patch("botocore.auth.get_current_datetime", return_value=SIGNED_AT):
        signer.add_auth(request)
    _, path, query = split_url(request.url)
    vector = {
        "name": name,
        "method": method,
        "rawPath": path,
        "rawQuery": query,
        "headers": [[k, v] for k, v in request.headers.items()],
        "nowMillis": SIGNED_AT_MILLIS + now_offset_seconds * 1000,
        "presigned": presign_expires is not None,
        "expiresAtMillis": SIGNED_AT_MILLIS + presign_expires * 1000 if presign_expires is not None else None,
    }
    payload = request.headers.get("X-Amz-Content-SHA256") if presign_expires is None else "UNSIGNED-PAYLOAD"
    vector["payload"] = payload
    return vector, request


def signing_key(date, region):
    key = ("AWS4" + SECRET).encode()
    for part in (date, region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def chunked_body(request, region, payload_bytes, chunk_size, signed, trailer_name=None, trailer_value=None):
    """The aws-chunked encoding of payload_bytes, signed from the request's signature when `signed`."""
    amz_date = request.headers["X-Amz-Date"]
    scope = f"{amz_date[:8]}/{region}/s3/aws4_request"
    key = signing_key(amz_date[:8], region)
    previous = request.headers["Authorization"].rsplit("Signature=", 1)[1]
    empty = hashlib.sha256(b"").hexdigest()
    chunks = [payload_bytes[i:i + chunk_size] for i in range(0, len(payload_bytes), chunk_size)] + [b""]
    out = b""
    for chunk in chunks:
        if signed:
            to_sign = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, previous, empty, hashlib.sha256(chunk).hexdigest()])
            previous = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
            out += b"%x;chunk-signature=%s\r\n" % (len(chunk), previous.encode())
        else:
            out += b"%x\r\n" % len(chunk)
        if chunk:
            out += chunk + b"\r\n"
    if trailer_name:
        out += f"{trailer_name}:{trailer_value}\r\n".encode()
        if signed:
            canonical = f"{trailer_name}:{trailer_value}\n".encode()
            to_sign = "\n".join(["AWS4-HMAC-SHA256-TRAILER", amz_date, scope, previous, hashlib.sha256(canonical).hexdigest()])
            out += b"x-amz-trailer-signature:%s\r\n" % hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest().encode()
    out += b"\r\n"
    return out


def crc_reflected(data, poly, width):
    mask = (1 << width) - 1
    crc = mask
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
    return crc ^ mask


def checksum_vectors():
    vectors = []
    for length in (0, 1, 7, 8, 9, 15, 16, 17, 100, 1000, 4099):
        data = bytes((i * 31 + 7) % 251 for i in range(length))
        vectors.append({
            "length": length,
            "CRC32": base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode(),
            "CRC32C": base64.b64encode(crc_reflected(data, 0x82F63B78, 32).to_bytes(4, "big")).decode(),
            "CRC64NVME": base64.b64encode(crc_reflected(data, 0x9A6C9329AC4BC9B5, 64).to_bytes(8, "big")).decode(),
            "SHA1": base64.b64encode(hashlib.sha1(data).digest()).decode(),
            "SHA256": base64.b64encode(hashlib.sha256(data).digest()).decode(),
        })
    return vectors


def main():
    vectors = []
    add = lambda pair: vectors.append(pair[0])
    host = "vault.example.com"
    add(sign("get, space in key, payload signed (empty)", "GET", object_url("https", host, "audit-bucket", "a b.txt")))
    add(sign("put, unicode key, payload signed", "PUT", object_url("https", host, "audit-bucket", "Déjà vu/🙂 ünï.json"),
             headers=[("Content-Type", "application/json")], body=b'{"amount": 12.5}'))
    add(sign("put, + = ~ & in key, unsigned payload, Content-MD5", "PUT",
             object_url("https", host, "audit-bucket", "a+b=c~d&e!'()*.txt"),
             headers=[("Content-MD5", base64.b64encode(hashlib.md5(b"hello").digest()).decode())], body=b"hello", sign_payload=False))
    add(sign("put retention subresource with versionId", "PUT",
             object_url("https", host, "audit-bucket", "records/2026/r1.json", "retention&versionId=x"),
             headers=[("x-amz-bypass-governance-retention", "true")],
             body=b'<Retention><Mode>COMPLIANCE</Mode><RetainUntilDate>2030-01-01T00:00:00Z</RetainUntilDate></Retention>'))
    add(sign("post uploads", "POST", object_url("https", host, "audit-bucket", "big.bin", "uploads"),
             headers=[("x-amz-object-lock-mode", "COMPLIANCE"), ("x-amz-object-lock-retain-until-date", "2030-01-01T00:00:00Z")]))
    add(sign("list objects v2 with encoded prefix", "GET", object_url("https", host, "audit-bucket", None, "list-type=2&prefix=a%2Fb"),
             region="eu-central-1"))
    add(sign("list with space, plus and unicode in prefix, unsorted query", "GET",
             object_url("http", "127.0.0.1:9000", "audit-bucket", None,
                        "prefix=" + quote("a b+c/é", safe="-_.~") + "&list-type=2&delimiter=%2F&encoding-type=url")))
    add(sign("repeated header and inner spaces", "PUT", object_url("http", "localhost:9000", "audit-bucket", "meta.txt"),
             headers=[("X-Amz-Meta-Note", "  two   spaces\tand tab  "), ("X-Amz-Meta-Tag", "first"), ("X-Amz-Meta-Tag", "second")],
             body=b"body"))
    add(sign("streaming unsigned trailer", "PUT", object_url("https", host, "audit-bucket", "stream.bin"),
             headers=[("Content-Encoding", "aws-chunked"), ("X-Amz-Trailer", "x-amz-checksum-crc32"),
                      ("X-Amz-Decoded-Content-Length", "11")], trailer="x-amz-checksum-crc32"))

    payload = bytes((i * 7 + 3) % 256 for i in range(20000))
    streaming = []
    for name, mode, trailer in [("streaming signed", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", None),
                                ("streaming signed with trailer", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", "x-amz-checksum-crc32c")]:
        headers = [("Content-Encoding", "aws-chunked"), ("X-Amz-Decoded-Content-Length", str(len(payload)))]
        if trailer:
            headers.append(("X-Amz-Trailer", trailer))
        vector, request = sign(name, "PUT", object_url("https", host, "audit-bucket", "signed stream.bin"), headers=headers,
                               auth_class=lambda c, s, r, mode=mode: StreamingSignedAuth(c, s, r, mode))
        trailer_value = base64.b64encode(crc_reflected(payload, 0x82F63B78, 32).to_bytes(4, "big")).decode() if trailer else None
        body = chunked_body(request, "us-east-1", payload, 8192, True, trailer, trailer_value)
        vector["chunkedBody"] = base64.b64encode(body).decode()
        vector["decodedSHA256"] = hashlib.sha256(payload).hexdigest()
        vectors.append(vector)

    add(sign("presigned get, unicode key", "GET", object_url("https", host, "audit-bucket", "Déjà vu/🙂 report.pdf"),
             presign_expires=3600))
    add(sign("presigned put, + and = in key", "PUT", object_url("https", host, "audit-bucket", "a+b=c.txt"), presign_expires=900))
    add(sign("presigned get with versionId, one week", "GET",
             object_url("https", host, "audit-bucket", "r.json", "versionId=3%2F4%2B5"), presign_expires=604800))
    print("// Generated by make_vectors.py from botocore's signers; do not edit by hand.")
    print("let sigV4VectorsJSON = #\"\"\"")
    print(json.dumps({"accessKeyId": ACCESS_KEY, "secret": SECRET, "signedAtMillis": SIGNED_AT_MILLIS, "requests": vectors,
                      "checksums": checksum_vectors()}, indent=1, ensure_ascii=True))
    print("\"\"\"#")


if __name__ == "__main__":
    main()
