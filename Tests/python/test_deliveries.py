"""Filed reports are delivered to regulators' HTTPS webhooks by the vault itself: signed as Standard
Webhooks, over mutual TLS, once per report and destination, retried with back-off through a
receiver's failures and a SIGKILL of the vault, given up on (with an incident) when the receiver
never takes them, and every attempt is an entry in the log that `GET /v1/deliveries` shows.

The receiver (tools/webhook_receiver.py) is a real HTTPS server on loopback with its own CA, made
here with openssl; it checks each signature with its own code (Standard Webhooks: HMAC-SHA256 over
"id.timestamp.body")."""

import base64
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from conftest import REPO_ROOT, MutualTLSClient, dev_server
from test_report_schedule import CONFIG, records, wait_for

sys.path.insert(0, str(REPO_ROOT / "tools"))
from webhook_receiver import Receiver  # noqa: E402  (the receiver the delivery scripts use too)

DELIVERED_TEMPLATE = "mga.b2c-daily-summary"


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_pki(directory: Path) -> Path:
    """A receiver CA, the receiver's certificate for 127.0.0.1, and the vault's client certificate."""
    directory.mkdir()
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
            "-subj", "/CN=Receiver test CA", "-keyout", "ca.key", "-out", "ca.pem", cwd=directory)
    for name, extension in (("receiver", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth"),
                            ("vault-client", "extendedKeyUsage=clientAuth")):
        (directory / f"{name}.ext").write_text(extension + "\n")
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", f"/CN=regvault-{name}",
                "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=directory)
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
                "-extfile", f"{name}.ext", "-out", f"{name}.pem", cwd=directory)
        os.chmod(directory / f"{name}.key", 0o600)
    return directory


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def receiver_for(pki: Path, secret: str, fail_first: int = 0) -> Receiver:
    """A receiver with its certificate from `pki`, requiring the vault's client certificate from the same CA."""
    return Receiver(pki / "receiver.pem", pki / "receiver.key", pki / "ca.pem", secret, fail_first=fail_first)


def write_secret(path: Path) -> str:
    secret = "whsec_" + base64.b64encode(os.urandom(32)).decode()
    path.write_text(secret + "\n")
    os.chmod(path, 0o600)
    return secret


def prepare_vault(binary, tmp_path: Path) -> Path:
    """A vault with two gaming days of Malta records, its development certificates and reports.json."""
    data = tmp_path / "vault"
    with dev_server(data):
        pass
    (tmp_path / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records()))
    subprocess.run([str(binary), "append", "--data", str(data), str(tmp_path / "records.jsonl")], check=True, capture_output=True)
    # Outside development mode the licence number must look real.
    config = json.loads(json.dumps(CONFIG))
    config["licences"][0]["licenceNumber"] = "MGA/B2C/123/2021"
    (data / "reports.json").write_text(json.dumps(config))
    return data


def write_config(tmp_path: Path, data: Path, destinations: list, **retry) -> Path:
    certs = data / "dev-certs"
    loopback = ["127.0.0.0/8", "::1/128"]
    config = {
        "data": str(data), "listen": "127.0.0.1:0",
        "tls": {"certificate": str(certs / "server.pem"), "privateKey": str(certs / "server.key"), "clientCAs": [str(certs / "ca.pem")]},
        "identities": [{"commonName": role, "roles": [role], "allowFrom": loopback}
                       for role in ("ingest", "regulator_read", "compliance_officer", "admin")],
        "deliveries": {"destinations": destinations, **retry},
    }
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return path


def webhook(pki: Path, secret_file: Path, port: int, **extra) -> dict:
    return {"url": f"https://127.0.0.1:{port}/hooks/reports", "secretFile": str(secret_file),
            "clientCertificate": str(pki / "vault-client.pem"), "clientKey": str(pki / "vault-client.key"),
            "trustedCAs": str(pki / "ca.pem"), "allowPrivateAddress": True, "timeoutSeconds": 10, **extra}


