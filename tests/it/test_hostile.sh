#!/usr/bin/env bash
# Hostile input through every source into every sink (DESIGN 9).  The
# corpus of samples/hostile/ (CR/LF, ANSI and OSC escapes, C1, NUL,
# invalid UTF-8, bidi overrides, overlong fields and lines, user names that
# spoof an address or a second line, Windows events carrying the same, raw
# LF inside one message, journal fields and wtmp records with control
# bytes) is fed, one source at a time, through a file, syslog over UDP, TCP
# with LF framing and with octet counting, a unix datagram socket, a
# journal directory written by systemd-journal-remote and a wtmp file.
# Each run writes to stdout (text and JSON), to a file (JSON and text), to
# a real rsyslogd over UDP (RFC 5424 and RFC 3164) and to a plain TCP
# reader (RFC 5424 octet-counted, RFC 3164 LF-framed).  For every byte
# stream:
#  - every line or message is checked byte by byte (hostile_tool.c): no raw
#    byte below 0x20 but the LF ending a line, no DEL, no C1 control, no
#    bidi control, valid UTF-8; JSON parses (jq); RFC 5424 by its grammar
#    (header fields PRINTUSASCII without space, SD-PARAM values with '"',
#    '\' and ']' escaped) and as rsyslogd parses it; RFC 3164 likewise;
#    every MSG is the record the JSON sink wrote, and every sink wrote
#    every record;
#  - no forged event: each record gives the events its annotation says,
#    the total is their sum, and no output shows 1.2.3.4 or 6.6.6.6 as an
#    address, "forged" as a host or 6666 as a login id (those only ever
#    appear inside spoofing text);
#  - no wrong source address: every event's src_ip is the record's real
#    one (or none), and a syslog event's host is the HOSTNAME the message
#    carries, never the sender's 127.0.0.1;
#  - counts: every record is counted by its source and parser (truncated
#    and malformed ones too) and the daemon runs until it is stopped and
#    exits 0.
# Ends with a table: source x sink -> lines checked, valid %, unsafe
# characters found.
. "$(dirname "$0")/lib.sh"

for c in jq rsyslogd cc; do
    command -v "$c" >/dev/null || { echo "skip: no $c (tools/deps.sh installs it)"; exit 77; }
done
JR=/lib/systemd/systemd-journal-remote
[ -x "$JR" ] || { echo "skip: $JR missing (systemd-journal-remote)"; exit 77; }
HT=$T/hostile_tool
cc -O2 -o "$HT" "$SRC/tests/it/hostile_tool.c" || fail "cannot build hostile_tool"
SPECS=("$SRC"/samples/hostile/{linux,windows,datagram,overlong,journal,utmp}.rec)
FORBIDDEN_IPS='["1.2.3.4","6.6.6.6"]'

# ---- rsyslogd: one instance, a file per daemon pid and protocol version
udp_bound() { grep -q "$(printf ':%04X ' "$1")" /proc/net/udp /proc/net/udp6 2>/dev/null; }
UP=""
for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 10000))
    udp_bound "$p" || { UP=$p; break; }
done
[ -n "$UP" ] || fail "no free UDP port"
mkdir -p "$T/rs"
cat >"$T/rs.conf" <<EOF
global(workDirectory="$T/rs" maxMessageSize="256k")
module(load="imudp")
template(name="fields" type="list" option.jsonf="on") {
  property(outname="hostname" name="hostname" format="jsonf")
  property(outname="app" name="app-name" format="jsonf")
  property(outname="procid" name="procid" format="jsonf")
  property(outname="msgid" name="msgid" format="jsonf")
  property(outname="sd" name="structured-data" format="jsonf")
  property(outname="msg" name="msg" format="jsonf")
  property(outname="pri" name="pri" format="jsonf")
  property(outname="version" name="protocol-version" format="jsonf")
}
template(name="out" type="string" string="$T/rs/%procid%-%protocol-version%.jsonl")
ruleset(name="udp") { action(type="omfile" dynaFile="out" template="fields") }
input(type="imudp" address="127.0.0.1" port="$UP" ruleset="udp" rcvbufSize="4m")
EOF
rsyslogd -n -f "$T/rs.conf" -i "$T/rs.pid" 2>>"$T/rs.err" &
PIDS+=("$!")
wait_for 10 udp_bound "$UP" || { cat "$T/rs.err"; fail "rsyslogd not on udp $UP"; }
ok "rsyslogd on udp $UP"

