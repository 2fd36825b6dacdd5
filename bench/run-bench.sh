#!/usr/bin/env bash
# One-command benchmark of rivetd's agent channel side by side with nginx (mutual TLS, tiny
# JSON answers): requests/s, latency, server CPU per request, RSS, start-up time, 10,000 idle
# connections, slow-loris; then the mesh: delegation over two hops, a heartbeat write with 1000
# nodes, discovery times. See README.md.
set -euo pipefail
export LC_ALL=C

usage() {
  cat <<'TXT'
usage: bench/run-bench.sh [--quick] [--only channel|mesh|idle|slowloris] [--seconds S]
                          [--build DIR] [--no-rivetd] [--idle-conns N] [--slowloris N]
                          [--mesh-runs N] [--heartbeat-ms MS] [--out FILE] [--keep]

  --quick          1 s per cell, 2,000 handshakes for the memory check, 2,000 idle connections,
                   3 discovery runs per mode (about 4 minutes; the default run takes about 7)
  --only channel   only the agent channel beside nginx (about 5 minutes)
  --only idle      the servers' start-up and the idle-connections section alone
  --only slowloris the servers' start-up and the slow-loris section alone
  --only mesh      only the mesh sections: two-hop delegation, heartbeat write with 1000 nodes,
                   discovery times (about 2 minutes; with --quick about 1.5)
  --seconds S      measured seconds per cell (default 3)
  --build DIR      build tree with bin/rivetctl, bin/rivetd, bin/registry_heartbeat_bench
                   (default: <repo>/build)
  --no-rivetd      channel section: measure nginx only
  --idle-conns N   idle authenticated connections held open at once (default 10000; 0: skip)
  --slowloris N    slow-loris connections beside the legitimate client (default 1000; 0: skip)
  --mesh-runs N    discovery runs per mode; the report gives the median (default 5)
  --heartbeat-ms M mesh.heartbeat_interval_ms of the mesh sections' nodes (default 1000)
  --message-body J JSON body for POST /api/message
                   (default {"fromAgent":"bench","toAgent":"echo","message":"hello"})
  --out FILE       also write the report (Markdown) to FILE
  --keep           keep the run's temporary folder (certificates, configs, logs, raw JSON)
TXT
}

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$TOP/build
CELL=3
WARM=0.5
HANDSHAKES=10000
HS_CAP=45 # seconds per half of the memory check, so that a slow server cannot stretch the run
WITH_RIVETD=1
OUT=""
KEEP=0
MESSAGE_BODY='{"fromAgent":"bench","toAgent":"echo","message":"hello"}'
READY_TIMEOUT=5
ONLY=""
MESH_RUNS=5
MESH_HB_MS=1000
MESH_HB_NODES=1000
MESH_HB_BEATS=200
IDLE_CONNS=10000
IDLE_GIVEN=0
HOLD_THREADS=4     # the held connections' handshakes come from this many client threads
OPEN_WINDOW=64     # connections being opened at once (below rivetd's per-address handshake cap)
HOLD_OPEN_CAP=45   # seconds per server to open the idle connections (~20 s at ~600 handshakes/s)
LORIS=1000
LORIS_SOURCES=127.0.0.2-127.0.0.11 # ten addresses: no per-address cap applies to the attack
LORIS_TRICKLE_MS=500
while [[ $# -gt 0 ]]; do
  case $1 in
  --quick) CELL=1 WARM=0.2 HANDSHAKES=2000 HS_CAP=15 MESH_RUNS=3 HOLD_OPEN_CAP=30
    [[ $IDLE_GIVEN == 1 ]] || IDLE_CONNS=2000 ;;
  --only)
    ONLY=${2:?--only needs channel, mesh, idle or slowloris} && shift
    [[ $ONLY =~ ^(channel|mesh|idle|slowloris)$ ]] || {
      echo "run-bench: --only channel, mesh, idle or slowloris" >&2 && exit 2
    }
    ;;
  --idle-conns) IDLE_CONNS=${2:?--idle-conns needs a number} IDLE_GIVEN=1 && shift ;;
  --slowloris) LORIS=${2:?--slowloris needs a number} && shift ;;
  --mesh-runs) MESH_RUNS=${2:?--mesh-runs needs a number} && shift ;;
  --heartbeat-ms) MESH_HB_MS=${2:?--heartbeat-ms needs milliseconds} && shift ;;
  --seconds) CELL=${2:?--seconds needs a number} && shift ;;
  --build) BUILD=$(cd "${2:?--build needs a folder}" && pwd) && shift ;;
  --no-rivetd) WITH_RIVETD=0 ;;
  --message-body) MESSAGE_BODY=${2:?--message-body needs JSON} && shift ;;
  --out) OUT=${2:?--out needs a file} && shift ;;
  --keep) KEEP=1 ;;
  -h | --help) usage && exit 0 ;;
  *) echo "run-bench: unknown option '$1'" >&2 && usage >&2 && exit 2 ;;
  esac
  shift
