#!/usr/bin/env bash
# What `make test-browser` needs: Debian's headless Chromium and npm (apt), and puppeteer-core,
# pinned, installed into the build folder (<build>/browser-test/node_modules, never committed).
# Usage: scripts/install-browser-deps.sh [build-folder]
set -euo pipefail
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
[[ $build == /* ]] || build="$top/$build"
PUPPETEER_CORE_VERSION=23.11.1

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-browser-deps: missing ${missing[*]}; run as root or: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

dest="$build/browser-test"
if [[ -f $dest/node_modules/puppeteer-core/package.json ]] &&
  grep -q "\"version\": \"$PUPPETEER_CORE_VERSION\"" "$dest/node_modules/puppeteer-core/package.json"; then
  exit 0
fi
mkdir -p "$dest"
[[ -f $dest/package.json ]] || echo '{"name":"rivet-browser-test","private":true}' >"$dest/package.json"
# puppeteer-core downloads no browser: the test drives /usr/bin/chromium.
npm install --prefix "$dest" --no-audit --no-fund --save-exact "puppeteer-core@$PUPPETEER_CORE_VERSION"
