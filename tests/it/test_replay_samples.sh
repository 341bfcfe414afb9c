#!/usr/bin/env bash
# Replay every sample through the built binary and compare the events with
# the expected JSON beside it (session_id and source depend on the run).
. "$(dirname "$0")/lib.sh"

n=0
for log in "$SRC"/samples/*/*.log "$SRC"/samples/*/*.xml; do
    exp=${log%.*}.expected
    [ -f "$exp" ] || continue
    cp "$log" "$T/in.log"
    touch -d '2024-12-31 00:00:00 UTC' "$T/in.log"
    "$BIN" replay -o json "$T/in.log" >"$T/out.jsonl" 2>"$T/err.log" ||
        fail "replay $log exited $?"
    jq -c 'select(.record=="event") | del(.session_id, .source)' \
        "$T/out.jsonl" >"$T/got"
    jq -c 'del(.session_id, .source)' "$exp" >"$T/want"
    diff -u "$T/want" "$T/got" >"$T/diff" ||
        { cat "$T/diff"; fail "$log: events differ from ${exp##*/}"; }
    jq -c . "$T/out.jsonl" >/dev/null || fail "$log: invalid JSON out"
    n=$((n + 1))
done
[ $n -gt 0 ] || fail "no samples found"
ok "$n sample files replay to their expected events"
finish
