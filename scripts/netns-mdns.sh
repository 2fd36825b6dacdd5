#!/usr/bin/env bash
# Network namespaces for the mDNS tests: N namespaces on a bridge (the bridge in a namespace of
# its own, the root namespace untouched), each with a private D-Bus system bus and avahi-daemon.
# avahi never runs in the root namespace, so no multicast leaves the machine. Needs root.
#
#   netns-mdns.sh up PREFIX N          namespaces PREFIX-1..PREFIX-N at SUBNET.1..N/24 (eth0),
#                                      bridge br0 in namespace PREFIX-sw
#   netns-mdns.sh down PREFIX          kill by pid, delete namespaces and the run folder
#                                      (idempotent; safe after a failed or partial `up`)
#   netns-mdns.sh restart-avahi PREFIX I   stop avahi-daemon in namespace I and start it again
#   netns-mdns.sh stop-avahi PREFIX I      stop it (its D-Bus stays up)
#   netns-mdns.sh start-avahi PREFIX I     start it and wait until it is RUNNING
#   netns-mdns.sh bus PREFIX I             print the DBUS_SYSTEM_BUS_ADDRESS of namespace I
#
# Clients reach namespace I's avahi with DBUS_SYSTEM_BUS_ADDRESS=unix:path=RUN/I/bus (a file
# socket, usable from any namespace); run a node there with `ip netns exec PREFIX-I ...`.
# Environment: RIVET_NETNS_RUN (default /tmp/rivet-netns; the run folder is RUN/PREFIX),
# SUBNET (default 10.77.1), READY_TIMEOUT_S (default 15).
set -Eeuo pipefail

RUN_ROOT=${RIVET_NETNS_RUN:-/tmp/rivet-netns}
SUBNET=${SUBNET:-10.77.1}
READY_TIMEOUT_S=${READY_TIMEOUT_S:-15}

die() { echo "netns-mdns: $*" >&2; exit 1; }
usage() { sed -n '2,/^set -Eeuo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 2; }

check_prefix() {
  [[ "$1" =~ ^[a-z][a-z0-9-]{0,11}$ ]] ||
    die "PREFIX '$1' must be 1-12 characters of [a-z0-9-], starting with a letter"
}

# Serialises every change to /run/netns and /run/avahi-daemon between concurrent test runs.
lock() {
  mkdir -p "$RUN_ROOT"
  exec 9>"$RUN_ROOT/.lock"
  flock 9
}

ended() { # gone, or a zombie (nobody may reap it here)
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || echo gone)
  [[ "$state" == gone || "$state" == Z ]]
}

# SIGTERM to every pid given, all at once; waits for them to end, SIGKILL after 3 s.
stop_pids() {
  local pid i left
  for pid in "$@"; do
    if [[ "$pid" =~ ^[0-9]+$ ]]; then kill "$pid" 2>/dev/null || true; fi
  done
  for i in $(seq 1 60); do
    left=0
    for pid in "$@"; do
      if [[ "$pid" =~ ^[0-9]+$ ]] && ! ended "$pid"; then left=1; fi
    done
    if [[ $left == 0 ]]; then return 0; fi
    sleep 0.05
  done
  for pid in "$@"; do
    if [[ "$pid" =~ ^[0-9]+$ ]]; then kill -9 "$pid" 2>/dev/null || true; fi
  done
}

stop_pidfile() {
  local f=$1
  [[ -f "$f" ]] || return 0
  stop_pids "$(cat "$f")"
  rm -f "$f"
}

avahi_state() {
  DBUS_SYSTEM_BUS_ADDRESS="unix:path=$1/bus" dbus-send --system --print-reply=literal \
    --dest=org.freedesktop.Avahi / org.freedesktop.Avahi.Server.GetState 2>/dev/null |
    awk '{print $2}' || true
}

write_avahi_conf() {
  cat >"$1/avahi.conf" <<EOF
# avahi-daemon for one test namespace (written by netns-mdns.sh)
[server]
host-name=$2
domain-name=local
use-ipv4=yes
use-ipv6=no
allow-interfaces=eth0
enable-dbus=yes
ratelimit-interval-usec=1000000
ratelimit-burst=1000
[wide-area]
enable-wide-area=no
[publish]
publish-hinfo=no
publish-workstation=no
publish-aaaa-on-ipv4=no
[reflector]
[rlimits]
EOF
}

# avahi-daemon inside namespace NS: `ip netns exec` gives it a private mount namespace, where a
# tmpfs hides the shared /run/avahi-daemon (its pid file and socket would clash otherwise).
start_avahi() {
  local ns=$1 dir=$2
  [[ -d /run/avahi-daemon ]] || { mkdir -p /run/avahi-daemon && touch "$RUN_ROOT/.made-run-avahi"; }
  DBUS_SYSTEM_BUS_ADDRESS="unix:path=$dir/bus" ip netns exec "$ns" sh -c \
    'mount -t tmpfs -o mode=0755 tmpfs /run/avahi-daemon && exec avahi-daemon -f "$0" --no-drop-root --no-chroot --no-rlimits' \
    "$dir/avahi.conf" >>"$dir/avahi.log" 2>&1 </dev/null &
  echo $! >"$dir/avahi.pid"
}

wait_running() {
  local ns=$1 dir=$2 tries=$((READY_TIMEOUT_S * 20)) i
  for i in $(seq 1 "$tries"); do
    [[ "$(avahi_state "$dir")" == 2 ]] && return 0
    [[ -f "$dir/avahi.pid" && -d "/proc/$(cat "$dir/avahi.pid" 2>/dev/null)" ]] || break
    sleep 0.05
  done
  echo "netns-mdns: avahi-daemon in $ns did not reach RUNNING; its log:" >&2
  cat "$dir/avahi.log" >&2 || true
  return 1
}

