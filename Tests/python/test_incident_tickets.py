"""An incident is a ticket: open → acknowledged → notified → closed, each step an entry on the
incident with who and why, the `notify` step added by the vault when a regulator's destination
takes the first notice. A P1 notice carries read access scoped to the incident's players and time
window, issued as an entry before it is sent, checked on every use, and journaled when used: it
opens that incident's logs and nothing else (another player, another window, any other route)."""

import json
import subprocess
import urllib.parse
from datetime import datetime, timezone

from test_deliveries import Server, make_pki, prepare_vault, receiver_for, webhook, write_config, write_secret
from test_report_schedule import days_ago, wait_for


def at_now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def p1_incident(id_, players, window=None, severity="P1"):
    state = {"kind": "AML_suspect", "severity": severity, "players": players}
    if window:
        state["window"] = window
    return {"eventId": id_, "stream": "incident", "entity": {"type": "incident", "id": id_}, "action": "open",
            "actor": {"id": "aml-monitor", "role": "system"}, "occurredAt": f"{days_ago(1)}T09:00:00Z", "jurisdiction": "MT",
            "reason": "deposits split under the reporting threshold", "state": state}


def post_records(server, *records):
    status, _, body = server.client.request("ingest", "POST", "/v1/records", "\n".join(map(json.dumps, records)).encode(),
                                            {"Content-Type": "application/x-ndjson"})
    assert status == 200, body


def start(regvault_bin, tmp_path):
    pki = make_pki(tmp_path / "pki")
    secret = write_secret(tmp_path / "mga.secret")
    receiver = receiver_for(pki, secret)
    data = prepare_vault(regvault_bin, tmp_path)
    destination = {"id": "mga-incidents", "webhook": webhook(pki, tmp_path / "mga.secret", receiver.port), "incidents": {}}
    config = write_config(tmp_path, data, [destination], linkBase="https://vault.operator.example:8443")
    return Server(regvault_bin, config, data), receiver, data


