#!/usr/bin/env bash
# The README's "Reading remote journals", for real on loopback: two hosts'
# journals (web07, web08; journal files made from export format) are sent
# by systemd-journal-upload over HTTP to systemd-journal-remote, which
# writes them under a directory the running daemon follows with a journal
# source as the README gives it (path only, no from_beginning: the daemon
# starts on an empty directory and reads what arrives).  Every event must
# name the host its entry names (_HOSTNAME), though journal-remote names
# its file after the connection (remote-127.0.0.1.journal), mode 0640.
. "$(dirname "$0")/lib.sh"

JR=/lib/systemd/systemd-journal-remote
JU=/lib/systemd/systemd-journal-upload
for b in "$JR" "$JU"; do
    [ -x "$b" ] || { echo "SKIP: $b missing (package systemd-journal-remote)"; exit 77; }
done
command -v jq >/dev/null || { echo "SKIP: no jq"; exit 77; }

# export HOST PID USER BOOT_ID: an sshd login and logout of USER on HOST
entries() {
    local t=1710500000000000 i=0
    for msg in "Accepted publickey for $3 from 192.0.2.7 port 2222 ssh2" \
        "Disconnected from user $3 192.0.2.7 port 2222"; do
        printf '__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n_BOOT_ID=%s\n' \
            $((t + i * 1000000)) $((5000000 + i * 1000000)) "$4"
        printf '_HOSTNAME=%s\nSYSLOG_IDENTIFIER=sshd\n_PID=%d\n_COMM=sshd\nMESSAGE=%s\n\n' \
            "$1" "$2" "$msg"
        i=$((i + 1))
    done
}
mkdir -p "$T/src" "$T/remote"
entries web07 4242 bob aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa | "$JR" -o "$T/src/web07.journal" - 2>>"$T/jr.log" ||
    fail "journal file for web07: $(cat "$T/jr.log")"
entries web08 5353 carol bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb | "$JR" -o "$T/src/web08.journal" - 2>>"$T/jr.log" ||
    fail "journal file for web08: $(cat "$T/jr.log")"
if ! "$BIN" replay -o json "$T/src/web07.journal" >/dev/null 2>"$T/r.err"; then
    grep -q "without journal support" "$T/r.err" && { echo "SKIP: built without libsystemd"; exit 77; }
    fail "replay of a journal file: $(cat "$T/r.err")"
fi

# ---- the daemon follows the (empty) directory, as the README's source ----
cat >"$T/sinks.json" <<EOF
{ "state_dir": "$T", "control_socket": "",
  "sources": [ { "name": "remote", "type": "journal", "path": "$T/remote" } ],
  "sinks": [ { "name": "out", "type": "file", "path": "$T/out.jsonl", "records": ["events"] } ] }
EOF
start_daemon "$T/sinks.json" "$T/err.log"
wait_for 10 grep -qs 'running with' "$T/err.log" || { cat "$T/err.log"; fail "the daemon does not run"; }
ok "the daemon follows $T/remote"

# ---- systemd-journal-remote on a free loopback port ----
tcp_listening() { grep -q "$(printf ':%04X 00000000:0000 0A' "$1")" /proc/net/tcp; }
PORT=""
for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 10000))
    tcp_listening "$p" || { PORT=$p; break; }
done
[ -n "$PORT" ] || fail "no free TCP port"
"$JR" --listen-http=127.0.0.1:"$PORT" --output="$T/remote/" 2>>"$T/jr.log" &
PIDS+=($!)
JRPID=$!
wait_for 10 tcp_listening "$PORT" || { cat "$T/jr.log"; fail "systemd-journal-remote does not listen"; }
ok "systemd-journal-remote listens on 127.0.0.1:$PORT"

for h in web07 web08; do
    timeout 30 "$JU" --follow=no --url="http://127.0.0.1:$PORT" --file="$T/src/$h.journal" >>"$T/ju.log" 2>&1 ||
        fail "systemd-journal-upload of $h: $(cat "$T/ju.log")"
done
ok "systemd-journal-upload sent both journals"

have() { [ "$(count_events "$T/out.jsonl")" -ge 4 ]; }
wait_for 20 have || { cat "$T/err.log"; fail "$(count_events "$T/out.jsonl") events of 4"; }
sleep 0.3
expect_eq "events" "$(count_events "$T/out.jsonl")" 4
expect_eq "web07: bob logs in and out" \
    "$(jq -r 'select(.hostname=="web07") | [.user, .action, .login_id, .src_ip] | join(" ")' "$T/out.jsonl" | paste -sd,)" \
    "bob login 4242 192.0.2.7,bob logout 4242 192.0.2.7"
expect_eq "web08: carol logs in and out" \
    "$(jq -r 'select(.hostname=="web08") | [.user, .action, .login_id] | join(" ")' "$T/out.jsonl" | paste -sd,)" \
    "carol login 5353,carol logout 5353"
expect_eq "source" "$(jq -r .source "$T/out.jsonl" | sort -u)" remote

# The file is the connection's, not a host's; 0640.
expect_eq "files written by journal-remote" "$(cd "$T/remote" && ls)" "remote-127.0.0.1.journal"
expect_eq "their mode" "$(stat -c %a "$T/remote/remote-127.0.0.1.journal")" 640

kill "$JRPID"
stop_daemon
finish
