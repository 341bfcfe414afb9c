#!/usr/bin/env bash
# The syslog sink against a real rsyslogd (Debian's), run unprivileged in
# the foreground with its own work directory: imudp and imtcp on free
# 127.0.0.1 ports, each writing what it parsed - HOSTNAME, APP-NAME,
# PROCID, MSGID, STRUCTURED-DATA, MSG, PRI, the time - as one JSON object
# per message, into a file per input and protocol version.
#
# 1. `sessiontail replay -c` sends Linux and Windows samples over UDP
#    (rfc5424, facility local3) and TCP (rfc5424, octet counting), then
#    over UDP (rfc3164) and TCP (rfc3164, LF framing).  Every record must
#    arrive once per sink; rsyslog must read every header field as we
#    wrote it (HOSTNAME the record's host, PROCID the pid, MSGID the record
#    kind), every SD-PARAM must equal the JSON member of the same name,
#    and every MSG must parse (jq) to the record replay -o json prints.
# 2. The daemon follows a file into TCP; rsyslogd is stopped: lines
#    appended meanwhile are queued (stats: queued bytes, errors), and
#    arrive once rsyslogd is back on the same port, with the others.
. "$(dirname "$0")/lib.sh"

command -v rsyslogd >/dev/null || { echo "no rsyslogd (tools/deps.sh installs rsyslog)"; exit 77; }
command -v jq >/dev/null || { echo "no jq"; exit 77; }
HOST=$(hostname)
INPUTS=("$SRC/samples/sshd/accepted.log" "$SRC/samples/sshd/failed.log"
        "$SRC/samples/sshd/logout.log" "$SRC/samples/nxlog-json/logon.log"
        "$SRC/samples/nxlog-json/rdp.log")

# A UDP port nothing is bound to (imudp cannot report a port it picked):
# one from 20000-29999 missing from /proc/net/udp{,6}.
udp_bound() {
    local hex
    hex=$(printf ':%04X ' "$1")
    grep -q "$hex" /proc/net/udp /proc/net/udp6 2>/dev/null
}
tcp_listening() { # /proc/net/tcp state 0A: LISTEN
    grep -q "$(printf ':%04X 00000000:0000 0A' "$1")" /proc/net/tcp
}
UP=""
for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 10000))
    udp_bound "$p" || { UP=$p; break; }
done
[ -n "$UP" ] || fail "no free UDP port"

mkdir -p "$T/rs"
# start_rsyslogd TCP_PORT: 0 lets the kernel pick; sets RSPID and TP.
start_rsyslogd() {
    rm -f "$T/tcp.port"
    cat >"$T/rs.conf" <<EOF
global(workDirectory="$T/rs" maxMessageSize="256k")
module(load="imudp")
module(load="imtcp")
template(name="fields" type="list" option.jsonf="on") {
  property(outname="hostname" name="hostname" format="jsonf")
  property(outname="app" name="app-name" format="jsonf")
  property(outname="procid" name="procid" format="jsonf")
  property(outname="msgid" name="msgid" format="jsonf")
  property(outname="sd" name="structured-data" format="jsonf")
  property(outname="msg" name="msg" format="jsonf")
  property(outname="pri" name="pri" format="jsonf")
  property(outname="time" name="timereported" dateFormat="rfc3339" format="jsonf")
  property(outname="version" name="protocol-version" format="jsonf")
}
template(name="udpfile" type="string" string="$T/udp-%protocol-version%.jsonl")
template(name="tcpfile" type="string" string="$T/tcp-%protocol-version%.jsonl")
ruleset(name="udp") { action(type="omfile" dynaFile="udpfile" template="fields") }
ruleset(name="tcp") { action(type="omfile" dynaFile="tcpfile" template="fields") }
input(type="imudp" address="127.0.0.1" port="$UP" ruleset="udp" rcvbufSize="4m")
input(type="imtcp" address="127.0.0.1" port="$1" listenPortFileName="$T/tcp.port" ruleset="tcp")
EOF
    rsyslogd -n -f "$T/rs.conf" -i "$T/rs.pid" 2>>"$T/rs.err" &
    RSPID=$!
    PIDS+=("$RSPID")
    if [ "$1" -eq 0 ]; then
        wait_for 10 test -s "$T/tcp.port" || { cat "$T/rs.err"; fail "rsyslogd does not listen"; }
        TP=$(cat "$T/tcp.port")
    else # the port file is written for port 0 only
        wait_for 10 tcp_listening "$1" || { cat "$T/rs.err"; fail "rsyslogd not on tcp $1"; }
    fi
    wait_for 10 udp_bound "$UP" || { cat "$T/rs.err"; fail "rsyslogd not on udp $UP"; }
}

stop_rsyslogd() {
    kill -TERM "$RSPID"
    wait "$RSPID" 2>/dev/null || true
}

lines() { [ -f "$1" ] && grep -c . "$1" || echo 0; }
have() { [ "$(lines "$1")" -ge "$2" ]; }

