"""Erasure on PostgreSQL, and the README's procedure for having an erased record's bytes gone from
the live files. A record large enough that PostgreSQL keeps its sealed body out of line (TOAST)
shows what an UPDATE leaves behind: after `regvault sweep` its body is NULL, yet the old chunks are
still in the TOAST table's file (nothing reads, so nothing prunes, those pages until vacuum).
`VACUUM FULL records, objects`, run as the tables' owner, rewrites both tables and their TOAST
without them, and the vault still checks intact and takes records afterwards. (An old version kept
inline is usually overwritten sooner, when PostgreSQL prunes a full page, but not by a date.)
"""
import json
import os
import secrets
import subprocess
from pathlib import Path

import pytest

from conftest import Vault
from test_erasure_verify import REPOSITORY, record
from postgres_cluster import private_cluster, vault_database


@pytest.fixture(scope="module")
def cluster():
    with private_cluster("regvault-pg-erasure-") as directory:
        yield directory


def superuser_psql(cluster: Path, database: str, *statements: str) -> str:
    """SQL statements, each on its own (VACUUM runs in no transaction), in one session as the cluster's
    superuser over its private socket (as the postgres user when root)."""
    command = ["psql", "-h", str(cluster), "-p", (cluster / "port").read_text().strip(), "-U", "postgres", "-d", database,
               "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"] + [argument for sql in statements for argument in ("-c", sql)]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--"] + command
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=120).stdout.strip()


def records_file_bytes(cluster: Path, database: str) -> bytes:
    """Every byte on disk of the `records` table and its TOAST table, after a checkpoint has written
    them out."""
    superuser_psql(cluster, database, "CHECKPOINT")
    return b"".join(file_bytes(cluster, superuser_psql(cluster, database, f"SELECT pg_relation_filepath({relation})"))
                    for relation in ("'records'::regclass", "(SELECT reltoastrelid FROM pg_class WHERE relname = 'records')"))


def file_bytes(cluster: Path, relative: str) -> bytes:
    """A relation's main fork: its file under the data directory and the 1 GB segments after it."""
    segments = (cluster / "data").glob(relative + "*")
    return b"".join(path.read_bytes() for path in segments if path.name.split(".")[0] == Path(relative).name)


def test_an_erased_records_bytes_leave_the_table_file_with_vacuum_full_and_the_vault_stays_intact(
        regvault_bin, cluster, tmp_path):
    url = vault_database(cluster, "erasure")
    vault = Vault(regvault_bin, tmp_path / "data", "erasure.pg.test/log")
    vault.run("init", "--data", vault.data, "--origin", vault.origin, "--retention", REPOSITORY / "retention",
              "--postgres", url)
    notes = [f"note {i}" if i != 1 else secrets.token_hex(3000) for i in range(4)]  # incompressible: kept out of line
    acks = [json.loads(line) for line in vault.append_lines(
        [record(f"cfg-{i}", "audit.change", "GB", notes[i]) for i in range(4)], "governed.jsonl").stdout.splitlines()]
    erased_seq = acks[1]["seq"]
    sealed = bytes.fromhex(superuser_psql(cluster, "erasure", f"SELECT encode(body, 'hex') FROM records WHERE seq = {erased_seq}"))
    assert len(sealed) > 2048
    marker = sealed[1000:1032]  # ciphertext: in the files only as this record's body
    assert marker in records_file_bytes(cluster, "erasure")

    vault.run("retention", "shorten", "--data", vault.data, "--seq", erased_seq, "--until", "2020-01-01T00:00:00Z",
              "--bypass-governance", "--reason", "erasure request")
    swept = vault.run("sweep", "--data", vault.data)
    summary = json.loads(swept.stdout)
    assert summary["erased"] == 1
    # The sweep says what PostgreSQL still keeps and what its owner runs, on standard error too.
    assert "VACUUM FULL records, objects" in summary["remains"] and b"VACUUM FULL records, objects" in swept.stderr
    assert superuser_psql(cluster, "erasure", f"SELECT body IS NULL FROM records WHERE seq = {erased_seq}") == "t"
    assert marker in records_file_bytes(cluster, "erasure"), \
        "the sweep's UPDATE leaves the old version's TOAST chunks in the file (what the README says VACUUM FULL is for)"

    superuser_psql(cluster, "erasure", "SET ROLE regvault_owner", "VACUUM FULL records, objects")
    assert marker not in records_file_bytes(cluster, "erasure")

    checked = json.loads(vault.run("check", "--data", vault.data).stdout)
    assert checked["intact"] is True and checked["erased"] == 1
    assert checked["entries"] == int(vault.checkpoint().splitlines()[1])
    after = json.loads(vault.append_lines([record("cfg-after", "audit.change", "GB", "after")], "after.jsonl").stdout)
    assert after["seq"] > acks[-1]["seq"]
