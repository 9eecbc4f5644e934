"""Consumer contracts of a regulator's system with RegVault (Pact, specification V4).

A regulator's system reads the inspector API (`/regulator/*`) with its `regulator_read` certificate
and the regulator sandbox (`/sandbox/regulator/*`) with a sandbox certificate. `RegulatorClient`
below is that system's client; each test runs it against Pact's mock server and the interactions
it made are written to `pacts/` (one file per consumer). `test_contract_provider.py` replays those
files against the real server over mutual TLS.

Values that vary between vaults and runs (sequence numbers, hashes, times, ids, signatures) are
matched by type or regular expression; codes and shapes a client branches on are exact.
"""

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import pytest
# Pact's core would otherwise try to send usage statistics: these tests stay on this machine.
os.environ.setdefault("PACT_DO_NOT_TRACK", "true")

from pact import Pact, generate, match  # noqa: E402
from pact.match.matcher import GenericMatcher  # noqa: E402

PACT_DIR = Path(__file__).parent / "pacts"
PROVIDER = "regvault"

# Shapes of the evidence (RFC 9162 hashes, C2SP notes, RFC 3339 times), as regular expressions.
HASH = r"^[A-Za-z0-9+/]{43}=$"
BASE64 = r"^[A-Za-z0-9+/]*={0,2}$"
TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$"
EVENT_ID = r"^[A-Za-z0-9._:@/-]{1,128}$"
STREAM = r"^(audit\.change|kyc|aml|payment|gaming|responsible_gambling|rng|incident|report|vault\.[a-z._]+)$"
SANDBOX_EVENT_ID = r"^sbx-[A-Za-z0-9._:@/-]{1,124}$"
EXPORT_ID = r"^export-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
# A C2SP signed note holding a tlog-checkpoint: origin, size, root hash, a blank line, signatures.
CHECKPOINT = r"^{origin}\n[0-9]+\n[A-Za-z0-9+/]{{43}}=\n\n(\u2014 [^ \n]+ [A-Za-z0-9+/]+={{0,2}}\n)+$"
PRODUCTION_ORIGIN = r"dev\.regvault\.local/log"
SANDBOX_ORIGIN = r"sandbox\.regvault\.example/demo"

EXAMPLE_HASH = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
EXAMPLE_TIME = "2026-11-20T10:00:00.000Z"


def checkpoint_note(origin: str) -> str:
    return CHECKPOINT.format(origin=origin)


def example_note(origin: str) -> str:
    return (f"{origin.replace(chr(92), '')}\n301\n{EXAMPLE_HASH}\n\n"
            "\u2014 dev.regvault.local/log Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n")


def text_body_matches(regex: str) -> dict:
    """A matching rule for a whole text/plain body (Pact matches non-JSON bodies at "$")."""
    return {"body": {"$": {"combine": "AND", "matchers": [{"match": "regex", "regex": regex}]}}}


def from_state(example: str, expression: str, regex: str) -> GenericMatcher:
    """A value the provider state handler supplies when the contract is verified (`${name}` in
    `expression`), matching `regex`."""
    return GenericMatcher("regex", value=example, regex=regex, generator=generate.provider_state(expression))


def hashes(min_items: int = 0) -> GenericMatcher:
    return GenericMatcher("type", value=[match.regex(EXAMPLE_HASH, regex=HASH)], min=min_items)