def test_a_p1_notice_opens_that_incidents_logs_and_nothing_else(regvault_bin, tmp_path):
    server, receiver, data = start(regvault_bin, tmp_path)
    try:
        window = {"from": f"{days_ago(3)}T00:00:00Z", "to": f"{days_ago(2)}T00:00:00Z"}
        post_records(server, p1_incident("inc-aml-1", ["p-1"], window))
        notice = json.loads(wait_for(lambda: receiver.accepted(), seconds=30)[0]["body"])
        access = notice["data"]["access"]
        assert access["players"] == ["p-1"] and access["from"].startswith(days_ago(3)) and access["to"].startswith(days_ago(2))
        assert access["url"].startswith("https://vault.operator.example:8443/access/incident/logs?access=rvi_")
        token = access["token"]
        bearer = {"Authorization": f"Bearer {token}"}

        def get(path, headers=bearer, role="regulator_read"):
            status, _, body = server.client.request(role, "GET", path, headers=headers)
            return status, (json.loads(body) if body else None)

        status, scope = get("/access/incident")
        assert status == 200, scope
        assert scope["grant"]["grantId"] == access["grantId"] and scope["incident"]["entity"]["id"] == "inc-aml-1"
        assert "notices" not in scope["incident"], "another regulator's notices are not this grant's"
        assert "ticket" not in scope["incident"] and "ticket" not in scope["incident"]["state"], "nor the officers' ticket notes"
        # The incident's player over its window: the day-3 deposit and gaming day, nothing from day 2.
        status, page = get("/access/incident/logs?player=p-1")
        assert status == 200, page
        assert sorted(r["eventId"] for r in page["records"]) == sorted([f"dep-p-1-{days_ago(3)}", f"gd-p-1-{days_ago(3)}"])
        # The notice's link (the credential as ?access=) opens the same, with the certificate.
        link = urllib.parse.urlsplit(access["url"])
        status, linked = get(f"{link.path}?{link.query}", headers={})
        assert status == 200 and [r["eventId"] for r in linked["records"]] == [r["eventId"] for r in page["records"]]
        assert linked["players"] == ["p-1"]
        # Nothing else: another player, a later window, the full player route, a write route, a forged credential.
        assert get("/access/incident/logs?player=p-2")[0] == 403
        assert get(f"/access/incident/logs?player=p-1&from={days_ago(2)}T00:00:00Z&to={days_ago(1)}T00:00:00Z")[0] == 403
        assert get("/regulator/player/p-2")[0] == 403
        status, refused = get("/regulator/player/p-1")
        assert status == 403 and "stands in for this certificate's roles" in refused["error"]["message"], refused
        assert get(f"/regulator/player/p-1?access={token}", headers={})[0] == 403, "as a link too"
        status, _, _ = server.client.request("regulator_read", "POST", "/v1/records", b"{}",
                                             {**bearer, "Content-Type": "application/x-ndjson"})
        assert status == 403
        # The operator's own services cannot use a credential they saw on its way.
        assert get("/access/incident", role="ingest")[0] == 403
        # Nor can a platform widen the grant or fake a ticket step: those names are the vault's.
        for forgery in ({"eventId": "fake-grant", "stream": "kyc", "entity": {"type": "incidentAccess", "id": access["grantId"]}},
                        {"eventId": f"grant:{access['grantId']}", "stream": "kyc", "entity": {"type": "player", "id": "p-1"}},
                        {"eventId": "fake-notify", "stream": "incident", "entity": {"type": "incident", "id": "inc-aml-1"},
                         "action": "notify"}):
            record = {"action": "update", "actor": {"id": "svc"}, "occurredAt": at_now(), "jurisdiction": "MT",
                      "state": {"players": ["p-2"], "severity": "P1"}, **forgery}
            status, _, body = server.client.request("ingest", "POST", "/v1/records", json.dumps(record).encode(),
                                                    {"Content-Type": "application/x-ndjson"})
            assert status == 400, (forgery, body)
        forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        assert get("/access/incident", headers={"Authorization": f"Bearer {forged}"})[0] == 401
        assert get("/access/incident", headers={})[0] == 403, "/access/ needs the credential"
        # The log shows the grant issued before the notice, and every use under the grant's name, without the secret.
        status, trail = server.client.json("compliance_officer", "GET", f"/regulator/audit?entity=incidentAccess&id={access['grantId']}")
        assert status == 200 and [c["action"] for c in trail["changes"]] == ["issue"]
        status, journal = server.client.json("compliance_officer", "GET", "/regulator/logs/vault.access?limit=1000")
        uses = [r for r in journal["records"] if r["entity"]["id"] == f"regulator_read/access:{access['grantId']}"]
        assert len(uses) >= 4, uses
        assert token not in json.dumps(journal), "the credential never enters the log"
    finally:
        server.stop()
        receiver.close()