start_rsyslogd 0
ok "rsyslogd listening on udp $UP and tcp $TP"

# What replay makes of the inputs: the records every sink must deliver.
"$BIN" replay -o json "${INPUTS[@]}" | jq -cS . | sort >"$T/want.jsonl"
N=$(lines "$T/want.jsonl")
[ "$N" -ge 20 ] || fail "only $N records from the samples"
ok "$N records (events and sessions) from the samples"

# replay_to FORMAT: replay the inputs into a UDP and a TCP syslog sink; sets
# RPID to the replay's pid (the PROCID every message must carry).
replay_to() {
    local fmt=$1 framing=$2 facility=$3
    cat >"$T/sinks-$fmt.json" <<EOF
{ "state_dir": "$T", "control_socket": "",
  "sinks": [
    { "name": "udp", "type": "syslog", "address": "127.0.0.1:$UP",
      "format": "$fmt", "facility": "$facility" },
    { "name": "tcp", "type": "syslog", "address": "localhost:$TP",
      "protocol": "tcp", "framing": "$framing", "format": "$fmt" } ] }
EOF
    "$BIN" replay -c "$T/sinks-$fmt.json" "${INPUTS[@]}" 2>"$T/replay-$fmt.err" &
    RPID=$!
    wait "$RPID" || { cat "$T/replay-$fmt.err"; fail "replay into $fmt sinks"; }
}

# check_msgs FILE: every MSG parses and the set equals replay -o json's.
check_msgs() {
    jq -r .msg "$1" | jq -cS . | sort >"$1.msgs" || fail "$1: a MSG is not JSON"
    diff -u "$T/want.jsonl" "$1.msgs" >"$1.diff" || { head -20 "$1.diff"; fail "$1: MSG differs"; }
    ok "$1: $N messages, every MSG is the record's JSON"
}

# The SD-PARAMs of each message as an object (RFC 5424 6.3.3 unescaped),
# beside the MSG's JSON; every parameter but collector must equal the
# member of the same name.
SD_JQ='
  def params: [scan("(?<n>[A-Za-z_]+)=\"(?<v>(?:[^\"\\\\]|\\\\.)*)\"")
               | {(.[0]): (.[1] | gsub("\\\\(?<c>[\"\\\\\\]])"; .c))}] | add;
  (.msg | fromjson) as $j
  | (.sd | ltrimstr("[sessiontail@32473") | params) as $p
  | [$p | to_entries[] | select(.key != "collector")
     | select(($j[.key] | tostring) != .value)
     | "\(.key)=\(.value) but JSON \($j[.key])"] as $bad
  | if ($p.collector != $host) then "collector \($p.collector)"
    elif ($bad | length) > 0 then $bad | join(", ")
    elif ((.sd | startswith("[sessiontail@32473 collector=")) | not) then "sd \(.sd)"
    else empty end'

