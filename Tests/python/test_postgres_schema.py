"""The vault's PostgreSQL schema (`regvault postgres schema`) in a real PostgreSQL 15 cluster.

The cluster is private to this module (tools/postgres.sh: its own directory, a free loopback port,
TLS). The schema is applied as the owner role regvault_owner; the tests then act as the application
role regvault over TLS, as the vault will, and as the owner where a rule must hold even for the
owner. Everything goes through `psql`.
"""

import os
import shutil
import struct
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import regvault_binary
from postgres_cluster import POSTGRES_SH


class Cluster:
    def __init__(self, directory: Path):
        self.directory = directory
        self.url = subprocess.run([str(POSTGRES_SH), "start", str(directory)], check=True, capture_output=True,
                                  text=True, timeout=300).stdout.strip()
        self.port = (directory / "port").read_text().strip()

    def owner_command(self, *arguments: str) -> list:
        """psql as the tables' owner (the cluster's superuser, SET ROLE regvault_owner) over its private
        socket, as the postgres user when root."""
        command = ["psql", "-h", str(self.directory), "-p", self.port, "-U", "postgres", "-d", "regvault",
                   "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", "SET ROLE regvault_owner", "-f", "-", *arguments]
        return (["runuser", "-u", "postgres", "--"] + command) if _is_root() else command

    def app_command(self, *arguments: str) -> list:
        return ["psql", self.url, "-X", "-q", "-v", "ON_ERROR_STOP=1", *arguments]


def _is_root() -> bool:
    return os.geteuid() == 0


@pytest.fixture(scope="module")
def cluster():
    if shutil.which("runuser") is None and _is_root():
        pytest.fail("runuser is needed to run PostgreSQL as root's postgres user")
    directory = Path(tempfile.mkdtemp(prefix="regvault-pg-"))
    started = Cluster(directory)
    try:
        schema = subprocess.run([str(regvault_binary()), "postgres", "schema", "--role", "regvault"], check=True,
                                capture_output=True, text=True, timeout=60).stdout
        subprocess.run(started.owner_command("--single-transaction"), input="SET ROLE regvault_owner;\n" + schema,
                       check=True, capture_output=True, text=True, timeout=60)
        yield started
    finally:
        subprocess.run([str(POSTGRES_SH), "stop", str(directory)], capture_output=True, timeout=120)
        shutil.rmtree(directory, ignore_errors=True)


def run(command: list, sql: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, input=sql, capture_output=True, text=True, timeout=60)


def refused(command: list, sql: str) -> str:
    """Runs `sql`, which must fail; returns the error."""
    result = run(command, sql)
    assert result.returncode != 0, f"accepted: {sql}"
    return result.stderr


def accepted(command: list, sql: str) -> str:
    result = run(command, sql)
    assert result.returncode == 0, f"refused: {sql}\n{result.stderr}"
    return result.stdout


def entry(kind: int, seq: int, recorded_at: int = 0, mode: int = 1, retain_until: int = 0) -> str:
    """An entry's bytes as a bytea literal: the fields the schema's rules read, then a short class
    and a dummy commitment (Sources/VaultFormat/Entry.swift)."""
    data = struct.pack(">BBQqBqB", 1, kind, seq, recorded_at, mode, retain_until, 1) + b"x" + bytes(32)
    return "'\\x" + data.hex() + "'"


def token(cluster: Cluster) -> int:
    return int(accepted(cluster.app_command("-t", "-A"), "SELECT token FROM sequencer;").strip())


