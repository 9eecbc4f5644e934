"""The regulator request webhook: a regulator POSTs what it wants and where to send it; the vault
answers 202 with a job id at once, prepares the answer from its own records, keeps it as a
write-once object and POSTs it to the callback, signed as Standard Webhooks. Asking again with the
same requestId finds the same job; a callback on a host not allowed for that regulator, a plain
http one, or a bad query is refused before anything is stored or any connection made; a callback
that redirects is not followed. Development mode allows callbacks on loopback, signed with
dev-certs/webhook-secret, the receiver holding the development server certificate."""

import base64
import hashlib
import json
import subprocess
import sys
import time

from conftest import REPO_ROOT, MutualTLSClient, dev_server
from test_report_schedule import wait_for

sys.path.insert(0, str(REPO_ROOT / "tools"))
from webhook_receiver import Receiver  # noqa: E402


def receiver_for(running, **options) -> Receiver:
    certs = running["certs"]
    return Receiver(certs / "server.pem", certs / "server.key", None, (certs / "webhook-secret").read_text(), **options)


def bonus_rule_changes(client: MutualTLSClient):
    lines = [json.dumps({"eventId": f"br-123-v{n}", "stream": "audit.change", "entity": {"type": "bonusRule", "id": "123"},
                         "action": "update", "actor": {"id": "bo-admin-7", "role": "bonus_manager"},
                         "occurredAt": f"2026-11-2{n}T10:00:00Z", "reason": f"change {n}", "jurisdiction": "MT",
                         "state": {"maxBonus": 100 * n, "currency": "EUR"}}) for n in range(1, 4)]
    status, _, body = client.request("ingest", "POST", "/v1/records", "\n".join(lines).encode(),
                                     {"Content-Type": "application/x-ndjson"})
    assert status == 200, body


def ask(client, role, body):
    return client.json(role, "POST", "/webhook/regulator/request", body)


def test_an_audit_request_is_answered_at_its_callback_once_signed_and_kept(tmp_path):
    with dev_server(tmp_path / "vault") as running:
        client = MutualTLSClient(running)
        bonus_rule_changes(client)
        receiver = receiver_for(running)
        try:
            request = {"requestId": "MGA-REQ-2026-0042", "query": {"kind": "audit", "entity": {"type": "bonusRule", "id": "123"}},
                       "format": "json", "callbackUrl": f"https://127.0.0.1:{receiver.port}/regvault/answers"}
            asked = time.time()
            status, job = ask(client, "regulator_read", request)
            assert status == 202, job
            assert job["jobId"].startswith("job_") and job["status"] in ("pending", "retrying", "delivered")
            # The same request again is the same job; another ask under the same requestId is a conflict.
            status, again = ask(client, "regulator_read", request)
            assert status == 200 and again["jobId"] == job["jobId"]
            status, error = ask(client, "regulator_read", {**request, "query": {"kind": "player", "playerId": "p-1"}})
            assert status == 409, error

            accepted = wait_for(lambda: receiver.accepted(), seconds=30)
            answered = accepted[0]["at"] - asked
            assert len(accepted) == 1 and accepted[0]["signed"]
            payload = json.loads(accepted[0]["body"])
            assert payload["type"] == "request.completed"
            data = payload["data"]
            assert data["jobId"] == job["jobId"] and data["requestId"] == "MGA-REQ-2026-0042"
            # The answer is the audit trail the regulator route gives: the same versions, before and after.
            changes = data["result"]["changes"]
            assert [c["eventId"] for c in changes] == ["br-123-v1", "br-123-v2", "br-123-v3"]
            status, live = client.json("regulator_read", "GET", "/regulator/audit?entity=bonusRule&id=123")
            assert status == 200 and [c["record"] for c in live["changes"]] == [c["record"] for c in changes]
            # It is kept as a write-once object whose digest the log commits to, and sent as those bytes.
            status, _, kept = client.request("compliance_officer", "GET", f"/v1/objects/{data['objectKey']}")
            assert status == 200 and hashlib.sha256(kept).hexdigest() == data["sha256"] and json.loads(kept) == data["result"]
            # The job shows its delivery, with the digest of what was sent and the receiver's answer.
            status, shown = client.json("regulator_read", "GET", f"/webhook/regulator/request/{job['jobId']}")
            assert status == 200 and shown["status"] == "delivered"
            assert shown["delivery"]["id"] == accepted[0]["id"]
            assert shown["delivery"]["payloadSha256"] == hashlib.sha256(accepted[0]["body"]).hexdigest()
            # Another inspector's job is not this one's to read.
            assert client.json("ingest", "GET", f"/webhook/regulator/request/{job['jobId']}")[0] == 403
            print(f"request → callback accepted: {answered:.2f} s")
            assert answered < 30, "a live-data request is answered within 30 seconds"
        finally:
            receiver.close()


