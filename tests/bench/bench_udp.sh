#!/usr/bin/env bash
# bench_udp.sh - the UDP benchmark of issue 4: the daemon with a syslog
# udp source on 127.0.0.1 and a file sink, flooded by udp_flood (sendmmsg)
# at RATE messages/s for SECONDS, then unpaced for SECONDS.  Reports sent,
# received (events in the file), dropped by the kernel and loss %.
#
# Witnesses of the drops, all read while the socket is still open:
#   - /proc/net/udp "drops" of the daemon's socket (by its port),
#   - the daemon's own "kernel drops" counter (the same column, by inode),
#   - nstat's system-wide UdpRcvbufErrors delta over the run.
# sent = received + dropped (+ the daemon's queue drops, 0 unless its
# 64 MiB queue fills) must hold: sendmmsg counts what the kernel took, and
# every such datagram is either queued to the socket (and read: one event
# each) or counted in the socket's drops.
#
#   tests/bench/bench_udp.sh [RATE] [SECONDS] [BUILD_DIR]
set -euo pipefail

rate=${1:-200000}
secs=${2:-5}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${3:-$top/build-bench}
work=${BENCH_DIR:-/tmp/sessiontail-bench-udp}
mkdir -p "$work"

. "$top/tests/bench/lib.sh"
bench_build "$top" "$build"
cc -O2 -o "$work/udp_flood" "$top/tests/bench/udp_flood.c"

# run RATE: one run against a fresh daemon; prints one result line
run() {
    local r=$1 out="$work/out.jsonl" err="$work/err.log" pid port hexport
    rm -f "$out" "$err"
    cat >"$work/sinks.json" <<JSON
{ "state_dir": "$work",
  "sessions": { "max_open": 100000 },
  "sources": [ { "name": "bench", "type": "syslog",
                 "listen": "udp://127.0.0.1:0", "timezone": "UTC" } ],
  "sinks": [ { "name": "bench", "type": "file", "path": "$out",
               "records": ["events"], "queue_max": 268435456 } ] }
JSON
    "$build/sessiontail" -c "$work/sinks.json" 2>"$err" >/dev/null &
    pid=$!
    for _ in $(seq 100); do
        grep -q "listening on" "$err" 2>/dev/null && break
        sleep 0.05
    done
    port=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$err")
    hexport=$(printf '%04X' "$port")
    nstat -n >/dev/null 2>&1 || true
    sent=$("$work/udp_flood" "$port" "$r" "$secs" | cut -d' ' -f1)
    # let the daemon drain its socket buffer, then read the drops
    local last=-1 now
    for _ in $(seq 100); do
        now=$(wc -l <"$out" 2>/dev/null || echo 0)
        [ "$now" = "$last" ] && break
        last=$now
        sleep 0.2
    done
    drops=$(awk -v p=":$hexport" '$2 ~ p"$" { print $NF }' /proc/net/udp)
    rcvbuf=$( (nstat -z UdpRcvbufErrors 2>/dev/null || true) | awk '/UdpRcvbufErrors/ { print $2 }')
    kill -TERM "$pid"
    wait "$pid" || true
    received=$(grep -c '"record":"event"' "$out" || true)
    daemon=$(sed -n "s/.*received \([0-9]*\) messages.*kernel drops \([0-9]*\), queue drops \([0-9]*\),.*/\1 \2 \3/p" "$err")
    qdrops=$(echo "$daemon" | cut -d' ' -f3)
    loss=$(awk -v s="$sent" -v g="$received" 'BEGIN { printf "%.3f", s ? 100 * (s - g) / s : 0 }')
    printf '%-9s sent %9d  received %9d  dropped %8d  loss %6s%%  (daemon: received/kernel drops/queue drops %s; UdpRcvbufErrors %s; sent-received-dropped %d)\n' \
        "$([ "$r" = 0 ] && echo unpaced || echo "$r/s")" "$sent" "$received" "${drops:-0}" "$loss" \
        "${daemon:-?}" "${rcvbuf:-?}" $((sent - received - ${drops:-0} - ${qdrops:-0}))
}

echo "# $(nproc) CPUs, $secs s per run, net.core.rmem_max=$(cat /proc/sys/net/core/rmem_max)"
run "$rate"
run 0
