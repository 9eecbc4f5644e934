#!/usr/bin/env python3
"""Benchmarks report generation and prints a Markdown table.

    swift build -c release --product regvault --scratch-path .build-release
    python3 tools/bench-reports.py [--scenario mid-size-operator] [--bin .build-release/release/regvault]

It loads a sandbox scenario's records (event ids moved out of the sandbox's space) into a fresh
vault, then files with `regvault report generate`, each run a fresh process:
- every template for November 2026 (the monthly reports once, the daily ones for each of its 30
  days in one run, the UKGC quarterly for Q3), against the baseline of the same run: reading the records below the
  checkpoint, each checked against its entry's commitment, which `generate` reports on its own
  line. The table shows the whole run, the reading, and what rendering and filing added;
- a whole year of the MGA daily summary (every day from January to November that has closed,
  one run), against the same baseline;
- peak resident memory of each run (GNU time's maximum resident set size).
Targets (issue 12): November for every template within 30 s on two cores, a year of dailies
within 5 minutes, peak memory within 300 MB.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time


def run(binary, *args, stdin=None):
    """Runs regvault under GNU time; returns (process, seconds, peak resident memory in MB)."""
    started = time.monotonic()
    proc = subprocess.run(["/usr/bin/time", "-f", "maxrss-kib %M", binary, *map(str, args)], stdin=stdin,
                          capture_output=True, text=True)
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        sys.exit(f"bench-reports: regvault {' '.join(map(str, args))} failed: {proc.stderr[-2000:]}")
    peak = re.findall(r"maxrss-kib (\d+)", proc.stderr)
    return proc, elapsed, int(peak[-1]) / 1024 if peak else float("nan")


def read_seconds(stderr: str) -> float:
    match = re.search(r"report: read (\d+) records below checkpoint size (\d+) in ([0-9.]+) s", stderr)
    if not match:
        sys.exit("bench-reports: generate did not say how long reading took:\n" + stderr[-2000:])
    return float(match.group(3))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default="mid-size-operator")
    parser.add_argument("--bin", default=".build-release/release/regvault")
    parser.add_argument("--keep", action="store_true", help="keep the vault directory")
    args = parser.parse_args()
    binary = os.path.abspath(args.bin)
    work = tempfile.mkdtemp(prefix="regvault-bench-reports-")
    data = os.path.join(work, "vault")
    try:
        run(binary, "init", "--data", data, "--origin", "bench.reports/log")
        records = os.path.join(work, "records.jsonl")
        with open(records, "w") as out:
            generator = subprocess.Popen([binary, "generate", "--scenario", args.scenario], stdout=subprocess.PIPE, text=True)
            for line in generator.stdout:
                out.write(line.replace('"eventId":"sbx-', '"eventId":"bench-', 1))
            generator.wait()
        with open(records) as source:
            _, loaded, _ = run(binary, "append", "--data", data, "-", stdin=source)
        count = sum(1 for _ in open(records))
        print(f"loaded {count:,} records of {args.scenario} in {loaded:.1f} s", file=sys.stderr)

        templates = [line.split()[0] for line in run(binary, "report", "templates")[0].stdout.splitlines()
                     if line and not line.startswith(" ")]
        licences = {"mga.": "mt-dev", "ukgc.": "gb-dev", "cw.": "cw-dev", "dk.": "dk-dev"}
        print(f"| run | reports | whole run s | reading s (baseline) | rendering and filing s | ratio to reading | peak RSS MB |")
        print("|---|---|---|---|---|---|---|")
        total_november = 0.0
        for template in templates:
            licence = next((l for prefix, l in licences.items() if template.startswith(prefix)), "mt-dev")
            period = "2026-Q3" if template.startswith("ukgc.") else "2026-11"
            proc, elapsed, peak = run(binary, "report", "generate", "--data", data, "--template", template, "--period", period,
                                      "--licence", licence)
            reading = read_seconds(proc.stderr)
            filed = len(proc.stdout.splitlines())
            total_november += elapsed
            print(f"| {template} {period} | {filed} | {elapsed:.1f} | {reading:.1f} | {elapsed - reading:.1f} | "
                  f"{elapsed / reading:.2f} | {peak:.0f} |", flush=True)
        print(f"| every template, November | | {total_november:.1f} | | | | |")
        proc, elapsed, peak = run(binary, "report", "generate", "--data", data, "--template", "mga.b2c-daily-summary",
                                  "--period", "2026-01-01", "--through", "2026-11-30", "--licence", "mt-dev")
        reading = read_seconds(proc.stderr)
        print(f"| mga.b2c-daily-summary 2026-01-01 to 2026-11-30 | {len(proc.stdout.splitlines())} | {elapsed:.1f} | "
              f"{reading:.1f} | {elapsed - reading:.1f} | {elapsed / reading:.2f} | "
              f"{peak:.0f} |")
    finally:
        if args.keep:
            print(f"vault kept in {data}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