done

[[ $MESH_RUNS =~ ^[1-9][0-9]*$ && $MESH_HB_MS =~ ^[1-9][0-9]*$ ]] || {
  echo "run-bench: --mesh-runs and --heartbeat-ms need positive whole numbers" >&2
  exit 2
}
[[ $IDLE_CONNS =~ ^[0-9]+$ && $LORIS =~ ^[0-9]+$ ]] || {
  echo "run-bench: --idle-conns and --slowloris need whole numbers (0 skips the section)" >&2
  exit 2
}
# Which parts run: the matrix (with the memory check), idle connections, slow-loris, the mesh.
CHANNEL=1 MESH=1 MATRIX=1 IDLE=1 SLOW=1
case $ONLY in
mesh) CHANNEL=0 ;;
channel) MESH=0 ;;
idle) MESH=0 MATRIX=0 SLOW=0 ;;
slowloris) MESH=0 MATRIX=0 IDLE=0 ;;
esac
[[ $IDLE_CONNS -gt 0 ]] || IDLE=0
[[ $LORIS -gt 0 ]] || SLOW=0
# The held connections, the slow-loris ones and the cells beside them need file descriptors in
# this process's children (the load generator raises its soft limit to the hard one itself).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
FD_HARD=$(ulimit -Hn)
if [[ $FD_HARD != unlimited && $IDLE == 1 && $((IDLE_CONNS + 200)) -gt $FD_HARD ]]; then
  echo "run-bench: the open-file hard limit is $FD_HARD: idle connections reduced from $IDLE_CONNS to $((FD_HARD - 200))" >&2
  IDLE_CONNS=$((FD_HARD - 200))
fi
# Connections each server must allow at once: the held ones, the slow-loris ones, the cells'.
SERVER_CONNS=$((IDLE_CONNS > LORIS ? IDLE_CONNS : LORIS))
SERVER_CONNS=$((SERVER_CONNS + 1024 > 20000 ? SERVER_CONNS + 1024 : 20000))
[[ -x $BUILD/bin/rivetctl ]] || {
  echo "run-bench: $BUILD/bin/rivetctl not found; build it: cmake -S . -B build && cmake --build build" >&2
  exit 2
}
[[ $CHANNEL == 0 ]] || command -v nginx >/dev/null || {
  echo "run-bench: nginx not found; install it with scripts/install-bench-deps.sh (or run --only mesh)" >&2
  exit 2
}
command -v ss >/dev/null || {
  echo "run-bench: ss (iproute2) not found; install it with scripts/install-bench-deps.sh" >&2
  exit 2
}

# shellcheck source=bench/bench-lib.sh
source "$TOP/bench/bench-lib.sh"
# shellcheck source=bench/mesh-lib.sh
source "$TOP/bench/mesh-lib.sh"

