"""`regvault history` and `regvault audit` print text a person reads on a terminal (each version,
who, why, and before → after per path) and JSON into a pipe, where programs read them."""
import json
import os
import pty
import subprocess

from conftest import Vault


def on_terminal(args) -> str:
    """Runs with standard output on a pseudo-terminal and returns what it printed."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([str(a) for a in args], stdout=follower, stderr=subprocess.PIPE)
    os.close(follower)
    out = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    assert proc.wait(timeout=60) == 0, proc.stderr.read()
    os.close(leader)
    return out.decode().replace("\r\n", "\n")


def test_history_and_audit_read_as_text_on_a_terminal_and_json_in_a_pipe(regvault_bin, tmp_path):
    vault = Vault(regvault_bin, tmp_path / "data", "cli.test/log")
    vault.run("init", "--data", vault.data, "--origin", vault.origin)
    base = {"stream": "audit.change", "entity": {"type": "bonusRule", "id": "r-1"}, "actor": {"id": "bo-7", "role": "bonus_manager"},
            "jurisdiction": "MT"}
    lines = [json.dumps(dict(base, eventId="c1", action="create", occurredAt="2026-11-01T10:00:00Z", reason="launch",
                             state={"maxBonus": 100, "games": ["slots"]})).encode(),
             json.dumps(dict(base, eventId="c2", action="update", occurredAt="2026-11-02T10:00:00Z", reason="raise cap",
                             state={"maxBonus": 150, "games": ["slots"]})).encode(),
             json.dumps(dict(base, eventId="c3", action="update", occurredAt="2026-11-03T10:00:00Z", reason="add live",
                             diff=[{"op": "add", "path": "/games/-", "value": "live"}])).encode()]
    vault.append_lines(lines, "records.jsonl")
    for command in ("history", "audit"):
        text = on_terminal([regvault_bin, command, "--data", vault.data, "--entity", "bonusRule", "--id", "r-1"])
        assert "bonusRule r-1: 3 versions" in text, text
        assert 'v2  2026-11-02T10:00:00Z  bo-7 (bonus_manager)  update  "raise cap"' in text, text
        assert "/maxBonus: 100 → 150" in text and '/games: ["slots"] → ["slots","live"]' in text, text
        piped = subprocess.run([str(regvault_bin), command, "--data", str(vault.data), "--entity", "bonusRule", "--id", "r-1"],
                               capture_output=True, check=True).stdout.decode()
        parsed = [json.loads(line) for line in piped.splitlines()]
        assert parsed and (command == "history" and len(parsed) == 3 or len(parsed[0]["changes"]) == 3)
        forced = subprocess.run([str(regvault_bin), command, "--data", str(vault.data), "--entity", "bonusRule", "--id", "r-1",
                                 "--format", "text"], capture_output=True, check=True).stdout.decode()
        assert "/maxBonus: 100 → 150" in forced
