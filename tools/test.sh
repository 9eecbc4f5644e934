#!/usr/bin/env bash
# Runs every RegVault test: the Swift suites (unit, storage, crash and end-to-end tests against the
# real regvault binary) and the independent Python verifier, which checks the vault's proofs and
# signatures with its own code.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh

swift build --build-tests
# The Swift storage tests' PostgreSQL cluster: started here, before the tests run in parallel, and
# stopped when this script ends however it ends.
trap 'tools/postgres.sh stop .build/test-postgres' EXIT
tools/postgres.sh start .build/test-postgres >/dev/null
REGVAULT_BIN="$(swift build --show-bin-path)/regvault" python3 -m pytest -q Tests/python
timeout -k 30 1800 swift test   # a hung test fails the run here rather than running out the clock
FUZZ_JOBS=2 tools/fuzz.sh 10   # every fuzz target for 10 s (two at a time); tools/fuzz.sh 600 for a long run
