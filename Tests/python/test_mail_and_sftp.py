"""Filed reports and P1 incidents reach regulators by e-mail and SFTP as well as by webhook: through
a real SMTP server (aiosmtpd) that requires STARTTLS and a login, and a real OpenSSH server started
here on a high port, whose host key the vault pins. Each attempt is an entry in the log; a relay
without TLS, a wrong password and a server showing another host key get nothing, and say why."""

import hashlib
import json
import os
import sys
import time
from pathlib import Path

from conftest import REPO_ROOT
from test_deliveries import DELIVERED_TEMPLATE, Server, filed, make_pki, prepare_vault, write_config
from test_report_schedule import wait_for

sys.path.insert(0, str(REPO_ROOT / "tools"))
from sftp_server import SFTPServer  # noqa: E402
from smtp_receiver import MailReceiver  # noqa: E402

PASSWORD = "correct horse battery staple"


def owner_only(path: Path, text: str) -> Path:
    path.write_text(text)
    os.chmod(path, 0o600)
    return path


def mailbox(pki: Path, port: int, password_file: Path, **extra) -> dict:
    return {"url": f"smtp://127.0.0.1:{port}", "from": "vault@operator.example", "to": ["reports@mga.example", "duty@mga.example"],
            "username": "vault", "passwordFile": str(password_file), "trustedCAs": str(pki / "ca.pem"),
            "allowPrivateAddress": True, "timeoutSeconds": 10, **extra}


def post_incident(server, id_, severity="P1", players=("player-4711", "player-4712")):
    record = {"eventId": id_, "stream": "incident", "entity": {"type": "incident", "id": id_}, "action": "open",
              "actor": {"id": "rng-monitor", "role": "system"}, "occurredAt": "2026-11-20T10:00:00Z", "jurisdiction": "MT",
              "reason": "RTP outside the certified band",
              "state": {"kind": "RNG_anomaly", "severity": severity, "gameId": "game-7", "players": list(players)}}
    status, _, body = server.client.request("ingest", "POST", "/v1/records", json.dumps(record).encode(),
                                            {"Content-Type": "application/x-ndjson"})
    assert status == 200, body


def all_delivered(server, count):
    deliveries = server.deliveries()
    return deliveries if len(deliveries) == count and all(d["status"] == "delivered" for d in deliveries) else None


def test_reports_and_a_p1_incident_are_mailed_over_starttls_with_a_login(regvault_bin, tmp_path):
    pki = make_pki(tmp_path / "pki")
    password = owner_only(tmp_path / "smtp.password", PASSWORD + "\n")
    data = prepare_vault(regvault_bin, tmp_path)
    with MailReceiver(pki / "receiver.pem", pki / "receiver.key", PASSWORD) as relay:
        destination = {"id": "mga-mail", "email": mailbox(pki, relay.port, password),
                       "reports": {"templates": [DELIVERED_TEMPLATE]}, "incidents": {"severities": ["P1"]}}
        server = Server(regvault_bin, write_config(tmp_path, data, [destination], linkBase="https://vault.operator.example:8443"), data)
        try:
            reports = wait_for(lambda: filed(regvault_bin, data, DELIVERED_TEMPLATE) or None)
            time.sleep(2)  # the schedule files every closed day; let it finish
            reports = filed(regvault_bin, data, DELIVERED_TEMPLATE)
            sent = time.time()
            post_incident(server, "inc-rng-1")
            deliveries = wait_for(lambda: all_delivered(server, len(reports) + 1), seconds=60)
            mails = relay.received()
            incident_mail = next(m for m in mails if "incident" in m["message"]["Subject"])
            print(f"P1 incident recorded → e-mail received: {incident_mail['at'] - sent:.2f} s")
            assert len(mails) == len(reports) + 1, "one mail per delivery, none twice"
            for mail in mails:
                assert mail["tls"] and mail["login"], "sent only after STARTTLS and the login"
                assert mail["mail_from"] == "vault@operator.example"
                assert mail["rcpt_tos"] == ["reports@mga.example", "duty@mga.example"]
            by_id = {m["message"]["X-RegVault-Delivery"]: m for m in mails}
            assert set(by_id) == {d["id"] for d in deliveries}
            for delivery in deliveries:
                mail = by_id[delivery["id"]]
                assert delivery["channel"] == "email" and delivery["destination"] == "mga-mail"
                assert delivery["lastAttempt"]["replyCode"] == 250
                assert mail["message"]["Message-ID"] == f"<{delivery['id']}@regvault.delivery>"
                assert mail["message"]["X-RegVault-Payload-SHA256"] == delivery["payloadSha256"]
                assert delivery["lastAttempt"]["responseSha256"] == hashlib.sha256(mail["raw"]).hexdigest(), \
                    "the log commits to the very message the relay took"
            # A report's mail names every file with the digest the log holds, and links to it.
            for event_id, report in reports.items():
                mail = next(m for m in mails if event_id in m["message"].get_content())
                text = mail["message"].get_content()
                for file in report["state"]["files"]:
                    assert file["sha256"] in text and file["name"] in text
                assert f"https://vault.operator.example:8443/regulator/reports/{report['state']['period']}/{event_id}" in text
                assert not mail["message"].is_multipart(), "no attachment: the files are fetched over the vault's routes"
            # The P1 notice: severity, kind, deadline; never the players' identifiers.
            text = incident_mail["message"].get_content()
            assert incident_mail["message"]["Subject"] == "[RegVault] P1 incident: RNG_anomaly (MT)"
            assert "MGA  due 2026-11-25T10:00:00.000Z" in text
            assert "2 concerned" in text and "player-4711" not in incident_mail["raw"].decode()
        finally:
            server.stop()