RUN=$(mktemp -d /tmp/rivet-bench.XXXXXX)
BG_PID=""   # the one load generator or poller running in the background, if any
HOLD_PID="" # the holder of the idle or slow-loris connections, while a section runs
declare -A SRV_PID=() STARTUP_MS=() STARTUP_ALL=() PORT=() IDLE_RSS=() LOAD_RSS=() HS_RSS=()
cleanup() {
  local p
  for p in "${SRV_PID[@]}" "${MESH_PID[@]}" $BG_PID $HOLD_PID; do stop_pid "$p"; done
  mdns_down # the mDNS runs' namespaces, D-Bus and avahi-daemons, if still up
  if [[ $KEEP == 1 ]]; then echo "run-bench: kept $RUN"; else rm -rf "$RUN"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "run-bench: $*" >&2; }

# Copies of the binaries (rivetd with its plugins, found at ../lib/rivet/plugins), so that a
# rebuild of the build tree during the run cannot swap them out underneath.
mkdir -p "$RUN/bin" "$RUN/lib"
cp "$BUILD/bin/rivetctl" "$RUN/bin/"
RIVETCTL=$RUN/bin/rivetctl
RIVETD=$RUN/bin/rivetd
if [[ -x $BUILD/bin/rivetd ]]; then
  cp "$BUILD/bin/rivetd" "$RUN/bin/"
  [[ ! -d $BUILD/lib/rivet ]] || cp -r "$BUILD/lib/rivet" "$RUN/lib/"
fi
[[ ! -x $BUILD/bin/registry_heartbeat_bench ]] || cp "$BUILD/bin/registry_heartbeat_bench" "$RUN/bin/"
read -r LOAD_BEFORE _ </proc/loadavg
"$TOP/bench/gen-certs.sh" "$RUN/certs" bench client node-a node-b
CERTS=$RUN/certs
TLS_ARGS=(--cert "$CERTS/client.fullchain.pem" --key "$CERTS/client.key" --ca "$CERTS/chain.pem"
  --name bench.mesh)
SERVERS=()

# Starts `rivetctl bench` with ARGS in the background as HOLD_PID (its report goes to
# $RUN/NAME.json) and waits for its ready file; false (with a note) when it exits first or is
# not ready in time.
# Usage: start_holder NAME WAIT_SECONDS ARGS...
start_holder() {
  local name=$1 wait=$2
  shift 2
  rm -f "$RUN/$name.ready"
  "$RIVETCTL" bench "$@" --ready-file "$RUN/$name.ready" --json >"$RUN/$name.json" 2>"$RUN/$name.err" &
  HOLD_PID=$!
  wait_file "$RUN/$name.ready" "$wait" "$HOLD_PID" && return 0
  say "$name: not ready after $wait s: $(tail -1 "$RUN/$name.err" 2>/dev/null)"
  return 1
}
stop_holder() { # asks the holder to report (SIGUSR1) and waits for it
  kill -USR1 "$HOLD_PID" 2>/dev/null || true
  wait "$HOLD_PID" 2>/dev/null || true
  HOLD_PID=""
}