def records(entries: list, event_id: str = "evt-a{seq}", stream: str = "kyc", entity_id: str = "p-{seq}",
            entity_type: str = "player", player_id: str = None, recorded_at: int = 0) -> str:
    """One INSERT of records (seq, entry literal), each carrying its entry; the fields are SQL
    string contents, `{seq}` replaced by each record's seq."""
    def row(seq: int, literal: str) -> str:
        player = "NULL" if player_id is None else f"'{player_id.format(seq=seq)}'"
        return (f"({seq}, '{event_id.format(seq=seq)}', '{stream}', '{entity_type}', '{entity_id.format(seq=seq)}', {player}, "
                f"0, {recorded_at}, 1, '\\x7b7d', '\\x01', {literal}, '\\x')")
    return ("INSERT INTO records (seq, event_id, stream, entity_type, entity_id, player_id, occurred_at, recorded_at, version, "
            "body, salt, entry, hashes) VALUES " + ", ".join(row(seq, literal) for seq, literal in entries) + ";")


def append(cluster: Cluster, entries: list, fence=None, then: str = "", **fields) -> str:
    """Appends records carrying their entries (seq, entry literal; `fields` as for `records`), then
    runs `then`, in one transaction holding `fence` (the current token by default); returns the SQL."""
    fence = token(cluster) if fence is None else fence
    return f"BEGIN; SET LOCAL regvault.fence = '{fence}'; {records(entries, **fields)} {then} COMMIT;"


def fenced(cluster: Cluster, sql: str) -> str:
    """`sql` in one transaction holding the current lease token."""
    return f"BEGIN; SET LOCAL regvault.fence = '{token(cluster)}'; {sql} COMMIT;"


def next_seq(cluster: Cluster) -> int:
    return int(accepted(cluster.app_command("-t", "-A"),
                        "SELECT COALESCE(GREATEST((SELECT max(seq) FROM leaves), (SELECT max(seq) FROM records)) + 1, 0);").strip())


def test_history_cannot_be_rewritten_by_the_application_nor_by_the_owner(cluster):
    seq = next_seq(cluster)
    accepted(cluster.app_command(), append(cluster, [(seq, entry(1, seq))]))
    accepted(cluster.app_command(), fenced(cluster, f"INSERT INTO checkpoints VALUES ({seq + 1}, '\\x00', 'note', 0);"))
    for sql in ["UPDATE leaves SET entry = '\\x00';", "DELETE FROM leaves;", "TRUNCATE leaves CASCADE;",
                "UPDATE checkpoints SET note = 'forged';", "DELETE FROM checkpoints;", "DELETE FROM records;",
                "DELETE FROM dictionaries;", "DELETE FROM erasures;"]:
        assert "permission denied" in refused(cluster.app_command(), sql), sql
    for sql, reason in [("UPDATE leaves SET entry = '\\x00';", "append-only"),
                        ("DELETE FROM leaves;", "append-only"),
                        ("TRUNCATE leaves CASCADE;", "append-only"),
                        ("UPDATE checkpoints SET note = 'forged';", "append-only"),
                        ("DELETE FROM records;", "never deleted")]:
        assert reason in refused(cluster.owner_command(), sql), sql
    # A checkpoint covers stored entries only, and checkpoints only grow.
    assert "not one at each seq" in refused(cluster.app_command(), fenced(cluster, f"INSERT INTO checkpoints VALUES ({seq + 5}, '\\x00', 'n', 0);"))
    assert "growing sizes only" in refused(cluster.app_command(), fenced(cluster, f"INSERT INTO checkpoints VALUES ({seq}, '\\x00', 'n', 0);"))
    assert "does not hold the sequencer lease" in refused(cluster.app_command(), f"INSERT INTO checkpoints VALUES ({seq + 9}, '\\x00', 'n', 0);")


def test_the_application_role_owns_nothing_and_temporary_tables_change_no_rule(cluster):
    app = cluster.app_command()
    for sql in ["DROP TABLE leaves CASCADE;", "ALTER TABLE leaves DISABLE TRIGGER ALL;", "DROP FUNCTION regvault_refuse() CASCADE;",
                "DROP TRIGGER records_change_only_by_erasure ON records;", "CREATE TABLE public.mine (x int);"]:
        error = refused(app, sql)
        assert "must be owner" in error or "permission denied" in error, (sql, error)
    # A session's own tables named like the vault's do not stand in for them inside the rules.
    seq = next_seq(cluster)
    accepted(app, append(cluster, [(seq, entry(1, seq, mode=2, retain_until=2**62))]))
    assert "never changed" in refused(app, f"CREATE TEMP TABLE erasures (seq bigint); INSERT INTO erasures VALUES ({seq}); "
                                           f"UPDATE public.records SET body = NULL, salt = NULL WHERE seq = {seq};")
    assert "does not hold the sequencer lease" in refused(
        app, "CREATE TEMP TABLE sequencer (token bigint); INSERT INTO sequencer VALUES (777); "
             + append(cluster, [(seq + 1, entry(1, seq + 1))], fence=777))


