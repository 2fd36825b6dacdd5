#!/usr/bin/env bash
# `make test-package`: checks the .deb files `make package` left in BUILD (default: build).
#   1. the control data: names, Depends from dpkg-shlibdeps, the conffile, the maintainer scripts
#   2. lintian: no error and no warning (overrides only in packaging/*.lintian-overrides)
#   3. systemd-analyze verify and security on the unit, in a scratch root holding the package
#   4. the packaged rivetd, unpacked into a scratch root, runs the packaged rivet.yaml (paths
#      moved into the scratch folder, a test CA made by the packaged rivetctl) and answers the
#      packaged rivetctl's ping
# Runs as any user; needs no systemd running. Prints what failed and exits 1.
set -euo pipefail
BUILD=${1:-build}
BUILD=$(cd "$BUILD" && pwd)
failures=0
fail() {
  echo "test-package: FAIL: $*" >&2
  failures=$((failures + 1))
}
step() { echo "--- test-package: $*"; }

version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$BUILD/CMakeCache.txt")
arch=$(dpkg --print-architecture)
deb="$BUILD/rivet-mesh_${version}-1_${arch}.deb"
dev="$BUILD/rivet-mesh-dev_${version}-1_all.deb"
for f in "$deb" "$dev"; do
  [[ -f "$f" ]] || { echo "test-package: $f is missing; run make package first" >&2; exit 1; }
done

scratch=$(mktemp -d "${TMPDIR:-/tmp}/rivet-test-package.XXXXXX")
rivetd_pid=""
cleanup() {
  if [[ -n "$rivetd_pid" ]] && kill -0 "$rivetd_pid" 2>/dev/null; then
    kill "$rivetd_pid" 2>/dev/null || true
    wait "$rivetd_pid" 2>/dev/null || true
  fi
  rm -rf "$scratch"
}
trap cleanup EXIT

step "control data"
field() { dpkg-deb -f "$1" "$2"; }
[[ $(field "$deb" Package) == rivet-mesh ]] || fail "$deb: Package is not rivet-mesh"
[[ $(field "$dev" Package) == rivet-mesh-dev ]] || fail "$dev: Package is not rivet-mesh-dev"
depends=$(field "$deb" Depends)
for lib in libc6 libpoco libssl3 libyaml-cpp libspdlog adduser; do
  [[ "$depends" == *"$lib"* ]] || fail "rivet-mesh: Depends lacks $lib (dpkg-shlibdeps): $depends"
done
mkdir -p "$scratch/control"
dpkg-deb -e "$deb" "$scratch/control"
[[ $(cat "$scratch/control/conffiles") == /etc/rivet/rivet.yaml ]] ||
  fail "rivet-mesh: conffiles is not exactly /etc/rivet/rivet.yaml"
for s in postinst prerm postrm; do
  [[ -x "$scratch/control/$s" ]] || fail "rivet-mesh: no executable $s"
done
contents=$(dpkg-deb -c "$deb")
for f in ./usr/bin/rivetd ./usr/bin/rivetctl ./usr/lib/rivet/plugins/transport-mtls.so \
  ./usr/lib/rivet/plugins/echo.so ./etc/rivet/rivet.yaml ./lib/systemd/system/rivetd.service \
  ./usr/share/doc/rivet-mesh/copyright ./usr/share/doc/rivet-mesh/changelog.Debian.gz; do
  grep -q " $f\$" <<<"$contents" || fail "rivet-mesh does not contain $f"
done
grep -q "/include/" <<<"$contents" && fail "rivet-mesh contains SDK headers (rivet-mesh-dev has them)"
devcontents=$(dpkg-deb -c "$dev")
for f in ./usr/include/rivet/sdk/abi.h ./usr/lib/cmake/RivetSDK/RivetSDKConfig.cmake \
  ./usr/lib/cmake/RivetSDK/RivetPlugin.cmake ./usr/share/doc/rivet-mesh-dev/copyright; do
  grep -q " $f\$" <<<"$devcontents" || fail "rivet-mesh-dev does not contain $f"
done
# Man pages and completions, once contrib/ installs them: where Debian looks, man pages gzipped.
if grep -q "/share/man/" <<<"$contents"; then
  grep -E "/share/man/.*[^z]\$" <<<"$contents" | grep -v "/\$" &&
    fail "rivet-mesh: man pages above are not gzipped"
fi

step "lintian"
lintian_out=$(lintian --fail-on error,warning --display-info "$deb" "$dev" 2>&1) ||
  fail "lintian reports errors or warnings"
grep -v "running with root privileges" <<<"$lintian_out" || true

