# rotate.sh - helpers of the rotation tests (test_rotate_rate.sh,
# test_rotate_cases.sh); sourced after lib.sh.  Input lines are
# tests/it/rotwriter.c's: line n names user u<n> (7 digits), 98 bytes.

LINE_LEN=98
# daemon/sources/file.c reads 64 KiB at a time (READ_CHUNK): after a
# rotation at most the lines of one read may come twice.
READ_LINES=$((64 * 1024 / LINE_LEN))
cc -O2 -o "$T/rotwriter" "$SRC/tests/it/rotwriter.c"

# case_config DIR [PATH]: $DIR/sinks.json following PATH (default
# $DIR/auth.log) into $DIR/out.jsonl, state in $DIR/state.
case_config() {
    mkdir -p "$1/state"
    cat >"$1/sinks.json" <<JSON
{ "state_dir": "$1/state", "control_socket": "",
  "sources": [ { "name": "auth", "type": "file", "path": "${2:-$1/auth.log}",
                 "timezone": "UTC" } ],
  "sinks": [ { "name": "out", "type": "file", "path": "$1/out.jsonl",
               "format": "json", "records": ["events"] } ] }
JSON
}

# lines FIRST N: lines FIRST..FIRST+N-1, as rotwriter writes them.
lines() {
    awk -v f="$1" -v n="$2" 'BEGIN {
        for (i = f; i < f + n; i++)
            printf "Mar 14 13:54:19 web01 sshd[%07d]: Accepted password for u%07d from 10.0.0.1 port 22222 ssh2\n", 1000000 + i % 9000000, i
    }'
}

# settle OUT WANT: wait until OUT holds WANT events and nothing more came
# for 1 s, or nothing came for 5 s (lines were lost: the tally says).
# The sink writes one event per line.
settle() {
    local n last=-1 since=$SECONDS
    while :; do
        n=$(wc -l <"$1")
        [ "$n" -eq "$last" ] || since=$SECONDS
        last=$n
        [ "$n" -ge "$2" ] && [ $((SECONDS - since)) -ge 2 ] && return
        [ $((SECONDS - since)) -ge 6 ] && return
        sleep 0.2
    done
}

# tally NAME OUT FILES...: compare the numbers in FILES (every line
# written) with the events in OUT; print the figures; sets LOST and DUPS.
tally() {
    local name=$1 out=$2 fig
    shift 2
    fig=$({
        cat "$@" | sed -n 's/.*for u\([0-9]*\) .*/w \1/p'
        grep -o '"user":"u[0-9]*"' "$out" | sed 's/.*"u\([0-9]*\)"/r \1/'
    } | awk '$1 == "w" { w[$2 + 0]++; nw++ }
             $1 == "r" { r[$2 + 0]++; nr++ }
             END {
                 for (k in w) if (!(k in r)) lost++
                 for (k in r) { if (r[k] > 1) dups += r[k] - 1; if (!(k in w)) alien++ }
                 for (k in w) if (w[k] > 1) wtwice++
                 printf "%d %d %d %d %d %d\n", nw, nr, lost, dups, alien, wtwice
             }')
    read -r W R LOST DUPS ALIEN WTWICE <<<"$fig"
    echo "# $name: lines written $W, read $R, lost $LOST, duplicated $DUPS"
    [ "$ALIEN" -eq 0 ] || fail "$name: $ALIEN events of lines never written (a line read from its middle?)"
    [ "$WTWICE" -eq 0 ] || fail "$name: the writer wrote $WTWICE lines twice"
}
