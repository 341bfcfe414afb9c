#!/usr/bin/env bash
# UDP overload: sent = received + dropped, with the kernel's counters as
# witness.  The daemon listens on udp://127.0.0.1 with a file sink;
# udp_flood (sendmmsg) sends numbered sshd lines, every one unique:
#   1. FLOOD1 datagrams as fast as it can while the daemon runs,
#   2. FLOOD2 more while the daemon is stopped (SIGSTOP): it cannot read
#      at all, so its socket buffer fills and the kernel drops the rest.
# Then, with the socket still open, every count is read from its own
# witness: the events in the sink's file (each number once), the daemon's
# `sessiontail stats` (records and dropped of the source), the socket's
# "drops" column in /proc/net/udp, the system-wide Udp RcvbufErrors of
# /proc/net/snmp (at least the socket's drops: other sockets may add), and
# the daemon's own line at stop.  sendmmsg counts what the kernel took;
# each such datagram is either queued to the socket (and read: one event)
# or counted in the socket's drops, so sent = received + dropped holds
# exactly, with no loss left unexplained.
. "$(dirname "$0")/lib.sh"

FLOOD1=${FLOOD1:-300000}
FLOOD2=${FLOOD2:-100000}
command -v jq >/dev/null || { echo "no jq"; exit 77; }

cc -O2 -o "$T/udp_flood" "$SRC/tests/bench/udp_flood.c"
mkdir -p "$T/state"
cat >"$T/sinks.json" <<EOF
{ "state_dir": "$T/state", "control_socket": "$T/ctl.sock",
  "sources": [ { "name": "udp", "type": "syslog",
                 "listen": "udp://127.0.0.1:0", "timezone": "UTC" } ],
  "sinks": [ { "name": "out", "type": "file", "path": "$T/out.jsonl",
               "records": ["events"], "queue_max": 268435456 } ] }
EOF
start_daemon "$T/sinks.json" "$T/err.log"
wait_for 10 grep -q "listening on" "$T/err.log" || { cat "$T/err.log"; fail "the daemon does not listen"; }
wait_for 10 test -S "$T/ctl.sock" || fail "no control socket"
PORT=$(sed -n 's/.*listening on udp:\/\/127.0.0.1:0 (port \([0-9]*\)).*/\1/p' "$T/err.log")
[ -n "$PORT" ] || fail "no port in: $(cat "$T/err.log")"
HEXPORT=$(printf '%04X' "$PORT")
ok "listening on udp port $PORT"

# The socket's drops: the last column of its /proc/net/udp line.
kernel_drops() {
    awk -v a="0100007F:$HEXPORT" '$2 == a { print $NF }' /proc/net/udp
}
# Udp RcvbufErrors of this network namespace (every UDP socket).
rcvbuf_errors() {
    awk '/^Udp:/ { if (!n++) for (i = 1; i <= NF; i++) col[$i] = i; else print $col["RcvbufErrors"] }' /proc/net/snmp
}
stats() { "$BIN" stats --json --socket "$T/ctl.sock"; }
src_stat() { stats | jq -r "select(.stats==\"source\" and .name==\"udp\").$1"; }

expect_eq "the socket's drops before the flood" "$(kernel_drops)" 0
rcvbuf0=$(rcvbuf_errors)

# 1. as fast as udp_flood can send, while the daemon reads
read -r sent1 secs1 < <("$T/udp_flood" "$PORT" 0 60 0 "$FLOOD1")
expect_eq "datagrams sent unpaced" "$sent1" "$FLOOD1"
echo "# unpaced: $sent1 datagrams in $secs1 s"

# 2. the daemon stopped: nothing reads, the kernel must drop
kill -STOP "$DPID"
read -r sent2 secs2 < <("$T/udp_flood" "$PORT" 0 60 "$FLOOD1" "$FLOOD2")
drops_stopped=$(kernel_drops)
kill -CONT "$DPID"
expect_eq "datagrams sent while the daemon was stopped" "$sent2" "$FLOOD2"
[ "$drops_stopped" -gt 0 ] || fail "no drops while the daemon was stopped"
ok "the kernel dropped $drops_stopped datagrams while the daemon was stopped"
SENT=$((sent1 + sent2))

# Everything the socket held is read: received + dropped reaches sent.
settled() {
    local r d
    r=$(src_stat records) && d=$(src_stat dropped) || return 1
    [ $((r + d)) -ge "$SENT" ]
}
wait_for 120 settled || fail "the daemon did not settle: $(stats)"
wait_for 60 bash -c "[ \$(grep -c '\"record\":\"event\"' '$T/out.jsonl') -ge $(src_stat records) ]" ||
    fail "the sink did not write every event"
sleep 0.5

s=$(stats)
received=$(jq -r 'select(.stats=="source").records' <<<"$s")
dropped=$(jq -r 'select(.stats=="source").dropped' <<<"$s")
errors=$(jq -r 'select(.stats=="source").errors' <<<"$s")
kdrops=$(kernel_drops)
rcvbuf=$(($(rcvbuf_errors) - rcvbuf0))
events=$(count_events "$T/out.jsonl")
echo "# sent $SENT, received $received, dropped (daemon) $dropped, dropped (kernel) $kdrops, Udp RcvbufErrors +$rcvbuf"
expect_eq "sent = received + dropped (daemon)" "$SENT" $((received + dropped))
expect_eq "dropped (daemon) = dropped (kernel, /proc/net/udp)" "$dropped" "$kdrops"
expect_eq "sent = events written + dropped (kernel)" "$SENT" $((events + kdrops))
[ "$rcvbuf" -ge "$kdrops" ] || fail "Udp RcvbufErrors grew by $rcvbuf, less than the socket's $kdrops drops"
ok "Udp RcvbufErrors grew by $rcvbuf >= $kdrops"
expect_eq "receive errors" "$errors" 0
expect_eq "events the parser made of the datagrams" \
    "$(jq -r 'select(.stats=="source").parser.events' <<<"$s")" "$received"
expect_eq "sink drops" "$(jq -r 'select(.stats=="sink").dropped' <<<"$s")" 0

# Each event is one datagram: its number (the sshd pid) once, in range.
grep -o '"login_id":"[0-9]*"' "$T/out.jsonl" | tr -dc '0-9\n' >"$T/ids"
expect_eq "events with a number" "$(wc -l <"$T/ids")" "$events"
expect_eq "numbers seen twice" "$(sort "$T/ids" | uniq -d | wc -l)" 0
expect_eq "numbers out of range" \
    "$(awk -v lo=1000000 -v hi=$((1000000 + SENT)) '$1 < lo || $1 >= hi' "$T/ids" | wc -l)" 0
got1=$(awk -v hi=$((1000000 + sent1)) '$1 < hi' "$T/ids" | wc -l)
echo "# unpaced part: $((sent1 - got1)) of $sent1 dropped; while stopped: $((sent2 - (events - got1))) of $sent2 dropped"

stop_daemon
line=$(grep -o "source 'udp': udp: .*" "$T/err.log")
echo "# $line"
[ -n "$line" ] || fail "no counters at stop"
expect_eq "received at stop" "$(sed -n 's/.*received \([0-9]*\) messages.*/\1/p' <<<"$line")" "$received"
expect_eq "kernel drops at stop" "$(sed -n 's/.*kernel drops \([0-9]*\),.*/\1/p' <<<"$line")" "$kdrops"
expect_eq "queue drops at stop" "$(sed -n 's/.*queue drops \([0-9]*\),.*/\1/p' <<<"$line")" 0
finish
