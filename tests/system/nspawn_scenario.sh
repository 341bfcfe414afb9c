#!/bin/bash
# nspawn_scenario.sh - runs inside the container booted by test_nspawn.sh,
# as a oneshot unit ordered after sessiontail.service.  It drives the
# installed unit through systemctl the way an operator would and writes
# "ok N - ..." lines, "measure: ..." lines and a closing
# "scenario: PASS" or "scenario: FAIL" to $R/log (a directory bound from
# the host).  Arguments: UDP/TCP port of the syslog sources.
set -u
PORT=${1:?port}
R=/st-result
OUT=/var/log/sessiontail/out.jsonl
CONF=/etc/sessiontail/sinks.json
DATA=/usr/local/lib/st-test
exec >>"$R/log" 2>&1
checks=0
echo "measure: scenario_start_epoch $(date +%s.%N)"

ok() {
    checks=$((checks + 1))
    echo "ok $checks - $*"
}

fail() {
    echo "FAIL: $*"
    echo "--- systemctl status sessiontail"
    systemctl status sessiontail --no-pager -l
    echo "--- journalctl -u sessiontail"
    journalctl -u sessiontail --no-pager -o short-monotonic | tail -80
    echo "--- $OUT"
    tail -20 "$OUT" 2>/dev/null
    echo "scenario: FAIL"
    exit 1
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }
prop() { systemctl show -p "$1" --value sessiontail; }

# wait_for SECONDS COMMAND...: poll until the command succeeds.
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.1
    done
}

# event_with STRING...: an event line of the output holding every string.
event_with() {
    local l s
    l=$(grep -F '"record":"event"' "$OUT" 2>/dev/null)
    for s in "$@"; do
        l=$(grep -F -- "$s" <<<"$l") || return 1
    done
    [ -n "$l" ]
}

listening() { # PROTO(u|t): the port is bound
    [ -n "$(ss -Hln"$1" "sport = :$PORT")" ]
}

sshd_line() { # USER PID: an sshd login over UDP (RFC 3164, util-linux logger)
    logger --udp -n 127.0.0.1 -P "$PORT" --rfc3164 -t sshd --id="$2" \
        "Accepted password for $1 from 10.77.0.${2: -1} port 5$2 ssh2"
}

# 1. Started at boot by its [Install] section; User= from sysusers.d.
[ "$(systemctl is-enabled sessiontail)" = enabled ] || fail "unit not enabled"
[ "$(systemctl is-active sessiontail)" = active ] ||
    fail "not active after boot: $(systemctl is-active sessiontail)"
ok "started at boot (enabled, active)"
[ "$(prop Type)" = notify ] || fail "Type=$(prop Type), want notify"
t0=$(prop ExecMainStartTimestampMonotonic)
t1=$(prop ActiveEnterTimestampMonotonic)
echo "measure: boot_exec_to_ready_ms $(((t1 - t0) / 1000))"
pid=$(prop MainPID)
user=$(ps -o user= -p "$pid")
[ "$user" = sessiontail ] || fail "main process runs as '$user', want sessiontail"
ok "Type=notify, main process $pid runs as $user"

# 2. Start and wait for READY: with Type=notify, systemctl returns once
# READY=1 is received, and by then the listeners must be bound.
systemctl stop sessiontail || fail "stop before start failed"
start=$(now_ms)
systemctl start sessiontail || fail "systemctl start failed"
echo "measure: systemctl_start_to_ready_ms $(($(now_ms) - start))"
[ "$(systemctl is-active sessiontail)" = active ] || fail "not active after start"
listening u || fail "READY before udp port $PORT was bound"
listening t || fail "READY before tcp port $PORT was bound"
ok "systemctl start returned at READY with udp and tcp port $PORT bound"
pid=$(prop MainPID)

# 3. An sshd login over UDP, an NXLog JSON 4624 over TCP: both in the file.
sshd_line nsuser1 4201 || fail "logger failed"
head -1 "$DATA/nxlog.jsonl" >/dev/tcp/127.0.0.1/"$PORT" || fail "tcp send failed"
wait_for 10 event_with '"user":"nsuser1"' '"event_code":"sshd-accepted"' \
    '"source":"syslog-udp"' || fail "the sshd login over UDP is not in $OUT"
