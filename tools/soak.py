#!/usr/bin/env python3
"""Soak test: the HTTPS server under steady ingest and inspector reads for a bounded time, watched
for memory, file descriptor and latency drift.

    python3 tools/soak.py [--minutes 10] [--binary PATH | --scratch-path .build-release]

Without --binary it builds the release binary first (`swift build -c release --product regvault
--scratch-path SCRATCH`; about five minutes on two cores). It starts `regvault serve --dev` on
127.0.0.1 with a free port and a fresh data directory, then runs together, until the time is up:
- ingest: one client posting batches of `regvault generate` records (--batch records, a new seed
  for every 2,000) to POST /v1/records with the ingest certificate, paced to --ingest-rate records
  per second;
- inspector reads: --readers clients with the regulator_read certificate cycling through
  /regulator/audit, /regulator/logs/{stream}, /regulator/player/{id}, /regulator/proof/inclusion,
  /regulator/proof/consistency and /regulator/checkpoint, for entities and players that were
  ingested, each pausing --read-pause seconds between requests.
Each client keeps one mutual-TLS connection alive. Every minute it samples the server's resident
memory (VmRSS in /proc/PID/status, and how much of it is anonymous read-write mappings, where
glibc's arenas and thread stacks live, from /proc/PID/smaps), its open descriptors (/proc/PID/fd) and threads, and the p50
and p99 latency of each kind of request in that minute, and prints a Markdown table row.

At the end it stops the server (SIGTERM), runs `regvault check` on the data directory, and exits 1
if any request failed, `check` failed, or memory or descriptors did not stay flat:
- memory: the server's page caches are capped at --sqlite-cache-mib per SQLite connection (8 MiB;
  `REGVAULT_SQLITE_CACHE_MIB`, 256 MiB by default), so they are full within the warm-up and a
  leak cannot hide behind a cache that is still filling (at 256 MiB they grow with the database
  for hours). The verdict is on what malloc has handed out and not had back
  (`regvault_heap_in_use_bytes`, glibc's mallinfo2, from /metrics), which resident memory cannot
  show: resident memory keeps the allocator's high-water mark. It is read with the server quiet:
  the clients finish the request they are in and wait while it is read (the lowest of three
  readings half a second apart), because an answer being built is not retained memory and the
  workload's answers grow (the generator reuses entity ids, so audited trails lengthen with every
  batch and one audit answer reaches several MiB). After a two-minute warm-up (TLS sessions, the
  allocator's pools and the page caches fill up), it may grow from the first sample after warm-up
  to the last by at most max(16 MiB, 10 %). A leak of a few hundred bytes per request or per
  record (about 70,000 requests and 120,000 records in ten minutes at the defaults) exceeds that.
  The table also shows SQLite's share (`regvault_sqlite_memory_bytes`) and the rest;
- descriptors: at most 8 more than after warm-up (the clients hold a fixed number of
  connections; export and sandbox files come and go), since every leaked connection or file
  handle adds one.
To find where memory goes, --read-kinds narrows the reads to some kinds and --fresh-connections
makes the readers open a connection per request (what a kept-alive connection holds then goes).
Traffic goes only to 127.0.0.1, every loop stops at the deadline, and the server is stopped on
every exit path. The data directory is removed unless --keep-data is given or something failed.
"""

import argparse
import http.client
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WARM_UP_MINUTES = 2
MEMORY_SLACK_BYTES = 16 << 20
MEMORY_SLACK_FRACTION = 0.10
DESCRIPTOR_SLACK = 8
QUIET_READINGS = 3
READ_KINDS = ["audit", "logs", "player", "inclusion", "consistency", "checkpoint"]
KINDS = ["ingest"] + READ_KINDS


def build_release(scratch: str) -> Path:
    print(f"soak: building the release binary in {scratch} (several minutes)", file=sys.stderr, flush=True)
    subprocess.run(["swift", "build", "-c", "release", "--product", "regvault", "--scratch-path", scratch],
                   cwd=REPO, check=True)
    bin_path = subprocess.run(["swift", "build", "-c", "release", "--scratch-path", scratch, "--show-bin-path"],
                              cwd=REPO, check=True, capture_output=True, text=True).stdout.strip()
    return Path(bin_path) / "regvault"


