"""After a sweep, an independent verifier (this file's own RFC 9162, C2SP and SHA-256 code, shared
with test_independent_verify.py) still proves every entry and both checkpoints, sees each erased
record as erased with the commitment its entry holds, finds it listed by the erasure entry, and
finds none of its bytes in the vault's files."""
import json
from pathlib import Path

from test_independent_verify import (b64d, checkpoint_verifies, leaf_hash, mth, parse_checkpoint, parse_entry,
                                     parse_verifier_key, sha256, verify_consistency, verify_inclusion)

REPOSITORY = Path(__file__).resolve().parents[2]


def record(event_id: str, stream: str, jurisdiction: str, marker: str) -> bytes:
    return json.dumps({
        "eventId": event_id, "stream": stream, "entity": {"type": "bonusRule", "id": event_id},
        "action": "update", "actor": {"id": "bo-admin"}, "occurredAt": "2026-11-20T10:00:00Z",
        "reason": "test", "jurisdiction": jurisdiction, "state": {"note": marker},
    }).encode()


def test_every_proof_holds_after_a_sweep_and_erased_records_are_accounted_for(regvault_bin, tmp_path):
    from conftest import Vault
    vault = Vault(regvault_bin, tmp_path / "data", "erasure.test/log")
    vault.run("init", "--data", vault.data, "--origin", vault.origin, "--retention", REPOSITORY / "retention")
    key = parse_verifier_key(vault.keys_public().rstrip("\n"))
    marker = "MARKER-erase-me-7f3a9c"
    # GB audit.change records are governance mode (gb.platform-config); FR payments fall to the
    # operator default, compliance mode.
    lines = [record(f"cfg-{i}", "audit.change", "GB", marker) for i in range(6)]
    lines += [record(f"pay-{i}", "payment", "FR", "kept") for i in range(6)]
    acks = [json.loads(l) for l in vault.append_lines(lines, "records.jsonl").stdout.splitlines()]
    governed = [a["seq"] for a in acks[:6]]
    before = parse_checkpoint(vault.checkpoint())

    for seq in governed[:4]:
        vault.run("retention", "shorten", "--data", vault.data, "--seq", seq, "--until", "2020-01-01T00:00:00Z",
                  "--bypass-governance", "--reason", "erasure request")
    sweep = vault.json_out("sweep", "--data", vault.data)
    assert sweep["erased"] == 4 and len(sweep["erasureEntries"]) == 1
    assert "remains" not in sweep, "SQLite's own purge leaves nothing for an owner to do"

    after = parse_checkpoint(vault.checkpoint())
    assert checkpoint_verifies(after, key) and checkpoint_verifies(before, key)
    entries = [b64d(vault.entry(seq)["entry"]) for seq in range(after.size)]
    leaves = [leaf_hash(e) for e in entries]
    assert mth(leaves) == after.root, "the tree recomputed from the entries is not the signed root"
    assert mth(leaves[:before.size]) == before.root
    for seq in range(after.size):
        proof = vault.prove_inclusion(seq)
        assert verify_inclusion(seq, after.size, leaves[seq], [b64d(h) for h in proof["hashes"]], after.root)
    consistency = [b64d(h) for h in vault.prove_consistency(before.size, after.size)["hashes"]]
    assert verify_consistency(before.size, after.size, before.root, after.root, consistency)

    erasure_seq = sweep["erasureEntries"][0]
    assert parse_entry(entries[erasure_seq]).kind == 4, "the erasure entry has kind 4 (erasure)"
    for seq, ack in zip(governed + [a["seq"] for a in acks[6:]], acks):
        version = vault.history("bonusRule", ack["eventId"])[0]
        assert version["seq"] == seq
        if seq in governed[:4]:
            assert version["erased"] is True and "record" not in version and "salt" not in version
            assert b64d(version["commitment"]) == parse_entry(entries[seq]).commitment
            assert version["erasedBy"] == erasure_seq
        else:
            assert sha256(b64d(version["salt"]) + b64d(version["record"])) == parse_entry(entries[seq]).commitment
    # The erasure's record (entity erasure/<UTC day of the sweep>) lists what went and under which rule.
    listed = None
    for version in vault.run("history", "--data", vault.data, "--entity", "erasure", "--id",
                             parse_erasure_day(vault, erasure_seq)).stdout.splitlines():
        version = json.loads(version)
        if version["seq"] == erasure_seq:
            listed = json.loads(b64d(version["record"]))
            assert sha256(b64d(version["salt"]) + b64d(version["record"])) == parse_entry(entries[erasure_seq]).commitment
    assert listed is not None
    assert sorted(e["seq"] for e in listed["erased"]) == sorted(governed[:4])
    assert all(e["class"] == "gb.platform-config" for e in listed["erased"])
    in_force = json.loads((REPOSITORY / "retention" / "gb-ukgc.json").read_text())["version"]
    assert listed["rules"]["gb.platform-config"]["policy"] == f"gb-ukgc@{in_force}"
    assert listed["rules"]["gb.platform-config"]["source"], "each rule an erasure used cites its source"

    for path in vault.data.rglob("*"):
        if path.is_file():
            assert marker.encode() not in path.read_bytes(), f"erased bytes found in {path}"


