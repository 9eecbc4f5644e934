#!/usr/bin/env bash
# Builds RegVault, creates a vault in ./vault-data (or $REGVAULT_DATA) if there is none, with the
# retention policies in retention/, loads a synthetic data set, prints the signed checkpoint and the
# change history of bonus rule 123, then serves the ingest and inspector API over mutual TLS on https://127.0.0.1:8443 (or
# $REGVAULT_LISTEN) with development certificates, until Ctrl-C.
# Running it again is safe: the same records are recognised as already stored.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh

swift build --product regvault
regvault="$(swift build --show-bin-path)/regvault"
data="${REGVAULT_DATA:-./vault-data}"

if [ ! -f "$data/vault.sqlite" ]; then
  "$regvault" init --data "$data" --origin "${REGVAULT_ORIGIN:-demo.regvault.local/log}" --retention retention >/dev/null
fi
"$regvault" generate --count "${REGVAULT_DEMO_RECORDS:-20000}" --seed 1 | "$regvault" append --data "$data" - >/dev/null

echo "== verifier key (regvault keys public)"
"$regvault" keys public --data "$data"
echo
echo "== latest signed checkpoint (regvault checkpoint)"
"$regvault" checkpoint --data "$data"
echo
echo "== history of bonusRule 123, first 3 versions (regvault history --entity bonusRule --id 123)"
"$regvault" history --data "$data" --entity bonusRule --id 123 | sed -n '1,3p'
echo
echo "== serving (regvault serve --dev); stop with Ctrl-C"
exec "$regvault" serve --dev --data "$data" --listen "${REGVAULT_LISTEN:-127.0.0.1:8443}"
