#!/usr/bin/env bash
# Runs the concurrent test suites under ThreadSanitizer: the parallel map, the ingest pipeline and
# group commit, audit answers built on every core, export, the sandbox's ticks, and the server end
# to end. Builds into .build-tsan (a separate folder; the first build takes several minutes).
#   tools/tsan.sh                 # the default concurrent suites
#   tools/tsan.sh 'FILTER'        # any swift test --filter expression
# Exits non-zero if a test fails or ThreadSanitizer reports anything (halt_on_error).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
filter="${1:-ParallelMapTests|LogWriterTests|CommitFailureTests|AuditTrailTests|EntityHistoryTests|ExportArchiveTests|SandboxLogTests|ServerTests|ObjectAndHoldServerTests|SandboxServerTests}"
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
swift build --build-tests --sanitize=thread --scratch-path .build-tsan
# The end-to-end suites start the regvault binary of the same build, so it runs under TSan too.
swift test --skip-build --sanitize=thread --scratch-path .build-tsan --filter "$filter"
