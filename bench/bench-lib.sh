# Helpers for bench/run-bench.sh (sourced, not run): free ports, per-process CPU and memory from
# /proc, accepted-connection counts, reading the load generator's JSON, starting/stopping servers.
# shellcheck shell=bash disable=SC2004,SC2034  # SRV_PID etc. are run-bench.sh's associative arrays
# Process start-up is slow on some machines (~15 ms a fork here), so the helpers that run during
# the measurement use bash builtins only and return their answer in REPLY.

# A loopback TCP port no socket uses, below the ephemeral range (10000 up to it), or failure.
free_port() {
  # Below the kernel's ephemeral range: after the new-connection cells, tens of thousands of the
  # load generator's closed connections hold ports of that range in TIME_WAIT, and a listener
  # cannot bind one of those (EADDRINUSE, SO_REUSEADDR or not). Any socket on the port counts.
  local p low high
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || low=32768
  high=$((low > 20000 ? low - 1 : 49999))
  for _ in $(seq 1 200); do
    p=$((high > 20000 ? 10000 + RANDOM % (high - 10000) : 20000 + RANDOM % 30000))
    if ! ss -Htan "sport = :$p" | grep -q . && [[ " ${PORTS_TAKEN:-} " != *" $p "* ]]; then
      PORTS_TAKEN="${PORTS_TAKEN:-} $p"
      echo "$p"
      return 0
    fi
  done
  echo "run-bench: found no free loopback port below $high" >&2
  return 1
}

# REPLY = PID and its children (nginx's workers; rivetd is one process).
proc_tree() {
  local f kids=()
  REPLY="$1"
  for f in /proc/"$1"/task/*/children; do
    read -r -a kids <"$f" 2>/dev/null || true
    [[ ${#kids[@]} -eq 0 ]] || REPLY+=" ${kids[*]}"
  done
}

# REPLY = utime + stime, in clock ticks, summed over the tree of PID.
cpu_ticks() {
  local total=0 p line f
  proc_tree "$1"
  for p in $REPLY; do
    read -r line </proc/"$p"/stat 2>/dev/null || continue
    read -r -a f <<<"${line##*) }" # fields from "state" on: utime and stime are 12th and 13th
    total=$((total + f[11] + f[12]))
  done
  REPLY=$total
}

# REPLY = "VmRSS RssAnon" in kB, summed over the tree of PID.
rss_kb() {
  local vm=0 anon=0 p k v
  proc_tree "$1"
  for p in $REPLY; do
    while read -r k v _; do
      case $k in
      VmRSS:) vm=$((vm + v)) ;;
      RssAnon:) anon=$((anon + v)) ;;
      esac
    done </proc/"$p"/status 2>/dev/null || true
  done
  REPLY="$vm $anon"
}

# REPLY = connections accepted by this machine's TCP stack so far (Tcp PassiveOpens).
passive_opens() {
  local names=() values=() line i
  while read -r line; do
    [[ $line == Tcp:* ]] || continue
    if [[ ${#names[@]} -eq 0 ]]; then read -r -a names <<<"$line"; else read -r -a values <<<"$line"; fi
  done </proc/net/snmp
  for i in "${!names[@]}"; do [[ ${names[$i]} != PassiveOpens ]] || REPLY=${values[$i]}; done
}

# json_load FILE, then json_get KEY: REPLY = the value of KEY (a number, or a string without its
# quotes) in the one-line JSON object of FILE, or empty.
json_load() {
  JSON=""
  { read -r JSON <"$1"; } 2>/dev/null || true
}
json_get() {
  local re_str="\"$1\":\"([^\"]*)\"" re_num="\"$1\":([^,}\"]*)"
  if [[ $JSON =~ $re_str ]] || [[ $JSON =~ $re_num ]]; then REPLY=${BASH_REMATCH[1]}; else REPLY=""; fi
}

# start_server NAME PORT COMMAND...: starts COMMAND three times (the first two are stopped again)
# with a readiness poller already knocking (a GET /api/mesh/ping every millisecond). Each start-up
# time runs from the moment just before exec (taken in the child) to the first answered ping.
# Sets SRV_PID[NAME], STARTUP_MS[NAME] (the median) and STARTUP_ALL[NAME]; fails if a start is
# never answered.
start_server() {
  local name=$1 port=$2 i poller t0 t1 times=()
  shift 2
  for i in 1 2 3; do
    "$RIVETCTL" bench --wait-ready --timeout "$READY_TIMEOUT" --json \
      --url "https://127.0.0.1:$port/api/mesh/ping" "${TLS_ARGS[@]}" >"$RUN/$name-ready.json" 2>&1 &
    poller=$!
    BG_PID=$poller
    sleep 0.3 # the poller is loaded and knocking before the server starts
    (
      echo "$EPOCHREALTIME" >"$RUN/$name-exec-time"
      exec "$@" >"$RUN/$name.log" 2>&1
    ) &
    SRV_PID[$name]=$!
    wait "$poller" || { BG_PID="" && return 1; }
    BG_PID="" # reaped: its pid may be reused, so never signal it again
    t0=$(<"$RUN/$name-exec-time")
    json_load "$RUN/$name-ready.json"
    json_get ready_unix_us
    t1=$REPLY
    times+=("$(awk -v a="${t0/[.,]/}" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1000 }')")
    [[ $i == 3 ]] || stop_pid "${SRV_PID[$name]}"
  done
  STARTUP_ALL[$name]="${times[*]}"
  STARTUP_MS[$name]=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
}

# wait_file FILE SECONDS PID: true once FILE exists; false when PID has exited or SECONDS passed.
wait_file() {
  local end=$((SECONDS + $2))
  while [[ ! -e $1 ]]; do
    kill -0 "$3" 2>/dev/null && ((SECONDS < end)) || return 1
    sleep 0.1
  done
}

# Stops a process this script started: SIGTERM, then SIGKILL after 3 s.
stop_pid() {
  local pid=$1
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 30); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
