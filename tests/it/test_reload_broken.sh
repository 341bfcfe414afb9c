#!/usr/bin/env bash
# SIGHUP with broken sinks files while numbered lines are appended without
# pause: each broken file (a syntax error, an unknown key, a sink in a
# directory that does not exist, a state_dir that does not exist, two
# listeners on one port) is refused with its reason in the log and the
# running configuration goes on reading; then the file is fixed (the
# original plus a second sink) and SIGHUP applies it.  Every numbered line
# must be in the output: none lost.  Delivery is at least once (DESIGN 4):
# a reload that applies restarts the sources from their checkpoints, so
# what was read after the last mark may come twice - at most one read of
# the file source (64 KiB, under 700 of these lines); the count is printed.
. "$(dirname "$0")/lib.sh"

N=${RELOAD_LINES:-20000}
BATCH=100
command -v jq >/dev/null || { echo "no jq"; exit 77; }
mkdir -p "$T/in" "$T/state"
: >"$T/in/auth.log"

# conf [EXTRA_TOP] [EXTRA_SINK] [STATE_DIR] [SOURCES]: the sinks file
conf() {
    cat <<JSON
{ "state_dir": "${3:-$T/state}", "control_socket": "$T/ctl.sock",${1:-}
  "sources": [ { "name": "auth", "type": "file", "path": "$T/in/auth.log",
                 "timezone": "UTC" }${4:-} ],
  "sinks": [ { "name": "out", "type": "file", "path": "$T/out.jsonl",
               "records": ["events"] }${2:-} ] }
JSON
}
conf >"$T/sinks.json"
start_daemon "$T/sinks.json"
wait_for 10 test -S "$T/ctl.sock" || fail "the daemon did not start: $(cat "$T/stderr.log")"

# the writer: BATCH numbered lines every 20 ms (about 4 s in all)
writer() {
    local i=1 j
    while [ $i -le "$N" ]; do
        for ((j = i; j < i + BATCH && j <= N; j++)); do accepted "$j"; done >>"$T/in/auth.log"
        i=$j
        sleep 0.02
    done
}
writer &
WPID=$!
PIDS+=("$WPID")

have() { [ "$(count_events "$T/out.jsonl")" -ge "$1" ]; }
failures=0
# reload_broken WHAT EXPECTED_REASON: write a broken file, SIGHUP, the
# reason is logged and the old configuration still reads
reload_broken() {
    local before
    failures=$((failures + 1))
    kill -HUP "$DPID"
    wait_for 10 bash -c "[ \$(grep -c 'reload failed' '$T/stderr.log') -ge $failures ]" ||
        fail "$1: no reload failure said"
    grep -F "reload failed, keeping the running configuration: $T/sinks.json$2" "$T/stderr.log" >/dev/null ||
        fail "$1: the reason is not '$2': $(grep 'reload failed' "$T/stderr.log" | tail -1)"
    before=$(count_events "$T/out.jsonl")
    wait_for 10 have $((before + 1)) || fail "$1: the running configuration stopped reading"
    ok "$1: refused ($2...), the running configuration reads on ($before -> $(count_events "$T/out.jsonl") events)"
}

wait_for 10 have 1 || fail "no line arrives"
printf '{ "state_dir": "%s",\n  "sinks": [\n' "$T/state" >"$T/sinks.json"
reload_broken "a truncated file" ":2:13: syntax error at end of line"
conf '
  "colour": "blue",' >"$T/sinks.json"
reload_broken "an unknown key" ": colour: unknown key"
conf "" ', { "name": "copy", "type": "file", "path": "'"$T"'/missing/copy.jsonl" }' >"$T/sinks.json"
reload_broken "a sink in a missing directory" ": sinks[1].path: $T/missing: No such file or directory"
conf "" "" "$T/nostate" >"$T/sinks.json"
reload_broken "a missing state_dir" ": state_dir: $T/nostate: No such file or directory"
conf "" "" "" ', { "name": "u1", "type": "syslog", "listen": "udp://127.0.0.1:5514" },
    { "name": "u2", "type": "syslog", "listen": "udp://0.0.0.0:5514" }' >"$T/sinks.json"
reload_broken "two listeners on one port" ": sources[2].listen: 'udp://0.0.0.0:5514' clashes with sources[1]"

# fixed: the original file and a second sink
conf "" ', { "name": "copy", "type": "file", "path": "'"$T"'/copy.jsonl", "records": ["events"] }' >"$T/sinks.json"
kill -HUP "$DPID"
wait_for 10 grep -q "configuration $T/sinks.json loaded" "$T/stderr.log" ||
    fail "the fixed file was not loaded: $(tail -3 "$T/stderr.log")"
wait_for 10 bash -c "[ \$(grep -c '\"record\":\"event\"' '$T/copy.jsonl' 2>/dev/null || echo 0) -ge 1 ]" ||
    fail "the fixed file's second sink gets nothing"
ok "the fixed file is loaded and its second sink writes"

# and reloaded again while the lines keep coming, with and without the
# second sink, each time behind the checkpoint barrier
for k in 2 3 4 5; do
    if [ $((k % 2)) = 0 ]; then conf >"$T/sinks.json"; else
        conf "" ', { "name": "copy", "type": "file", "path": "'"$T"'/copy.jsonl", "records": ["events"] }' >"$T/sinks.json"
    fi
    kill -HUP "$DPID"
    wait_for 10 bash -c "[ \$(grep -c 'configuration $T/sinks.json loaded' '$T/stderr.log') -ge $k ]" ||
        fail "reload $k not applied"
    sleep 0.2
done
kill -0 "$WPID" 2>/dev/null || fail "the writer was done before the last reload: make it slower"
ok "4 more reloads while the writer runs, at $(count_events "$T/out.jsonl") events"

wait "$WPID" || fail "the writer failed"
wait_for 60 have "$N" || fail "$(count_events "$T/out.jsonl") events of $N"
sleep 0.5
stop_daemon

ids "$T/out.jsonl" >"$T/ids"
expect_eq "lines appended" "$(grep -c . "$T/in/auth.log")" "$N"
expect_eq "numbered lines in the output, each counted once" "$(sort -u "$T/ids" | wc -l)" "$N"
expect_eq "numbered lines lost" "$(comm -23 <(seq 100001 $((100000 + N)) | sort) <(sort -u "$T/ids") | wc -l)" 0
dups=$(sort "$T/ids" | uniq -d | wc -l)
[ "$dups" -le 700 ] || fail "$dups numbered lines written twice, more than one read"
ok "numbered lines written twice: $dups (at most one read of 64 KiB)"
expect_eq "events in the output" "$(count_events "$T/out.jsonl")" "$(wc -l <"$T/ids")"
finish
