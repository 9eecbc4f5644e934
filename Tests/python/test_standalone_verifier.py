"""The auditor's regvault-verify is one file that runs on a bare Debian system: the standalone build
(tools/build-verifier.sh links the Swift runtime and libarchive in statically) verifies a real export
inside a `debootstrap --variant=minbase bookworm` root that holds neither a Swift runtime nor
libarchive, with no network, names the member of a tampered copy, and dumps every record as CSV.

The binary comes from $REGVAULT_STANDALONE_VERIFY, or is built here. The minimal root is cached in
<repo>/.build-verifier/debootstrap-root, so only the first run downloads it. debootstrap and chroot
need root: run as anyone else, the test fails and says so (CI runs as root). With -s, it prints how
long each step took.
"""
import base64
import csv
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

import pytest

from conftest import REPO_ROOT, Vault

SCRATCH = REPO_ROOT / ".build-verifier"
CACHED_ROOT = SCRATCH / "debootstrap-root"
MIRROR = "http://deb.debian.org/debian"
RECORDS = 200  # ingested; the vault holds one more, the retention policy that `init` records at seq 0

# What the minimal root must not have: the Swift runtime's and libarchive's shared libraries.
FORBIDDEN = ("libswiftCore.so", "libFoundation.so", "libFoundationEssentials.so", "libdispatch.so", "libarchive.so")


def timed(step: str, started: float) -> None:
    print(f"{step}: {time.monotonic() - started:.2f} s")


def require_root() -> None:
    if os.geteuid() != 0:
        pytest.fail("test_standalone_verifier needs root: debootstrap builds the minimal Debian system and chroot "
                    "runs the verifier inside it (run as root or with sudo)")


def mounted_under(path: Path) -> list:
    """Mount points at or below `path`: a folder with any must not be deleted (a bound /dev would go too)."""
    prefix = str(path.resolve())
    with open("/proc/self/mounts") as mounts:
        points = [line.split()[1] for line in mounts]
    return [point for point in points if point == prefix or point.startswith(prefix + "/")]


@pytest.fixture(scope="module")
def standalone_verifier() -> Path:
    given = os.environ.get("REGVAULT_STANDALONE_VERIFY")
    if given:
        binary = Path(given)
        assert binary.is_file() and os.access(binary, os.X_OK), f"$REGVAULT_STANDALONE_VERIFY is not a program: {binary}"
        return binary
    started = time.monotonic()
    binary = SCRATCH / "regvault-verify"
    proc = subprocess.run([str(REPO_ROOT / "tools" / "build-verifier.sh"), str(binary)], cwd=REPO_ROOT,
                          capture_output=True, timeout=3600)
    assert proc.returncode == 0, f"tools/build-verifier.sh failed:\n{proc.stderr.decode()[-4000:]}"
    timed("standalone build", started)
    return binary


@pytest.fixture(scope="module")
def minimal_root() -> Path:
    """A `debootstrap --variant=minbase bookworm` root, made once: debootstrap writes into a temporary
    folder beside the cache, renamed into place only when complete, so an interrupted run leaves no
    half root where a later run would take it."""
    require_root()
    if CACHED_ROOT.is_dir():
        return CACHED_ROOT
    if not shutil.which("debootstrap"):
        pytest.fail("debootstrap is not installed: tools/setup.sh installs it")
    SCRATCH.mkdir(exist_ok=True)
    for stale in SCRATCH.glob("debootstrap-root.partial-*"):  # what an interrupted run left
        if not mounted_under(stale):
            shutil.rmtree(stale, ignore_errors=True)
    partial = Path(tempfile.mkdtemp(prefix="debootstrap-root.partial-", dir=SCRATCH))
    partial.chmod(0o755)  # it becomes the system's /, which mkdtemp would leave private
    started = time.monotonic()
    proc = subprocess.run(["debootstrap", "--variant=minbase", "bookworm", str(partial), MIRROR],
                          capture_output=True, timeout=1800)
    if proc.returncode != 0:
        if not mounted_under(partial):
            shutil.rmtree(partial, ignore_errors=True)
        pytest.fail(f"debootstrap failed ({proc.returncode}):\n{proc.stderr.decode()[-4000:]}")
    assert not mounted_under(partial), f"debootstrap left mounts in {partial}"
    partial.rename(CACHED_ROOT)
    timed("debootstrap --variant=minbase bookworm", started)
    return CACHED_ROOT


