#!/usr/bin/env bash
# Failover of a vault kept in PostgreSQL, for as many rounds as asked: two nodes of one vault on a
# private cluster, the sequencer killed (SIGKILL) mid-ingest each round and the standby taking over,
# then a paused sequencer that wakes after losing its lease. Prints each round's failover seconds
# and fails if any acknowledged record is missing or moved, or `regvault check` is not intact.
#
#   tools/failover.sh [ROUNDS]        # default 100 (the test suite runs 10)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-100}"
tools/setup.sh
swift build --product regvault
REGVAULT_BIN="$(swift build --show-bin-path)/regvault" REGVAULT_FAILOVER_ROUNDS="$rounds" \
  python3 -m pytest -q -s Tests/python/test_postgres_failover.py
