"""Two nodes of one vault on one PostgreSQL database: the sequencer is killed (SIGKILL) mid-ingest,
round after round, while records are sent to both nodes (the standby redirects them to the
sequencer), and the standby takes over; a paused sequencer (SIGSTOP) that wakes after losing its
lease cannot commit and exits. Every acknowledged record must be there with its seq, the tree
must equal the last signed checkpoint, and every checkpoint must be consistent with the ones before
(`regvault check` recomputes every root from the entries).

The cluster is private (tools/postgres.sh, in a temporary directory) and the lease is 2 seconds
(REGVAULT_SEQUENCER_LEASE_SECONDS), so a round takes a few seconds. tools/failover.sh runs more rounds.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from conftest import MutualTLSClient, regvault_binary
from postgres_cluster import private_cluster, vault_database

ROUNDS = int(os.environ.get("REGVAULT_FAILOVER_ROUNDS", "10"))
LEASE_SECONDS = 2


class Node:
    """`regvault serve --dev` on one data directory; `standby_url` while it waits as a standby,
    `url` once it serves (after taking the lease)."""

    def __init__(self, data: Path, lease_seconds: int = LEASE_SECONDS):
        self.data = data
        self.url = None
        self.standby_url = None
        self.lines = []
        environment = dict(os.environ, REGVAULT_SEQUENCER_LEASE_SECONDS=str(lease_seconds))
        self.process = subprocess.Popen(
            [str(regvault_binary()), "serve", "--dev", "--data", str(data), "--listen", "127.0.0.1:0",
             "--report-interval", "0", "--sweep-interval", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=environment)
        self.serving = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in self.process.stdout:
            line = raw.decode(errors="replace")
            self.lines.append(line)
            if line.startswith("standby: listening on ") and self.standby_url is None:
                self.standby_url = line.split("listening on ")[1].split()[0]
            if line.startswith("listening on ") and self.url is None:
                self.url = line.split()[-1]
                self.serving.set()

    def wait_serving(self, seconds: float) -> float:
        """Seconds until it serves; fails after `seconds`."""
        start = time.monotonic()
        assert self.serving.wait(seconds), f"{self.data.name} did not take over: {''.join(self.lines)[-2000:]}"
        return time.monotonic() - start

    def wait_for(self, text: str, seconds: float = 30):
        """Waits until a line of its output contains `text`; fails after `seconds`."""
        deadline = time.monotonic() + seconds
        while not any(text in line for line in self.lines):
            assert time.monotonic() < deadline, f"{self.data.name} never said '{text}': {''.join(self.lines)[-2000:]}"
            time.sleep(0.05)

    def client(self) -> MutualTLSClient:
        return MutualTLSClient(dict(url=self.url or self.standby_url, certs=self.data / "dev-certs"))

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
        self.process.wait(timeout=30)


def records(prefix: str, count: int) -> bytes:
    lines = [json.dumps({"eventId": f"{prefix}-{n}", "stream": "audit.change",
                         "entity": {"type": "limit", "id": f"l{n % 7}"}, "action": "update", "actor": {"id": "ops"},
                         "occurredAt": "2026-11-20T10:00:00Z", "reason": "failover test", "jurisdiction": "MT",
                         "state": {"n": n, "prefix": prefix}}) for n in range(count)]
    return ("\n".join(lines) + "\n").encode()


def ingest(node: Node, prefix: str, count: int = 20):
    """Posts `count` records to `node`, following a standby's redirect to the sequencer once, as a
    client that follows redirects does; returns {eventId: seq} when acknowledged, None when refused
    or cut off."""
    client, body = node.client(), records(prefix, count)
    try:
        status, headers, answer = client.request("ingest", "POST", "/v1/records", body, {"Content-Type": "application/x-ndjson"})
        if status == 307:
            location = urllib.parse.urlsplit(dict((k.lower(), v) for k, v in headers)["location"])
            client = MutualTLSClient(dict(url=f"{location.scheme}://{location.netloc}", certs=node.data / "dev-certs"))
            status, headers, answer = client.request("ingest", "POST", location.path, body,
                                                     {"Content-Type": "application/x-ndjson"})
    except (OSError, ConnectionError):
        return None
    if status != 200:
        return None
    return {result["eventId"]: result["seq"] for result in json.loads(answer)["results"]}


@pytest.fixture(scope="module")
def cluster():
    with private_cluster("regvault-pg-failover-") as directory:
        yield directory


def new_vault(cluster: Path, name: str, first: Path) -> str:
    """A database `name` with the vault's schema and a vault in it made by `regvault init` in
    `first`; returns the database's URL."""
    url = vault_database(cluster, name)
    subprocess.run([str(regvault_binary()), "init", "--data", str(first), "--origin", f"{name}.test/log", "--postgres", url],
                   check=True, capture_output=True, timeout=60)
    return url


