#!/usr/bin/env bash
# Hostile bytes: binary garbage, NUL bytes, a 1 MiB line, invalid UTF-8, a
# truncated last line, a file deleted while read.  No crash, every output
# line is valid JSON, and the good lines around the bad ones still give
# their events.
. "$(dirname "$0")/lib.sh"

f=$T/bad.log
{
    accepted 1
    head -c 4096 /dev/urandom | tr -d '\n'
    echo
    accepted 2
    printf 'Mar 14 13:54:19 web01 sshd[7]: Accepted password for a\0b from 10.0.0.1 port 22 ssh2\n'
    accepted 3
    head -c 1048576 /dev/zero | tr '\0' 'A'
    echo
    accepted 4
    printf 'Mar 14 13:54:19 web01 sshd[8]: Accepted password for \xc3\x28\xff\xfe\x1b[31m from 10.0.0.1 port 22 ssh2\n'
    accepted 5
    printf 'Mar 14 13:54:19 web01 sshd[9]: Accepted password for x\r\nforged from 10.0.0.1 port 22 ssh2\n'
    accepted 6
    printf 'Mar 14 13:54:19 web01 sshd[10]: Accepted password for tail'
} >"$f"
set +e
"$BIN" replay -o json "$f" >"$T/out.jsonl" 2>"$T/err"
rc=$?
set -e
expect_eq "replay exit status" "$rc" 0
jq -c . "$T/out.jsonl" >/dev/null || fail "invalid JSON in output"
ok "every output line is valid JSON"
if LC_ALL=C grep -qP '[\x00-\x08\x0b-\x1f\x7f]' "$T/out.jsonl"; then
    fail "raw control byte in output"
fi
ok "no raw control byte in output"
for i in 1 2 3 4 5 6; do
    n=$(jq -c "select(.record==\"event\" and .login_id==\"$((100000 + i))\")" \
        "$T/out.jsonl" | wc -l)
    [ "$n" -eq 1 ] || fail "good line $i gave $n events, want 1"
done
ok "good lines around the bad ones give their events"
grep -q 'truncated' "$T/err" || fail "the 1 MiB line was not counted"
ok "over-long line counted"

"$BIN" replay -o text "$f" >"$T/out.txt" 2>/dev/null
if LC_ALL=C grep -qP '\x1b' "$T/out.txt"; then
    fail "ANSI escape reached the text output"
fi
ok "text output carries no terminal escape"

# A file deleted while the daemon reads it.
mkdir -p "$T/in" "$T/state"
for i in $(seq 1 50); do accepted "$i"; done >"$T/in/auth.log"
cat >"$T/sinks.json" <<JSON
{ "state_dir": "$T/state",
  "sources": [ { "name": "auth", "type": "file", "path": "$T/in/auth.log",
                 "from_beginning": true, "timezone": "UTC" } ],
  "sinks": [ { "name": "out", "type": "file", "path": "$T/live.jsonl",
               "records": ["events"] } ] }
JSON
start_daemon "$T/sinks.json"
wait_for 10 bash -c "[ \$(grep -c event '$T/live.jsonl' 2>/dev/null) -ge 50 ]" ||
    fail "lines before deletion"
rm "$T/in/auth.log"
sleep 0.5
kill -0 "$DPID" || fail "daemon died when its file was deleted"
for i in $(seq 51 60); do accepted "$i"; done >"$T/in/auth.log"
wait_for 10 bash -c "[ \$(grep -c event '$T/live.jsonl') -ge 60 ]" ||
    fail "re-created file not followed"
stop_daemon
ok "file deleted while read: survives and follows the new file"
finish