def test_a_record_changes_only_by_its_erasure_under_an_erasure_entry_and_compliance_waits(cluster):
    seq = next_seq(cluster)
    day = 86_400_000
    accepted(cluster.app_command(), append(cluster, [
        (seq, entry(1, seq, recorded_at=0, mode=1, retain_until=day)),         # governance record
        (seq + 1, entry(1, seq + 1, recorded_at=0, mode=2, retain_until=10 * day)),  # compliance record
        (seq + 2, entry(4, seq + 2, recorded_at=2 * day)),                     # an erasure entry, day 2
        (seq + 3, entry(1, seq + 3))]))                                          # an ordinary entry
    app = cluster.app_command()
    assert "permission denied" in refused(app, f"UPDATE records SET entity_id = 'someone-else' WHERE seq = {seq};")
    assert "never changed" in refused(cluster.owner_command(), f"UPDATE records SET entity_id = 'x' WHERE seq = {seq};")
    assert "never changed" in refused(app, f"UPDATE records SET body = NULL WHERE seq = {seq};")
    # Only an erasure entry erases, and a compliance record not before its retain-until (day 10).
    erase = "BEGIN; SET LOCAL regvault.fence = '" + str(token(cluster)) + "'; INSERT INTO erasures VALUES ({0}, {1}); " \
            "UPDATE records SET body = NULL, salt = NULL, diff = NULL, state_after = NULL WHERE seq = {0}; COMMIT;"
    assert "only in the commit of an erasure entry" in refused(app, erase.format(seq, seq + 3))
    assert "not before its retain-until" in refused(app, erase.format(seq + 1, seq + 2))
    accepted(app, erase.format(seq, seq + 2))
    erased = accepted(cluster.app_command("-t", "-A"), f"SELECT body IS NULL AND salt IS NULL FROM records WHERE seq = {seq};")
    assert erased.strip() == "t"
    assert "only in the commit of an erasure entry" in refused(app, erase.format(seq, seq + 2))  # not twice
    # An erasure entry already in the log does not erase a record stored after it.
    accepted(app, append(cluster, [(seq + 4, entry(1, seq + 4, recorded_at=3 * day, mode=1, retain_until=day))]))
    assert "only in the commit of an erasure entry after it" in refused(app, erase.format(seq + 4, seq + 2))
    # Nor, once a checkpoint covers it, one after the record: an erasure is stored with its entry.
    accepted(app, append(cluster, [(seq + 5, entry(4, seq + 5, recorded_at=4 * day))]))
    accepted(app, fenced(cluster, f"INSERT INTO checkpoints VALUES ({seq + 6}, '\\x00', 'note', 0);"))
    assert "only in the commit of an erasure entry" in refused(app, erase.format(seq + 4, seq + 5))
    accepted(app, append(cluster, [(seq + 6, entry(4, seq + 6, recorded_at=5 * day))],
                         then=f"INSERT INTO erasures VALUES ({seq + 4}, {seq + 6}); UPDATE records SET body = NULL, salt = NULL, "
                              f"diff = NULL, state_after = NULL WHERE seq = {seq + 4};"))
    # An erasure entry dated after a compliance record's retain-until does not help while the
    # database's own clock has not reached it.
    later = int(time.time() * 1000) + 365 * day
    accepted(app, append(cluster, [(seq + 7, entry(1, seq + 7, mode=2, retain_until=later)),
                                   (seq + 8, entry(4, seq + 8, recorded_at=later + day))]))
    assert "not before its retain-until" in refused(app, erase.format(seq + 7, seq + 8))