def join(first: Path, second: Path) -> Path:
    """`second`, a copy of `first` made once `first` has served (so with its development
    certificates: the nodes' clients trust both), as a second node joins (README)."""
    shutil.copytree(first, second)
    return second


def stored_seqs(url: str) -> dict:
    out = subprocess.run(["psql", url, "-X", "-A", "-t", "-F", " ", "-c", "SELECT event_id, seq FROM records"],
                         check=True, capture_output=True, text=True, timeout=60).stdout
    return {line.split()[0]: int(line.split()[1]) for line in out.splitlines() if line.strip()}


def test_the_standby_takes_over_from_a_killed_sequencer_and_nothing_acknowledged_is_lost(cluster, tmp_path):
    first, second = tmp_path / "node-a", tmp_path / "node-b"
    database = new_vault(cluster, "killed", first)
    acknowledged = {}
    failovers = []
    last_token = 0
    sequencer, standby = Node(first), None
    try:
        sequencer.wait_serving(60)
        standby = Node(join(first, second))
        time.sleep(1)
        assert standby.url is None, "the standby served while the sequencer held the lease"
        through_standby = [0]
        for round_number in range(ROUNDS):
            # Both nodes take records: the standby redirects its clients to the sequencer.
            sequencer.wait_for("sequencer: standbys redirect clients to " + sequencer.url)
            standby.wait_for("standby: listening on ")
            acks = ingest(standby, f"r{round_number}-via-standby")
            assert acks, f"records sent to the standby were not stored: {''.join(standby.lines)[-2000:]}"
            acknowledged.update(acks)
            through_standby[0] += len(acks)
            # Ingest through both nodes while the sequencer is killed: some batches are acknowledged,
            # one may be cut off mid-commit (not acknowledged, so either stored whole or not at all).
            stop = threading.Event()

            def keep_ingesting(nodes=(sequencer, standby), round_number=round_number):
                batch = 0
                while not stop.is_set():
                    acks = ingest(nodes[batch % 2], f"r{round_number}-b{batch}")
                    if acks:
                        acknowledged.update(acks)
                        through_standby[0] += len(acks) if batch % 2 else 0
                    batch += 1

            worker = threading.Thread(target=keep_ingesting)
            worker.start()
            time.sleep(0.7)
            sequencer.process.kill()
            killed_at = time.monotonic()
            sequencer.process.wait(timeout=30)
            stop.set()
            worker.join(timeout=120)
            standby.wait_serving(LEASE_SECONDS * 5 + 30)
            failovers.append(time.monotonic() - killed_at)
            status, _, body = standby.client().request("ingest", "GET", "/healthz/node")
            node = json.loads(body)
            assert status == 200 and node["storage"] == "postgresql" and node["sequencer"], body
            assert node["leaseToken"] > last_token, f"the lease token did not grow past {last_token}: {body}"
            last_token = node["leaseToken"]
            acks = ingest(standby, f"r{round_number}-after")
            assert acks, "the new sequencer refused records"
            acknowledged.update(acks)
            # The killed node comes back as the standby.
            data = sequencer.data
            sequencer, standby = standby, Node(data)
        stored = stored_seqs(database)
        lost = {event: seq for event, seq in acknowledged.items() if stored.get(event) != seq}
        assert not lost, f"acknowledged records missing or moved: {list(lost.items())[:5]}"
        assert len(set(stored.values())) == len(stored)
    finally:
        sequencer.stop()
        if standby:
            standby.stop()
    check = subprocess.run([str(regvault_binary()), "check", "--data", str(first)], capture_output=True, text=True, timeout=300)
    assert check.returncode == 0, check.stdout + check.stderr
    report = json.loads(check.stdout.splitlines()[-1])
    assert report["intact"] and report["entries"] == max(stored.values()) + 1
    ordered = sorted(failovers)
    print(f"\n{ROUNDS} rounds, lease {LEASE_SECONDS} s: {len(acknowledged)} records acknowledged "
          f"({through_standby[0]} of them sent to the standby), {len(stored)} stored "
          f"(a batch cut off before its answer may be stored), none lost; seconds from SIGKILL to the standby serving: "
          f"min {ordered[0]:.1f}, median {ordered[len(ordered) // 2]:.1f}, max {ordered[-1]:.1f}")


