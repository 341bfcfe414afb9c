#!/usr/bin/env bash
# test.sh - every test: install what is missing, then
#   1. gcc build (-Werror) and the whole suite (unit, golden, corpus,
#      whole-daemon tests),
#   2. clang build and the whole suite,
#   3. clang with ASan+UBSan and the whole suite,
#   4. gcc Debug build, the test programs and most whole-daemon tests
#      under valgrind's memcheck (tools/valgrind.sh),
#   5. the gcc build installed into a Debian booted with systemd-nspawn
#      (tests/system/test_nspawn.sh: the unit, READY, STATUS, reload, stop),
#   6. libFuzzer targets, each run to FUZZ_RUNS executions (default
#      1,000,000; tools/fuzz_long.sh),
#   7. clang-format and source checks (banned calls, O_CLOEXEC, comments).
# Ends with one line "N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
tools/deps.sh || exit 1
jobs=$(nproc)
fuzz_runs=${FUZZ_RUNS:-1000000}
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

# Individual checks, summed over every step for the closing line.
checks_passed=0
checks_failed=0

# count_ctest LOG: add ctest's "N% tests passed, F tests failed out of T".
count_ctest() {
    local line t f
    line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$1" | tail -1)
    [ -n "$line" ] || return 0
    f=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")
    t=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
    checks_passed=$((checks_passed + t - f))
    checks_failed=$((checks_failed + f))
}

suite() { # suite BUILD_DIR CC CMAKE_ARGS...
    local dir=$1 cc=$2 rc log
    shift 2
    CC=$cc cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug "$@" >/dev/null || return 1
    if ! cmake --build "$dir" -j"$jobs" >"$dir/build.log" 2>&1; then
        grep -E "error|warning" "$dir/build.log" | head -40
        return 1
    fi
    log=$(mktemp)
    (cd "$dir" && ctest --output-on-failure -j"$jobs" --timeout 600) 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    count_ctest "$log"
    rm -f "$log"
    return "$rc"
}

# system_test: the nspawn boot test; its skip (77: not root) passes the step.
system_test() {
    local log rc n
    log=$(mktemp)
    tests/system/test_nspawn.sh build-gcc 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    n=$(sed -n 's/^\([0-9]*\) passed, 0 failed$/\1/p' "$log" | tail -1)
    checks_passed=$((checks_passed + ${n:-0}))
    rm -f "$log"
    [ "$rc" -eq 0 ] || [ "$rc" -eq 77 ]
}

# memcheck: tools/valgrind.sh; its closing line "N passed, N failed, N
# skipped, E errors, B bytes lost ..." gives the checks.
memcheck() {
    local log rc p f
    log=$(mktemp)
    tools/valgrind.sh build-valgrind 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    read -r p f < <(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed, .* bytes lost .*/\1 \2/p' "$log" | tail -1)
    checks_passed=$((checks_passed + ${p:-0}))
    checks_failed=$((checks_failed + ${f:-0}))
    rm -f "$log"
    return "$rc"
}

# fuzz: every libFuzzer target to FUZZ_RUNS executions (tools/fuzz_long.sh,
# which fails a target on any finding or on FUZZ_MAX_TIME, 1,800 s per
# million runs, ending it short); each target is one check.
fuzz() {
    local log rc
    log=$(mktemp)
    FUZZ_BUILD=build-fuzz tools/fuzz_long.sh "$fuzz_runs" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    checks_passed=$((checks_passed + $(grep -c '^fuzz_.* ok$' "$log")))
    checks_failed=$((checks_failed + $(grep -c '^fuzz_.* FAILED' "$log")))
    rm -f "$log"
    return "$rc"
}

format_check() {
    local files
    files=$(git ls-files '*.c' '*.h')
    clang-format --dry-run -Werror $files
}

# The README's first command builds optimised: gcc warns about more
# (-Wformat-truncation, -Wmaybe-uninitialized) with -O2 than without.
optimised() {
    CC=gcc cmake -S . -B build-opt -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DBUILD_TESTING=OFF >/dev/null || return 1
    cmake --build build-opt -j"$jobs" >build-opt/build.log 2>&1 ||
        { grep -E "error|warning" build-opt/build.log | head -40; return 1; }
}

step "gcc optimised build" optimised
step "gcc build and tests" suite build-gcc gcc
step "clang build and tests" suite build-clang clang
step "ASan+UBSan build and tests" suite build-asan clang -DASAN=ON -DUBSAN=ON
step "valgrind (memcheck)" memcheck
step "systemd-nspawn boot test" system_test
step "fuzz (${fuzz_runs} runs per target)" fuzz
step "clang-format" format_check
step "source checks" tools/checksrc.sh

echo
echo "steps: $passed passed, $failed failed${failures:+ (${failures[*]})}"
# Format and source checks count as one check each.
checks_passed=$((checks_passed + 2))
[ "$failed" -eq 0 ] || checks_failed=$((checks_failed + failed))
echo "$checks_passed passed, $checks_failed failed"
[ "$failed" -eq 0 ]
