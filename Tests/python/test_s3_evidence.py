"""What the S3 endpoint adds beyond Amazon S3's behaviour: every object version is a leaf of the
signed log, found by an inspector with its proof; inspectors' reads through S3 are journaled; and
the production configuration's rules for the S3 listener (credentials file readable by its owner
only, an identity that must also present its client certificate).

Every check on proofs and signatures uses this folder's own code (test_independent_verify.py)."""

import base64
import hashlib
import json
import os
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import regvault_binary
from s3_harness import s3_dev_server
from test_independent_verify import (b64d, checkpoint_verifies, leaf_hash, parse_checkpoint, parse_entry,
                                     parse_verifier_key, sha256, verify_inclusion)


@pytest.fixture(scope="module")
def vault(tmp_path_factory):
    root = tmp_path_factory.mktemp("s3-evidence")
    (root / "aws-config").write_text("")
    with pytest.MonkeyPatch.context() as env:
        for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
            env.delenv(variable, raising=False)
        with s3_dev_server(root / "vault") as running:
            env.setenv("AWS_SHARED_CREDENTIALS_FILE", str(running.credentials_file))
            env.setenv("AWS_CONFIG_FILE", str(root / "aws-config"))
            yield running


def inspector_get(vault, path: str, role: str = "regulator_read", raw: bool = False):
    certs = vault.data / "dev-certs"
    context = ssl.create_default_context(cafile=str(certs / "ca.pem"))
    context.load_cert_chain(str(certs / f"{role}.pem"), str(certs / f"{role}.key"))
    with urllib.request.urlopen(vault.api_url + path, context=context, timeout=30) as response:
        body = response.read()
        return body if raw else json.loads(body)


def test_an_inspector_finds_an_s3_object_in_the_reports_and_the_log_with_its_proof(vault):
    admin, ingest = vault.client("admin"), vault.client("ingest")
    admin.create_bucket(Bucket="evidence", ObjectLockEnabledForBucket=True)
    body = b"licence,ggr\nMGA/B2C/123,1000.00\n"
    put = ingest.put_object(Bucket="evidence", Key="mga/2026-11/ggr.csv", Body=body, Metadata={"report-period": "2026-11"})

    listed = inspector_get(vault, "/regulator/reports/2026-11")
    found = [o for o in listed["objects"] if o["versionId"] == put["VersionId"]]
    assert len(found) == 1, listed
    version = found[0]
    assert version["key"] == "evidence/mga/2026-11/ggr.csv" and version["bucket"] == "evidence"
    assert version["sha256"] == hashlib.sha256(body).hexdigest() and version["size"] == len(body)

    # The version's record in the log: its entry commits to the record, whose state names the bytes' digest.
    seq = version["seq"]
    records = inspector_get(vault, "/regulator/logs/vault.object")["records"]
    record = next(r for r in records if r["entity"] == {"type": "s3.object", "id": "evidence/mga/2026-11/ggr.csv"})
    entry_bytes = b64d(record["entry"])
    entry = parse_entry(entry_bytes)
    assert entry.seq == seq
    record_bytes = b64d(record["record"])
    assert sha256(b64d(record["salt"]) + record_bytes) == entry.commitment
    assert json.loads(record_bytes)["state"]["sha256"] == hashlib.sha256(body).hexdigest()

    # ... and that entry is in the signed tree.
    checkpoint = parse_checkpoint(inspector_get(vault, "/regulator/checkpoint", raw=True))
    proof = inspector_get(vault, f"/regulator/proof/inclusion?seq={seq}&size={checkpoint.size}")
    assert proof["treeSize"] == checkpoint.size
    key = parse_verifier_key((vault.data / "log.pub").read_text().strip())
    assert checkpoint_verifies(checkpoint, key)
    assert verify_inclusion(seq, checkpoint.size, leaf_hash(entry_bytes), [b64d(h) for h in proof["hashes"]],
                            checkpoint.root)

    # The bucket's creation is an entry too, on vault.bucket.
    buckets = inspector_get(vault, "/regulator/logs/vault.bucket")["records"]
    assert any(r["entity"] == {"type": "s3.bucket", "id": "evidence"} and r["action"] == "create" for r in buckets)


