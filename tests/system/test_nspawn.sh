#!/usr/bin/env bash
# test_nspawn.sh BUILD_DIR - the installed unit in a real systemd.
#
# A minimal Debian (debootstrap --variant=minbase) is cached as a tarball
# outside the checkout, keyed on the suite, mirror and package list.  Each
# run unpacks it into a fresh directory, installs BUILD_DIR into it with
# `DESTDIR=... cmake --install --prefix /usr` (unit, sysusers.d, tmpfiles.d,
# default sinks file), writes a test sinks file (syslog sources on UDP and
# TCP, a file sink in the LogsDirectory=), enables the unit and boots the
# tree with systemd-nspawn.  The host's PID 1 need not be systemd:
# --register=no --keep-unit keep nspawn away from machined and the host's
# service manager.  --private-network gives the container its own
# loopback, so the fixed port is never taken by anything on the host.
#
# The scenario (nspawn_scenario.sh) runs inside as a oneshot unit after
# sessiontail.service and powers the container off when it ends; its
# report comes back through a bound directory.  The boot is bounded by
# ST_NSPAWN_TIMEOUT seconds (default 180).
#
# Exit 77 (skip) when not root and no sudo, or when systemd-nspawn,
# debootstrap or zstd are missing and cannot be installed.
# Environment: ST_NSPAWN_CACHE (default /var/cache/sessiontail-test),
# ST_DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -uo pipefail
here=$(cd -P "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${1:-${ST_BINARY:+$(dirname "$ST_BINARY")}}
[ -n "$build" ] || { echo "usage: $0 BUILD_DIR" >&2; exit 64; }
build=$(cd "$build" && pwd) || exit 64
[ -f "$build/CMakeCache.txt" ] || { echo "$build is not a CMake build dir" >&2; exit 64; }

skip() {
    echo "SKIP: $*"
    exit 77
}

if [ "$(id -u)" -ne 0 ]; then
    sudo -n true 2>/dev/null || skip "needs root (systemd-nspawn, debootstrap) and sudo -n is refused"
    exec sudo -n -E "$0" "$build"
fi

tools=(systemd-nspawn:systemd-container debootstrap:debootstrap zstd:zstd)
missing=()
for t in "${tools[@]}"; do
    command -v "${t%%:*}" >/dev/null || missing+=("${t#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "${missing[@]}"; } >/dev/null 2>&1
    for t in "${tools[@]}"; do
        command -v "${t%%:*}" >/dev/null || skip "no ${t%%:*} and apt-get cannot install ${t#*:}"
    done
fi

# The built binary links against the host's libraries: the container runs
# the host's Debian release when the host is Debian.
# shellcheck disable=SC1091
suite=$(. /etc/os-release 2>/dev/null && [ "${ID:-}" = debian ] && echo "${VERSION_CODENAME:-}")
suite=${suite:-bookworm}
mirror=${ST_DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=${ST_NSPAWN_CACHE:-/var/cache/sessiontail-test}
# Boot and run the unit; logger is in bsdutils (essential), bash's
# /dev/tcp sends TCP lines, ss (iproute2) shows the bound ports.
pkgs=systemd,systemd-sysv,dbus,libuv1,libcjson1,libexpat1,libsystemd0,util-linux,bsdutils,procps,iproute2
key=$(printf '%s\n' "$suite" "$mirror" "$pkgs" minbase 1 | sha256sum | cut -c1-12)
tarball=$cache/$suite-rootfs-$key.tar.zst
timeout_s=${ST_NSPAWN_TIMEOUT:-180}
port=5514
checks=0

ok() {
    checks=$((checks + 1))
    echo "ok $checks - $*"
}

T=$(mktemp -d /var/tmp/sessiontail-nspawn.XXXXXX)
root=$T/root
machine=st-$(basename "$T" | sed 's/.*\.//' | tr '[:upper:]' '[:lower:]')
npid=""
cleanup() {
    [ -n "$npid" ] && kill -9 "$npid" 2>/dev/null
    wait 2>/dev/null
    rm -rf --one-file-system "$T" "/run/systemd/nspawn/propagate/$machine"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*"
    # the scenario prints the journal when it fails; not when it never ended
    if [ -d "$root/var/log/journal" ] && ! grep -qs '^scenario: ' "$T/result/log"; then
        echo "--- container journal, sessiontail and the scenario"
        journalctl -D "$root/var/log/journal" --no-pager -o short-monotonic \
            -u sessiontail -u st-scenario 2>&1 | tail -80
    fi
    [ -s "$T/console.log" ] && { echo "--- nspawn"; tail -40 "$T/console.log"; }
    exit 1
}

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# 1. The cached root file system, built once per package list.
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [ ! -s "$tarball" ]; then
    echo "building $tarball: debootstrap $suite ($pkgs)"
    t=$(now)
    rm -rf "$cache/build"
    timeout 1200 debootstrap --variant=minbase --include="$pkgs" "$suite" \
        "$cache/build" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
        { tail -20 "$cache/debootstrap.log"; rm -rf "$cache/build"; fail "debootstrap failed"; }
    rm -rf "$cache/build/var/cache/apt/"*.bin "$cache/build/var/cache/apt/archives/"*.deb \
        "$cache/build/var/lib/apt/lists/"*
    # a persistent journal, so a failed boot can be read from the host
    mkdir -p "$cache/build/var/log/journal"
    tar -C "$cache/build" --numeric-owner --xattrs -I 'zstd -T0 -3' \
        -cf "$tarball.tmp" . || fail "cannot write $tarball"
    mv "$tarball.tmp" "$tarball"
    rm -rf "$cache/build"
    find "$cache" -maxdepth 1 -name "*-rootfs-*.tar.zst" ! -name "$(basename "$tarball")" -delete
    echo "measure: debootstrap_and_cache_s $(since "$t") ($(du -h "$tarball" | cut -f1))"
fi
flock -u 9
exec 9>&-

t=$(now)
mkdir "$root" "$T/result"
tar -C "$root" --numeric-owner --xattrs -I zstd -xpf "$tarball" || fail "cannot unpack $tarball"
echo "measure: unpack_s $(since "$t")"
ok "root file system from $tarball"

# 2. The build, installed as a package would install it.
DESTDIR=$root cmake --install "$build" --prefix /usr >"$T/install.log" 2>&1 ||
    { cat "$T/install.log"; fail "cmake --install failed"; }
unit=$(find "$root/usr/lib/systemd/system" "$root/lib/systemd/system" -name sessiontail.service 2>/dev/null | head -1)
[ -n "$unit" ] || fail "cmake --install put no sessiontail.service under /usr/lib/systemd/system"
[ -x "$root/usr/bin/sessiontail" ] || fail "cmake --install put no /usr/bin/sessiontail"

"$build/sessiontail" --check -c "$root/etc/sessiontail/sinks.json" >"$T/check.log" 2>&1 ||
    { cat "$T/check.log"; fail "the installed /etc/sessiontail/sinks.json does not pass --check"; }
ok "installed: ${unit#"$root"}, /usr/bin/sessiontail, /etc/sessiontail/sinks.json (passes --check)"

mkdir -p "$root/etc/sessiontail" "$root/usr/local/lib/st-test"
cat >"$root/etc/sessiontail/sinks.json" <<EOF
{ "state_dir": "/var/lib/sessiontail",
  "sources": [
    { "name": "syslog-udp", "type": "syslog", "listen": "udp://127.0.0.1:$port", "timezone": "UTC" },
    { "name": "syslog-tcp", "type": "syslog", "listen": "tcp://127.0.0.1:$port", "timezone": "UTC" } ],
  "sinks": [ { "name": "out", "type": "file", "path": "/var/log/sessiontail/out.jsonl",
               "records": ["events", "sessions"] } ] }
EOF
"$build/sessiontail" --check -c "$root/etc/sessiontail/sinks.json" >/dev/null 2>&1 ||
    fail "the test sinks file does not pass --check"
head -2 "$src/samples/nxlog-json/logon.log" >"$root/usr/local/lib/st-test/nxlog.jsonl" ||
    fail "no $src/samples/nxlog-json/logon.log"
install -m 755 "$here/nspawn_scenario.sh" "$root/usr/local/lib/st-test/"
cat >"$root/etc/systemd/system/st-scenario.service" <<EOF
[Unit]
Description=sessiontail system test scenario
After=sessiontail.service
SuccessAction=poweroff
FailureAction=poweroff

[Service]
Type=oneshot
ExecStart=/usr/local/lib/st-test/nspawn_scenario.sh $port
TimeoutStartSec=$((timeout_s > 60 ? timeout_s - 30 : timeout_s))

[Install]
WantedBy=multi-user.target
EOF
# systemctl of the container itself, offline (the host may have none).
systemd-nspawn -q --register=no --keep-unit -D "$root" \
    systemctl enable sessiontail.service st-scenario.service >"$T/enable.log" 2>&1 ||
    { cat "$T/enable.log"; fail "systemctl enable failed"; }
ok "unit enabled, test sinks file and scenario installed"

# 3. Boot; the scenario powers the container off when it ends.
t=$(now)
timeout -k 10 "$timeout_s" systemd-nspawn --boot --register=no --keep-unit \
    --private-network -M "$machine" -D "$root" --bind="$T/result:/st-result" \
    --console=pipe >"$T/console.log" 2>&1 &
npid=$!
wait "$npid"
rc=$?
npid=""
total=$(since "$t")
[ -f "$T/result/log" ] || fail "the scenario never ran (nspawn exit $rc after ${total}s)"
cat "$T/result/log"
start=$(sed -n 's/^measure: scenario_start_epoch //p' "$T/result/log")
echo "measure: boot_to_scenario_s $(awk -v a="$t" -v b="$start" 'BEGIN { printf "%.2f", b - a }')"
echo "measure: nspawn_total_s $total (exit $rc)"
[ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] && fail "the container did not power off within ${timeout_s}s"
grep -q '^scenario: PASS' "$T/result/log" || fail "the scenario failed"
checks=$((checks + $(grep -c '^ok ' "$T/result/log")))
[ "$rc" -eq 0 ] || fail "systemd-nspawn exited with $rc"
ok "container powered off (nspawn exit 0)"
echo "$checks passed, 0 failed"
