#!/usr/bin/env bash
# SIGHUP: a broken new sinks file keeps the old configuration running; a
# valid one replaces it; no line is lost across the reloads; the file sink
# is reopened so logrotate can move it away.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/in" "$T/state"
: >"$T/in/auth.log"
conf() { # OUTPUT
    cat <<JSON
{ "state_dir": "$T/state",
  "sources": [ { "name": "auth", "type": "file", "path": "$T/in/auth.log",
                 "timezone": "UTC" } ],
  "sinks": [ { "name": "out", "type": "file", "path": "$1",
               "format": "json", "records": ["events"] } ] }
JSON
}
conf "$T/out1.jsonl" >"$T/sinks.json"
start_daemon "$T/sinks.json"
wait_for 10 test -e "$T/out1.jsonl" || fail "daemon did not start"
sleep 0.3

for i in $(seq 1 100); do accepted "$i"; done >>"$T/in/auth.log"
wait_for 10 bash -c "[ \$(grep -c event '$T/out1.jsonl') -ge 100 ]" ||
    fail "first lines did not arrive"
ok "lines arrive before reload"

echo '{ "sinks": [ ' >"$T/sinks.json"
kill -HUP "$DPID"
wait_for 10 grep -q "reload failed" "$T/stderr.log" || fail "no reload error said"
ok "broken file: reload failed is said"
for i in $(seq 101 200); do accepted "$i"; done >>"$T/in/auth.log"
wait_for 10 bash -c "[ \$(grep -c event '$T/out1.jsonl') -ge 200 ]" ||
    fail "old configuration stopped working"
kill -0 "$DPID" || fail "daemon died on a broken reload"
ok "old configuration keeps running"

conf "$T/no/such/dir/out.jsonl" >"$T/sinks.json"
kill -HUP "$DPID"
wait_for 10 grep -q "reload failed.*sinks\[0\].path: $T/no/such/dir: No such file" "$T/stderr.log" ||
    fail "unopenable sink not reported: $(cat "$T/stderr.log")"
ok "a sink in a directory that does not exist: reload failed, says which path"

# A port another process holds is only found by binding: the new
# configuration is torn down again and the previous one runs again.
cat >"$T/holder.json" <<JSON
{ "state_dir": "$T/state", "control_socket": "",
  "sources": [ { "name": "hold", "type": "syslog", "listen": "udp://127.0.0.1:0" } ],
  "sinks": [ { "name": "o", "type": "file", "path": "$T/holder.jsonl" } ] }
JSON
: >"$T/holder.log"
"$BIN" -c "$T/holder.json" 2>"$T/holder.log" >/dev/null &
HPID=$!
PIDS+=("$HPID")
wait_for 10 grep -q "listening on" "$T/holder.log" || fail "the port holder does not listen"
HPORT=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$T/holder.log")
cat >"$T/sinks.json" <<JSON
{ "state_dir": "$T/state",
  "sources": [ { "name": "auth", "type": "file", "path": "$T/in/auth.log",
                 "timezone": "UTC" },
               { "name": "net", "type": "syslog", "listen": "udp://127.0.0.1:$HPORT" } ],
  "sinks": [ { "name": "out", "type": "file", "path": "$T/out3.jsonl",
               "format": "json", "records": ["events"] } ] }
JSON
kill -HUP "$DPID"
wait_for 10 grep -q "going back" "$T/stderr.log" || fail "a port in use not reported"
wait_for 10 grep -q "previous configuration again" "$T/stderr.log" ||
    fail "previous configuration not restarted"
for i in $(seq 201 210); do accepted "$i"; done >>"$T/in/auth.log"
wait_for 10 bash -c "[ \$(grep -c event '$T/out1.jsonl') -ge 210 ]" ||
    fail "previous configuration does not run after a failed reload"
ok "a port in use: the previous configuration runs again"
[ ! -e "$T/out3.jsonl" ] || fail "the failed configuration created its sink file"
ok "the failed configuration created no sink file (sources open first)"
kill "$HPID"

conf "$T/out2.jsonl" >"$T/sinks.json"
kill -HUP "$DPID"
wait_for 10 test -e "$T/out2.jsonl" || fail "new configuration not applied"
for i in $(seq 211 300); do accepted "$i"; done >>"$T/in/auth.log"
wait_for 10 bash -c "[ \$(grep -c event '$T/out2.jsonl' 2>/dev/null) -ge 1 ]" ||
    fail "new sink gets nothing"
sleep 1
ok "valid file applied: new sink receives"

mv "$T/out2.jsonl" "$T/out2.jsonl.1"
kill -HUP "$DPID"
wait_for 10 test -e "$T/out2.jsonl" || fail "sink not reopened after rotation"
for i in $(seq 301 310); do accepted "$i"; done >>"$T/in/auth.log"
wait_for 10 bash -c "[ \$(grep -c event '$T/out2.jsonl') -ge 10 ]" ||
    fail "reopened sink gets nothing"
ok "SIGHUP reopens the file sink after logrotate moved it"
stop_daemon

cat "$T"/out1.jsonl "$T"/out2.jsonl* >"$T/all.jsonl"
expect_eq "distinct lines over three reloads" \
    "$(ids "$T/all.jsonl" | sort -u | wc -l)" 310
finish
