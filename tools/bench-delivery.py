#!/usr/bin/env python3
"""Report filed → delivered, measured against a local HTTPS receiver, and one attempt against the
floor of the same POST made directly.

A vault with synthetic records serves in development mode with --regulator-webhook pointing at
tools/webhook_receiver.py (mutual TLS, signatures checked, every request accepted). Its schedule
files every closed period at start-up, about a thousand reports at once: the worst case, each
report waiting behind the others. (A single report filed as its period closes waits for the
worker's next look, at most 100 ms, then one attempt.)

Then 50 regulator requests (an audit trail each) are made one after another, each timed from the
POST to its callback's receipt.

Then 100 P1 incidents are recorded one after another with both a webhook and a mailbox (an
aiosmtpd relay with STARTTLS, tools/smtp_receiver.py) configured, each timed from its POST to
/v1/records to the receipt of the webhook and of the mail; the vault's mail attempt (curl, STARTTLS,
the message) is set against the same message sent by Python's smtplib with STARTTLS (the baseline).

Printed: enqueue → accepted by the receiver, p50/p99; the vault's attempt duration (resolve,
connect, TLS with a client certificate, POST, answer) p50 against the same body POSTed by Python's
http.client over a new TLS connection each time (the baseline), as a ratio.

    tools/bench-delivery.py [--bin .build/release/regvault] [--records 2000]
"""

import argparse
import http.client
import json
import os
import signal
import ssl
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import connection, list_deliveries, percentile, start_delivering_server  # noqa: E402
from smtp_receiver import MailReceiver  # noqa: E402
from webhook_receiver import Receiver, vault_with_receiver  # noqa: E402


