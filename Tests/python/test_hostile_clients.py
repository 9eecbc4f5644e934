"""Clients that misbehave, against the real server over real TLS: what used to crash it, hold its
connections or lose an inspector's trace. Each test names the defect it guards against.

The limits are set small in a configuration file (the same files `serve --dev` made) so that each
timeout shows within seconds; a legitimate client is served throughout."""

import base64
import json
import os
import signal
import socket
import ssl
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import dev_server, regvault_binary

HEAD_SECONDS = 4
BODY_SECONDS = 2
PER_ADDRESS = 20


def tls_context(certs: Path, role: str) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(certs / "ca.pem"))
    context.load_cert_chain(str(certs / f"{role}.pem"), str(certs / f"{role}.key"))
    return context


def host_port(url: str):
    host, port = url.removeprefix("https://").rsplit(":", 1)
    return host.strip("[]"), int(port)


def get(url: str, certs: Path, role: str, path: str, timeout: float = 10):
    """One HTTPS GET on its own connection; returns (status, body, seconds)."""
    host, port = host_port(url)
    started = time.monotonic()
    with socket.create_connection((host, port), timeout=timeout) as raw:
        with tls_context(certs, role).wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while chunk := tls.recv(65536):
                data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body, time.monotonic() - started


def closed_within(sock, seconds: float) -> bool:
    """True if the peer closes `sock` (EOF or reset) within `seconds`."""
    sock.settimeout(seconds)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            if not sock.recv(65536):
                return True
    except (ConnectionResetError, ssl.SSLError, BrokenPipeError):
        return True
    except (socket.timeout, TimeoutError):
        return False
    return False


CHAIN_EXTENSIONS = """
[root0]
basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
[root1]
basicConstraints=critical,CA:TRUE,pathlen:1
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
[inter]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[leaf]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
authorityKeyIdentifier=keyid
"""


def make_chain(out: Path, root_section: str, leaf_name: str) -> Path:
    """A root CA (`root_section`), an intermediate CA under it and a client leaf `leaf_name` under
    that, made with openssl; returns the root's PEM. The leaf's PEM holds the leaf and the intermediate."""
    out.mkdir(parents=True, exist_ok=True)
    ext = out / "ext.cnf"
    ext.write_text(CHAIN_EXTENSIONS)
    def run(*args):
        subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    run("req", "-x509", *ec, "-keyout", out / "root.key", "-out", out / "root.pem", "-subj", f"/CN={leaf_name}-root",
        "-days", "30", "-config", ext, "-extensions", root_section)
    for name, issuer, section in [("inter", "root", "inter"), (leaf_name, "inter", "leaf")]:
        run("req", *ec, "-keyout", out / f"{name}.key", "-out", out / f"{name}.csr", "-subj", f"/CN={name}",
            "-config", ext)
        run("x509", "-req", "-in", out / f"{name}.csr", "-CA", out / f"{issuer}.pem", "-CAkey", out / f"{issuer}.key",
            "-CAcreateserial", "-out", out / f"{name}.pem", "-days", "30", "-extfile", ext, "-extensions", section)
    (out / f"{leaf_name}.pem").write_bytes((out / f"{leaf_name}.pem").read_bytes() + (out / "inter.pem").read_bytes())
    return out / "root.pem"


def closed_now(sock) -> bool:
    """True if the peer has already closed `sock` (EOF or reset is waiting), without blocking."""
    sock.setblocking(False)
    try:
        return sock.recv(1) == b""
    except BlockingIOError:
        return False
    except (ConnectionResetError, BrokenPipeError):
        return True