cmd_up() {
  local p=$1 n=$2 i run
  check_prefix "$p"
  [[ "$n" =~ ^[1-9][0-9]?$ ]] || die "N must be 1-99"
  command -v avahi-daemon >/dev/null || die "avahi-daemon is not installed (scripts/install-deps.sh)"
  command -v dbus-daemon >/dev/null || die "dbus-daemon is not installed (scripts/install-deps.sh)"
  run="$RUN_ROOT/$p"
  lock
  [[ -e "$run" ]] && die "$run exists: run '$0 down $p' first"
  trap 'trap - ERR; echo "netns-mdns: up $p failed; cleaning up" >&2; cmd_down "$p"; exit 1' ERR
  mkdir -p "$run"
  echo "$n" >"$run/count"
  ip netns add "${p}-sw"
  ip -n "${p}-sw" link add br0 type bridge
  ip -n "${p}-sw" link set br0 up
  for i in $(seq 1 "$n"); do
    ip netns add "$p-$i"
    ip -n "${p}-sw" link add "p$i" type veth peer name eth0 netns "$p-$i"
    ip -n "${p}-sw" link set "p$i" master br0
    ip -n "${p}-sw" link set "p$i" up
    ip -n "$p-$i" addr add "$SUBNET.$i/24" dev eth0
    ip -n "$p-$i" link set lo up
    ip -n "$p-$i" link set eth0 up
  done
  for i in $(seq 1 "$n"); do
    mkdir -p "$run/$i"
    write_avahi_conf "$run/$i" "$p-$i"
    # A private system bus: system.conf policy (avahi-dbus.conf lets root own
    # org.freedesktop.Avahi), its own socket, no pid file in /run/dbus.
    dbus-daemon --system --nopidfile --address="unix:path=$run/$i/bus" --fork --print-pid \
      >"$run/$i/dbus.pid"
    start_avahi "$p-$i" "$run/$i"
  done
  flock -u 9
  for i in $(seq 1 "$n"); do wait_running "$p-$i" "$run/$i"; done
  trap - ERR
  echo "netns-mdns: $p up: $n namespaces at $SUBNET.1-$n, buses in $run/<i>/bus"
}

cmd_down() {
  local p=$1 run f ns namespaces pids
  check_prefix "$p"
  run="$RUN_ROOT/$p"
  lock
  # Every daemon we started, by the pids we wrote down, and any process still inside one of our
  # namespaces (a node a crashed test left running): stopped together, by pid.
  namespaces=()
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
    if [[ "$ns" =~ ^${p}-([0-9]+|sw)$ ]]; then namespaces+=("$ns"); fi
  done
  pids=()
  for f in "$run"/*/avahi.pid "$run"/*/dbus.pid; do
    if [[ -f "$f" ]]; then pids+=("$(cat "$f")"); fi
  done
  for ns in "${namespaces[@]}"; do
    pids+=($(ip netns pids "$ns" 2>/dev/null))
  done
  stop_pids "${pids[@]}"
  # The namespaces by name, so that this also cleans up after an `up` that failed early.
  for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null & done
  wait || true
  rm -rf "$run"
  # Mount points that only our runs created: removed once no run is left.
  if ! ls -d "$RUN_ROOT"/*/ >/dev/null 2>&1; then
    if [[ -f "$RUN_ROOT/.made-run-avahi" ]]; then
      rmdir /run/avahi-daemon 2>/dev/null || true
      rm -f "$RUN_ROOT/.made-run-avahi"
    fi
    if [[ -d /run/netns ]] && [[ -z "$(ls -A /run/netns)" ]]; then
      umount /run/netns 2>/dev/null || true
      rmdir /run/netns 2>/dev/null || true
    fi
  fi
}

cmd_stop_avahi() {
  local p=$1 i=$2 dir="$RUN_ROOT/$1/$2"
  check_prefix "$p"
  [[ -d "$dir" ]] || die "no namespace $p-$i (run '$0 up $p N' first)"
  stop_pidfile "$dir/avahi.pid"
}

cmd_start_avahi() {
  local p=$1 i=$2 dir="$RUN_ROOT/$1/$2"
  check_prefix "$p"
  [[ -d "$dir" ]] || die "no namespace $p-$i (run '$0 up $p N' first)"
  [[ -f "$dir/avahi.pid" ]] && die "avahi-daemon in $p-$i already runs (pid $(cat "$dir/avahi.pid"))"
  start_avahi "$p-$i" "$dir"
  wait_running "$p-$i" "$dir"
}

[[ $# -ge 1 ]] || usage
command=$1
shift
case "$command" in
up) [[ $# -eq 2 ]] || usage; [[ $(id -u) -eq 0 ]] || die "needs root"; cmd_up "$@" ;;
down) [[ $# -eq 1 ]] || usage; cmd_down "$@" ;;
restart-avahi) [[ $# -eq 2 ]] || usage; cmd_stop_avahi "$@"; cmd_start_avahi "$@" ;;
stop-avahi) [[ $# -eq 2 ]] || usage; cmd_stop_avahi "$@" ;;
start-avahi) [[ $# -eq 2 ]] || usage; cmd_start_avahi "$@" ;;
bus) [[ $# -eq 2 ]] || usage; echo "unix:path=$RUN_ROOT/$1/$2/bus" ;;
*) usage ;;
esac
