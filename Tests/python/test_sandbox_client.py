"""The regulator sandbox as a regulator's integration team meets it: the example client in
sandbox/examples/ is run against a real dev-mode server, and the sandbox's boundaries are probed with
the wrong certificates, a wrong verifier key, a reset, and records crossing between the two logs.

The client is run as a subprocess exactly as its README says (and its export-archive check is also
called directly, on tampered copies of an export); nothing of the vault's code is used.
"""

import base64
import hashlib
import importlib.util
import io
import json
import ssl
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from conftest import REPO_ROOT, dev_server

CLIENT = REPO_ROOT / "sandbox" / "examples" / "sandbox_client.py"
SANDBOX = "/sandbox/regulator"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with dev_server(tmp_path_factory.mktemp("sandbox") / "vault") as running:
        yield running


def call(server, path: str, role: str, body: bytes = None, accept: str = None):
    context = ssl.create_default_context(cafile=str(server["certs"] / "ca.pem"))
    context.load_cert_chain(str(server["certs"] / f"{role}.pem"), str(server["certs"] / f"{role}.key"))
    request = urllib.request.Request(server["url"] + path, data=body, method="POST" if body is not None else "GET")
    if accept:
        request.add_header("Accept", accept)
    try:
        with urllib.request.urlopen(request, context=context, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def call_json(server, path: str, role: str = "sandbox", body: bytes = None):
    status, raw = call(server, path, role, body)
    return status, json.loads(raw)


def error_code(raw: bytes):
    try:
        return json.loads(raw)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


def run_client(server, *extra, timeout=180) -> subprocess.CompletedProcess:
    certs = server["certs"]
    cmd = [sys.executable, str(CLIENT), "--url", server["url"], "--cert", str(certs / "sandbox.pem"),
           "--key", str(certs / "sandbox.key"), "--cacert", str(certs / "ca.pem"), *map(str, extra)]
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, text=True)


def consistency_vector_checkpoint(server) -> str:
    """The note of the sandbox's initial tree, as published in the consistency-valid vector."""
    status, vectors = call_json(server, f"{SANDBOX}/vectors")
    assert status == 200, vectors
    vector = next(v for v in vectors["vectors"] if v["id"] == "consistency-valid")
    return vector["input"]["newCheckpoint"]


# -- the example client -----------------------------------------------------------------------------

def test_the_example_client_passes_every_check_and_every_vector(server):
    proc = run_client(server, "--growth-timeout", 30)
    output = proc.stdout
    assert proc.returncode == 0, f"client exited {proc.returncode}\n{output}\n{proc.stderr}"
    assert "FAIL" not in output
    assert "trusting the key served" in output, "without --verifier-key the client must say it trusts on first use"

    status, vectors = call_json(server, f"{SANDBOX}/vectors")
    assert status == 200
    ids = [vector["id"] for vector in vectors["vectors"]]
    assert len(ids) >= 4 and {v["kind"] for v in vectors["vectors"]} == {"checkpoint", "inclusion", "consistency",
                                                                          "record"}
    passed = {line.split()[2].rstrip(":") for line in output.splitlines() if line.startswith("ok   vector ")}
    missing = [vector_id for vector_id in ids if vector_id not in passed]
    assert not missing, f"vectors not reported as passed: {missing}\n{output}"
    for needle in ("proof/consistency: tree", "tlog-proof", "paging ", "NDJSON page equals", "CSV page has",
                   "audit bonusRule/123"):
        assert needle in output, f"the client did not report {needle!r}\n{output}"
    for needle in ("Location names the sandbox route /sandbox/regulator/exports/export-", "of gzip",
                   "in the order of ARCHIVE.md", "manifest signature by", "size and SHA-256 matches it",
                   "manifest scope partial", "keys lists the key", "included in the signed tree",
                   "match their entries' commitments", "versions from /audit are in the archive",
                   "extends the first checkpoint's tree"):
        assert any(line.startswith("ok   export bonusRule/123: ") and needle in line for line in output.splitlines()), \
            f"the client did not report the export check {needle!r}\n{output}"
    # Check 6 (the archive extends a checkpoint the client trusts) is done offline, from the archive's
    # consistency member (the export was asked with proveFrom), not skipped.
    assert "skipped ARCHIVE.md check 6" not in output and "(its consistency member)" in output, output


