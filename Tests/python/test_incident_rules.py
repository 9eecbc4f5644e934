"""The built-in rules raise incidents from what the vault already holds, each with the threshold it
applied and an explanation a compliance officer can check against the records it cites: a deposit
inside a self-exclusion, deposits just under a threshold (structuring), money in and straight out
(pass-through), game or RNG configuration changed without a second person, and a run of refused
requests from one identity. Each fires on a scenario made to trigger it and stays quiet on one made
not to (docs/RULES.md)."""

import json
import time
from datetime import datetime, timedelta, timezone

from test_deliveries import Server, prepare_vault, write_config
from test_report_schedule import wait_for

NOW = datetime.now(timezone.utc).replace(microsecond=0)


def at(hours_ago: float) -> str:
    return (NOW - timedelta(hours=hours_ago)).isoformat().replace("+00:00", "Z")


def payment(id_, player, action, amount, hours_ago, status="approved", currency="EUR"):
    return {"eventId": id_, "stream": "payment", "entity": {"type": "payment", "id": id_}, "action": action,
            "actor": {"id": "cashier", "role": "system"}, "occurredAt": at(hours_ago), "jurisdiction": "MT", "playerId": player,
            "state": {"amount": amount, "currency": currency, "method": "card", "status": status}}


def exclusion(id_, player, start_hours_ago, status="active", days=182):
    return {"eventId": id_, "stream": "responsible_gambling", "entity": {"type": "selfExclusion", "id": id_}, "action": "create",
            "actor": {"id": player, "role": "player"}, "occurredAt": at(start_hours_ago), "jurisdiction": "MT", "playerId": player,
            "state": {"period": "6_months", "start": at(start_hours_ago), "end": at(start_hours_ago - 24 * days), "status": status,
                      "scope": "all_products"}}


def config_change(id_, game, actor, approver=None):
    record = {"eventId": id_, "stream": "audit.change", "entity": {"type": "gameConfig", "id": game}, "action": "update",
              "actor": {"id": actor, "role": "game_ops"}, "occurredAt": at(1), "jurisdiction": "MT",
              "reason": "RTP change", "state": {"rtp": 95.1, "rngVersion": "2.4.0"}}
    if approver:
        record["approver"] = {"id": approver, "role": "compliance_officer"}
    return record


def post(server, records):
    status, _, body = server.client.request("ingest", "POST", "/v1/records", "\n".join(map(json.dumps, records)).encode(),
                                            {"Content-Type": "application/x-ndjson"})
    assert status == 200, body


def rule_incidents(server):
    status, listed = server.client.json("compliance_officer", "GET", "/v1/incidents")
    assert status == 200
    return [i for i in listed["incidents"] if i["state"] and "rule" in i["state"]]