def test_a_relay_without_starttls_or_a_wrong_password_gets_nothing_and_the_log_says_why(regvault_bin, tmp_path):
    pki = make_pki(tmp_path / "pki")
    wrong = owner_only(tmp_path / "wrong.password", "not the password\n")
    right = owner_only(tmp_path / "right.password", PASSWORD)
    data = prepare_vault(regvault_bin, tmp_path)
    with MailReceiver(tls=False) as plain, MailReceiver(pki / "receiver.pem", pki / "receiver.key", PASSWORD) as guarded:
        destinations = [
            {"id": "plain-relay", "email": mailbox(pki, plain.port, right), "incidents": {}},
            {"id": "wrong-login", "email": mailbox(pki, guarded.port, wrong), "incidents": {}},
        ]
        server = Server(regvault_bin, write_config(tmp_path, data, destinations, maxAttempts=2, firstRetrySeconds=1,
                                                   maxRetrySeconds=1), data)
        try:
            post_incident(server, "inc-rng-2")
            dead = wait_for(lambda: (lambda d: d if len(d) == 2 else None)(server.deliveries(status="dead")), seconds=60)
            errors = {d["destination"]: d["lastAttempt"]["error"] for d in dead}
            assert "does not offer STARTTLS" in errors["plain-relay"], errors
            assert "refused the login" in errors["wrong-login"], errors
            assert plain.received() == [] and guarded.received() == []
        finally:
            server.stop()


def sftp_destination(sftp: SFTPServer, **extra) -> dict:
    return {"host": "127.0.0.1", "port": sftp.port, "user": sftp.user, "privateKey": str(sftp.client_key),
            "hostKey": sftp.host_key, "directory": str(sftp.inbox), "allowPrivateAddress": True, "timeoutSeconds": 20, **extra}


def test_reports_land_in_an_sftp_directory_whole_and_checked(regvault_bin, tmp_path):
    data = prepare_vault(regvault_bin, tmp_path)
    with SFTPServer(tmp_path / "sftp") as sftp:
        destination = {"id": "mga-sftp", "sftp": sftp_destination(sftp), "reports": {"templates": [DELIVERED_TEMPLATE]}}
        server = Server(regvault_bin, write_config(tmp_path, data, [destination]), data)
        try:
            wait_for(lambda: filed(regvault_bin, data, DELIVERED_TEMPLATE) or None)
            time.sleep(2)
            reports = filed(regvault_bin, data, DELIVERED_TEMPLATE)
            deliveries = wait_for(lambda: all_delivered(server, len(reports)), seconds=60)
            names = sorted(p.name for p in sftp.inbox.iterdir())
            assert not [n for n in names if n.startswith(".")], "no half-written file is left behind"
            for delivery in deliveries:
                assert delivery["channel"] == "sftp"
                manifest = (sftp.inbox / f"{delivery['id']}.json").read_bytes()
                assert hashlib.sha256(manifest).hexdigest() == delivery["payloadSha256"] == delivery["lastAttempt"]["responseSha256"]
                payload = json.loads(manifest)
                assert payload["type"] == "report.filed"
                for index, file in enumerate(payload["data"]["files"], start=1):
                    uploaded = (sftp.inbox / f"{delivery['id']}-{index}-{file['name']}").read_bytes()
                    assert hashlib.sha256(uploaded).hexdigest() == file["sha256"]
                report = reports[payload["data"]["report"]["eventId"]]
                assert {f["sha256"] for f in report["state"]["files"]} == {f["sha256"] for f in payload["data"]["files"]}
        finally:
            server.stop()


def test_an_sftp_server_showing_another_host_key_gets_nothing(regvault_bin, tmp_path):
    data = prepare_vault(regvault_bin, tmp_path)
    with SFTPServer(tmp_path / "sftp") as sftp, SFTPServer(tmp_path / "impostor") as impostor:
        # The pinned key is the real server's; the address is the impostor's.
        destination = {"id": "mga-sftp", "sftp": sftp_destination(sftp, port=impostor.port, directory=str(impostor.inbox)),
                       "incidents": {}}
        server = Server(regvault_bin, write_config(tmp_path, data, [destination], maxAttempts=1), data)
        try:
            post_incident(server, "inc-rng-3")
            dead = wait_for(lambda: server.deliveries(status="dead") or None, seconds=60)
            assert "did not show the pinned host key" in dead[0]["lastAttempt"]["error"], dead[0]
            assert list(impostor.inbox.iterdir()) == []
        finally:
            server.stop()
