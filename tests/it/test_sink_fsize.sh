#!/usr/bin/env bash
# A file size limit (LimitFSIZE=, ulimit -f) on the daemon: past it write(2)
# raises SIGXFSZ, which would kill the process; the daemon ignores it, so
# the file sink gets EFBIG and counts errors, the file holds whole lines
# only, and the daemon goes on reading.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || { echo "skip: jq missing"; exit 77; }

mkdir -p "$T/in" "$T/state"
: >"$T/in/auth.log"
cat >"$T/sinks.json" <<JSON
{ "state_dir": "$T/state", "control_socket": "$T/ctl.sock",
  "sources": [ { "name": "auth", "type": "file", "path": "$T/in/auth.log",
                 "from_beginning": true, "timezone": "UTC" } ],
  "sinks": [ { "name": "capped", "type": "file", "path": "$T/capped.jsonl",
               "format": "json", "records": ["events"] } ] }
JSON
# 64 KiB (ulimit -f counts 1024-byte blocks): about 150 events.
(ulimit -f 64 && exec "$BIN" -c "$T/sinks.json") 2>>"$T/stderr.log" &
DPID=$!
PIDS+=("$DPID")
n=2000
for i in $(seq 1 $n); do accepted "$i"; done >>"$T/in/auth.log"
stat_of() { "$BIN" stats --socket "$T/ctl.sock" --json | jq -r "$1"; }
read_all() { [ "$(stat_of 'select(.stats=="pipeline") | .events')" -ge $n ]; }
wait_for 30 read_all || fail "the $n lines were not read: $(cat "$T/stderr.log")"
kill -0 "$DPID" 2>/dev/null || fail "the daemon died: $(cat "$T/stderr.log")"
ok "the daemon read all $n lines past the file size limit"
errs() { [ "$(stat_of 'select(.stats=="sink") | .errors')" -gt 0 ]; }
wait_for 10 errs || fail "no write errors counted"
grep -q 'File too large' "$T/stderr.log" || fail "EFBIG not said: $(cat "$T/stderr.log")"
ok "EFBIG counted and said"
size=$(stat -c %s "$T/capped.jsonl")
[ "$size" -gt 0 ] && [ "$size" -le 65536 ] || fail "capped file is $size bytes"
expect_eq "the capped file ends with a newline" \
    "$(tail -c 1 "$T/capped.jsonl" | od -An -tx1 | tr -d ' ')" 0a
jq -c . "$T/capped.jsonl" >/dev/null || fail "a torn line in the capped file"
ok "the capped file holds whole JSON lines only ($size bytes)"
kill -TERM "$DPID"
wait "$DPID" || fail "daemon exited with status $?"
ok "stopped cleanly"
finish
