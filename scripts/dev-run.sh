#!/usr/bin/env bash
# `make run`: mints a development CA and the `dev` node certificate under var/ca (once), then
# starts node `dev` in the foreground on 127.0.0.1:3000 with the echo agent. Ctrl-C stops it.
set -euo pipefail
build=${1:-build}
config=${2:-config/examples/dev.yaml}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
ctl="$build/bin/rivetctl"
ca=(--dir var/ca --root-dir var/ca-root)
mkdir -p var/dev
if [[ ! -f var/ca/intermediate/ca-chain.pem ]]; then
  "$ctl" ca init "${ca[@]}" >/dev/null
  echo "rivet-mesh: created a development CA in var/ca (root key in var/ca-root)"
fi
if [[ ! -f var/ca/issued/dev.crt ]]; then
  "$ctl" ca issue dev --ip 127.0.0.1 "${ca[@]}" >/dev/null
  echo "rivet-mesh: issued var/ca/issued/dev.crt (CN=dev, SAN dev.mesh, 127.0.0.1)"
fi
cat <<INFO
rivet-mesh: starting node dev with $config (Ctrl-C stops it). In another terminal:
  $ctl --config $config ping
  curl --cacert var/ca/intermediate/ca-chain.pem --cert var/ca/issued/dev.crt --key var/ca/issued/dev.key https://127.0.0.1:3000/api/mesh/ping
  curl --cacert var/ca/intermediate/ca-chain.pem --cert var/ca/issued/dev.crt --key var/ca/issued/dev.key -d '{"fromAgent":"me","message":"hello"}' https://127.0.0.1:3000/api/message
INFO
exec "$build/bin/rivetd" --config "$config"
