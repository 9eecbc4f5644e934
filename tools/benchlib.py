"""What the HTTPS benchmark scripts (bench-server.py, bench-console.py, bench-delivery.py,
delivery-kill.py) share: starting `regvault serve --dev` on a free loopback port, an mTLS
connection as a development role, and percentiles."""

import http.client
import json
import os
import ssl
import subprocess
import threading
import time


def start_server(binary: str, data: str):
    """`regvault serve --dev` on 127.0.0.1 port 0, reports off; returns (process, "host:port")."""
    proc = subprocess.Popen([binary, "serve", "--dev", "--data", data, "--listen", "127.0.0.1:0",
                             "--report-interval", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    while True:
        line = proc.stdout.readline().decode()
        if not line:
            raise SystemExit("the server did not start")
        if line.startswith("listening on "):
            return proc, line.split("//")[1].strip()


def connection(host_port: str, certs: str, role: str) -> http.client.HTTPSConnection:
    """A kept-alive HTTPS connection with `role`'s development client certificate."""
    context = ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))
    context.load_cert_chain(os.path.join(certs, f"{role}.pem"), os.path.join(certs, f"{role}.key"))
    host, port = host_port.rsplit(":", 1)
    return http.client.HTTPSConnection(host, int(port), context=context, timeout=300)


def seconds_in_threads(calls) -> float:
    """Runs each (function, arguments) of `calls` in a thread of its own, all at once; returns the
    seconds from the first start to the last end."""
    threads = [threading.Thread(target=function, args=arguments) for function, arguments in calls]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started


def percentile(samples, p):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def start_delivering_server(binary: str, data: str, webhook: str, extra=()):
    """`regvault serve --dev` on 127.0.0.1 port 0 filing reports every second and delivering them to
    `webhook` (and whatever `extra` arguments add); returns (process, "host:port")."""
    proc = subprocess.Popen([binary, "serve", "--dev", "--data", data, "--listen", "127.0.0.1:0", "--report-interval", os.environ.get("RV_REPORT_INTERVAL", "1"),
                             "--regulator-webhook", webhook, *extra], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = proc.stdout.readline().decode()
    if not line.startswith("listening on "):
        raise SystemExit("the server did not start")
    return proc, line.split("//")[1].strip()


def list_deliveries(host_port: str, certs: str):
    """`GET /v1/deliveries` as the compliance officer, every page."""
    found, cursor = [], None
    while True:
        connection_ = connection(host_port, certs, "compliance_officer")
        connection_.request("GET", "/v1/deliveries" + (f"?cursor={cursor}" if cursor else ""))
        page = json.loads(connection_.getresponse().read())
        found += page["deliveries"]
        cursor = page.get("nextCursor")
        if not cursor:
            return found
