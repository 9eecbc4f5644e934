"""Provider verification of the regulator contracts in `pacts/` against the real server.

Pact's verifier (the Rust core in pact-python's wheel) speaks HTTPS but cannot present a client
certificate, and every RegVault connection needs one. So the verifier talks plain HTTP to a small
forwarding proxy on 127.0.0.1 (below, standard library only), which opens a mutual-TLS connection
to `regvault serve --dev` for every request: with the `regulator_read` certificate for
`/regulator/…` and the sandbox certificate for `/sandbox/…`, the certificates a regulator's system
holds. Server certificates are verified against the dev CA. Provider states are set up by a
state-change endpoint (also below) that loads data the way the other tests do: `regvault generate`
and `POST /v1/records` with the ingest certificate; for states that create something whose name
the contract cannot know (an export id, this month's period), it answers the values, which the
contract injects with Pact's provider-state generators.
"""

import http.server
import json
import os
import subprocess
import threading
import time
import urllib.parse
from datetime import datetime, timezone
from pathlib import Path

import pytest

# Pact's core would otherwise try to send usage statistics: these tests stay on this machine.
os.environ.setdefault("PACT_DO_NOT_TRACK", "true")

from pact import Verifier  # noqa: E402

from conftest import MutualTLSClient, dev_server

PACT_DIR = Path(__file__).parent / "pacts"
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection", "host",
              "content-length"}


def role_for(path: str) -> str:
    """The certificate a regulator's system uses for a path."""
    return "sandbox" if path.startswith("/sandbox/") else "regulator_read"