def test_each_rule_fires_on_its_scenario_and_stays_quiet_on_the_others(regvault_bin, tmp_path):
    data = prepare_vault(regvault_bin, tmp_path)
    config = write_config(tmp_path, data, [])
    rules = {"jurisdiction": "MT", "refusalRunCount": 5, "refusalRunMinutes": 10}
    document = json.loads(config.read_text())
    document["rules"] = rules
    config.write_text(json.dumps(document))
    server = Server(regvault_bin, config, data)
    try:
        # Records stored before rules ever ran are not evaluated: prepare_vault's deposits raise nothing.
        post(server, [
            # self-exclusion: a settled deposit inside an active exclusion fires; a declined one, another
            # player's, and one after an ended exclusion stay quiet.
            exclusion("se-1", "p-se", 48), payment("dep-se-ok", "p-se", "deposit", "50.00", 2),
            payment("dep-se-declined", "p-se", "deposit", "60.00", 1.5, status="declined"),
            payment("dep-other", "p-other", "deposit", "50.00", 2),
            exclusion("se-2", "p-ended", 48, status="ended"), payment("dep-ended", "p-ended", "deposit", "70.00", 1),
            # structuring: three deposits of 1,900–1,999.99 within a day fire once; a fourth adds nothing;
            # three spread over three days, or with one at the threshold, stay quiet.
            payment("st-1", "p-st", "deposit", "1950.00", 20), payment("st-2", "p-st", "deposit", "1990.00", 12),
            payment("st-3", "p-st", "deposit", "1900.00", 3), payment("st-4", "p-st", "deposit", "1999.99", 2),
            payment("sp-1", "p-spread", "deposit", "1950.00", 70), payment("sp-2", "p-spread", "deposit", "1950.00", 45),
            payment("sp-3", "p-spread", "deposit", "1950.00", 3),
            payment("at-1", "p-at", "deposit", "1950.00", 5), payment("at-2", "p-at", "deposit", "2000.00", 4),
            payment("at-3", "p-at", "deposit", "1950.00", 3),
            # sent newest first, a run still counts; an absurd amount is ignored, not a crash.
            payment("oo-3", "p-late", "deposit", "1950.00", 2), payment("oo-2", "p-late", "deposit", "1950.00", 6),
            payment("oo-1", "p-late", "deposit", "1950.00", 9),
            payment("huge-d", "p-huge", "deposit", "999999999999999.99", 5),
            payment("huge-w", "p-huge", "withdrawal", "999999999999999.99", 2),
            # pass-through: 1,000 in and 900 out within a day fires; 50% out, or a small amount, stays quiet.
            payment("pt-d1", "p-pt", "deposit", "600.00", 10), payment("pt-d2", "p-pt", "deposit", "400.00", 8),
            payment("pt-w", "p-pt", "withdrawal", "900.00", 2),
            payment("half-d", "p-half", "deposit", "1000.00", 10), payment("half-w", "p-half", "withdrawal", "500.00", 2),
            payment("small-d", "p-small", "deposit", "100.00", 10), payment("small-w", "p-small", "withdrawal", "100.00", 2),
            # configuration: no approver, or the actor approving their own change, fire; a second person stays quiet.
            config_change("cfg-1", "game-7", "ops-1"), config_change("cfg-2", "game-8", "ops-2", approver="ops-2"),
            config_change("cfg-3", "game-9", "ops-3", approver="cm-1"),
        ])
        # A run of refused requests: ingest asks five times for what only inspectors read.
        for _ in range(5):
            assert server.client.request("ingest", "GET", "/regulator/player/p-1")[0] == 403
        for _ in range(3):
            assert server.client.request("regulator_read", "GET", "/v1/holds")[0] == 403

        expected = {("self_exclusion_payment", "dep-se-ok"), ("structuring", "st-3"), ("structuring", "oo-1"),
                    ("pass_through", "pt-w"),
                    ("config_change_without_approver", "cfg-1"), ("config_change_without_approver", "cfg-2")}

        def found():
            incidents = rule_incidents(server)
            return incidents if len(incidents) >= len(expected) + 1 else None

        incidents = wait_for(found, seconds=30)
        time.sleep(1)  # anything wrongly raised would come in the same pass
        incidents = rule_incidents(server)
        by_rule = {}
        for incident in incidents:
            by_rule.setdefault(incident["state"]["rule"], []).append(incident)
        triggered = {(i["state"]["rule"], i["state"]["evidence"][-1]) for i in incidents if i["state"]["rule"] != "refused_access_run"}
        assert triggered == expected, triggered
        assert len(by_rule["refused_access_run"]) == 1
        run = by_rule["refused_access_run"][0]
        assert run["state"]["identity"] == "ingest" and run["state"]["kind"] == "security_breach" and run["jurisdiction"] == "MT"

        excluded = by_rule["self_exclusion_payment"][0]
        assert excluded["state"]["kind"] == "self_exclusion_event" and excluded["state"]["evidence"] == ["se-1", "dep-se-ok"]
        assert "inside self-exclusion se-1" in excluded["state"]["explanation"]
        structuring = next(i for i in by_rule["structuring"] if i["state"]["evidence"][-1] == "st-3")
        assert structuring["state"]["evidence"] == ["st-1", "st-2", "st-3"]
        assert structuring["state"]["thresholds"] == {"threshold": "2000.00", "bandPercent": 90, "count": 3, "windowHours": 24}
        assert "1950.00, 1990.00, 1900.00" in structuring["state"]["explanation"]
        passing = next(i for i in by_rule["pass_through"] if i["state"]["evidence"][-1] == "pt-w")
        assert "90% of the 1000.00 EUR" in passing["state"]["explanation"] and passing["state"]["players"] == ["p-pt"]
        assert any("same person" in i["state"]["explanation"] for i in by_rule["config_change_without_approver"])
        for incident in incidents:
            assert incident["state"]["severity"] == "P2" and incident["ticket"]["status"] == "open"
            assert incident["deadlines"], "a rule's incident carries the deadlines of its jurisdiction"
    finally:
        server.stop()

    # A restart evaluates nothing twice.
    server = Server(regvault_bin, config, data)
    try:
        time.sleep(2)
        assert len(rule_incidents(server)) == len(incidents)
    finally:
        server.stop()
