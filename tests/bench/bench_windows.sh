#!/usr/bin/env bash
# bench_windows.sh - the Windows benchmark of issue 3: N generated logon
# events in each wire form, replayed into a file sink (format detected by
# content); reports events/s and MB/s per form, and for comparison the bare
# parse rate of expat and cJSON over the same bytes.
#
#   tests/bench/bench_windows.sh [EVENTS] [BUILD_DIR]
set -euo pipefail

n=${1:-200000}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${2:-$top/build-bench}
work=${BENCH_DIR:-/tmp/sessiontail-bench}
mkdir -p "$work"

. "$top/tests/bench/lib.sh"
bench_build "$top" "$build"
cc -O2 -o "$work/gen_windows" "$top/tests/bench/gen_windows.c"
cc -O2 -o "$work/bare_parse" "$top/tests/bench/bare_parse.c" \
    $(pkg-config --cflags --libs expat libcjson)
cat >"$work/win-sinks.json" <<JSON
{ "state_dir": "$work/state",
  "sinks": [ { "name": "bench", "type": "file", "path": "$work/win-out.jsonl",
               "format": "json", "records": ["events"] } ] }
JSON

for form in xml nxlog openwec winlogbeat snare; do
    input="$work/win-$form-$n.log"
    [ -s "$input" ] || "$work/gen_windows" "$form" "$n" >"$input"
    best=""
    for run in 1 2 3; do
        rm -f "$work/win-out.jsonl"
        /usr/bin/time -f '%e %U %S %M' -o "$work/time.txt" \
            "$build/sessiontail" replay -c "$work/win-sinks.json" "$input" \
            2>"$work/stderr.txt"
        read -r wall user sys rss <"$work/time.txt"
        if [ -z "$best" ] || awk -v a="$wall" -v b="$best" 'BEGIN{exit !(a<b)}'; then
            best=$wall
            best_cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN{print u+s}')
            best_rss=$rss
        fi
    done
    events=$(wc -l <"$work/win-out.jsonl")
    malformed=$(sed -n 's/.* \([0-9]*\) malformed.*/\1/p' "$work/stderr.txt")
    awk -v f="$form" -v n="$n" -v e="$events" -v w="$best" -v c="$best_cpu" \
        -v r="$best_rss" -v b="$(stat -c %s "$input")" -v m="$malformed" 'BEGIN {
        printf "%-10s %d records -> %d events (%s malformed): %.0f records/s wall, %.0f records/s per CPU second, %.1f MB/s, peak RSS %.1f MiB\n",
            f, n, e, m, n/w, n/c, b/1e6/w, r/1024 }'
    case $form in
    xml) "$work/bare_parse" xml "$input" ;;
    nxlog | openwec | winlogbeat) "$work/bare_parse" json "$input" ;;
    esac
done