def test_a_paused_sequencer_that_lost_its_lease_cannot_commit_and_exits(cluster, tmp_path):
    first, second = tmp_path / "node-a", tmp_path / "node-b"
    database = new_vault(cluster, "paused", first)
    sequencer = Node(first)
    standby = None
    try:
        sequencer.wait_serving(60)
        assert ingest(sequencer, "before-pause")
        sequencer.process.send_signal(signal.SIGSTOP)
        standby = Node(join(first, second))
        standby.wait_serving(LEASE_SECONDS * 5 + 30)
        assert ingest(standby, "while-paused")
        _, _, node = standby.client().request("ingest", "GET", "/healthz/node")
        _, _, metrics = standby.client().request("ingest", "GET", "/metrics")
        token = json.loads(node)["leaseToken"]
        assert re.search(rf"^regvault_sequencer_lease_token {token}(\.0)?$", metrics.decode(), re.M), metrics.decode()[-1500:]
        sequencer.process.send_signal(signal.SIGCONT)
        # Its first renewal finds the lease taken over; anything it tries to commit meanwhile is fenced.
        assert ingest(sequencer, "after-wake") is None
        assert sequencer.process.wait(timeout=LEASE_SECONDS * 5 + 30) == 75
        assert "lost the sequencer lease" in "".join(sequencer.lines)
        assert not any(event.startswith("after-wake") for event in stored_seqs(database))
    finally:
        sequencer.stop()
        if standby:
            standby.stop()


