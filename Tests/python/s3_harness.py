"""What the S3 endpoint's tests share: `regvault serve --dev` with its S3 listener, boto3 clients as
each development role, raw requests signed by botocore and sent by hand (for the inputs an SDK will
not produce), S3 error assertions and a snapshot of a bucket's versions.

The vault is a black box here as everywhere in this folder: only its printed addresses, its
development certificates (DIR/dev-certs/ca.pem) and its credentials file (DIR/dev-certs/aws-credentials,
one profile per role) are used.
"""

import base64
import configparser
import http.client
import json
import queue
import socket
import ssl
import subprocess
import threading
import time
import urllib.parse
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from unittest import mock

import boto3
import botocore.auth
import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from conftest import regvault_binary

ROLES = ("ingest", "regulator_read", "compliance_officer", "admin")
REGION = "us-east-1"
START_DEADLINE_S = 60

# S3's HTTP status for each error code the tests expect.
STATUS = {
    "AccessDenied": 403, "SignatureDoesNotMatch": 403, "InvalidAccessKeyId": 403, "RequestTimeTooSkewed": 403,
    "InvalidBucketState": 409, "BucketNotEmpty": 409,
    "InvalidRequest": 400, "InvalidArgument": 400, "MalformedXML": 400, "InvalidRetentionPeriod": 400,
    "InvalidBucketName": 400, "KeyTooLongError": 400, "BadDigest": 400, "EntityTooSmall": 400,
    "XAmzContentSHA256Mismatch": 400, "IncompleteBody": 400,
    "NoSuchBucket": 404, "NoSuchKey": 404, "NoSuchVersion": 404, "NoSuchUpload": 404,
    "ObjectLockConfigurationNotFoundError": 404,
}

# The two retention floors the tests' policy directory sets (see write_policies).
DEFAULT_FLOOR = dict(rule="default.reports", years=1, mode="GOVERNANCE")
MT_FLOOR = dict(rule="mt.reports", years=5, mode="COMPLIANCE")

OTHER_STREAMS = ["audit.change", "kyc", "aml", "payment", "gaming", "responsible_gambling", "rng", "incident"]


def write_policies(directory: Path) -> Path:
    """A retention policy directory whose floors differ by jurisdiction: reports are kept one year in
    governance mode by default (so that the bypass can be shown), five years in compliance mode in
    Malta. Every file covers all nine streams; class names are unique across files."""
    directory.mkdir(parents=True, exist_ok=True)
    default = {"policy": "default", "jurisdiction": "*", "title": "Test default", "version": "t1", "rules": [
        {"class": "default.all", "streams": OTHER_STREAMS, "years": 7, "trigger": "recorded", "mode": "compliance",
         "source": "test"},
        {"class": DEFAULT_FLOOR["rule"], "streams": ["report"], "years": DEFAULT_FLOOR["years"], "trigger": "recorded",
         "mode": "governance", "source": "test"}]}
    malta = {"policy": "mt", "jurisdiction": "MT", "title": "Test Malta", "version": "t1", "rules": [
        {"class": "mt.all", "streams": OTHER_STREAMS, "years": 7, "trigger": "recorded", "mode": "compliance",
         "source": "test"},
        {"class": MT_FLOOR["rule"], "streams": ["report"], "years": MT_FLOOR["years"], "trigger": "recorded",
         "mode": "compliance", "source": "test"}]}
    (directory / "default.json").write_text(json.dumps(default))
    (directory / "mt.json").write_text(json.dumps(malta))
    return directory


# -- the server -----------------------------------------------------------------------------------
@contextmanager
def s3_dev_server(data: Path, retention: Path = None):
    """`regvault serve --dev` on free loopback ports, with `--retention` when given; yields an S3Vault
    once the server has printed both `listening on` (mTLS API) and `s3 listening on` (in either
    order), and stops it with SIGTERM afterwards. The server's stderr goes to DATA.stderr."""
    args = [str(regvault_binary()), "serve", "--dev", "--data", str(data), "--listen", "127.0.0.1:0",
            "--report-interval", "0"]
    if retention is not None:
        args += ["--retention", str(retention)]
    stderr = open(f"{data}.stderr", "wb")
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=stderr)
    lines = queue.Queue()
    printed = []

    def read():  # drains stdout for the server's lifetime, so that it never blocks on a full pipe
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            printed.append(line)
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    try:
        api_url = s3_url = None
        deadline = time.monotonic() + START_DEADLINE_S
        while not (api_url and s3_url):
            try:
                line = lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                break
            if line is None:
                break
            if line.startswith("listening on "):
                api_url = line.split()[-1]
            elif line.startswith("s3 listening on "):
                s3_url = line.split()[-1]
        assert api_url and s3_url, (f"the server did not print both listeners within {START_DEADLINE_S} s; "
                                    f"stdout: {printed!r}; stderr in {data}.stderr")
        certs = data / "dev-certs"
        yield S3Vault(s3_url, certs / "ca.pem", certs / "aws-credentials", api_url=api_url, data=data, printed=printed)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        stderr.close()


