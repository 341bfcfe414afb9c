#!/usr/bin/env bash
# The control socket against a running daemon: `sessions` (table, --json,
# filters) lists what the sshd lines opened and forgets what they closed;
# `stats` counts what was fed; the socket is 0660 and owned by
# control_group; a daemon that is not running is exit 69, a socket the user
# may not use exit 77; a reload keeps the socket and a new control_socket
# moves it; 100,000 open sessions list completely while the daemon goes on
# reading.
. "$(dirname "$0")/lib.sh"

GROUP=adm
getent group "$GROUP" >/dev/null || GROUP=nogroup
getent group "$GROUP" >/dev/null || { echo "no adm or nogroup group"; exit 77; }

mkdir -p "$T/in" "$T/state"
: >"$T/in/auth.log"
conf() { # SOCKET [MAX_OPEN]
    cat <<JSON
{ "state_dir": "$T/state", "control_socket": "$1", "control_group": "$GROUP",
  "sessions": { "max_open": ${2:-1000} },
  "sources": [ { "name": "auth", "type": "file", "path": "$T/in/auth.log",
                 "timezone": "UTC" } ],
  "sinks": [ { "name": "out", "type": "file", "path": "$T/out.jsonl",
               "format": "json" } ] }
JSON
}
SOCK=$T/control.sock
conf "$SOCK" >"$T/sinks.json"

# --check names an unknown group.
conf "$SOCK" | sed 's/"control_group": "[a-z]*"/"control_group": "no-such-grp"/' \
    >"$T/badgroup.json"
rc=0
"$BIN" --check -c "$T/badgroup.json" 2>"$T/check.err" || rc=$?
expect_eq "--check with an unknown control_group exits" "$rc" 78
grep -q "control_group" "$T/check.err" || fail "the message does not name control_group"
ok "the message names control_group"

start_daemon "$T/sinks.json"
wait_for 10 test -S "$SOCK" || fail "no control socket"
expect_eq "socket mode and group" "$(stat -c '%a %G' "$SOCK")" "660 $GROUP"

for i in 1 2 3 4 5; do accepted "$i"; done >>"$T/in/auth.log"
echo 'Mar 14 13:55:00 db02 sshd[2001]: Accepted publickey for alice from 192.168.1.7 port 5555 ssh2' \
    >>"$T/in/auth.log"
fed=6
n_sessions() { "$BIN" sessions -c "$T/sinks.json" --json "$@" | wc -l; }
wait_for 10 bash -c "[ \$('$BIN' sessions -c '$T/sinks.json' --json | wc -l) -eq 6 ]" ||
    fail "sessions did not list 6 open sessions"
ok "sessions --json lists the 6 open sessions"

"$BIN" sessions -c "$T/sinks.json" --json >"$T/s.jsonl"
expect_eq "hosts" "$(jq -r .hostname "$T/s.jsonl" | sort -u | tr '\n' ' ')" "db02 web01 "
expect_eq "users" "$(jq -r .user "$T/s.jsonl" | sort | tr '\n' ' ')" "alice u1 u2 u3 u4 u5 "
expect_eq "from" "$(jq -r 'select(.user=="alice") | .src_ip' "$T/s.jsonl")" "192.168.1.7"
expect_eq "every line is an open session record with idle_s" \
    "$(jq -r 'select(.record=="session" and .state=="open" and (.idle_s|type)=="number") | .session_id' \
        "$T/s.jsonl" | sort -u | wc -l)" 6

"$BIN" sessions -c "$T/sinks.json" >"$T/table.txt"
head -1 "$T/table.txt" | grep -qE '^SESSION +HOST +USER +FROM +TYPE +SINCE +IDLE +LOCKED +ADMIN$' ||
    fail "table header: $(head -1 "$T/table.txt")"
ok "table header"
grep -qE ' db02 +alice +192\.168\.1\.7 +remote +2[0-9]{3}-03-14 13:55 +[0-9]+[smhd] +no +no$' "$T/table.txt" ||
    fail "table row of alice: $(cat "$T/table.txt")"
ok "table row: host, user, from, type, since, idle, locked, admin"
expect_eq "table footer" "$(tail -1 "$T/table.txt")" "6 sessions"

