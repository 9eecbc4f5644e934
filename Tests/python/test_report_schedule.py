"""The server files reports by itself as their periods close: from the first gaming day of the
licence's records, every closed period once, oldest first, also after a SIGKILL in the middle; it
serves them under the period they cover and exports the SLA metrics the alert rules in
ops/prometheus read (checked with promtool)."""

import json
import signal
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from conftest import MutualTLSClient

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "ops" / "prometheus"


def test_alert_rules_are_valid_and_fire_as_documented():
    for args in (["check", "rules", "regvault-reports.rules.yml"], ["test", "rules", "regvault-reports.rules.test.yml"]):
        proc = subprocess.run(["promtool", *args], cwd=RULES, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr


def days_ago(n: int) -> str:
    return (datetime.now(timezone.utc).date() - timedelta(days=n)).isoformat()


def records():
    """Two players in Malta on two gaming days: a deposit at noon UTC and a day of slots each."""
    out = []
    for offset, day in ((3, days_ago(3)), (2, days_ago(2))):
        for player in ("p-1", "p-2"):
            out.append({"eventId": f"dep-{player}-{day}", "stream": "payment", "entity": {"type": "payment", "id": f"pay-{player}-{day}"},
                        "action": "deposit", "actor": {"id": "cashier", "role": "system"}, "occurredAt": f"{day}T12:00:00Z",
                        "jurisdiction": "MT", "playerId": player,
                        "state": {"amount": "100.00", "currency": "EUR", "method": "card", "status": "approved"}})
            out.append({"eventId": f"gd-{player}-{day}", "stream": "gaming", "entity": {"type": "gamingDay", "id": f"gd-{player}-{day}"},
                        "action": "day_summary", "actor": {"id": "gaming-platform", "role": "system"},
                        "occurredAt": f"{day}T23:00:00Z", "jurisdiction": "MT", "playerId": player,
                        "state": {"gamingDay": day, "gameId": "game-1", "category": "slots", "rngCertificate": "C-1",
                                  "rngVersion": "2.0.0", "currency": "EUR", "stake": "80.00", "win": "50.50"}})
    return out


CONFIG = {"licences": [{"id": "mt", "jurisdiction": "MT", "licenceNumber": "MGA/B2C/999/FICTITIOUS", "operatorCode": "T999",
                        "currency": "EUR", "timeZone": "Europe/Malta", "gamingDayCutoff": "06:00",
                        "reports": ["mga.b2c-daily-summary", "generic.player-activity-daily"]}]}


def start(binary, data):
    proc = subprocess.Popen([str(binary), "serve", "--dev", "--data", str(data), "--listen", "127.0.0.1:0",
                             "--report-interval", "1"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = proc.stdout.readline().decode()
    assert line.startswith("listening on "), line
    return proc, line.split()[-1]


def filed(binary, data):
    out = subprocess.run([str(binary), "report", "list", "--data", str(data)], capture_output=True, text=True, check=True)
    return [json.loads(line) for line in out.stdout.splitlines()]


def wait_for(condition, seconds=90):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError("timed out")


def test_the_server_files_closed_periods_once_even_after_a_kill(regvault_bin, tmp_path):
    data = tmp_path / "vault"
    subprocess.run([str(regvault_bin), "init", "--data", str(data), "--origin", "schedule.test/log"], check=True, capture_output=True)
    (tmp_path / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records()))
    subprocess.run([str(regvault_bin), "append", "--data", str(data), str(tmp_path / "records.jsonl")], check=True, capture_output=True)
    # First with the daily summary only, killed at once, in (or before) its first round: nothing
    # half-filed may remain, and what it filed is not filed again.
    first = {"licences": [{**CONFIG["licences"][0], "reports": ["mga.b2c-daily-summary"]}]}
    (data / "reports.json").write_text(json.dumps(first))
    proc, _ = start(regvault_bin, data)
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    # Then with the player activity report added, which only this server can have filed.
    (data / "reports.json").write_text(json.dumps(CONFIG))
    proc, url = start(regvault_bin, data)
    try:
        # Days 3 and 2 ago have closed (06:00 Malta time); yesterday has closed after 05:00 UTC today.
        expected = {f"mt/{template}/{day}" for template in CONFIG["licences"][0]["reports"] for day in (days_ago(3), days_ago(2))}
        reports = wait_for(lambda: (lambda got: got if expected <= {r["report"] for r in got} else None)(filed(regvault_bin, data)))
        client = MutualTLSClient(dict(url=url, certs=data / "dev-certs"))
        status, _, metrics = client.request("admin", "GET", "/metrics")
        listing_status, listing = client.json("regulator_read", "GET", f"/regulator/reports/{days_ago(3)}")
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    by_report = {r["report"]: r for r in reports}
    assert all(r["state"]["reportVersion"] == 0 and r["eventId"].endswith(":v0") for r in reports), reports
    assert len(reports) == len(by_report), "a period was filed twice"
    # Nothing before the first gaming day of the licence's records, nothing not yet closed.
    assert min(r["state"]["period"] for r in reports) == days_ago(3)
    assert all(r["state"]["period"] < datetime.now(timezone.utc).date().isoformat() for r in reports)
    summary = by_report[f"mt/mga.b2c-daily-summary/{days_ago(3)}"]["state"]
    assert summary["trigger"] == "schedule" and summary["licenceSettings"]["timeZone"] == "Europe/Malta"
    # Malta is UTC+1 in winter, UTC+2 in summer: the gaming day starts at 06:00 local.
    assert summary["periodStart"].startswith(days_ago(3) + "T0") and summary["periodStart"][11:13] in ("04", "05")

    assert status == 200
    text = metrics.decode()
    assert 'regvault_reports_generated_total{template="generic.player-activity-daily",status="filed"}' in text, text
    for template in CONFIG["licences"][0]["reports"]:
        assert f'regvault_report_pending_trigger_timestamp_seconds{{template="{template}",licence="mt"}} 0' in text, text
    assert "regvault_report_generation_duration_seconds_bucket" in text
    assert "regvault_report_last_success_timestamp_seconds" in text

    assert listing_status == 200
    assert {f["report"] for f in listing["filed"]} == {f"mt/{t}/{days_ago(3)}" for t in CONFIG["licences"][0]["reports"]}
    assert len(listing["objects"]) == 2 and all(o["period"] == days_ago(3) for o in listing["objects"])

    check = subprocess.run([str(regvault_bin), "check", "--data", str(data)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_production_refuses_placeholder_licences_and_bad_configuration_names_the_option(regvault_bin, tmp_path):
    data = tmp_path / "vault"
    subprocess.run([str(regvault_bin), "init", "--data", str(data), "--origin", "schedule.test/log"], check=True, capture_output=True)
    for config, expected in [
        ({"licences": [{**CONFIG["licences"][0], "timeZone": "Mars/Olympus"}]}, "licences[0].timeZone: Mars/Olympus is not an IANA time zone"),
        ({"licences": [{**CONFIG["licences"][0], "reports": ["mga.b2c-daily-summary", "mga.b2c-daily-summary"]}]},
         "licences[0].reports[1]: mga.b2c-daily-summary is listed twice"),
        ({"licences": [{**CONFIG["licences"][0], "reports": ["mga.nope"]}]}, "licences[0].reports[0]: there is no template mga.nope"),
        ({"licences": [{k: v for k, v in CONFIG["licences"][0].items() if k != "licenceNumber"}]},
         "licences[0].licenceNumber: is required"),
    ]:
        (data / "reports.json").write_text(json.dumps(config))
        proc = subprocess.run([str(regvault_bin), "serve", "--dev", "--data", str(data), "--listen", "127.0.0.1:0"],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode != 0 and expected in proc.stderr, (config, proc.stderr)


def test_the_sandbox_serves_the_synthetic_operators_reports(regvault_bin, tmp_path):
    """A regulator testing its parser gets the MGA daily summary of the sandbox's first day, valid
    against the MGA schema, the same bytes on every request, and a clear 400 for a bad period."""
    import io
    import xmlschema
    data = tmp_path / "vault"
    proc, url = start(regvault_bin, data)
    try:
        client = MutualTLSClient(dict(url=url, certs=data / "dev-certs"))
        status, listing = wait_for(lambda: (lambda answer: answer if answer[0] == 200 else None)(
            client.json("sandbox", "GET", "/sandbox/regulator/generated-reports/2026-01-01")))
        daily = next(r for r in listing["reports"] if r["template"] == "mga.b2c-daily-summary")
        (file,) = daily["files"]
        first = client.request("sandbox", "GET", file["href"])
        second = client.request("sandbox", "GET", file["href"])
        bad, _ = client.json("sandbox", "GET", "/sandbox/regulator/generated-reports/2026-13")
        production, _ = client.json("regulator_read", "GET", "/sandbox/regulator/generated-reports/2026-01-01")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert first[0] == 200 and first[2] == second[2]
    xmlschema.XMLSchema(str(REPO / "Tests" / "schemas" / "mga-b2c" / "B2CSmryCompliance.xsd")).validate(io.BytesIO(first[2]))
    assert dict(first[1])["ETag"].strip('"') == file["sha256"]
    assert b"<TtlDpst>" in first[2] and b"no activity" not in first[2]
    assert bad == 400 and production == 403
