#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed at /usr/bin/chromium for the browser tests (test/e2e).
# As root it installs it with apt-get; otherwise it prints the command and fails.
# Playwright's own browser download is not used: CI reaches only the npm and Debian registries.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-chromium: $CHROMIUM is missing; the browser tests need it. Install it as root with:" >&2
  echo "  apt-get update && apt-get install -y chromium" >&2
  exit 1
fi

echo "ensure-chromium: $CHROMIUM is missing — installing Debian's chromium (takes a few minutes)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
"$CHROMIUM" --version 2>/dev/null || { echo "ensure-chromium: chromium installed but $CHROMIUM does not run" >&2; exit 1; }