lines() { [ -f "$1" ] && grep -ac '' "$1" || echo 0; }
# stat SOURCE_OR_SINK JQ: a counter of the running daemon
stat_of() { "$BIN" stats -c "$D/sinks.json" --json | jq -r "select(.name==\"$1\") | $2"; }

# sinks_json DIR: every sink and format, events and session records
sinks_json() {
    cat <<EOF
  "sinks": [
    { "name": "stdout-text", "type": "stdout", "format": "text" },
    { "name": "stdout-json", "type": "stdout", "format": "json" },
    { "name": "file-json", "type": "file", "path": "$1/file.jsonl" },
    { "name": "file-text", "type": "file", "path": "$1/file.txt", "format": "text" },
    { "name": "rs5424", "type": "syslog", "address": "127.0.0.1:$UP" },
    { "name": "rs3164", "type": "syslog", "address": "127.0.0.1:$UP", "format": "rfc3164" },
    { "name": "tcp5424", "type": "syslog", "address": "127.0.0.1:$(cat "$1/r5424.port")",
      "protocol": "tcp" },
    { "name": "tcp3164", "type": "syslog", "address": "127.0.0.1:$(cat "$1/r3164.port")",
      "protocol": "tcp", "framing": "lf", "format": "rfc3164" } ]
EOF
}

# start_readers DIR: the plain TCP readers of the two TCP syslog sinks
start_readers() {
    local f
    for f in r5424 r3164; do
        "$HT" recv "$1/$f.port" "$1/$f.raw" &
        RPIDS+=("$!")
        PIDS+=("$!")
        wait_for 5 test -s "$1/$f.port" || fail "$f reader does not listen"
    done
}

# run_source NAME TYPE SOURCE_JSON: start the daemon with that one source
run_source() {
    NAME=$1
    TYPE=$2
    D=$T/$NAME
    RPIDS=()
    mkdir -p "$D/state"
    start_readers "$D"
    cat >"$D/sinks.json" <<EOF
{ "state_dir": "$D/state", "control_socket": "$D/control.sock",
  "sources": [ $3 ],
$(sinks_json "$D") }
EOF
    "$BIN" -c "$D/sinks.json" >"$D/stdout" 2>"$D/stderr" &
    DPID=$!
    PIDS+=("$DPID")
    wait_for 10 test -S "$D/control.sock" || { cat "$D/stderr"; fail "$NAME: daemon not up"; }
}

# port_of: the port the syslog source listens on
port_of() {
    wait_for 10 grep -q "listening on" "$D/stderr" || { cat "$D/stderr"; fail "$NAME: not listening"; }
    sed -n 's/.*listening on [a-z]*:\/\/127.0.0.1:0 (port \([0-9]*\)).*/\1/p' "$D/stderr"
}

# finish_source N_RECORDS: wait until the source counted every record and
# the sinks wrote what came of them, stop the daemon and the readers.
finish_source() {
    local n=$1 got
    records_in() { [ "$(stat_of "$NAME" .records)" -ge "$n" ]; }
    wait_for 30 records_in || fail "$NAME: the source counted $(stat_of "$NAME" .records) of $n records"
    got=$(stat_of "$NAME" .records)
    expect_eq "$NAME: records counted by the source" "$got" "$n"
    # every sink wrote every event and session record the pipeline made
    sinks_done() {
        "$BIN" stats -c "$D/sinks.json" --json | jq -se '
            (.[] | select(.stats == "pipeline") | .events + .sessions) as $n
            | [.[] | select(.stats == "sink") | .written == $n and .queued_bytes == 0]
            | all' >/dev/null
    }
    wait_for 30 sinks_done || fail "$NAME: the sinks did not write every record"
    "$BIN" stats -c "$D/sinks.json" --json >"$D/stats.jsonl"
    kill -0 "$DPID" || fail "$NAME: the daemon died"
    kill -TERM "$DPID"
    wait "$DPID" || { cat "$D/stderr"; fail "$NAME: daemon exited with status $?"; }
    ! grep -E "runtime error|Sanitizer" "$D/stderr" || fail "$NAME: sanitizer report"
    ok "$NAME: the daemon ran through the corpus and stopped cleanly"
    for p in "${RPIDS[@]}"; do
        kill -TERM "$p"
        wait "$p" || fail "$NAME: a TCP reader failed"
    done
}