def test_a_ticket_goes_open_notified_acknowledged_closed_each_step_an_entry(regvault_bin, tmp_path):
    server, receiver, data = start(regvault_bin, tmp_path)
    try:
        # A severity that is not exactly P1-P4 would reach no regulator: refused, naming the field.
        for typo in ("p1", "P5", "critical"):
            status, _, body = server.client.request("ingest", "POST", "/v1/records",
                                                    json.dumps(p1_incident("inc-typo", ["p-1"], severity=typo)).encode(),
                                                    {"Content-Type": "application/x-ndjson"})
            assert status == 400 and b"state.severity" in body, (typo, body)
        post_records(server, p1_incident("inc-aml-2", ["p-2"]), p1_incident("inc-low", ["p-1"], severity="P3"),
                     p1_incident("inc-phoned", ["p-1"], severity="P2"))
        wait_for(lambda: receiver.accepted(), seconds=30)
        incident = wait_for(lambda: (lambda s_b: s_b[1] if s_b[1]["ticket"]["status"] == "notified" else None)(
            server.client.json("compliance_officer", "GET", "/v1/incidents/inc-aml-2")), seconds=30)
        assert incident["ticket"]["notified"]["by"] == "regvault-delivery"
        assert incident["ticket"]["notified"]["deliveryId"] == incident["notices"][0]["id"]

        def step(id_, action, body=None):
            return server.client.json("compliance_officer", "POST", f"/v1/incidents/{id_}/{action}", body)

        status, acked = step("inc-aml-2", "acknowledge", {"reason": "MLRO on it"})
        assert status == 200 and acked["ticket"]["acknowledged"]["by"] == "compliance_officer", acked
        assert acked["ticket"]["status"] == "acknowledged", "the status is the latest step: notified, then acknowledged"
        assert "deliveryId" not in acked["ticket"]["acknowledged"]
        assert step("inc-aml-2", "acknowledge")[0] == 409, "a step is taken once"
        assert step("inc-aml-2", "close")[0] == 400, "closing needs a reason"
        status, closed = step("inc-aml-2", "close", {"reason": "STR filed with the FIAU"})
        assert status == 200 and closed["ticket"]["status"] == "closed" and closed["ticket"]["closed"]["reason"] == "STR filed with the FIAU"
        assert step("inc-aml-2", "acknowledge")[0] == 409, "nothing follows close"
        assert step("no-such-incident", "acknowledge")[0] == 404
        status, listed = server.client.json("compliance_officer", "GET", "/v1/incidents?status=closed")
        assert [i["entity"]["id"] for i in listed["incidents"]] == ["inc-aml-2"]
        # A regulator told another way (no destination takes P2s here): recorded with how, and it meets the deadline.
        assert step("inc-phoned", "notify")[0] == 400, "a manual notification says how and when"
        status, phoned = step("inc-phoned", "notify", {"reason": "MGA portal, reference MGA-IR-2026-118"})
        assert status == 200 and phoned["ticket"]["status"] == "notified" and phoned["ticket"]["notified"]["by"] == "compliance_officer"
        assert phoned["deadlines"][0]["met"] is True and phoned["notifiedAt"] == phoned["ticket"]["notified"]["at"]
        assert step("inc-phoned", "notify", {"reason": "again"})[0] == 409
        status, listed = server.client.json("compliance_officer", "GET", "/v1/incidents?status=open&severity=")
        assert [i["entity"]["id"] for i in listed["incidents"]] == ["inc-low"]
        # Each step is an entry on the incident, and none sent the incident to its regulator again.
        status, trail = server.client.json("compliance_officer", "GET", "/regulator/audit?entity=incident&id=inc-aml-2")
        assert [c["action"] for c in trail["changes"]] == ["open", "notify", "acknowledge", "close"]
        assert len([d for d in server.deliveries() if d["subject"]["kind"] == "incident"]) == 1
        assert server.client.json("regulator_read", "POST", "/v1/incidents/inc-low/acknowledge", {})[0] == 403
        # /metrics: the closed P1 no longer counts as open; the P3 does.
        lines = server.client.request("compliance_officer", "GET", "/metrics")[2].decode().splitlines()
        assert 'regvault_incident_tickets_open{severity="P1"} 0.0' in lines, [l for l in lines if "ticket" in l]
        assert 'regvault_incident_tickets_open{severity="P3"} 1.0' in lines
        assert 'regvault_incident_tickets_open{severity="P2"} 1.0' in lines
        assert "regvault_p1_tickets_unacknowledged 0.0" in lines
    finally:
        server.stop()
        receiver.close()
    # The command line, with the server stopped.
    shown = json.loads(subprocess.run([str(regvault_bin), "incidents", "show", "inc-low", "--data", str(data)],
                                      capture_output=True, text=True, check=True).stdout)
    assert shown["ticket"] == {"status": "open"}
    out = subprocess.run([str(regvault_bin), "incidents", "ack", "inc-low", "--data", str(data), "--actor", "jane.doe",
                          "--reason", "looking"], capture_output=True, text=True, check=True).stdout
    assert json.loads(out)["ticket"]["acknowledged"]["by"] == "jane.doe"
    refused = subprocess.run([str(regvault_bin), "incidents", "close", "inc-low", "--data", str(data), "--reason", ""],
                             capture_output=True, text=True)
    assert refused.returncode != 0 and "needs a reason" in refused.stderr
