"""goAML suspicious transaction reports, checked from the outside: each AML case of the demo
scenario decided `report_sar` gets an STR valid against the goAML 5.0.2 schema (XSD 1.1, with
xmlschema's XMLSchema11) whose transactions and indicators are chosen again here from the same
records; a case with more than 1,000 payments is split into parts of at most 1,000, each a whole
report; a day without such a decision is a "no activity" index; the goAML settings are checked."""

import io
import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
import xmlschema

from test_reports import demo, file_report, run, table  # noqa: F401  (the module's fixture)

GOAML_XSD = Path(__file__).resolve().parents[1] / "schemas" / "goaml" / "goAMLSchema.xsd"
MT_PLAYERS = {"MT", "DE", "SE"}


@pytest.fixture(scope="module")
def goaml_schema():
    return xmlschema.XMLSchema11(str(GOAML_XSD))


def when(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def expected_transactions(records, decision):
    """The player's approved EUR payments of the 90 days up to the decision, oldest first."""
    end = when(decision["occurredAt"])
    start = end - timedelta(days=90)
    chosen = [r for r in records if r["stream"] == "payment" and r.get("playerId") == decision["playerId"]
              and r["state"].get("status") == "approved" and r["action"] in ("deposit", "withdrawal")
              and r["state"].get("currency") == "EUR" and start <= when(r["occurredAt"]) <= end]
    return sorted(chosen, key=lambda r: when(r["occurredAt"]))


def test_each_report_decision_is_an_str_valid_against_the_goaml_schema(demo, goaml_schema):
    records = demo["records"]
    decisions = [r for r in records if r["stream"] == "aml" and r["action"] == "decision"
                 and r["state"]["action"] == "report_sar" and r["jurisdiction"] in MT_PLAYERS]
    assert len(decisions) >= 3, "the demo scenario has cases decided report_sar"
    alerts = {r["entity"]["id"]: r["state"]["rule"] for r in records if r["entity"]["type"] == "amlAlert"
              and r["action"] == "create"}
    for decision in decisions[:3]:
        day = decision["occurredAt"][:10]
        filed, files = file_report(demo, "goaml.str", day, "mt-dev")
        header, rows = table(files[f"goaml.str-mt-dev-{day}.csv"])
        assert "activity" not in header
        row, = [r for r in rows if r["case_id"] == decision["entity"]["id"]]
        xml = files[row["file"]]
        goaml_schema.validate(io.BytesIO(xml))
        report = goaml_schema.to_dict(io.BytesIO(xml))
        assert report["rentity_id"] == 1 and report["report_code"] == "STR" and report["submission_code"] == "E"
        assert report["entity_reference"] == f"{decision['entity']['id']}/{decision['decisionId']}"
        assert decision["policyVer"] in report["action"] and decision["decisionId"] in report["action"]
        assert report["reason"].startswith(decision["state"]["explanation"])
        expected = expected_transactions(records, decision)
        assert 0 < len(expected) <= 1000
        got = report["transaction"]
        assert [t["transactionnumber"] for t in got] == [r["entity"]["id"] for r in expected]
        assert [Decimal(str(t["amount_local"])) for t in got] == [Decimal(r["state"]["amount"]) for r in expected]
        assert [t["date_transaction"] for t in got] == [r["occurredAt"][:19] for r in expected]
        assert all(t["involved_parties"]["party"][0]["account"]["account"] == decision["playerId"] for t in got)
        assert row["transactions"] == str(len(expected))
        assert Decimal(row["amount"]) == sum(Decimal(r["state"]["amount"]) for r in expected)
        rules = {alerts[a] for a in decision["state"]["alertIds"]}
        assert rules and report["report_indicators"]["indicator"] == ["UNUSU"]  # the default for every rule
        assert b"checkpoint: size " in xml


def test_a_day_without_a_report_decision_is_a_no_activity_index(demo):
    filed, files = file_report(demo, "goaml.str", "2026-01-02", "mt-dev")
    (name, data), = files.items()
    header, rows = table(data)
    assert name == "goaml.str-mt-dev-2026-01-02.csv" and rows == []
    assert header["activity"] == "no activity in this period"


def test_a_case_with_more_than_a_thousand_payments_is_split_into_whole_reports(regvault_bin, tmp_path, goaml_schema):
    data = tmp_path / "vault"
    run(regvault_bin, "init", "--data", data, "--origin", "goaml.test/log")
    base = datetime(2026, 3, 1, 8, tzinfo=timezone.utc)

    def record(n, stream, entity, action, state, at, **extra):
        return dict(eventId=f"g-{n}", stream=stream, entity=dict(type=entity[0], id=entity[1]), action=action,
                    actor=dict(id="svc", role="system"), occurredAt=at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    jurisdiction="MT", playerId="p-big", state=state, **extra)
    lines = [record(n, "payment", ("payment", f"pay-{n:05d}"), "deposit" if n % 3 else "withdrawal",
                    dict(amount=f"{10 + n % 7}.{n % 100:02d}", currency="EUR", status="approved", method="card",
                         country="MT"), base + timedelta(minutes=n))
             for n in range(2345)]
    lines.append(record(3000, "aml", ("amlAlert", "alert-big"), "create",
                        dict(rule="deposit_withdrawal_cycle", amount="100.00", currency="EUR", status="open"),
                        base + timedelta(days=3)))
    lines.append(record(3001, "aml", ("amlCase", "case-big"), "decision",
                        dict(status="decided", alertIds=["alert-big"], riskScore=97, action="report_sar",
                             explanation="funds cycling"), base + timedelta(days=4),
                        decisionId="dec-big", policyVer="aml-policy-test"))
    (tmp_path / "records.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    run(regvault_bin, "append", "--data", data, tmp_path / "records.jsonl")
    config = {"licences": [{"id": "mt-test", "jurisdiction": "MT", "licenceNumber": "MGA/B2C/999/2026", "currency": "EUR",
                            "timeZone": "Europe/Malta", "reports": ["goaml.str"],
                            "goaml": {"reportingEntityId": 4711, "indicators": {"deposit_withdrawal_cycle": "STRUC"}}}]}
    (data / "reports.json").write_text(json.dumps(config))
    out = run(regvault_bin, "report", "generate", "--data", data, "--template", "goaml.str", "--period", "2026-03-05",
              "--licence", "mt-test").stdout.decode()
    filed = json.loads(out.splitlines()[0])
    names = [f["name"] for f in filed["report"]["files"]]
    assert names == ["goaml.str-mt-test-2026-03-05.csv"] + [f"goaml.str-mt-test-2026-03-05-case-big-{k}of3.xml"
                                                          for k in (1, 2, 3)]
    target = tmp_path / "files"
    run(regvault_bin, "report", "show", "--data", data, filed["eventId"], "--save", target)
    numbers = []
    for k in (1, 2, 3):
        report = goaml_schema.to_dict(str(target / f"goaml.str-mt-test-2026-03-05-case-big-{k}of3.xml"))
        assert report["rentity_id"] == 4711 and report["report_indicators"]["indicator"] == ["STRUC"]
        assert report["entity_reference"] == f"case-big/dec-big/{k}of3"
        numbers += [t["transactionnumber"] for t in report["transaction"]]
        assert len(report["transaction"]) == (1000 if k < 3 else 345)
    assert numbers == [f"pay-{n:05d}" for n in range(2345)]


def test_goaml_settings_are_required_and_checked_naming_the_option(regvault_bin, tmp_path):
    data = tmp_path / "vault"
    run(regvault_bin, "init", "--data", data, "--origin", "goaml.test/log")
    licence = {"id": "mt-test", "jurisdiction": "MT", "licenceNumber": "MGA/B2C/999/2026", "currency": "EUR",
               "timeZone": "Europe/Malta", "reports": ["goaml.str"]}
    cases = [({}, "licences[0].goaml: is required for goaml.str"),
             ({"goaml": {"reportingEntityId": 0}}, "licences[0].goaml.reportingEntityId"),
             ({"goaml": {"reportingEntityId": 5, "indicators": {"x": "bad code"}}}, "licences[0].goaml.indicators.x"),
             ({"goaml": {"reportingEntityId": 5, "colour": "red"}}, "licences[0].goaml.colour: unknown option")]
    for extra, message in cases:
        (data / "reports.json").write_text(json.dumps({"licences": [dict(licence, **extra)]}))
        proc = run(regvault_bin, "report", "generate", "--data", data, "--template", "goaml.str", "--period", "2026-03-05",
                   "--licence", "mt-test", check=False)
        assert proc.returncode != 0 and message in proc.stderr.decode(), proc.stderr.decode()
