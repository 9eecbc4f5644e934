#!/usr/bin/env python3
"""Ingest and bytes per record on PostgreSQL, two builds of regvault side by side.

    python3 tools/bench-postgres-ab.py --before OLD/regvault --after NEW/regvault [--records 200000] [--rounds 3]

Each round appends the same generated records (`regvault generate --seed 1`) with each build, in
alternating order, into a fresh database of one private cluster (tools/postgres.sh), each database
made with its own build's schema; then it measures the database's tables, indexes and TOAST. The
table it prints has one row per append; the last lines compare the means, so a change is measured
against its baseline in the same run, on the same machine, at the same time.
"""

import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

spec = importlib.util.spec_from_file_location("bench_postgres", Path(__file__).resolve().parent / "bench-postgres.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="the baseline build's regvault")
    parser.add_argument("--after", type=Path, required=True, help="the changed build's regvault")
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    builds = {"before": options.before.resolve(), "after": options.after.resolve()}
    for name, binary in builds.items():
        if not binary.exists():
            raise SystemExit(f"bench-postgres-ab: no {binary} (--{name})")

    work = Path(tempfile.mkdtemp(prefix="regvault-bench-ab-"))
    os.chmod(work, 0o755)  # the cluster below it runs as its own user when started as root
    cluster = work / "cluster"
    measured = {name: [] for name in builds}
    try:
        print(f"starting a private PostgreSQL cluster in {cluster}…", flush=True)
        bench.run([bench.POSTGRES_SH, "start", cluster])
        records = work / "records.jsonl"
        with open(records, "wb") as out:
            subprocess.run([str(builds["after"]), "generate", "--count", str(options.records), "--seed", "1"], stdout=out, check=True)
        json_bytes = records.stat().st_size
        print()
        print(f"{options.records:,} records of `regvault generate --seed 1`, {json_bytes / options.records:,.0f} B of JSON each")
        print()
        print("| round | build | records/s | bytes per record | of the JSON |")
        print("|---|---|---|---|---|")
        for round_number in range(1, options.rounds + 1):
            order = ["before", "after"] if round_number % 2 else ["after", "before"]
            for name in order:
                binary = builds[name]
                database = f"{name}{round_number}"
                schema = bench.run([binary, "postgres", "schema", "--role", "regvault"])
                url = bench.run([bench.POSTGRES_SH, "database", cluster, database], input=schema).strip()
                data = work / database
                bench.run([binary, "init", "--data", data, "--origin", f"bench.{database}/log", "--postgres", url])
                seconds = bench.timed_append(binary, data, records)
                bench.owner_psql(cluster, database, "VACUUM ANALYZE")
                stored = bench.database_bytes(cluster, database) / options.records
                measured[name].append((options.records / seconds, stored))
                print(f"| {round_number} | {name} | {options.records / seconds:,.0f} | {stored:,.0f} B "
                      f"| {stored * options.records / json_bytes:.2f} |", flush=True)
        print()
        means = {name: (statistics.mean(r for r, _ in rows), statistics.mean(b for _, b in rows)) for name, rows in measured.items()}
        print(f"ingest: {means['before'][0]:,.0f}/s before, {means['after'][0]:,.0f}/s after, "
              f"{means['after'][0] / means['before'][0]:.2f} of before")
        print(f"bytes per record: {means['before'][1]:,.0f} B before, {means['after'][1]:,.0f} B after, "
              f"{means['after'][1] / means['before'][1]:.2f} of before")
    finally:
        subprocess.run([str(bench.POSTGRES_SH), "stop", str(cluster)], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