def test_a_delivery_enters_the_outbox_with_its_first_entry(cluster):
    seq = next_seq(cluster)
    accepted(cluster.app_command(), append(cluster, [(seq, entry(1, seq))], stream="vault.delivery", entity_type="delivery",
                                           entity_id="dlv-{seq}", recorded_at=42))
    due = accepted(cluster.app_command("-t", "-A"), f"SELECT due_at FROM outbox WHERE delivery_id = 'dlv-{seq}';")
    assert due.strip() == "42"


def test_only_the_holder_of_the_current_lease_token_adds_leaves(cluster):
    seq = next_seq(cluster)
    held = token(cluster)
    assert "does not hold the sequencer lease" in refused(cluster.app_command(), records([(seq, entry(1, seq))]))
    # Another node takes the lease: the token grows, and the old holder's token no longer works.
    accepted(cluster.app_command(), "UPDATE sequencer SET token = token + 1, holder = 'node-b', expires_at = now() + interval '10 s';")
    assert token(cluster) == held + 1
    assert f"its token {held}, the lease's {held + 1}" in refused(cluster.app_command(), append(cluster, [(seq, entry(1, seq))], fence=held))
    accepted(cluster.app_command(), append(cluster, [(seq, entry(1, seq))], fence=held + 1))
    assert "only grows" in refused(cluster.app_command(), f"UPDATE sequencer SET token = {held};")
    assert "never deleted" in refused(cluster.owner_command(), "DELETE FROM sequencer;")


def wait_for(process: subprocess.Popen, seconds: float) -> bool:
    """Whether `process` ends within `seconds`."""
    try:
        process.wait(timeout=seconds)
        return True
    except subprocess.TimeoutExpired:
        return False


