#!/usr/bin/env bash
# fuzz_long.sh - every libFuzzer target (tests/fuzz/fuzz_*.c, ASan+UBSan)
# run to RUNS executions, FUZZ_JOBS targets at a time.
#
#   tools/fuzz_long.sh [RUNS]            RUNS defaults to 10000000
#
# Environment:
#   FUZZ_BUILD     build directory (default build-fuzz), configured and
#                  built here with clang, -DFUZZ=ON -DASAN=ON -DUBSAN=ON
#   FUZZ_JOBS      targets run at once (default: the number of cores)
#   FUZZ_MAX_TIME  seconds a target may take before it fails for not
#                  reaching RUNS (default 1800 per million runs: the
#                  engine's target, fuzz_session, runs about 1,100 a
#                  second under ASan on a busy 2-core machine)
#   FUZZ_TARGETS   the targets to run, e.g. "fuzz_sshd fuzz_state"
#                  (default: every one)
#
# One line per target: runs, time, exec/s, crashes, timeouts, ooms and ok
# or FAILED; then "N targets passed, N failed".  A target fails on any
# finding (sanitizer report, abort, leak, an input slower than 10 s, more
# than 2 GiB of memory) or when FUZZ_MAX_TIME ends it before RUNS; its
# directory (log, the input that failed) is kept and named.  Exit status
# 0 only when every target passed.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

runs=${1:-10000000}
build=${FUZZ_BUILD:-build-fuzz}
jobs=${FUZZ_JOBS:-$(nproc)}
max_time=${FUZZ_MAX_TIME:-$(((runs + 999999) / 1000000 * 1800))}
case $runs in '' | *[!0-9]*)
    echo "usage: $0 [RUNS]" >&2
    exit 2
    ;;
esac

# Per target: the longest input (-max_len) and the seed corpus.  "lines"
# is every distinct line of the text samples, each one record (the
# parsers take one line per input); a path gives its files whole; "-" is
# none.  Inputs may be as long as the formats' real records and files
# get: 8 KiB holds any event line of samples/ (the longest is under
# 6 KiB), a sinks file or a state file.  Shorter where more length buys
# nothing: the session table holds at most 8 open sessions, which 64
# events (6 bytes each) fill, evict from and expire several times over;
# the renderers' one length rule is the 255-byte HOSTNAME cut (RFC 5424
# 6.2.4), which 1 KiB passes with every other field beside it.  Slowest
# first, so the jobs end together.
targets=(
    "fuzz_session        384 -"
    "fuzz_render_syslog 1024 -"
    "fuzz_winxml        8192 samples/windows-xml"
    "fuzz_syslog        8192 lines"
    "fuzz_nxlog_sd      8192 lines"
    "fuzz_state         8192 samples/state"
    "fuzz_su            8192 lines"
    "fuzz_config        8192 samples/config"
    "fuzz_render        8192 lines"
    "fuzz_winlogbeat    8192 lines"
    "fuzz_sshd          8192 lines"
    "fuzz_login         8192 lines"
    "fuzz_pam           8192 lines"
    "fuzz_openwec       8192 lines"
    "fuzz_snare         8192 lines"
    "fuzz_nxlog         8192 lines"
    "fuzz_wintext       8192 lines"
    "fuzz_journal       8192 lines"
    "fuzz_utmp          8192 samples/utmp"
    "fuzz_checkpoint    8192 tests/fuzz/seeds/fuzz_checkpoint"
    "fuzz_control       8192 tests/fuzz/seeds/fuzz_control"
)

CC=clang cmake -S . -B "$build" -DFUZZ=ON -DASAN=ON -DUBSAN=ON \
    -DBUILD_TESTING=OFF >/dev/null || exit 1
if ! cmake --build "$build" -j"$(nproc)" >"$build/build.log" 2>&1; then
    grep -E "error|warning" "$build/build.log" | head -40
    exit 1
fi

# Every target built must have a line above, and every line a target.
for t in "$build"/fuzz_*; do
    [ -x "$t" ] || continue
    n=$(basename "$t")
    printf '%s\n' "${targets[@]}" | grep -q "^$n " && continue
    echo "$n: no line in tools/fuzz_long.sh" >&2
    exit 1
done

work="$build/fuzz-runs"
rm -rf "$work"
mkdir -p "$work/lines"
# One seed per distinct line of the text files.
find samples -type f -size -64k -exec grep -Il . {} + | sort |
    xargs -d '\n' awk 1 | LC_ALL=C sort -u |
    awk -v d="$work/lines" 'length($0) { f = d "/" NR; printf "%s", $0 > f; close(f) }'

# run_one NAME MAX_LEN SEEDS: one target; prints its line, fails on a
# finding or when it stopped short of $runs.
run_one() {
    local name=$1 max_len=$2 seeds=$3 dir="$work/$1" t0 t1 rc done_runs
    local crashes timeouts ooms secs cpu line
    mkdir -p "$dir/corpus" "$dir/artifacts"
    case $seeds in
    lines) cp "$work/lines"/. "$dir/corpus"/ -r ;;
    -) ;;
    *) find "$seeds" -type f -exec cp {} "$dir/corpus"/ \; ;;
    esac
    t0=$(date +%s)
    /usr/bin/time -f '%U %S' -o "$dir/cpu" "$build/$name" -runs="$runs" \
        -max_total_time="$max_time" -max_len="$max_len" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$dir/artifacts/" "$dir/corpus" >"$dir/log" 2>&1
    rc=$?
    t1=$(date +%s)
    secs=$((t1 - t0))
    cpu=$(awk 'END { printf "%d", $1 + $2 }' "$dir/cpu")
    done_runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
    crashes=$(find "$dir/artifacts" -name 'crash-*' -o -name 'leak-*' |
        wc -l)
    timeouts=$(find "$dir/artifacts" -name 'timeout-*' | wc -l)
    ooms=$(find "$dir/artifacts" -name 'oom-*' | wc -l)
    line="$name: runs=${done_runs:-0} time=${secs}s cpu=${cpu}s"
    line+=" exec/s=$((${done_runs:-0} / (secs > 0 ? secs : 1)))"
    line+=" crashes=$crashes timeouts=$timeouts ooms=$ooms"
    if [ "$rc" -eq 0 ] && [ "${done_runs:-0}" -ge "$runs" ] &&
        [ $((crashes + timeouts + ooms)) -eq 0 ]; then
        echo "$line ok"
        rm -rf "$dir"
        return 0
    fi
    [ "${done_runs:-0}" -ge "$runs" ] || line+=" (stopped short of $runs)"
    echo "$line FAILED (exit $rc; log and inputs in $dir)"
    return 1
}

passed=0
failed=0
running=0
for entry in "${targets[@]}"; do
    read -r name max_len seeds <<<"$entry"
    if [ -n "${FUZZ_TARGETS:-}" ] && ! grep -qw -- "$name" <<<"$FUZZ_TARGETS"; then
        continue
    fi
    if [ "$running" -ge "$jobs" ]; then
        if wait -n; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
        running=$((running - 1))
    fi
    run_one "$name" "$max_len" "$seeds" &
    running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
    if wait -n; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
    running=$((running - 1))
done
for d in "$work"/fuzz_*; do
    [ -d "$d" ] || continue
    echo "--- $(basename "$d"):"
    grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$d/log" | head -20
done
echo "$passed targets passed, $failed failed"
[ "$failed" -eq 0 ]
