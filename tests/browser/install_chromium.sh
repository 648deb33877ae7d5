#!/usr/bin/env bash
# Headless Chromium for tests/browser, from the system's packages (Debian's `chromium`).
# Nothing downloads a browser build: Playwright is pointed at this one.
# Installs it when it is missing and this user may (root, apt-get); otherwise says
# clearly that the browser tests will be skipped (under CI=true they fail instead).
set -u
if [ -n "${SEQLABS_CHROMIUM:-}" ] || command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "browser tests: installing Debian's chromium (apt-get install chromium fonts-dejavu-core) ..."
    export DEBIAN_FRONTEND=noninteractive
    if { apt-get update -qq && apt-get install -y -qq chromium fonts-dejavu-core; } >/tmp/seqlabs-apt-chromium.log 2>&1; then
        echo "browser tests: installed $(chromium --version 2>/dev/null | head -n1)"
        exit 0
    fi
    echo "browser tests: apt-get could not install chromium (log: /tmp/seqlabs-apt-chromium.log)."
else
    echo "browser tests: chromium is missing and this user cannot install it (needs root and apt-get)."
fi
echo "browser tests: SKIPPED (tests/browser). Install the browser with: sudo apt-get install chromium"
echo "               (or set SEQLABS_CHROMIUM to a Chromium binary). Under CI=true they FAIL instead."
exit 0
