#!/usr/bin/env bash
# Starts a development node in the foreground: `make run`. Ctrl-C stops it.
set -euo pipefail
build=${1:-build}
config=${2:-config/examples/dev.yaml}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
mkdir -p var/dev
echo "rivet-mesh: starting a development node with $config (Ctrl-C stops it)"
exec "$build/bin/rivetd" --config "$config"