def test_a_clean_stop_hands_the_lease_over_and_a_second_server_on_the_same_directory_refuses_at_once(cluster, tmp_path):
    first, second = tmp_path / "node-a", tmp_path / "node-b"
    database = new_vault(cluster, "handover", first)
    # A long lease, so that a handover cannot pass for a lease that ran out.
    sequencer = Node(first, lease_seconds=30)
    standby = None
    try:
        sequencer.wait_serving(60)
        # The same data directory cannot be served twice: that is not a standby, it is a mistake.
        twice = subprocess.run([str(regvault_binary()), "serve", "--dev", "--data", str(first), "--listen", "127.0.0.1:0"],
                               capture_output=True, text=True, timeout=30)
        assert twice.returncode != 0 and "another process is writing to this vault" in twice.stderr
        standby = Node(join(first, second), lease_seconds=30)
        standby.wait_for("standby: listening on ")
        assert any(line.startswith("standby: ") and "renewed while it runs" in line for line in standby.lines), standby.lines
        # The standby answers its health check (not the sequencer) and sends every other request to
        # the sequencer, at the same path and query.
        sequencer.wait_for("sequencer: standbys redirect clients to " + sequencer.url)
        client = standby.client()
        status, _, body = client.request("ingest", "GET", "/healthz/node")
        assert status == 200 and json.loads(body)["sequencer"] is False, body
        # A load balancer that routes by status alone sees the standby as out of service, the sequencer as in.
        status, _, body = client.request("ingest", "GET", "/healthz/sequencer")
        assert status == 503 and json.loads(body)["sequencer"] is False, body
        status, _, body = sequencer.client().request("ingest", "GET", "/healthz/sequencer")
        assert status == 200 and json.loads(body)["sequencer"] is True and json.loads(body)["leaseToken"] >= 1, body
        status, headers, body = client.request("ingest", "POST", "/v1/records", records("to-standby", 1),
                                               {"Content-Type": "application/x-ndjson"})
        assert status == 307 and json.loads(body)["error"]["code"] == "standby", body
        assert dict((k.lower(), v) for k, v in headers)["location"] == sequencer.url + "/v1/records", headers
        status, headers, _ = client.request("regulator_read", "GET", "/regulator/audit?entity=limit&id=l1&limit=2")
        assert status == 307, status
        assert dict((k.lower(), v) for k, v in headers)["location"] == sequencer.url + "/regulator/audit?entity=limit&id=l1&limit=2"
        # A client that follows redirects (curl -L) stores records through the standby.
        certs = second / "dev-certs"
        batch = tmp_path / "batch.ndjson"
        batch.write_bytes(records("via-curl", 2))
        sent = subprocess.run(["curl", "-sS", "-L", "--fail-with-body", "--cacert", str(certs / "ca.pem"),
                               "--cert", str(certs / "ingest.pem"), "--key", str(certs / "ingest.key"),
                               "-H", "Content-Type: application/x-ndjson", "--data-binary", f"@{batch}",
                               standby.standby_url + "/v1/records"], capture_output=True, text=True, timeout=60)
        assert sent.returncode == 0, sent.stdout + sent.stderr
        acks = {result["eventId"]: result["seq"] for result in json.loads(sent.stdout)["results"]}
        assert set(acks) == {"via-curl-0", "via-curl-1"} and stored_seqs(database)["via-curl-1"] == acks["via-curl-1"]
        # The standby records the newest checkpoint the sequencer signed, within a second or two, so
        # that it will refuse to take over a log that lost it.
        deadline = time.monotonic() + 10
        signed = (first / "last-signed-head").read_text()
        while not (second / "last-signed-head").exists() or (second / "last-signed-head").read_text() != signed:
            assert time.monotonic() < deadline, "the standby did not follow the sequencer's checkpoint"
            time.sleep(0.1)
        # With no address published (a sequencer on a wildcard address without advertiseURL, or
        # one still starting), the standby answers 503 and asks the client to come back.
        subprocess.run(["psql", database, "-X", "-q", "-c", "UPDATE sequencer SET url = NULL"], check=True, timeout=60)
        time.sleep(1.2)
        status, headers, body = client.request("ingest", "POST", "/v1/records", records("to-standby", 1),
                                               {"Content-Type": "application/x-ndjson"})
        assert status == 503 and json.loads(body)["error"]["code"] == "standby", body
        assert dict((k.lower(), v) for k, v in headers).get("retry-after") == "1", headers
        sequencer.process.send_signal(signal.SIGINT)
        assert sequencer.process.wait(timeout=30) == 0
        assert any("gave up the sequencer lease" in line for line in sequencer.lines), sequencer.lines
        # Its development certificate names the address it published: no warning.
        assert not any("sequencer: warning" in line for line in sequencer.lines), sequencer.lines
        # Handed over, not run out: the standby serves long before the 30-second lease could have lapsed.
        assert standby.wait_serving(15) < 15

        # A standby that takes the lease but then refuses the log (here: its record of what it signed
        # is unreadable) stops, rather than answering health checks forever without serving.
        (first / "last-signed-head").write_text("not a checkpoint\n")
        sequencer = Node(first, lease_seconds=30)
        sequencer.wait_for("standby: listening on ")
        standby.process.send_signal(signal.SIGINT)
        assert standby.process.wait(timeout=30) == 0
        assert sequencer.process.wait(timeout=30) != 0
        assert any("does not hold a checkpoint" in line for line in sequencer.lines), sequencer.lines
    finally:
        sequencer.stop()
        if standby:
            standby.stop()


def test_a_sequencer_warns_when_its_certificate_does_not_name_the_address_it_publishes(cluster, tmp_path):
    first = tmp_path / "node-a"
    database = new_vault(cluster, "advertised", first)
    # The development certificates (made by a first run in development mode) name 127.0.0.1 and localhost.
    sequencer = Node(first)
    try:
        sequencer.wait_serving(60)
    finally:
        sequencer.stop()
    certs = first / "dev-certs"
    config = tmp_path / "config.json"
    config.write_text(json.dumps({
        "data": str(first), "listen": "127.0.0.1:0", "advertiseURL": "https://vault-a.nodes.example:8443",
        "tls": {"certificate": str(certs / "server.pem"), "privateKey": str(certs / "server.key"),
                "clientCAs": [str(certs / "ca.pem")]},
        "identities": [{"commonName": "ingest", "roles": ["ingest"], "allowFrom": ["127.0.0.1/32"]}]}))
    process = subprocess.Popen([str(regvault_binary()), "serve", "--config", str(config), "--report-interval", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("sequencer: warning: "):
                break
        assert lines and lines[-1].startswith("sequencer: warning: "), "".join(lines)
        assert "does not name vault-a.nodes.example" in lines[-1] and "127.0.0.1" in lines[-1], lines[-1]
        published = subprocess.run(["psql", database, "-X", "-A", "-t", "-c", "SELECT url FROM sequencer"],
                                   check=True, capture_output=True, text=True, timeout=60).stdout.strip()
        assert published == "https://vault-a.nodes.example:8443"
    finally:
        process.kill()
        process.wait(timeout=30)