class Server:
    def __init__(self, binary, config: Path, data: Path):
        self.proc = subprocess.Popen([str(binary), "serve", "--config", str(config), "--report-interval", "1"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self.proc.stdout.readline().decode()
        assert line.startswith("listening on "), line + self.proc.stderr.read().decode()[-2000:]
        self.client = MutualTLSClient(dict(url=line.split()[-1], certs=data / "dev-certs"))

    def deliveries(self, **query):
        suffix = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
        status, body = self.client.json("compliance_officer", "GET", "/v1/deliveries" + suffix)
        assert status == 200, body
        return body["deliveries"]

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        self.proc.wait(timeout=30)


def filed(binary, data, template):
    out = subprocess.run([str(binary), "report", "list", "--data", str(data)], capture_output=True, text=True, check=True)
    return {r["eventId"]: r for r in map(json.loads, out.stdout.splitlines()) if r["state"]["template"] == template}


def test_reports_reach_an_mtls_webhook_signed_once_each_through_failures(regvault_bin, tmp_path):
    pki = make_pki(tmp_path / "pki")
    secret = write_secret(tmp_path / "mga.secret")
    receiver = receiver_for(pki, secret, fail_first=2)
    data = prepare_vault(regvault_bin, tmp_path)
    destination = {"id": "mga-portal", "webhook": webhook(pki, tmp_path / "mga.secret", receiver.port),
                   "reports": {"licences": ["mt"], "templates": [DELIVERED_TEMPLATE]}}
    server = Server(regvault_bin, write_config(tmp_path, data, [destination], firstRetrySeconds=1, maxRetrySeconds=2), data)
    try:
        reports = wait_for(lambda: filed(regvault_bin, data, DELIVERED_TEMPLATE) or None)
        time.sleep(2)  # the schedule files every closed day; let it finish
        reports = filed(regvault_bin, data, DELIVERED_TEMPLATE)
        deliveries = wait_for(lambda: (lambda d: d if len(d) == len(reports) and all(x["status"] == "delivered" for x in d)
                                       else None)(server.deliveries()))

        # One delivery per report of the chosen template; none for the other template.
        assert {d["subject"]["eventId"] for d in deliveries} == set(reports)
        assert all(d["destination"] == "mga-portal" and d["channel"] == "webhook" for d in deliveries)

        # Every request was signed and came with the vault's client certificate.
        assert receiver.requests and all(r["signed"] for r in receiver.requests)
        assert {r["client"] for r in receiver.requests} == {"regvault-vault-client"}
        # Each delivery was accepted exactly once under its own id; the two failures were retried with the same id.
        accepted_ids = [r["id"] for r in receiver.accepted()]
        assert sorted(accepted_ids) == sorted(d["id"] for d in deliveries)
        failed = [r for r in receiver.requests if r["status"] == 500]
        assert len(failed) == 2 and all(r["id"] in accepted_ids for r in failed)
        for id_ in accepted_ids:
            attempts = [r for r in receiver.requests if r["id"] == id_]
            assert len({r["body"] for r in attempts}) == 1, "every attempt sends the same bytes"

        # The log's account matches what the receiver saw: attempts, statuses, the answer's digest.
        for delivery in deliveries:
            seen = [r for r in receiver.requests if r["id"] == delivery["id"]]
            assert delivery["attempts"] == len(seen)
            assert delivery["lastAttempt"]["httpStatus"] == 200
            assert delivery["lastAttempt"]["responseSha256"] == hashlib.sha256(f"accepted:{delivery['id']}".encode()).hexdigest()
            status, one = server.client.json("compliance_officer", "GET", f"/v1/deliveries/{delivery['id']}")
            assert status == 200
            statuses = [e["status"] for e in one["entries"]]
            assert statuses[0] == "pending" and statuses[-1] == "delivered" and statuses[1:-1] == ["retrying"] * (len(seen) - 1)
            assert [e["seq"] for e in one["entries"]] == sorted(e["seq"] for e in one["entries"])
            if len(seen) > 1:
                assert one["entries"][1]["lastAttempt"]["httpStatus"] == 500

        # The body carries the report and its files, which match the digests the log committed to.
        body = json.loads(receiver.accepted()[0]["body"])
        assert body["type"] == "report.filed"
        report = reports[body["data"]["report"]["eventId"]]
        assert body["data"]["report"]["template"] == DELIVERED_TEMPLATE
        for file in body["data"]["files"]:
            assert hashlib.sha256(base64.b64decode(file["contentBase64"])).hexdigest() == file["sha256"]
        assert {f["sha256"] for f in body["data"]["files"]} == {f["sha256"] for f in report["state"]["files"]}

        # The CLI reads the same from the data directory; the route is for compliance officers only.
        out = subprocess.run([str(regvault_bin), "deliveries", "list", "--data", str(data), "--status", "delivered"],
                             capture_output=True, text=True, check=True)
        assert {json.loads(line)["id"] for line in out.stdout.splitlines()} == set(accepted_ids)
        assert server.client.json("regulator_read", "GET", "/v1/deliveries")[0] == 403
        status, error = server.client.json("compliance_officer", "GET", "/v1/deliveries?status=lost")
        assert status == 400 and "pending" in json.dumps(error)
        # A page at a time, newest first, each delivery once.
        paged, cursor = [], ""
        while True:
            status, page = server.client.json("compliance_officer", "GET", "/v1/deliveries?limit=2" + cursor)
            assert status == 200 and len(page["deliveries"]) <= 2
            paged += page["deliveries"]
            if not page["nextCursor"]:
                break
            cursor = "&cursor=" + page["nextCursor"]
        assert [d["id"] for d in paged] == [d["id"] for d in server.deliveries()]
        assert [d["seq"] for d in paged] == sorted((d["seq"] for d in paged), reverse=True)
    finally:
        server.stop()
        receiver.close()


def test_a_receiver_that_never_takes_it_is_given_up_on_with_an_incident(regvault_bin, tmp_path):
    pki = make_pki(tmp_path / "pki")
    write_secret(tmp_path / "down.secret")
    data = prepare_vault(regvault_bin, tmp_path)
    closed = free_port()
    down = {"id": "down-portal", "webhook": webhook(pki, tmp_path / "down.secret", closed),
            "reports": {"templates": [DELIVERED_TEMPLATE]}}
    private = {"id": "private-portal", "webhook": webhook(pki, tmp_path / "down.secret", closed, allowPrivateAddress=False),
               "reports": {"templates": [DELIVERED_TEMPLATE]}}
    server = Server(regvault_bin, write_config(tmp_path, data, [down, private], maxAttempts=2, firstRetrySeconds=1,
                                               maxRetrySeconds=1), data)
    try:
        dead = wait_for(lambda: (lambda d: d if d and all(x["status"] == "dead" for x in d) else None)(server.deliveries()))
        by_destination = {}
        for delivery in dead:
            by_destination.setdefault(delivery["destination"], []).append(delivery)
            assert delivery["attempts"] == 2
        assert set(by_destination) == {"down-portal", "private-portal"}
        assert all("connection refused" in d["lastAttempt"]["error"] for d in by_destination["down-portal"])
        assert all("private or loopback" in d["lastAttempt"]["error"] for d in by_destination["private-portal"])
        # Each dead delivery raised a P2 incident on the incident stream.
        status, logs = server.client.json("compliance_officer", "GET", "/regulator/logs/incident?limit=100")
        assert status == 200, logs
        incidents = {r["eventId"]: r for r in logs["records"]}
        for delivery in dead:
            incident = incidents[f"inc:delivery:{delivery['id']}"]
            assert incident["entity"] == {"type": "incident", "id": f"delivery-{delivery['id']}"}
            raised = incident["diff"][0]["value"]
            assert raised["kind"] == "delivery_failed" and raised["severity"] == "P2"
            assert raised["destination"] == delivery["destination"] and raised["attempts"] == 2
        assert server.deliveries(status="delivered") == []

        # The receiver comes back: the compliance officer sends the dead ones again, with a reason.
        receiver = Receiver(pki / "receiver.pem", pki / "receiver.key", pki / "ca.pem", (tmp_path / "down.secret").read_text(),
                            port=closed)
        try:
            down = by_destination["down-portal"][0]
            assert server.client.json("compliance_officer", "POST", f"/v1/deliveries/{down['id']}/retry", {})[0] == 400
            status, retried = server.client.json("compliance_officer", "POST", f"/v1/deliveries/{down['id']}/retry",
                                                 {"reason": "portal back after maintenance"})
            assert status == 200 and retried["status"] == "retrying"
            assert server.client.json("regulator_read", "POST", f"/v1/deliveries/{down['id']}/retry", {"reason": "x"})[0] == 403
            wait_for(lambda: receiver.accepted(), seconds=30)
            status, one = server.client.json("compliance_officer", "GET", f"/v1/deliveries/{down['id']}")
            assert one["status"] == "delivered" and [e["status"] for e in one["entries"]][-3:] == ["dead", "retrying", "delivered"]
            assert server.client.json("compliance_officer", "POST", f"/v1/deliveries/{down['id']}/retry",
                                      {"reason": "again"})[0] == 409, "only a dead delivery is sent again"
        finally:
            receiver.close()
    finally:
        server.stop()


def test_a_killed_vault_resumes_its_deliveries_under_the_same_ids(regvault_bin, tmp_path):
    pki = make_pki(tmp_path / "pki")
    secret = write_secret(tmp_path / "mga.secret")
    receiver = receiver_for(pki, secret, fail_first=3)
    data = prepare_vault(regvault_bin, tmp_path)
    destination = {"id": "mga-portal", "webhook": webhook(pki, tmp_path / "mga.secret", receiver.port),
                   "reports": {"templates": [DELIVERED_TEMPLATE]}}
    config = write_config(tmp_path, data, [destination], firstRetrySeconds=1, maxRetrySeconds=2)
    server = Server(regvault_bin, config, data)
    wait_for(lambda: len(receiver.requests) >= 1)
    server.stop(signal.SIGKILL)
    server = Server(regvault_bin, config, data)
    try:
        reports = filed(regvault_bin, data, DELIVERED_TEMPLATE)
        deliveries = wait_for(lambda: (lambda d: d if len(d) == len(reports) and all(x["status"] == "delivered" for x in d)
                                       else None)(server.deliveries()))
        ids = {d["id"] for d in deliveries}
        assert {r["id"] for r in receiver.requests} == ids, "nothing was sent under another id"
        assert {r["id"] for r in receiver.accepted()} == ids, "every delivery reached the receiver"
        for id_ in ids:
            assert len({r["body"] for r in receiver.requests if r["id"] == id_}) == 1
    finally:
        server.stop()
        receiver.close()


def test_a_secret_open_to_others_stops_the_server_with_the_fix(regvault_bin, tmp_path):
    pki = make_pki(tmp_path / "pki")
    write_secret(tmp_path / "open.secret")
    os.chmod(tmp_path / "open.secret", 0o644)
    data = prepare_vault(regvault_bin, tmp_path)
    config = write_config(tmp_path, data, [{"id": "mga-portal", "webhook": webhook(pki, tmp_path / "open.secret", 443)}])
    proc = subprocess.run([str(regvault_bin), "serve", "--config", str(config)], capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "chmod 600" in proc.stderr and "open.secret" in proc.stderr


def test_a_p1_incident_reaches_its_regulator_at_once_with_its_deadlines(regvault_bin, tmp_path):
    pki = make_pki(tmp_path / "pki")
    secret = write_secret(tmp_path / "mga.secret")
    receiver = receiver_for(pki, secret)
    data = prepare_vault(regvault_bin, tmp_path)
    destination = {"id": "mga-incidents", "webhook": webhook(pki, tmp_path / "mga.secret", receiver.port),
                   "incidents": {"jurisdictions": ["MT"]}}
    # A Malta holiday on the Tuesday moves the MGA deadline (3 working days from Friday) to Thursday.
    server = Server(regvault_bin, write_config(tmp_path, data, [destination], holidays={"MT": ["2026-11-24"]}), data)
    try:
        def incident(id_, severity, jurisdiction="MT", kind="RNG_anomaly"):
            return {"eventId": id_, "stream": "incident", "entity": {"type": "incident", "id": id_}, "action": "open",
                    "actor": {"id": "rng-monitor", "role": "system"}, "occurredAt": "2026-11-20T10:00:00Z",
                    "jurisdiction": jurisdiction, "reason": "RTP outside the certified band",
                    "state": {"kind": kind, "severity": severity, "gameId": "game-7"}}
        lines = [incident("inc-p1", "P1"), incident("inc-p3", "P3"), incident("inc-gb", "P1", jurisdiction="GB")]
        sent = time.time()
        status, _, body = server.client.request("ingest", "POST", "/v1/records", "\n".join(map(json.dumps, lines)).encode(),
                                                {"Content-Type": "application/x-ndjson"})
        assert status == 200, body
        notice = wait_for(lambda: receiver.accepted(), seconds=30)[0]
        print(f"P1 incident recorded → webhook received: {notice['at'] - sent:.2f} s")
        assert notice["signed"] and notice["client"] == "regvault-vault-client"
        data_ = json.loads(notice["body"])
        assert data_["type"] == "incident.raised"
        assert data_["data"]["incident"]["eventId"] == "inc-p1" and data_["data"]["incident"]["state"]["severity"] == "P1"
        assert data_["data"]["deadlines"] == [{"regime": "MGA", "dueAt": "2026-11-26T10:00:00.000Z",
                                               "rule": "incident: notify the MGA within 3 working days"}]
        time.sleep(3)  # the report schedule runs meanwhile: reports do not go to an incidents-only destination
        assert [json.loads(r["body"])["data"]["incident"]["eventId"] for r in receiver.requests] == ["inc-p1"]
        assert [d["subject"]["kind"] for d in server.deliveries()] == ["incident"]
        # The compliance officer's view: each incident with its deadlines and notices. This one happened
        # on 2026-11-20 and was notified only now, after its deadline: missed, and shown as such.
        status, listed = server.client.json("compliance_officer", "GET", "/v1/incidents")
        assert status == 200
        by_id = {i["entity"]["id"]: i for i in listed["incidents"]}
        assert set(by_id) == {"inc-p1", "inc-p3", "inc-gb"}
        assert [n["status"] for n in by_id["inc-p1"]["notices"]] == ["delivered"]
        assert by_id["inc-p1"]["deadlines"][0]["regime"] == "MGA" and by_id["inc-p1"]["deadlines"][0]["missed"] is True
        assert by_id["inc-gb"]["deadlines"][0]["regime"] == "UKGC" and by_id["inc-gb"]["notices"] == []
        # /metrics: the GB P1 has no notice yet, and all three deadlines (2026-11) have passed, only inc-p1's noticed.
        status, _, metrics = server.client.request("compliance_officer", "GET", "/metrics")
        lines = metrics.decode().splitlines()
        assert "regvault_p1_incidents_unnotified 1.0" in lines, [l for l in lines if "incident" in l]
        assert "regvault_incident_deadlines_missed 3.0" in lines, [l for l in lines if "incident" in l]
        out = subprocess.run([str(regvault_bin), "incidents", "list", "--data", str(data), "--severity", "P1"],
                             capture_output=True, text=True, check=True)
        assert sorted(json.loads(line)["entity"]["id"] for line in out.stdout.splitlines()) == ["inc-gb", "inc-p1"]
    finally:
        server.stop()
        receiver.close()
