#!/usr/bin/env python3
"""Ingest speed and bytes per record of a vault kept in PostgreSQL, against SQLite and bare
PostgreSQL, in one run on this machine. Prints a Markdown table.

    swift build -c release --product regvault
    python3 tools/bench-postgres.py [--records 200000] [--bin .build/release/regvault]

It starts a private cluster (tools/postgres.sh, in a temporary directory, stopped at the end),
generates synthetic records (`regvault generate`, seed 1) and times `regvault append` of the same
file into a new SQLite vault and a new PostgreSQL vault (validation, canonicalisation, diffs,
compression, sealing, the tree, a signed checkpoint and one durable transaction per batch), then
times `regvault migrate` of the SQLite vault into a third database. Then it serves a fourth
database from two nodes (`serve --dev`, the second a copy of the first's directory, waiting as a
standby) and times HTTPS ingest of the first --https-records records, batches of 500 from
--clients connections at once: all to the sequencer, against the same clients split between the
two nodes (the standby redirects each batch to the sequencer, 307, and the client re-posts it
there, as a client that follows redirects does). The ingest
baseline is what PostgreSQL alone takes for the same rows: the PostgreSQL vault's own `leaves` and
`records` rows, copied out and loaded back with `COPY` into tables with the same columns and
indexes (no foreign keys, no triggers), in transactions of the vault's batch size, once with
`INSERT`s (one multi-row statement per table and batch, sent through psql, as the issue that set
the target measures it) and once with `COPY` from files on the server (the fastest way rows go
into PostgreSQL, so that ratio is a floor). Bytes per record count every relation of the
vault's database (tables, indexes, TOAST) and the SQLite file, against the records' JSON.

With --scenario NAME (mid-size-operator: one year of a mid-size operator, about two million
records), it also loads that sandbox scenario's records into a new SQLite vault and a new database
and prints their bytes per record, with the database's relation by relation. The production log
refuses sandbox event ids (`sbx-…`), so each is loaded as `evt-…`, and records that happen after
its clock, so each `occurredAt` is moved a year back (the scenario's year is this one); the rest of
every record is byte for byte what `regvault generate --scenario NAME` prints.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import connection, seconds_in_threads  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_SH = ROOT / "tools" / "postgres.sh"
OCCURRED_AT_YEAR = re.compile(rb'"occurredAt":"(\d{4})-')
BATCH = 10_000  # IngestPipeline.defaultBatchSize


def run(arguments, **options):
    return subprocess.run([str(a) for a in arguments], check=True, capture_output=True, text=True, **options).stdout


def timed_append(binary: Path, data: Path, records: Path) -> float:
    started = time.monotonic()
    with open(records, "rb") as source:
        appended = subprocess.run([str(binary), "append", "--data", str(data), "-"], stdin=source,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if appended.returncode != 0:
        raise SystemExit(f"bench-postgres: regvault append failed: {appended.stderr.decode()[-2000:]}")
    return time.monotonic() - started


def owner_psql(cluster: Path, database: str, sql: str) -> str:
    """SQL as the cluster's superuser over its socket (trust), as tools/postgres.sh does."""
    port = (cluster / "port").read_text().strip()
    command = ["psql", "-h", str(cluster), "-p", port, "-U", "postgres", "-d", database, "-X", "-q", "-A", "-t",
               "-v", "ON_ERROR_STOP=1"]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--"] + command
    return subprocess.run(command, input=sql, check=True, capture_output=True, text=True).stdout.strip()


def bare_copy_seconds(cluster: Path, database: str, scratch: Path) -> float:
    """Copies the vault's leaves and records out, then times loading them back with COPY, batch by batch."""
    scratch.mkdir(mode=0o777, exist_ok=True)
    os.chmod(scratch, 0o777)
    for table in ("leaves", "records"):
        owner_psql(cluster, database, f"COPY (SELECT * FROM {table} ORDER BY seq) TO '{scratch}/{table}.txt'")
    owner_psql(cluster, database, "CREATE TABLE bare_leaves (LIKE leaves INCLUDING ALL); "
                                  "CREATE TABLE bare_records (LIKE records INCLUDING ALL);")
    batches = {}  # batch number: the (table, file) pairs it loads; records carry their entries, so leaves is mostly empty
    for table in ("leaves", "records"):
        lines = (scratch / f"{table}.txt").read_text().splitlines(keepends=True)
        for number, start in enumerate(range(0, len(lines), BATCH)):
            path = scratch / f"{table}-{number:05d}.txt"
            path.write_text("".join(lines[start:start + BATCH]))
            os.chmod(path, 0o644)
            batches.setdefault(number, []).append((table, path))
    script = "".join("BEGIN;\n" + "".join(f"COPY bare_{table} FROM '{path}';\n" for table, path in files) + "COMMIT;\n"
                     for _, files in sorted(batches.items()))
    started = time.monotonic()
    owner_psql(cluster, database, script)
    return time.monotonic() - started


