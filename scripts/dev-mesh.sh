#!/usr/bin/env bash
# `make mesh`: three local nodes (alpha, beta, gamma) on 127.0.0.1:3101-3103 sharing var/mesh,
# each with a command agent whose script (config/examples/mesh/) delegates through the mesh.
# Mints the development CA and the node certificates under var/ca once, writes each node's
# rivet.yaml to var/mesh/<node>.yaml, and stops all three on Ctrl-C.
set -euo pipefail
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
[[ $build == /* ]] || build="$top/$build"
ctl="$build/bin/rivetctl"
ca=(--dir var/ca --root-dir var/ca-root)
mkdir -p var/mesh var/mesh-logs
if [[ ! -f var/ca/intermediate/ca-chain.pem ]]; then
  "$ctl" ca init "${ca[@]}" >/dev/null
  echo "rivet-mesh: created a development CA in var/ca (root key in var/ca-root)"
fi
for node in alpha beta gamma; do
  [[ -f var/ca/issued/$node.crt ]] || "$ctl" ca issue "$node" --ip 127.0.0.1 "${ca[@]}" >/dev/null
done
scripts="$top/config/examples/mesh"
write_config() { # node port agent
  cat >"var/mesh/$1.yaml" <<YAML
# Node $1 of the demo mesh that \`make mesh\` starts (written by scripts/dev-mesh.sh).
mesh:
  enabled: true
  node_name: $1
  advertise_host: 127.0.0.1
  listen_host: 127.0.0.1
  agent_channel_port: $2
  storage_dir: $top/var/mesh          # mesh.json, shared by the three nodes
  heartbeat_interval_ms: 2000
  stale_threshold_ms: 6000
  tls:
    ca_path: $top/var/ca/intermediate/ca-chain.pem
    cert_path: $top/var/ca/issued/$1.crt
    key_path: $top/var/ca/issued/$1.key
agents:
  $3:
    plugin: command
    argv: ["/bin/sh", "$scripts/$3.sh"]
    env: { RIVETCTL: "$ctl" }
    timeout_ms: 30000
log:
  level: info
YAML
}
write_config alpha 3101 planner
write_config beta 3102 researcher
write_config gamma 3103 writer

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "rivet-mesh: the three nodes stopped"
}
trap stop INT TERM EXIT
for node in alpha beta gamma; do
  "$build/bin/rivetd" --config "var/mesh/$node.yaml" >"var/mesh-logs/$node.log" 2>&1 &
  pids+=($!)
done
nodes=(alpha beta gamma)
for i in 0 1 2; do # ready once each says so
  node=${nodes[$i]}
  for _ in $(seq 100); do
    grep -q "Node $node ready" "var/mesh-logs/$node.log" 2>/dev/null && break
    kill -0 "${pids[$i]}" 2>/dev/null || break
    sleep 0.1
  done
  if ! grep -q "Node $node ready" "var/mesh-logs/$node.log"; then
    echo "rivet-mesh: node $node did not start; its log:" >&2
    cat "var/mesh-logs/$node.log" >&2
    exit 1
  fi
done
cat <<INFO
rivet-mesh: nodes alpha (planner), beta (researcher) and gamma (writer) run on 127.0.0.1:3101-3103;
logs in var/mesh-logs/. Ask planner, which delegates to the other two (Ctrl-C stops all three):
  $ctl --config var/mesh/alpha.yaml send planner "the history of TLS"
  $ctl --config var/mesh/alpha.yaml list
INFO
wait -n "${pids[@]}" || true
echo "rivet-mesh: a node exited; see var/mesh-logs/" >&2
