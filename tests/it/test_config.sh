#!/usr/bin/env bash
# Bad sinks files: exit 78, a message naming the file and the JSON path or
# line, and nothing started (no output file created).
. "$(dirname "$0")/lib.sh"

check_bad() { # NAME JSON EXPECTED_MESSAGE_PART
    printf '%s\n' "$2" >"$T/bad.json"
    set +e
    "$BIN" --check -c "$T/bad.json" >/dev/null 2>"$T/err"
    rc=$?
    timeout 5 "$BIN" -c "$T/bad.json" >/dev/null 2>"$T/err.run"
    rc_run=$?
    set -e
    [ $rc -eq 78 ] || fail "$1: --check exit $rc, want 78"
    [ $rc_run -eq 78 ] || fail "$1: run exit $rc_run, want 78"
    grep -qF -- "$3" "$T/err" || { cat "$T/err"; fail "$1: message lacks '$3'"; }
    grep -qF "bad.json" "$T/err" || fail "$1: message does not name the file"
    [ ! -e "$T/never.jsonl" ] || fail "$1: a sink was opened"
    ok "$1: exit 78, says '$3'"
}

check_bad "syntax" '{ "sinks": [ }' "bad.json:1:"
check_bad "unknown key" '{ "sinkz": [] }' "sinkz: unknown key"
check_bad "wrong type" "{ \"sinks\": [ { \"name\": \"a\", \"type\": \"file\", \"path\": \"$T/never.jsonl\", \"queue_max\": \"big\" } ] }" "sinks[0].queue_max: expected integer"
check_bad "missing path" '{ "sinks": [ { "name": "a", "type": "file" } ] }' "sinks[0].path"
check_bad "unknown sink type" '{ "sinks": [ { "name": "a", "type": "kafka" } ] }' "sinks[0].type"
check_bad "bad format" "{ \"sinks\": [ { \"name\": \"a\", \"type\": \"file\", \"path\": \"$T/never.jsonl\", \"format\": \"xml\" } ] }" "sinks[0].format"
check_bad "bad source key" '{ "sources": [ { "name": "a", "type": "file", "path": "/x", "colour": 1 } ] }' "sources[0].colour"
check_bad "sessions type" '{ "sessions": { "max_open": true } }' "sessions.max_open"

set +e
"$BIN" --check -c "$T/does-not-exist.json" >/dev/null 2>"$T/err"
rc=$?
set -e
expect_eq "missing file exit" "$rc" 78
grep -q "does-not-exist.json" "$T/err" || fail "missing file not named"
ok "missing file named"

printf '{ "sinks": [ { "name": "a", "type": "stdout" } ] }\n' >"$T/good.json"
"$BIN" --check -c "$T/good.json" >"$T/out" || fail "good file rejected"
grep -q OK "$T/out" || fail "--check did not say OK"
ok "valid file passes --check"
"$BIN" --help | grep -q replay || fail "--help lacks replay"
ok "--help lists the commands"
finish
