#!/usr/bin/env bash
# Makes Debian's chromium available to the web UI browser test (WebUiBrowserTest) when it can:
# already there -> nothing to do; running as root with apt-get -> install the `chromium` package;
# otherwise say so (the test then reports itself skipped). Never fails the build; never downloads a
# browser build of its own (Playwright's download is switched off).
set -u
BIN="${1:-/usr/bin/chromium}"
if [ -x "$BIN" ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: $BIN missing; installing Debian's chromium package (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  if timeout 900 apt-get update -qq && timeout 900 apt-get install -y -qq --no-install-recommends chromium >/dev/null; then
    [ -x "$BIN" ] && { echo "ensure-chromium: $("$BIN" --version 2>/dev/null)"; exit 0; }
  fi
  echo "ensure-chromium: could not install chromium; the browser test will be skipped"
  exit 0
fi
echo "ensure-chromium: $BIN missing and not root with apt-get: install chromium (Debian: apt-get install chromium)" \
     "or pass -Ddms.chromium=/path; the browser test will be skipped"
exit 0
