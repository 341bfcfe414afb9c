#!/usr/bin/env bash
# bench_journal.sh - the journal benchmark of issue 4: a journal of
# 1,000,000 entries (half of them sshd lines, tests/it/journal_gen.awk)
# written by systemd-journal-remote, read end to end into a file sink
# (a) by the daemon's journal source (path = the directory,
# from_beginning; stopped when every event arrived) and (b) by `replay
# DIR`.  Reports entries/s (wall and per CPU second) and peak RSS.
# Target: 180,000 entries/s.
#
#   tests/bench/bench_journal.sh [ENTRIES] [BUILD_DIR]
set -euo pipefail

entries=${1:-1000000}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${2:-$top/build-bench}
work=${BENCH_DIR:-/tmp/sessiontail-bench-journal}
JR=/lib/systemd/systemd-journal-remote
mkdir -p "$work"

. "$top/tests/bench/lib.sh"
bench_build "$top" "$build"
jdir="$work/journal-$entries"
if [ ! -d "$jdir" ]; then
    mkdir -p "$jdir"
    awk -v start=0 -v n="$entries" -f "$top/tests/it/journal_gen.awk" |
        "$JR" -o "$jdir/bench.journal" - 2>/dev/null
fi
events=$((entries / 2 + entries / 4)) # sshd logins + logind sessions
out="$work/out.jsonl"

rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", (t > 0 ? n / t : 0) }'; }

# (a) the daemon
rm -rf "$work/state" "$out"
mkdir -p "$work/state"
cat >"$work/daemon.json" <<JSON
{ "state_dir": "$work/state",
  "sources": [ { "name": "jr", "type": "journal", "path": "$jdir",
                 "from_beginning": true } ],
  "sinks": [ { "name": "bench", "type": "file", "path": "$out",
               "format": "json", "records": ["events"] } ] }
JSON
/usr/bin/time -f '%e %U %S %M' -o "$work/time.txt" \
    "$build/sessiontail" -c "$work/daemon.json" 2>"$work/daemon.err" &
tpid=$!
start=$(date +%s.%N)
until [ -f "$out" ] && [ "$(wc -l <"$out")" -ge "$events" ]; do sleep 0.05; done
end=$(date +%s.%N)
pkill -TERM -P "$tpid" -x sessiontail || true
wait "$tpid" || true
read -r _ user sys rss <"$work/time.txt"
wall=$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')
cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')
echo "daemon: $entries entries in ${wall}s: $(rate "$entries" "$wall") entries/s wall," \
    "$(rate "$entries" "$cpu") per CPU second (user ${user}s sys ${sys}s), peak RSS ${rss} KiB"

# (b) replay DIR into a file sink (events and sessions)
cat >"$work/replay.json" <<JSON
{ "state_dir": "$work/state",
  "sinks": [ { "name": "bench", "type": "file", "path": "$out",
               "format": "json" } ] }
JSON
for run in 1 2; do
    rm -f "$out"
    /usr/bin/time -f '%e %U %S %M' -o "$work/time.txt" \
        "$build/sessiontail" replay -c "$work/replay.json" "$jdir" 2>"$work/replay.err"
    read -r wall user sys rss <"$work/time.txt"
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')
    echo "replay run $run: $(rate "$entries" "$wall") entries/s wall," \
        "$(rate "$entries" "$cpu") per CPU second (wall ${wall}s user ${user}s sys ${sys}s), peak RSS ${rss} KiB"
done
tail -1 "$work/replay.err"
