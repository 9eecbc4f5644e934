"""certs/make-dev-certs.sh, checked with openssl the way an operator would check it."""

import os
import stat
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "certs" / "make-dev-certs.sh"
ROLES = ["ingest", "regulator_read", "compliance_officer", "admin"]


def openssl(*args) -> subprocess.CompletedProcess:
    return subprocess.run(["openssl", *args], capture_output=True, text=True)


@pytest.fixture(scope="module")
def certs(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dev-certs")
    subprocess.run(["bash", str(SCRIPT), str(out)], check=True, capture_output=True)
    return out


def test_server_certificate_chains_to_the_dev_ca_and_names_localhost_and_loopback(certs):
    assert openssl("verify", "-CAfile", certs / "ca.pem", "-purpose", "sslserver", certs / "server.pem").returncode == 0
    text = openssl("x509", "-in", certs / "server.pem", "-noout", "-text").stdout
    assert "DNS:localhost" in text and "IP Address:127.0.0.1" in text
    assert "TLS Web Server Authentication" in text


def test_each_role_has_a_client_certificate_with_its_name_as_common_name(certs):
    for role in ROLES:
        assert openssl("verify", "-CAfile", certs / "ca.pem", "-purpose", "sslclient", certs / f"{role}.pem").returncode == 0
        subject = openssl("x509", "-in", certs / f"{role}.pem", "-noout", "-subject").stdout
        assert subject.strip().endswith(f"CN = {role}"), subject


def test_a_client_certificate_from_the_other_ca_does_not_verify_against_the_dev_ca(certs):
    assert openssl("verify", "-CAfile", certs / "ca.pem", certs / "other-ca-client.pem").returncode != 0
    assert openssl("verify", "-CAfile", certs / "other-ca.pem", certs / "other-ca-client.pem").returncode == 0


def test_private_keys_are_readable_by_their_owner_only(certs):
    keys = sorted(certs.glob("*.key"))
    assert len(keys) == 2 + 1 + len(ROLES) + 1  # two CAs, server, roles, other-ca client
    for key in keys:
        assert stat.S_IMODE(os.stat(key).st_mode) == 0o600, key


def test_running_again_keeps_every_file(certs):
    before = {p.name: p.read_bytes() for p in certs.iterdir()}
    subprocess.run(["bash", str(SCRIPT), str(certs)], check=True, capture_output=True)
    after = {p.name: p.read_bytes() for p in certs.iterdir()}
    assert before == after
