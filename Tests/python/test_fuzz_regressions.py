"""Replays every input the fuzzer ever crashed on (Tests/fuzz/regressions/<target>/) and the
committed seeds (Tests/fuzz/corpus/<target>/) through regvault-fuzz's replay driver, the same
entry points tools/fuzz.sh fuzzes, built without libFuzzer next to the regvault binary."""

import os
import subprocess
from pathlib import Path

import pytest

from conftest import regvault_binary

FUZZ = Path(__file__).resolve().parents[1] / "fuzz"


def fuzz_binary() -> Path:
    binary = regvault_binary().parent / "regvault-fuzz"
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        pytest.fail(f"regvault-fuzz not found next to the regvault binary: {binary} (swift build builds it)")
    return binary


def input_folders():
    folders = []
    for kind in ("regressions", "corpus"):
        for folder in sorted((FUZZ / kind).glob("*")):
            if folder.is_dir() and any(path.is_file() for path in folder.iterdir()):
                folders.append(pytest.param(folder, id=f"{kind}/{folder.name}"))
    return folders


def test_every_target_is_known():
    listed = subprocess.run([str(fuzz_binary()), "list"], capture_output=True, text=True, check=True).stdout
    targets = {line.split("\t")[0] for line in listed.splitlines()}
    for kind in ("regressions", "corpus"):
        for folder in (FUZZ / kind).glob("*"):
            assert folder.name in targets, f"{folder} is not named after a fuzz target"


@pytest.mark.parametrize("folder", input_folders())
def test_inputs_replay_without_crashing(folder):
    result = subprocess.run([str(fuzz_binary()), folder.name, str(folder)], capture_output=True, text=True,
                            timeout=120, env={**os.environ, "SWIFT_BACKTRACE": "enable=no"})
    assert result.returncode == 0, f"{folder.name} crashed on an input in {folder}:\n{result.stderr[-4000:]}"
