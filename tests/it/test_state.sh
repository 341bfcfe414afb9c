#!/usr/bin/env bash
# Open sessions survive a restart (DESIGN 3, daemon/state.h):
#  1. sessions opened before a SIGTERM are in state_dir/sessions.state and,
#     after a restart, their logout lines close them with the same
#     session_id and start, end_reason logout, and no second "open" record;
#  2. after kill -9 the sessions of the last periodic save come back
#     (the save interval shortened through the test-only environment
#     variable SESSIONTAIL_TEST_STATE_INTERVAL_MS);
#  2b. a max_open lowered below what was saved keeps the most recently
#     active sessions and says how many it dropped;
#  3. a damaged file: bad lines are skipped and counted, a file that is not
#     a state file is set aside as sessions.state.bad; the daemon runs.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || { echo "skip: jq missing"; exit 77; }

STATE=$T/state
LOG=$T/in/auth.log
OUT=$T/out.jsonl
mkdir -p "$T/in" "$STATE"
: >"$LOG"
cat >"$T/sinks.json" <<JSON
{ "state_dir": "$STATE",
  "sources": [ { "name": "auth", "type": "file", "path": "$LOG",
                 "from_beginning": true, "timezone": "UTC" } ],
  "sinks": [ { "name": "out", "type": "file", "path": "$OUT",
               "format": "json", "records": ["events", "sessions"] } ] }
JSON

# login PID USER PORT: an sshd login line
login() {
    printf 'Mar 14 10:00:0%d web01 sshd[%d]: Accepted password for %s from 2001:db8::%d port %d ssh2\n' \
        "$(($1 % 10))" "$1" "$2" "$(($1 % 100))" "$3" >>"$LOG"
}

# session_field LOGIN_ID STATE FIELD: FIELD of the session records
session_field() {
    jq -r --arg id "$1" --arg st "$2" --arg f "$3" \
        'select(.record=="session" and .login_id==$id and .state==$st) | .[$f]' "$OUT"
}

records_for() { # records_for SESSION_ID STATE: how many
    jq -r --arg s "$1" --arg st "$2" \
        'select(.record=="session" and .session_id==$s and .state==$st) | .session_id' "$OUT" | wc -l
}

open_count() { [ "$(jq -c 'select(.record=="session" and .state=="open")' "$OUT" 2>/dev/null | wc -l)" -ge "$1" ]; }
closed_count() { [ "$(jq -c 'select(.record=="session" and .state=="closed")' "$OUT" 2>/dev/null | wc -l)" -ge "$1" ]; }
log_has() { grep -q -- "$1" "$T/stderr.log"; }

# ---- 1. SIGTERM, restart, logout ----
start_daemon "$T/sinks.json"
login 3001 alice 50001
login 3002 bob 50002
login 3003 carol 50003
wait_for 10 open_count 3 || fail "the three sessions did not open"
stop_daemon
[ -f "$STATE/sessions.state" ] || fail "no sessions.state after SIGTERM"
expect_eq "header count" "$(head -1 "$STATE/sessions.state" | jq .count)" 3
expect_eq "session lines" "$(tail -n +2 "$STATE/sessions.state" | jq -r .login_id | sort | tr '\n' ' ')" "3001 3002 3003 "
[ ! -e "$STATE/sessions.state.tmp" ] || fail "a temporary file was left behind"
ok "no temporary file left"

declare -A SID START
for id in 3001 3002 3003; do
    SID[$id]=$(session_field $id open session_id)
    START[$id]=$(session_field $id open start)
    [ -n "${SID[$id]}" ] || fail "no open record for $id"
done

start_daemon "$T/sinks.json"
wait_for 10 log_has "restored 3 open sessions from $STATE/sessions.state (0 skipped)" ||
    fail "no restore line: $(cat "$T/stderr.log")"
