#!/usr/bin/env bash
# Instructions (and syscalls) per request of rivetd's agent channel beside nginx, counted instead
# of timed: stable on a shared, noisy machine (bench/README.md). Each server runs under callgrind;
# after a warm-up its counters are zeroed, `rivetctl bench --requests N` sends N requests and the
# counters are dumped. With --strace the servers also run natively under `strace -c -f`.
# Usage: bench/instr-count.sh [--requests N] [--concurrency C] [--build DIR] [--only rivetd|nginx]
#   [--modes "ka-ping ka-message new resume"] [--strace | --strace-only] [--keep]
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$TOP/build
REQUESTS=2000
CONC=32
ONLY=""
MODES="ka-ping ka-message new resume"
STRACE=0
CALLGRIND=1
KEEP=0
MESSAGE_BODY='{"fromAgent":"bench","toAgent":"echo","message":"hello"}'
usage() { sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
  case $1 in
  --requests) REQUESTS=${2:?--requests needs N} && shift ;;
  --concurrency) CONC=${2:?--concurrency needs C} && shift ;;
  --build) BUILD=$(cd "${2:?--build needs DIR}" && pwd) && shift ;;
  --only) ONLY=${2:?--only needs rivetd or nginx} && shift ;;
  --modes) MODES=${2:?--modes needs a list} && shift ;;
  --strace) STRACE=1 ;;
  --strace-only) STRACE=1 && CALLGRIND=0 ;;
  --keep) KEEP=1 ;;
  -h | --help) usage && exit 0 ;;
  *) echo "instr-count: unknown option '$1'" >&2 && usage >&2 && exit 2 ;;
  esac
  shift
done
for t in valgrind callgrind_control nginx cc; do
  command -v $t >/dev/null || {
    echo "instr-count: $t not found (apt-get install valgrind; scripts/install-bench-deps.sh for nginx)" >&2
    exit 1
  }
done
[[ $STRACE == 0 ]] || command -v strace >/dev/null || {
  echo "instr-count: strace not found (apt-get install strace)" >&2
  exit 1
}
RIVETD=$BUILD/bin/rivetd
RIVETCTL=$BUILD/bin/rivetctl
[[ -x $RIVETD && -x $RIVETCTL ]] || {
  echo "instr-count: $RIVETD or $RIVETCTL not built (cmake --build $BUILD)" >&2
  exit 1
}
# shellcheck source=bench/bench-lib.sh
source "$TOP/bench/bench-lib.sh"

RUN=$(mktemp -d /tmp/rivet-instr.XXXXXX)
SRV=""
STRACE_PID=""
cleanup() {
  [[ -z $STRACE_PID ]] || { kill -INT "$STRACE_PID" 2>/dev/null && wait "$STRACE_PID" 2>/dev/null; } || true
  [[ -z $SRV ]] || stop_pid "$SRV"
  if [[ $KEEP == 1 ]]; then echo "instr-count: kept $RUN" >&2; else rm -rf "$RUN"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$TOP/bench/gen-certs.sh" "$RUN/certs" >/dev/null
cc -shared -fPIC -O2 -o "$RUN/spawn-shim.so" "$TOP/bench/instr-spawn-shim.c" -ldl
CERTS=$RUN/certs
TLS_ARGS=(--cert "$CERTS/client.fullchain.pem" --key "$CERTS/client.key" --ca "$CERTS/chain.pem"
  --name bench.mesh)

# nginx as in bench/nginx.conf.template, but one process (no master, one worker): callgrind and
# strace then see all of its work. rivetd as in bench/rivetd.yaml.template.
nginx_conf() {
  mkdir -p "$RUN/nginx-tmp"
  sed -e "s|@RUN@|$RUN|g; s|@CERTS@|$CERTS|g; s|@PORT@|$1|g" \
    -e "s|@CONNECTIONS@|1024|g; s|@FILES@|2048|g" \
    -e "s|^worker_processes 2;|worker_processes 1;\nmaster_process off;|" \
    "$TOP/bench/nginx.conf.template" >"$RUN/nginx.conf"
}
rivetd_conf() {
  mkdir -p "$RUN/rivetd-storage"
  sed -e "s|@RUN@|$RUN|g; s|@CERTS@|$CERTS|g; s|@PORT@|$1|g" -e "s|@CONNECTIONS@|1024|g" \
    "$TOP/bench/rivetd.yaml.template" >"$RUN/rivetd.yaml"
}

# bench_args SERVER-PORT MODE: REPLY_ARGS = rivetctl bench's arguments for one mode.
bench_args() {
  REPLY_ARGS=(--url "https://127.0.0.1:$1" "${TLS_ARGS[@]}" --concurrency "$CONC" --duration 600
    --timeout 60 --json)
  case $2 in
  ka-ping) REPLY_ARGS[1]+=/api/mesh/ping ;;
  ka-message) REPLY_ARGS[1]+=/api/message && REPLY_ARGS+=(--method POST --body "$MESSAGE_BODY") ;;
  new) REPLY_ARGS[1]+=/api/mesh/ping && REPLY_ARGS+=(--new-connection) ;;
  resume) REPLY_ARGS[1]+=/api/mesh/ping && REPLY_ARGS+=(--new-connection --resume) ;;
  *) echo "instr-count: unknown mode '$2' (ka-ping ka-message new resume)" >&2 && exit 2 ;;
  esac
}

