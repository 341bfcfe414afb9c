#!/usr/bin/env bash
# The systemd service protocol (sd_notify(3)) as the daemon speaks it to a
# real notify socket: READY=1 with STATUS= counters, WATCHDOG=1 at half of
# WATCHDOG_USEC, RELOADING=1 + MONOTONIC_USEC= then READY=1 around a
# SIGHUP (a good file and a broken one), STOPPING=1 on SIGTERM.
. "$(dirname "$0")/lib.sh"

if ! ldd "$BIN" | grep -q libsystemd; then
    echo "SKIP: built without libsystemd (no sd_notify)"
    exit 77
fi
cc -O2 -o "$T/notify_recv" "$SRC/tests/it/notify_recv.c"
"$T/notify_recv" "$T/notify.sock" >"$T/notify.log" &
PIDS+=($!)
wait_for 5 test -S "$T/notify.sock" || fail "notify socket not made"

mkdir -p "$T/in" "$T/state"
: >"$T/in/auth.log"
cat >"$T/sinks.json" <<JSON
{ "state_dir": "$T/state", "control_socket": "",
  "sources": [ { "name": "auth", "type": "file", "path": "$T/in/auth.log",
                 "timezone": "UTC" } ],
  "sinks": [ { "name": "out", "type": "file", "path": "$T/out.jsonl",
               "format": "json" } ] }
JSON

# watchdog every 0.4 s: pings every 0.2 s
NOTIFY_SOCKET="$T/notify.sock" WATCHDOG_USEC=400000 \
    "$BIN" -c "$T/sinks.json" 2>>"$T/stderr.log" >>"$T/stdout.log" &
DPID=$!
PIDS+=("$DPID")

wait_for 10 grep -q '^READY=1' "$T/notify.log" || fail "no READY=1"
expect_eq "READY=1 message" "$(grep '^READY=1' "$T/notify.log" | head -1)" \
    "READY=1|STATUS=records 0, events 0, open sessions 0, dropped 0"

sleep 1.2
n=$(grep -c '^WATCHDOG=1$' "$T/notify.log")
[ "$n" -ge 4 ] && [ "$n" -le 9 ] || fail "WATCHDOG=1 $n times in about 1.2 s (want about 6)"
ok "WATCHDOG=1 at half the interval ($n pings in about 1.2 s)"

for i in 1 2 3; do accepted "$i"; done >>"$T/in/auth.log"
wait_for 10 bash -c "[ \$(grep -c '\"record\":\"event\"' '$T/out.jsonl' 2>/dev/null) -ge 3 ]" ||
    fail "events did not arrive"

# A reload: RELOADING=1 with the monotonic clock, then READY=1 with counters.
kill -HUP "$DPID"
wait_for 10 bash -c "[ \$(grep -c '^READY=1' '$T/notify.log') -ge 2 ]" ||
    fail "no READY=1 after the reload"
grep -v '^WATCHDOG=1$' "$T/notify.log" >"$T/msgs"
reloading=$(grep -n '^RELOADING=1' "$T/msgs" | head -1)
ready2=$(grep -n '^READY=1' "$T/msgs" | sed -n 2p)
[[ $reloading =~ ^([0-9]+):RELOADING=1\|MONOTONIC_USEC=([0-9]+)$ ]] ||
    fail "RELOADING message: '$reloading'"
line_reloading=${BASH_REMATCH[1]}
mono1=${BASH_REMATCH[2]}
up=$(cut -d. -f1 /proc/uptime) # CLOCK_BOOTTIME: never behind CLOCK_MONOTONIC
[ "$mono1" -gt 0 ] && [ "$((mono1 / 1000000))" -le "$((up + 1))" ] ||
    fail "MONOTONIC_USEC=$mono1 is not the monotonic clock (uptime $up s)"
ok "RELOADING=1 with MONOTONIC_USEC"
[ "${ready2%%:*}" -gt "$line_reloading" ] || fail "READY=1 came before RELOADING=1"
expect_eq "READY=1 after the reload" "${ready2#*:}" \
    "READY=1|STATUS=records 3, events 3, open sessions 3, dropped 0"

# A broken file: the running configuration is kept, and READY=1 says so.
cp "$T/sinks.json" "$T/sinks.good"
echo '{ "sinks": [ ' >"$T/sinks.json"
kill -HUP "$DPID"
wait_for 10 bash -c "[ \$(grep -c '^READY=1' '$T/notify.log') -ge 3 ]" ||
    fail "no READY=1 after a failed reload"
grep -q "reload failed" "$T/stderr.log" || fail "failed reload not said"
mono2=$(grep -o 'MONOTONIC_USEC=[0-9]*' "$T/notify.log" | sed -n 2p | cut -d= -f2)
[ "$mono2" -gt "$mono1" ] || fail "MONOTONIC_USEC did not advance: $mono1 then $mono2"
ok "failed reload: RELOADING=1 then READY=1, old configuration kept"
accepted 4 >>"$T/in/auth.log"
wait_for 10 bash -c "[ \$(grep -c '\"record\":\"event\"' '$T/out.jsonl') -ge 4 ]" ||
    fail "old configuration stopped working"

# STATUS= is refreshed on its own every few seconds when counters change.
wait_for 8 grep -q '^STATUS=records 4, events 4, open sessions 4, dropped 0$' "$T/notify.log" ||
    fail "STATUS= not refreshed: $(grep STATUS "$T/notify.log" | tail -1)"
ok "STATUS= refreshed with the counters"

kill -TERM "$DPID"
wait "$DPID" || fail "daemon exited with status $?"
grep -v '^WATCHDOG=1$' "$T/notify.log" | tail -1 >"$T/last"
expect_eq "last message" "$(cat "$T/last")" \
    "STOPPING=1|STATUS=records 4, events 4, open sessions 4, dropped 0"

# Outside systemd (no NOTIFY_SOCKET) nothing is sent and nothing breaks.
: >"$T/notify.log"
cp "$T/sinks.good" "$T/sinks.json"
start_daemon "$T/sinks.json"
sleep 0.5
kill -HUP "$DPID"
sleep 0.3
stop_daemon
expect_eq "messages without NOTIFY_SOCKET" "$(wc -c <"$T/notify.log")" 0
finish
