#!/usr/bin/env bash
# valgrind.sh - the suite under valgrind's memcheck: a gcc Debug build
# with the tests, every test that is a program of the build (the cmocka
# unit tests, session_load's smoke run) under valgrind, and the
# whole-daemon tests named below with the daemon itself under valgrind
# (ST_BINARY is a wrapper that execs valgrind on sessiontail).
#
#   tools/valgrind.sh [BUILD_DIR]        BUILD_DIR defaults to build-valgrind
#
# A test fails when it fails, or when valgrind reports an error or a
# definitely, indirectly or possibly lost block in any of its processes;
# a test that skips (77) counts as skipped.  Blocks still reachable at
# exit are not counted: they are still pointed to, so nothing was lost,
# and they are what lives as long as the process - glibc's NSS modules
# that getpwnam()/getgrnam() load, the parse context a parser test keeps
# for its next case.  Ends with one line per test, then "N passed, N
# failed, N skipped, E errors, B bytes lost (definitely, indirectly,
# possibly), T s".
set -uo pipefail
shopt -s nullglob
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
build=${1:-build-valgrind}

# Whole-daemon tests run with the daemon under valgrind: those whose
# checks hold when the daemon runs 20 to 50 times slower (the longest,
# test_journal_vacuum, about 6 minutes).  Left out:
#   test_bounded_memory, test_sink_full_disk, test_soak_short: they bound
#     the daemon's RSS, which valgrind's own memory swamps;
#   test_tail_rotate, test_rotate_rate: a daemon this slow is still
#     reading a rotated file (renamed, or a copytruncate's copy) when the
#     next copytruncate comes, and the new file that waits for it at
#     offset 0 holds no bytes that would show that truncation: the lines
#     of that copy are lost (1,000 of 3,000, and 100,000 of 250,000);
#   test_kill9, test_kill9_2, test_kill9_journal, test_kill9_journal_2:
#     SIGKILL, so no exit to check;
#   test_bad_configs: strace checks that a bad configuration opens no
#     file, and valgrind opens its own (/tmp/valgrind_proc_*, its log);
#   test_notify, test_socket_activation: read the binary with ldd (the
#     wrapper is a script) and skip;
#   test_unit_files: runs no daemon.
it_tests=(
    test_bad_input
    test_config
    test_control
    test_corpus_replay
    test_corpus_sessions
    test_hostile
    test_journal
    test_journal_remote
    test_journal_vacuum
    test_man_pages
    test_reload_broken
    test_replay_backpressure
    test_replay_samples
    test_rotate_cases
    test_rsyslog_feed
    test_rsyslog_sink
    test_sessions
    test_sighup
    test_sink_fsize
    test_sinks_down
    test_state
    test_syslog
    test_udp_overload
    test_utmp
    test_windows_forms
)

vg_opts=(--error-exitcode=1 --leak-check=full
    --show-leak-kinds=definite,indirect,possible
    --errors-for-leak-kinds=definite,indirect,possible --num-callers=30)

CC=gcc cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DBUILD_TESTING=ON \
    >/dev/null || exit 1
if ! cmake --build "$build" -j"$(nproc)" >"$build/build.log" 2>&1; then
    grep -E "error|warning" "$build/build.log" | head -40
    exit 1
fi

rm -rf "$build/valgrind"
mkdir -p "$build/valgrind"
bdir=$(realpath "$build")
logs="$bdir/valgrind"
chmod 1777 "$logs" # tests run the daemon as nobody too
wrapper="$bdir/sessiontail-valgrind"
{
    echo '#!/bin/sh'
    echo "# sessiontail under valgrind (tools/valgrind.sh)"
    printf 'exec valgrind'
    printf ' %s' "${vg_opts[@]}"
    printf ' --log-file=%s/daemon.%%p.log %s "$@"\n' "$logs" \
        "$bdir/sessiontail"
} >"$wrapper"
chmod +x "$wrapper"

passed=0
failed=0
skipped=0
errors=0
lost=0
start=$SECONDS

# verdict NAME RC SECONDS LOG...: the verdict on one test from its exit
# status and valgrind's logs; adds to the totals.
verdict() {
    local name=$1 rc=$2 secs=$3 e=0 b=0 f n
    shift 3
    for f in "$@"; do
        [ -f "$f" ] || continue
        n=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$f" |
            tr -d , | tail -1)
        e=$((e + ${n:-0}))
        for n in $(sed -nE 's/.*(definitely|indirectly|possibly) lost: ([0-9,]+) bytes.*/\2/p' "$f" | tr -d ,); do
            b=$((b + n))
        done
    done
    errors=$((errors + e))
    lost=$((lost + b))
    if [ "$rc" -eq 77 ] && [ "$e" -eq 0 ] && [ "$b" -eq 0 ]; then
        skipped=$((skipped + 1))
        echo "$name: skipped (${secs}s): $(tail -1 "$logs/$name.out")"
    elif [ "$rc" -eq 0 ] && [ "$e" -eq 0 ] && [ "$b" -eq 0 ]; then
        passed=$((passed + 1))
        echo "$name: ok (${secs}s, $# processes)"
    else
        failed=$((failed + 1))
        echo "$name: FAILED (exit $rc, $e errors, $b bytes lost, ${secs}s)"
        for f in "$@"; do
            [ -f "$f" ] && grep -E '^==[0-9]+== ' "$f" | head -60
        done
        tail -20 "$logs/$name.out"
    fi
}

# Each test of the build: name, command and environment (shell-quoted),
# from ctest.
tests_json=$(ctest --test-dir "$build" --show-only=json-v1) || exit 1
test_list=$(jq -r '.tests[] | [.name, (.command | @sh),
    ([.properties[]? | select(.name == "ENVIRONMENT") | .value[]] | @sh)]
    | @tsv' <<<"$tests_json") || exit 1
while IFS=$'\t' read -r name cmd envs; do
    eval "argv=($cmd)"
    eval "env_args=($envs)"
    [ "$(dirname "$(realpath "${argv[0]}")")" = "$bdir" ] || continue
    t0=$SECONDS
    (cd "$build" && env "${env_args[@]}" valgrind "${vg_opts[@]}" \
        --log-file="$logs/$name.%p.log" "${argv[@]}" \
        </dev/null >"$logs/$name.out" 2>&1)
    rc=$?
    verdict "$name" "$rc" $((SECONDS - t0)) "$logs/$name".*.log
done <<<"$test_list"

for t in "${it_tests[@]}"; do
    envs=$(awk -F'\t' -v n="it_$t" '$1 == n { print $3 }' <<<"$test_list")
    eval "env_args=($envs)"
    t0=$SECONDS
    env "${env_args[@]}" ST_BINARY="$wrapper" bash "tests/it/$t.sh" \
        </dev/null >"$logs/it_$t.out" 2>&1
    rc=$?
    mkdir -p "$logs/it_$t"
    mv "$logs"/daemon.*.log "$logs/it_$t"/ 2>/dev/null
    verdict "it_$t" "$rc" $((SECONDS - t0)) "$logs/it_$t"/daemon.*.log
done

echo "$passed passed, $failed failed, $skipped skipped, $errors errors," \
    "$lost bytes lost (definitely, indirectly, possibly), $((SECONDS - start)) s"
[ "$failed" -eq 0 ]
