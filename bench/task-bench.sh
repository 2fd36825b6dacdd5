#!/usr/bin/env bash
# Benchmark of the task API (docs/protocol.md "Tasks"): a task whose agent reports 1,000
# progress events, submitted and streamed end to end (beside the same task through
# /api/message), and 1,000 concurrent idle event streams on one node (rivetd's RSS and CPU
# before, while they are held, and after). See README.md.
set -euo pipefail
export LC_ALL=C

usage() {
  cat <<'TXT'
usage: bench/task-bench.sh [--build DIR] [--events N] [--streams N] [--runs N] [--hold S]
                           [--out FILE] [--keep]

  --build DIR   build tree with bin/rivetd (default: <repo>/build)
  --events N    progress events the streamed task reports (default 1000)
  --runs N      streamed tasks; the report gives the median (default 5)
  --streams N   idle event streams held at once (default 1000)
  --hold S      seconds the idle streams are held while rivetd's CPU is measured (default 10)
  --out FILE    also write the report (Markdown) to FILE
  --keep        keep the run's temporary folder (certificates, config, log)
TXT
}

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$TOP/build
EVENTS=1000
RUNS=5
STREAMS=1000
HOLD=10
OUT=""
KEEP=0
while [[ $# -gt 0 ]]; do
  case $1 in
  --build) BUILD=$(cd "${2:?--build needs a folder}" && pwd) && shift ;;
  --events) EVENTS=${2:?--events needs a number} && shift ;;
  --runs) RUNS=${2:?--runs needs a number} && shift ;;
  --streams) STREAMS=${2:?--streams needs a number} && shift ;;
  --hold) HOLD=${2:?--hold needs seconds} && shift ;;
  --out) OUT=${2:?--out needs a file} && shift ;;
  --keep) KEEP=1 ;;
  -h | --help) usage && exit 0 ;;
  *) echo "task-bench: unknown option $1 (see --help)" >&2 && exit 2 ;;
  esac
  shift
done
for n in "$EVENTS" "$RUNS" "$STREAMS" "$HOLD"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "task-bench: $n is not a positive number" >&2 && exit 2; }
done
[[ -x $BUILD/bin/rivetd ]] || { echo "task-bench: no $BUILD/bin/rivetd; build first" >&2 && exit 1; }
command -v python3 >/dev/null || { echo "task-bench: needs python3 (scripts/install-bench-deps.sh)" >&2 && exit 1; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

RUN=$(mktemp -d "${TMPDIR:-/tmp}/rivet-task-bench.XXXXXX")
PID=""
cleanup() {
  if [[ -n $PID ]] && kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID" && wait "$PID" 2>/dev/null || true
  fi
  [[ $KEEP == 1 ]] && echo "task-bench: kept $RUN" >&2 || rm -rf "$RUN"
}
trap cleanup EXIT

"$TOP/bench/gen-certs.sh" "$RUN/certs" bench client >/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$RUN/rivet.yaml" <<YAML
mesh:
  enabled: true
  node_name: bench
  listen_host: 127.0.0.1
  agent_channel_port: $PORT
  storage_dir: $RUN/storage
  state_dir: $RUN/state
  max_chain_depth: 3
  tls:
    ca_path: $RUN/certs/chain.pem
    cert_path: $RUN/certs/bench.fullchain.pem
    key_path: $RUN/certs/bench.key
  channel:
    max_connections: $((STREAMS + 256))
    idle_timeout_ms: 120000
tasks:
  max_running: 64
  keepalive_ms: 1000
  progress_per_second: 100000
  progress_burst: 100000
log:
  level: warn
agents:
  chatter:
    plugin: command
    argv: ['/bin/sh', '-c', 'seq $EVENTS >&2; echo done']
  sleeper:
    plugin: command
    argv: ['/bin/sh', '-c', 'exec sleep 600']
YAML
mkdir -p "$RUN/storage" "$RUN/state"
"$BUILD/bin/rivetd" --config "$RUN/rivet.yaml" >"$RUN/rivetd.log" 2>&1 &
PID=$!
for _ in $(seq 100); do # rivetd logs at warn: wait for its port
  (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break
  kill -0 "$PID" 2>/dev/null || { cat "$RUN/rivetd.log" >&2 && exit 1; }
  sleep 0.1
done

rss_kb() { awk '/^VmRSS:/ {print $2}' /proc/"$PID"/status; }
threads() { awk '/^Threads:/ {print $2}' /proc/"$PID"/status; }
cpu_ticks() { awk '{print $14 + $15}' /proc/"$PID"/stat; }
HZ=$(getconf CLK_TCK)
CLIENT=(python3 "$TOP/bench/task_stream.py" --port "$PORT" --certs "$RUN/certs")

stream=$("${CLIENT[@]}" stream --agent chatter --runs "$RUNS")

rss0=$(rss_kb)
threads0=$(threads)
exec 4> >("${CLIENT[@]}" idle --agent sleeper --streams "$STREAMS" --tasks 10 >"$RUN/idle.jsonl")
until grep -q idle-opened "$RUN/idle.jsonl" 2>/dev/null; do
  kill -0 "$PID" 2>/dev/null || { echo "task-bench: rivetd died" >&2 && exit 1; }
  sleep 0.2
done
sleep 1
rss1=$(rss_kb)
threads1=$(threads)
t0=$(cpu_ticks)
sleep "$HOLD"
t1=$(cpu_ticks)
echo close >&4
exec 4>&-
until grep -q idle-closed "$RUN/idle.jsonl" 2>/dev/null; do sleep 0.2; done
sleep 1
rss2=$(rss_kb)

field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
opened=$(grep idle-opened "$RUN/idle.jsonl")
closed=$(grep idle-closed "$RUN/idle.jsonl")
cpu_pct=$(awk -v a="$t0" -v b="$t1" -v hz="$HZ" -v s="$HOLD" 'BEGIN {printf "%.2f", (b - a) * 100 / hz / s}')
per_stream=$(awk -v a="$rss0" -v b="$rss1" -v n="$(field "$opened" streams)" 'BEGIN {printf "%.1f", (b - a) / n}')

report=$(cat <<MD
## $(date -u '+%Y-%m-%d %H:%M') UTC: the task API, \`bench/task-bench.sh\` at commit $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)

Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg).

### A task with $EVENTS progress events, submitted and streamed end to end (median of $RUNS)

| figure | value |
|---|---|
| progress events received | $(field "$stream" events) |
| submit answered after | $(field "$stream" submit_ms) ms |
| submit to the stream's end | $(field "$stream" total_ms) ms |
| events per second through the stream | $(field "$stream" events_per_s) |
| stream size | $(field "$stream" stream_bytes) bytes |
| the same task through POST /api/message (no events) | $(field "$stream" message_ms) ms |

### $STREAMS idle event streams on one node (10 sleeping tasks, keep-alive every 1 s)

| figure | value |
|---|---|
| streams held | $(field "$opened" streams) (opened in $(field "$opened" open_s) s) |
| rivetd RSS before / holding / after closing | $((rss0 / 1024)) / $((rss1 / 1024)) / $((rss2 / 1024)) MiB |
| RSS per held stream | $per_stream KiB |
| rivetd threads before / holding | $threads0 / $threads1 |
| rivetd CPU while holding them ($HOLD s) | $cpu_pct % of one core |
| keep-alive comments received | $(field "$closed" keepalives) |
MD
)
echo "$report"
[[ -z $OUT ]] || echo "$report" >"$OUT"
