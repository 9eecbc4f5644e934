"""Shared fixtures for the independent verifier of regvault.

Nothing here imports or reuses the vault's code: the binary is only run as a black box, and every
check on its output (hashes, Merkle proofs, signatures, canonical JSON) is written in this folder
from the public specifications (RFC 9162, C2SP signed-note / tlog-checkpoint, RFC 8785, RFC 6902).

The binary's path comes from $REGVAULT_BIN; by default <repo>/.build/debug/regvault, where <repo>
is two levels above this folder.
"""

import http.client
import json
import os
import ssl
import subprocess
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BIN = REPO_ROOT / ".build" / "debug" / "regvault"

# Every vault command exits long before this; a hang is a failure, not a reason to wait forever.
CALL_TIMEOUT_S = 120

EX_DATAERR = 65  # sysexits.h: what `append` must return when it refuses input


def regvault_binary() -> Path:
    return Path(os.environ.get("REGVAULT_BIN") or DEFAULT_BIN)


@contextmanager
def dev_server(data: Path):
    """`regvault serve --dev` on a free loopback port for the duration of the block: yields
    {url, certs, data, binary}; the server is stopped with SIGTERM afterwards. Its report schedule is
    off (test_report_schedule.py covers it), so it writes nothing beside what the test writes."""
    binary = regvault_binary()
    proc = subprocess.Popen([str(binary), "serve", "--dev", "--data", str(data), "--listen", "127.0.0.1:0",
                             "--report-interval", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        url = None
        deadline = time.time() + 60
        while time.time() < deadline:
            line = proc.stdout.readline().decode()
            if line.startswith("listening on "):
                url = line.split()[-1]
                break
            if not line:
                break
        assert url, "the server did not start"
        yield dict(url=url, certs=data / "dev-certs", data=data, binary=binary)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


class RegvaultError(AssertionError):
    pass


class Vault:
    """A vault directory driven only through the regvault command line."""

    def __init__(self, binary: Path, data: Path, origin: str):
        self.binary = binary
        self.data = data
        self.origin = origin
        self.init_stdout = None

    # -- raw process ------------------------------------------------------------------------------
    def run(self, *args, stdin: bytes = None, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(self.binary), *map(str, args)]
        proc = subprocess.run(
            cmd,
            input=stdin if stdin is not None else b"",
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            timeout=CALL_TIMEOUT_S,
            cwd=str(self.data.parent),
        )
        if check and proc.returncode != 0:
            raise RegvaultError(
                f"{' '.join(cmd)} exited {proc.returncode}\n"
                f"stdout: {proc.stdout[:2000]!r}\nstderr: {proc.stderr[:4000].decode('utf-8', 'replace')}"
            )
        return proc

    def json_out(self, *args) -> dict:
        out = self.run(*args).stdout
        lines = out.splitlines()
        assert len(lines) == 1, f"expected one JSON line from {args}, got {out!r}"
        return json.loads(lines[0])

    # -- commands ---------------------------------------------------------------------------------
    def init(self) -> str:
        proc = self.run("init", "--data", self.data, "--origin", self.origin)
        self.init_stdout = proc.stdout.decode("utf-8")
        return self.init_stdout

    def keys_public(self) -> str:
        return self.run("keys", "public", "--data", self.data).stdout.decode("utf-8")

    def append_file(self, path: Path, check: bool = True) -> subprocess.CompletedProcess:
        return self.run("append", "--data", self.data, path, check=check)

    def append_stdin(self, payload: bytes, check: bool = True) -> subprocess.CompletedProcess:
        return self.run("append", "--data", self.data, "-", stdin=payload, check=check)

    def append_lines(self, lines, name: str, check: bool = True) -> subprocess.CompletedProcess:
        """Writes `lines` (bytes, no newline) to a file beside the vault and appends that file."""
        path = self.data.parent / name
        path.write_bytes(b"".join(line + b"\n" for line in lines))
        return self.append_file(path, check=check)

    def checkpoint(self) -> bytes:
        return self.run("checkpoint", "--data", self.data).stdout

    def entry(self, seq: int) -> dict:
        return self.json_out("entry", "--data", self.data, "--seq", seq)

    def prove_inclusion(self, seq: int, size: int = None) -> dict:
        args = ["prove", "inclusion", "--data", self.data, "--seq", seq]
        if size is not None:
            args += ["--size", size]
        return self.json_out(*args)

    def prove_consistency(self, first: int, second: int) -> dict:
        return self.json_out("prove", "consistency", "--data", self.data, "--from", first, "--to", second)

    def history(self, entity_type: str, entity_id: str, check: bool = True):
        proc = self.run("history", "--data", self.data, "--entity", entity_type, "--id", entity_id, check=check)
        if not check:
            return proc
        return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


@pytest.fixture(scope="session")
def regvault_bin() -> Path:
    binary = regvault_binary()
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        pytest.fail(f"regvault binary not found or not executable: {binary} (set REGVAULT_BIN)")
    return binary


_generated_cache = {}


@pytest.fixture(scope="session")
def generate(regvault_bin, tmp_path_factory):
    """generate(count, seed) -> list of record lines (bytes, without newline), from `regvault generate`."""
    scratch = tmp_path_factory.mktemp("generate")

    def _generate(count: int, seed: int):
        key = (count, seed)
        if key not in _generated_cache:
            proc = subprocess.run(
                [str(regvault_bin), "generate", "--count", str(count), "--seed", str(seed)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=CALL_TIMEOUT_S, cwd=str(scratch),
            )
            if proc.returncode != 0:
                raise RegvaultError(f"generate exited {proc.returncode}: {proc.stderr[:2000]!r}")
            lines = [line for line in proc.stdout.split(b"\n") if line]
            assert len(lines) == count, f"generate --count {count} printed {len(lines)} lines"
            _generated_cache[key] = lines
        return list(_generated_cache[key])

    return _generate


@pytest.fixture(scope="session")
def make_vault(regvault_bin, tmp_path_factory):
    """make_vault(origin) -> an initialised Vault in a fresh temporary directory."""

    def _make(origin: str) -> Vault:
        base = tmp_path_factory.mktemp("vault")
        vault = Vault(regvault_bin, base / "data", origin)
        vault.init()
        return vault

    return _make


class MutualTLSClient:
    """Requests to a running `dev_server` over mutual TLS, with the dev certificate of the role named in
    each call (a fresh connection per request). Standard library only."""

    def __init__(self, running: dict):
        self.running = running
        parsed = urllib.parse.urlsplit(running["url"])
        self.host, self.port = parsed.hostname, parsed.port
        assert self.host == "127.0.0.1"
        self.contexts = {}

    def context(self, role: str) -> ssl.SSLContext:
        if role not in self.contexts:
            certs = self.running["certs"]
            context = ssl.create_default_context(cafile=str(certs / "ca.pem"))
            context.load_cert_chain(str(certs / f"{role}.pem"), str(certs / f"{role}.key"))
            self.contexts[role] = context
        return self.contexts[role]

    def request(self, role: str, method: str, path: str, body: bytes = None, headers: dict = None, timeout: float = 60):
        connection = http.client.HTTPSConnection(self.host, self.port, context=self.context(role), timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    def json(self, role: str, method: str, path: str, body=None):
        data = json.dumps(body).encode() if body is not None else None
        status, _, payload = self.request(role, method, path, data, {"Content-Type": "application/json"} if data else {})
        return status, json.loads(payload) if payload else None