def parse_erasure_day(vault, erasure_seq: int) -> str:
    """The erasure entity's id: the UTC day of the sweep, from the entry's recorded-at time."""
    import datetime
    entry = parse_entry(b64d(vault.entry(erasure_seq)["entry"]))
    return datetime.datetime.fromtimestamp(entry.recorded_at / 1000, datetime.timezone.utc).strftime("%Y-%m-%d")


def test_regvault_verify_dumps_the_verified_records_with_the_erased_ones_marked(regvault_bin, tmp_path):
    """`regvault-verify --dump jsonl|csv` on a real export after an erasure: every record exactly as
    ingested, in seq order, and the erased ones as erased; nothing is dumped from a tampered archive."""
    import base64
    import csv
    import io
    import subprocess
    import tarfile
    from conftest import Vault
    verifier = Path(regvault_bin).parent / "regvault-verify"
    vault = Vault(regvault_bin, tmp_path / "data", "dump.test/log")
    vault.run("init", "--data", vault.data, "--origin", vault.origin, "--retention", REPOSITORY / "retention")
    lines = [record(f"cfg-{i}", "audit.change", "GB", "x") for i in range(4)]
    lines += [record(f"pay-{i}", "payment", "FR", "kept") for i in range(3)]
    acks = [json.loads(l) for l in vault.append_lines(lines, "records.jsonl").stdout.splitlines()]
    erased = [acks[0]["seq"], acks[1]["seq"]]
    for seq in erased:
        vault.run("retention", "shorten", "--data", vault.data, "--seq", seq, "--until", "2020-01-01T00:00:00Z",
                  "--bypass-governance", "--reason", "erasure request")
    vault.json_out("sweep", "--data", vault.data)
    archive = tmp_path / "export.tar"
    vault.run("export", "--data", vault.data, "--out", archive)
    key = vault.keys_public().strip()

    dumped = subprocess.run([str(verifier), str(archive), "--key", key, "--dump", "jsonl"], capture_output=True, check=True)
    rows = [json.loads(line) for line in dumped.stdout.splitlines()]
    assert [row["seq"] for row in rows] == sorted(row["seq"] for row in rows) == list(range(len(rows)))
    assert [row["seq"] for row in rows if row.get("erased")] == erased
    by_event = {row["record"]["eventId"]: row["record"] for row in rows if "record" in row}
    for line, ack in zip(lines, acks):
        if ack["seq"] not in erased:
            assert by_event[ack["eventId"]] == json.loads(line)
    assert b"VALID" in dumped.stderr

    table = subprocess.run([str(verifier), str(archive), "--key", key, "--dump", "csv"], capture_output=True, check=True)
    parsed = list(csv.DictReader(io.StringIO(table.stdout.decode())))
    assert [int(r["seq"]) for r in parsed if r["erased"] == "true"] == erased
    payment = next(r for r in parsed if r["eventId"] == "pay-0")
    assert payment["stream"] == "payment" and json.loads(payment["content"]) == json.loads(lines[4])["state"]

    tampered = tmp_path / "tampered.tar"
    with tarfile.open(archive) as source, tarfile.open(tampered, "w") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read() if member.isfile() else None
            if data and "/records/" in member.name:  # lines '<seq> <salt> <record>', base64
                altered = []
                for line in data.split(b"\n"):
                    parts = line.split(b" ")
                    if len(parts) == 3:
                        parts[2] = base64.b64encode(base64.b64decode(parts[2]).replace(b"kept", b"KEPT"))
                    altered.append(b" ".join(parts))
                data = b"\n".join(altered)
            if data is not None:
                member.size = len(data)
            target.addfile(member, io.BytesIO(data) if data is not None else None)
    refused = subprocess.run([str(verifier), str(tampered), "--key", key, "--dump", "jsonl"], capture_output=True)
    assert refused.returncode == 1 and refused.stdout == b"" and b"INVALID" in refused.stderr
