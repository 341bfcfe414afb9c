#!/usr/bin/env bash
# test_rotate_rate.sh - the daemon follows auth.log while rotwriter
# appends to it at 1,000 and at 50,000 lines/s and rotates it every N
# lines, by rename (the writer goes on writing to the renamed file for
# 100 lines before it creates the new one) and by copytruncate: no line
# lost, at most one read buffer of lines twice.  Per case: lines written
# (every line in auth.log and its rotated files), read, lost, duplicated.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/it/rotate.sh"

# rate_case NAME MODE RATE TOTAL EVERY
rate_case() {
    local name=$1 mode=$2 rate=$3 total=$4 every=$5 d=$T/$1 t0=$SECONDS
    case_config "$d"
    start_daemon "$d/sinks.json"
    wait_for 10 test -e "$d/out.jsonl" || fail "$name: daemon did not start"
    echo "# $name: $("$T/rotwriter" "$d/auth.log" "$mode" "$rate" "$total" "$every" 1)"
    settle "$d/out.jsonl" "$total"
    stop_daemon
    tally "$name" "$d/out.jsonl" "$d"/auth.log*
    echo "# $name: $((SECONDS - t0)) s"
    expect_eq "$name: lines written" "$W" "$total"
    expect_eq "$name: lines lost" "$LOST" 0
    [ "$DUPS" -le "$READ_LINES" ] || fail "$name: $DUPS lines twice, more than one read ($READ_LINES)"
    ok "$name: lines twice ($DUPS) at most one read ($READ_LINES)"
}

rate_case rename-1k rename 1000 5000 1000
rate_case copytruncate-1k copytruncate 1000 5000 1000
rate_case rename-50k rename 50000 300000 50000
rate_case copytruncate-50k copytruncate 50000 250000 100000
finish