def test_a_takeover_waits_for_a_commit_past_the_fence_and_a_paused_sequencer_is_cut_off(cluster):
    held = token(cluster)
    seq = next_seq(cluster)
    takeover = "UPDATE sequencer SET token = token + 1, holder = 'node-c';"
    # The sequencer is inside a commit that passed the fence: the takeover waits for it to end.
    sequencer = subprocess.Popen(cluster.app_command("-t", "-A"), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
    sequencer.stdin.write(f"BEGIN; SET LOCAL regvault.fence = '{held}'; {records([(seq, entry(1, seq))])}\n"
                          "SELECT 'inserted';\n")
    sequencer.stdin.flush()
    assert sequencer.stdout.readline().strip() == "inserted"
    other = subprocess.Popen(cluster.app_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    other.stdin.write(takeover)
    other.stdin.close()
    assert not wait_for(other, 1.0), "the takeover did not wait for the commit in flight"
    sequencer.stdin.write("COMMIT;\n")
    sequencer.stdin.close()
    assert wait_for(sequencer, 30) and sequencer.returncode == 0, sequencer.stderr.read()
    assert wait_for(other, 30) and other.returncode == 0, other.stderr.read()
    assert next_seq(cluster) == seq + 1 and token(cluster) == held + 1

    # A sequencer paused inside its commit (as by SIGSTOP) is cut off by the idle-in-transaction
    # timeout the store sets: the takeover goes through and the paused commit is rolled back.
    held += 1
    paused = subprocess.Popen(cluster.app_command("-t", "-A"), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    paused.stdin.write("SET idle_in_transaction_session_timeout = '1s';\n"
                       f"BEGIN; SET LOCAL regvault.fence = '{held}'; {records([(seq + 1, entry(1, seq + 1))])}\n"
                       "SELECT 'inserted';\n")
    paused.stdin.flush()
    assert paused.stdout.readline().strip() == "inserted"
    started = time.monotonic()
    accepted(cluster.app_command(), takeover)
    assert time.monotonic() - started < 30
    paused.stdin.write("COMMIT;\n")
    paused.stdin.close()
    paused.wait(timeout=30)
    assert paused.returncode != 0
    assert next_seq(cluster) == seq + 1, "the paused sequencer's leaf was committed after the takeover"


def test_the_schema_command_refuses_a_role_that_is_not_a_plain_identifier():
    result = subprocess.run([str(regvault_binary()), "postgres", "schema", "--role", "regvault; DROP TABLE leaves"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "--role must be lower-case letters" in result.stderr
    assert result.stdout == ""


def test_an_event_id_is_stored_once_and_any_string_has_a_digest(cluster):
    seq = next_seq(cluster)
    def insert(at: int, event_id: str, player: str) -> str:
        return records([(at, entry(1, at))], event_id=event_id, entity_id=player, player_id=player)
    # The indexes are keyed by digests of the strings; a backslash, which PostgreSQL's escape
    # format would read as the start of an escape, is hashed like any other character.
    accepted(cluster.app_command(), fenced(cluster, insert(seq, f"evt-u{seq}", "p\\\\x41\\")))
    assert "records_by_event_digest" in refused(cluster.app_command(), fenced(cluster, insert(seq + 1, f"evt-u{seq}", "p-other")))
    accepted(cluster.app_command(), fenced(cluster, insert(seq + 1, f"evt-u{seq + 1}", "p\\x41")))
    found = accepted(cluster.app_command("-t", "-A"),
                     "SELECT string_agg(event_id, ',' ORDER BY seq) FROM records "
                     "WHERE regvault_key_digest(entity_type || '/' || entity_id) = regvault_key_digest('player/p\\\\x41\\') "
                     "AND regvault_key_digest(player_id) = regvault_key_digest('p\\\\x41\\');")
    assert found.strip() == f"evt-u{seq}"


def test_records_carry_their_entries_appended_at_the_end_and_leaves_take_none(cluster):
    seq = next_seq(cluster)
    app = cluster.app_command()
    # A statement's records are one run of seqs starting right after the last entry: a gap inside
    # one is refused as one far past the end is (an entry no checkpoint could ever sign), and a run
    # that starts at the end is taken whole; a seq is stored once.
    assert "at the end only" in refused(app, append(cluster, [(seq, entry(1, seq)), (seq + 2, entry(1, seq + 2))]))
    assert "at the end only" in refused(app, append(cluster, [(seq + 999_999, entry(4, seq + 999_999))]))
    accepted(app, append(cluster, [(seq, entry(1, seq)), (seq + 1, entry(1, seq + 1)), (seq + 2, entry(1, seq + 2))]))
    assert "records_pkey" in refused(app, append(cluster, [(seq + 2, entry(1, seq + 2)), (seq + 3, entry(1, seq + 3))],
                                                 event_id="evt-b{seq}"))
    # An entry comes with its hashes, a record with its entry, and only from the lease's holder.
    assert "with its log entry and tree hashes" in refused(app, fenced(cluster, records([(seq + 3, "NULL")])))
    assert "with its log entry and tree hashes" in refused(
        app, fenced(cluster, records([(seq + 3, entry(1, seq + 3))]).replace("'\\x')", "NULL)")))
    assert "does not hold the sequencer lease" in refused(app, records([(seq + 3, entry(1, seq + 3))]))
    # leaves, where databases made before records carried their entries keep their earlier ones,
    # takes no new entry, from the application or from the owner.
    into_leaves = fenced(cluster, f"INSERT INTO leaves VALUES ({seq + 3}, {entry(1, seq + 3)}, '\\x');")
    assert "permission denied" in refused(app, into_leaves)
    assert "leaves keeps only those stored before" in refused(cluster.owner_command(), into_leaves)
    # A checkpoint covers exactly the entries below it; the entry a record carries never changes.
    accepted(app, fenced(cluster, f"INSERT INTO checkpoints VALUES ({seq + 3}, '\\x00', 'note', 0);"))
    assert "never changed" in refused(cluster.owner_command(), f"UPDATE records SET entry = '\\x00' WHERE seq = {seq};")