# IDLE_CONNS authenticated keep-alive connections (one answered ping each) held open per
# server; with all of them open: the server's RSS and ping cells on extra connections.
# Appends to hold.tsv and cells.tsv (mode "held").
idle_section() {
  local s c vm0 an0 vm an row k T=$'\t'
  for s in "${SERVERS[@]}"; do
    say "$s: opening $IDLE_CONNS idle authenticated connections ($HOLD_THREADS threads, $OPEN_WINDOW at a time)"
    rss_kb "${SRV_PID[$s]}"
    read -r vm0 an0 <<<"$REPLY"
    vm="" an="" REPLY=""
    if start_holder "$s-hold" $((HOLD_OPEN_CAP + 15)) \
      --url "https://127.0.0.1:${PORT[$s]}/api/mesh/ping" "${TLS_ARGS[@]}" --hold "$IDLE_CONNS" \
      --threads $HOLD_THREADS --open-window $OPEN_WINDOW --open-seconds $HOLD_OPEN_CAP \
      --hold-seconds $((HOLD_OPEN_CAP + 120)) --timeout 10; then
      sleep 1 # the last handshakes' buffers settle
      rss_kb "${SRV_PID[$s]}"
      read -r vm an <<<"$REPLY"
      for c in 1 4; do
        say "cell: ping beside $IDLE_CONNS idle connections c=$c ($s)"
        run_cell "$s" ping held "$c"
      done
    fi
    stop_holder
    json_load "$RUN/$s-hold.ready" # how many were open when the RSS was sampled
    json_get held
    row="$s$T$IDLE_CONNS$T$REPLY"
    json_load "$RUN/$s-hold.json"
    for k in held requests errors closed_by_server not_started open_s p50_us p99_us; do
      json_get $k
      row+="$T$REPLY"
    done
    json_get first_error
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$row" "$vm0" "$an0" "$vm" "$an" "$REPLY" >>"$RUN/hold.tsv"
  done
}

# LORIS slow-loris connections from LORIS_SOURCES, trickling their TLS handshake, then (a second
# round) a request head after a full handshake; a legitimate keep-alive client on 127.0.0.1
# beside them. Servers take turns per round. Appends to loris.tsv and cells.tsv ("loris-*").
loris_section() {
  local s t c row k T=$'\t'
  for t in handshake head; do
    for s in "${SERVERS[@]}"; do
      say "$s: $LORIS slow-loris connections trickling their $t from $LORIS_SOURCES"
      if start_holder "$s-loris-$t" 45 --url "https://127.0.0.1:${PORT[$s]}/api/mesh/ping" \
        "${TLS_ARGS[@]}" --slowloris "$LORIS" --trickle "$t" --trickle-ms $LORIS_TRICKLE_MS \
        --source $LORIS_SOURCES --open-window $OPEN_WINDOW --open-seconds 30 --hold-seconds 180; then
        for c in 1 8; do
          say "cell: ping beside $LORIS slow-loris connections ($t) c=$c ($s)"
          run_cell "$s" ping "loris-$t" "$c"
        done
      fi
      stop_holder
      json_load "$RUN/$s-loris-$t.json"
      row="$s$T$t$T$LORIS"
      for k in open_mean open_min opened handshakes closed_by_server lifetime_p50_ms errors first_error; do
        json_get $k
        row+="$T$REPLY"
      done
      echo "$row" >>"$RUN/loris.tsv"
    done
  done
}

