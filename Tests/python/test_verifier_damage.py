"""A damaged or truncated .tar.gz is named as such, on the first line of regvault-verify's verdict,
before the problems that follow from it; an intact one verifies."""
import json
import subprocess
from pathlib import Path

from conftest import Vault


def test_a_flipped_bit_or_a_cut_in_a_gzip_export_is_reported_first(regvault_bin, tmp_path):
    verifier = Path(regvault_bin).parent / "regvault-verify"
    vault = Vault(regvault_bin, tmp_path / "data", "damage.test/log")
    vault.run("init", "--data", vault.data, "--origin", vault.origin)
    lines = subprocess.run([str(regvault_bin), "generate", "--count", "3000", "--seed", "4"], capture_output=True,
                           check=True).stdout
    (tmp_path / "records.jsonl").write_bytes(lines)
    vault.run("append", "--data", vault.data, tmp_path / "records.jsonl")
    archive = tmp_path / "export.tar.gz"
    vault.run("export", "--data", vault.data, "--out", archive, "--compression", "gzip")
    key = vault.keys_public().strip()

    def verdict(path):
        proc = subprocess.run([str(verifier), str(path), "--key", key], capture_output=True)
        return proc.returncode, json.loads(proc.stdout)["problems"]

    assert verdict(archive) == (0, [])
    data = archive.read_bytes()
    for name, damaged, expected in [
        ("flipped.tar.gz", data[:len(data) // 3] + bytes([data[len(data) // 3] ^ 0x04]) + data[len(data) // 3 + 1:],
         "the gzip stream is damaged"),
        ("cut.tar.gz", data[:len(data) * 2 // 3], "the gzip stream ends early"),
    ]:
        path = tmp_path / name
        path.write_bytes(damaged)
        code, problems = verdict(path)
        assert code == 1 and problems, name
        assert problems[0]["member"] == "archive" and problems[0]["reason"].startswith(expected), (name, problems[:3])
