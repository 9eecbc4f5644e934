"""A real OpenSSH server for the SFTP delivery tests and benchmark: `sshd` from the system on a
free loopback port, its own host key, one authorised client key, SFTP only (internal-sftp), run as
the current user. Its host key line (`host_key`) is what the vault pins."""

import getpass
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SFTPServer:
    """`with SFTPServer(tmp_path / "sftp") as server:` server.port, server.user, server.client_key,
    server.host_key (the line to pin), server.inbox (an empty directory the vault may write to)."""

    def __init__(self, directory: Path):
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.inbox = directory / "inbox"
        self.inbox.mkdir(exist_ok=True)
        for name in ("host_key", "client_key"):
            if not (directory / name).exists():
                subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(directory / name)], check=True)
        self.client_key = directory / "client_key"
        self.host_key = " ".join((directory / "host_key.pub").read_text().split()[:2])
        (directory / "authorized_keys").write_text((directory / "client_key.pub").read_text())
        self.port = free_port()
        self.user = getpass.getuser()
        config = directory / "sshd_config"
        config.write_text("\n".join([
            f"Port {self.port}", "ListenAddress 127.0.0.1", f"HostKey {directory / 'host_key'}", f"PidFile {directory / 'sshd.pid'}",
            f"AuthorizedKeysFile {directory / 'authorized_keys'}", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
            "PubkeyAuthentication yes", "UsePAM no", "StrictModes no", "PermitRootLogin prohibit-password",
            "Subsystem sftp internal-sftp", "ForceCommand internal-sftp", "LogLevel ERROR", ""]))
        self.config = config

    def __enter__(self):
        if os.geteuid() == 0:
            os.makedirs("/run/sshd", exist_ok=True)  # sshd's privilege separation directory
        self.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(self.config)], stderr=subprocess.PIPE)
        deadline = time.time() + 15
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError("sshd did not start: " + self.proc.stderr.read().decode())
                time.sleep(0.05)
        raise RuntimeError("sshd did not listen within 15 s")

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(timeout=10)