# The agent channel beside nginx: start-up, memory across handshakes, the matrix, idle
# connections, slow-loris. Fills cells.tsv, servers.tsv, hold.tsv and loris.tsv; bench/report.awk
# reads them.
channel_sections() {
  # --- nginx -----------------------------------------------------------------------------------
  PORT[nginx]=$(free_port)
  mkdir -p "$RUN/nginx-tmp"
  sed -e "s|@RUN@|$RUN|g; s|@CERTS@|$CERTS|g; s|@PORT@|${PORT[nginx]}|g" \
    -e "s|@CONNECTIONS@|$SERVER_CONNS|g; s|@FILES@|$((SERVER_CONNS + 1024))|g" \
    "$TOP/bench/nginx.conf.template" >"$RUN/nginx.conf"
  say "starting nginx on 127.0.0.1:${PORT[nginx]}"
  if ! start_server nginx "${PORT[nginx]}" nginx -p "$RUN" -c "$RUN/nginx.conf" -e "$RUN/nginx-error.log"; then
    say "nginx did not answer GET /api/mesh/ping within ${READY_TIMEOUT} s: $(cat "$RUN/nginx-ready.json")"
    tail -5 "$RUN/nginx.log" "$RUN/nginx-error.log" >&2 || true
    exit 1
  fi
  SERVERS+=(nginx)

  # --- rivetd ----------------------------------------------------------------------------------
  RIVETD_NOTE=""
  if [[ $WITH_RIVETD == 1 && -x $RIVETD ]]; then
    PORT[rivetd]=$(free_port)
    mkdir -p "$RUN/rivetd-storage"
    sed -e "s|@RUN@|$RUN|g; s|@CERTS@|$CERTS|g; s|@PORT@|${PORT[rivetd]}|g" \
      -e "s|@CONNECTIONS@|$SERVER_CONNS|g" "$TOP/bench/rivetd.yaml.template" >"$RUN/rivetd.yaml"
    # A rivetd from before mesh.channel ignores the section (a warning) or refuses it: then it
    # runs on its own limits and timeouts, without the section, and the report says so.
    if ! "$RIVETD" --config "$RUN/rivetd.yaml" --check-config >"$RUN/rivetd-check.log" 2>&1 &&
      grep -q channel "$RUN/rivetd-check.log"; then
      sed -i '/# channel-begin/,/# channel-end/d' "$RUN/rivetd.yaml"
      CHANNEL_NOTE="rivetd refused mesh.channel, so it ran without it: $(grep -m1 channel "$RUN/rivetd-check.log" | cut -c1-200)"
    elif grep -q "unknown key mesh.channel" "$RUN/rivetd-check.log"; then
      sed -i '/# channel-begin/,/# channel-end/d' "$RUN/rivetd.yaml"
      CHANNEL_NOTE="this rivetd does not know mesh.channel (unknown key): its own connection limits and idle timeout applied"
    fi
    [[ -z $CHANNEL_NOTE ]] || say "note: $CHANNEL_NOTE"
    say "starting rivetd on 127.0.0.1:${PORT[rivetd]}"
    if start_server rivetd "${PORT[rivetd]}" "$RIVETD" --config "$RUN/rivetd.yaml"; then
      SERVERS+=(rivetd)
      grep -q "Agent channel listening on" "$RUN/rivetd.log" ||
        say "note: rivetd answers but did not log 'Agent channel listening on' (log level warn?)"
    else
      if kill -0 "${SRV_PID[rivetd]}" 2>/dev/null; then
        why="no answer to GET /api/mesh/ping within ${READY_TIMEOUT} s"
        grep -q "Agent channel listening on" "$RUN/rivetd.log" && why="$why (it logged 'Agent channel listening on')"
      else
        wait "${SRV_PID[rivetd]}" && rc=0 || rc=$?
        why="it exited with status $rc"
      fi
      json_load "$RUN/rivetd-ready.json"
      json_get last_error
      RIVETD_NOTE="rivetd: not available ($why; last error: ${REPLY:-none})"
      echo "$RIVETD_NOTE"
      tail -3 "$RUN/rivetd.log" | sed 's/^/  rivetd log: /' >&2 || true
      stop_pid "${SRV_PID[rivetd]}"
      unset 'SRV_PID[rivetd]'
    fi
  elif [[ $WITH_RIVETD == 1 ]]; then
    RIVETD_NOTE="rivetd: not available ($BUILD/bin/rivetd not built)"
    echo "$RIVETD_NOTE"
  else
    RIVETD_NOTE="rivetd: not measured (--no-rivetd)"
  fi

  sleep 1
  for s in "${SERVERS[@]}"; do
    rss_kb "${SRV_PID[$s]}"
    IDLE_RSS[$s]=$REPLY
  done

  TICK=$(getconf CLK_TCK)
  printf 'server\tendpoint\tmode\tc\trps\tp50\tp99\terrors\tconns\taccepted\tanswered\tticks\thandshakes\tresumed\tunfinished\toldest_ms\tfirst_error\n' >"$RUN/cells.tsv"
  HALF_CELL=$(awk -v w="$WARM" -v c="$CELL" 'BEGIN { print w + c / 2 }')
  run_cell() { # server endpoint mode concurrency; appends one row to cells.tsv
    local s=$1 ep=$2 mode=$3 c=$4 out="$RUN/$1-$2-$3-$4.json" args cpu0 po0 bp vm anon lvm lanon k row T=$'\t'
    args=(--url "https://127.0.0.1:${PORT[$s]}" "${TLS_ARGS[@]}" --concurrency "$c"
      --duration "$CELL" --warmup "$WARM" --json)
    if [[ $ep == ping ]]; then args[1]+=/api/mesh/ping; else
      args[1]+=/api/message
      args+=(--method POST --body "$MESSAGE_BODY")
    fi
    # held, loris-*: keep-alive cells beside the idle or slow-loris connections
    case $mode in new) args+=(--new-connection) ;; resume) args+=(--new-connection --resume) ;; esac
    cpu_ticks "${SRV_PID[$s]}"
    cpu0=$REPLY
    passive_opens
    po0=$REPLY
    "$RIVETCTL" bench "${args[@]}" >"$out" 2>"$out.err" &
    bp=$!
    BG_PID=$bp
    sleep "$HALF_CELL"
    rss_kb "${SRV_PID[$s]}"
    read -r vm anon <<<"$REPLY"
    wait "$bp" || true
    BG_PID=""
    if [[ $mode =~ ^(keepalive|new|resume)$ ]]; then # "under load" is the matrix's figure
      read -r lvm lanon <<<"${LOAD_RSS[$s]:-0 0}"
      LOAD_RSS[$s]="$((vm > lvm ? vm : lvm)) $((anon > lanon ? anon : lanon))"
    fi
    [[ -s $out ]] || echo '{"first_error":"rivetctl bench printed nothing; see its .err"}' >"$out"
    json_load "$out"
    row="$s$T$ep$T$mode$T$c"
    for k in rps p50_us p99_us errors connections; do
      json_get $k
      row+="$T$REPLY"
    done
    passive_opens
    row+="$T$((REPLY - po0))"
    json_get answered_total
    row+="$T$REPLY"
    cpu_ticks "${SRV_PID[$s]}"
    row+="$T$((REPLY - cpu0))"
    for k in handshakes resumed unfinished oldest_unfinished_ms first_error; do
      json_get $k
      row+="$T$REPLY"
    done
    echo "$row" >>"$RUN/cells.tsv"
  }
  printf 'server\tconns\tready_held\theld\tanswered\terrors\tclosed\tnot_started\topen_s\tp50\tp99\tbefore_vm\tbefore_anon\theld_vm\theld_anon\tfirst_error\n' >"$RUN/hold.tsv"
  printf 'server\ttrickle\tconns\topen_mean\topen_min\topened\thandshakes\tclosed\tlife_p50_ms\trefused\tfirst_error\n' >"$RUN/loris.tsv"

  if [[ $MATRIX == 1 ]]; then
    # --- memory across handshakes: RSS after each half of HANDSHAKES (each capped at HS_CAP s)
    for s in "${SERVERS[@]}"; do
      say "$s: $HANDSHAKES full handshakes for the memory check"
      HS_RSS[$s]=""
      for half in 1 2; do
        "$RIVETCTL" bench --url "https://127.0.0.1:${PORT[$s]}/api/mesh/ping" "${TLS_ARGS[@]}" \
          --new-connection --concurrency 8 --requests $((HANDSHAKES / 2)) --duration $HS_CAP --json \
          >"$RUN/$s-handshakes-$half.json" || true
        rss_kb "${SRV_PID[$s]}"
        HS_RSS[$s]="${HS_RSS[$s]} $REPLY"
      done
    done

    # --- the matrix: endpoints x modes x concurrency, servers taking turns ----------------------
    for ep in ping message; do
      for mode in keepalive new resume; do
        for c in 1 8 32; do
          say "cell: $ep $mode c=$c (${SERVERS[*]})"
          for s in "${SERVERS[@]}"; do run_cell "$s" "$ep" "$mode" "$c"; done
        done
      done
    done
  fi
  [[ $IDLE == 0 ]] || idle_section
  [[ $SLOW == 0 ]] || loris_section

  # the servers are done: stop them so that the mesh sections have the CPUs to themselves
  printf 'server\tstartup_ms\tstartup_all\tidle_vm\tidle_anon\tload_vm\tload_anon\ths1_vm\ths1_anon\ths2_vm\ths2_anon\ths_rps\ths1_n\ths2_n\n' >"$RUN/servers.tsv"
  for s in "${SERVERS[@]}"; do
    read -r hv1 ha1 hv2 ha2 <<<"${HS_RSS[$s]:-}"
    json_load "$RUN/$s-handshakes-1.json"
    json_get handshakes
    hn1=$REPLY
    json_load "$RUN/$s-handshakes-2.json"
    json_get handshakes
    hn2=$((hn1 + REPLY))
    json_get rps
    # shellcheck disable=SC2086 # IDLE_RSS and LOAD_RSS hold two fields each: VmRSS RssAnon
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "${STARTUP_MS[$s]}" \
      "${STARTUP_ALL[$s]}" ${IDLE_RSS[$s]} ${LOAD_RSS[$s]:-0 0} "$hv1" "$ha1" "$hv2" "$ha2" "$REPLY" \
      "$hn1" "$hn2" >>"$RUN/servers.tsv"
  done
  for s in "${SERVERS[@]}"; do
    stop_pid "${SRV_PID[$s]}"
    unset "SRV_PID[$s]"
  done
}