# ---- the checks of one run ----------------------------------------------

ROWS=()
# cell SINK FILE CHECK: byte-level check of one output; adds a table cell
cell() {
    local sink=$1 f=$2 kind=$3 n bad ctl
    shift 3
    "$HT" check "$kind" "$@" "$f" >"$f.parsed" 2>"$f.check" || true
    read -r n bad ctl < <(sed -n 's/^summary //p' "$f.check")
    [ -n "$n" ] || { cat "$f.check"; fail "$NAME $sink: no summary"; }
    CELLS+=("$sink $n $bad $ctl")
    [ "$bad" -eq 0 ] && [ "$ctl" -eq 0 ] || { head -20 "$f.check"; fail "$NAME $sink: $bad bad of $n, $ctl unsafe"; }
}

# the records as the JSON file sink wrote them, normalised, sorted
norm() { jq -cS . "$@" | sort; }

check_outputs() {
    local d=$D want n tot ev
    CELLS=()
    grep -a '^{' "$d/stdout" >"$d/stdout.json" || true
    grep -av '^{' "$d/stdout" >"$d/stdout.txt" || true
    n=$(lines "$d/file.jsonl")
    [ "$n" -gt 0 ] || fail "$NAME: nothing written"
    # JSON: the byte check, jq, and both JSON sinks equal
    cell stdout-json "$d/stdout.json" json
    cell file-json "$d/file.jsonl" json
    jq -c . "$d/file.jsonl" >/dev/null || fail "$NAME: file-json is not JSON"
    jq -c . "$d/stdout.json" >/dev/null || fail "$NAME: stdout-json is not JSON"
    norm "$d/file.jsonl" >"$d/want"
    norm "$d/stdout.json" | diff -q "$d/want" - >/dev/null || fail "$NAME: stdout-json differs from file-json"
    ok "$NAME: $n JSON records, every one parses, stdout and file alike"
    # text: one line per record
    cell stdout-text "$d/stdout.txt" text
    cell file-text "$d/file.txt" text
    expect_eq "$NAME: text lines (stdout, file)" "$(lines "$d/stdout.txt") $(lines "$d/file.txt")" "$n $n"
    # RFC 5424 and RFC 3164 over TCP, as written: our own grammar checks
    cell tcp-rfc5424 "$d/r5424.raw" rfc5424 octets
    cell tcp-rfc3164 "$d/r3164.raw" rfc3164 lf
    for f in r5424 r3164; do
        expect_eq "$NAME: $f messages" "$(lines "$d/$f.raw.parsed")" "$n"
        jq -r .msg "$d/$f.raw.parsed" | norm | diff -q "$d/want" - >/dev/null ||
            fail "$NAME: a $f MSG is not the record's JSON"
    done
    ok "$NAME: every RFC 5424 and RFC 3164 MSG is the record's JSON"
    # rsyslogd's parse of the same messages (over UDP)
    local rs5=$T/rs/$DPID-1.jsonl rs3=$T/rs/$DPID-0.jsonl
    have_rs() { [ "$(lines "$rs5")" -ge "$n" ] && [ "$(lines "$rs3")" -ge "$n" ]; }
    wait_for 20 have_rs || fail "$NAME: rsyslogd got $(lines "$rs5") + $(lines "$rs3") of $n + $n"
    sleep 0.2
    expect_eq "$NAME: messages rsyslogd received (5424 3164)" "$(lines "$rs5") $(lines "$rs3")" "$n $n"
    cell rsyslog-5424 "$rs5" json
    cell rsyslog-3164 "$rs3" json
    jq -cS '{hostname, app, procid, msgid, sd, msg: (.msg | fromjson)}' "$rs5" | sort >"$d/rs5.cmp"
    jq -cS '{hostname, app, procid, msgid, sd, msg: (.msg | fromjson)}' "$d/r5424.raw.parsed" | sort |
        diff -u "$d/rs5.cmp" - >"$d/rs5.diff" || { head -20 "$d/rs5.diff"; fail "$NAME: rsyslogd parses RFC 5424 otherwise"; }
    ok "$NAME: rsyslogd reads every RFC 5424 header field, SD and MSG as our own check does"
    jq -cS '{hostname, app: "sessiontail", procid, msg: (.msg | fromjson)}' "$rs3" | sort >"$d/rs3.cmp"
    jq -cS '{hostname, app: (.tag | sub("\\[.*"; "")), procid: (.tag | capture("\\[(?<p>[0-9]+)\\]").p), msg: (.msg | fromjson)}' \
        "$d/r3164.raw.parsed" | sort | diff -u "$d/rs3.cmp" - >"$d/rs3.diff" ||
        { head -20 "$d/rs3.diff"; fail "$NAME: rsyslogd parses RFC 3164 otherwise"; }
    ok "$NAME: rsyslogd reads every RFC 3164 HOSTNAME, TAG and MSG as our own check does"

    # no forged event, no wrong address
    "$HT" expect "$TYPE" "${SPECS[@]}" >"$d/expect.tsv"
    tot=0
    while IFS=$'\t' read -r key val want ip; do
        local sel
        sel=$([ "$key" = id ] && echo .login_id || echo .hostname)
        ev=$(jq -c --arg v "$val" "select(.record==\"event\" and $sel == \$v)" "$d/file.jsonl")
        expect_eq "$NAME: events of $key $val" "$(grep -c . <<<"$ev" || true)" "$want"
        tot=$((tot + want))
        [ "$ip" = "?" ] && continue
        if [ "$ip" = "-" ]; then
            [ -z "$(jq -r '.src_ip // empty' <<<"$ev")" ] || fail "$NAME: $key $val: src_ip $(jq -r .src_ip <<<"$ev")"
        else
            [ -z "$(jq -r --arg ip "$ip" 'select(.src_ip != null and .src_ip != $ip) | .src_ip' <<<"$ev")" ] &&
                jq -se --arg ip "$ip" 'any(.[]; .src_ip == $ip)' <<<"$ev" >/dev/null ||
                fail "$NAME: $key $val: src_ip $(jq -r .src_ip <<<"$ev" | paste -sd,), want $ip"
        fi
    done <"$d/expect.tsv"
    expect_eq "$NAME: events, all told (as many as the records hold)" \
        "$(jq -c 'select(.record=="event")' "$d/file.jsonl" | grep -c . || true)" "$tot"
    expect_eq "$NAME: events or sessions with a spoofed address, host or id" \
        "$(jq -c --argjson bad "$FORBIDDEN_IPS" \
            'select((.src_ip as $i | $bad | index($i)) or .hostname == "forged" or .login_id == "6666")' \
            "$d/file.jsonl" | grep -c . || true)" 0
    expect_eq "$NAME: events with the sender's address as host" \
        "$(jq -c 'select(.hostname == "127.0.0.1" or .hostname == "::1")' "$d/file.jsonl" | grep -c . || true)" 0
    ROWS+=("$NAME ${CELLS[*]}")
}

