#!/usr/bin/env bash
# test_rotate_cases.sh - rotations the daemon does not see happen: while
# it is stopped (rename; copytruncate refilled shorter and longer than
# the saved offset), while it is frozen with SIGSTOP (a truncation
# refilled past its offset, with and without a copy), and inode reuse (a
# file deleted and a new one created with the same inode number, told
# apart by the fingerprint), stopped and running, and a copytruncate of a
# file still waiting behind a renamed one.  Per case: lines
# written, read, lost, duplicated; no line lost, none twice.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/it/rotate.sh"

# put D FIRST N [>]: lines FIRST..FIRST+N-1 appended to D/auth.log (or
# written over it with ">"), and to D.written, the record of every line
# (outside D: the daemon looks there for copies of auth.log).
put() {
    if [ "${4:-}" = ">" ]; then
        lines "$2" "$3" | tee -a "$1.written" >"$1/auth.log"
    else
        lines "$2" "$3" | tee -a "$1.written" >>"$1/auth.log"
    fi
}

# read_to D N: wait until the daemon wrote N events.
have_lines() { [ "$(wc -l <"$1/out.jsonl")" -ge "$2" ]; }
read_to() {
    wait_for 30 have_lines "$1" "$2" || fail "$1: only $(wc -l <"$1/out.jsonl") of $2 lines read"
}

# begin NAME: a case directory, the daemon started before auth.log exists
# and lines 1..1000 read.
begin() {
    D=$T/$1
    NAME=$1
    case_config "$D"
    : >"$D.written"
    start_daemon "$D/sinks.json"
    wait_for 10 test -e "$D/out.jsonl" || fail "$NAME: daemon did not start"
    put "$D" 1 1000
    read_to "$D" 1000
}

# end WANT: every line of D/written read once.
end() {
    settle "$D/out.jsonl" "$1"
    stop_daemon
    tally "$NAME" "$D/out.jsonl" "$D.written"
    expect_eq "$NAME: lines written" "$W" "$1"
    expect_eq "$NAME: lines lost" "$LOST" 0
    expect_eq "$NAME: lines read twice" "$DUPS" 0
}

# ---- while stopped ----
begin stopped-rename
sleep 1.2 # a checkpoint past line 1000
stop_daemon
put "$D" 1001 500 # the writer went on before logrotate ran
mv "$D/auth.log" "$D/auth.log.1"
put "$D" 1501 500
start_daemon "$D/sinks.json"
end 2000

for refill in 200 2500; do
    begin "stopped-copytruncate-$refill"
    sleep 1.2
    stop_daemon
    put "$D" 1001 500
    cp "$D/auth.log" "$D/auth.log.1"
    : >"$D/auth.log"
    put "$D" 1501 "$refill" # shorter, then longer than the saved offset
    start_daemon "$D/sinks.json"
    end $((1500 + refill))
done

# ---- while frozen: the daemon wakes up to a file refilled past its
# offset, so the size alone does not show the truncation ----
begin frozen-truncate-refill
kill -STOP "$DPID"
put "$D" 1001 2000 ">"
kill -CONT "$DPID"
end 3000

begin frozen-copytruncate-refill
kill -STOP "$DPID"
put "$D" 1001 500
cp "$D/auth.log" "$D/auth.log.1"
: >"$D/auth.log"
put "$D" 1501 2500
kill -CONT "$DPID"
end 4000

# ---- two rotations behind: the file renamed away is still being read
# when the new file, waiting behind it with nothing read, is copytruncated:
# its lines are only in the copy, which is read after the renamed file and
# before the file again ----
begin behind-rename-copytruncate
kill -STOP "$DPID"
put "$D" 1001 300000
mv "$D/auth.log" "$D/auth.log.1"
put "$D" 301001 1000
kill -CONT "$DPID"
sleep 0.6 # the new auth.log seen waiting; auth.log.1 not yet read to its end
behind=true
[ "$(wc -l <"$D/out.jsonl")" -lt 301000 ] || behind=false
cp "$D/auth.log" "$D/auth.log.2"
: >"$D/auth.log"
put "$D" 302001 1000
end 303000
if $behind; then
    grep -q "auth.log: truncated before it was read; reading .*auth.log.2 first" "$T/stderr.log" ||
        fail "$NAME: the copy of the waiting file was not named"
    ok "$NAME: the waiting file's copy read after the renamed file"
else
    echo "# $NAME: auth.log.1 was read before the copytruncate: ran as a plain one"
fi

# ---- inode reuse: the new auth.log gets the inode number of the one
# deleted.  ext4 gives a new file the first free inode of its group, so
# files are created (and kept aside) until auth.log gets it.  tmpfs never
# reuses one, and ext4 not at once one that was deleted while open (the
# running case: the daemon held it): then the case says so and only
# checks that nothing is lost.
# renew D OLD_INODE: create D/auth.log, with OLD_INODE if it can; sets
# REUSED.
renew() {
    local i
    REUSED=false
    for i in $(seq 1 100); do
        : >"$1/auth.log"
        [ "$(stat -c %i "$1/auth.log")" = "$2" ] && { REUSED=true; break; }
        [ "$i" -lt 100 ] && mv "$1/auth.log" "$1/filler.$i"
    done
    echo "# $NAME: inode $2, new auth.log's $(stat -c %i "$1/auth.log"), reused $REUSED"
}

begin inode-reuse-stopped
sleep 1.2
stop_daemon
ino=$(stat -c %i "$D/auth.log")
rm "$D/auth.log"
renew "$D" "$ino"
put "$D" 1001 2000 # longer than the saved offset
start_daemon "$D/sinks.json"
if $REUSED; then
    wait_for 10 grep -q "auth.log: changed since the checkpoint, reading from the start" "$T/stderr.log" ||
        fail "$NAME: same inode, the fingerprint did not tell the files apart"
    ok "$NAME: same inode, told apart by the fingerprint"
fi
end 3000

begin inode-reuse-running
ino=$(stat -c %i "$D/auth.log")
rm "$D/auth.log"
sleep 2.5 # the deleted file is read to its end and closed after 1 s
grep -q "auth.log: deleted, reading what is left" "$T/stderr.log" || fail "$NAME: deletion not noticed"
renew "$D" "$ino"
put "$D" 1001 2000
end 3000
finish