@pytest.fixture(scope="module")
def export(regvault_bin, generate, tmp_path_factory) -> dict:
    """A real gzip export of RECORDS synthetic records, made by the real regvault, its verifier key, and
    the seq of each ingested record's event id (from append's acknowledgements)."""
    base = tmp_path_factory.mktemp("standalone")
    vault = Vault(regvault_bin, base / "data", "standalone-verify.test/log")
    vault.init()
    acks = [json.loads(line) for line in vault.append_lines(generate(RECORDS, 7), "records.jsonl").stdout.splitlines()]
    archive = base / "export.tar.gz"
    vault.run("export", "--data", vault.data, "--out", archive, "--compression", "gzip")
    return dict(archive=archive, key=vault.keys_public().strip(), ingested={ack["seq"]: ack["eventId"] for ack in acks})


def tamper_one_record(source: Path, target: Path) -> str:
    """Copies the archive with one record's bytes changed (the first record of the first records
    member; lines are '<seq> <salt> <record>' with base64 fields) and returns that member's name."""
    changed = None
    with tarfile.open(source, "r:gz") as original, \
            tarfile.open(target, "w:gz", format=tarfile.PAX_FORMAT) as copy:
        for member in original.getmembers():
            data = original.extractfile(member).read() if member.isfile() else None
            if data and changed is None and "/records/" in member.name:
                lines = data.split(b"\n")
                seq, salt, record = lines[0].split(b" ")
                altered = bytearray(base64.b64decode(record))
                at = next(i for i, byte in enumerate(altered) if chr(byte).isdigit())  # still valid JSON
                altered[at] = ord(str((int(chr(altered[at])) + 1) % 10))
                lines[0] = b" ".join([seq, salt, base64.b64encode(bytes(altered))])
                data, changed = b"\n".join(lines), member.name
            if data is not None:
                member.size = len(data)
            copy.addfile(member, io.BytesIO(data) if data is not None else None)
    assert changed, "the export has no records member"
    return changed


def in_root(root: Path, *args: str) -> subprocess.CompletedProcess:
    """Runs a command chrooted into `root`, with no network and a /proc of its own (a private mount
    namespace, so nothing stays mounted in the cached root afterwards)."""
    command = [shutil.which("unshare"), "--net", "--mount", "--pid", "--fork", f"--mount-proc={root / 'proc'}",
               shutil.which("chroot"), str(root), *args]
    # Inside, an environment of the bare system's own (nothing from this machine's PATH or libraries).
    return subprocess.run(command, capture_output=True, timeout=300, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})


def test_the_standalone_verifier_runs_alone_on_a_minimal_debian_root(minimal_root, standalone_verifier, export,
                                                                      tmp_path):  # the root first: it needs root
    # The root has no Swift runtime and no libarchive for the binary to lean on.
    found = [str(path.relative_to(minimal_root)) for path in minimal_root.rglob("*") if path.name.startswith(FORBIDDEN)]
    assert found == [], f"the minimal root is not minimal: {found}"

    tampered = tmp_path / "tampered.tar.gz"
    tampered_member = tamper_one_record(export["archive"], tampered)
    placed = {"regvault-verify": standalone_verifier, "export.tar.gz": export["archive"], "tampered.tar.gz": tampered}
    try:
        for name, source in placed.items():
            shutil.copy2(source, minimal_root / name)
        (minimal_root / "verifier.key").write_text(export["key"] + "\n")

        started = time.monotonic()
        intact = in_root(minimal_root, "/regvault-verify", "/export.tar.gz", "--key", "/verifier.key")
        timed("verify inside the root", started)
        assert intact.returncode == 0, intact.stderr.decode()
        assert intact.stderr.startswith(b"VALID: /export.tar.gz"), intact.stderr.decode()
        verdict = json.loads(intact.stdout)
        assert verdict["valid"] and verdict["records"] == RECORDS + 1 and verdict["problems"] == []

        refused = in_root(minimal_root, "/regvault-verify", "/tampered.tar.gz", "--key", "/verifier.key")
        assert refused.returncode == 1, refused.stderr.decode()
        assert b"INVALID" in refused.stderr
        assert tampered_member in {problem["member"] for problem in json.loads(refused.stdout)["problems"]}, refused.stdout
        assert tampered_member.encode() in refused.stderr

        dumped = in_root(minimal_root, "/regvault-verify", "/export.tar.gz", "--key", "/verifier.key", "--dump", "csv")
        assert dumped.returncode == 0, dumped.stderr.decode()
        rows = list(csv.DictReader(io.StringIO(dumped.stdout.decode())))
        assert len(export["ingested"]) == RECORDS and len(rows) == RECORDS + 1
        assert [int(row["seq"]) for row in rows] == list(range(RECORDS + 1))
        assert {int(row["seq"]): row["eventId"] for row in rows if row["stream"] != "vault.policy"} == export["ingested"]
    finally:
        for name in [*placed, "verifier.key"]:
            (minimal_root / name).unlink(missing_ok=True)
