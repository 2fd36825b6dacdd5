# The mesh sections of bench/run-bench.sh (sourced, not run): two-hop delegation beside one hop,
# the cost of a heartbeat write with 1000 nodes in mesh.json, and the time from a new node's
# start to its agents being usable from another node, per discovery mode. See README.md.
# shellcheck shell=bash disable=SC2034  # MESH_PID and the TSVs are read by run-bench.sh
# Uses run-bench.sh's RUN, RIVETD, RIVETCTL, CERTS, CELL, WARM, READY_TIMEOUT and bench-lib.sh.
# Every node runs from its own config in $RUN/mesh and is stopped by its pid (MESH_PID).

declare -A MESH_PID=() MESH_PORT=()
MESH_HOST=127.0.0.1 # the nodes' listen and advertise address (the mDNS runs use their namespace's)
CLIENT_WRAP=()      # prefix of every client command (the mDNS runs: ip netns exec <node-a's>)
MDNS_PREFIX=""      # namespaces of the mDNS runs while they exist (run-bench.sh's cleanup)

msay() { echo "run-bench: mesh: $*" >&2; }

# mesh_config FILE NAME PORT STORAGE AGENT LOG_LEVEL [MESH_EXTRA]: a node at MESH_HOST hosting
# one echo agent under the id AGENT; MESH_EXTRA is YAML appended inside `mesh:` (indented by two).
mesh_config() {
  cat >"$1" <<YAML
# bench/mesh-lib.sh: node $2 of the benchmark's mesh
mesh:
  enabled: true
  node_name: $2
  advertise_host: $MESH_HOST
  listen_host: $MESH_HOST
  agent_channel_port: $3
  storage_dir: $4
  heartbeat_interval_ms: $MESH_HB_MS
  tls:
    ca_path: $CERTS/chain.pem
    cert_path: $CERTS/$2.fullchain.pem
    key_path: $CERTS/$2.key
${7:-}
log:
  level: $6
agents:
  $5:
    plugin: echo
YAML
}

# mesh_start KEY CONFIG [WRAPPER...]: starts rivetd in the background (log: $RUN/mesh/KEY.log,
# log times in UTC), through WRAPPER if given (it must exec, as `ip netns exec` and env do); the
# bash time just before exec goes to $RUN/mesh/KEY.exec. Sets MESH_PID[KEY].
mesh_start() {
  local key=$1 config=$2
  shift 2
  (
    echo "$EPOCHREALTIME" >"$RUN/mesh/$key.exec"
    TZ=UTC exec "$@" "$RIVETD" --config "$config" >"$RUN/mesh/$key.log" 2>&1
  ) &
  MESH_PID[$key]=$!
}

mesh_stop() {
  [[ -z ${MESH_PID[$1]:-} ]] || stop_pid "${MESH_PID[$1]}"
  unset "MESH_PID[$1]"
}

# mesh_ready NAME HOST:PORT OUT: waits (up to READY_TIMEOUT s) for a 2xx to GET /api/mesh/ping
# from node NAME; the poller's JSON (ready_unix_us: when it was answered) goes to OUT.
mesh_ready() {
  "${CLIENT_WRAP[@]}" "$RIVETCTL" bench --wait-ready --timeout "$READY_TIMEOUT" --json \
    --url "https://$2/api/mesh/ping" --name "$1.mesh" --cert "$CERTS/client.fullchain.pem" \
    --key "$CERTS/client.key" --ca "$CERTS/chain.pem" >"$3" 2>&1
}