def parse_time(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def wait_delivered(host_port, certs, at_least, seconds=600):
    deadline = time.time() + seconds
    while time.time() < deadline:
        listed = list_deliveries(host_port, certs)
        if len(listed) >= at_least and all(d["status"] == "delivered" for d in listed):
            return listed
        time.sleep(0.5)
    raise SystemExit("deliveries did not finish")


def latencies(listed, receiver):
    first_accept = {}
    for r in receiver.accepted():
        first_accept.setdefault(r["id"], r["at"])
    return [first_accept[d["id"]] - parse_time(d["enqueuedAt"]) for d in listed if d["id"] in first_accept]


def live_requests(host_port, certs, count=50):
    """Regulator requests for an entity's audit trail, one after another, each timed from the POST to
    its callback's receipt (the development regulator may name callbacks on loopback)."""
    callback = Receiver(Path(certs, "server.pem"), Path(certs, "server.key"), None, Path(certs, "webhook-secret").read_text())
    samples = []
    try:
        for i in range(count):
            body = json.dumps({"requestId": f"bench-{i}", "query": {"kind": "audit", "entity": {"type": "bonusRule", "id": "123"}},
                               "format": "json", "callbackUrl": f"https://127.0.0.1:{callback.port}/answers"})
            started = time.time()
            asking = connection(host_port, certs, "regulator_read")
            asking.request("POST", "/webhook/regulator/request", body=body, headers={"Content-Type": "application/json"})
            job = json.loads(asking.getresponse().read())["jobId"]
            while not any(json.loads(r["body"])["data"]["jobId"] == job for r in callback.accepted()):
                time.sleep(0.005)
            samples.append(time.time() - started)
    finally:
        callback.close()
    return samples


def p1_incidents(host_port, certs, receiver, relay, count=100):
    """P1 incidents, one after another, each timed from its POST to the webhook's and the mail's receipt."""
    webhook_samples, mail_samples = [], []
    for i in range(count):
        record = {"eventId": f"bench-p1-{i}", "stream": "incident", "entity": {"type": "incident", "id": f"bench-p1-{i}"},
                  "action": "open", "actor": {"id": "bench"}, "occurredAt": datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
                  "jurisdiction": "MT", "state": {"kind": "RNG_anomaly", "severity": "P1", "players": ["p-1"]}}
        started = time.time()
        posting = connection(host_port, certs, "ingest")
        posting.request("POST", "/v1/records", body=json.dumps(record), headers={"Content-Type": "application/x-ndjson"})
        posting.getresponse().read()
        hooked = mailed = None
        while hooked is None or mailed is None:
            if hooked is None and any(f"bench-p1-{i}\"" in r["body"].decode() for r in receiver.accepted()[-5:]):
                hooked = time.time()
            if mailed is None and any(f"bench-p1-{i}\r\n" in m["raw"].decode() for m in relay.received()[-5:]):
                mailed = time.time()
            time.sleep(0.002)
        webhook_samples.append(hooked - started)
        mail_samples.append(mailed - started)
    return webhook_samples, mail_samples


def direct_mails(relay, certs, message: bytes, count=100):
    """The mail baseline: the same message sent by smtplib over STARTTLS, a new connection each time."""
    import smtplib
    context = ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", relay.port) as client:
            client.starttls(context=context)
            client.sendmail("regvault@dev.regvault.local", ["mga@example.org"], message)
        samples.append(time.perf_counter() - started)
    return samples


def direct_posts(receiver, certs, body, count=200):
    """The baseline: the same body POSTed to the receiver with a client certificate, a new TLS connection each time."""
    context = ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))
    context.load_cert_chain(os.path.join(certs, "delivery.pem"), os.path.join(certs, "delivery.key"))
    samples = []
    for i in range(count):
        started = time.perf_counter()
        connection = http.client.HTTPSConnection("127.0.0.1", receiver.port, context=context)
        connection.request("POST", "/hooks", body=body, headers={"webhook-id": f"msg_direct{i}", "webhook-timestamp": "0",
                                                                "webhook-signature": "v1,AAAA", "Content-Type": "application/json"})
        connection.getresponse().read()
        connection.close()
        samples.append(time.perf_counter() - started)
    return samples


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", default=".build/release/regvault")
    parser.add_argument("--records", type=int, default=2000)
    args = parser.parse_args()
    binary = os.path.abspath(args.bin)
    with tempfile.TemporaryDirectory() as tmp:
        data, receiver = vault_with_receiver(binary, tmp, args.records)
        certs = os.path.join(data, "dev-certs")
        webhook = f"https://127.0.0.1:{receiver.port}/hooks"
        # Backlog: every closed period is filed at start-up and delivered.
        proc, host_port = start_delivering_server(binary, data, webhook)
        try:
            time.sleep(3)
            backlog = wait_delivered(host_port, certs, 1)
            backlog_latency = latencies(backlog, receiver)
            durations = [d["lastAttempt"]["durationMillis"] / 1000 for d in backlog]
            request_latency = live_requests(host_port, certs)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait()
        # P1 incidents to a webhook and a mailbox at once.
        relay = MailReceiver(Path(certs, "server.pem"), Path(certs, "server.key"))
        with relay:
            proc, host_port = start_delivering_server(binary, data, webhook, extra=(
                "--regulator-smtp", f"127.0.0.1:{relay.port}", "--regulator-email", "mga@example.org"))
            try:
                time.sleep(3)
                wait_delivered(host_port, certs, 1)
                p1_webhook, p1_mail = p1_incidents(host_port, certs, receiver, relay)
                mails = [d for d in list_deliveries(host_port, certs) if d["channel"] == "email" and d["subject"]["kind"] == "incident"]
                mail_attempts = [d["lastAttempt"]["durationMillis"] / 1000 for d in mails]
            finally:
                proc.send_signal(signal.SIGTERM)
                proc.wait()
            mail_baseline = direct_mails(relay, certs, relay.received()[-1]["raw"])
        body = receiver.accepted()[0]["body"]
        baseline = direct_posts(receiver, certs, body)
        receiver.close()
        print("| case | deliveries | enqueue → accepted p50 | p99 | attempt p50 | baseline POST p50 | attempt / baseline |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        print(f"| backlog at start-up | {len(backlog)} | {percentile(backlog_latency, 0.5):.2f} s | "
              f"{percentile(backlog_latency, 0.99):.2f} s | {percentile(durations, 0.5) * 1000:.1f} ms | "
              f"{percentile(baseline, 0.5) * 1000:.1f} ms | {percentile(durations, 0.5) / percentile(baseline, 0.5):.2f} |")
        print(f"| regulator request → callback, one at a time | {len(request_latency)} | {percentile(request_latency, 0.5):.2f} s | "
              f"{percentile(request_latency, 0.99):.2f} s | | | |")
        print(f"| P1 incident recorded → webhook received | {len(p1_webhook)} | {percentile(p1_webhook, 0.5):.2f} s | "
              f"{percentile(p1_webhook, 0.99):.2f} s | | | |")
        print(f"| P1 incident recorded → e-mail received (STARTTLS) | {len(p1_mail)} | {percentile(p1_mail, 0.5):.2f} s | "
              f"{percentile(p1_mail, 0.99):.2f} s | {percentile(mail_attempts, 0.5) * 1000:.1f} ms | "
              f"{percentile(mail_baseline, 0.5) * 1000:.1f} ms (smtplib) | "
              f"{percentile(mail_attempts, 0.5) / percentile(mail_baseline, 0.5):.2f} |")


if __name__ == "__main__":
    main()
