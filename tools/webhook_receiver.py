"""An HTTPS webhook receiver for the delivery tests and scripts: it requires a client certificate
from a given CA (unless `client_ca` is None), checks every Standard Webhooks signature
(HMAC-SHA256 over "id.timestamp.body" with the secret's bytes), answers 500 to the first
`fail_first` requests (and to a share `fail_share` of the rest, at random) or, with `redirect_to`,
302 to every request, and keeps every request with when it arrived. Its answer to
an accepted request is `accepted:<webhook-id>`, so the vault's recorded digest of the answer can
be checked. Standard library only."""

import base64
import hashlib
import hmac
import os
import random
import signal
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def answer_for(webhook_id: str) -> bytes:
    return f"accepted:{webhook_id}".encode()


class Receiver:
    def __init__(self, certificate: Path, key: Path, client_ca: Path, secret: str, fail_first: int = 0,
                 fail_share: float = 0.0, port: int = 0, redirect_to: str = None):
        self.key = base64.b64decode(secret.strip().removeprefix("whsec_"))
        self.fail_first = fail_first
        self.fail_share = fail_share
        self.requests = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep connections alive, as real receivers do
            disable_nagle_algorithm = True  # headers and body go out in two writes; no 40 ms delayed-ACK stall

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                id_, timestamp = self.headers["webhook-id"], self.headers["webhook-timestamp"]
                expected = base64.b64encode(hmac.new(receiver.key, f"{id_}.{timestamp}.".encode() + body, hashlib.sha256).digest())
                signatures = [s.split(",", 1)[1].encode() for s in self.headers["webhook-signature"].split() if s.startswith("v1,")]
                peer = self.connection.getpeercert() or {}
                subject = dict(pair[0] for pair in peer.get("subject", ()))
                with receiver.lock:
                    failing = len(receiver.requests) < receiver.fail_first or random.random() < receiver.fail_share
                    receiver.requests.append(dict(id=id_, timestamp=int(timestamp), body=body, client=subject.get("commonName"),
                                                  signed=any(hmac.compare_digest(s, expected) for s in signatures),
                                                  status=302 if redirect_to else 500 if failing else 200, at=time.time()))
                answer = b"busy" if failing or redirect_to else answer_for(id_)
                self.send_response(302 if redirect_to else 500 if failing else 200)
                if redirect_to:
                    self.send_header("Location", redirect_to)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 128  # the default 5 drops connection attempts under a burst (1 s retransmits)
            daemon_threads = True

        self.server = Server(("127.0.0.1", port), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certificate, key)
        if client_ca:  # None: no client certificate asked for
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(client_ca)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def snapshot(self):
        with self.lock:
            return list(self.requests)

    def accepted(self):
        return [r for r in self.snapshot() if r["status"] == 200]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def vault_with_receiver(binary: str, tmp: str, records: int, fail_share: float = 0.0):
    """A vault in `tmp` holding `records` synthetic records, its development certificates made by a
    first start, and a receiver that trusts them (the development server certificate, the vault's
    `delivery.pem` required). Returns (data directory, receiver)."""
    from benchlib import start_delivering_server
    data = os.path.join(tmp, "vault")
    subprocess.run([binary, "init", "--data", data, "--origin", "delivery.regvault.local/log"], check=True, capture_output=True)
    generated = subprocess.run([binary, "generate", "--count", str(records), "--seed", "1"], check=True, capture_output=True).stdout
    subprocess.run([binary, "append", "--data", data, "-"], input=generated, check=True, capture_output=True)
    proc, _ = start_delivering_server(binary, data, "https://127.0.0.1:9/unused")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    certs = Path(data, "dev-certs")
    return data, Receiver(certs / "server.pem", certs / "server.key", certs / "ca.pem", (certs / "webhook-secret").read_text(),
                          fail_share=fail_share)