def version_shape(stream: str = "audit.change", entity=("bonusRule", "123")) -> dict:
    """One record with its evidence, the fields every stream has."""
    return {
        "seq": match.int(17),
        "version": match.int(1),
        "eventId": match.regex("evt-9f2c4e1a7b3d5f60", regex=EVENT_ID),
        "stream": match.regex(stream, regex=STREAM),
        "recordedAt": match.regex(EXAMPLE_TIME, regex=TIME),
        "occurredAt": match.regex("2026-11-20T09:59:58Z", regex=TIME),
        "entity": {"type": match.str(entity[0]), "id": match.str(entity[1])},
        "action": match.str("update"),
        "actor": match.like({"id": "bo-admin-1"}),
        "jurisdiction": match.regex("MT", regex=r"^[A-Z]{2}$"),
        "retention": {
            "class": match.str("operator-default"),
            "mode": match.regex("compliance", regex=r"^(compliance|governance)$"),
            "retainUntil": match.regex("2033-11-20T10:00:00.000Z", regex=TIME[:-1] + r"|^indefinite$"),
        },
        "record": match.regex("eyJhY3Rpb24iOiJ1cGRhdGUifQ==", regex=BASE64),
        "salt": match.regex(EXAMPLE_HASH, regex=HASH),
        "entry": match.regex("AAAAAAAAABE=", regex=BASE64),
        "leafHash": match.regex(EXAMPLE_HASH, regex=HASH),
    }


def page_shape(stream: str) -> dict:
    """A page of one stream's log, with more to come."""
    return {"stream": stream, "records": match.each_like(version_shape(stream)), "nextCursor": match.str("c1.AAAAAAAAAAE")}


def error_shape(code: str) -> dict:
    return {"error": {"code": code, "message": match.str("what went wrong, for a person")}}


class RegulatorClient:
    """What a regulator's system calls. `base` is the vault's URL; `opener` carries the TLS client
    certificate in production (the mock server in the consumer tests is plain HTTP)."""

    def __init__(self, base: str, prefix: str = "/regulator", opener=None):
        self.base = base.rstrip("/")
        self.prefix = prefix
        self.opener = opener or urllib.request.build_opener()

    def call(self, method: str, path: str, query: dict = None, body: dict = None):
        url = self.base + self.prefix + path + ("?" + urllib.parse.urlencode(query) if query else "")
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method,
                                         headers={"Content-Type": "application/json"} if data else {})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def json(self, *args, **kwargs):
        status, headers, body = self.call(*args, **kwargs)
        return status, headers, json.loads(body)

    def audit(self, entity: str, entity_id: str):
        return self.json("GET", "/audit", {"entity": entity, "id": entity_id})

    def logs(self, stream: str, **query):
        return self.json("GET", f"/logs/{stream}", query)

    def player(self, player_id: str, **query):
        return self.json("GET", f"/player/{player_id}", query)

    def reports(self, period: str):
        return self.json("GET", f"/reports/{period}")

    def checkpoint(self):
        return self.call("GET", "/checkpoint")

    def inclusion(self, seq: int, **query):
        return self.call("GET", "/proof/inclusion", {"seq": seq, **query})

    def consistency(self, first: int, second: int):
        return self.json("GET", "/proof/consistency", {"from": first, "to": second})

    def start_export(self, **filters):
        return self.json("POST", "/exports", body=filters)

    def export(self, export_id: str):
        return self.call("GET", f"/exports/{export_id}")


def current_month() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m")


DATA = "the vault holds the records of regvault generate --count 300 --seed 5"


