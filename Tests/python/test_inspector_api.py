"""The inspector API as a regulator's own client would use it: HTTPS with a client certificate,
then every inclusion proof and the checkpoint signature checked with this folder's code (RFC 9162,
C2SP signed-note), not the server's. Uses only the standard library and `cryptography`."""

import json
import ssl
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import dev_server
from test_independent_verify import (b64d, checkpoint_verifies, flip, leaf_hash, parse_checkpoint, parse_entry,
                                     parse_verifier_key, sha256, verify_inclusion)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with dev_server(tmp_path_factory.mktemp("inspector") / "vault") as running:
        yield running


def client(certs: Path, role: str) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(certs / "ca.pem"))
    context.load_cert_chain(str(certs / f"{role}.pem"), str(certs / f"{role}.key"))
    return context


def call(server, path: str, role: str, body: bytes = None):
    request = urllib.request.Request(server["url"] + path, data=body, method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(request, context=client(server["certs"], role), timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_audit_over_https_verifies_with_an_independent_client(server):
    records = subprocess.run([str(server["binary"]), "generate", "--count", "300", "--seed", "5"],
                             capture_output=True, check=True).stdout
    status, body = call(server, "/v1/records", "ingest", records)
    assert status == 200, body
    assert [r["seq"] for r in json.loads(body)["results"]] == list(range(1, 301))  # seq 0: the retention policy

    key = parse_verifier_key((server["data"] / "log.pub").read_text().strip())
    status, body = call(server, "/regulator/audit?entity=bonusRule&id=123", "regulator_read")
    assert status == 200, body
    trail = json.loads(body)
    checkpoint = parse_checkpoint(trail["checkpoint"].encode())
    assert checkpoint_verifies(checkpoint, key), "the checkpoint signature must verify with the published key"
    assert checkpoint.size == 301
    assert trail["changes"], "bonus rule 123 has changes in the generated data"
    for change in trail["changes"]:
        entry = b64d(change["entry"])
        proof = change["inclusion"]
        hashes = [b64d(h) for h in proof["hashes"]]
        assert proof["treeSize"] == checkpoint.size
        assert verify_inclusion(proof["index"], checkpoint.size, leaf_hash(entry), hashes, checkpoint.root)
        assert parse_entry(entry).commitment == sha256(b64d(change["salt"]) + b64d(change["record"]))
        if hashes:
            assert not verify_inclusion(proof["index"], checkpoint.size, leaf_hash(entry), [flip(hashes[0])] + hashes[1:],
                                        checkpoint.root)


def test_the_signed_checkpoint_route_serves_the_note_exactly(server):
    status, body = call(server, "/regulator/checkpoint", "compliance_officer")
    assert status == 200
    key = parse_verifier_key((server["data"] / "log.pub").read_text().strip())
    assert checkpoint_verifies(parse_checkpoint(body), key)


def test_an_inspector_certificate_cannot_write_and_an_ingest_certificate_cannot_read(server):
    status, body = call(server, "/v1/records", "regulator_read", b"[]")
    assert status == 403 and json.loads(body)["error"]["code"] == "role_not_allowed"
    status, body = call(server, "/regulator/audit?entity=bonusRule&id=123", "ingest")
    assert status == 403 and json.loads(body)["error"]["code"] == "role_not_allowed"


def test_the_served_openapi_document_is_valid_openapi_3_1(server):
    import yaml
    from openapi_spec_validator import validate

    status, body = call(server, "/openapi.yaml", "admin")
    assert status == 200
    document = yaml.safe_load(body)
    validate(document)
    assert "/regulator/audit" in document["paths"]


def test_audit_pages_by_version_filters_on_occurred_at_and_shows_before_and_after(server):
    """250 versions of one bonus rule, recorded today but changed through January: pages of 100
    in order, a window by the time the change happened, and each touched path before → after."""
    states, lines = [], []
    state = {"maxBonus": 100, "wagering": 35, "games": ["slots"]}
    for n in range(250):
        at = f"2026-01-{1 + n // 10:02d}T{n % 10:02d}:00:00Z"
        record = {"eventId": f"paged-{n}", "stream": "audit.change", "entity": {"type": "bonusRule", "id": "paged-1"},
                  "action": "create" if n == 0 else "update", "actor": {"id": "bo-admin-1"}, "occurredAt": at,
                  "reason": f"change {n}", "jurisdiction": "MT"}
        if n % 5 == 4:  # sent as a diff
            record["diff"] = [{"op": "add", "path": "/games/-", "value": f"game-{n}"}]
            state = dict(state, games=state["games"] + [f"game-{n}"])
        else:
            state = dict(state, maxBonus=100 + n)
            record["state"] = state
        states.append(state)
        lines.append(json.dumps(record))
    status, body = call(server, "/v1/records", "ingest", "\n".join(lines).encode())
    assert status == 200, body

    pages, cursor = [], None
    while True:
        query = "/regulator/audit?entity=bonusRule&id=paged-1&limit=100" + (f"&cursor={cursor}" if cursor else "")
        status, body = call(server, query, "regulator_read")
        assert status == 200, body
        page = json.loads(body)
        assert page["versions"] == 250 and page["window"] == {"time": "occurredAt", "limit": 100}
        pages.append(page["changes"])
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert [len(p) for p in pages] == [100, 100, 50]
    changes = [c for p in pages for c in p]
    assert [c["version"] for c in changes] == list(range(1, 251))
    for n, change in enumerate(changes[1:], start=1):
        touched = {t["path"]: t for t in change["touched"]}
        if n % 5 == 4:
            assert touched == {"/games": {"path": "/games", "before": states[n - 1]["games"], "after": states[n]["games"]}}
        else:
            assert touched == {"/maxBonus": {"path": "/maxBonus", "before": states[n - 1]["maxBonus"],
                                             "after": states[n]["maxBonus"]}}

    status, body = call(server, "/regulator/audit?entity=bonusRule&id=paged-1&from=2026-01-10T00:00:00Z"
                                "&to=2026-01-12T00:00:00Z", "regulator_read")
    window = json.loads(body)
    assert [c["eventId"] for c in window["changes"]] == [f"paged-{n}" for n in range(90, 110)]
    assert window["window"] == {"time": "occurredAt", "from": "2026-01-10T00:00:00.000Z", "to": "2026-01-12T00:00:00.000Z",
                                "limit": 100}

    status, body = call(server, "/regulator/audit?entity=bonusRule&id=paged-1", "regulator_read")
    assert len(json.loads(body)["changes"]) == 100 and json.loads(body)["nextCursor"], "100 a page unless told"
    for bad in ["limit=0", "limit=abc", "cursor=nonsense", "from=yesterday"]:
        status, body = call(server, f"/regulator/audit?entity=bonusRule&id=paged-1&{bad}", "regulator_read")
        assert status == 400, (bad, body)


def test_an_inspector_reads_only_their_own_accesses_and_the_compliance_officer_reads_all(server):
    assert call(server, "/regulator/checkpoint", "regulator_read")[0] == 200
    assert call(server, "/regulator/checkpoint", "compliance_officer")[0] == 200

    def journal(role):
        status, body = call(server, "/regulator/logs/vault.access?limit=1000", role)
        assert status == 200, body
        page = json.loads(body)
        assert page["window"] == {"time": "recordedAt"}
        return {record["entity"]["id"] for record in page["records"]}

    everyone = journal("compliance_officer")
    own = journal("regulator_read")
    assert len(own) == 1 and own < everyone, (own, everyone)
    other = sorted(everyone - own)[0]
    status, body = call(server, f"/regulator/audit?entity=inspector&id={other}", "regulator_read")
    assert status == 403 and json.loads(body)["error"]["code"] == "compliance_officer_only", body
    (mine,) = own
    assert call(server, f"/regulator/audit?entity=inspector&id={mine}", "regulator_read")[0] == 200
    assert call(server, f"/regulator/audit?entity=inspector&id={other}", "compliance_officer")[0] == 200