def test_the_example_client_accepts_the_pinned_published_key(server):
    """The key published in the repository is the key the sandbox serves, and the client accepts it pinned."""
    status, sandbox_status = call_json(server, f"{SANDBOX}/status")
    assert status == 200
    key_file = REPO_ROOT / "sandbox" / "keys" / f"{sandbox_status['scenario']}.vkey"
    status, served = call(server, f"{SANDBOX}/key", "sandbox")
    assert status == 200
    assert key_file.read_text().strip() == served.decode().strip() == sandbox_status["verifierKey"]
    proc = run_client(server, "--verifier-key", key_file, "--growth-timeout", 30)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "trusting the key served" not in proc.stdout


def test_the_example_client_fails_with_a_wrong_verifier_key(server):
    """A different Ed25519 key under the same name: every checkpoint must be refused."""
    status, served = call(server, f"{SANDBOX}/key", "sandbox")
    name = served.decode().strip().split("+", 1)[0]
    public = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    key_id = hashlib.sha256(name.encode() + b"\n" + b"\x01" + public).digest()[:4]
    encoded = base64.b64encode(b"\x01" + public).decode()
    wrong = f"{name}+{key_id.hex()}+{encoded}"

    proc = run_client(server, "--verifier-key", wrong, "--growth-timeout", 5)
    assert proc.returncode != 0, proc.stdout
    assert "FAIL" in proc.stdout
    assert "no_trusted_signature" in proc.stdout, proc.stdout
    assert "FAIL vector checkpoint-valid" in proc.stdout, proc.stdout


