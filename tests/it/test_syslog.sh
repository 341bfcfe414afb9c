#!/usr/bin/env bash
# The syslog listener with real clients: the built daemon listens on
# udp:// and tcp:// on 127.0.0.1 (port 0: the kernel picks a free port, the
# daemon says which) and on a unix datagram socket in the temp dir, with a
# file sink.  util-linux logger sends over UDP, TCP and TCP with octet
# counting, RFC 3164 and RFC 5424; raw lines come through bash's /dev/udp
# and /dev/tcp (hostname web01 in the payload); a Windows NXLog JSON line
# over TCP; OpenWEC-shaped JSON datagrams over the unix socket; eight
# logger processes at once over TCP.  Every event must arrive once with
# the payload's hostname (never the sender's address), and a datagram with
# an LF inside must give one record, not a forged second event.
. "$(dirname "$0")/lib.sh"

command -v logger >/dev/null || { echo "no logger"; exit 77; }
command -v jq >/dev/null || { echo "no jq"; exit 77; }
HOST=$(hostname)

cc -O2 -o "$T/dgram_send" "$SRC/tests/it/dgram_send.c"
cat >"$T/sinks.json" <<EOF
{ "state_dir": "$T",
  "sources": [
    { "name": "udp", "type": "syslog", "listen": "udp://127.0.0.1:0", "timezone": "UTC" },
    { "name": "tcp", "type": "syslog", "listen": "tcp://127.0.0.1:0", "timezone": "UTC" },
    { "name": "wec", "type": "syslog", "listen": "unix-dgram://$T/wec.sock" } ],
  "sinks": [ { "name": "out", "type": "file", "path": "$T/out.jsonl",
               "records": ["events"] } ] }
EOF
start_daemon "$T/sinks.json" "$T/err.log"
listening() { [ "$(grep -c 'listening on' "$T/err.log")" -eq 3 ]; }
wait_for 10 listening || { cat "$T/err.log"; fail "the daemon does not listen"; }
port_of() { sed -n "s/.*listening on $1:\/\/127.0.0.1:0 (port \([0-9]*\)).*/\1/p" "$T/err.log"; }
UP=$(port_of udp)
TP=$(port_of tcp)
[ -n "$UP" ] && [ -n "$TP" ] || fail "no ports in: $(cat "$T/err.log")"
ok "listening on udp port $UP, tcp port $TP and $T/wec.sock"

# event FIELD VALUE: the events whose FIELD is VALUE, compact
event() { jq -c --arg v "$2" "select(.$1 == \$v)" "$T/out.jsonl"; }
have() { [ "$(count_events "$T/out.jsonl")" -ge "$1" ]; }

accepted_msg() { echo "Accepted password for $1 from 10.9.0.$2 port $((40000 + $2)) ssh2"; }
L=(-n 127.0.0.1 -t sshd)
logger --udp "${L[@]}" -P "$UP" --rfc3164 --id=4101 "$(accepted_msg u1 1)"
logger --udp "${L[@]}" -P "$UP" --rfc5424 --id=4102 "$(accepted_msg u2 2)"
logger --tcp "${L[@]}" -P "$TP" --rfc3164 --id=4103 "$(accepted_msg u3 3)"
logger --tcp "${L[@]}" -P "$TP" --rfc5424 --id=4104 "$(accepted_msg u4 4)"
logger --tcp --octet-count "${L[@]}" -P "$TP" --rfc5424 --id=4105 "$(accepted_msg u5 5)"
logger --tcp --octet-count "${L[@]}" -P "$TP" --rfc3164 --id=4106 "$(accepted_msg u6 6)"
# raw lines: the hostname is the payload's, web01
printf '<38>Mar 14 13:54:19 web01 sshd[4107]: %s' "$(accepted_msg u7 7)" >/dev/udp/127.0.0.1/"$UP"
printf '<38>Mar 14 13:54:19 web01 sshd[4110]: %s\n' "$(accepted_msg u10 10)" >/dev/tcp/127.0.0.1/"$TP"
# a datagram with an LF inside (logger sends its argument as one
# datagram): one record, the second "line" forges nothing
logger --udp "${L[@]}" -P "$UP" --rfc3164 --id=4108 \
    "$(printf 'Failed password for u8 from 10.9.0.8 port 40008 ssh2\n<38>Mar 14 13:54:19 web02 sshd[4109]: %s' "$(accepted_msg forged 9)")"
# Windows: an NXLog JSON line over TCP (LF framing)
head -1 "$SRC/samples/nxlog-json/logon.log" >/dev/tcp/127.0.0.1/"$TP"
# OpenWEC's UnixDatagram output: one JSON event per datagram
head -3 "$SRC/samples/openwec-json/logon.log" >"$T/wec.jsonl"
expect_eq "datagrams sent to the unix socket" "$("$T/dgram_send" "$T/wec.sock" "$T/wec.jsonl")" 3
# and logger -d -u on the same socket
logger -d -u "$T/wec.sock" -t sshd --rfc3164 --id=4111 "$(accepted_msg u11 11)"