expect_eq "--host db02" "$(n_sessions --host db02)" 1
expect_eq "--user u3" "$(n_sessions --user u3)" 1
expect_eq "--user ALICE (Linux names are case-sensitive)" "$(n_sessions --user ALICE)" 0
expect_eq "--host web01 --user u2" "$(n_sessions --host web01 --user u2)" 1
expect_eq "--host web01 --user alice" "$(n_sessions --host web01 --user alice)" 0
"$BIN" sessions -c "$T/sinks.json" --host nowhere >"$T/empty.txt"
expect_eq "empty table: header and 0 sessions" \
    "$(sed -n 2p "$T/empty.txt") $(wc -l <"$T/empty.txt")" "0 sessions 2"

echo 'Mar 14 13:56:00 web01 sshd[100003]: Disconnected from user u3 10.0.0.4 port 1027' \
    >>"$T/in/auth.log"
fed=$((fed + 1))
wait_for 10 bash -c "[ \$('$BIN' sessions -c '$T/sinks.json' --json | wc -l) -eq 5 ]" ||
    fail "the logout did not close the session"
expect_eq "after the logout, u3 is gone" "$(n_sessions --user u3)" 0

"$BIN" stats -c "$T/sinks.json" --json >"$T/stats.jsonl"
stat_of() { jq -r "select(.stats==\"$1\") | $2" "$T/stats.jsonl"; }
expect_eq "stats: source records" "$(stat_of source .records)" "$fed"
expect_eq "stats: parser events" "$(stat_of source .parser.events)" "$fed"
expect_eq "stats: pipeline events" "$(stat_of pipeline .events)" "$fed"
expect_eq "stats: sessions opened/closed/open_now" \
    "$(stat_of sessions '"\(.opened) \(.closed) \(.open_now)"')" "6 1 5"
expect_eq "stats: sink written (events + session records)" \
    "$(stat_of sink .written)" "$(wc -l <"$T/out.jsonl")"
"$BIN" stats -c "$T/sinks.json" >"$T/stats.txt"
grep -qE '^source auth \(file\)$' "$T/stats.txt" || fail "stats text: $(cat "$T/stats.txt")"
grep -qE "^  parser\.events +$fed$" "$T/stats.txt" || fail "stats text parser.events"
grep -qE '^  open_now +5$' "$T/stats.txt" || fail "stats text open_now"
ok "stats as text: sections and counters"

if command -v python3 >/dev/null; then
    answer=$(python3 - "$SOCK" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b'{"cmd":"reboot"}\n')
print(s.makefile().read().strip())
PY
)
    expect_eq "a malformed request gets an error line" \
        "$(jq -r 'has("error")' <<<"$answer")" true
    expect_eq "and is counted" \
        "$("$BIN" stats -c "$T/sinks.json" --json | jq -r 'select(.stats=="control") | .malformed')" 1
fi

chmod 755 "$T"
rc=0
setpriv --reuid=nobody --regid=nogroup --clear-groups \
    "$BIN" sessions --socket "$SOCK" 2>"$T/perm.err" || rc=$?
expect_eq "a user outside the group: exit" "$rc" 77
grep -q "permission denied on $SOCK: members of group '$GROUP' may use it" "$T/perm.err" ||
    fail "permission message: $(cat "$T/perm.err")"
ok "the message names the socket and the group"

conf "$T/control2.sock" >"$T/sinks.json"
kill -HUP "$DPID"
wait_for 10 test -S "$T/control2.sock" || fail "a new control_socket was not bound on reload"
wait_for 10 bash -c "! test -e '$SOCK'" || fail "the old socket was left behind"
expect_eq "the sessions survive the reload" \
    "$("$BIN" sessions -c "$T/sinks.json" --json | wc -l)" 5
SOCK=$T/control2.sock

stop_daemon
[ ! -e "$SOCK" ] || fail "socket left behind at stop"
ok "the socket is removed at stop"
rc=0
"$BIN" sessions -c "$T/sinks.json" 2>"$T/down.err" || rc=$?
expect_eq "daemon not running: exit" "$rc" 69
expect_eq "daemon not running: message" "$(cat "$T/down.err")" \
    "sessiontail: the daemon is not running (no listener on $SOCK)"

