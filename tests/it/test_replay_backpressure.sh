#!/usr/bin/env bash
# A replay waits for its sinks and never drops: 60,000 generated auth.log
# lines (about 36 MB of JSON) to stdout, a pipe whose reader sleeps before
# it reads, so the stdout sink is congested for seconds, with the smallest
# queue_max a sinks file may set.  Every event and session record the
# replay counts must come out, and no drop may be said.
. "$(dirname "$0")/lib.sh"

cc -O2 -o "$T/gen_authlog" "$SRC/tests/bench/gen_authlog.c" ||
    fail "cannot build gen_authlog"
"$T/gen_authlog" 50000 5000 >"$T/auth.log"
touch -d '2024-12-31 00:00:00 UTC' "$T/auth.log"
cat >"$T/sinks.json" <<JSON
{ "state_dir": "$T/state",
  "sinks": [ { "name": "out", "type": "stdout", "format": "json",
               "queue_max": 4096 } ] }
JSON
"$BIN" replay -c "$T/sinks.json" "$T/auth.log" 2>"$T/err.log" |
    { sleep 2; cat >"$T/out.jsonl"; } || fail "replay exited ${PIPESTATUS[0]}"
grep -q 'dropping' "$T/err.log" && fail "the sink dropped: $(cat "$T/err.log")"
ok "no drop said"
line=$(grep -o 'replayed [0-9]* records: [0-9]* events, [0-9]* session records' \
    "$T/err.log") || fail "no summary: $(cat "$T/err.log")"
read -r _ records _ events _ sessions _ <<<"$line"
expect_eq "records replayed" "$records" 60000
[ "$events" -gt 20000 ] || fail "only $events events"
expect_eq "lines out" "$(wc -l <"$T/out.jsonl")" $((events + sessions))
expect_eq "event lines" "$(jq -c 'select(.record=="event")' "$T/out.jsonl" | wc -l)" \
    "$events"
finish
