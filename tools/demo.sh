#!/usr/bin/env bash
# Builds RegVault, creates a vault in ./vault-data (or $REGVAULT_DATA) if there is none, with the
# retention policies in retention/, loads a synthetic data set, prints the signed checkpoint, the
# change history of bonus rule 123 and one regulator report filed from the records, then serves the ingest and inspector API over mutual TLS on https://127.0.0.1:8443 (or
# $REGVAULT_LISTEN) with development certificates, until Ctrl-C. With $REGVAULT_WEBHOOK, every report it
# files is delivered to that HTTPS URL (README, "Deliveries to regulators").
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
"$regvault" history --data "$data" --entity bonusRule --id 123 --format text | sed '/^v4 /,$d'
echo
echo "== the MGA daily summary of 2026-01-01, filed from these records (regvault report generate)"
"$regvault" report generate --data "$data" --template mga.b2c-daily-summary --period 2026-01-01 2>/dev/null \
  | sed 's/.*"eventId":"\([^"]*\)".*"unchanged":\([a-z]*\).*/filed as \1 (unchanged: \2)/'
"$regvault" report show --data "$data" mt-dev/mga.b2c-daily-summary/2026-01-01 --save "$data/reports" >/dev/null 2>&1
sed -n '1,40p' "$(ls -t "$data"/reports/mga.b2c-daily-summary-mt-dev-2026-01-01*.xml | head -1)"
echo
echo "== serving (regvault serve --dev); it files every closed report period by itself; stop with Ctrl-C"
exec "$regvault" serve --dev --data "$data" --listen "${REGVAULT_LISTEN:-127.0.0.1:8443}" \
  ${REGVAULT_WEBHOOK:+--regulator-webhook "$REGVAULT_WEBHOOK"}
