#!/usr/bin/env bash
# The Python end-to-end tests against vaults kept in PostgreSQL: every vault a test makes goes into
# a fresh database of a private cluster (tools/regvault-on-postgres), and everything else runs as in
# tools/test.sh. Too long for the test command; its results are recorded in RELIABILITY.md.
#
#   tools/test-e2e-postgres.sh [PYTEST ARGUMENTS]      # default: Tests/python but the migration test
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
swift build
bin="$(swift build --show-bin-path)"
work="$(mktemp -d /tmp/regvault-e2e-postgres-XXXXXX)"
chmod 755 "$work"   # the server runs as its own user when started as root
trap 'tools/postgres.sh stop "$work/cluster" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
tools/postgres.sh start "$work/cluster" >/dev/null
# The tests find the other executables beside REGVAULT_BIN: link them there.
mkdir "$work/bin"
for executable in "$bin"/regvault-*; do [[ -x $executable && -f $executable ]] && ln -s "$executable" "$work/bin/"; done
ln -s "$PWD/tools/regvault-on-postgres" "$work/bin/regvault"
export REGVAULT_REAL_BIN="$bin/regvault" REGVAULT_E2E_CLUSTER="$work/cluster" REGVAULT_BIN="$work/bin/regvault"
# test_postgres_migrate.py needs a vault in SQLite to move, which this wrapper never makes.
if [[ $# -eq 0 ]]; then set -- Tests/python --deselect Tests/python/test_postgres_migrate.py; fi
python3 -m pytest -q "$@"