# check_counts: the source's and parser's counters
check_counts() {
    local s
    s=$(jq -c "select(.stats==\"source\")" "$D/stats.jsonl")
    expect_eq "$NAME: the parser saw every record" "$(jq .parser.records <<<"$s")" "$(jq .records <<<"$s")"
    expect_eq "$NAME: events the parser counted = events written" "$(jq .parser.events <<<"$s")" \
        "$(jq -c 'select(.record=="event")' "$D/file.jsonl" | grep -c . || true)"
    expect_eq "$NAME: records cut at the limit" "$(jq .truncated <<<"$s")" \
        "$("$HT" overlong "$TYPE" "${SPECS[@]}")"
    [ "$(jq .parser.malformed <<<"$s")" -gt 0 ] || fail "$NAME: no malformed record counted"
    ok "$NAME: $(jq -r '"\(.parser.events) events, \(.parser.malformed) malformed, \(.parser.ignored) ignored, \(.truncated) truncated"' <<<"$s")"
}

# ---- file ----------------------------------------------------------------
mkdir -p "$T/in"
"$HT" lines file "${SPECS[@]}" >"$T/in/hostile.log"
N=$(lines "$T/in/hostile.log")
run_source file file "{ \"name\": \"file\", \"type\": \"file\", \"path\": \"$T/in/hostile.log\",
                        \"from_beginning\": true, \"timezone\": \"UTC\" }"