step "systemd-analyze verify"
root="$scratch/root"
mkdir -p "$root"
dpkg-deb -x "$deb" "$root"
unit="$root/lib/systemd/system/rivetd.service"
# The units it refers to (targets) and /bin/kill of ExecReload come from this machine.
mkdir -p "$root/bin"
cp -an /lib/systemd/system/. "$root/lib/systemd/system/"
cp /bin/kill "$root/bin/kill"
man=no
if [[ -f "$root/usr/share/man/man8/rivetd.8.gz" ]]; then
  man=yes
  export MANPATH="$root/usr/share/man"
fi
verify_out=$(systemd-analyze --root="$root" --man=$man verify "$unit" 2>&1) ||
  fail "systemd-analyze verify exits non-zero"
if [[ -n "$verify_out" ]]; then
  echo "$verify_out"
  fail "systemd-analyze verify $unit: the lines above (it warns without failing)"
fi
# Exposure 0 (best) .. 10; the unit scores about 1.5. Weakening the hardening fails here.
security_out=$(systemd-analyze --offline=true --root="$root" security --threshold=25 \
  rivetd.service 2>&1) || { echo "$security_out"; fail "systemd-analyze security: exposure above 2.5 (threshold 25 in tenths)"; }
grep "Overall exposure" <<<"$security_out" || true

step "the packaged rivetd and rivetctl from a scratch root"
rivetd="$root/usr/bin/rivetd"
rivetctl="$root/usr/bin/rivetctl"
t="$scratch/node"
mkdir -p "$t/certs"
"$rivetctl" ca init --dir "$t/ca" --root-dir "$t/ca-root" >/dev/null
"$rivetctl" ca issue pkgtest --ip 127.0.0.1 --dir "$t/ca" >/dev/null
cp "$t/ca/intermediate/ca-chain.pem" "$t/certs/ca-chain.pem"
cp "$t/ca/issued/pkgtest.crt" "$t/certs/node.crt"
cp "$t/ca/issued/pkgtest.key" "$t/certs/node.key"
port=""
for _ in $(seq 1 50); do
  p=$((20000 + RANDOM % 40000))
  if [[ -z $(ss -Htln "sport = :$p") ]]; then
    port=$p
    break
  fi
done
[[ -n "$port" ]] || { fail "no free port on 127.0.0.1"; exit 1; }
# The packaged file with its folders and port moved into the scratch folder, nothing else.
sed -e "s|/etc/rivet/certs|$t/certs|g" -e "s|/var/lib/rivet|$t/var|g" \
  -e "s|agent_channel_port: 3000|agent_channel_port: $port|" \
  -e "s|# node_name: <the host name>|node_name: pkgtest|" \
  "$root/etc/rivet/rivet.yaml" >"$t/rivet.yaml"
grep -q "agent_channel_port: $port" "$t/rivet.yaml" || fail "packaged rivet.yaml: no agent_channel_port: 3000"
grep -q "^  node_name: pkgtest" "$t/rivet.yaml" || fail "packaged rivet.yaml: no node_name line"
env -u NOTIFY_SOCKET "$rivetd" --config "$t/rivet.yaml" --check-config >"$t/check.out" 2>&1 ||
  { cat "$t/check.out"; fail "rivetd --check-config of the packaged rivet.yaml fails"; }
env -u NOTIFY_SOCKET "$rivetd" --config "$t/rivet.yaml" >"$t/rivetd.log" 2>&1 &
rivetd_pid=$!
for _ in $(seq 1 150); do
  grep -q "Node registered: pkgtest" "$t/rivetd.log" && break
  kill -0 "$rivetd_pid" 2>/dev/null || break
  sleep 0.1
done
# rivetd found its plugins relative to itself: <root>/usr/lib/rivet/plugins.
grep -q "Loading plugins from $root/usr/bin/../lib/rivet/plugins\|Loading plugins from $root/usr/lib/rivet/plugins" \
  "$t/rivetd.log" || fail "rivetd did not load its plugins from $root/usr/lib/rivet/plugins"
if ping_out=$("$rivetctl" --config "$t/rivet.yaml" ping 2>&1) && [[ "$ping_out" == *pkgtest* ]]; then
  echo "rivetctl ping: $ping_out"
else
  fail "rivetctl ping of the packaged node: $ping_out"
fi
kill "$rivetd_pid"
status=0
wait "$rivetd_pid" || status=$?
rivetd_pid=""
[[ $status -eq 0 ]] || fail "rivetd exited $status on SIGTERM"
grep -q "rivetd stopped" "$t/rivetd.log" || fail "rivetd did not log 'rivetd stopped'"
if [[ $failures -ne 0 ]]; then
  echo "--- rivetd's log"
  cat "$t/rivetd.log"
  echo "test-package: $failures check(s) failed" >&2
  exit 1
fi
echo "test-package: ok ($(basename "$deb"), $(basename "$dev"))"
