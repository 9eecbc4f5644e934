"""The served OpenAPI document held to the live server: schemathesis generates requests for every
operation from `/openapi.yaml` and sends them over mutual TLS to `regvault serve --dev`, with each
client certificate the development CAs issue (ingest, regulator_read, compliance_officer, admin,
and the sandbox's), and checks every answer:
- not_a_server_error: no 5xx;
- status_code_conformance: the status is one the operation documents;
- content_type_conformance: the Content-Type is one documented for that status;
- response_schema_conformance: a JSON body fits the documented schema (the error shape included);
- unsupported_method and allow_header_conformance: a method the document does not list for a
  path is answered 405 with an Allow header that lists the documented ones.

Each role gets the operations it may use in depth (schemathesis's coverage phase, which walks
each parameter's boundaries and invalid values, then SCHEMATHESIS_MAX_EXAMPLES random cases, 4 by
default) and every other operation once (which it must refuse with a documented 403). A fixed seed
and no shrinking keep it repeatable and bounded: about two and a half minutes for all five roles
on two cores. All traffic goes to the server's loopback address.
"""

import json
import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

from conftest import MutualTLSClient, dev_server

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "4"))
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,"
          "unsupported_method,allow_header_conformance")
# The paths each certificate's role opens (README's route table); the rest it must be refused.
OWN_PATHS = {
    "ingest": r"^/(v1/records|v1/objects/|log/|healthz$|metrics$|openapi\.yaml$)",
    "regulator_read": r"^/regulator/",
    "compliance_officer": r"^/v1/(holds|records/|objects/)",
    "admin": r"^/(v1/objects/|v1/records/|sandbox/admin/)",
    "sandbox": r"^/sandbox/regulator/",
}


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    scratch = tmp_path_factory.mktemp("openapi-live")
    with dev_server(scratch / "vault") as running:
        vault = MutualTLSClient(running)
        records = subprocess.run([str(running["binary"]), "generate", "--count", "200", "--seed", "11"],
                                 capture_output=True, check=True).stdout
        status, _, body = vault.request("ingest", "POST", "/v1/records", records, {"Content-Type": "application/x-ndjson"})
        assert status == 200, body
        status, _, document = vault.request("admin", "GET", "/openapi.yaml")
        assert status == 200
        schema = scratch / "openapi.yaml"
        schema.write_bytes(document)
        yield dict(running=running, schema=schema, scratch=scratch)


def run_schemathesis(live, role: str, report: Path, paths: list, phases: str, max_examples: int):
    running = live["running"]
    assert urllib.parse.urlsplit(running["url"]).hostname == "127.0.0.1"
    certs = running["certs"]
    command = [sys.executable, "-m", "schemathesis.cli", "run", str(live["schema"]),
               "--url", running["url"],
               "--request-cert", str(certs / f"{role}.pem"), "--request-cert-key", str(certs / f"{role}.key"),
               "--tls-verify", str(certs / "ca.pem"),
               "--checks", CHECKS, "--phases", phases,
               "--max-examples", str(max_examples), "--seed", "20261120", "--no-shrink",
               # One worker: hypothesis describing strategies from several threads at once trips
               # a CPython 3.11 parser error (AST constructor recursion depth mismatch).
               "--workers", "1", "--request-timeout", "30",
               "--suppress-health-check", "all", "--warnings", "off",
               "--report", "ndjson", "--report-ndjson-path", str(report), *paths]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, env=dict(os.environ, NO_COLOR="1"),
                          cwd=str(live["scratch"]))


def cases_run(report: Path) -> int:
    """Test cases sent, counted from the run's event stream."""
    count = 0
    for line in report.read_text().splitlines():
        for name, payload in json.loads(line).items():
            if name == "ScenarioFinished":
                count += len(payload.get("recorder", {}).get("cases", {}))
    return count


@pytest.mark.parametrize("role", list(OWN_PATHS))
def test_every_operation_answers_as_documented(live, role):
    runs = [("own", ["--include-path-regex", OWN_PATHS[role]], "coverage,fuzzing", MAX_EXAMPLES),
            ("refused", ["--exclude-path-regex", OWN_PATHS[role]], "fuzzing", 1)]
    problems, counts = [], {}
    for name, paths, phases, examples in runs:
        report = live["scratch"] / f"schemathesis-{role}-{name}.ndjson"
        result = run_schemathesis(live, role, report, paths, phases, examples)
        counts[name] = cases_run(report)
        if result.returncode != 0:
            problems.append(f"--- {name} operations:\n{result.stdout[-15000:]}")
    print(f"schemathesis as {role}: {counts['own']} cases on its own operations, {counts['refused']} on the others")
    assert not problems, f"schemathesis as {role} found problems:\n" + "\n".join(problems)
    assert counts["own"] >= 30 and counts["refused"] >= 5, counts


def test_the_vault_is_intact_after_every_run(live):
    """Runs after the schemathesis runs above (pytest keeps file order): whatever they sent, the
    vault that answered them passes `regvault check`."""
    running = live["running"]
    check = subprocess.run([str(running["binary"]), "check", "--data", str(running["data"])], capture_output=True)
    assert check.returncode == 0, check.stderr[-3000:]
    assert json.loads(check.stdout)["intact"] is True
