#!/usr/bin/env bash
# Makes a development certificate authority, a server certificate for localhost / 127.0.0.1 / ::1,
# and a client certificate for each RegVault role, with openssl. For development and tests only:
# production certificates come from the operator's own CA.
#
#   certs/make-dev-certs.sh [OUTDIR]        (default: certs/dev)
#
# OUTDIR gets, as PEM files (keys mode 0600, never committed):
#   ca.pem, ca.key                          the development CA
#   server.pem, server.key                  CN=localhost, SAN localhost, 127.0.0.1, ::1; serverAuth
#   ROLE.pem, ROLE.key                      CN=ROLE, clientAuth, for ROLE in ingest, regulator_read,
#                                           compliance_officer, admin
#   other-ca.pem, other-ca.key              a second, unrelated CA
#   other-ca-client.pem, other-ca-client.key  CN=regulator_read signed by the other CA (must be refused)
# Files that already exist are kept, so running it again changes nothing.
set -euo pipefail
out="${1:-$(dirname "$0")/dev}"
days=825
roles=(ingest regulator_read compliance_officer admin)
mkdir -p "$out"
umask 077

key() {  # key FILE
  [ -f "$1" ] || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
  chmod 600 "$1"
}

ca() {  # ca NAME COMMON_NAME
  key "$out/$1.key"
  [ -f "$out/$1.pem" ] || openssl req -x509 -new -key "$out/$1.key" -sha256 -days "$days" -subj "/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$out/$1.pem"
}

leaf() {  # leaf NAME COMMON_NAME CA EXTENSIONS
  local name=$1 cn=$2 issuer=$3 extensions=$4
  key "$out/$name.key"
  [ -f "$out/$name.pem" ] && return
  openssl req -new -key "$out/$name.key" -subj "/CN=$cn" -out "$out/$name.csr"
  openssl x509 -req -in "$out/$name.csr" -CA "$out/$issuer.pem" -CAkey "$out/$issuer.key" -CAcreateserial \
    -days "$days" -sha256 -extfile <(printf '%s\n' "$extensions") -out "$out/$name.pem" 2>/dev/null
  rm -f "$out/$name.csr"
}

ca ca "RegVault development CA"
ca other-ca "Unrelated development CA"
leaf server localhost ca "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1"
for role in "${roles[@]}"; do
  leaf "$role" "$role" ca "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
done
leaf other-ca-client regulator_read other-ca "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
rm -f "$out"/*.srl
echo "development certificates in $out" >&2