def start_server(binary: Path, data: Path, cache_mib: int):
    proc = subprocess.Popen([str(binary), "serve", "--dev", "--data", str(data), "--listen", "127.0.0.1:0",
                             "--report-interval", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env={**os.environ, "REGVAULT_SQLITE_CACHE_MIB": str(cache_mib)})
    deadline = time.time() + 120
    while time.time() < deadline:
        line = proc.stdout.readline().decode()
        if not line:
            break
        if line.startswith("listening on "):
            host_port = line.split("//", 1)[1].strip()
            host, port = host_port.rsplit(":", 1)
            if host not in ("127.0.0.1", "localhost"):
                proc.terminate()
                raise SystemExit(f"soak: the server listens on {host}, not loopback; refusing to send traffic there")
            return proc, host, int(port)
    proc.terminate()
    raise SystemExit("soak: the server did not start")


class Client:
    """One kept-alive mutual-TLS connection as one role; reconnects after a failure."""

    def __init__(self, host: str, port: int, certs: Path, role: str):
        self.context = ssl.create_default_context(cafile=str(certs / "ca.pem"))
        self.context.load_cert_chain(str(certs / f"{role}.pem"), str(certs / f"{role}.key"))
        self.host, self.port = host, port
        self.connection = None

    def request(self, method: str, path: str, body: bytes = None, headers: dict = None):
        if self.connection is None:
            self.connection = http.client.HTTPSConnection(self.host, self.port, context=self.context, timeout=120)
        try:
            self.connection.request(method, path, body=body, headers=headers or {})
            response = self.connection.getresponse()
            return response.status, response.read()
        except Exception:
            self.connection.close()
            self.connection = None
            raise


class Gate:
    """Lets the sampler read the server's memory with no request in flight: clients pass through
    `enter`/`leave` around every request; `quiet()` stops new requests and waits for the ones in
    flight, `resume()` lets them go on."""

    def __init__(self):
        self.condition = threading.Condition()
        self.open = True
        self.in_flight = 0

    def enter(self, stop: threading.Event) -> bool:
        with self.condition:
            while not self.open and not stop.is_set():
                self.condition.wait(0.5)
            if stop.is_set():
                return False
            self.in_flight += 1
            return True

    def leave(self):
        with self.condition:
            self.in_flight -= 1
            self.condition.notify_all()

    def quiet(self, timeout: float = 150):
        with self.condition:
            self.open = False
            self.condition.wait_for(lambda: self.in_flight == 0, timeout)

    def resume(self):
        with self.condition:
            self.open = True
            self.condition.notify_all()


class Stats:
    """Latencies per kind for the current minute, totals and failures; shared by the workers."""

    def __init__(self):
        self.lock = threading.Lock()
        self.minute = {kind: [] for kind in KINDS}
        self.requests = 0
        self.ingested = 0
        self.failures = []

    def record(self, kind: str, seconds: float):
        with self.lock:
            self.minute[kind].append(seconds)
            self.requests += 1

    def fail(self, kind: str, what: str):
        with self.lock:
            self.failures.append(f"{kind}: {what}")

    def take_minute(self):
        with self.lock:
            taken, self.minute = self.minute, {kind: [] for kind in KINDS}
            return taken


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class Corpus:
    """Entities and players seen in ingested records, for the readers to ask about."""

    def __init__(self):
        self.lock = threading.Lock()
        self.entities = []
        self.players = []
        self.tree_size = 1

    def add(self, lines, last_seq):
        with self.lock:
            for line in lines[:: max(len(lines) // 20, 1)]:
                record = json.loads(line)
                self.entities.append((record["entity"]["type"], record["entity"]["id"]))
                if record.get("playerId"):
                    self.players.append(record["playerId"])
            self.entities = self.entities[-500:]
            self.players = self.players[-500:]
            self.tree_size = max(self.tree_size, last_seq + 1)

    def pick(self, counter):
        """An entity, a player and the acknowledged tree size; None until the first batch is in."""
        with self.lock:
            if not self.entities or not self.players:
                return None
            return self.entities[counter % len(self.entities)], self.players[counter % len(self.players)], self.tree_size


def ingest_worker(binary: Path, client: Client, stats: Stats, corpus: Corpus, gate: Gate, stop: threading.Event,
                  batch: int, rate: float):
    seed, pending = 1000, []
    interval = batch / rate
    next_at = time.monotonic()
    while not stop.is_set():
        if len(pending) < batch:
            generated = subprocess.run([str(binary), "generate", "--count", "2000", "--seed", str(seed)],
                                       check=True, capture_output=True).stdout.splitlines()
            pending += [line for line in generated if line]
            seed += 1
        lines, pending = pending[:batch], pending[batch:]
        if not gate.enter(stop):
            break
        started = time.monotonic()
        try:
            status, body = client.request("POST", "/v1/records", b"\n".join(lines),
                                          {"Content-Type": "application/x-ndjson"})
        except Exception as error:  # noqa: BLE001 - a failed request is counted, the soak goes on
            stats.fail("ingest", f"POST /v1/records: {type(error).__name__}: {error}")
            continue
        finally:
            gate.leave()
        stats.record("ingest", time.monotonic() - started)
        if status != 200:
            stats.fail("ingest", f"POST /v1/records -> {status} {body[:200]!r}")
            continue
        results = json.loads(body)["results"]
        with stats.lock:
            stats.ingested += len(results)
        corpus.add(lines, max(result["seq"] for result in results))
        next_at += interval
        stop.wait(max(0.0, next_at - time.monotonic()))


def read_worker(index: int, client: Client, stats: Stats, corpus: Corpus, gate: Gate, stop: threading.Event,
                pause: float, kinds: list, fresh: bool):
    streams = ["audit.change", "kyc", "payment", "gaming", "aml", "rng", "responsible_gambling"]
    counter = index * 7919
    while not stop.is_set():
        counter += 1
        picked = corpus.pick(counter)
        if picked is None:
            stop.wait(0.1)
            continue
        (entity_type, entity_id), player, size = picked
        kind = kinds[counter % len(kinds)]
        seq = counter % max(size - 1, 1) + 1
        path = {
            "audit": f"/regulator/audit?entity={entity_type}&id={entity_id}",
            "logs": f"/regulator/logs/{streams[counter % len(streams)]}?limit=50",
            "player": f"/regulator/player/{player}?limit=50",
            "inclusion": f"/regulator/proof/inclusion?seq={seq}",
            "consistency": f"/regulator/proof/consistency?from={seq}&to={max(size - 1, seq)}",
            "checkpoint": "/regulator/checkpoint",
        }[kind]
        if not gate.enter(stop):
            break
        started = time.monotonic()
        try:
            status, body = client.request("GET", path)
        except Exception as error:  # noqa: BLE001
            stats.fail(kind, f"GET {path}: {type(error).__name__}: {error}")
            continue
        finally:
            gate.leave()
            if fresh and client.connection is not None:
                client.connection.close()
                client.connection = None
        stats.record(kind, time.monotonic() - started)
        # Proofs are asked at the size the reader last saw acknowledged, which a checkpoint covers.
        if status != 200:
            stats.fail(kind, f"GET {path} -> {status} {body[:200]!r}")
        stop.wait(pause)


def server_memory(client) -> dict:
    """What SQLite holds and what malloc has handed out in the server process, from its /metrics.
    The connection idles for a minute between samples, longer than the server keeps an idle
    connection, so each sample opens anew."""
    if client.connection is not None:
        client.connection.close()
        client.connection = None
    status, body = client.request("GET", "/metrics")
    if status != 200:
        raise SystemExit(f"soak: /metrics answered {status}")
    gauges = {}
    for line in body.decode().splitlines():
        for name in ("regvault_sqlite_memory_bytes", "regvault_heap_in_use_bytes"):
            if line.startswith(name + " "):
                gauges[name] = int(float(line.split()[-1]))
    if len(gauges) != 2:
        raise SystemExit("soak: /metrics lacks regvault_sqlite_memory_bytes or regvault_heap_in_use_bytes")
    return gauges


def sample(pid: int, data: Path, metrics, gate: Gate) -> dict:
    """The server's memory, descriptors and database size, read while `gate` holds the clients."""
    gate.quiet()
    try:
        return read_sample(pid, data, metrics)
    finally:
        gate.resume()


def read_sample(pid: int, data: Path, metrics) -> dict:
    descriptors = os.listdir(f"/proc/{pid}/fd")
    connections = 0
    for fd in descriptors:
        try:
            connections += os.readlink(f"/proc/{pid}/fd/{fd}") == str(data / "vault.sqlite")
        except OSError:
            pass
    database = sum(path.stat().st_size for path in (data / "vault.sqlite", data / "vault.sqlite-wal") if path.exists())
    # With no request in flight (the caller quietens the clients); the lowest of a few readings, so
    # that work the server finishes after its answer (access entries, checkpoints) drops out.
    readings = []
    for attempt in range(QUIET_READINGS):
        if attempt:
            time.sleep(0.5)
        gauges = server_memory(metrics)
        readings.append((gauges["regvault_heap_in_use_bytes"] - gauges["regvault_sqlite_memory_bytes"],
                         gauges["regvault_heap_in_use_bytes"], gauges["regvault_sqlite_memory_bytes"]))
    outside, heap, sqlite = min(readings)
    # Resident memory and its mappings after the quiet readings, together: read as the last answer
    # leaves, resident memory still holds that answer's pages for a moment (an audit answer grows to
    # several MiB as the trails lengthen), which is working memory, not retained memory.
    status = Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    rss = int(fields["VmRSS"].split()[0]) * 1024
    return dict(rss=rss, anon=int(fields["RssAnon"].split()[0]) * 1024, sqlite=sqlite, heap=heap, outside=outside,
                threads=int(fields["Threads"]), fds=len(descriptors), connections=connections, database=database,
                mappings=resident_by_mapping(pid))


def resident_by_mapping(pid: int) -> dict:
    """Resident bytes per kind of mapping, from /proc/PID/smaps: each file by its path, and the
    anonymous ones by what they are (`[heap]`, `[stack]`, or `anon r/w` / `anon other` by their
    permissions; glibc's arenas and thread stacks are anonymous read-write mappings)."""
    kinds, current = {}, None
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        head = line.split(None, 5)
        if len(head) >= 5 and "-" in head[0] and not head[0].endswith(":"):
            permissions = head[1]
            path = head[5] if len(head) == 6 else ""
            current = path or ("anon r/w" if permissions.startswith("rw") else "anon other")
        elif line.startswith("Rss:") and current is not None:
            kinds[current] = kinds.get(current, 0) + int(line.split()[1]) * 1024
    return kinds


def mib(value: int) -> str:
    return f"{value / (1 << 20):.1f}"


def row_head(taken: dict) -> str:
    return (f"{mib(taken['rss'])} | {mib(taken['mappings'].get('anon r/w', 0) + taken['mappings'].get('[heap]', 0))} | "
            f"{mib(taken['heap'])} | {mib(taken['sqlite'])} | {mib(taken['outside'])} | "
            f"{mib(taken['database'])} | "
            f"{taken['connections']} | {taken['fds']} | {taken['threads']}")


def milliseconds(value):
    return "–" if value is None else f"{value * 1000:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10, help="how long to run (default 10)")
    parser.add_argument("--binary", help="a regvault binary (default: build the release one)")
    parser.add_argument("--scratch-path", default=".build-release", help="swift build's scratch path for the release build")
    parser.add_argument("--data", help="data directory (default: a fresh temporary one)")
    parser.add_argument("--keep-data", action="store_true", help="keep the data directory afterwards")
    parser.add_argument("--batch", type=int, default=100, help="records per ingest request (default 100)")
    parser.add_argument("--ingest-rate", type=float, default=200, help="records per second to ingest at most (default 200)")
    parser.add_argument("--readers", type=int, default=2, help="concurrent inspector clients (default 2)")
    parser.add_argument("--read-pause", type=float, default=0.01, help="seconds each reader waits between requests")
    parser.add_argument("--read-kinds", default=",".join(READ_KINDS),
                        help="the inspector requests to cycle through (default: " + ",".join(READ_KINDS) + ")")
    parser.add_argument("--fresh-connections", action="store_true",
                        help="readers open a new connection for every request instead of keeping one")
    parser.add_argument("--sqlite-cache-mib", type=int, default=8, help="each SQLite connection's page cache (default 8)")
    args = parser.parse_args()

    kinds = [kind for kind in args.read_kinds.split(",") if kind]
    if not kinds or any(kind not in READ_KINDS for kind in kinds):
        raise SystemExit(f"soak: --read-kinds takes some of {','.join(READ_KINDS)}")
    binary = Path(args.binary) if args.binary else build_release(str(REPO / args.scratch_path))
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        raise SystemExit(f"soak: no regvault binary at {binary}")
    scratch = Path(tempfile.mkdtemp(prefix="regvault-soak-"))
    data = Path(args.data) if args.data else scratch / "vault"
    server, host, port = start_server(binary, data, args.sqlite_cache_mib)
    certs = data / "dev-certs"
    stats, corpus, gate, stop = Stats(), Corpus(), Gate(), threading.Event()
    workers = [threading.Thread(target=ingest_worker, daemon=True,
                                args=(binary, Client(host, port, certs, "ingest"), stats, corpus, gate, stop,
                                      args.batch, args.ingest_rate))]
    workers += [threading.Thread(target=read_worker, daemon=True,
                                 args=(i, Client(host, port, certs, "regulator_read"), stats, corpus, gate, stop,
                                       args.read_pause, kinds, args.fresh_connections))
                for i in range(args.readers)]
    samples = []
    print(f"soak: {args.minutes:g} minutes against {binary} on https://{host}:{port} (pid {server.pid}), data {data}",
          file=sys.stderr, flush=True)
    header = ("| minute | RSS MiB | of it anonymous r/w MiB | heap in use MiB | SQLite MiB | heap less SQLite MiB | database MiB | SQLite connections | "
              "fds | threads | "
              "records ingested | requests | "
              + " | ".join(f"{kind} p50/p99 ms" for kind in KINDS) + " | failures |")
    print(header)
    print("|" + "---|" * (header.count("|") - 1), flush=True)
    failed_check = False
    try:
        start = time.monotonic()
        metrics = Client(host, port, certs, "admin")
        samples.append(dict(minute=0, **sample(server.pid, data, metrics, gate)))
        print(f"| 0 | {row_head(samples[0])} | 0 | 0 | " + " | ".join("–" for _ in KINDS) + " | 0 |", flush=True)
        for worker in workers:
            worker.start()
        minute = 0
        end = start + args.minutes * 60
        while time.monotonic() < end:
            minute += 1
            time.sleep(max(0.0, min(start + minute * 60, end) - time.monotonic()))
            if server.poll() is not None:
                stats.fail("server", f"exited with status {server.returncode}")
                break
            latencies = stats.take_minute()
            taken = dict(minute=minute, **sample(server.pid, data, metrics, gate))
            samples.append(taken)
            cells = []
            for kind in KINDS:
                cells.append(f"{milliseconds(percentile(latencies[kind], 0.5))} / {milliseconds(percentile(latencies[kind], 0.99))}")
            with stats.lock:
                row = (f"| {minute} | {row_head(taken)} | {stats.ingested} | {stats.requests} | "
                       + " | ".join(cells) + f" | {len(stats.failures)} |")
            print(row, flush=True)
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=150)
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            stats.fail("server", "did not stop within 60 s of SIGTERM")

    verdicts = []
    after_warm_up = [s for s in samples if s["minute"] >= WARM_UP_MINUTES] or samples[-1:]
    first, last = after_warm_up[0], samples[-1]
    allowed = max(MEMORY_SLACK_BYTES, int(first["heap"] * MEMORY_SLACK_FRACTION))
    growth = last["heap"] - first["heap"]
    memory_ok = growth <= allowed
    verdicts.append(f"heap in use (page caches capped at {args.sqlite_cache_mib} MiB per connection): "
                    f"{mib(first['heap'])} MiB at minute {first['minute']} -> {mib(last['heap'])} MiB at minute "
                    f"{last['minute']} (growth {growth / (1 << 20):+.1f} MiB; allowed {mib(allowed)}): "
                    f"{'flat' if memory_ok else 'GREW'}; of it SQLite {mib(first['sqlite'])} -> {mib(last['sqlite'])} MiB "
                    f"for a database of {mib(last['database'])} MiB; resident {mib(first['rss'])} -> {mib(last['rss'])} MiB")
    grown = sorted(((last["mappings"].get(name, 0) - first["mappings"].get(name, 0), name)
                    for name in set(first["mappings"]) | set(last["mappings"])), reverse=True)
    verdicts.append("resident growth by mapping from minute "
                    f"{first['minute']} to {last['minute']}: "
                    + ", ".join(f"{name} {delta / (1 << 20):+.1f} MiB" for delta, name in grown[:4] if delta))
    fd_peak = max(s["fds"] for s in after_warm_up)
    fds_ok = fd_peak - first["fds"] <= DESCRIPTOR_SLACK and last["fds"] - first["fds"] <= DESCRIPTOR_SLACK
    verdicts.append(f"descriptors: {first['fds']} at minute {first['minute']}, peak {fd_peak}, last {last['fds']} "
                    f"(allowed +{DESCRIPTOR_SLACK}): {'flat' if fds_ok else 'GREW'}")
    check = subprocess.run([str(binary), "check", "--data", str(data)], capture_output=True, text=True)
    failed_check = check.returncode != 0
    verdicts.append(f"regvault check: exit {check.returncode}"
                    + (f" {check.stderr.strip()[:500]}" if failed_check else ""))
    verdicts.append(f"requests: {stats.requests}, records ingested: {stats.ingested}, failures: {len(stats.failures)}")
    for failure in stats.failures[:20]:
        verdicts.append(f"  failure: {failure}")
    ok = memory_ok and fds_ok and not failed_check and not stats.failures
    print()
    for line in verdicts:
        print(line)
    print(f"soak: {'PASS' if ok else 'FAIL'}")
    if ok and not args.keep_data and not args.data:
        shutil.rmtree(scratch, ignore_errors=True)
    elif not args.data:
        print(f"soak: data kept in {data}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