def test_a_logs_request_in_csv(tmp_path):
    with dev_server(tmp_path / "vault") as running:
        client = MutualTLSClient(running)
        bonus_rule_changes(client)
        receiver = receiver_for(running)
        try:
            status, job = ask(client, "compliance_officer", {
                "requestId": "logs-1", "query": {"kind": "logs", "stream": "audit.change"}, "format": "csv",
                "callbackUrl": f"https://localhost:{receiver.port}/cb"})
            assert status == 202, job
            data = json.loads(wait_for(lambda: receiver.accepted(), seconds=30)[0]["body"])["data"]
            csv = base64.b64decode(data["resultBase64"]).decode()
            assert csv.startswith("seq,recordedAt,") and csv.count("br-123-v") == 3
            assert hashlib.sha256(base64.b64decode(data["resultBase64"])).hexdigest() == data["sha256"]
        finally:
            receiver.close()


def test_an_export_request_is_answered_with_a_link_to_an_archive_the_auditors_verifier_accepts(tmp_path):
    with dev_server(tmp_path / "vault") as running:
        client = MutualTLSClient(running)
        bonus_rule_changes(client)
        receiver = receiver_for(running)
        try:
            request = {"requestId": "MGA-EXPORT-7", "query": {"kind": "export", "entity": {"type": "bonusRule", "id": "123"}},
                       "format": "archive", "callbackUrl": f"https://127.0.0.1:{receiver.port}/answers"}
            status, job = ask(client, "regulator_read", request)
            assert status == 202, job
            data = json.loads(wait_for(lambda: receiver.accepted(), seconds=60)[0]["body"])["data"]
            assert data["format"] == "archive" and data["contentType"] == "application/gzip"
            assert "result" not in data and "resultBase64" not in data, "an archive is sent as a link, not inline"
            link = data["download"]["url"]
            assert link.endswith(f"/webhook/regulator/request/{job['jobId']}/answer")
            path = link[link.index("/webhook/"):]
            status, headers, archive = client.request("regulator_read", "GET", path)
            assert status == 200 and hashlib.sha256(archive).hexdigest() == data["sha256"] == {k.lower(): v for k, v in headers}["etag"].strip('"')
            assert client.request("ingest", "GET", path)[0] == 403, "only the asker (or a compliance officer) reads it"
            (tmp_path / "export.tar.gz").write_bytes(archive)
            verifier = running["binary"].parent / "regvault-verify"
            checked = subprocess.run([str(verifier), str(tmp_path / "export.tar.gz"), "--key", str(running["data"] / "log.pub")],
                                     capture_output=True, text=True)
            assert checked.returncode == 0, checked.stdout + checked.stderr
        finally:
            receiver.close()


def test_callbacks_and_queries_that_are_not_allowed_are_refused_before_anything_is_stored(tmp_path):
    with dev_server(tmp_path / "vault") as running:
        client = MutualTLSClient(running)
        base = {"requestId": "r-1", "query": {"kind": "player", "playerId": "p-1"}, "format": "json"}
        for url, expected, code in (("https://example.org/cb", 403, "callback_not_allowed"),
                                    ("https://10.0.0.7/cb", 403, "callback_not_allowed"),
                                    ("https://169.254.169.254/latest/meta-data", 403, "callback_not_allowed"),
                                    ("http://127.0.0.1:9/cb", 400, "invalid_callback"),
                                    ("https://user:pw@127.0.0.1/cb", 400, "invalid_callback")):
            status, error = ask(client, "regulator_read", {**base, "callbackUrl": url})
            assert (status, error["error"]["code"]) == (expected, code), (url, error)
        for query, fmt in (({"kind": "everything"}, "json"), ({"kind": "audit"}, "json"),
                           ({"kind": "audit", "entity": {"type": "bonusRule", "id": "1"}}, "csv"),
                           ({"kind": "logs", "stream": "nonsense"}, "json"), ({"kind": "report", "period": "soon"}, "json"),
                           ({"kind": "export"}, "json"), ({"kind": "export", "stream": "nonsense"}, "archive"),
                           ({"kind": "player", "playerId": "p-1"}, "archive")):
            status, error = ask(client, "regulator_read", {**base, "query": query, "format": fmt,
                                                           "callbackUrl": "https://127.0.0.1:9/cb"})
            assert (status, error["error"]["code"]) == (400, "invalid_query"), (query, error)
        assert ask(client, "ingest", {**base, "callbackUrl": "https://127.0.0.1:9/cb"})[0] == 403
        status, logs = client.json("compliance_officer", "GET", "/regulator/logs/vault.request")
        assert status == 200 and logs["records"] == [], "nothing refused was stored"


def test_a_callback_that_redirects_is_not_followed(tmp_path):
    with dev_server(tmp_path / "vault") as running:
        client = MutualTLSClient(running)
        receiver = receiver_for(running, redirect_to="https://example.org/elsewhere")
        try:
            status, job = ask(client, "regulator_read", {
                "requestId": "redir-1", "query": {"kind": "player", "playerId": "p-1"}, "format": "json",
                "callbackUrl": f"https://127.0.0.1:{receiver.port}/cb"})
            assert status == 202
            wait_for(lambda: receiver.snapshot(), seconds=30)

            def retrying():
                shown = client.json("regulator_read", "GET", f"/webhook/regulator/request/{job['jobId']}")[1]
                return shown if shown["status"] == "retrying" else None
            shown = wait_for(retrying, seconds=30)
            assert shown["delivery"]["lastAttempt"]["httpStatus"] == 302
            assert "redirects are not followed" in shown["delivery"]["lastAttempt"]["error"]
            assert all(r["status"] == 302 for r in receiver.snapshot())
        finally:
            receiver.close()