COPY_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)")
COPY_ESCAPED = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def sql_literal(field: str) -> str:
    """A field of COPY's text format as an SQL literal: NULL for `\\N`, else its text, quoted."""
    if field == "\\N":
        return "NULL"

    def unescaped(match):
        code = match.group(1)
        if code[0] == "x" and len(code) > 1:
            return chr(int(code[1:], 16))
        if code[0] in "01234567":
            return chr(int(code, 8))
        return COPY_ESCAPED.get(code, code)
    return "'" + COPY_ESCAPE.sub(unescaped, field).replace("'", "''") + "'"


def bare_insert_seconds(cluster: Path, database: str, scratch: Path) -> float:
    """Times inserting the rows `bare_copy_seconds` copied out, with one multi-row `INSERT … VALUES`
    per table and batch, sent through psql, into tables with the same columns and indexes."""
    owner_psql(cluster, database, "CREATE TABLE bare_insert_leaves (LIKE leaves INCLUDING ALL); "
                                  "CREATE TABLE bare_insert_records (LIKE records INCLUDING ALL);")
    statements = {}  # batch number: its INSERT statements
    for table in ("leaves", "records"):
        lines = (scratch / f"{table}.txt").read_text().splitlines()
        for number, start in enumerate(range(0, len(lines), BATCH)):
            rows = ",\n".join("(" + ", ".join(map(sql_literal, line.split("\t"))) + ")" for line in lines[start:start + BATCH])
            statements.setdefault(number, []).append(f"INSERT INTO bare_insert_{table} VALUES\n{rows};\n")
    script = "".join("BEGIN;\n" + "".join(batch) + "COMMIT;\n" for _, batch in sorted(statements.items()))
    started = time.monotonic()
    owner_psql(cluster, database, script)
    seconds = time.monotonic() - started
    if owner_psql(cluster, database, "SELECT (SELECT count(*) FROM bare_insert_records) = (SELECT count(*) FROM records) "
                                     "AND (SELECT count(*) FROM bare_insert_leaves) = (SELECT count(*) FROM leaves)") != "t":
        raise SystemExit("bench-postgres: the bare INSERTs did not store every row")
    return seconds


def database_bytes(cluster: Path, database: str) -> int:
    return int(owner_psql(cluster, database, """
        SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname NOT LIKE 'bare_%'"""))


def scenario_bytes(binary: Path, cluster: Path, schema: str, work: Path, name: str) -> dict:
    """Loads sandbox scenario `name`'s records, event ids `sbx-…` loaded as `evt-…` and each
    `occurredAt` a year earlier, into a new SQLite vault and a new database; returns their sizes,
    per relation, and the records' JSON."""
    records = work / "scenario.jsonl"
    count = 0
    with subprocess.Popen([str(binary), "generate", "--scenario", name], stdout=subprocess.PIPE) as generator, \
            open(records, "wb") as out:
        for line in generator.stdout:
            line = line.replace(b'{"eventId":"sbx-', b'{"eventId":"evt-', 1)
            out.write(OCCURRED_AT_YEAR.sub(lambda year: b'"occurredAt":"%d-' % (int(year.group(1)) - 1), line, 1))
            count += 1
    if generator.returncode != 0:
        raise SystemExit(f"bench-postgres: regvault generate --scenario {name} failed")
    print(f"appending the {count:,} records of scenario {name} to SQLite, then to PostgreSQL…", flush=True)
    run([binary, "init", "--data", work / "scenario-sqlite", "--origin", "bench.scenario/log"])
    timed_append(binary, work / "scenario-sqlite", records)
    url = run([POSTGRES_SH, "database", cluster, "scenario"], input=schema).strip()
    run([binary, "init", "--data", work / "scenario-postgres", "--origin", "bench.scenario/log", "--postgres", url])
    timed_append(binary, work / "scenario-postgres", records)
    owner_psql(cluster, "scenario", "VACUUM ANALYZE")
    relations = owner_psql(cluster, "scenario", """
        SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i') ORDER BY 2 DESC""")
    return {"count": count, "json": records.stat().st_size, "postgres": database_bytes(cluster, "scenario"),
            "sqlite": sum(p.stat().st_size for p in (work / "scenario-sqlite").glob("vault.sqlite*")),
            "relations": [(name, int(size)) for name, size in (line.split("|") for line in relations.splitlines())]}


