#!/usr/bin/env bash
# Installs the Debian packages named on the command line that are not installed yet, and nothing
# else; prints what it installs, prefixed by $INSTALL_LABEL (default "setup"). Needs root (or sudo)
# only when something is missing. tools/setup.sh and tools/build-verifier.sh use it.
set -euo pipefail
missing=()
for package in "$@"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "${INSTALL_LABEL:-setup}: installing ${missing[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