# REPLY = epoch microseconds from bash's $EPOCHREALTIME text (in FILE, or given).
epoch_us() {
  local t=$1
  [[ ! -f $t ]] || t=$(<"$t")
  t=${t/[.,]/}
  REPLY=$((10#$t))
}

# mesh_poll_send CONFIG AGENT TIMEOUT_S: runs `rivetctl --config CONFIG send AGENT x` every
# ~20 ms until it succeeds. REPLY = "<start of the successful attempt> <its end> <attempts>" in
# epoch µs, or empty on timeout.
mesh_poll_send() {
  local t0 t1 deadline n=0
  epoch_us "$EPOCHREALTIME"
  deadline=$((REPLY + $3 * 1000000))
  REPLY=""
  while :; do
    t0=$EPOCHREALTIME
    n=$((n + 1))
    if "${CLIENT_WRAP[@]}" "$RIVETCTL" --config "$1" send "$2" x --timeout 2000 >/dev/null 2>&1; then
      t1=$EPOCHREALTIME
      epoch_us "$t0"
      t0=$REPLY
      epoch_us "$t1"
      REPLY="$t0 $REPLY $n"
      return 0
    fi
    epoch_us "$EPOCHREALTIME"
    [[ $REPLY -lt $deadline ]] || break
    sleep 0.02
  done
  REPLY=""
  return 1
}

# --- 1. delegation: one hop (client -> node-b) beside two (client -> node-a -> node-b) ----------
# hops.tsv: path c rps p50 p99 errors answered ticks_a ticks_b unfinished oldest_ms anon_a_kb
# first_error (anon_a_kb: node-a's RssAnon after the cell)
# mesh_hop_cell PATH C: one cell; PATH one (to node-b), two or two-big (to node-a).
mesh_hop_cell() {
  local path=$1 c=$2 a=hop-a name=node-a out url args cpa cpb row k anon T=$'\t'
  [[ $path != one ]] || a=hop-b name=node-b
  msay "delegation: $path, c=$c"
  out=$RUN/mesh/hops-$path-$c.json
  url="https://127.0.0.1:${MESH_PORT[$a]}/api/message"
  args=(--url "$url" --name "$name.mesh" --cert "$CERTS/client.fullchain.pem"
    --key "$CERTS/client.key" --ca "$CERTS/chain.pem" --method POST --body "$MESSAGE_BODY"
    --concurrency "$c" --duration "$CELL" --warmup "$WARM" --json)
  cpu_ticks "${MESH_PID[hop-a]}"
  cpa=$REPLY
  cpu_ticks "${MESH_PID[hop-b]}"
  cpb=$REPLY
  "$RIVETCTL" bench "${args[@]}" >"$out" 2>"$out.err" || true
  [[ -s $out ]] || echo '{"first_error":"rivetctl bench printed nothing; see its .err"}' >"$out"
  json_load "$out"
  row="$path$T$c"
  for k in rps p50_us p99_us errors answered_total; do
    json_get $k
    row+="$T$REPLY"
  done
  cpu_ticks "${MESH_PID[hop-a]}"
  row+="$T$((REPLY - cpa))"
  cpu_ticks "${MESH_PID[hop-b]}"
  row+="$T$((REPLY - cpb))"
  for k in unfinished oldest_unfinished_ms; do
    json_get $k
    row+="$T$REPLY"
  done
  rss_kb "${MESH_PID[hop-a]}"
  read -r _ anon <<<"$REPLY"
  row+="$T$anon"
  json_get first_error
  row+="$T$REPLY"
  echo "$row" >>"$RUN/mesh/hops.tsv"
}

mesh_hops() {
  local storage=$RUN/mesh/shared c
  mkdir -p "$storage"
  MESH_PORT[hop-a]=$(free_port)
  MESH_PORT[hop-b]=$(free_port)
  mesh_config "$RUN/mesh/hop-a.yaml" node-a "${MESH_PORT[hop-a]}" "$storage" alpha warn
  mesh_config "$RUN/mesh/hop-b.yaml" node-b "${MESH_PORT[hop-b]}" "$storage" echo warn
  printf 'path\tc\trps\tp50\tp99\terrors\tanswered\tticks_a\tticks_b\tunfinished\toldest_ms\tanon_a_kb\tfirst_error\n' >"$RUN/mesh/hops.tsv"
  msay "delegation: node-a (agent alpha) and node-b (agent echo) on 127.0.0.1:${MESH_PORT[hop-a]} and :${MESH_PORT[hop-b]}, one mesh.json"
  mesh_start hop-b "$RUN/mesh/hop-b.yaml"
  mesh_start hop-a "$RUN/mesh/hop-a.yaml"
  if ! mesh_ready node-b "127.0.0.1:${MESH_PORT[hop-b]}" "$RUN/mesh/hop-b.ready" ||
    ! mesh_ready node-a "127.0.0.1:${MESH_PORT[hop-a]}" "$RUN/mesh/hop-a.ready"; then
    MESH_NOTES+=("delegation: not measured (a node did not answer its ping within ${READY_TIMEOUT} s; logs: $RUN/mesh/hop-*.log)")
    mesh_stop hop-a
    mesh_stop hop-b
    return 0
  fi
  # node-b online in node-a's view of mesh.json, then one delegation through node-a answered.
  for _ in $(seq 1 100); do
    "$RIVETCTL" --config "$RUN/mesh/hop-a.yaml" list 2>/dev/null |
      awk '$1 == "online" && $2 == "node-b" { up = 1 } END { exit !up }' && break
    sleep 0.05
  done
  if ! mesh_poll_send "$RUN/mesh/hop-a.yaml" echo 10; then
    MESH_NOTES+=("delegation: not measured (node-a never delegated echo to node-b within 10 s; logs: $RUN/mesh/hop-*.log)")
    mesh_stop hop-a
    mesh_stop hop-b
    return 0
  fi
  for c in 1 32; do
    mesh_hop_cell one "$c"
    mesh_hop_cell two "$c"
  done
  # The same two hops once mesh.json also lists MESH_HB_NODES other nodes (written under the
  # registry lock, so the nodes' heartbeats keep them); node-a's view of it (app/MeshView) is
  # rebuilt within 250 ms.
  if [[ -x $RUN/bin/registry_heartbeat_bench ]] &&
    "$RUN/bin/registry_heartbeat_bench" --populate "$storage" --nodes "$MESH_HB_NODES" \
      >"$RUN/mesh/populate.log" 2>&1; then
    sleep 0.6
    for c in 1 32; do mesh_hop_cell two-big "$c"; done
  else
    MESH_NOTES+=("delegation with $MESH_HB_NODES nodes in mesh.json: not measured (registry_heartbeat_bench --populate: $(tail -1 "$RUN/mesh/populate.log" 2>/dev/null || echo 'not built'))")
  fi
  mesh_stop hop-a
  mesh_stop hop-b
}

# --- 2. one heartbeat write with 1000 nodes in mesh.json ----------------------------------------
# heartbeat.tsv: one line of registry_heartbeat_bench's JSON per storage folder
mesh_heartbeat() {
  local bench=$RUN/bin/registry_heartbeat_bench dir
  : >"$RUN/mesh/heartbeat.jsonl"
  if [[ ! -x $bench ]]; then
    MESH_NOTES+=("heartbeat: not available (registry_heartbeat_bench not built in $BUILD/bin: cmake --build build --target registry_heartbeat_bench)")
    return 0
  fi
  # The figure is for a real disk, the one the repository is on; /dev/shm (tmpfs) beside it
  # shows what is left without the fsyncs.
  dir=$RUN
  [[ $(stat -f -c %T "$dir") != tmpfs ]] || dir=$TOP
  for d in "$dir" /dev/shm; do
    [[ -d $d && -w $d ]] || continue
    [[ $d != /dev/shm || $(stat -f -c %T "$d") == tmpfs ]] || continue
    msay "heartbeat: $MESH_HB_NODES nodes, $MESH_HB_BEATS ticks in $d"
    if ! "$bench" --dir "$d" --nodes "$MESH_HB_NODES" --beats "$MESH_HB_BEATS" --json \
      >>"$RUN/mesh/heartbeat.jsonl" 2>"$RUN/mesh/heartbeat.err"; then
      MESH_NOTES+=("heartbeat in $d: failed ($(head -1 "$RUN/mesh/heartbeat.err"))")
    fi
  done
}

# --- 3. from a new node's start to its agents being usable from another node -------------------
# discovery.tsv: mode run exec_us ready_us learned_hms ok_start_us ok_end_us attempts
# mesh_discovery_run MODE RUN: fresh node-a, then (after a while) node-b; times until node-a can
# use node-b's agent beta. mdns: node-a in namespace MDNS_PREFIX-1, node-b in MDNS_PREFIX-2.
mesh_discovery_run() {
  local mode=$1 i=$2 d="$RUN/mesh/$1-$2" pa pb ha=127.0.0.1 hb=127.0.0.1 extra_a="" extra_b=""
  local learned settle poller exec_us ready_us ok wrap_a=() wrap_b=() T=$'\t'
  mkdir -p "$d/storage-a" "$d/storage-b"
  pa=$(free_port)
  pb=$(free_port)
  learned="\[Discovery\] Peer verified: node-b "
  case $mode in
  static)
    extra_a="  discovery:
    mode: static
  peers:
    - {name: node-a, host: 127.0.0.1, port: $pa}
    - {name: node-b, host: 127.0.0.1, port: $pb}"
    extra_b=$extra_a
    ;;
  seed)
    extra_b="  discovery:
    mode: seed
    seed_host: 127.0.0.1
    seed_port: $pa"
    learned="\[AgentChannel\] Mesh join: node-b "
    ;;
  mdns)
    ha=$MDNS_SUBNET.1 hb=$MDNS_SUBNET.2
    extra_a="  discovery:
    mode: mdns"
    extra_b=$extra_a
    wrap_a=(ip netns exec "$MDNS_PREFIX-1" env "DBUS_SYSTEM_BUS_ADDRESS=$MDNS_BUS_1")
    wrap_b=(ip netns exec "$MDNS_PREFIX-2" env "DBUS_SYSTEM_BUS_ADDRESS=$MDNS_BUS_2")
    ;;
  esac
  MESH_HOST=$ha mesh_config "$d/a.yaml" node-a "$pa" "$d/storage-a" alpha info "$extra_a"
  MESH_HOST=$hb mesh_config "$d/b.yaml" node-b "$pb" "$d/storage-b" beta info "$extra_b"
  mesh_start "$mode-$i-a" "$d/a.yaml" "${wrap_a[@]}"
  if ! mesh_ready node-a "$ha:$pa" "$d/a.ready"; then
    MESH_NOTES+=("$mode run $i: node-a did not answer its ping within ${READY_TIMEOUT} s (log: $RUN/mesh/$mode-$i-a.log)")
    mesh_stop "$mode-$i-a"
    return 0
  fi
  # node-a has run for a while (a static peer that is down is retried with a backoff that
  # reaches the heartbeat interval after ~1.75 s); node-b starts at a random phase of that.
  settle=$((2000 + RANDOM % MESH_HB_MS))
  sleep "$((settle / 1000)).$(printf '%03d' $((settle % 1000)))"
  mesh_ready node-b "$hb:$pb" "$d/b.ready" &
  poller=$!
  BG_PID=$poller
  sleep 0.2 # the poller is knocking before node-b starts
  mesh_start "$mode-$i-b" "$d/b.yaml" "${wrap_b[@]}"
  mesh_poll_send "$d/a.yaml" beta 15 || true
  ok=$REPLY
  wait "$poller" || true
  BG_PID=""
  mesh_stop "$mode-$i-b"
  mesh_stop "$mode-$i-a"
  epoch_us "$RUN/mesh/$mode-$i-b.exec"
  exec_us=$REPLY
  json_load "$d/b.ready"
  json_get ready_unix_us
  ready_us=$REPLY
  learned=$(grep -m1 -E "$learned" "$RUN/mesh/$mode-$i-a.log" | cut -d' ' -f1 || true)
  [[ -n $ok ]] || MESH_NOTES+=("$mode run $i: beta never became usable from node-a within 15 s (logs: $RUN/mesh/$mode-$i-*.log)")
  read -r -a ok <<<"${ok:-- - -}"
  echo "$mode$T$i$T$exec_us$T${ready_us:--}$T${learned:--}$T${ok[0]}$T${ok[1]}$T${ok[2]}" >>"$RUN/mesh/discovery.tsv"
}

