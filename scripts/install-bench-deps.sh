#!/usr/bin/env bash
# Installs the Debian packages bench/run-bench.sh needs (nginx-light as the reference server, the
# openssl CLI for the run's certificates, procps). Idempotent: when all are present it only checks.
set -euo pipefail

packages=(nginx-light openssl procps iproute2 python3) # python3: bench/task_stream.py

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-bench-deps: installing ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || {
    echo "install-bench-deps: run as root or install sudo" >&2
    exit 1
  }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
# The package's own nginx service (port 80) is not needed: the harness starts its own nginx.
