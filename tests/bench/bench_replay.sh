#!/usr/bin/env bash
# bench_replay.sh - the benchmark of issue 2: `sessiontail replay` of a
# generated 1,000,000-line auth.log into a file sink.  Reports lines/s,
# events/s and peak RSS.  Speed is measured here, never in unit tests.
#
#   tests/bench/bench_replay.sh [LINES] [BUILD_DIR]
set -euo pipefail

lines=${1:-1000000}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${2:-$top/build-bench}
work=${BENCH_DIR:-/tmp/sessiontail-bench}
mkdir -p "$work"

. "$top/tests/bench/lib.sh"
bench_build "$top" "$build"
cc -O2 -o "$work/gen_authlog" "$top/tests/bench/gen_authlog.c"
input="$work/auth-$lines.log"
[ -s "$input" ] || "$work/gen_authlog" "$lines" >"$input"
touch -d '2024-12-31 00:00:00 UTC' "$input"

out="$work/out.jsonl"
rm -f "$out"
cat >"$work/sinks.json" <<JSON
{ "state_dir": "$work/state",
  "sinks": [ { "name": "bench", "type": "file", "path": "$out",
               "format": "json" } ] }
JSON

best=""
for run in 1 2 3; do
    rm -f "$out"
    /usr/bin/time -f '%e %U %S %M' -o "$work/time.txt" \
        "$build/sessiontail" replay -c "$work/sinks.json" "$input" \
        2>"$work/stderr.txt"
    read -r wall user sys rss <"$work/time.txt"
    echo "run $run: wall ${wall}s user ${user}s sys ${sys}s peak RSS ${rss} KiB"
    if [ -z "$best" ] || awk -v a="$wall" -v b="$best" 'BEGIN{exit !(a<b)}'; then
        best=$wall
        best_cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN{print u+s}')
        best_rss=$rss
    fi
done
events=$(grep -c '"record":"event"' "$out" || true)
sessions=$(grep -c '"record":"session"' "$out" || true)
awk -v l="$lines" -v e="$events" -v s="$sessions" -v w="$best" -v c="$best_cpu" \
    -v r="$best_rss" -v b="$(stat -c %s "$input")" 'BEGIN {
    printf "replay %d lines (%.1f MB): %d events, %d session records\n", l, b/1e6, e, s
    printf "wall: lines/s %.0f  events/s %.0f  MB/s %.1f  peak RSS %.1f MiB (best of 3)\n",
        l/w, e/w, b/1e6/w, r/1024
    printf "per CPU second: lines/s %.0f  events/s %.0f\n", l/c, e/c }'
tail -n 1 "$work/stderr.txt"
