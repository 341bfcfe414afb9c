# lib.sh - shared helpers of the whole-daemon tests (sourced).
# Each test runs the built binary ($ST_BINARY) against real files in a
# temporary directory and compares what comes out.  Exit 77 = skipped.
set -euo pipefail
BIN=${ST_BINARY:?ST_BINARY is not set}
SRC=${ST_SOURCE_DIR:?ST_SOURCE_DIR is not set}
CORPUS=${ST_CORPUS_DIR:-$SRC/../shared/corpus}
export TZ=UTC
T=$(mktemp -d /tmp/sessiontail-it.XXXXXX)
PIDS=()
checks=0

cleanup() {
    for p in "${PIDS[@]:-}"; do
        [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true
    done
    rm -rf "$T"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

ok() {
    checks=$((checks + 1))
    echo "ok $checks - $*"
}

# expect_eq WHAT GOT WANT
expect_eq() {
    [ "$2" == "$3" ] || fail "$1: got '$2', want '$3'"
    ok "$1 = $3"
}

# wait_for SECONDS COMMAND...: poll until the command succeeds.
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.05
    done
}

# count_events FILE: event records in a JSON-lines output.
count_events() {
    [ -f "$1" ] || { echo 0; return; }
    grep -c '"record":"event"' "$1" || true
}

# start_daemon CONFIG [STDERR_FILE]: run in the background; sets DPID.
start_daemon() {
    "$BIN" -c "$1" 2>>"${2:-$T/stderr.log}" >>"$T/stdout.log" &
    DPID=$!
    PIDS+=("$DPID")
}

stop_daemon() {
    kill -TERM "$DPID"
    wait "$DPID" || fail "daemon exited with status $?"
}

# accepted LINE_NO: a unique sshd login line (pid and port encode the id).
accepted() {
    local n=$1
    printf 'Mar 14 13:54:19 web01 sshd[%d]: Accepted password for u%d from 10.0.%d.%d port %d ssh2\n' \
        $((100000 + n)) "$n" $((n / 250 % 250)) $((n % 250 + 1)) $((1024 + n % 60000))
}

# ids FILE: the login_id of every sshd-accepted event, one per line.
ids() {
    jq -r 'select(.record=="event" and .event_code=="sshd-accepted") | .login_id' "$1"
}

finish() {
    echo "$checks passed, 0 failed"
}
