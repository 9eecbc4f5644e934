"""A real SMTP server for the delivery tests and benchmark (aiosmtpd): on loopback, with STARTTLS
(required unless `tls` is False) and AUTH required after it (login `vault`, the given password),
keeping every message with when it arrived, whether it came over TLS, and its parsed headers."""

import email
import email.policy
import socket
import ssl
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MailReceiver:
    """`with MailReceiver(cert, key, password) as relay:` relay.port, relay.messages."""

    def __init__(self, certificate: Path = None, key: Path = None, password: str = None, tls: bool = True):
        self.messages = []
        self.lock = threading.Lock()
        self.port = free_port()
        receiver = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
                with receiver.lock:
                    receiver.messages.append(dict(mail_from=envelope.mail_from, rcpt_tos=list(envelope.rcpt_tos),
                                                  raw=envelope.original_content or envelope.content, message=message,
                                                  tls=session.ssl is not None, login=session.authenticated, at=time.time()))
                return "250 2.0.0 queued"

        def authenticate(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"vault" and auth_data.password == (password or "").encode()
            return AuthResult(success=ok, handled=False)

        options = {}
        if tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(certificate), str(key))
            options = dict(tls_context=context, require_starttls=True)
        if password is not None:
            options.update(authenticator=authenticate, auth_required=True, auth_require_tls=tls)
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, **options)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    def received(self):
        with self.lock:
            return list(self.messages)
