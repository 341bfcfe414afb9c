#!/usr/bin/env bash
# deps.sh - install the Debian packages sessiontail builds and tests with,
# only those that are missing.  Needs root (uses sudo when not root).
set -euo pipefail

pkgs=(build-essential cmake pkg-config clang clang-format libclang-rt-14-dev
      libuv1-dev libsystemd-dev libcjson-dev libexpat1-dev libcmocka-dev
      jq time util-linux bsdextrautils systemd-journal-remote rsyslog
      systemd-container debootstrap zstd systemd procps mandoc strace iproute2
      valgrind)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
        missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
