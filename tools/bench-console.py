#!/usr/bin/env python3
"""Benchmarks what an inspector waits for and prints a Markdown table, each row against a baseline
measured in the same run:

- /regulator/audit?limit=100 of an entity with 27,000 versions (its first page, a page in the middle,
  its last page): p50 and p99 over --requests requests each, against GET /healthz on the same
  kept-alive mTLS connection.
- The console's entity page with 100 versions in headless Chromium (Debian's, through Selenium, with
  a client certificate): the time to first contentful paint and the time until the browser has
  checked every proof and the checkpoint's signature, p50 and p99 over --loads loads, against the
  console's key page (the same layout with no records and no proofs).

    swift build -c release --product regvault --scratch-path .build-release
    python3 tools/bench-console.py [--bin .build-release/release/regvault] [--records 200000]

It needs root for Chromium's certificate policy (tools/setup.sh installs Chromium and Selenium). All
traffic stays on 127.0.0.1; the script stops the server it started.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "Tests" / "python"))
from browser import browser, install_certificate_policy, pin_key, proof_mark  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from benchlib import connection, percentile, start_server  # noqa: E402

DEEP = "deep-27000"
VERSIONS = 27_000


def make_records(binary: str, count: int, path: str):
    """`count` synthetic records with VERSIONS versions of bonusRule DEEP spread through them."""
    generated = subprocess.run([binary, "generate", "--count", str(count - VERSIONS), "--seed", "2026"],
                               check=True, capture_output=True).stdout.splitlines()
    every = max(len(generated) // VERSIONS, 1)
    version = 0
    with open(path, "wb") as out:
        for index, line in enumerate(generated):
            out.write(line + b"\n")
            if index % every == 0 and version < VERSIONS:
                version += 1
                change = {"eventId": f"deep-{version}", "stream": "audit.change",
                          "entity": {"type": "bonusRule", "id": DEEP}, "action": "update",
                          "actor": {"id": f"bo-admin-{version % 7}", "role": "bonus_manager"},
                          "occurredAt": "2026-01-01T00:00:00Z", "reason": f"change {version}", "jurisdiction": "MT",
                          "state": {"maxBonus": version % 1000, "wagering": 20 + version % 20, "active": version % 2 == 0}}
                out.write(json.dumps(change, separators=(",", ":")).encode() + b"\n")
    assert version == VERSIONS


def timed_gets(inspector, path, count):
    samples = []
    for _ in range(count):
        started = time.monotonic()
        inspector.request("GET", path)
        response = inspector.getresponse()
        body = response.read()
        samples.append((time.monotonic() - started) * 1000)
        if response.status != 200:
            raise SystemExit(f"{path}: {response.status} {body[:300]!r}")
    return samples, body


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=".build-release/release/regvault")
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--loads", type=int, default=30)
    args = parser.parse_args()
    binary = os.path.abspath(args.bin)
    work = tempfile.mkdtemp(prefix="regvault-bench-console-")
    server = None
    try:
        data = os.path.join(work, "data")
        records = os.path.join(work, "records.jsonl")
        make_records(binary, args.records, records)
        subprocess.run([binary, "init", "--data", data, "--origin", "bench.regvault.local/log"], check=True, capture_output=True)
        started = time.monotonic()
        subprocess.run([binary, "append", "--data", data, records], check=True, capture_output=True)
        print(f"loaded {args.records:,} records ({VERSIONS:,} versions of bonusRule {DEEP}) in "
              f"{time.monotonic() - started:.1f} s", file=sys.stderr)
        server, host_port = start_server(binary, data)
        url = "https://" + host_port
        certs = Path(data) / "dev-certs"
        inspector = connection(host_port, str(certs), "regulator_read")
        rows = []

        # Cursors of the middle and last pages, from one walk through the trail.
        path = f"/regulator/audit?entity=bonusRule&id={DEEP}&limit=100"
        cursors, cursor = [None], None
        while True:
            inspector.request("GET", path + (f"&cursor={cursor}" if cursor else ""))
            page = json.loads(inspector.getresponse().read())
            cursor = page["nextCursor"]
            if not cursor:
                break
            cursors.append(cursor)
        assert page["versions"] == VERSIONS, page["versions"]
        health, _ = timed_gets(inspector, "/healthz", args.requests)
        for name, cursor in (("first page", None), ("middle page", cursors[len(cursors) // 2]), ("last page", cursors[-1])):
            samples, body = timed_gets(inspector, path + (f"&cursor={cursor}" if cursor else ""), args.requests)
            assert len(json.loads(body)["changes"]) == 100
            rows.append([f"/regulator/audit?limit=100 of {VERSIONS:,} versions, {name}: p50 / p99",
                         f"{percentile(samples, 0.5):.2f} ms / {percentile(samples, 0.99):.2f} ms",
                         f"{percentile(health, 0.5):.2f} ms / {percentile(health, 0.99):.2f} ms (`/healthz`, same connection)",
                         f"p99 {percentile(samples, 0.99) / percentile(health, 0.99):.1f}x"])

        install_certificate_policy()
        key = (Path(data) / "log.pub").read_text().strip()
        with browser(certs, "regulator_read") as driver:
            pin_key(driver, url, key)

            def load(page):
                driver.get(url + page)
                state, text = proof_mark(driver) if "entity" in page else ("", "")
                if "entity" in page and state != "verified":
                    raise SystemExit(f"the proofs did not check: {text}")
                # Chromium records the paint entry just after the load event: wait for it.
                paint_entry = "return performance.getEntriesByName('first-contentful-paint').map(e => e.startTime)[0]"
                WebDriverWait(driver, 10).until(lambda d: d.execute_script(paint_entry) is not None)
                paint = driver.execute_script(paint_entry)
                checked = driver.execute_script("const m = document.getElementById('proof-mark');"
                                                "return m ? Number(m.dataset.checkedAt) : null")
                return paint, checked

            entity = f"/console/entity?type=bonusRule&id={DEEP}&cursor={cursors[len(cursors) // 2]}"
            load(entity)  # the first load fills the browser's cache of the script and style
            pages = [load(entity) for _ in range(args.loads)]
            baseline = [load("/console/key") for _ in range(args.loads)]
        paints = [p for p, _ in pages]
        checks = [c for _, c in pages]
        base = [p for p, _ in baseline]
        rows.append(["console entity page, 100 versions: first contentful paint p50 / p99",
                     f"{percentile(paints, 0.5):.0f} ms / {percentile(paints, 0.99):.0f} ms",
                     f"{percentile(base, 0.5):.0f} ms / {percentile(base, 0.99):.0f} ms (the key page, no records)",
                     f"p50 {percentile(paints, 0.5) / percentile(base, 0.5):.1f}x"])
        rows.append(["the same page, until the browser has checked 100 proofs and the signature: p50 / p99",
                     f"{percentile(checks, 0.5):.0f} ms / {percentile(checks, 0.99):.0f} ms",
                     f"{percentile(base, 0.5):.0f} ms / {percentile(base, 0.99):.0f} ms (the key page's first paint)",
                     f"p50 {percentile(checks, 0.5) / percentile(base, 0.5):.1f}x"])

        print("| measure | RegVault | baseline (same run) | ratio |")
        print("|---|---|---|---|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