def test_an_inspectors_s3_reads_are_journaled_without_the_presigned_signature(vault):
    admin = vault.client("admin")
    admin.create_bucket(Bucket="journaled", ObjectLockEnabledForBucket=True)
    vault.client("ingest").put_object(Bucket="journaled", Key="r.csv", Body=b"x")
    reader = vault.client("regulator_read")
    reader.get_object(Bucket="journaled", Key="r.csv")["Body"].read()
    url = reader.generate_presigned_url("get_object", Params={"Bucket": "journaled", "Key": "r.csv"}, ExpiresIn=300)
    with urllib.request.urlopen(url, context=vault.tls(), timeout=30) as response:
        assert response.read() == b"x"
    accesses = inspector_get(vault, "/regulator/logs/vault.access", role="compliance_officer")["records"]
    reads = [json.loads(b64d(r["record"])) for r in accesses]
    s3_reads = [r for r in reads if r.get("request", {}).get("path") == "/s3/journaled/r.csv"]
    assert len(s3_reads) == 2, reads[-5:]
    assert all(r["actor"]["id"] == "regulator_read" and r["request"]["method"] == "GET" for r in s3_reads)
    assert all("X-Amz-" not in r["request"]["query"] for r in s3_reads), s3_reads
    # Writers' requests are entries of their own, not accesses.
    assert not any(r.get("request", {}).get("path", "").startswith("/s3/") and r["actor"]["id"] != "regulator_read"
                   for r in reads)


def credentials_for(vault, path: Path, roles=("ingest", "admin")) -> Path:
    """An AWS credentials file with the development keys of `roles` only (the production test's identities)."""
    path.write_text("".join(f"[{role}]\naws_access_key_id = {vault.keys(role)[0]}\n"
                            f"aws_secret_access_key = {vault.keys(role)[1]}\n" for role in roles))
    return path


def production_config(tmp: Path, dev_data: Path, s3_credentials: Path, require_certificate: bool) -> Path:
    certs = dev_data / "dev-certs"
    config = {
        "data": str(tmp / "prod-data"), "listen": "127.0.0.1:0",
        "tls": {"certificate": str(certs / "server.pem"), "privateKey": str(certs / "server.key"),
                "clientCAs": [str(certs / "ca.pem")]},
        "identities": [
            {"commonName": "ingest", "roles": ["ingest"], "allowFrom": ["127.0.0.0/8"],
             "s3RequiresClientCertificate": require_certificate},
            {"commonName": "admin", "roles": ["admin"], "allowFrom": ["127.0.0.0/8"]},
        ],
        "s3": {"listen": "127.0.0.1:0", "credentials": str(s3_credentials)},
    }
    path = tmp / "config.json"
    path.write_text(json.dumps(config))
    return path


def start(config: Path):
    process = subprocess.Popen([str(regvault_binary()), "serve", "--config", str(config)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    s3_url = None
    deadline = time.time() + 60
    while time.time() < deadline and s3_url is None:
        line = process.stdout.readline().decode()
        if not line:
            break
        if line.startswith("s3 listening on "):
            s3_url = line.split()[-1]
    return process, s3_url


def test_the_s3_listener_requires_a_client_certificate_where_the_identity_says_so(vault, tmp_path):
    subprocess.run([str(regvault_binary()), "init", "--data", str(tmp_path / "prod-data"), "--origin", "prod.test/log"],
                   check=True, capture_output=True)
    credentials = credentials_for(vault, tmp_path / "s3-credentials")
    os.chmod(credentials, 0o600)
    process, s3_url = start(production_config(tmp_path, vault.data, credentials, require_certificate=True))
    try:
        assert s3_url, "the production server did not start its S3 listener"
        certs = vault.data / "dev-certs"
        keys = vault.keys("ingest")

        def client(cert=None):
            return boto3.session.Session().client(
                "s3", endpoint_url=s3_url, region_name="us-east-1", aws_access_key_id=keys[0], aws_secret_access_key=keys[1],
                verify=str(certs / "ca.pem"),
                config=Config(s3={"addressing_style": "path"}, client_cert=cert, retries={"max_attempts": 1}))

        with pytest.raises(ClientError) as refused:
            client().list_buckets()
        assert refused.value.response["Error"]["Code"] == "AccessDenied"
        assert "client certificate" in refused.value.response["Error"]["Message"]
        # With its own certificate the same key works; with another identity's certificate it does not.
        client((str(certs / "ingest.pem"), str(certs / "ingest.key"))).list_buckets()
        with pytest.raises(ClientError) as wrong:
            client((str(certs / "admin.pem"), str(certs / "admin.key"))).list_buckets()
        assert wrong.value.response["Error"]["Code"] == "AccessDenied"
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_credentials_file_readable_by_others_is_refused_at_start(vault, tmp_path):
    subprocess.run([str(regvault_binary()), "init", "--data", str(tmp_path / "prod-data"), "--origin", "prod.test/log"],
                   check=True, capture_output=True)
    credentials = credentials_for(vault, tmp_path / "s3-credentials")
    os.chmod(credentials, 0o644)
    result = subprocess.run([str(regvault_binary()), "serve", "--config",
                             str(production_config(tmp_path, vault.data, credentials, require_certificate=False))],
                            capture_output=True, timeout=60)
    assert result.returncode != 0
    assert b"chmod 600" in result.stderr, result.stderr