wait_for 10 have 14 || { cat "$T/err.log"; fail "only $(count_events "$T/out.jsonl") events of 14+"; }
sleep 0.3

for i in 1 2 3 4 5 6; do
    ev=$(event user "u$i")
    [ "$(echo "$ev" | grep -c .)" -eq 1 ] || fail "u$i: $(echo "$ev" | grep -c .) events"
    expect_eq "u$i: hostname from the payload" "$(jq -r .hostname <<<"$ev")" "$HOST"
    expect_eq "u$i: login_id (pid)" "$(jq -r .login_id <<<"$ev")" "410$i"
    expect_eq "u$i: src_ip" "$(jq -r .src_ip <<<"$ev")" "10.9.0.$i"
    expect_eq "u$i: source" "$(jq -r .source <<<"$ev")" "$([ $i -le 2 ] && echo udp || echo tcp)"
done
for u in u7 u10; do
    expect_eq "$u: hostname web01 from the payload" "$(event user $u | jq -r .hostname)" web01
    expect_eq "$u: action" "$(event user $u | jq -r '.action + " " + (.login_successful|tostring)')" "login true"
done
# (the sshd parser sees "... ssh2<LF><38>Mar 14 ..." as one malformed
# line: at most the one event of its first line, never the second's)
[ "$(event user u8 | grep -c . || true)" -le 1 ] || fail "u8: more than one event"
ok "a datagram with an LF inside: at most one event"
expect_eq "events forged by an LF inside a datagram" "$(event user forged | grep -c . || true)" 0
expect_eq "events from web02 (the forged line's host)" "$(event hostname web02 | grep -c . || true)" 0
expect_eq "NXLog JSON over TCP" \
    "$(jq -r 'select(.format=="nxlog-json") | .hostname + " " + .user + " " + .login_id + " " + .source' "$T/out.jsonl")" \
    "WKS-ALPHA.corp.example CORP\\alice 0x1f2a3b tcp"
expect_eq "OpenWEC JSON datagrams" \
    "$(jq -r 'select(.source=="wec" and .format=="openwec-json") | .hostname' "$T/out.jsonl" | sort | uniq -c | awk '{print $1, $2}')" \
    "$(jq -r 'select(.record=="event") | .hostname' <(head -3 "$SRC/samples/openwec-json/logon.expected") | sort | uniq -c | awk '{print $1, $2}')"
expect_eq "logger -d -u on the unix socket" "$(event user u11 | jq -r '.source + " " + .hostname')" "wec $HOST"
expect_eq "the sender's address as a hostname" \
    "$(jq -r 'select(.hostname == "127.0.0.1" or .hostname == "localhost") | .hostname' "$T/out.jsonl" | grep -c . || true)" 0

# Eight concurrent TCP clients (half octet counting), 250 lines each, and
# a bash /dev/tcp writer beside them.
n=250
before=$(count_events "$T/out.jsonl")
for k in 1 2 3 4 5 6 7 8; do
    for i in $(seq 1 $n); do accepted_msg "c${k}_$i" $((i % 250)); done >"$T/c$k.txt"
    oc=(); [ $((k % 2)) -eq 0 ] && oc=(--octet-count)
    logger --tcp "${oc[@]}" "${L[@]}" -P "$TP" --rfc5424 --id=$((5000 + k)) -f "$T/c$k.txt" &
done
for i in $(seq 1 $n); do
    printf '<38>Mar 14 13:54:19 web03 sshd[%d]: %s\n' $((6000 + i)) "$(accepted_msg "c9_$i" $((i % 250)))"
done >/dev/tcp/127.0.0.1/"$TP" &
wait $(jobs -p | grep -v "^$DPID$") 2>/dev/null || true
total=$((before + 9 * n))
wait_for 20 have $total || fail "concurrent clients: $(count_events "$T/out.jsonl") events, want $total"
sleep 0.3
for k in 1 2 3 4 5 6 7 8 9; do
    expect_eq "client $k: distinct users" \
        "$(jq -r 'select(.user // "" | startswith("c'$k'_")) | .user' "$T/out.jsonl" | sort -u | wc -l)" $n
done
expect_eq "events in all, none twice" "$(count_events "$T/out.jsonl")" $total

stop_daemon
grep -q "source 'tcp': tcp: received .* clients 1[0-9], refused 0" "$T/err.log" ||
    { cat "$T/err.log"; fail "tcp counters"; }
ok "tcp counters: $(grep -o "source .tcp.: tcp: .*" "$T/err.log")"
grep -q "source 'udp': udp: received 4 messages .* kernel drops 0" "$T/err.log" ||
    { cat "$T/err.log"; fail "udp counters"; }
ok "udp counters: $(grep -o "source .udp.: udp: .*" "$T/err.log")"
[ ! -e "$T/wec.sock" ] || fail "the unix socket is left behind"
ok "the unix socket is removed on stop"
finish
