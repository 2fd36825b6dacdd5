#!/usr/bin/env bash
# Installs every Debian package the build, the tests and `make run` need. Idempotent: when all
# are present it only checks (well under a second).
set -euo pipefail

packages=(
  g++ make cmake pkg-config clang-format
  libpoco-dev libssl-dev openssl libyaml-cpp-dev libspdlog-dev libfmt-dev
  libavahi-client-dev libgtest-dev libgmock-dev
  rapidjson-dev libboost1.81-dev # Asio and Beast for the agent channel (header-only)
  libsqlite3-dev # the task journal (core/src/tasks)
  avahi-daemon avahi-utils dbus iproute2
  clang-14 libclang-rt-14-dev ccache # make test-asan, test-tsan, fuzz (README "Test stages")
  # make package, make test-package (docs/operations.md): dpkg-shlibdeps, strip, lintian,
  # systemd-analyze, and what the packages' maintainer scripts call
  dpkg-dev binutils lintian systemd adduser init-system-helpers
  man-db zsh bash-completion # the cli_docs test: man --warnings, zsh -n, completion
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