@contextmanager
def limited_server(tmp_path: Path):
    """`serve --config` with the development certificates, small connection limits, and two more
    client CAs: one whose `pathlen:0` forbids the intermediate its leaf was issued through, one
    whose `pathlen:1` allows it."""
    data = tmp_path / "vault"
    with dev_server(data):  # creates the vault and the development certificates
        pass
    certs = data / "dev-certs"
    loopback = ["127.0.0.0/8", "::1/128"]
    config = {
        "data": str(data), "listen": "127.0.0.1:0",
        "tls": {"certificate": str(certs / "server.pem"), "privateKey": str(certs / "server.key"),
                "clientCAs": [str(certs / "ca.pem"), str(make_chain(certs / "pathlen0", "root0", "chained-admin")),
                              str(make_chain(certs / "pathlen1", "root1", "chained-reader"))]},
        "identities": [{"commonName": role, "roles": [role], "allowFrom": loopback}
                       for role in ["ingest", "regulator_read", "compliance_officer", "admin"]]
                      + [{"commonName": "chained-admin", "roles": ["admin"], "allowFrom": loopback},
                         {"commonName": "chained-reader", "roles": ["regulator_read"], "allowFrom": loopback}],
        "limits": {"requestHeadSeconds": HEAD_SECONDS, "bodySeconds": BODY_SECONDS,
                   "maxConnectionsPerAddress": PER_ADDRESS},
    }
    path = tmp_path / "server.json"
    path.write_text(json.dumps(config))
    proc = subprocess.Popen([str(regvault_binary()), "serve", "--config", str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        line = proc.stdout.readline().decode()
        assert line.startswith("listening on "), line
        yield dict(url=line.split()[-1], certs=certs, data=data)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with limited_server(tmp_path_factory.mktemp("hostile")) as running:
        yield running


def test_a_tile_index_beyond_any_tree_is_404_and_the_server_stays_up(server):
    # Used to trap on 256 x index overflowing, killing the server.
    for path in ["/log/tile/0/x100/x000/x000/x000/x000/000", "/log/tile/entries/x100/x000/x000/x000/x000/000",
                 "/log/tile/0/x036/x028/x797/x018/x963/967", "/log/tile/7/x009/x223/x372/x036/x854/x775/807"]:
        status, body, _ = get(server["url"], server["certs"], "regulator_read", path)
        assert status == 404, (path, body)
    assert get(server["url"], server["certs"], "regulator_read", "/healthz")[0] == 200


def test_idle_connections_without_a_handshake_are_closed_and_capped_per_address(server):
    host, port = host_port(server["url"])
    idle = []
    for _ in range(PER_ADDRESS + 30):
        sock = socket.socket()
        sock.bind(("127.0.0.2", 0))  # another loopback address than the legitimate client's
        sock.connect((host, port))
        idle.append(sock)
    try:
        # Over the per-address cap: closed at once, before any handshake (well before the deadline).
        # Which ones are admitted depends on which event loop accepts first, so count them all.
        time.sleep(HEAD_SECONDS / 2)
        still_open = [sock for sock in idle if not closed_now(sock)]
        assert len(still_open) == PER_ADDRESS, f"{len(idle) - len(still_open)} closed early, {len(still_open)} open"
        # A legitimate client from another address is served meanwhile, promptly.
        status, _, seconds = get(server["url"], server["certs"], "regulator_read", "/regulator/checkpoint")
        assert status == 200 and seconds < 5
        # The admitted idle connections are closed once the handshake deadline passes.
        for sock in still_open:
            sock.setblocking(True)
        assert all(closed_within(sock, HEAD_SECONDS + 3) for sock in still_open)
    finally:
        for sock in idle:
            sock.close()


def test_a_slow_request_head_is_closed_on_time(server):
    host, port = host_port(server["url"])
    raw = socket.create_connection((host, port))
    with tls_context(server["certs"], "regulator_read").wrap_socket(raw, server_hostname="localhost") as tls:
        tls.sendall(b"GET /regulator/checkpoint HTTP/1.1\r\nHost: localhost\r\n")  # never finished
        started = time.monotonic()
        assert closed_within(tls, HEAD_SECONDS + 3)
        assert time.monotonic() - started < HEAD_SECONDS + 3


def test_a_slow_body_is_closed_on_time(server):
    host, port = host_port(server["url"])
    raw = socket.create_connection((host, port))
    with tls_context(server["certs"], "ingest").wrap_socket(raw, server_hostname="localhost") as tls:
        tls.sendall(b"POST /v1/records HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-ndjson\r\n"
                    b"Content-Length: 1000\r\n\r\n{\"eventId\":")
        assert closed_within(tls, BODY_SECONDS + 3)


def test_a_declared_length_over_the_limit_is_refused_at_once_without_reading_the_body(server):
    host, port = host_port(server["url"])
    raw = socket.create_connection((host, port))
    with tls_context(server["certs"], "ingest").wrap_socket(raw, server_hostname="localhost") as tls:
        started = time.monotonic()
        tls.sendall(b"POST /v1/records HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-ndjson\r\n"
                    b"Content-Length: 1000000000\r\n\r\n")
        tls.settimeout(5)
        answer = tls.recv(65536)
        assert answer.startswith(b"HTTP/1.1 413"), answer
        assert b"body_too_large" in answer or b"body_too_large" in tls.recv(65536)
        assert time.monotonic() - started < 2
        assert closed_within(tls, 3), "the connection is closed after the refusal, not kept to drain the body"


def test_object_keys_are_stored_as_written_or_refused_and_ingest_cannot_place_a_legal_hold(server):
    certs = server["certs"]
    common = ["curl", "-sS", "--cacert", str(certs / "ca.pem"), "--cert", str(certs / "ingest.pem"),
              "--key", str(certs / "ingest.key"), "-o", "-", "-w", "\n%{http_code}", "-X", "PUT", "--data-binary", "x",
              "--path-as-is"]
    def put(key, *headers):
        extra = [arg for header in headers for arg in ("-H", header)]
        out = subprocess.run(common + extra + [server["url"] + "/v1/objects/" + key], capture_output=True, text=True)
        return out.stdout.rsplit("\n", 1)
    for key in ["a//b", "a/", "a/./b"]:
        body, status = put(key)
        assert status == "400" and "invalid_key" in body, (key, body)
    body, status = put("reports/r1.csv", "x-amz-object-lock-legal-hold: ON")
    assert status == "403" and "legal_hold_not_allowed" in body, body
    body, status = put("reports/r1.csv")
    assert status in ("200", "201"), body


def test_a_chain_that_breaks_a_ca_path_length_constraint_is_refused_at_the_handshake(server):
    certs = server["certs"]
    def as_client(folder, name):
        return subprocess.run(["curl", "-sS", "--cacert", str(certs / "ca.pem"), "--cert", str(certs / folder / f"{name}.pem"),
                               "--key", str(certs / folder / f"{name}.key"), "-o", "-", "-w", "\n%{http_code}",
                               server["url"] + "/regulator/checkpoint"], capture_output=True, text=True)
    assert subprocess.run(["openssl", "verify", "-CAfile", str(certs / "pathlen0" / "root.pem"), "-untrusted",
                           str(certs / "pathlen0" / "inter.pem"), str(certs / "pathlen0" / "chained-admin.pem")],
                          capture_output=True).returncode != 0, "openssl refuses the chain too"
    refused = as_client("pathlen0", "chained-admin")
    assert refused.returncode != 0 and refused.stdout.strip().endswith("000"), refused
    allowed = as_client("pathlen1", "chained-reader")
    assert allowed.stdout.rstrip().endswith("200"), allowed


def test_tls12_offers_no_cbc_or_sha1_suites(server):
    host, port = host_port(server["url"])
    certs = server["certs"]
    def handshake(cipher):
        return subprocess.run(["openssl", "s_client", "-connect", f"{host}:{port}", "-tls1_2", "-cipher", cipher,
                               "-cert", str(certs / "regulator_read.pem"), "-key", str(certs / "regulator_read.key"),
                               "-CAfile", str(certs / "ca.pem")],
                              input=b"", capture_output=True, timeout=20)
    cbc = "AES128-SHA:AES256-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES256-SHA:ECDHE-ECDSA-AES256-SHA:AES128-SHA256"
    assert b"Cipher is (NONE)" in handshake(cbc).stdout or handshake(cbc).returncode != 0
    aead = handshake("ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256")
    assert b"GCM" in aead.stdout, aead.stdout[-500:]


def test_an_answered_inspector_request_is_in_the_log_even_if_the_server_is_killed_right_after(tmp_path):
    data = tmp_path / "vault"
    binary = regvault_binary()
    proc = subprocess.Popen([str(binary), "serve", "--dev", "--data", str(data), "--listen", "127.0.0.1:0",
                             "--report-interval", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        url = proc.stdout.readline().decode().split()[-1]
        marker = "id=kill-marker-" + str(os.getpid())
        status, _, _ = get(url, data / "dev-certs", "regulator_read", "/regulator/audit?entity=bonusRule&" + marker)
        assert status in (200, 404)
    finally:
        proc.send_signal(signal.SIGKILL)  # no graceful shutdown: nothing gets flushed after this
        proc.wait(timeout=30)
    history = subprocess.run([str(binary), "history", "--data", str(data), "--entity", "inspector", "--id", "regulator_read"],
                             capture_output=True, check=True).stdout
    records = [base64.b64decode(json.loads(line)["record"]) for line in history.splitlines() if line.strip()]
    assert any(marker.encode() in record for record in records), "the answered request left no access entry"
    check = subprocess.run([str(binary), "check", "--data", str(data)], capture_output=True)
    assert check.returncode == 0, check.stderr[-2000:]