class S3Vault:
    """One running S3 endpoint: boto3 clients per role, raw signed requests and bucket snapshots."""

    def __init__(self, s3_url: str, ca: Path, credentials_file: Path, api_url: str = None, data: Path = None,
                 printed: list = None):
        self.url = s3_url
        self.ca = Path(ca)
        self.credentials_file = Path(credentials_file)
        self.api_url = api_url
        self.data = data
        self.printed = printed if printed is not None else []
        parsed = urllib.parse.urlsplit(s3_url)
        assert parsed.scheme == "https", s3_url
        self.host, self.port = parsed.hostname, parsed.port
        self._clients = {}

    # -- credentials and clients ------------------------------------------------------------------
    def keys(self, role: str):
        """(access key id, secret access key) of `role`'s profile."""
        profiles = configparser.ConfigParser()
        profiles.read(self.credentials_file)
        return profiles[role]["aws_access_key_id"], profiles[role]["aws_secret_access_key"]

    def config(self, **overrides) -> Config:
        s3 = {"addressing_style": "path", **overrides.pop("s3", {})}
        # One attempt: a refusal is what the test looks at, never something to retry.
        return Config(region_name=REGION, signature_version="s3v4", s3=s3,
                      retries={"max_attempts": 1, "mode": "standard"}, **overrides)

    def client(self, role: str, **overrides):
        """An S3 client as `role` (its profile in the credentials file); cached unless `overrides`
        change the botocore Config (e.g. request_checksum_calculation, s3={"payload_signing_enabled": ...})."""
        if overrides:
            return self.fresh_client(role, **overrides)
        if role not in self._clients:
            self._clients[role] = self.fresh_client(role)
        return self._clients[role]

    def fresh_client(self, role: str, **overrides):
        """A new, uncached client as `role`, for a test that registers event handlers on it."""
        return self._make_client(boto3.Session(profile_name=role, region_name=REGION), overrides)

    def client_with_keys(self, key_id: str, secret: str):
        session = boto3.Session(aws_access_key_id=key_id, aws_secret_access_key=secret, region_name=REGION)
        return self._make_client(session, {})

    def _make_client(self, session, overrides):
        return session.client("s3", endpoint_url=self.url, verify=str(self.ca), config=self.config(**overrides))

    def tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca))

    # -- raw requests -----------------------------------------------------------------------------
    def signed(self, method: str, target: str, body: bytes = b"", headers: dict = None, role: str = "admin",
               payload_hash: str = None, when: datetime = None, key_id: str = None, secret: str = None) -> dict:
        """The headers of a SigV4 request for `target` ("/bucket/key?query"), signed by botocore as
        `role`: the body's SHA-256 unless `payload_hash` names another value (UNSIGNED-PAYLOAD,
        STREAMING-UNSIGNED-PAYLOAD-TRAILER, or a wrong hash); at `when` (default now)."""
        role_key, role_secret = self.keys(role)
        auth = _FixedPayloadAuth(Credentials(key_id or role_key, secret or role_secret), "s3", REGION, payload_hash)
        # Host is set before signing: botocore signs it either way, and a hand-written request must send it.
        request = AWSRequest(method=method, url=self.url + target, data=body,
                             headers={"Host": f"{self.host}:{self.port}", **(headers or {})})
        if when is None:
            auth.add_auth(request)
        else:
            naive_utc = when.astimezone(timezone.utc).replace(tzinfo=None)
            with mock.patch.object(botocore.auth, "get_current_datetime", lambda *args, **kwargs: naive_utc):
                auth.add_auth(request)
        return dict(request.headers.items())

    def raw(self, method: str, target: str, body: bytes = b"", headers: dict = None, **signing):
        """Sends one request signed by `signed` on its own connection; returns (status, headers with
        lower-case names, body)."""
        sent = self.signed(method, target, body, headers, **signing)
        connection = http.client.HTTPSConnection(self.host, self.port, context=self.tls(), timeout=60)
        try:
            connection.request(method, target, body=body, headers=sent)
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def send_head(self, tls, method: str, target: str, headers: dict, extra: bytes = b""):
        """Writes a request line and `headers` on `tls` by hand, then `extra` (the body, or part of it)."""
        lines = [f"{method} {target} HTTP/1.1"] + [f"{k}: {v}" for k, v in headers.items()]
        tls.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + extra)

    def socket(self, timeout: float = 10) -> ssl.SSLSocket:
        raw = socket.create_connection((self.host, self.port), timeout=timeout)
        return self.tls().wrap_socket(raw, server_hostname=self.host)

    # -- state ------------------------------------------------------------------------------------
    def versions(self, bucket: str) -> list:
        """Every version and delete marker in `bucket`, as sorted (key, version id, kind) tuples."""
        found = []
        for page in self.client("admin").get_paginator("list_object_versions").paginate(Bucket=bucket):
            found += [(v["Key"], v["VersionId"], "version") for v in page.get("Versions", [])]
            found += [(m["Key"], m["VersionId"], "marker") for m in page.get("DeleteMarkers", [])]
        return sorted(found)