# --- report ------------------------------------------------------------------------------------
RIVETD_NOTE="" CHANNEL_NOTE=""
[[ $CHANNEL == 0 ]] || channel_sections
[[ $MESH == 0 ]] || mesh_sections
{
  echo "## Run of $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), kernel $(uname -r)"
  if [[ $CHANNEL == 1 ]]; then
    echo "- nginx $(nginx -v 2>&1 | cut -d/ -f2) (2 workers), $(openssl version | cut -d' ' -f1-2); ECDSA P-256 chain, client certificate required"
  else
    echo "- $(openssl version | cut -d' ' -f1-2); ECDSA P-256 chain, client certificate required"
  fi
  echo "- ${CELL} s measured per cell after ${WARM} s warm-up; \`rivetctl bench\` (one epoll thread) on the same CPUs"
  echo "- 1-minute load average before the run: $LOAD_BEFORE, after it: $(cut -d' ' -f1 /proc/loadavg) (near 0 on an otherwise idle machine; other work on the CPUs skews every figure)"
  [[ -z $RIVETD_NOTE ]] || echo "- $RIVETD_NOTE"
  [[ -z $CHANNEL_NOTE ]] || echo "- $CHANNEL_NOTE"
  if [[ $CHANNEL == 1 ]]; then
    echo
    awk -F'\t' -v tick="$TICK" -v planned="$HANDSHAKES" -v matrix="$MATRIX" -v idle="$IDLE" \
      -v slow="$SLOW" -v hold_threads="$HOLD_THREADS" -v window="$OPEN_WINDOW" \
      -v sources="$LORIS_SOURCES" -v trickle_ms="$LORIS_TRICKLE_MS" -f "$TOP/bench/report.awk" \
      "$RUN/cells.tsv" "$RUN/servers.tsv" "$RUN/hold.tsv" "$RUN/loris.tsv"
  fi
  if [[ $MESH == 1 ]]; then
    echo
    cat "$RUN/mesh/report.md"
  fi
} >"$RUN/report.md"
cat "$RUN/report.md"
[[ -z $OUT ]] || cp "$RUN/report.md" "$OUT"
