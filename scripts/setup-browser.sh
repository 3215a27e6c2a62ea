#!/usr/bin/env bash
# Installs, when missing, what the YASGUI page and the browser tests need from Debian:
#   scripts/setup-browser.sh node       Node.js and npm (for `npm ci` in `make setup`)
#   scripts/setup-browser.sh [chromium] headless Chromium at /usr/bin/chromium (for `make test`)
# Idempotent: does nothing when the tools are already there. Needs root (or sudo) only when it
# has something to install. Browsers are never downloaded by npm: playwright-core drives this
# Debian chromium.
set -euo pipefail

what="${1:-chromium}"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@";
  elif command -v sudo >/dev/null 2>&1; then sudo "$@";
  else echo "setup-browser.sh: need root (or sudo) to run: $*" >&2; exit 1; fi
}

apt_install() {
  # Try with the package lists as they are; on a clean machine (no lists) or stale lists
  # (404 on download), refresh them once and try again.
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"; then
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"
  fi
}

case "$what" in
  node)
    if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then exit 0; fi
    echo "setup-browser.sh: installing Node.js and npm (Debian packages)"
    apt_install nodejs npm
    ;;
  chromium)
    if [ -x /usr/bin/chromium ]; then exit 0; fi
    echo "setup-browser.sh: installing headless Chromium (Debian package chromium)"
    # fonts-liberation: readable text in the screenshots of tests/artefacts/.
    apt_install chromium fonts-liberation
    ;;
  *)
    echo "usage: $0 [node|chromium]" >&2; exit 2 ;;
esac
