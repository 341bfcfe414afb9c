#!/usr/bin/env bash
# test_early_crash.sh - a crash before the first checkpoint interval ends
# loses nothing.  A file and a journal are tailed from their ends (no
# from_beginning), so the position a restart resumes from exists only in
# the checkpoint: the daemon writes its first one on the first loop
# turn, before anything is read (daemon/run.c).  Each source is killed
# with SIGKILL as soon as its checkpoint file appears (well within the
# 1 s interval), lines are written while it is down, and the restarted
# daemon must read exactly those: without the first checkpoint it would
# tail from the new end and lose them.  The old lines, there before the
# first start, must not be read at all.
. "$(dirname "$0")/lib.sh"

JR=/lib/systemd/systemd-journal-remote
old=50
new=20
mkdir -p "$T/j" "$T/state"

# line N: an sshd login of user eN, as auth.log and as journal export.
auth_lines() {
    awk -v a="$1" -v b="$2" 'BEGIN { for (i = a; i <= b; i++)
        printf "Mar 14 13:54:%02d web01 sshd[%d]: Accepted password for e%04d from 10.0.0.1 port 22 ssh2\n", i % 60, 1000 + i, i }'
}
journal_entries() {
    awk -v a="$1" -v b="$2" 'BEGIN { for (i = a; i <= b; i++)
        printf "__REALTIME_TIMESTAMP=%.0f\n__MONOTONIC_TIMESTAMP=%.0f\n_BOOT_ID=0123456789abcdef0123456789abcdef\n_HOSTNAME=web01\nSYSLOG_IDENTIFIER=sshd\n_PID=%d\nMESSAGE=Accepted password for e%04d from 10.0.0.1 port 22 ssh2\n\n", 1710424459000000 + i * 1000, 1000000 + i * 1000, 1000 + i, i }'
}

# users OUT: the eNNNN users of the events in OUT, sorted, one line.
users() {
    grep -o '"user":"e[0-9]*"' "$1" 2>/dev/null | cut -d'"' -f4 | sort | tr '\n' ' '
}

# run_case NAME SOURCE_JSON POS APPEND: first start, kill -9 once POS
# exists, APPEND the new lines, restart, and check what was read.
run_case() {
    local name=$1 src=$2 pos=$3 append=$4 i want started
    rm -rf "$T/state"/*
    cat >"$T/sinks.json" <<JSON
{ "state_dir": "$T/state", "control_socket": "",
  "sources": [ $src ],
  "sinks": [ { "name": "out", "type": "file", "path": "$T/out.$name.jsonl",
               "format": "json", "records": ["events"] } ] }
JSON
    started=$(grep -c "running with" "$T/stderr.log" 2>/dev/null) || true
    start_daemon "$T/sinks.json"
    is_running() { [ "$(grep -c "running with" "$T/stderr.log")" -gt "${started:-0}" ]; }
    wait_for 30 is_running || fail "$name: the daemon did not start: $(tail -3 "$T/stderr.log")"
    # The first interval ends 1 s after the loop starts.
    for i in $(seq 1 80); do
        [ -e "$pos" ] && break
        sleep 0.01
    done
    [ -e "$pos" ] || fail "$name: no checkpoint within 0.8 s of the start: $(tail -3 "$T/stderr.log")"
    kill -9 "$DPID"
    wait "$DPID" 2>/dev/null || true
    ok "$name: checkpoint written at the start, before the first interval"
    $append
    start_daemon "$T/sinks.json"
    want="$(for i in $(seq $((old + 1)) $((old + new))); do printf 'e%04d ' "$i"; done)"
    read_all() { [ "$(users "$T/out.$name.jsonl")" = "$want" ]; }
    wait_for 10 read_all ||
        fail "$name: read after the restart: '$(users "$T/out.$name.jsonl")', want '$want'"
    stop_daemon
    expect_eq "$name: lines written while down, read once each, old ones not read" \
        "$(users "$T/out.$name.jsonl")" "$want"
}

auth_lines 1 "$old" >"$T/auth.log"
append_file() { auth_lines $((old + 1)) $((old + new)) >>"$T/auth.log"; }
run_case file "{ \"name\": \"auth\", \"type\": \"file\", \"path\": \"$T/auth.log\", \"timezone\": \"UTC\" }" \
    "$T/state/auth.pos" append_file

if [ -x "$JR" ] && ! { "$BIN" replay /dev/null 2>&1 | grep -q "without journal support"; }; then
    journal_entries 1 "$old" | "$JR" -o "$T/j/a.journal" - 2>"$T/jr.log" ||
        fail "systemd-journal-remote: $(tail -3 "$T/jr.log")"
    append_journal() {
        journal_entries $((old + 1)) $((old + new)) | "$JR" -o "$T/j/b.journal" - 2>>"$T/jr.log" ||
            fail "systemd-journal-remote: $(tail -3 "$T/jr.log")"
    }
    run_case journal "{ \"name\": \"jr\", \"type\": \"journal\", \"path\": \"$T/j\" }" \
        "$T/state/jr.pos" append_journal
else
    echo "# journal case skipped: no systemd-journal-remote or no journal support"
fi
finish
