#!/usr/bin/env bash
# Installs what building and testing RegVault needs, and nothing that is already there.
# Safe to run any number of times. Needs root (or sudo) only when something is missing.
set -euo pipefail

# libzstd-dev: zstd, which compresses the records' stored columns. libhpdf-dev: libharu, which
# writes the reports' PDF files; poppler-utils (pdftotext) and prometheus (promtool) check reports
# and their alert rules in the tests.
# chromium, chromium-driver and libnss3-tools (certutil, pk12util) run the console's tests in a real
# browser holding a client certificate; debootstrap makes the bare Debian system in which the
# standalone verifier is tested (tools/build-verifier.sh installs the static libraries it links).
# curl and openssh-client are also how the vault sends e-mail and SFTP deliveries; openssh-server
# is the SFTP server the delivery tests start on a high port.
debian_packages=(libsqlite3-dev libssl-dev libarchive-dev zlib1g-dev libzstd-dev libhpdf-dev poppler-utils prometheus openssl curl python3 tar gzip zstd
                 binutils chromium chromium-driver libnss3-tools debootstrap openssh-client openssh-server)
"$(dirname "$0")/install-debian-packages.sh" "${debian_packages[@]}"

# The independent verifier tests use Python with pytest, cryptography, jsonpatch, and pyyaml with
# openapi-spec-validator for the API document; the sandbox's example client uses requests.
if ! python3 -c 'import pytest, cryptography, jsonpatch, yaml, openapi_spec_validator, requests' 2>/dev/null; then
  echo "setup: installing pytest, cryptography, jsonpatch, pyyaml, openapi-spec-validator and requests for Python" >&2
  # pip where Python allows it; Debian's packages where Python is the system's (PEP 668).
  if ! python3 -m pip install -q pytest cryptography jsonpatch pyyaml openapi-spec-validator requests 2>/dev/null; then
    sudo_cmd=""
    [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq python3-pytest python3-cryptography python3-jsonpatch python3-yaml python3-openapi-spec-validator python3-requests >/dev/null
  fi
fi

# The regulator contract tests use pact-python (its wheel carries the Pact core library, so nothing
# is downloaded when the tests run) and the live API tests use schemathesis. Debian packages
# neither: pip, and where Python is the system's (PEP 668), pip told to install beside it.
if ! python3 -c 'import schemathesis; from pact import Pact, Verifier, generate, match' 2>/dev/null; then
  echo "setup: installing pact-python and schemathesis for Python" >&2
  python_packages=("pact-python>=4.2,<5" "schemathesis>=4.32,<5")
  python3 -m pip install -q "${python_packages[@]}" 2>/dev/null \
    || python3 -m pip install -q --break-system-packages "${python_packages[@]}"
fi

# The console's browser tests drive Chromium with Selenium (pointed at Debian's chromedriver, so it
# downloads nothing).
if ! python3 -c 'import selenium' 2>/dev/null; then
  echo "setup: installing selenium for Python" >&2
  python3 -m pip install -q "selenium>=4.20,<5" 2>/dev/null || python3 -m pip install -q --break-system-packages "selenium>=4.20,<5"
fi

# The report tests validate XML against the regulators' schemas with xmlschema (PDFs are read back
# with poppler's pdftotext).
if ! python3 -c 'import xmlschema' 2>/dev/null; then
  echo "setup: installing xmlschema for Python" >&2
  python3 -m pip install -q "xmlschema>=3,<5" 2>/dev/null || python3 -m pip install -q --break-system-packages "xmlschema>=3,<5"
fi

# The e-mail deliveries are received by a real SMTP server with STARTTLS and AUTH: aiosmtpd.
if ! python3 -c 'import aiosmtpd' 2>/dev/null; then
  echo "setup: installing aiosmtpd for Python" >&2
  python3 -m pip install -q "aiosmtpd>=1.4,<2" 2>/dev/null || python3 -m pip install -q --break-system-packages "aiosmtpd>=1.4,<2"
fi

# The S3 endpoint's tests and benchmark are clients as operators run them: boto3 and the AWS CLI.
if ! python3 -c 'import boto3' 2>/dev/null || ! command -v aws >/dev/null; then
  echo "setup: installing boto3 and the AWS CLI for Python" >&2
  python3 -m pip install -q "boto3>=1.34" awscli 2>/dev/null || python3 -m pip install -q --break-system-packages "boto3>=1.34" awscli
fi

command -v swift >/dev/null || { echo "setup: Swift 6 is required (swift not on PATH)" >&2; exit 1; }
