#!/usr/bin/env bash
# Browser test of the status page (docs/operations-metrics.md): a three-node mesh on loopback,
# headless Chromium (Debian's) driven by puppeteer-core from <build>/browser-test. Asserts that
# the page of node alpha shows alpha, beta and gamma, then stops gamma by its pid and asserts the
# page shows it offline within the registry's timeout. Usage: tests/browser/run.sh [build-folder]
set -euo pipefail
build=${1:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
[[ $build == /* ]] || build="$top/$build"
modules="$build/browser-test/node_modules"
if ! command -v chromium >/dev/null || ! command -v node >/dev/null || [[ ! -d $modules/puppeteer-core ]]; then
  echo "browser test NOT RUN: chromium, node or puppeteer-core is missing;" \
    "run scripts/install-browser-deps.sh $build (needs apt and npm access)" >&2
  exit 2
fi
for b in rivetd rivetctl; do
  [[ -x $build/bin/$b ]] || { echo "browser test: $build/bin/$b is missing; build first" >&2; exit 2; }
done

work=$(mktemp -d /tmp/rivet-browser.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [[ ${keep:-0} == 1 ]]; then echo "logs kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

ctl="$build/bin/rivetctl"
ca=(--dir "$work/ca" --root-dir "$work/ca-root")
"$ctl" ca init "${ca[@]}" >/dev/null
mkdir -p "$work/mesh"
metrics_port=$(free_port)
for node in alpha beta gamma; do
  "$ctl" ca issue "$node" --ip 127.0.0.1 "${ca[@]}" >/dev/null
  port=$(free_port)
  {
    cat <<YAML
mesh:
  enabled: true
  node_name: $node
  advertise_host: 127.0.0.1
  listen_host: 127.0.0.1
  agent_channel_port: $port
  storage_dir: $work/mesh
  heartbeat_interval_ms: 250
  stale_threshold_ms: 1500
  tls:
    ca_path: $work/ca/intermediate/ca-chain.pem
    cert_path: $work/ca/issued/$node.crt
    key_path: $work/ca/issued/$node.key
plugins:
  dir: $build/lib/rivet/plugins
agents:
  echo-$node:
    plugin: echo
YAML
    if [[ $node == alpha ]]; then printf 'metrics:\n  enabled: true\n  port: %s\n' "$metrics_port"; fi
  } >"$work/$node.yaml"
  "$build/bin/rivetd" --config "$work/$node.yaml" >"$work/$node.log" 2>&1 &
  pids+=($!)
  eval "pid_$node=$!"
done
for node in alpha beta gamma; do
  for _ in $(seq 100); do grep -q "Node registered: $node" "$work/$node.log" && break; sleep 0.1; done
  grep -q "Node registered: $node" "$work/$node.log" || { keep=1; echo "browser test: $node did not start" >&2; cat "$work/$node.log" >&2; exit 1; }
done

# shellcheck disable=SC2154 # set by eval above
if ! NODE_PATH="$modules" timeout 100 node "$top/tests/browser/status_page.test.js" \
  "http://127.0.0.1:$metrics_port/" "$pid_gamma"; then
  keep=1
  exit 1
fi
