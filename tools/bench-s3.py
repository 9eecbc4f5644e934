#!/usr/bin/env python3
"""Benchmarks storing objects through the S3 endpoint and prints a Markdown table, each row against a
baseline measured in the same run on the same disk:

- S3 PutObject with boto3 (its defaults: HTTPS, kept-alive connections, aws-chunked body with a
  CRC32 trailer), as the `ingest` profile of DIR/dev-certs/aws-credentials;
- the vault's native `PUT /v1/objects/{key}` of the same bytes over mutual TLS, one kept-alive
  connection with DIR/dev-certs/ingest.pem/.key;
- the baseline: the same bytes written to a new file, fsync'd, and its directory fsync'd (what
  durable creation of one file costs on this disk, with no HTTP, TLS, hashing or log).

For --small objects of 64 KiB and --large objects of 8 MiB: objects/s, MB/s (10^6 bytes), p50 and
p99 of one object's latency, and the ratio of objects/s to the baseline's. Objects are written one
after another (one client waiting for each durable answer); each object's bytes differ in their first
eight bytes. A few untimed warm-up writes open the connections first.

    swift build -c release --product regvault
    python3 tools/bench-s3.py [--bin .build/release/regvault] [--small 200] [--large 20]

The binary comes from --bin, else $REGVAULT_BIN, else .build/release/regvault. All traffic stays on
127.0.0.1; the script stops the server it started and deletes its temporary directory.
"""

import argparse
import configparser
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import boto3
from botocore.config import Config

from benchlib import connection, percentile

KIB, MIB = 1024, 1024 * 1024
WARMUP = 3


def start_server(binary: str, data: str):
    """`regvault serve --dev` on free loopback ports, reports off; returns (process, mTLS host:port,
    S3 URL). The two `listening on` lines may come in either order; stdout is drained afterwards."""
    proc = subprocess.Popen([binary, "serve", "--dev", "--data", data, "--listen", "127.0.0.1:0",
                             "--report-interval", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    lines = queue.Queue()

    def drain():
        for raw in proc.stdout:
            lines.put(raw.decode("utf-8", "replace").strip())
        lines.put(None)

    threading.Thread(target=drain, daemon=True).start()
    api = s3 = None
    deadline = time.monotonic() + 60
    while not (api and s3):
        try:
            line = lines.get(timeout=max(deadline - time.monotonic(), 0.01))
        except queue.Empty:
            line = None
        if line is None:
            proc.terminate()
            raise SystemExit("the server did not print both `listening on` and `s3 listening on` within 60 s")
        if line.startswith("listening on "):
            api = line.split("//")[1]
        elif line.startswith("s3 listening on "):
            s3 = line.split()[-1]
    return proc, api, s3


def payloads(size: int, count: int):
    """`count` distinct objects of `size` bytes: one random block, object i's index in its first 8 bytes."""
    block = os.urandom(size)
    return [index.to_bytes(8, "big") + block[8:] for index in range(count + WARMUP)]


def timed(write, objects) -> list:
    """Runs write(index, body) for each object after WARMUP untimed ones; returns seconds per object."""
    samples = []
    for index, body in enumerate(objects):
        started = time.perf_counter()
        write(index, body)
        if index >= WARMUP:
            samples.append(time.perf_counter() - started)
    return samples


def s3_client(s3_url: str, certs: str, role: str):
    """A boto3 S3 client as `role`, with its keys from DIR/dev-certs/aws-credentials."""
    profile = configparser.ConfigParser()
    profile.read(os.path.join(certs, "aws-credentials"))
    return boto3.client("s3", endpoint_url=s3_url, verify=os.path.join(certs, "ca.pem"),
                        aws_access_key_id=profile[role]["aws_access_key_id"],
                        aws_secret_access_key=profile[role]["aws_secret_access_key"],
                        config=Config(region_name="us-east-1", signature_version="s3v4",
                                      s3={"addressing_style": "path"}, retries={"max_attempts": 1}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=os.environ.get("REGVAULT_BIN") or ".build/release/regvault")
    parser.add_argument("--small", type=int, default=200, help="objects of 64 KiB")
    parser.add_argument("--large", type=int, default=20, help="objects of 8 MiB")
    args = parser.parse_args()
    binary = os.path.abspath(args.bin)
    if not os.access(binary, os.X_OK):
        raise SystemExit(f"no regvault binary at {binary} (give --bin or set REGVAULT_BIN)")

    work = tempfile.mkdtemp(prefix="regvault-bench-s3-")
    results = []  # (label, size, count, method, samples)
    try:
        data = os.path.join(work, "served")
        server, api, s3_url = start_server(binary, data)
        try:
            certs = os.path.join(data, "dev-certs")
            s3_client(s3_url, certs, "admin").create_bucket(Bucket="bench")
            s3 = s3_client(s3_url, certs, "ingest")
            native = connection(api, certs, "ingest")
            baseline_dir = os.path.join(work, "fsync")
            os.mkdir(baseline_dir)

            for label, size, count in (("64 KiB", 64 * KIB, args.small), ("8 MiB", 8 * MIB, args.large)):
                objects = payloads(size, count)
                tag = label.replace(" ", "").lower()

                def put_s3(index, body):
                    s3.put_object(Bucket="bench", Key=f"{tag}/s3-{index}", Body=body)

                def put_native(index, body):
                    native.request("PUT", f"/v1/objects/bench/{tag}/native-{index}", body=body,
                                   headers={"Content-Type": "application/octet-stream"})
                    response = native.getresponse()
                    answer = response.read()
                    if response.status != 200:
                        raise SystemExit(f"PUT /v1/objects failed: {response.status} {answer[:300]!r}")

                def write_file(index, body):
                    path = os.path.join(baseline_dir, f"{tag}-{index}")
                    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                    try:
                        view = memoryview(body)
                        while view:
                            view = view[os.write(descriptor, view):]
                        os.fsync(descriptor)
                    finally:
                        os.close(descriptor)
                    directory = os.open(baseline_dir, os.O_RDONLY)
                    try:
                        os.fsync(directory)
                    finally:
                        os.close(directory)

                for method, write in (("file write + fsync (baseline)", write_file),
                                      ("S3 PutObject, boto3", put_s3),
                                      ("native PUT /v1/objects, mTLS", put_native)):
                    samples = timed(write, objects)
                    results.append((label, size, count, method, samples))
                    print(f"{label} x {count}, {method}: {count / sum(samples):,.1f} objects/s", file=sys.stderr)
        finally:
            server.terminate()
            server.wait(timeout=60)

        print("| objects | method | objects/s | MB/s | p50 / p99 per object | objects/s vs fsync baseline |")
        print("|---|---|---|---|---|---|")
        baseline = {}
        for label, size, count, method, samples in results:
            rate = count / sum(samples)
            if method.startswith("file"):
                baseline[label] = rate
            print(f"| {count} x {label} | {method} | {rate:,.1f} | {rate * size / 1e6:,.1f} | "
                  f"{percentile(samples, 0.5) * 1000:.2f} ms / {percentile(samples, 0.99) * 1000:.2f} ms | "
                  f"{rate / baseline[label]:.2f} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
