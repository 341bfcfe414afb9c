#!/usr/bin/env bash
# test.sh - every test: install what is missing, then
#   1. gcc build (-Werror) and the whole suite (unit, golden, corpus,
#      whole-daemon tests),
#   2. clang build and the whole suite,
#   3. clang with ASan+UBSan and the whole suite,
#   4. libFuzzer targets, each smoke-run (FUZZ_SECONDS, default 20),
#   5. clang-format and source checks (banned calls, O_CLOEXEC, comments).
# Ends with one line "N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
tools/deps.sh || exit 1
jobs=$(nproc)
fuzz_seconds=${FUZZ_SECONDS:-20}
passed=0
failed=0
failures=()

step() { # step NAME COMMAND...
    local name=$1
    shift
    echo "=== $name"
    if "$@"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failures+=("$name")
    fi
}

suite() { # suite BUILD_DIR CC CMAKE_ARGS...
    local dir=$1 cc=$2
    shift 2
    CC=$cc cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug "$@" >/dev/null &&
        cmake --build "$dir" -j"$jobs" 2>&1 | grep -E 'error|warning' ;
    [ "${PIPESTATUS[0]}" -eq 0 ] || return 1
    (cd "$dir" && ctest --output-on-failure -j"$jobs" --timeout 600)
}

fuzz() {
    CC=clang cmake -S . -B build-fuzz -DFUZZ=ON -DASAN=ON -DUBSAN=ON \
        -DBUILD_TESTING=OFF >/dev/null || return 1
    cmake --build build-fuzz -j"$jobs" >/dev/null || return 1
    local rc=0 t seeds
    for t in build-fuzz/fuzz_*; do
        [ -x "$t" ] || continue
        seeds=$(mktemp -d)
        cp -r samples/. "$seeds"/ 2>/dev/null
        find "$seeds" -type f -size +64k -delete
        if "$t" -max_total_time="$fuzz_seconds" -max_len=8192 -timeout=10 \
            -rss_limit_mb=2048 "$seeds" >"$seeds.log" 2>&1; then
            echo "$(basename "$t"): $(grep -E '^#[0-9]+.*DONE' "$seeds.log" | tail -1)"
        else
            echo "$(basename "$t"): FAILED"
            tail -40 "$seeds.log"
            rc=1
        fi
        rm -rf "$seeds" "$seeds.log"
    done
    return $rc
}

format_check() {
    local files
    files=$(git ls-files '*.c' '*.h')
    clang-format --dry-run -Werror $files
}

step "gcc build and tests" suite build-gcc gcc
step "clang build and tests" suite build-clang clang
step "ASan+UBSan build and tests" suite build-asan clang -DASAN=ON -DUBSAN=ON
step "fuzz smoke (${fuzz_seconds}s per target)" fuzz
step "clang-format" format_check
step "source checks" tools/checksrc.sh

echo
[ ${#failures[@]} -eq 0 ] || echo "failed steps: ${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