ok "sshd login over UDP is in $OUT"
wait_for 10 event_with '"event_code":"4624"' '"user_name":"alice"' \
    '"format":"nxlog-json"' '"source":"syslog-tcp"' ||
    fail "the NXLog 4624 over TCP is not in $OUT"
ok "NXLog JSON 4624 over TCP is in $OUT"
owner=$(stat -c %U "$OUT")
[ "$owner" = sessiontail ] || fail "$OUT belongs to $owner"
ok "$OUT belongs to sessiontail"

# 4. systemctl status shows the STATUS= counters (refreshed within 5 s).
status_events() { # events counted in the Status: line, or nothing
    systemctl status sessiontail --no-pager |
        sed -n 's/^ *Status: "records [0-9]*, events \([0-9]*\),.*/\1/p'
}
has_events() { [ "$(status_events)" -ge 2 ] 2>/dev/null; }
wait_for 12 has_events || fail "no Status: line with events >= 2: $(systemctl status sessiontail --no-pager | grep Status:)"
line=$(systemctl status sessiontail --no-pager | grep 'Status:' | sed 's/^ *//')
echo "measure: status $line"
ok "systemctl status shows the counters ($line)"

# 5. A broken sinks file on reload: reported, the old one keeps working.
cp "$CONF" "$CONF.good"
printf '{ "sources": [ { "name": "x", "type": "syslog" ' >"$CONF"
since=$(date +%s)
sleep 1 # journalctl --since has whole seconds
systemctl reload sessiontail
echo "measure: reload_with_broken_file_exit $?"
sleep 0.5
[ "$(systemctl is-active sessiontail)" = active ] || fail "not active after a broken reload"
[ "$(prop MainPID)" = "$pid" ] || fail "main pid changed on reload"
ok "still active with the same pid after reloading a broken file"
reported() { journalctl -u sessiontail --since "@$since" --no-pager -o cat | grep -q 'sinks.json'; }
wait_for 5 reported || fail "the broken file was not reported in the journal"
echo "measure: reported $(journalctl -u sessiontail --since "@$since" --no-pager -o cat | grep 'sinks.json' | head -1)"
ok "the broken file is reported in the journal"
sshd_line nsuser2 4202 || fail "logger failed"
sed -n 2p "$DATA/nxlog.jsonl" >/dev/tcp/127.0.0.1/"$PORT" || fail "tcp send failed"
wait_for 10 event_with '"user":"nsuser2"' '"source":"syslog-udp"' ||
    fail "UDP line after the broken reload is not in $OUT"
wait_for 10 event_with '"record_id":"5002"' '"source":"syslog-tcp"' ||
    fail "TCP line after the broken reload is not in $OUT"
ok "the old configuration still takes UDP and TCP lines"
mv "$CONF.good" "$CONF"
systemctl reload sessiontail || fail "reload of the good file failed"
[ "$(prop MainPID)" = "$pid" ] || fail "main pid changed on reload"
ok "the good file reloads"

# 6. A clean stop: exit status 0, no SIGKILL, open sessions saved.
start=$(now_ms)
systemctl stop sessiontail || fail "systemctl stop failed"
echo "measure: systemctl_stop_ms $(($(now_ms) - start))"
res="$(prop Result) $(prop ExecMainCode) $(prop ExecMainStatus)"
[ "$res" = "success 1 0" ] || fail "after stop: Result ExecMainCode ExecMainStatus = $res, want success 1 0 (exited 0)"
[ "$(systemctl is-active sessiontail)" = inactive ] || fail "not inactive after stop"
ok "stopped cleanly (Result=success, exited with status 0)"
grep -q nsuser1 /var/lib/sessiontail/sessions.state ||
    fail "the open sessions are not in /var/lib/sessiontail/sessions.state"
ok "open sessions saved in /var/lib/sessiontail/sessions.state"
echo "scenario: PASS ($checks checks)"