mesh_discovery() {
  local mode i
  printf 'mode\trun\texec_us\tready_us\tlearned\tok_start_us\tok_end_us\tattempts\n' >"$RUN/mesh/discovery.tsv"
  for mode in static seed mdns; do
    if [[ ! -f $RUN/lib/rivet/plugins/discovery-$mode.so ]]; then
      MESH_NOTES+=("$mode: not available (discovery-$mode.so not built in $BUILD/lib/rivet/plugins)")
      [[ $mode != mdns ]] || MDNS_NOTE="mdns: not available (discovery-mdns.so not built)"
      continue
    fi
    [[ $mode != mdns ]] || mdns_up || continue
    for i in $(seq 1 "$MESH_RUNS"); do
      msay "discovery: $mode, run $i of $MESH_RUNS"
      CLIENT_WRAP=()
      [[ $mode != mdns ]] || CLIENT_WRAP=(ip netns exec "$MDNS_PREFIX-1")
      mesh_discovery_run "$mode" "$i"
    done
    CLIENT_WRAP=()
    [[ $mode != mdns ]] || mdns_down
  done
}

# mDNS needs avahi, which runs only inside network namespaces (scripts/netns-mdns.sh: two
# namespaces on a bridge, each with its own D-Bus and avahi-daemon), never in the root
# namespace, where it would announce on the machine's real network. Sets MDNS_NOTE on failure.
mdns_up() {
  local script=$TOP/scripts/netns-mdns.sh why=""
  if [[ ! -x $script ]]; then
    why="$script not found"
  elif [[ $(id -u) != 0 ]]; then
    why="network namespaces need root"
  elif ! command -v avahi-daemon >/dev/null || ! command -v dbus-daemon >/dev/null; then
    why="avahi-daemon or dbus-daemon not installed: scripts/install-deps.sh"
  fi
  if [[ -z $why ]]; then
    MDNS_PREFIX="rbench-$(($$ % 100000))"
    MDNS_SUBNET=10.77.$((($$ % 200) + 20))
    msay "mdns: namespaces $MDNS_PREFIX-1 and -2 at $MDNS_SUBNET.1-2 with avahi (scripts/netns-mdns.sh)"
    if SUBNET=$MDNS_SUBNET "$script" up "$MDNS_PREFIX" 2 >"$RUN/mesh/netns-mdns.log" 2>&1; then
      MDNS_BUS_1=$("$script" bus "$MDNS_PREFIX" 1)
      MDNS_BUS_2=$("$script" bus "$MDNS_PREFIX" 2)
      return 0
    fi
    why="scripts/netns-mdns.sh up failed: $(grep -m1 'netns-mdns:' "$RUN/mesh/netns-mdns.log" || tail -1 "$RUN/mesh/netns-mdns.log")"
    mdns_down
  fi
  MDNS_NOTE="mdns: not available ($why)"
  echo "$MDNS_NOTE"
  return 1
}

mdns_down() {
  [[ -n $MDNS_PREFIX ]] || return 0
  "$TOP/scripts/netns-mdns.sh" down "$MDNS_PREFIX" >>"$RUN/mesh/netns-mdns.log" 2>&1 || true
  MDNS_PREFIX=""
}

# Runs every mesh section; the report is $RUN/mesh/report.md.
mesh_sections() {
  mkdir -p "$RUN/mesh"
  MESH_NOTES=()
  MDNS_NOTE=""
  mesh_hops
  mesh_heartbeat
  mesh_discovery
  printf '%s\n' "${MESH_NOTES[@]}" >"$RUN/mesh/notes.txt"
  awk -F'\t' -v hb="$MESH_HB_MS" -v cell="$CELL" -v warm="$WARM" -v tick="$(getconf CLK_TCK)" \
    -v mdns="$MDNS_NOTE" -v bignodes="$MESH_HB_NODES" -f "$TOP/bench/mesh-report.awk" \
    "$RUN/mesh/hops.tsv" "$RUN/mesh/heartbeat.jsonl" "$RUN/mesh/discovery.tsv" \
    "$RUN/mesh/notes.txt" >"$RUN/mesh/report.md"
}
