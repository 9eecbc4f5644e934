#!/usr/bin/env python3
"""Benchmarks the HTTPS server over mutual TLS on loopback and prints a Markdown table.

    swift build -c release --product regvault
    python3 tools/bench-server.py [--records 1000000] [--bin .build/release/regvault]

Rows, each against a baseline measured in the same run:
- HTTPS ingest: POST /v1/records with batches of 500 over one kept-alive mTLS connection, and
  over --clients connections at once (several services posting, each waiting for its durable
  answer; the server commits the batches that arrive together in one transaction), against
  `regvault append --batch-size 500` of the same records into a fresh vault (the same pipeline
  without HTTP and TLS).
- /regulator/audit of an entity with 100 versions spread through the whole log: p50 and p99 over
  1,000 requests, against GET /healthz on the same connection (the transport's own latency).
- The access journal's cost: GET /regulator/checkpoint (its access entry durable before the answer
  leaves) against GET /log/checkpoint (the same signed note, not journaled), 1,000 each.
All traffic stays on 127.0.0.1; the script stops the server it started.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from benchlib import connection, percentile, seconds_in_threads, start_server

HOT_ENTITY = "bench-100"


def make_records(binary: str, count: int, path: str) -> int:
    """Synthetic records plus 100 versions of bonusRule bench-100 spread through them."""
    generated = subprocess.run([binary, "generate", "--count", str(count), "--seed", "2026"],
                               check=True, capture_output=True).stdout.splitlines()
    every = max(len(generated) // 100, 1)
    with open(path, "wb") as out:
        for index, line in enumerate(generated):
            if index % every == every // 2:
                hot = {"eventId": f"bench-h-{index}", "stream": "audit.change",
                       "entity": {"type": "bonusRule", "id": HOT_ENTITY}, "action": "update",
                       "actor": {"id": "bo-admin-1", "role": "bonus_manager"}, "occurredAt": "2026-01-01T00:00:00Z",
                       "reason": f"benchmark change {index}", "jurisdiction": "MT",
                       "state": {"maxBonus": index % 1000, "wagering": 35}}
                line = json.dumps(hot, separators=(",", ":")).encode()
            out.write(line + b"\n")
    return len(generated)


def ingest_https(host_port: str, certs: str, lines, clients: int) -> float:
    """Posts `lines` in batches of 500, batch i on connection i % clients; returns records/s."""
    batches = [b"\n".join(lines[start:start + 500]) for start in range(0, len(lines), 500)]
    failures = []

    def post(mine):
        conn = connection(host_port, certs, "ingest")
        for body in mine:
            conn.request("POST", "/v1/records", body=body, headers={"Content-Type": "application/x-ndjson"})
            response = conn.getresponse()
            payload = response.read()
            if response.status != 200:
                failures.append(f"{response.status} {payload[:300]!r}")
                return

    seconds = seconds_in_threads([(post, (batches[client::clients],)) for client in range(clients)])
    if failures:
        raise SystemExit(f"ingest failed: {failures[0]}")
    return len(lines) / seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--bin", default=".build/release/regvault")
    parser.add_argument("--clients", type=int, default=4, help="connections posting at once in the concurrent run")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="regvault-bench-server-")
    try:
        records_path = os.path.join(work, "records.jsonl")
        count = make_records(args.bin, args.records, records_path)
        print(f"{count} records generated", file=sys.stderr)

        # Baseline: the same records through the command line's pipeline, batch 500.
        baseline_data = os.path.join(work, "baseline")
        subprocess.run([args.bin, "init", "--data", baseline_data, "--origin", "bench.baseline/log"],
                       check=True, capture_output=True)
        started = time.monotonic()
        subprocess.run([args.bin, "append", "--data", baseline_data, "--batch-size", "500", records_path],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        baseline_rate = count / (time.monotonic() - started)
        print(f"baseline append: {baseline_rate:.0f} records/s", file=sys.stderr)

        data = os.path.join(work, "served")
        server, host_port = start_server(args.bin, data)
        try:
            certs = os.path.join(data, "dev-certs")
            with open(records_path, "rb") as source:
                lines = source.read().splitlines()
            https_rate = ingest_https(host_port, certs, lines, 1)
            print(f"https ingest, one client: {https_rate:.0f} records/s", file=sys.stderr)

            inspector = connection(host_port, certs, "regulator_read")
            audit, health = [], []
            for _ in range(1000):
                started = time.monotonic()
                inspector.request("GET", f"/regulator/audit?entity=bonusRule&id={HOT_ENTITY}")
                response = inspector.getresponse()
                payload = response.read()
                audit.append((time.monotonic() - started) * 1000)
                if response.status != 200 or len(json.loads(payload)["changes"]) != 100:
                    raise SystemExit(f"audit failed: {response.status} {payload[:300]!r}")
                started = time.monotonic()
                inspector.request("GET", "/healthz")
                inspector.getresponse().read()
                health.append((time.monotonic() - started) * 1000)
            journaled, unjournaled = [], []
            for _ in range(1000):
                for path, samples in (("/regulator/checkpoint", journaled), ("/log/checkpoint", unjournaled)):
                    started = time.monotonic()
                    inspector.request("GET", path)
                    response = inspector.getresponse()
                    response.read()
                    samples.append((time.monotonic() - started) * 1000)
                    if response.status != 200:
                        raise SystemExit(f"{path} failed: {response.status}")
        finally:
            server.terminate()
            server.wait(timeout=60)

        concurrent_data = os.path.join(work, "served-concurrently")
        server, host_port = start_server(args.bin, concurrent_data)
        try:
            concurrent_rate = ingest_https(host_port, os.path.join(concurrent_data, "dev-certs"), lines, args.clients)
            print(f"https ingest, {args.clients} clients: {concurrent_rate:.0f} records/s", file=sys.stderr)
        finally:
            server.terminate()
            server.wait(timeout=60)

        print("| measure | RegVault over HTTPS + mTLS | same-run baseline | ratio |")
        print("|---|---|---|---|")
        print(f"| ingest, batches of 500, {count} records, one client | {https_rate:,.0f}/s | {baseline_rate:,.0f}/s "
              f"(`regvault append --batch-size 500`) | {https_rate / baseline_rate:.2f} |")
        print(f"| ingest, batches of 500, {count} records, {args.clients} clients at once | {concurrent_rate:,.0f}/s | "
              f"{baseline_rate:,.0f}/s (the same) | {concurrent_rate / baseline_rate:.2f} |")
        print(f"| /regulator/audit, 100 versions at {count}: p50 / p99 | {percentile(audit, 0.5):.2f} ms / "
              f"{percentile(audit, 0.99):.2f} ms | {percentile(health, 0.5):.2f} ms / {percentile(health, 0.99):.2f} ms "
              f"(`/healthz`) | p99 {percentile(audit, 0.99) / percentile(health, 0.99):.1f}x |")
        print(f"| /regulator/checkpoint, access entry durable before the answer: p50 / p99 | "
              f"{percentile(journaled, 0.5):.2f} ms / {percentile(journaled, 0.99):.2f} ms | "
              f"{percentile(unjournaled, 0.5):.2f} ms / {percentile(unjournaled, 0.99):.2f} ms (`/log/checkpoint`, not "
              f"journaled) | p50 {percentile(journaled, 0.5) / percentile(unjournaled, 0.5):.1f}x |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