def print_scenario_bytes(name: str, measured: dict):
    count, json_bytes = measured["count"], measured["json"]
    print()
    print(f"Scenario {name}: {count:,} records, {json_bytes / count:,.0f} B of JSON each")
    print()
    print("| bytes per record | stored | the records' JSON | ratio |")
    print("|---|---|---|---|")
    for backend in ("postgres", "sqlite"):
        print(f"| {'PostgreSQL: tables, indexes and TOAST' if backend == 'postgres' else 'SQLite file'} "
              f"| {measured[backend] / count:,.0f} B | {json_bytes / count:,.0f} B | {measured[backend] / json_bytes:.2f} |")
    for relation, size in measured["relations"]:
        if size >= count:
            print(f"| of which {relation} | {size / count:,.0f} B | | |")


class Node:
    """`regvault serve --dev` on `data` (creating its vault in `postgres` when given), on a free
    loopback port; its output lines are collected as they come."""

    def __init__(self, binary: Path, data: Path, postgres: str = None):
        arguments = [str(binary), "serve", "--dev", "--data", str(data), "--listen", "127.0.0.1:0", "--report-interval", "0",
                     "--sweep-interval", "0"] + (["--postgres", postgres] if postgres else [])
        self.process = subprocess.Popen(arguments, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.lines = []
        threading.Thread(target=lambda: [self.lines.append(raw.decode(errors="replace")) for raw in self.process.stdout],
                         daemon=True).start()

    def address(self, prefix: str) -> str:
        """HOST:PORT from the first output line starting with `prefix` (waits up to 60 s)."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if line.startswith(prefix):
                    return line[len(prefix):].split()[0].split("//")[1]
            time.sleep(0.05)
        raise SystemExit(f"bench-postgres: the node never said '{prefix}': {''.join(self.lines)[-2000:]}")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=60)


def ingest_https(targets, certs: Path, lines, clients: int) -> float:
    """Posts `lines` in batches of 500 from `clients` kept-alive connections, client i to
    targets[i % len(targets)], following a 307 to the sequencer on a second kept-alive connection;
    returns records/s."""
    batches = [b"\n".join(lines[start:start + 500]) for start in range(0, len(lines), 500)]
    failures = []

    def post(target, mine):
        first, redirected = connection(target, str(certs), "ingest"), {}
        for body in mine:
            conn, path = first, "/v1/records"
            for _ in range(2):
                conn.request("POST", path, body=body, headers={"Content-Type": "application/x-ndjson"})
                response = conn.getresponse()
                payload = response.read()
                if response.status != 307:
                    break
                location = urllib.parse.urlsplit(response.getheader("Location"))
                if location.netloc not in redirected:
                    redirected[location.netloc] = connection(location.netloc, str(certs), "ingest")
                conn, path = redirected[location.netloc], location.path
            if response.status != 200:
                failures.append(f"{response.status} {payload[:300]!r}")
                return

    seconds = seconds_in_threads([(post, (targets[client % len(targets)], batches[client::clients])) for client in range(clients)])
    if failures:
        raise SystemExit(f"bench-postgres: ingest failed: {failures[0]}")
    return len(lines) / seconds


def two_node_ingest(binary: Path, cluster: Path, schema: str, work: Path, lines, clients: int):
    """(records/s all to the sequencer, records/s split between the sequencer and a standby), each
    into a database of its own."""
    rates = []
    for name, split in (("one_node", False), ("two_nodes", True)):
        url = run([POSTGRES_SH, "database", cluster, name], input=schema).strip()
        first, second = work / f"{name}-a", work / f"{name}-b"
        sequencer = Node(binary, first, postgres=url)
        standby = None
        try:
            target = sequencer.address("listening on ")
            sequencer.address("sequencer: standbys redirect clients to ")
            targets = [target]
            if split:
                shutil.copytree(first, second)
                standby = Node(binary, second)
                targets.append(standby.address("standby: listening on "))
            rates.append(ingest_https(targets, first / "dev-certs", lines, clients))
        finally:
            for node in (standby, sequencer):
                if node:
                    node.stop()
    return rates


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--bin", type=Path, default=ROOT / ".build" / "release" / "regvault")
    parser.add_argument("--https-records", type=int, default=100_000, help="records posted in each HTTPS ingest run")
    parser.add_argument("--clients", type=int, default=4, help="connections posting at once in the HTTPS ingest runs")
    parser.add_argument("--scenario", help="also measure bytes per record on this sandbox scenario's records (all of them)")
    options = parser.parse_args()
    binary = options.bin.resolve()
    if not binary.exists():
        raise SystemExit(f"bench-postgres: no {binary}; build it: swift build -c release --product regvault")

    work = Path(tempfile.mkdtemp(prefix="regvault-bench-pg-"))
    os.chmod(work, 0o755)  # the server (its own user when run as root) reads the COPY files below it
    cluster = work / "cluster"
    try:
        print(f"starting a private PostgreSQL cluster in {cluster}…", flush=True)
        run([POSTGRES_SH, "start", cluster])
        records = work / "records.jsonl"
        with open(records, "wb") as out:
            subprocess.run([str(binary), "generate", "--count", str(options.records), "--seed", "1"], stdout=out, check=True)
        json_bytes = records.stat().st_size
        count = options.records

        print(f"appending {count:,} records to SQLite…", flush=True)
        run([binary, "init", "--data", work / "sqlite", "--origin", "bench.sqlite/log"])
        sqlite_seconds = timed_append(binary, work / "sqlite", records)
        sqlite_bytes = sum(p.stat().st_size for p in (work / "sqlite").glob("vault.sqlite*"))

        print(f"appending {count:,} records to PostgreSQL…", flush=True)
        schema = run([binary, "postgres", "schema", "--role", "regvault"])
        url = run([POSTGRES_SH, "database", cluster, "bench"], input=schema).strip()
        run([binary, "init", "--data", work / "postgres", "--origin", "bench.postgres/log", "--postgres", url])
        postgres_seconds = timed_append(binary, work / "postgres", records)
        owner_psql(cluster, "bench", "VACUUM ANALYZE")
        postgres_bytes = database_bytes(cluster, "bench")

        print("loading the same rows into bare tables with COPY…", flush=True)
        bare_seconds = bare_copy_seconds(cluster, "bench", work / "copy")
        print("inserting the same rows into bare tables with INSERT…", flush=True)
        insert_seconds = bare_insert_seconds(cluster, "bench", work / "copy")

        print("moving the SQLite vault into PostgreSQL (regvault migrate)…", flush=True)
        moved_url = run([POSTGRES_SH, "database", cluster, "moved"], input=schema).strip()
        started = time.monotonic()
        run([binary, "migrate", "--from", f"sqlite:{work / 'sqlite'}", "--to", moved_url])
        migrate_seconds = time.monotonic() - started

        print(f"posting {options.https_records:,} records over HTTPS to one node, then to two…", flush=True)
        with open(records, "rb") as source:
            lines = source.read().splitlines()[:options.https_records]
        one_node, two_nodes = two_node_ingest(binary, cluster, schema, work, lines, options.clients)
        scenario = scenario_bytes(binary, cluster, schema, work, options.scenario) if options.scenario else None

        rate = lambda seconds: f"{count / seconds:,.0f}/s"
        print()
        print(f"{count:,} synthetic records, {json_bytes / count:,.0f} B of JSON each; batches of {BATCH:,}")
        print()
        print("| measure | RegVault on PostgreSQL | same-run baseline | ratio |")
        print("|---|---|---|---|")
        print(f"| ingest (`regvault append`) | {rate(postgres_seconds)} | {rate(insert_seconds)} (bare PostgreSQL: `INSERT`s of "
              f"the same leaves and records rows, one multi-row statement per table and batch, same indexes, same batches) "
              f"| {insert_seconds / postgres_seconds:.2f} |")
        print(f"| ingest against `COPY` | {rate(postgres_seconds)} | {rate(bare_seconds)} (bare PostgreSQL: `COPY` of the "
              f"same rows from files on the server, same indexes, same batches) | {bare_seconds / postgres_seconds:.2f} |")
        print(f"| ingest against SQLite | {rate(postgres_seconds)} | {rate(sqlite_seconds)} (the SQLite vault, same input) "
              f"| {sqlite_seconds / postgres_seconds:.2f} |")
        print(f"| `regvault migrate` of the SQLite vault (copy, compare, full check) | {rate(migrate_seconds)} "
              f"| {rate(postgres_seconds)} (ingest into PostgreSQL, above) | {postgres_seconds / migrate_seconds:.2f} |")
        print(f"| HTTPS ingest, {len(lines):,} records in batches of 500 from {options.clients} clients, half of them "
              f"sent to a standby that redirects them | {two_nodes:,.0f}/s | {one_node:,.0f}/s (the same clients, all "
              f"sent to the sequencer) | {two_nodes / one_node:.2f} |")
        print(f"| bytes per record on disk, tables, indexes and TOAST | {postgres_bytes / count:,.0f} B "
              f"| {json_bytes / count:,.0f} B (the records' JSON) | {postgres_bytes / json_bytes:.2f} |")
        print(f"| bytes per record, SQLite file | {sqlite_bytes / count:,.0f} B | {json_bytes / count:,.0f} B (the records' JSON) "
              f"| {sqlite_bytes / json_bytes:.2f} |")
        if scenario:
            print_scenario_bytes(options.scenario, scenario)
    finally:
        subprocess.run([str(POSTGRES_SH), "stop", str(cluster)], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