finish_source "$N"
check_outputs
check_counts

# ---- syslog over UDP ------------------------------------------------------
run_source udp udp '{ "name": "udp", "type": "syslog", "listen": "udp://127.0.0.1:0", "timezone": "UTC" }'
N=$("$HT" send udp "$(port_of)" udp "${SPECS[@]}") || fail "udp: send"
finish_source "$N"
check_outputs
check_counts

# ---- syslog over TCP, LF framing -----------------------------------------
run_source tcp-lf tcp-lf '{ "name": "tcp-lf", "type": "syslog", "listen": "tcp://127.0.0.1:0", "timezone": "UTC" }'
"$HT" lines tcp-lf "${SPECS[@]}" >"$T/in/tcp-lf"
exec 3<>/dev/tcp/127.0.0.1/"$(port_of)"
cat "$T/in/tcp-lf" >&3
exec 3>&-
finish_source "$("$HT" count tcp-lf "${SPECS[@]}")"
check_outputs
check_counts

# ---- syslog over TCP, octet counting ---------------------------------------
run_source tcp-oc tcp-oc '{ "name": "tcp-oc", "type": "syslog", "listen": "tcp://127.0.0.1:0", "timezone": "UTC" }'
"$HT" octets tcp-oc "${SPECS[@]}" >"$T/in/tcp-oc"
exec 3<>/dev/tcp/127.0.0.1/"$(port_of)"
cat "$T/in/tcp-oc" >&3
exec 3>&-
finish_source "$("$HT" count tcp-oc "${SPECS[@]}")"
check_outputs
check_counts

# ---- unix datagram socket ----------------------------------------------------
run_source unix unix "{ \"name\": \"unix\", \"type\": \"syslog\", \"listen\": \"unix-dgram://$T/unix.sock\",
                        \"timezone\": \"UTC\" }"
wait_for 10 test -S "$T/unix.sock" || fail "unix: no socket"
N=$("$HT" send unix "$T/unix.sock" unix "${SPECS[@]}") || fail "unix: send"
finish_source "$N"
check_outputs
check_counts

# ---- journal directory (systemd-journal-remote from export format) ---------
mkdir -p "$T/jdir"
"$HT" journal journal "${SPECS[@]}" >"$T/in/journal.export"
"$JR" -o "$T/jdir/hostile.journal" - <"$T/in/journal.export" 2>"$T/jr.err" ||
    { cat "$T/jr.err"; fail "systemd-journal-remote refused the export"; }
N=$(grep -c '^__REALTIME_TIMESTAMP=' "$T/in/journal.export")
run_source journal journal "{ \"name\": \"journal\", \"type\": \"journal\", \"path\": \"$T/jdir\",
                              \"from_beginning\": true }"
finish_source "$N"
check_outputs
check_counts

# ---- wtmp -------------------------------------------------------------------
"$HT" utmp utmp "${SPECS[@]}" >"$T/in/wtmp"
N=$(($(stat -c %s "$T/in/wtmp") / 384))
run_source utmp utmp "{ \"name\": \"utmp\", \"type\": \"utmp\", \"path\": \"$T/in/wtmp\",
                        \"from_beginning\": true, \"hostname\": \"web01\" }"
finish_source "$N"
check_outputs
check_counts

# ---- the table ---------------------------------------------------------------
echo
echo "source x sink: lines checked / valid % / unsafe characters found"
printf '%-8s' source
read -r -a first <<<"${ROWS[0]}"
for ((i = 1; i < ${#first[@]}; i += 4)); do printf ' %14s' "${first[i]}"; done
echo
for row in "${ROWS[@]}"; do
    read -r -a c <<<"$row"
    printf '%-8s' "${c[0]}"
    for ((i = 1; i < ${#c[@]}; i += 4)); do
        printf ' %14s' "${c[i + 1]}/$(((c[i + 1] - c[i + 2]) * 100 / c[i + 1]))%/${c[i + 3]}"
    done
    echo
done
finish
