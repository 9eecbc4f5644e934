#!/usr/bin/env bash
# Runs every RegVault test: the Swift suites (unit, storage, crash and end-to-end tests against the
# real regvault binary) and the independent Python verifier, which checks the vault's proofs and
# signatures with its own code.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh

swift build --build-tests
REGVAULT_BIN="$(swift build --show-bin-path)/regvault" python3 -m pytest -q Tests/python
swift test
FUZZ_JOBS=2 tools/fuzz.sh 10   # every fuzz target for 10 s (two at a time); tools/fuzz.sh 600 for a long run
