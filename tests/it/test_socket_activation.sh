#!/usr/bin/env bash
# Socket activation for real: systemd-socket-activate (from the systemd
# package) holds the UDP sockets, as sessiontail.socket does for port 514,
# and starts the daemon on the first datagram with LISTEN_FDS.
#   1. by address: the source listening on the passed socket's address takes
#      it (no bind of its own); the first datagram, which started the
#      daemon, is read; a second passed socket no source wants is closed
#      with a warning;
#   2. the socket survives a reload (SIGHUP): the new configuration takes it
#      again and datagrams keep arriving;
#   3. by name: FileDescriptorName (--fdname) equal to the source name wins
#      over a listen address that matches nothing.
. "$(dirname "$0")/lib.sh"

command -v systemd-socket-activate >/dev/null ||
    { echo "SKIP: no systemd-socket-activate (package systemd)"; exit 77; }
command -v logger >/dev/null || { echo "SKIP: no logger"; exit 77; }
ldd "$BIN" | grep -q libsystemd ||
    { echo "SKIP: built without libsystemd (no socket activation)"; exit 77; }

conf() { # LISTEN OUTPUT
    cat <<JSON
{ "state_dir": "$T/state", "control_socket": "",
  "sources": [ { "name": "net", "type": "syslog", "listen": "$1",
                 "timezone": "UTC" } ],
  "sinks": [ { "name": "out", "type": "file", "path": "$2",
               "format": "json", "records": ["events"] } ] }
JSON
}
mkdir -p "$T/state"

# activate LOG ARGS...: run the daemon under systemd-socket-activate on two
# free UDP ports P1 and P2 (retried: they are picked at random).
activate() {
    local log=$1 try
    shift
    for try in 1 2 3 4 5; do
        P1=$((20000 + RANDOM % 20000))
        P2=$((P1 + 1))
        : >"$log"
        systemd-socket-activate --datagram -l "127.0.0.1:$P1" -l "127.0.0.1:$P2" \
            -E TZ=UTC "$@" 2>>"$log" >>"$T/stdout.log" &
        DPID=$!
        PIDS+=("$DPID")
        wait_for 5 grep -q "Listening on 127.0.0.1:$P2" "$log" && return 0
        kill "$DPID" 2>/dev/null || true
        wait "$DPID" 2>/dev/null || true
    done
    fail "systemd-socket-activate could not listen: $(cat "$log")"
}

login() { # PORT N: one sshd login over UDP
    logger --udp -n 127.0.0.1 -P "$1" -t sshd --rfc3164 --id=$((5000 + $2)) \
        "Accepted password for u$2 from 10.9.0.$2 port $((40000 + $2)) ssh2"
}
events() { count_events "$1"; }

# 1. by address
activate "$T/err1.log" "$BIN" -c "$T/sinks1.json"
# written before the first datagram starts the daemon
conf "udp://127.0.0.1:$P1" "$T/out1.jsonl" >"$T/sinks1.json"
login "$P1" 1 # starts the daemon; the datagram waits in the socket
wait_for 10 grep -q "listening on" "$T/err1.log" || fail "daemon did not start: $(cat "$T/err1.log")"
grep -q "listening on udp://127.0.0.1:$P1 (port $P1), socket from systemd" "$T/err1.log" ||
    fail "passed socket not taken: $(cat "$T/err1.log")"
ok "the source takes the passed socket for udp://127.0.0.1:$P1"
wait_for 10 bash -c "[ \$(grep -c '\"record\":\"event\"' '$T/out1.jsonl' 2>/dev/null) -ge 1 ]" ||
    fail "the datagram that started the daemon was lost"
ok "the datagram that started the daemon is read"
grep -q "socket passed by systemd (fd 4, udp 127.0.0.1:$P2, name 'unknown') matches no syslog source: closed" \
    "$T/err1.log" || fail "unused socket not reported: $(cat "$T/err1.log")"
ok "the socket no source wants is closed with a warning"
# systemd-socket-activate exec'd the daemon: nobody else holds the socket
udp_bound() { grep -qi " 0100007F:$(printf '%04X' "$1") " /proc/net/udp; }
udp_bound "$P1" || fail "the taken socket is gone"
! udp_bound "$P2" || fail "the unused socket on port $P2 is still open"
ok "the unused socket is really closed"

# 2. reload: the same socket again, under a new sink
conf "udp://127.0.0.1:$P1" "$T/out1b.jsonl" >"$T/sinks1.json"
kill -HUP "$DPID"
wait_for 10 test -e "$T/out1b.jsonl" || fail "reload not applied: $(cat "$T/err1.log")"
expect_eq "sources that took the passed socket" \
    "$(grep -c 'socket from systemd' "$T/err1.log")" 2
login "$P1" 2
login "$P1" 3
wait_for 10 bash -c "[ \$(grep -c '\"record\":\"event\"' '$T/out1b.jsonl' 2>/dev/null) -ge 2 ]" ||
    fail "datagrams after the reload lost: $(cat "$T/err1.log")"
ok "after a reload the passed socket is taken again and read"
kill -TERM "$DPID"
wait "$DPID" || fail "daemon exited with status $?"
ok "stops cleanly"

# 3. by name: the listen address matches neither socket, the name does
activate "$T/err2.log" --fdname=spare:net "$BIN" -c "$T/sinks2.json"
# port 9 (discard) is none of the passed ones
conf "udp://127.0.0.1:9" "$T/out2.jsonl" >"$T/sinks2.json"
login "$P2" 4
wait_for 10 grep -q "listening on" "$T/err2.log" || fail "daemon did not start: $(cat "$T/err2.log")"
grep -q "listening on udp://127.0.0.1:9 (port $P2), socket from systemd" "$T/err2.log" ||
    fail "socket named 'net' not taken: $(cat "$T/err2.log")"
grep -q "name 'spare') matches no syslog source: closed" "$T/err2.log" ||
    fail "socket named 'spare' not closed: $(cat "$T/err2.log")"
wait_for 10 bash -c "[ \$(grep -c '\"record\":\"event\"' '$T/out2.jsonl' 2>/dev/null) -ge 1 ]" ||
    fail "datagram on the named socket lost"
ok "FileDescriptorName equal to the source name selects the socket"
kill -TERM "$DPID"
wait "$DPID" || fail "daemon exited with status $?"
finish
