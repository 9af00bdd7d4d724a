#!/usr/bin/env bash
# Install the Debian packages the project needs, if any are missing:
# liblzo2-dev to build python-lzo (a test dependency, no wheel for Linux),
# chromium and fonts for the browser tests (Playwright drives Debian's
# Chromium; it never downloads a browser of its own).
set -euo pipefail
need=()
for pkg in liblzo2-dev chromium fonts-liberation; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "zswapviz: please install these Debian packages first (as root): apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${need[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
