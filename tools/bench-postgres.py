#!/usr/bin/env python3
"""Ingest speed and bytes per record of a vault kept in PostgreSQL, against SQLite and bare
PostgreSQL, in one run on this machine. Prints a Markdown table.

    swift build -c release --product regvault
    python3 tools/bench-postgres.py [--records 200000] [--bin .build/release/regvault]

It starts a private cluster (tools/postgres.sh, in a temporary directory, stopped at the end),
generates synthetic records (`regvault generate`, seed 1) and times `regvault append` of the same
file into a new SQLite vault and a new PostgreSQL vault (validation, canonicalisation, diffs,
compression, sealing, the tree, a signed checkpoint and one durable transaction per batch), then
times `regvault migrate` of the SQLite vault into a third database. The ingest
baseline is what PostgreSQL alone takes for the same rows: the PostgreSQL vault's own `leaves` and
`records` rows, copied out and loaded back with `COPY` into tables with the same columns and
indexes (no foreign keys, no triggers), in transactions of the vault's batch size: the fastest way
rows go into PostgreSQL, so the ratio is a floor. Bytes per record count every relation of the
vault's database (tables, indexes, TOAST) and the SQLite file, against the records' JSON.
"""

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_SH = ROOT / "tools" / "postgres.sh"
BATCH = 10_000  # IngestPipeline.defaultBatchSize


def run(arguments, **options):
    return subprocess.run([str(a) for a in arguments], check=True, capture_output=True, text=True, **options).stdout


def timed_append(binary: Path, data: Path, records: Path) -> float:
    started = time.monotonic()
    with open(records, "rb") as source:
        subprocess.run([str(binary), "append", "--data", str(data), "-"], stdin=source, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, check=True)
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
    batches = []
    for table in ("leaves", "records"):
        lines = (scratch / f"{table}.txt").read_text().splitlines(keepends=True)
        for number, start in enumerate(range(0, len(lines), BATCH)):
            path = scratch / f"{table}-{number:05d}.txt"
            path.write_text("".join(lines[start:start + BATCH]))
            os.chmod(path, 0o644)
            if table == "leaves":
                batches.append([path])
            else:
                batches[number].append(path)
    script = "".join(f"BEGIN;\nCOPY bare_leaves FROM '{leaves}';\nCOPY bare_records FROM '{records}';\nCOMMIT;\n"
                     for leaves, records in batches)
    started = time.monotonic()
    owner_psql(cluster, database, script)
    return time.monotonic() - started


def database_bytes(cluster: Path, database: str) -> int:
    return int(owner_psql(cluster, database, """
        SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname NOT LIKE 'bare_%'"""))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--bin", type=Path, default=ROOT / ".build" / "release" / "regvault")
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

        print("moving the SQLite vault into PostgreSQL (regvault migrate)…", flush=True)
        moved_url = run([POSTGRES_SH, "database", cluster, "moved"], input=schema).strip()
        started = time.monotonic()
        run([binary, "migrate", "--from", f"sqlite:{work / 'sqlite'}", "--to", moved_url])
        migrate_seconds = time.monotonic() - started

        rate = lambda seconds: f"{count / seconds:,.0f}/s"
        print()
        print(f"{count:,} synthetic records, {json_bytes / count:,.0f} B of JSON each; batches of {BATCH:,}")
        print()
        print("| measure | RegVault on PostgreSQL | same-run baseline | ratio |")
        print("|---|---|---|---|")
        print(f"| ingest (`regvault append`) | {rate(postgres_seconds)} | {rate(bare_seconds)} (bare PostgreSQL: `COPY` of the "
              f"same leaves and records rows, same indexes, same batches) | {bare_seconds / postgres_seconds:.2f} |")
        print(f"| ingest against SQLite | {rate(postgres_seconds)} | {rate(sqlite_seconds)} (the SQLite vault, same input) "
              f"| {sqlite_seconds / postgres_seconds:.2f} |")
        print(f"| `regvault migrate` of the SQLite vault (copy, compare, full check) | {rate(migrate_seconds)} "
              f"| {rate(postgres_seconds)} (ingest into PostgreSQL, above) | {postgres_seconds / migrate_seconds:.2f} |")
        print(f"| bytes per record on disk, tables, indexes and TOAST | {postgres_bytes / count:,.0f} B "
              f"| {json_bytes / count:,.0f} B (the records' JSON) | {postgres_bytes / json_bytes:.2f} |")
        print(f"| bytes per record, SQLite file | {sqlite_bytes / count:,.0f} B | {json_bytes / count:,.0f} B (the records' JSON) "
              f"| {sqlite_bytes / json_bytes:.2f} |")
    finally:
        subprocess.run([str(POSTGRES_SH), "stop", str(cluster)], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