def production_pact() -> Pact:
    pact = Pact("regulator-system", PROVIDER).with_specification("V4")
    (pact.upon_receiving("an audit trail of bonus rule 123")
        .given(DATA)
        .with_request("GET", "/regulator/audit").with_query_parameter("entity", "bonusRule").with_query_parameter("id", "123")
        .will_respond_with(200).with_header("Content-Type", "application/json")
        .with_body({
            "entity": {"type": "bonusRule", "id": "123"},
            "checkpoint": match.regex(example_note(PRODUCTION_ORIGIN), regex=checkpoint_note(PRODUCTION_ORIGIN)),
            "changes": match.each_like({
                **version_shape(),
                "reason": match.str("campaign adjustment"),
                "inclusion": {"index": match.int(17), "treeSize": match.int(301),
                              "leafHash": match.regex(EXAMPLE_HASH, regex=HASH), "hashes": hashes(1)},
            }),
        }, content_type="application/json"))
    (pact.upon_receiving("an audit trail of an entity the vault has never seen")
        .given(DATA)
        .with_request("GET", "/regulator/audit").with_query_parameter("entity", "bonusRule")
        .with_query_parameter("id", "no-such-rule")
        .will_respond_with(404).with_body(error_shape("not_found"), content_type="application/json"))
    (pact.upon_receiving("an audit request without the entity id")
        .given(DATA)
        .with_request("GET", "/regulator/audit").with_query_parameter("entity", "bonusRule")
        .will_respond_with(400).with_body(error_shape("missing_parameter"), content_type="application/json"))
    (pact.upon_receiving("the first two KYC records")
        .given(DATA)
        .with_request("GET", "/regulator/logs/kyc").with_query_parameter("limit", "2")
        .will_respond_with(200)
        .with_header("X-Next-Cursor", match.str("c1.AAAAAAAAAAE"))
        .with_body(page_shape("kyc"), content_type="application/json"))
    (pact.upon_receiving("a log of a stream that does not exist")
        .given(DATA)
        .with_request("GET", "/regulator/logs/bets")
        .will_respond_with(400).with_body(error_shape("unknown_stream"), content_type="application/json"))
    (pact.upon_receiving("a player's timeline")
        .given(DATA)
        .with_request("GET", from_state("/regulator/player/p-00042", "/regulator/player/${playerId}", r"^/regulator/player/[^/]+$"))
        .will_respond_with(200)
        .with_body({"playerId": match.str("p-00042"),
                    "records": match.each_like({**version_shape("kyc", ("player", "p-00042")),
                                                "playerId": match.str("p-00042")}),
                    "nextCursor": match.none()},
                   content_type="application/json"))
    (pact.upon_receiving("the reports filed this month")
        .given("a daily report was filed this month")
        .with_request("GET", from_state("/regulator/reports/2026-11", "/regulator/reports/${period}", r"^/regulator/reports/\d{4}-\d{2}$"))
        .will_respond_with(200)
        .with_body({"period": from_state("2026-11", "${period}", r"^\d{4}-\d{2}$"),
                    "records": match.each_like(version_shape("report", ("report", "daily-2026-11-20"))),
                    "objects": GenericMatcher("type", value=[], min=0),
                    "nextCursor": match.none()}, content_type="application/json"))
    (pact.upon_receiving("reports of a period that is not a day, week, month or quarter")
        .given(DATA)
        .with_request("GET", "/regulator/reports/last-tuesday")
        .will_respond_with(400).with_body(error_shape("invalid_period"), content_type="application/json"))
    (pact.upon_receiving("the latest signed checkpoint")
        .given(DATA)
        .with_request("GET", "/regulator/checkpoint")
        .will_respond_with(200).with_header("Content-Type", match.regex("text/plain; charset=utf-8", regex=r"^text/plain\b.*"))
        .with_body(example_note(PRODUCTION_ORIGIN), content_type="text/plain; charset=utf-8")
        .with_matching_rules(text_body_matches(checkpoint_note(PRODUCTION_ORIGIN)), part="Response"))
    (pact.upon_receiving("an inclusion proof of entry 5")
        .given(DATA)
        .with_request("GET", "/regulator/proof/inclusion").with_query_parameter("seq", "5")
        .will_respond_with(200)
        .with_body({"index": 5, "treeSize": match.int(301), "leafHash": match.regex(EXAMPLE_HASH, regex=HASH),
                    "hashes": hashes(1)}, content_type="application/json"))
    (pact.upon_receiving("an inclusion proof of entry 5 as a C2SP tlog-proof")
        .given(DATA)
        .with_request("GET", "/regulator/proof/inclusion").with_query_parameter("seq", "5")
        .with_query_parameter("format", "tlog-proof")
        .will_respond_with(200).with_header("Content-Type", match.regex("text/plain; charset=utf-8", regex=r"^text/plain\b.*"))
        .with_body("c2sp.org/tlog-proof@v1\nindex 5\n" + EXAMPLE_HASH + "\n\n" + example_note(PRODUCTION_ORIGIN),
                   content_type="text/plain; charset=utf-8")
        .with_matching_rules(text_body_matches(
            r"^c2sp\.org/tlog-proof@v1\nindex 5\n([A-Za-z0-9+/]{43}=\n)+\n" + checkpoint_note(PRODUCTION_ORIGIN)[1:]),
            part="Response"))
    (pact.upon_receiving("an inclusion proof of an entry beyond the tree")
        .given(DATA)
        .with_request("GET", "/regulator/proof/inclusion").with_query_parameter("seq", "99999")
        .will_respond_with(400).with_body({"error": {"code": match.str("invalid_request"), "message": match.str("beyond")}},
                                          content_type="application/json"))
    (pact.upon_receiving("a consistency proof from tree size 100 to 300")
        .given(DATA)
        .with_request("GET", "/regulator/proof/consistency").with_query_parameter("from", "100")
        .with_query_parameter("to", "300")
        .will_respond_with(200)
        .with_body({"from": 100, "to": 300, "hashes": hashes(1)}, content_type="application/json"))
    (pact.upon_receiving("a consistency proof from tree size 0")
        .given(DATA)
        .with_request("GET", "/regulator/proof/consistency").with_query_parameter("from", "0")
        .with_query_parameter("to", "300")
        .will_respond_with(400).with_body({"error": {"code": match.str("invalid_request"), "message": match.str("from")}},
                                          content_type="application/json"))
    (pact.upon_receiving("a request to export bonus rule 123")
        .given(DATA)
        .with_request("POST", "/regulator/exports")
        .with_body({"entity": {"type": "bonusRule", "id": "123"}}, content_type="application/json")
        .will_respond_with(202)
        .with_header("Location", match.regex("/regulator/exports/export-6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
                                             regex=r"^/regulator/exports/export-[0-9a-f-]{36}$"))
        .with_body({"id": match.regex("export-6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f", regex=EXPORT_ID),
                    "state": match.regex("running", regex=r"^(running|done)$"),
                    "progress": {"done": match.int(0), "total": match.int(3)},
                    "requestedBy": match.str("regulator_read"),
                    "filter": {"entity": {"type": "bonusRule", "id": "123"}}},
                   content_type="application/json"))
    (pact.upon_receiving("an export request with a filter the vault does not know")
        .given(DATA)
        .with_request("POST", "/regulator/exports")
        .with_body({"casino": "all"}, content_type="application/json")
        .will_respond_with(400).with_body(error_shape("invalid_request"), content_type="application/json"))
    (pact.upon_receiving("the archive of a finished export")
        .given("an export of bonus rule 123 has finished")
        .with_request("GET", from_state("/regulator/exports/export-6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
                                        "/regulator/exports/${exportId}", r"^/regulator/exports/export-[0-9a-f-]{36}$"))
        .will_respond_with(200)
        .with_header("Content-Type", "application/gzip")
        .with_header("Content-Disposition", match.regex('attachment; filename="export-6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f.tar.gz"',
                                                        regex=r'^attachment; filename="export-[0-9a-f-]{36}\.tar\.gz"$')))
    (pact.upon_receiving("an export that does not exist")
        .given(DATA)
        .with_request("GET", "/regulator/exports/export-that-never-ran")
        .will_respond_with(404).with_body(error_shape("not_found"), content_type="application/json"))
    return pact