ok "restored 3 open sessions (0 skipped)"
printf 'Mar 14 11:00:01 web01 sshd[3001]: Disconnected from user alice 2001:db8::1 port 50001\n' >>"$LOG"
printf 'Mar 14 11:00:02 web01 sshd[3002]: pam_unix(sshd:session): session closed for user bob\n' >>"$LOG"
wait_for 10 closed_count 2 || fail "the restored sessions were not closed: $(tail -3 "$OUT")"
for id in 3001 3002; do
    expect_eq "$id closed session_id" "$(session_field $id closed session_id)" "${SID[$id]}"
    expect_eq "$id closed start" "$(session_field $id closed start)" "${START[$id]}"
    expect_eq "$id end_reason" "$(session_field $id closed end_reason)" logout
    expect_eq "$id open records" "$(records_for "${SID[$id]}" open)" 1
done
stop_daemon
expect_eq "left open after the logouts" "$(tail -n +2 "$STATE/sessions.state" | jq -r .session_id)" "${SID[3003]}"

# ---- 2. kill -9 after a periodic save ----
SESSIONTAIL_TEST_STATE_INTERVAL_MS=200 start_daemon "$T/sinks.json"
for i in $(seq 4001 4050); do login "$i" u$i $((40000 + i)); done
saved50() { [ "$(head -1 "$STATE/sessions.state" 2>/dev/null | jq .count 2>/dev/null)" == 51 ]; }
wait_for 10 saved50 || fail "no periodic save of 51 sessions"
ok "periodic save of 51 open sessions"
kill -9 "$DPID"
wait "$DPID" 2>/dev/null || true
start_daemon "$T/sinks.json"
wait_for 10 log_has "restored 51 open sessions" || fail "not restored after kill -9"
ok "restored 51 open sessions after kill -9"
printf 'Mar 14 11:00:03 web01 sshd[4001]: Disconnected from user u4001 2001:db8::1 port 44001\n' >>"$LOG"
wait_for 10 closed_count 3 || fail "the session saved before the crash was not closed"
expect_eq "4001 closed session_id" "$(session_field 4001 closed session_id)" "$(session_field 4001 open session_id)"
stop_daemon
expect_eq "saved at stop" "$(head -1 "$STATE/sessions.state" | jq .count)" 50

# ---- 2b. max_open lowered below what was saved ----
jq '.sessions = {"max_open": 20}' "$T/sinks.json" >"$T/small.json"
: >"$T/stderr.log"
start_daemon "$T/small.json"
wait_for 10 log_has "restored" || fail "no restore line: $(cat "$T/stderr.log")"
log_has "30 sessions more than max_open dropped" ||
    fail "the sessions that did not fit were not reported: $(cat "$T/stderr.log")"
ok "30 sessions beyond max_open 20 reported"
stop_daemon
expect_eq "kept at stop" "$(head -1 "$STATE/sessions.state" | jq .count)" 20

# ---- 3. damaged files ----
good=$(sed -n 2p "$STATE/sessions.state")
{
    head -1 "$STATE/sessions.state"
    echo "$good"
    echo '{"session_id":"not hex"}'
    echo 'garbage'
    printf '%s' "${good:0:40}"
} >"$STATE/sessions.state.new"
mv "$STATE/sessions.state.new" "$STATE/sessions.state"
: >"$T/stderr.log"
start_daemon "$T/sinks.json"
wait_for 10 log_has "restored 1 open sessions" || fail "no restore line: $(cat "$T/stderr.log")"
log_has "(3 skipped)" || fail "skips not counted: $(cat "$T/stderr.log")"
log_has "line 3 skipped" || fail "bad line not named"
log_has "line 5 skipped: last line cut short" || fail "cut line not named"
ok "bad lines skipped, counted and named"
stop_daemon

echo 'not a state file' >"$STATE/sessions.state"
: >"$T/stderr.log"
start_daemon "$T/sinks.json"
wait_for 10 log_has "running with" || fail "the daemon did not start"
log_has "not a session state file; ignored and kept as $STATE/sessions.state.bad" ||
    fail "no warning: $(cat "$T/stderr.log")"
[ -f "$STATE/sessions.state.bad" ] || fail "not set aside"
ok "a bad file is set aside and the daemon runs"
stop_daemon
expect_eq "saved again at stop" "$(head -1 "$STATE/sessions.state" | jq .sessiontail_state)" 1
finish
