#!/usr/bin/env bash
# test_kill9.sh - kill -9 at random moments while the daemon reads a file
# from the beginning, restarting each time (tests/it/kill9.sh): no line
# lost, no checkpoint ever ahead of the sink, every checkpoint file
# readable, duplicates after a restart within one checkpoint interval.
# This is the first half of the issue's 200 kills over 1,000,000 lines
# (lines 1..500,000, 100 kills); test_kill9_2.sh runs the second.  Every
# line has the same length, so a checkpoint offset names the line it
# stops after (and must be a multiple of that length).
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/it/kill9.sh"

# daemon/run.c: a crash repeats at most CHECKPOINT_RECORDS (50,000)
# records; the file source stops at the line that reached it.
len=98
bound=50000
t0=$SECONDS
mkdir -p "$T/in" "$T/state"
awk -v f="$FIRST" -v l="$LAST" 'BEGIN {
    for (i = f; i <= l; i++)
        printf "Mar 14 13:54:19 web01 sshd[%07d]: Accepted password for u%07d from 10.0.0.1 port 22222 ssh2\n", 1000000 + i, i
}' >"$T/in/auth.log"
expect_eq "input: $N lines of $len bytes" "$(wc -c <"$T/in/auth.log")" $((N * len))
echo "# generated $N lines in $((SECONDS - t0)) s"

KILL9_POS=$T/state/auth.pos
kill9_config() {
    cat >"$T/sinks.json" <<JSON
{ "state_dir": "$T/state", "control_socket": "",
  "sources": [ { "name": "auth", "type": "file", "path": "$T/in/auth.log",
                 "from_beginning": true, "timezone": "UTC" } ],
  "sinks": [ { "name": "out", "type": "file", "path": "$T/out.$1.jsonl",
               "format": "json", "records": ["events"] } ] }
JSON
}
# ckpt_check prints "ino offset path": the lines before the offset.
kill9_covered() {
    local ino off path
    read -r ino off path
    [ "$path" = "$T/in/auth.log" ] || { echo "names $path"; return; }
    [ $((off % len)) -eq 0 ] || { echo "offset $off inside a line"; return; }
    echo $((FIRST - 1 + off / len))
}

t1=$SECONDS
kill9_loop
ok "$KILLS kill -9 and restarts in $((SECONDS - t1)) s"
kill9_finish
"$T/ckpt_check" "$KILL9_POS" >"$T/ckpt.out" || fail "final checkpoint unreadable"
expect_eq "final checkpoint at the end of the file" "$(kill9_covered <"$T/ckpt.out")" "$LAST"
kill9_report "$bound"
echo "# total $((SECONDS - t0)) s"
finish