SANDBOX = "the sandbox is replaying the demo scenario"


def sandbox_pact() -> Pact:
    pact = Pact("regulator-sandbox-client", PROVIDER).with_specification("V4")
    (pact.upon_receiving("the sandbox's verifier key")
        .given(SANDBOX)
        .with_request("GET", "/sandbox/regulator/key")
        .will_respond_with(200)
        .with_body("sandbox.regvault.example/demo+1a2b3c4d+AQ==\n", content_type="text/plain; charset=utf-8")
        .with_matching_rules(text_body_matches(r"^sandbox\.regvault\.example/demo\+[0-9a-f]{8}\+[A-Za-z0-9+/]+={0,2}\n?$"),
                             part="Response"))
    (pact.upon_receiving("the sandbox's status")
        .given(SANDBOX)
        .with_request("GET", "/sandbox/regulator/status")
        .will_respond_with(200)
        .with_body({"scenario": "demo", "origin": "sandbox.regvault.example/demo",
                    "verifierKey": match.regex("sandbox.regvault.example/demo+1a2b3c4d+AQ==",
                                               regex=r"^sandbox\.regvault\.example/demo\+[0-9a-f]{8}\+[A-Za-z0-9+/]+={0,2}$"),
                    "treeSize": match.int(2000), "initialTreeSize": match.int(2000), "recordsReplayed": match.int(2000),
                    "complete": match.bool(False)}, content_type="application/json"))
    (pact.upon_receiving("the sandbox's signed checkpoint")
        .given(SANDBOX)
        .with_request("GET", "/sandbox/regulator/checkpoint")
        .will_respond_with(200)
        .with_body(example_note(SANDBOX_ORIGIN), content_type="text/plain; charset=utf-8")
        .with_matching_rules(text_body_matches(checkpoint_note(SANDBOX_ORIGIN)), part="Response"))
    (pact.upon_receiving("an audit trail in the sandbox")
        .given(SANDBOX)
        .with_request("GET", "/sandbox/regulator/audit")
        .with_query_parameter("entity", from_state("bonusRule", "${entityType}", r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$"))
        .with_query_parameter("id", from_state("bonus-7", "${entityId}", EVENT_ID))
        .will_respond_with(200)
        .with_body({"entity": {"type": match.str("bonusRule"), "id": match.str("bonus-7")},
                    "checkpoint": match.regex(example_note(SANDBOX_ORIGIN), regex=checkpoint_note(SANDBOX_ORIGIN)),
                    "changes": match.each_like({**version_shape(), "eventId": match.regex("sbx-demo-s1-0000000020", regex=SANDBOX_EVENT_ID),
                                                "inclusion": {"index": match.int(17), "treeSize": match.int(2000),
                                                              "leafHash": match.regex(EXAMPLE_HASH, regex=HASH),
                                                              "hashes": hashes()}})}, content_type="application/json"))
    (pact.upon_receiving("the sandbox's first KYC records")
        .given(SANDBOX)
        .with_request("GET", "/sandbox/regulator/logs/kyc").with_query_parameter("limit", "2")
        .will_respond_with(200)
        .with_body({"stream": "kyc", "records": match.each_like({**version_shape("kyc"), "eventId": match.regex("sbx-demo-s1-0000000020", regex=SANDBOX_EVENT_ID)}),
                    "nextCursor": match.str("c1.AAAAAAAAAAE")}, content_type="application/json"))
    (pact.upon_receiving("a player's timeline in the sandbox")
        .given(SANDBOX)
        .with_request("GET", from_state("/sandbox/regulator/player/sbx-p-1", "/sandbox/regulator/player/${playerId}", r"^/sandbox/regulator/player/[^/]+$"))
        .with_query_parameter("limit", "5")
        .will_respond_with(200)
        .with_body({"playerId": match.str("sbx-p-1"), "records": match.each_like(version_shape("kyc")),
                    "nextCursor": match.str("c1.AAAAAAAAAAE")}, content_type="application/json"))
    (pact.upon_receiving("an inclusion proof of sandbox entry 10")
        .given(SANDBOX)
        .with_request("GET", "/sandbox/regulator/proof/inclusion").with_query_parameter("seq", "10")
        .will_respond_with(200)
        .with_body({"index": 10, "treeSize": match.int(2000), "leafHash": match.regex(EXAMPLE_HASH, regex=HASH),
                    "hashes": hashes(1)}, content_type="application/json"))
    (pact.upon_receiving("a sandbox consistency proof from 100 to 1000")
        .given(SANDBOX)
        .with_request("GET", "/sandbox/regulator/proof/consistency").with_query_parameter("from", "100")
        .with_query_parameter("to", "1000")
        .will_respond_with(200)
        .with_body({"from": 100, "to": 1000, "hashes": hashes(1)}, content_type="application/json"))
    (pact.upon_receiving("the sandbox's test vectors")
        .given(SANDBOX)
        .with_request("GET", "/sandbox/regulator/vectors")
        .will_respond_with(200)
        .with_body({"origin": "sandbox.regvault.example/demo", "scenario": "demo",
                    "vectors": match.each_like({"id": match.str("entry-bytes-changed"), "kind": match.str("entry"),
                                                "description": match.str("an entry whose bytes changed"),
                                                "expect": match.regex("accept", regex=r"^(accept|reject)$"),
                                                "input": GenericMatcher("type", value={})}),
                    "reasons": match.each_like("inclusion_failed")}, content_type="application/json"))
    (pact.upon_receiving("a production-only route asked of the sandbox")
        .given(SANDBOX)
        .with_request("GET", "/sandbox/regulator/nope")
        .will_respond_with(404).with_body(error_shape("no_route"), content_type="application/json"))
    return pact


def test_the_regulator_system_contract(tmp_path):
    pact = production_pact()
    with pact.serve() as server:
        client = RegulatorClient(str(server.url))
        status, _, trail = client.audit("bonusRule", "123")
        assert status == 200 and trail["changes"][0]["inclusion"]["hashes"]
        assert client.audit("bonusRule", "no-such-rule")[2]["error"]["code"] == "not_found"
        assert client.json("GET", "/audit", {"entity": "bonusRule"})[0] == 400
        status, headers, page = client.logs("kyc", limit=2)
        assert status == 200 and page["records"][0]["stream"] == "kyc"
        assert client.logs("bets")[2]["error"]["code"] == "unknown_stream"
        assert client.player("p-00042")[2]["records"]
        assert client.reports("2026-11")[2]["period"] == "2026-11"
        assert client.reports("last-tuesday")[0] == 400
        status, _, note = client.checkpoint()
        assert status == 200 and note.decode().split("\n")[0] == "dev.regvault.local/log"
        assert client.inclusion(5)[0] == 200
        status, _, proof = client.inclusion(5, format="tlog-proof")
        assert proof.startswith(b"c2sp.org/tlog-proof@v1\n")
        assert client.inclusion(99999)[0] == 400
        assert client.consistency(100, 300)[2]["hashes"]
        assert client.consistency(0, 300)[0] == 400
        status, headers, job = client.start_export(entity={"type": "bonusRule", "id": "123"})
        assert status == 202 and headers["Location"].endswith(job["id"])
        assert client.start_export(casino="all")[0] == 400
        status, headers, _ = client.export("export-6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f")
        assert status == 200 and headers["Content-Type"] == "application/gzip"
        assert client.export("export-that-never-ran")[0] == 404
    pact.write_file(PACT_DIR, overwrite=True)


def test_the_regulator_sandbox_contract():
    pact = sandbox_pact()
    with pact.serve() as server:
        client = RegulatorClient(str(server.url), prefix="/sandbox/regulator")
        assert client.call("GET", "/key")[2].startswith(b"sandbox.regvault.example/demo+")
        assert client.json("GET", "/status")[2]["scenario"] == "demo"
        assert client.checkpoint()[0] == 200
        assert client.audit("bonusRule", "bonus-7")[2]["changes"]
        assert client.logs("kyc", limit=2)[2]["stream"] == "kyc"
        assert client.player("sbx-p-1", limit=5)[0] == 200
        assert client.inclusion(10)[0] == 200
        assert client.consistency(100, 1000)[0] == 200
        assert client.json("GET", "/vectors")[2]["vectors"]
        assert client.json("GET", "/nope")[2]["error"]["code"] == "no_route"
    pact.write_file(PACT_DIR, overwrite=True)
