#!/usr/bin/env python3
"""What bare SQLite on this machine can insert with the records table's indexes, batch by batch.

    python3 tools/bench-sqlite-ceiling.py [--rows 1000000] [--batch 500]

The ceiling for HTTPS ingest: one transaction of --batch rows per commit (WAL, synchronous=FULL,
the vault's cache size and secure_delete), into the records table's columns with its stream,
player and entity indexes, and with the unique event-id index as the vault has it ("text"), as a
64-bit hash of the event id instead ("hash"), and without it ("none"). No leaves, no triggers, no
encryption, no HTTP: everything the vault does on top costs more. Prints a Markdown table.
"""

import argparse
import hashlib
import os
import random
import sqlite3
import tempfile
import time

SCHEMA = """
CREATE TABLE records (seq INTEGER PRIMARY KEY NOT NULL, event_id TEXT NOT NULL, event_key INTEGER,
  stream TEXT NOT NULL, entity_type TEXT NOT NULL, entity_id TEXT NOT NULL, player_id TEXT,
  occurred_at INTEGER NOT NULL, recorded_at INTEGER NOT NULL, version INTEGER NOT NULL, body BLOB) STRICT;
CREATE INDEX records_by_entity ON records(entity_type, entity_id);
CREATE INDEX records_by_stream ON records(stream, recorded_at, seq);
CREATE INDEX records_by_player ON records(player_id, seq) WHERE player_id IS NOT NULL;
"""
EVENT_INDEX = {
    "text": "CREATE UNIQUE INDEX records_by_event_id ON records(event_id)",
    "hash": "CREATE INDEX records_by_event_key ON records(event_key)",
    "none": None,
}


def rows(count: int):
    """Rows shaped like the vault's: random 64-bit event ids, 50,000 players, 400-byte bodies."""
    rng = random.Random(1)
    body = rng.randbytes(400)
    out = []
    for seq in range(count):
        event_id = "evt-%016x" % rng.getrandbits(64)
        key = int.from_bytes(hashlib.sha256(event_id.encode()).digest()[:8], "big", signed=True)
        player = "p-%d" % rng.randrange(50_000)
        out.append((seq, event_id, key, ("kyc", "payment", "aml", "responsible_gambling")[seq % 4], "player", player,
                    player, seq, seq, 1, body))
    return out


def insert_rate(path: str, variant: str, data, batch: int) -> float:
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-262144; PRAGMA secure_delete=ON;")
    db.executescript(SCHEMA)
    if EVENT_INDEX[variant]:
        db.execute(EVENT_INDEX[variant])
    started = time.monotonic()
    for start in range(0, len(data), batch):
        db.execute("BEGIN")
        db.executemany("INSERT INTO records VALUES (?,?,?,?,?,?,?,?,?,?,?)", data[start:start + batch])
        db.execute("COMMIT")
    db.close()
    return len(data) / (time.monotonic() - started)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    data = rows(args.rows)
    with tempfile.TemporaryDirectory(prefix="regvault-sqlite-ceiling-") as work:
        print(f"| event-id index | rows/s, {args.rows:,} rows in batches of {args.batch} |")
        print("|---|---|")
        for variant in ("text", "hash", "none"):
            rate = insert_rate(os.path.join(work, f"{variant}.sqlite"), variant, data, args.batch)
            print(f"| {variant} | {rate:,.0f}/s |", flush=True)


if __name__ == "__main__":
    main()