def serve_in_thread(handler_class) -> http.server.ThreadingHTTPServer:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def make_proxy(vault: MutualTLSClient, seen: list):
    class Proxy(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def forward(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {name: value for name, value in self.headers.items() if name.lower() not in HOP_BY_HOP}
            path = self.path
            status, response_headers, payload = vault.request(role_for(urllib.parse.urlsplit(path).path), self.command,
                                                              path, body, headers)
            seen.append((self.command, path, status))
            self.send_response(status)
            for name, value in response_headers:
                if name.lower() not in HOP_BY_HOP:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = forward

        def log_message(self, *args):
            pass

    return Proxy


class ProviderStates:
    """Sets up each provider state named in the contracts; answers values for the generators."""

    def __init__(self, vault: MutualTLSClient):
        self.vault = vault
        self.loaded = False
        self.lock = threading.Lock()

    def load_generated_records(self):
        with self.lock:
            if self.loaded:
                return
            binary = self.vault.running["binary"]
            records = subprocess.run([str(binary), "generate", "--count", "300", "--seed", "5"],
                                     capture_output=True, check=True).stdout
            status, _, body = self.vault.request("ingest", "POST", "/v1/records", records,
                                                 {"Content-Type": "application/x-ndjson"})
            assert status == 200, body
            self.loaded = True

    def player_with_records(self) -> str:
        status, page = self.vault.json("regulator_read", "GET", "/regulator/logs/kyc?limit=1")
        assert status == 200 and page["records"], page
        return page["records"][0]["playerId"]

    def setup(self, state: str) -> dict:
        if state == "the vault holds the records of regvault generate --count 300 --seed 5":
            self.load_generated_records()
            return {"playerId": self.player_with_records()}
        if state == "a daily report was filed this month":
            self.load_generated_records()
            now = datetime.now(timezone.utc)
            record = {"eventId": "contract-report-" + now.strftime("%Y-%m-%d"), "stream": "report",
                      "entity": {"type": "report", "id": "daily-" + now.strftime("%Y-%m-%d")}, "action": "file",
                      "actor": {"id": "reporting-service", "role": "system"},
                      "occurredAt": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "jurisdiction": "MT",
                      "state": {"deposits": 1200, "withdrawals": 800, "currency": "EUR"}}
            status, body = self.vault.json("ingest", "POST", "/v1/records", [record])
            assert status == 200, body
            return {"period": now.strftime("%Y-%m")}
        if state == "an export of bonus rule 123 has finished":
            self.load_generated_records()
            status, job = self.vault.json("regulator_read", "POST", "/regulator/exports",
                                          {"entity": {"type": "bonusRule", "id": "123"}})
            assert status == 202, job
            deadline = time.time() + 60
            while time.time() < deadline:
                status, _, _ = self.vault.request("regulator_read", "GET", f"/regulator/exports/{job['id']}")
                if status != 202:
                    break
                time.sleep(0.1)
            assert status == 200, f"export {job['id']} answered {status}"
            return {"exportId": job["id"]}
        if state == "the sandbox is replaying the demo scenario":
            deadline = time.time() + 60
            while time.time() < deadline:
                status, body = self.vault.json("sandbox", "GET", "/sandbox/regulator/status")
                if status == 200:
                    break
                time.sleep(0.2)
            assert status == 200, body
            status, page = self.vault.json("sandbox", "GET", "/sandbox/regulator/logs/audit.change?limit=1")
            assert status == 200 and page["records"], page
            entity = page["records"][0]["entity"]
            status, page = self.vault.json("sandbox", "GET", "/sandbox/regulator/logs/kyc?limit=1")
            return {"entityType": entity["type"], "entityId": entity["id"], "playerId": page["records"][0]["playerId"]}
        raise AssertionError(f"no such provider state: {state!r}")


def make_state_endpoint(states: ProviderStates, errors: list):
    class StateChange(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            request = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            try:
                values = states.setup(request["state"]) if request.get("action", "setup") == "setup" else {}
                payload, status = json.dumps(values).encode(), 200
            except Exception as error:  # noqa: BLE001 - reported to the verifier and to the test
                errors.append(f"{request.get('state')}: {error}")
                payload, status = json.dumps({"error": str(error)}).encode(), 500
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    return StateChange


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    with dev_server(tmp_path_factory.mktemp("contract") / "vault") as running:
        vault = MutualTLSClient(running)
        seen, errors = [], []
        proxy = serve_in_thread(make_proxy(vault, seen))
        states = serve_in_thread(make_state_endpoint(ProviderStates(vault), errors))
        try:
            yield dict(vault=vault, proxy=proxy, states=states, seen=seen, errors=errors)
        finally:
            proxy.shutdown()
            states.shutdown()


@pytest.mark.parametrize("pact_file", ["regulator-system-regvault.json", "regulator-sandbox-client-regvault.json"])
def test_the_server_honours_the_contract_over_mutual_tls(provider, pact_file):
    path = PACT_DIR / pact_file
    assert path.is_file(), f"{path} is missing; test_contract_consumer.py writes it"
    interactions = len(json.loads(path.read_text())["interactions"])
    before = len(provider["seen"])
    proxy_port = provider["proxy"].server_address[1]
    state_port = provider["states"].server_address[1]
    verifier = (Verifier("regvault", host="127.0.0.1")
                .add_transport(url=f"http://127.0.0.1:{proxy_port}")
                .add_source(path)
                .state_handler(f"http://127.0.0.1:{state_port}/", body=True)
                .set_request_timeout(60_000))
    try:
        verifier.verify()
    except Exception as error:
        pytest.fail(f"{pact_file} does not verify: {error}\n{verifier.output(strip_ansi=True)}\n"
                    f"state errors: {provider['errors']}")
    replayed = provider["seen"][before:]
    assert len(replayed) >= interactions, replayed
    # Every request went through the mutual-TLS proxy; none was refused for its certificate.
    assert not [request for request in replayed if request[2] == 403], replayed


def test_a_contract_the_server_breaks_fails_verification(provider, tmp_path):
    """The same verifier and proxy do catch a server that breaks a contract: a consumer that
    expected the checkpoint as JSON is told so."""
    from pact import Pact, match

    pact = Pact("regulator-system-expecting-json", "regvault").with_specification("V4")
    (pact.upon_receiving("the latest signed checkpoint as JSON")
        .given("the vault holds the records of regvault generate --count 300 --seed 5")
        .with_request("GET", "/regulator/checkpoint")
        .will_respond_with(200).with_body({"size": match.int(301)}, content_type="application/json"))
    pact.write_file(tmp_path, overwrite=True)
    verifier = (Verifier("regvault", host="127.0.0.1")
                .add_transport(url=f"http://127.0.0.1:{provider['proxy'].server_address[1]}")
                .add_source(tmp_path / "regulator-system-expecting-json-regvault.json")
                .state_handler(f"http://127.0.0.1:{provider['states'].server_address[1]}/", body=True))
    with pytest.raises(Exception):
        verifier.verify()
    assert "content type" in verifier.output(strip_ansi=True)
