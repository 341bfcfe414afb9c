#!/usr/bin/env bash
# Twenty-five broken sinks files (tests/it/bad-configs/NN-what.json, each
# with the fragment its message must hold in NN-what.expect): syntax,
# types, unknown keys, bad addresses, paths that cannot be written, numbers
# out of range, duplicates.  Each names a UDP and a TCP listener, a sink
# file, a state directory and a control socket, and is run as the daemon
# (`sessiontail -c FILE`, not --check).  Each must
#   - exit 78,
#   - say FILE:LINE:COL: or FILE: JSON.PATH: followed by the expected text,
#   - open and bind nothing: under strace, no socket(), bind(), listen()
#     and no open for writing, create, mkdir, rename or unlink; no sink
#     file, state file or control socket left; neither port listening.
# A valid file built the same way is run first, to show that each of those
# witnesses sees a daemon that does start.
#
# @DIR@, @PORT@ and @TPORT@ in the files are replaced by a directory of
# the run (with state/ and a regular file afile in it), a free UDP port
# and a free TCP port.
. "$(dirname "$0")/lib.sh"

CASES=$SRC/tests/it/bad-configs
command -v ss >/dev/null || { echo "no ss (iproute2)"; exit 77; }
STRACE=0
if command -v strace >/dev/null && strace -f -qq -o /dev/null true 2>/dev/null; then
    STRACE=1
else
    echo "# strace cannot trace here: sockets and files are checked by ss and ls only"
fi
# LeakSanitizer cannot run under ptrace: the traced run goes without it
# (the untraced run of the same file keeps it).
TRACE_ASAN="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
TRACED="socket,bind,listen,connect,open,openat,creat,mkdir,mknod,rename,renameat,renameat2,unlink,unlinkat,truncate"

# A port free for both UDP and TCP, from a range the kernel does not hand
# out for port 0 (ip_local_port_range starts at 32768).
free_port() {
    local p
    for _ in $(seq 100); do
        p=$((20000 + RANDOM % 12000))
        [ -z "$(ss -Hlun "sport = :$p")$(ss -Hltn "sport = :$p")" ] && { echo "$p"; return; }
    done
    fail "no free port"
}
PORT=$(free_port)
TPORT=$(free_port)
[ "$PORT" != "$TPORT" ] || TPORT=$((PORT + 1))
listening() { [ -n "$(ss -Hlun "sport = :$PORT")$(ss -Hltn "sport = :$TPORT")" ]; }

# prepare NAME SRC: a run directory and the file with placeholders filled
prepare() {
    D=$T/run/$1
    mkdir -p "$D/state"
    : >"$D/afile"
    CFG=$T/cfg/$1.json
    mkdir -p "$T/cfg"
    sed -e "s#@DIR@#$D#g" -e "s#@PORT@#$PORT#g" -e "s#@TPORT@#$TPORT#g" "$2" >"$CFG"
}

# left_behind: what the run left in its directory besides state/ and afile
left_behind() {
    find "$D" -mindepth 1 ! -path "$D/state" ! -path "$D/afile" | sort
}

# writes TRACE: the calls that open, bind or change something
writes() {
    grep -E '(socket|bind|listen|connect|creat|mkdir|mknod|rename[a-z0-9]*|unlink[a-z]*|truncate)\(|open(at)?\(.*(O_WRONLY|O_RDWR|O_CREAT)' "$1" || true
}

# The control: the same shape, valid, starts and is seen by every witness.
cat >"$T/good.json.in" <<'EOF'
{
  "state_dir": "@DIR@/state",
  "control_socket": "@DIR@/ctl.sock",
  "sources": [
    { "name": "udp", "type": "syslog", "listen": "udp://127.0.0.1:@PORT@" },
    { "name": "tcp", "type": "syslog", "listen": "tcp://127.0.0.1:@TPORT@" }
  ],
  "sinks": [
    { "name": "out", "type": "file", "path": "@DIR@/out.jsonl" }
  ]
}
EOF
prepare good "$T/good.json.in"
if [ $STRACE = 1 ]; then
    ASAN_OPTIONS=$TRACE_ASAN strace -f -qq -e trace="$TRACED" -o "$T/good.trace" \
        "$BIN" -c "$CFG" 2>"$T/good.err" &
else
    "$BIN" -c "$CFG" 2>"$T/good.err" &
fi
GPID=$!
PIDS+=("$GPID")
wait_for 20 test -S "$D/ctl.sock" || fail "the valid file does not start: $(cat "$T/good.err")"
wait_for 10 listening || fail "the valid file: ports $PORT/$TPORT not listening"
ok "control: a valid file listens on udp $PORT and tcp $TPORT"
# the daemon itself (strace's child when traced) is told to stop
DPID=$GPID
[ $STRACE = 1 ] && DPID=$(pgrep -P "$GPID")
PIDS+=("$DPID")
kill -TERM "$DPID"
wait "$GPID" || fail "the valid file: exit $?"
[ -n "$(left_behind)" ] || fail "the valid file left nothing: the file checks see nothing"
ok "control: it made $(left_behind | sed "s#$D/##" | tr '\n' ' ')"
if [ $STRACE = 1 ]; then
    [ -n "$(writes "$T/good.trace")" ] || fail "strace saw no socket or file made by a daemon that ran"
    ok "control: strace saw $(writes "$T/good.trace" | grep -cE 'bind\(') bind() calls"
fi

n=0
for f in "$CASES"/*.json; do
    name=$(basename "$f" .json)
    [ -f "$CASES/$name.expect" ] || fail "$name: no $name.expect"
    prepare "$name" "$f"
    want=$(sed -e "s#@DIR@#$D#g" -e "s#@PORT@#$PORT#g" -e "s#@TPORT@#$TPORT#g" "$CASES/$name.expect")
    # the file, then :LINE:COL: or ": " and the JSON path
    case $want in
    :*) want="$CFG$want" ;;
    *) want="$CFG: $want" ;;
    esac
    set +e
    timeout 20 "$BIN" -c "$CFG" >"$D.out" 2>"$D.err"
    rc=$?
    set -e
    [ $rc -eq 78 ] || fail "$name: exit $rc, want 78: $(cat "$D.err")"
    grep -qF -- "$want" "$D.err" || fail "$name: message lacks '$want': $(cat "$D.err")"
    [ "$(grep -c . "$D.err")" -eq 1 ] || fail "$name: more than the one message: $(cat "$D.err")"
    [ -z "$(left_behind)" ] || fail "$name: left $(left_behind)"
    ! listening || fail "$name: a port is listening"
    if [ $STRACE = 1 ]; then
        set +e
        ASAN_OPTIONS=$TRACE_ASAN timeout 20 strace -f -qq -e trace="$TRACED" \
            -o "$D.trace" "$BIN" -c "$CFG" >/dev/null 2>&1
        rc=$?
        set -e
        [ $rc -eq 78 ] || fail "$name: exit $rc under strace"
        [ -z "$(writes "$D.trace")" ] || fail "$name: $(writes "$D.trace" | head -3)"
    fi
    ok "$name: exit 78, $(sed -e 's/^<[0-9]>//' -e "s#^$T/cfg/##" "$D.err")"
    n=$((n + 1))
done
expect_eq "broken files rejected with nothing opened" "$n/25" "25/25"
finish