# A socket left by a crash is replaced; a live one is left to its daemon;
# a socket that cannot be created is a warning, not a failure.
start_daemon "$T/sinks.json"
wait_for 10 test -S "$SOCK" || fail "no control socket"
kill -9 "$DPID"
wait "$DPID" 2>/dev/null || true
[ -S "$SOCK" ] || fail "kill -9 removed the socket"
start_daemon "$T/sinks.json"
wait_for 10 "$BIN" stats --socket "$SOCK" --json >/dev/null 2>&1 ||
    fail "the stale socket was not replaced"
ok "a stale socket is replaced at start"
first=$DPID
sed "s|$T/state|$T/state2|; s|$T/out.jsonl|$T/out2.jsonl|" "$T/sinks.json" >"$T/second.json"
mkdir -p "$T/state2"
start_daemon "$T/second.json" "$T/second.err"
wait_for 10 grep -q "another daemon listens on it: .*; running without it" "$T/second.err" ||
    fail "second daemon: $(cat "$T/second.err")"
kill -0 "$DPID" || fail "the second daemon gave up"
stop_daemon
"$BIN" stats --socket "$SOCK" --json >/dev/null || fail "the second daemon took the socket"
ok "a live socket is left to its daemon; the second one runs without"
DPID=$first
stop_daemon
conf "$T/no/such/dir/control.sock" >"$T/nodir.json"
start_daemon "$T/nodir.json" "$T/nodir.err"
wait_for 10 grep -q "control socket $T/no/such/dir/control.sock: cannot create it: no such file or directory; running without it" \
    "$T/nodir.err" || fail "no warning: $(cat "$T/nodir.err")"
accepted 999999 >>"$T/in/auth.log"
wait_for 10 grep -q '"login_id":"1099999"' "$T/out.jsonl" ||
    fail "the daemon without a socket does not read"
stop_daemon
expect_eq "the warning is said once" "$(grep -c 'running without it' "$T/nodir.err")" 1

# Many sessions: the listing is complete and the daemon keeps reading.
N=100000
: >"$T/in/auth.log"
rm -rf "$T/state"/* "$T/out.jsonl"
conf "$SOCK" 200000 >"$T/sinks.json"
start_daemon "$T/sinks.json"
wait_for 10 test -S "$SOCK" || fail "no control socket"
awk -v n=$N 'BEGIN { for (i = 1; i <= n; i++)
    printf "Mar 14 13:54:19 web01 sshd[%d]: Accepted password for u%d from 10.0.%d.%d port %d ssh2\n",
        100000 + i, i, int(i / 250) % 250, i % 250 + 1, 1024 + i % 60000 }' >>"$T/in/auth.log"
events() { "$BIN" stats -c "$T/sinks.json" --json | jq -r 'select(.stats=="pipeline") | .events'; }
wait_for 120 bash -c "[ \$('$BIN' stats -c '$T/sinks.json' --json | jq -r 'select(.stats==\"pipeline\") | .events') -ge $N ]" ||
    fail "the $N lines were not read"
expect_eq "$N sessions listed" "$("$BIN" sessions -c "$T/sinks.json" --json | wc -l)" $N
"$BIN" sessions -c "$T/sinks.json" --json >"$T/many.jsonl" &
lister=$!
for i in $(seq $((N + 1)) $((N + 1000))); do accepted "$i"; done >>"$T/in/auth.log"
wait "$lister" || fail "the listing failed while lines arrived"
got=$(wc -l <"$T/many.jsonl")
[ "$got" -ge $N ] && [ "$got" -le $((N + 1000)) ] || fail "listing during reading: $got lines"
ok "listing during reading: $got lines, none lost"
wait_for 30 bash -c "[ \$('$BIN' stats -c '$T/sinks.json' --json | jq -r 'select(.stats==\"pipeline\") | .events') -ge $((N + 1000)) ]" ||
    fail "the daemon stopped reading"
ok "the daemon went on reading: $(events) events"
# The loop's turns are measured (loopstat.h); the longest one is printed
# for the record, not judged: a sanitizer build on a shared VM is no clock.
"$BIN" stats -c "$T/sinks.json" --json >"$T/stats.jsonl"
turns=$(stat_of loop .turns)
[ "$turns" -gt 0 ] || fail "no loop turns counted"
for f in busy_max_us stalls busy_total_us; do
    [ -n "$(stat_of loop ".$f // empty")" ] || fail "loop.$f missing"
done
ok "loop: $turns turns, longest $(stat_of loop .busy_max_us) us, $(stat_of loop .stalls) over 100 ms"
stop_daemon
finish
