#!/usr/bin/env python3
"""SIGKILL the vault while it delivers reports, round after round, then check that nothing was lost.

A vault with synthetic records (about a thousand closed report periods) serves in development mode
with --regulator-webhook pointing at a local HTTPS receiver (tools/webhook_receiver.py) that
requires the vault's client certificate, checks every signature, and answers 500 to a share of the
requests. Each round starts the vault, lets the receiver take a random number of requests, and
kills the vault with SIGKILL; a last run lets every delivery finish. Then:

- every delivery the log holds is `delivered`, and the receiver accepted each of them;
- every request the receiver saw was signed, under the id of a delivery in the log, and every
  attempt of one id carried the same bytes (duplicates are recognisable);
- the log's receipt of each delivery matches the receiver: the SHA-256 of the answer it recorded is
  the digest of the receiver's answer for that id.

With --mail, every report is also mailed through a local relay with STARTTLS
(tools/smtp_receiver.py): every mail delivery must reach the relay, each repeat of one delivery
must be the same message (the same Message-ID and bytes), and the log's digest of the message must
be the digest of what the relay took.

    tools/delivery-kill.py [--bin .build/debug/regvault] [--rounds 10] [--records 2000] [--mail]
"""

import argparse
import hashlib
import json
import os
import random
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import list_deliveries, start_delivering_server  # noqa: E402
from smtp_receiver import MailReceiver  # noqa: E402
from webhook_receiver import answer_for, vault_with_receiver  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", default=".build/debug/regvault")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--fail-share", type=float, default=0.2)
    parser.add_argument("--mail", action="store_true", help="also mail every report through a local STARTTLS relay")
    args = parser.parse_args()
    binary = os.path.abspath(args.bin)
    random.seed(7)
    with tempfile.TemporaryDirectory() as tmp:
        data, receiver = vault_with_receiver(binary, tmp, args.records, fail_share=args.fail_share)
        certs = os.path.join(data, "dev-certs")
        webhook = f"https://127.0.0.1:{receiver.port}/hooks"
        relay = MailReceiver(Path(certs, "server.pem"), Path(certs, "server.key")) if args.mail else None
        extra = ("--regulator-smtp", f"127.0.0.1:{relay.port}", "--regulator-email", "mga@example.org") if relay else ()
        if relay:
            relay.__enter__()
        started = time.time()
        for round_ in range(1, args.rounds + 1):
            proc, _ = start_delivering_server(binary, data, webhook, extra)
            seen = len(receiver.snapshot())
            target = seen + random.randint(5, 80)
            deadline = time.time() + 60
            while len(receiver.snapshot()) < target and time.time() < deadline:
                time.sleep(0.01)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            print(f"round {round_}: killed after the receiver's request {len(receiver.snapshot())}", flush=True)
        proc, host_port = start_delivering_server(binary, data, webhook, extra)
        try:
            deadline = time.time() + 600
            while True:
                listed = list_deliveries(host_port, certs)
                if listed and all(d["status"] == "delivered" for d in listed) and len(listed) >= 1:
                    time.sleep(3)  # the schedule may still be filing; look again
                    again = list_deliveries(host_port, certs)
                    if len(again) == len(listed) and all(d["status"] == "delivered" for d in again):
                        break
                if time.time() > deadline:
                    raise SystemExit("deliveries did not finish: " + json.dumps({d["status"]: 1 for d in listed}))
                time.sleep(1)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait()
        receiver.close()
        requests = receiver.snapshot()
        mails = relay.received() if relay else []
        if relay:
            relay.__exit__(None, None, None)
        mailed = [d for d in listed if d["channel"] == "email"]
        listed = [d for d in listed if d["channel"] == "webhook"]
        ids = {d["id"] for d in listed}
        accepted = {}
        for r in requests:
            if r["status"] == 200:
                accepted[r["id"]] = accepted.get(r["id"], 0) + 1
        bodies = {}
        for r in requests:
            bodies.setdefault(r["id"], set()).add(r["body"])
        problems = []
        problems += [f"{d['id']} is {d['status']}" for d in listed if d["status"] != "delivered"]
        problems += [f"{i} never accepted by the receiver" for i in ids - set(accepted)]
        problems += [f"request under unknown id {i}" for i in {r["id"] for r in requests} - ids]
        problems += ["an unsigned request" for r in requests if not r["signed"]]
        problems += [f"{i} sent with different bodies" for i, b in bodies.items() if len(b) != 1]
        problems += [f"{d['id']}: recorded answer digest differs" for d in listed
                     if d["lastAttempt"]["responseSha256"] != hashlib.sha256(answer_for(d["id"])).hexdigest()]
        by_mail_id = {}
        for mail in mails:
            by_mail_id.setdefault(mail["message"]["X-RegVault-Delivery"], set()).add(mail["raw"])
        problems += [f"{d['id']} never reached the relay" for d in mailed if d["id"] not in by_mail_id]
        problems += [f"{i} mailed as different messages" for i, raws in by_mail_id.items() if len(raws) != 1]
        problems += [f"mail under unknown id {i}" for i in set(by_mail_id) - {d["id"] for d in mailed}]
        problems += [f"{d['id']}: recorded message digest differs" for d in mailed if d["id"] in by_mail_id
                     and d["lastAttempt"]["responseSha256"] != hashlib.sha256(next(iter(by_mail_id[d["id"]]))).hexdigest()]
        duplicates = sum(n - 1 for n in accepted.values())
        print()
        print("| rounds | deliveries | requests | failed (500) | accepted twice or more | lost | mails | mails repeated | problems | seconds |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        print(f"| {args.rounds} | {len(listed)} | {len(requests)} | {sum(r['status'] == 500 for r in requests)} | {duplicates} | "
              f"{len(ids - set(accepted))} | {len(mails)} of {len(mailed)} deliveries | {len(mails) - len(by_mail_id)} | "
              f"{len(problems)} | {time.time() - started:.0f} |")
        if problems:
            print("\n".join(problems[:20]))
            raise SystemExit(1)


if __name__ == "__main__":
    main()