class _FixedPayloadAuth(S3SigV4Auth):
    """botocore's S3 signer with the x-amz-content-sha256 value chosen by the caller."""

    def __init__(self, credentials, service, region, payload_hash):
        super().__init__(credentials, service, region)
        self.payload_hash = payload_hash

    def payload(self, request):
        return self.payload_hash if self.payload_hash is not None else super().payload(request)


# -- assertions and helpers -----------------------------------------------------------------------
def refused(code: str, call, *args, **kwargs) -> dict:
    """Calls `call` and asserts that it fails with S3 error `code` and that code's HTTP status;
    returns the parsed error response."""
    with pytest.raises(ClientError) as caught:
        call(*args, **kwargs)
    response = caught.value.response
    got = response["Error"].get("Code")
    status = response["ResponseMetadata"]["HTTPStatusCode"]
    assert (got, status) == (code, STATUS[code]), \
        f"expected {code} {STATUS[code]}, got {got} {status}: {response['Error']}"
    return response


def error_code(body: bytes) -> str:
    """The <Code> of an S3 XML error body."""
    text = body.decode("utf-8", "replace")
    start = text.find("<Code>")
    return text[start + 6:text.find("</Code>")] if start >= 0 else text[:200]


def years_from_now(years: int, now: datetime = None) -> datetime:
    """The same instant `years` calendar years later (29 February becomes 28 February)."""
    now = now or datetime.now(timezone.utc)
    try:
        return now.replace(year=now.year + years)
    except ValueError:
        return now.replace(year=now.year + years, day=28)


def close_to(actual: datetime, expected: datetime, slack: timedelta = timedelta(days=2)) -> bool:
    return abs(actual - expected) <= slack


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as S3's x-amz-checksum-crc32c."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _CRC32C_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _crc32c_table():
    table = []
    for index in range(256):
        value = index
        for _ in range(8):
            value = (value >> 1) ^ 0x82F63B78 if value & 1 else value >> 1
        table.append(value)
    return table


_CRC32C_TABLE = _crc32c_table()


def checksum_header(value: int) -> str:
    """An x-amz-checksum-crc32/crc32c value: the four big-endian bytes in base64."""
    return base64.b64encode(value.to_bytes(4, "big")).decode()


def aws_chunked(data: bytes, trailer_name: str, trailer_value: str, chunk: int = 64 * 1024) -> bytes:
    """`data` in the aws-chunked encoding boto3 uses with STREAMING-UNSIGNED-PAYLOAD-TRAILER: hex size
    CRLF bytes CRLF per chunk, then `0` CRLF, the trailer line, CRLF."""
    out = b""
    for start in range(0, len(data), chunk):
        piece = data[start:start + chunk]
        out += b"%x\r\n%s\r\n" % (len(piece), piece)
    return out + b"0\r\n%s:%s\r\n\r\n" % (trailer_name.encode(), trailer_value.encode())
