#!/usr/bin/env bash
# What the A2A interoperability tests need (docs/a2a.md, "Tests"): node and npm (apt), and the
# real A2A SDK with the server pieces its examples use, pinned, installed into the build folder
# (<build>/a2a-test/node_modules, never committed). Tests that need them say so and fail when
# they are missing. Usage: scripts/install-a2a-test-deps.sh [build-folder]
set -euo pipefail
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
[[ $build == /* ]] || build="$top/$build"
A2A_SDK_VERSION=1.3.0
EXPRESS_VERSION=5.3.0
UNDICI_VERSION=6.29.1

missing=()
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-a2a-test-deps: missing ${missing[*]}; run as root or: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

dest="$build/a2a-test"
want="@a2a-js/sdk@$A2A_SDK_VERSION express@$EXPRESS_VERSION undici@$UNDICI_VERSION"
if [[ -f $dest/installed ]] && [[ $(cat "$dest/installed") == "$want" ]]; then
  exit 0
fi
mkdir -p "$dest"
echo '{"name":"rivet-a2a-test","private":true,"type":"module"}' >"$dest/package.json"
# shellcheck disable=SC2086 # $want is the list of pinned packages
if ! npm install --prefix "$dest" --no-audit --no-fund --save-exact $want >"$dest/npm.log" 2>&1; then
  echo "install-a2a-test-deps: npm install of $want failed (log: $dest/npm.log);" \
    "the A2A tests need the npm registry" >&2
  tail -5 "$dest/npm.log" >&2
  exit 1
fi
echo "$want" >"$dest/installed"