def load_client():
    spec = importlib.util.spec_from_file_location("sandbox_client", CLIENT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sandbox_export(server, body: dict) -> bytes:
    status, job = call_json(server, f"{SANDBOX}/exports", body=json.dumps(body).encode())
    assert status == 202, job
    deadline = time.time() + 60
    while True:
        status, raw = call(server, f"{SANDBOX}/exports/{job['id']}", "sandbox")
        if status != 202 or time.time() > deadline:
            break
        time.sleep(0.2)
    assert status == 200, raw
    return raw


def rewrite_archive(data: bytes, change) -> bytes:
    """The same gzip tar with each member passed through change(info, bytes) -> [(info, bytes)]."""
    out = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as source, \
            tarfile.open(fileobj=out, mode="w:gz", format=tarfile.PAX_FORMAT) as target:
        for info in source:
            for new_info, body in change(info, source.extractfile(info).read()):
                new_info.size = len(body) if new_info.isreg() else 0
                target.addfile(new_info, io.BytesIO(body) if new_info.isreg() else None)
    return out.getvalue()


def test_the_example_clients_archive_checks_refuse_a_tampered_export(server):
    """The client's export verifier accepts the sandbox's archive and refuses altered copies of it."""
    client = load_client()
    status, key_text = call(server, f"{SANDBOX}/key", "sandbox")
    key = client.parse_verifier_key(key_text.decode())
    data = sandbox_export(server, {"entity": {"type": "bonusRule", "id": "123"}, "compression": "gzip"})
    result = client.verify_archive(data, key, key.name)
    assert result["entries"] and result["records"] and result["manifest"]["scope"] == "partial"

    def flip_record(info, body):
        if "/records/" in info.name:
            body = body[:-2] + (b"A" if body[-2:-1] != b"A" else b"B") + body[-1:]
        return [(info, body)]

    def drop_readme(info, body):
        return [] if info.name.endswith("README.txt") else [(info, body)]

    def add_link(info, body):
        if not info.name.endswith("/keys"):
            return [(info, body)]
        link = tarfile.TarInfo("regvault-export/evil")
        link.type, link.linkname, link.mode, link.mtime = tarfile.SYMTYPE, "/etc/passwd", 0o444, info.mtime
        return [(info, body), (link, b"")]

    for change, reason in ((flip_record, "member_digest"), (drop_readme, "member_set"), (add_link, "unsafe_archive")):
        with pytest.raises(client.Rejected) as rejected:
            client.verify_archive(rewrite_archive(data, change), key, key.name)
        assert rejected.value.reason == reason, (change.__name__, rejected.value)
    other = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    key_id = hashlib.sha256(key.name.encode() + b"\n" + b"\x01" + other).digest()[:4]
    encoded = base64.b64encode(b"\x01" + other).decode()
    wrong = client.parse_verifier_key(f"{key.name}+{key_id.hex()}+{encoded}")
    with pytest.raises(client.Rejected) as rejected:
        client.verify_archive(data, wrong, key.name)
    assert rejected.value.reason == "no_trusted_signature"


# -- certificates -----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/regulator/checkpoint", "/metrics", "/log/checkpoint"])
def test_the_sandbox_certificate_opens_nothing_outside_the_sandbox(server, path):
    status, body = call(server, path, "sandbox")
    assert status == 403 and error_code(body) == "sandbox_only", (status, body)


@pytest.mark.parametrize("role", ["regulator_read", "admin"])
def test_a_production_certificate_is_refused_in_the_sandbox(server, role):
    status, body = call(server, f"{SANDBOX}/checkpoint", role)
    assert status == 403 and error_code(body) == "role_not_allowed", (status, body)


# -- the two logs stay apart ------------------------------------------------------------------------

def sandbox_stream_event_ids(server, stream: str) -> set:
    ids, cursor = set(), None
    for _ in range(100):
        query = urllib.parse.urlencode({"limit": 1000, **({"cursor": cursor} if cursor else {})})
        status, listing = call_json(server, f"{SANDBOX}/logs/{stream}?{query}")
        assert status == 200, listing
        ids |= {record["eventId"] for record in listing["records"]}
        cursor = listing["nextCursor"]
        if not cursor:
            return ids
    pytest.fail(f"sandbox stream {stream} did not end within 100 pages")


def test_a_production_record_never_appears_in_the_sandbox(server):
    lines = subprocess.run([str(server["binary"]), "generate", "--count", "5", "--seed", "9"],
                           capture_output=True, check=True).stdout.splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    status, body = call(server, "/v1/records", "ingest", json.dumps(records).encode())
    assert status == 200, body
    for record in records:
        entity = record["entity"]
        query = urllib.parse.urlencode({"entity": entity["type"], "id": entity["id"]})
        status, trail = call_json(server, f"/regulator/audit?{query}", "regulator_read")
        assert status == 200 and record["eventId"] in {c["eventId"] for c in trail["changes"]}, \
            "the record must be in the production log"
        status, trail = call_json(server, f"{SANDBOX}/audit?{query}")
        assert status in (200, 404), trail
        if status == 200:
            assert record["eventId"] not in {change["eventId"] for change in trail["changes"]}
        assert record["eventId"] not in sandbox_stream_event_ids(server, record["stream"])


def test_a_sandbox_event_id_is_refused_by_the_production_log(server):
    line = subprocess.run([str(server["binary"]), "generate", "--count", "1", "--seed", "11"],
                          capture_output=True, check=True).stdout.splitlines()[0]
    record = json.loads(line)
    record["eventId"] = "sbx-" + record["eventId"]
    status, body = call(server, "/v1/records", "ingest", json.dumps([record]).encode())
    assert 400 <= status < 500 and error_code(body) == "wrong_log", (status, body)


# -- reset (last: it rebuilds the sandbox the other tests read) -------------------------------------

def test_a_reset_to_the_same_scenario_rebuilds_the_same_log(server):
    status, before_status = call_json(server, f"{SANDBOX}/status")
    assert status == 200
    initial = before_status["initialTreeSize"]
    before_note = consistency_vector_checkpoint(server)
    consistency = f"{SANDBOX}/proof/consistency?from=1&to={initial}"
    status, before_proof = call_json(server, consistency)
    assert status == 200, before_proof

    status, body = call(server, "/sandbox/admin/reset", "admin",
                        json.dumps({"scenario": before_status["scenario"]}).encode())
    assert status == 200, body

    status, after_status = call_json(server, f"{SANDBOX}/status")
    assert status == 200
    assert (after_status["scenario"], after_status["origin"], after_status["verifierKey"], after_status["initialTreeSize"]) \
        == (before_status["scenario"], before_status["origin"], before_status["verifierKey"], initial)
    after_note = consistency_vector_checkpoint(server)
    assert after_note.split("\n")[1] == str(initial)
    status, after_proof = call_json(server, consistency)
    assert status == 200, after_proof
    assert after_note == before_note, \
        f"the same scenario must give the identical signed checkpoint at size {initial}:\n{before_note}\n{after_note}"
    assert after_proof == before_proof, "the same scenario must give the identical tree"
