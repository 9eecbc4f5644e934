"""Requests waiting on the database do not stop the server. The storage contract is synchronous, so
a handler that reads waits on its thread for PostgreSQL's answer; the server runs handlers on
threads kept for that (BlockingWorkExecutor), not on the event loops or Swift's cooperative pool
(two threads on a two-core machine). Here a lock taken in the database holds eight reads of the log
at once; `GET /healthz` must still answer at once, and the eight must all answer, with the right
bytes, once the lock is released.
"""
import concurrent.futures
import contextlib
import os
import subprocess
import time
from pathlib import Path

import pytest

from conftest import MutualTLSClient
from postgres_cluster import private_cluster
from test_postgres_failover import Node, ingest, new_vault

BLOCKED_READS = 8
PROMPT_ANSWER_SECONDS = 2  # what a request that needs nothing held may take


@pytest.fixture(scope="module")
def cluster():
    with private_cluster("regvault-pg-blocking-") as directory:
        yield directory


def locking_session(cluster: Path, database: str, table: str) -> subprocess.Popen:
    """A superuser's psql session holding `table` in ACCESS EXCLUSIVE mode (every read of it waits)
    until "COMMIT" is written to its input."""
    command = ["psql", "-h", str(cluster), "-p", (cluster / "port").read_text().strip(), "-U", "postgres", "-d", database,
               "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--"] + command
    session = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    session.stdin.write(f"BEGIN;\nLOCK TABLE {table} IN ACCESS EXCLUSIVE MODE;\nSELECT 'locked';\n")
    session.stdin.flush()
    assert session.stdout.readline().strip() == "locked"
    return session


@contextlib.contextmanager
def serving_node(cluster: Path, database: str, data: Path):
    """A node of a new vault in `database` holding five records; yields the node, a client and the
    bytes of the log's first leaf tile (what the tests read while the database is held)."""
    new_vault(cluster, database, data)
    node = Node(data)
    try:
        node.wait_serving(60)
        assert ingest(node, database, 5), "the records were not acknowledged"
        client = node.client()
        status, _, first_leaf = client.request("regulator_read", "GET", "/log/tile/entries/000.p/1")
        assert status == 200 and first_leaf
        yield node, client, first_leaf
    finally:
        node.stop()


def test_reads_held_by_a_database_lock_leave_the_server_answering(cluster, tmp_path):
    data = tmp_path / "node"
    with serving_node(cluster, "blocking", data) as (node, client, first_leaf):
        session = locking_session(cluster, "blocking", "leaves")
        try:
            with concurrent.futures.ThreadPoolExecutor(BLOCKED_READS) as pool:
                reads = [pool.submit(client.request, "regulator_read", "GET", "/log/tile/entries/000.p/1")
                         for _ in range(BLOCKED_READS)]
                time.sleep(1.5)  # every read has reached the database and waits on the lock
                assert not any(read.done() for read in reads), "a read answered while the leaves were locked"

                started = time.monotonic()
                try:
                    status, _, body = MutualTLSClient(dict(url=node.url, certs=data / "dev-certs")).request(
                        "regulator_read", "GET", "/healthz", timeout=PROMPT_ANSWER_SECONDS)
                except OSError as error:  # a timeout, or the server dropping the connection it could not serve
                    pytest.fail(f"/healthz did not answer while reads waited on the database: {error!r}")
                answered_after = time.monotonic() - started
                assert (status, body) == (200, b"ok\n")
                assert answered_after < PROMPT_ANSWER_SECONDS, f"/healthz took {answered_after:.1f} s while reads waited on the database"
                assert not any(read.done() for read in reads), "the lock was released early"

                session.stdin.write("COMMIT;\n")
                session.stdin.flush()
                answers = [read.result(timeout=30) for read in reads]
            assert [(status, body) for status, _, body in answers] == [(200, first_leaf)] * BLOCKED_READS
        finally:
            session.stdin.close()
            session.wait(timeout=30)


def test_a_read_held_in_the_database_leaves_the_other_reader_sessions_to_the_rest(cluster, tmp_path):
    """A read waiting on a lock holds one of the node's reader connections; every later read must go to
    one of the idle ones instead of queueing behind it (as a fixed rotation over the connections did)."""
    with serving_node(cluster, "pooled", tmp_path / "node") as (_, client, first_leaf):
        status, _, _ = client.request("ingest", "PUT", "/v1/objects/reports/held.csv", b"day,count\n2026-12-06,5\n",
                                      {"Content-Type": "text/csv"})
        assert status in (200, 201)
        session = locking_session(cluster, "pooled", "objects")
        try:
            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                held = pool.submit(client.request, "ingest", "GET", "/v1/objects/reports/held.csv")
                time.sleep(1.5)  # the object's read has reached the database and waits on the lock
                assert not held.done(), "the object was read while its table was locked"
                for attempt in range(8):
                    try:
                        status, _, body = client.request("regulator_read", "GET", "/log/tile/entries/000.p/1",
                                                         timeout=PROMPT_ANSWER_SECONDS)
                    except OSError as error:
                        pytest.fail(f"read {attempt + 1} of the log waited behind the held read: {error!r}")
                    assert (status, body) == (200, first_leaf)
                assert not held.done(), "the lock was released early"
                session.stdin.write("COMMIT;\n")
                session.stdin.flush()
                status, _, body = held.result(timeout=30)
            assert (status, body) == (200, b"day,count\n2026-12-06,5\n")
        finally:
            session.stdin.close()
            session.wait(timeout=30)
