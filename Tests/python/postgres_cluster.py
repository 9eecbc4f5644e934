"""A private PostgreSQL cluster for the tests that keep vaults in PostgreSQL (tools/postgres.sh: its
own directory, a free loopback port, TLS), and vault databases in it."""

import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

from conftest import REPO_ROOT, regvault_binary

POSTGRES_SH = REPO_ROOT / "tools" / "postgres.sh"


@contextmanager
def private_cluster(prefix: str):
    """Starts a cluster in a new temporary directory; yields the directory; stops and removes it."""
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    subprocess.run([str(POSTGRES_SH), "start", str(directory)], check=True, capture_output=True, text=True, timeout=300)
    try:
        yield directory
    finally:
        subprocess.run([str(POSTGRES_SH), "stop", str(directory)], capture_output=True, timeout=120)
        shutil.rmtree(directory, ignore_errors=True)


def vault_database(cluster: Path, name: str) -> str:
    """A new database `name` in `cluster` holding the vault's schema (`regvault postgres schema`);
    returns the URL the vault connects with, as its application role."""
    schema = subprocess.run([str(regvault_binary()), "postgres", "schema", "--role", "regvault"], check=True,
                            capture_output=True, text=True, timeout=60).stdout
    return subprocess.run([str(POSTGRES_SH), "database", str(cluster), name], input=schema, check=True,
                          capture_output=True, text=True, timeout=60).stdout.strip()
