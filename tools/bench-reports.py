#!/usr/bin/env python3
"""Benchmarks report generation and prints a Markdown table.

    swift build -c release --product regvault --scratch-path .build-release
    python3 tools/bench-reports.py [--scenario mid-size-operator] [--bin .build-release/release/regvault]

It loads a sandbox scenario's records up to yesterday (event ids moved out of the sandbox's space)
into a fresh vault, then files with `regvault report generate`, each run a fresh process:
- every template of the development configuration for November 2026, in one run (the monthly
  reports once, the daily ones for each of the 30 days; the UKGC quarterly has no whole quarter
  in November and is skipped);
- one monthly template alone;
- a whole year of the MGA daily summary (every day from January to November), in one run;
each against the baseline of the same run: reading the records below the checkpoint, each checked
against its entry's commitment, which `generate` reports on its own line.
Last, the delay in the running server: a licence whose gaming day closes a few minutes from now
(its cut-off set to that minute, UTC) files mga.b2c-daily-summary; every earlier day is filed
first from the shell, then `regvault serve --dev` starts on the vault, and the row shows the
seconds from the day's close to its report record, against the 2-hour deadline. The table shows the whole
run, the reading, what rendering and filing added, and the peak resident memory (GNU time's
maximum resident set size; Debian's `time` package).
Targets (issue 12): November for every template within 30 s on two cores, a year of dailies
within 5 minutes, peak memory within 300 MB, a report filed within 60 s of its period's close.
"""

import argparse
import calendar
import json
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


def server_delay(binary: str, data: str) -> str:
    """The table row for the server's delay between a period's close and its report record."""
    close = (int(time.time()) + 300) // 60 * 60  # a whole minute, five minutes from now
    cutoff = time.strftime("%H:%M", time.gmtime(close))
    closing_day = time.strftime("%Y-%m-%d", time.gmtime(close - 86_400))  # the gaming day that ends at `close`
    before = time.strftime("%Y-%m-%d", time.gmtime(close - 2 * 86_400))
    licence = {"id": "mt-bench", "jurisdiction": "MT", "licenceNumber": "MGA/B2C/BENCH/2026", "currency": "EUR",
               "timeZone": "UTC", "gamingDayCutoff": cutoff, "reports": ["mga.b2c-daily-summary"],
               "players": ["MT", "DE", "SE"]}
    with open(os.path.join(data, "reports.json"), "w") as config:
        json.dump({"licences": [licence]}, config)
    run(binary, "report", "generate", "--data", data, "--template", "mga.b2c-daily-summary", "--period", "2026-01-01",
        "--through", before, "--licence", "mt-bench")
    server = subprocess.Popen([binary, "serve", "--dev", "--data", data, "--listen", "127.0.0.1:0"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if time.time() >= close:
            sys.exit("bench-reports: filing the earlier days took past the chosen close; run again")
        print(f"server started; {closing_day} closes at {cutoff} UTC", file=sys.stderr)
        time.sleep(close - time.time() + 90)
    finally:
        server.terminate()
        server.wait(timeout=60)
    listed = subprocess.run([binary, "report", "list", "--data", data], capture_output=True, text=True).stdout
    filed = [json.loads(line) for line in listed.splitlines() if f"mt-bench/mga.b2c-daily-summary/{closing_day}" in line]
    if not filed:
        return f"| server: mga.b2c-daily-summary for {closing_day}, from its close to its report record | 0 | not filed within 90 s | | | | |"
    recorded = filed[0]["recordedAt"]
    at = calendar.timegm(time.strptime(recorded[:19], "%Y-%m-%dT%H:%M:%S")) + float("0" + recorded[19:23].rstrip("Z"))
    delay = at - close
    return (f"| server: mga.b2c-daily-summary for {closing_day}, from its close to its report record (deadline 7,200 s) "
            f"| 1 | {delay:.1f} | | | {delay / 7200:.4f} of the deadline | |")


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
            # The scenario's year may run past today; the vault refuses records from the future.
            today = time.strftime("%Y-%m-%d", time.gmtime())
            for line in generator.stdout:
                at = line.find('"occurredAt":"')
                if at >= 0 and line[at + 14:at + 24] >= today:
                    continue
                out.write(line.replace('"eventId":"sbx-', '"eventId":"bench-', 1))
            generator.wait()
        with open(records) as source:
            _, loaded, _ = run(binary, "append", "--data", data, "-", stdin=source)
        count = sum(1 for _ in open(records))
        print(f"loaded {count:,} records of {args.scenario} in {loaded:.1f} s", file=sys.stderr)

        print("| run | reports filed | whole run s | reading s (baseline) | rendering and filing s | ratio to reading | peak RSS MB |")
        print("|---|---|---|---|---|---|---|")
        runs = [
            ("every template, November 2026 (`--template all --period 2026-11`)", ["--template", "all", "--period", "2026-11"]),
            ("mga.gaming-tax-monthly, November 2026", ["--template", "mga.gaming-tax-monthly", "--period", "2026-11",
                                                      "--licence", "mt-dev"]),
            ("mga.b2c-daily-summary, every day from 2026-01-01 to 2026-11-30",
             ["--template", "mga.b2c-daily-summary", "--period", "2026-01-01", "--through", "2026-11-30", "--licence", "mt-dev"]),
        ]
        for title, options in runs:
            proc, elapsed, peak = run(binary, "report", "generate", "--data", data, *options)
            reading = read_seconds(proc.stderr)
            print(f"| {title} | {len(proc.stdout.splitlines())} | {elapsed:.1f} | {reading:.1f} | {elapsed - reading:.1f} | "
                  f"{elapsed / reading:.2f} | {peak:.0f} |", flush=True)
        print(server_delay(binary, data), flush=True)
    finally:
        if args.keep:
            print(f"vault kept in {data}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
