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