# check_5424 FILE FACILITY: header fields as rsyslog parsed them.
check_5424() {
    local f=$1 fac=$2 bad
    bad=$(jq -r --arg host "$HOST" --arg pid "$RPID" --argjson fac "$fac" '
        (.msg | fromjson) as $j
        | ($j.hostname // $host) as $h
        | (if $j.login_successful == false then 5 else 6 end) as $sev
        | (if $j.record == "event" then $j.time
           elif $j.state == "closed" then $j.end else $j.start end) as $t
        | if .hostname != $h then "hostname \(.hostname) want \($h)"
          elif .app != "sessiontail" then "app \(.app)"
          elif .procid != $pid then "procid \(.procid) want \($pid)"
          elif .msgid != $j.record then "msgid \(.msgid)"
          elif .version != "1" then "version \(.version)"
          elif (.pri | tonumber) != $fac * 8 + $sev then "pri \(.pri)"
          elif .time[0:19] != $t[0:19] then "time \(.time) want \($t)"
          else empty end' "$f")
    [ -z "$bad" ] || fail "$f: $(echo "$bad" | head -3)"
    ok "$f: HOSTNAME, APP-NAME, PROCID $RPID, MSGID, PRI (facility $fac), TIMESTAMP"
    bad=$(jq -r --arg host "$HOST" "$SD_JQ" "$f")
    [ -z "$bad" ] || fail "$f: SD: $(echo "$bad" | head -3)"
    ok "$f: every SD-PARAM equals its JSON member, collector=$HOST"
    check_msgs "$f"
}

replay_to rfc5424 octet-counting local3
wait_for 20 have "$T/udp-1.jsonl" "$N" || fail "udp rfc5424: $(lines "$T/udp-1.jsonl") of $N"
wait_for 20 have "$T/tcp-1.jsonl" "$N" || fail "tcp rfc5424: $(lines "$T/tcp-1.jsonl") of $N"
sleep 0.3
expect_eq "udp rfc5424 messages" "$(lines "$T/udp-1.jsonl")" "$N"
expect_eq "tcp rfc5424 messages" "$(lines "$T/tcp-1.jsonl")" "$N"
check_5424 "$T/udp-1.jsonl" 19
check_5424 "$T/tcp-1.jsonl" 10
grep -q '\\\\' "$T/tcp-1.jsonl" || fail "no escaped backslash (CORP\\user) in the SD"
ok "Windows DOMAIN\\user names survive SD escaping"

# check_3164 FILE FACILITY
check_3164() {
    local f=$1 fac=$2 bad
    bad=$(jq -r --arg host "$HOST" --arg pid "$RPID" --argjson fac "$fac" '
        (.msg | fromjson) as $j
        | (if $j.login_successful == false then 5 else 6 end) as $sev
        | if .hostname != ($j.hostname // $host) then "hostname \(.hostname)"
          elif .app != "sessiontail" then "app \(.app)"
          elif .procid != $pid then "procid \(.procid) want \($pid)"
          elif (.pri | tonumber) != $fac * 8 + $sev then "pri \(.pri)"
          else empty end' "$f")
    [ -z "$bad" ] || fail "$f: $(echo "$bad" | head -3)"
    ok "$f: HOSTNAME, TAG sessiontail[$RPID], PRI (facility $fac)"
    check_msgs "$f"
}

replay_to rfc3164 lf local3
wait_for 20 have "$T/udp-0.jsonl" "$N" || fail "udp rfc3164: $(lines "$T/udp-0.jsonl") of $N"
wait_for 20 have "$T/tcp-0.jsonl" "$N" || fail "tcp rfc3164: $(lines "$T/tcp-0.jsonl") of $N"
sleep 0.3
expect_eq "udp rfc3164 messages" "$(lines "$T/udp-0.jsonl")" "$N"
expect_eq "tcp rfc3164 messages" "$(lines "$T/tcp-0.jsonl")" "$N"
check_3164 "$T/udp-0.jsonl" 19
check_3164 "$T/tcp-0.jsonl" 10

# 2. The daemon into TCP while rsyslogd goes away and comes back (a new
# rsyslogd first: it keeps its output files open).
stop_rsyslogd
rm -f "$T"/tcp-*.jsonl "$T"/udp-*.jsonl
start_rsyslogd 0
: >"$T/auth.log"
cat >"$T/daemon.json" <<EOF
{ "state_dir": "$T/state", "control_socket": "$T/control.sock",
  "sources": [ { "name": "auth", "type": "file", "path": "$T/auth.log",
                 "from_beginning": true, "timezone": "UTC" } ],
  "sinks": [ { "name": "siem", "type": "syslog", "address": "127.0.0.1:$TP",
               "protocol": "tcp", "records": ["events"] } ] }
EOF
mkdir -p "$T/state"
start_daemon "$T/daemon.json" "$T/daemon.err"
for i in $(seq 1 10); do accepted "$i"; done >>"$T/auth.log"
wait_for 10 have "$T/tcp-1.jsonl" 10 || { cat "$T/daemon.err"; fail "daemon: $(lines "$T/tcp-1.jsonl") of 10"; }
stop_rsyslogd
for i in $(seq 11 30); do accepted "$i"; done >>"$T/auth.log"
stat_of() { "$BIN" stats -c "$T/daemon.json" --json | jq -r "select(.stats==\"sink\") | $1"; }
queueing() { [ "$(stat_of .queued_bytes)" -gt 0 ]; }
wait_for 10 queueing || { cat "$T/daemon.err"; fail "nothing queued while rsyslogd is down"; }
ok "rsyslogd down: $(stat_of .queued_bytes) bytes queued, $(stat_of .errors) errors, $(stat_of .written) written"
grep -q "sink 'siem': cannot send to 127.0.0.1:$TP over tcp" "$T/daemon.err" || { cat "$T/daemon.err"; fail "no diagnostic"; }
ok "the outage is said once: $(grep -c "cannot send to" "$T/daemon.err")"
start_rsyslogd "$TP"
wait_for 40 have "$T/tcp-1.jsonl" 30 || { cat "$T/daemon.err"; fail "after the restart: $(lines "$T/tcp-1.jsonl") of 30"; }
sleep 0.3
expect_eq "users delivered, each once" \
    "$(jq -r '.msg | fromjson | .user' "$T/tcp-1.jsonl" | sort -u | wc -l) $(lines "$T/tcp-1.jsonl")" "30 30"
expect_eq "in order" "$(jq -r '.msg | fromjson | .user' "$T/tcp-1.jsonl" | tr -d u | paste -sd' ')" "$(seq -s' ' 1 30)"
expect_eq "stats: written, dropped, queued" "$(stat_of '"\(.written) \(.dropped) \(.queued_bytes)"')" "30 0 0"
grep -q "sink 'siem': sending to 127.0.0.1:$TP over tcp again after" "$T/daemon.err" || { cat "$T/daemon.err"; fail "no recovery said"; }
ok "the recovery is said: $(grep -o "again after.*" "$T/daemon.err")"
stop_daemon
stop_rsyslogd
finish
