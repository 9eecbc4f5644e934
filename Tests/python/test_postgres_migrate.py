"""`regvault migrate --from sqlite:DIR --to postgres://…` through the command line: a SQLite vault with
synthetic records and an erasure moves into a private PostgreSQL cluster (tools/postgres.sh); then
`regvault check` passes on it, it takes more records, and an export of it is VALID under
`regvault-verify` with the SQLite vault's last checkpoint as the trusted one (the moved log is
consistent with what was signed before the move), its records exactly those ingested.
"""
import json
import subprocess
from pathlib import Path

import pytest

from conftest import Vault
from test_erasure_verify import REPOSITORY, record
from postgres_cluster import POSTGRES_SH, private_cluster, vault_database

RECORDS = 3000


@pytest.fixture(scope="module")
def cluster():
    with private_cluster("regvault-pg-migrate-") as directory:
        yield directory


def test_a_migrated_vault_checks_and_its_export_verifies_against_the_checkpoint_signed_before_the_move(
        regvault_bin, generate, cluster, tmp_path):
    vault = Vault(regvault_bin, tmp_path / "data", "migrate.test/log")
    vault.run("init", "--data", vault.data, "--origin", vault.origin, "--retention", REPOSITORY / "retention")
    generated = generate(RECORDS, 11)
    vault.append_lines(generated, "generated.jsonl")
    governed = [json.loads(line) for line in vault.append_lines(
        [record(f"cfg-{i}", "audit.change", "GB", "x") for i in range(3)], "governed.jsonl").stdout.splitlines()]
    vault.run("retention", "shorten", "--data", vault.data, "--seq", governed[0]["seq"], "--until", "2020-01-01T00:00:00Z",
              "--bypass-governance", "--reason", "erasure request")
    vault.json_out("sweep", "--data", vault.data)
    before = tmp_path / "before.checkpoint"
    before.write_bytes(vault.checkpoint())
    before_size = int(before.read_text().splitlines()[1])

    url = vault_database(cluster, "moved")
    moved = vault.run("migrate", "--from", f"sqlite:{vault.data}", "--to", url)
    report = json.loads(moved.stdout)
    assert report["intact"] is True and report["erased"] == 1
    assert report["entries"] == report["treeSize"] == before_size
    assert b"copied" in moved.stderr and b"compared" in moved.stderr and b"checked" in moved.stderr
    assert (vault.data / "postgres.url").is_file() and (vault.data / "vault.sqlite.migrated").is_file()
    assert not (vault.data / "vault.sqlite").exists()
    assert vault.checkpoint() == before.read_bytes(), "the move signs nothing: the same latest checkpoint is served"

    checked = json.loads(vault.run("check", "--data", vault.data).stdout)
    assert checked["intact"] is True and checked["entries"] == before_size and checked["erased"] == 1

    # Moving it again, or another vault into the same database, is refused and changes nothing.
    assert vault.run("migrate", "--from", vault.data, "--to", url, check=False).returncode != 0
    other = Vault(regvault_bin, tmp_path / "other", "other.test/log")
    other.run("init", "--data", other.data, "--origin", other.origin)
    refused = other.run("migrate", "--from", f"sqlite:{other.data}", "--to", url, check=False)
    assert refused.returncode != 0 and b"already holds a vault" in refused.stderr
    assert (other.data / "vault.sqlite").is_file() and not (other.data / "postgres.url").exists()

    # The moved vault takes more records; its export verifies against the checkpoint signed before the move.
    more = [record(f"after-{i}", "audit.change", "MT", "after the move") for i in range(5)]
    acks = [json.loads(line) for line in vault.append_lines(more, "more.jsonl").stdout.splitlines()]
    assert [ack["seq"] for ack in acks] == list(range(before_size, before_size + 5))
    archive = tmp_path / "export.tar"
    vault.run("export", "--data", vault.data, "--out", archive)
    verifier = Path(regvault_bin).parent / "regvault-verify"
    key = vault.keys_public().strip()
    verified = subprocess.run([str(verifier), str(archive), "--key", key, "--trusted-checkpoint", str(before), "--dump", "jsonl"],
                              capture_output=True, timeout=120)
    assert verified.returncode == 0 and b"VALID" in verified.stderr, verified.stderr.decode()
    rows = [json.loads(line) for line in verified.stdout.splitlines()]
    assert [row["seq"] for row in rows] == list(range(before_size + 5))
    assert [row["seq"] for row in rows if row.get("erased")] == [governed[0]["seq"]]
    by_event = {row["record"]["eventId"]: row["record"] for row in rows if "record" in row}
    for line in generated[:50] + more:
        ingested = json.loads(line)
        assert by_event[ingested["eventId"]] == ingested


def owner(cluster: Path, database: str, sql: str, check: bool = True) -> subprocess.CompletedProcess:
    """`tools/postgres.sh owner`: SQL in `database` as the tables' owner."""
    return subprocess.run([str(POSTGRES_SH), "owner", str(cluster), database], input=sql, capture_output=True, text=True,
                          timeout=120, check=check)


def test_a_database_of_the_previous_schema_release_is_refused_then_upgraded_as_the_readme_says(
        regvault_bin, generate, cluster, tmp_path):
    url = vault_database(cluster, "upgraded")
    vault = Vault(regvault_bin, tmp_path / "data", "upgrade.test/log")
    vault.run("init", "--data", vault.data, "--origin", vault.origin, "--postgres", url)
    vault.append_lines(generate(50, 5), "generated.jsonl")
    owner(cluster, "upgraded", "CREATE OR REPLACE FUNCTION regvault_schema_release() RETURNS integer LANGUAGE sql IMMUTABLE RETURN 1;")

    refused = vault.run("check", "--data", vault.data, check=False)
    assert refused.returncode != 0
    assert "is older than this release's (schema release 1" in refused.stderr.decode()
    assert "regvault postgres upgrade" in refused.stderr.decode()

    upgrade = vault.run("postgres", "upgrade").stdout.decode()
    owner(cluster, "upgraded", upgrade)
    checked = vault.json_out("check", "--data", vault.data)
    assert checked["intact"] and checked["records"] == 51, "the 50 appended and the retention policy's"

    wrong = owner(cluster, "Upgraded", "SELECT 1;", check=False)
    assert wrong.returncode == 2 and "a database name is lower-case letters" in wrong.stderr