# drive PORT MODE COUNT OUT: COUNT requests; fails unless all of them were answered.
drive() {
  bench_args "$1" "$2"
  "$RIVETCTL" bench "${REPLY_ARGS[@]}" --requests "$3" >"$4" 2>"$4.err" || {
    echo "instr-count: rivetctl bench ($2) failed: $(cat "$4" "$4.err" | head -c 400)" >&2
    return 1
  }
}

# start SERVER PORT [WRAPPER...]: starts the server (under WRAPPER) and waits for its ping.
start() {
  local name=$1 port=$2
  shift 2
  if [[ $name == nginx ]]; then
    nginx_conf "$port"
    "$@" nginx -p "$RUN" -c "$RUN/nginx.conf" -e "$RUN/nginx-error.log" >"$RUN/$name.log" 2>&1 &
  else
    rivetd_conf "$port"
    INSTR_COUNT_SELF_EXE=$RIVETD LD_PRELOAD=$RUN/spawn-shim.so \
      "$@" "$RIVETD" --config "$RUN/rivetd.yaml" >"$RUN/$name.log" 2>&1 &
  fi
  SRV=$!
  "$RIVETCTL" bench --wait-ready --timeout 60 --json --url "https://127.0.0.1:$port/api/mesh/ping" \
    "${TLS_ARGS[@]}" >"$RUN/$name-ready.json" 2>&1 || {
    echo "instr-count: $name did not answer a ping within 60 s; its log:" >&2
    tail -5 "$RUN/$name.log" >&2
    exit 1
  }
}

# The "summary:" (or "totals:") line of a callgrind dump: instructions executed.
dump_total() {
  awk '/^(summary|totals):/ { print $2; exit }' "$1"
}

