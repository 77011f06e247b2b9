#!/usr/bin/env bash
# Installs the Debian packages the portal needs, if they are missing.
#   scripts/system-packages.sh demo   fonts for PDFs, venv support
#   scripts/system-packages.sh test   + Chromium, poppler, zbar, gettext for the tests
set -euo pipefail
want=(fonts-noto-core)
python3 -c 'import ensurepip, venv' 2>/dev/null || want+=(python3-venv)
if [ "${1:-demo}" = "test" ]; then
  want+=(chromium poppler-utils zbar-tools gettext)
fi
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing system packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
  echo "Please install as root: apt-get install -y --no-install-recommends ${missing[*]}" >&2; exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