# counted SERVER PORT MODE COUNT: REPLY = instructions the server executed for COUNT requests
# (callgrind's counters zeroed before, dumped after).
counted() {
  local s=$1 before dump dumps
  callgrind_control --zero "$SRV" >/dev/null
  drive "$2" "$3" "$4" "$RUN/$s-$3-$4.json"
  before=$(find "$RUN" -maxdepth 1 -name "$s.cg.*" | wc -l)
  callgrind_control --dump="$3-$4" "$SRV" >/dev/null
  dump=""
  for _ in $(seq 1 100); do # written when callgrind next gets control
    mapfile -t dumps < <(ls -t "$RUN"/"$s".cg.* 2>/dev/null)
    if [[ ${#dumps[@]} -gt $before ]]; then dump=${dumps[0]} && break; fi
    sleep 0.1
  done
  [[ -n $dump ]] || { echo "instr-count: callgrind wrote no dump for $s $3" >&2 && exit 1; }
  REPLY=$(dump_total "$dump")
}

# traced SERVER PORT MODE COUNT: REPLY = syscalls the server made for COUNT requests
# (strace -c -f attached to all of its threads; the table is kept in the run's folder).
traced() {
  local out="$RUN/$1-$3-$4.strace"
  strace -c -f -q -o "$out" -p "$SRV" &
  STRACE_PID=$!
  sleep 1 # attached to every thread
  drive "$2" "$3" "$4" "$RUN/$1-$3-$4-strace.json"
  kill -INT "$STRACE_PID"
  wait "$STRACE_PID" || true
  STRACE_PID=""
  REPLY=$(awk '$NF == "total" { print $(NF-2) }' "$out")
}

# per_request FN SERVER PORT MODE: REPLY = FN's count per request. Keep-alive modes: the
# difference of a run of REQUESTS and one of 3 × REQUESTS, so that the CONC connections each run
# opens (full handshakes) are left out; the other modes make a connection per request.
per_request() {
  local fn=$1 one
  "$fn" "$2" "$3" "$4" "$REQUESTS"
  if [[ $4 == ka-* ]]; then
    one=$REPLY
    "$fn" "$2" "$3" "$4" $((3 * REQUESTS))
    REPLY=$(awk -v a="$one" -v b="$REPLY" -v n="$REQUESTS" 'BEGIN { printf "%.2f", (b - a) / (2 * n) }')
  else
    REPLY=$(awk -v t="$REPLY" -v n="$REQUESTS" 'BEGIN { printf "%.2f", t / n }')
  fi
}

declare -A IR SYS
SERVERS=(nginx rivetd)
[[ -z $ONLY ]] || SERVERS=("$ONLY")
for s in "${SERVERS[@]}"; do
  if [[ $CALLGRIND == 1 ]]; then
    port=$(free_port)
    echo "instr-count: $s under callgrind on 127.0.0.1:$port" >&2
    start "$s" "$port" valgrind --tool=callgrind --callgrind-out-file="$RUN/$s.cg.%p" \
      --dump-instr=no --collect-jumps=no
    for m in $MODES; do
      drive "$port" "$m" 200 "$RUN/$s-$m-warm.json" # sessions, caches and buffers settle
      per_request counted "$s" "$port" "$m"
      IR[$s,$m]=${REPLY%.*}
      echo "instr-count: $s $m: ${IR[$s,$m]} instructions/request" >&2
    done
    stop_pid "$SRV"
    SRV=""
  fi
  if [[ $STRACE == 1 ]]; then
    port=$(free_port)
    echo "instr-count: $s under strace -c -f on 127.0.0.1:$port" >&2
    start "$s" "$port"
    for m in $MODES; do
      drive "$port" "$m" 200 "$RUN/$s-$m-warm.json"
      per_request traced "$s" "$port" "$m"
      SYS[$s,$m]=$REPLY
      echo "instr-count: $s $m: ${SYS[$s,$m]} syscalls/request" >&2
    done
    stop_pid "$SRV"
    SRV=""
  fi
done

printf '\n%s requests per mode, concurrency %s (rivetctl bench --requests)\n\n' "$REQUESTS" "$CONC"
echo '| mode | server | instructions/request | syscalls/request |'
echo '| --- | --- | ---: | ---: |'
ratio() { awk -v r="$1" -v n="$2" 'BEGIN { if (r == "" || n == "" || n == 0) print "-"; else printf "%.2f×", r / n }'; }
for m in $MODES; do
  for s in "${SERVERS[@]}"; do
    echo "| $m | $s | ${IR[$s,$m]:--} | ${SYS[$s,$m]:--} |"
  done
  if [[ ${#SERVERS[@]} == 2 ]]; then
    echo "| $m | rivetd ÷ nginx | $(ratio "${IR[rivetd,$m]:-}" "${IR[nginx,$m]:-}") | $(ratio "${SYS[rivetd,$m]:-}" "${SYS[nginx,$m]:-}") |"
  fi
done
