#!/usr/bin/env bash
# The whole daemon with four sinks at once while three of them fail, fed
# all along by a growing file of numbered sshd logins and logouts:
#   udp   syslog over UDP to a port nothing listens on (ICMP refusals);
#   tcp   syslog over TCP to a real rsyslogd that is killed (SIGKILL)
#         after a few seconds and started again on the same port;
#   full  a file on a 1 MiB tmpfs that is full from the start, then gets
#         space (skipped, with the reason, when mount is not permitted);
#   disk  a file on a disk with room.
# Asserted: the daemon never dies and stops cleanly; every numbered event
# reaches `disk` exactly once (failing sinks do not hold the others up);
# every line written or received is whole and parses; per sink, written +
# dropped = events offered (`sessiontail stats`); each outage is said
# once (going down, queue full, back again); RssAnon stays under a bound
# from the baseline measured before the load plus twice the sum of the
# queue_max (a sink allocates at most 2 x queue_max); and the recovery
# times are measured and printed: TCP from the receiver being back to the
# first record it receives, file from space freed to the first new line.
. "$(dirname "$0")/lib.sh"

command -v rsyslogd >/dev/null || { echo "skip: no rsyslogd (tools/deps.sh installs rsyslog)"; exit 77; }
command -v jq >/dev/null || { echo "skip: no jq"; exit 77; }

DOWN_S=4 # how long the TCP receiver stays away
QMAX_UDP=65536
QMAX_TCP=131072
QMAX_FULL=262144
QMAX_DISK=4194304
SOCK=$T/control.sock
mkdir -p "$T/in" "$T/state" "$T/rs" "$T/full"

# The tmpfs; without it the file-on-a-full-disk part is skipped.
FULL_PATH=""
if [ "$(id -u)" -ne 0 ]; then
    echo "# skip part: the full disk (mounting a tmpfs needs root)"
elif ! mount -t tmpfs -o size=1m,mode=0755 tmpfs "$T/full" 2>"$T/mount.err"; then
    echo "# skip part: the full disk (cannot mount a tmpfs: $(cat "$T/mount.err"))"
else
    FULL_PATH=$T/full/out.jsonl
fi
down_cleanup() {
    for p in "${PIDS[@]:-}"; do
        [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true
    done
    sleep 0.2
    if [ -n "$FULL_PATH" ]; then
        umount "$T/full" 2>/dev/null || umount -l "$T/full" 2>/dev/null || true
    fi
    cleanup
}
trap down_cleanup EXIT

udp_bound() { grep -q "$(printf ':%04X ' "$1")" /proc/net/udp /proc/net/udp6 2>/dev/null; }
tcp_listening() { grep -q "$(printf ':%04X 00000000:0000 0A' "$1")" /proc/net/tcp; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
secs() { printf '%d.%03d s' $(($1 / 1000)) $(($1 % 1000)); }

# A UDP port nothing is bound to.
UP=""
for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 10000))
    udp_bound "$p" || { UP=$p; break; }
done
[ -n "$UP" ] || fail "no free UDP port"

# start_rsyslogd N PORT: instance N writes every message it receives as
# one JSON line to rs-N.jsonl; PORT 0 lets the kernel pick (sets TP).
start_rsyslogd() {
    rm -f "$T/tcp.port"
    cat >"$T/rs-$1.conf" <<EOF
global(workDirectory="$T/rs" maxMessageSize="64k")
module(load="imtcp")
template(name="fields" type="list" option.jsonf="on") {
  property(outname="app" name="app-name" format="jsonf")
  property(outname="msg" name="msg" format="jsonf")
}
ruleset(name="tcp") { action(type="omfile" file="$T/rs-$1.jsonl" template="fields") }
input(type="imtcp" address="127.0.0.1" port="$2" listenPortFileName="$T/tcp.port" ruleset="tcp")
EOF
    rsyslogd -n -f "$T/rs-$1.conf" -i "$T/rs-$1.pid" 2>>"$T/rs.err" &
    RSPID=$!
    PIDS+=("$RSPID")
    if [ "$2" -eq 0 ]; then
        wait_for 10 test -s "$T/tcp.port" || { cat "$T/rs.err"; fail "rsyslogd does not listen"; }
        TP=$(cat "$T/tcp.port")
    else
        wait_for 10 tcp_listening "$2" || { cat "$T/rs.err"; fail "rsyslogd not on tcp $2"; }
    fi
}
start_rsyslogd 1 0

full_sink=""
if [ -n "$FULL_PATH" ]; then
    full_sink=", { \"name\": \"full\", \"type\": \"file\", \"path\": \"$FULL_PATH\",
                 \"records\": [\"events\"], \"queue_max\": $QMAX_FULL }"
    # All but 200 KiB of the tmpfs is taken by someone else's file.
    dd if=/dev/zero of="$T/full/filler" bs=1k count=824 status=none
fi
cat >"$T/sinks.json" <<JSON
{ "state_dir": "$T/state", "control_socket": "$SOCK",
  "sources": [ { "name": "auth", "type": "file", "path": "$T/in/auth.log",
                 "timezone": "UTC" } ],
  "sinks": [ { "name": "udp", "type": "syslog", "address": "127.0.0.1:$UP",
               "records": ["events"], "queue_max": $QMAX_UDP },
             { "name": "tcp", "type": "syslog", "address": "127.0.0.1:$TP",
               "protocol": "tcp", "records": ["events"], "queue_max": $QMAX_TCP },
             { "name": "disk", "type": "file", "path": "$T/disk.jsonl",
               "records": ["events"], "queue_max": $QMAX_DISK }$full_sink ] }
JSON
qsum=$((QMAX_UDP + QMAX_TCP + QMAX_DISK))
[ -z "$FULL_PATH" ] || qsum=$((qsum + QMAX_FULL))

stats() { "$BIN" stats -c "$T/sinks.json" --json; }
sink_stat() { stats | jq -r "select(.stats==\"sink\" and .name==\"$1\") | .$2"; }
said() { grep -c "sink '$1': .*$2" "$T/stderr.log" || true; }
lines_of() { [ -f "$1" ] && wc -l <"$1" || echo 0; }
alive() { kill -0 "$DPID" 2>/dev/null || fail "the daemon died: $(tail -5 "$T/stderr.log")"; }
rss_anon() { awk '/^RssAnon:/ { print $2 }' "/proc/$DPID/status"; }

# story N: a numbered login and its logout (login_id = pid = 100000 + N).
story() {
    accepted "$1"
    printf 'Mar 14 13:54:20 web01 sshd[%d]: Disconnected from user u%d 10.0.%d.%d port %d\n' \
        $((100000 + $1)) "$1" $(($1 / 250 % 250)) $(($1 % 250 + 1)) $((1024 + $1 % 60000))
}
# The writer: 10 stories every 50 ms until $T/stop exists; the count
# of stories in $T/stories.
writer() {
    local n=0
    until [ -e "$T/stop" ]; do
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            n=$((n + 1))
            story "$n"
        done >>"$T/in/auth.log"
        echo "$n" >"$T/stories.tmp" && mv "$T/stories.tmp" "$T/stories"
        sleep 0.05
    done
}

: >"$T/in/auth.log"
start_daemon "$T/sinks.json"
wait_for 10 test -S "$SOCK" || fail "daemon did not start: $(cat "$T/stderr.log")"
sleep 0.5
base=$(rss_anon)
rss_max=$((base + 2 * qsum / 1024 + 8192))
echo "# RssAnon before the load: $base kB; bound $rss_max kB (+ 2 x $((qsum / 1024)) kB queue_max + 8 MiB)"
# RssAnon every 100 ms, the highest kept.
(
    peak=0
    while kill -0 "$DPID" 2>/dev/null; do
        r=$(awk '/^RssAnon:/ { print $2 }' "/proc/$DPID/status" 2>/dev/null || echo 0)
        [ "${r:-0}" -le "$peak" ] || { peak=$r; echo "$peak" >"$T/peak"; }
        sleep 0.1
    done
) &
SPID=$!
PIDS+=("$SPID")

writer &
WPID=$!
PIDS+=("$WPID")
sleep 3
alive

# The TCP receiver goes away under load, and comes back DOWN_S later.
kill -9 "$RSPID"
wait "$RSPID" 2>/dev/null || true
t_kill=$(now_ms)
before_kill=$(lines_of "$T/rs-1.jsonl")
queueing() { [ "$(sink_stat tcp queued_bytes)" -gt 0 ]; }
wait_for 5 queueing || fail "nothing queued for tcp while the receiver is away"
sleep "$(awk -v ms=$((t_kill + DOWN_S * 1000 - $(now_ms))) 'BEGIN { print (ms > 0 ? ms : 0) / 1000 }')"
alive
start_rsyslogd 2 "$TP"
t_back=$(now_ms)
wait_for 30 test -s "$T/rs-2.jsonl" || fail "tcp: nothing received after the receiver came back"
tcp_rec=$(($(now_ms) - t_back))
echo "# tcp: receiver killed after $before_kill records, away $(secs $((t_back - t_kill)))"
echo "# recovery tcp: $(secs "$tcp_rec") from the receiver listening again to the first record it wrote"
# The back-off doubles from 0.5 s, so the first attempt after the
# receiver is back comes at most as long after as it was away (+0.5 s).
away=$((t_back - t_kill))
[ "$tcp_rec" -le $((away + 1500)) ] || fail "tcp recovery took $(secs "$tcp_rec") after $(secs "$away") away"
ok "tcp sink back by itself"

# The full disk gets space, still under load.
if [ -n "$FULL_PATH" ]; then
    alive
    [ "$(sink_stat full dropped)" -gt 0 ] || fail "full: nothing dropped on a full disk"
    [ -z "$(tail -c1 "$FULL_PATH")" ] || fail "full: the file ends with a half line while full"
    full_before=$(lines_of "$FULL_PATH")
    t_free=$(now_ms)
    rm "$T/full/filler"
    full_grew() { [ "$(lines_of "$FULL_PATH")" -gt "$full_before" ]; }
    wait_for 10 full_grew || fail "full: no new line after space was freed"
    file_rec=$(($(now_ms) - t_free))
    echo "# recovery file: $(secs "$file_rec") from space freed to the first new line"
    # A retry comes every FDOUT_RETRY_MS (1 s).
    [ "$file_rec" -le 3000 ] || fail "file recovery took $(secs "$file_rec")"
    ok "file sink back by itself"
fi
sleep 2
touch "$T/stop"
wait "$WPID"
N=$(cat "$T/stories")
echo "# $N stories fed ($((2 * N)) events)"

# Everything settles: the file source read to the end, every queue empty.
offered() { stats | jq -r 'select(.stats=="pipeline") | .events'; }
all_offered() { [ "$(offered)" -eq $((2 * N)) ]; }
wait_for 30 all_offered || fail "pipeline: $(offered) of $((2 * N)) events"
drained() {
    [ "$(stats | jq -s '[.[] | select(.stats=="sink") | .queued_bytes] | add')" -eq 0 ]
}
wait_for 30 drained || fail "queues not drained: $(stats | jq -c 'select(.stats=="sink")')"
alive
ok "the daemon ran through every failure"

# disk: every numbered event exactly once, whole JSON lines.
disk_all() { [ "$(lines_of "$T/disk.jsonl")" -ge $((2 * N)) ]; }
wait_for 10 disk_all || fail "disk: $(lines_of "$T/disk.jsonl") of $((2 * N)) events"
jq -e . "$T/disk.jsonl" >/dev/null || fail "disk: not JSON lines"
expect_eq "disk: logins and logouts, each once" \
    "$(jq -r '[.event_code, .login_id] | join(" ")' "$T/disk.jsonl" | sort -u | wc -l) $(lines_of "$T/disk.jsonl")" \
    "$((2 * N)) $((2 * N))"
expect_eq "disk: numbered 1..N" \
    "$(jq -r '.login_id | tonumber - 100000' "$T/disk.jsonl" | sort -n | uniq | sed -n '1p;$p' | paste -sd' ')" \
    "1 $N"

# Per sink: written + dropped = offered.
for s in udp tcp disk ${FULL_PATH:+full}; do
    read -r w d e q < <(stats | jq -r "select(.stats==\"sink\" and .name==\"$s\") |
        \"\(.written) \(.dropped) \(.errors) \(.queued_bytes)\"")
    echo "# sink $s: written $w, dropped $d, errors $e, queued $q"
    expect_eq "$s: written + dropped = offered" "$((w + d))" "$((2 * N))"
done
expect_eq "disk: no drops, no errors" "$(sink_stat disk dropped) $(sink_stat disk errors)" "0 0"

# udp: refused by the kernel (ICMP), said once, counted as errors.
[ "$(sink_stat udp errors)" -gt 0 ] || fail "udp: no errors counted against a closed port"
expect_eq "udp: refusal said once" "$(said udp 'refuses datagrams')" 1

# tcp: what both receivers wrote is whole and is our records; the outage,
# the full queue and the recovery said once each.
cat "$T/rs-1.jsonl" "$T/rs-2.jsonl" >"$T/rs.jsonl"
jq -e . "$T/rs.jsonl" >/dev/null || fail "tcp: rsyslogd wrote a line that is not JSON"
jq -r .msg "$T/rs.jsonl" | jq -e 'select(.record == "event")' >/dev/null ||
    fail "tcp: a MSG that is not one whole event"
ok "tcp: every received message is one whole JSON event"
[ "$(jq -r .app "$T/rs.jsonl" | sort -u)" = sessiontail ] || fail "tcp: APP-NAME not sessiontail"
jq -r '.msg | fromjson | [.event_code, .login_id] | join(" ")' "$T/rs.jsonl" | sort >"$T/tcp.ids"
got=$(sort -u "$T/tcp.ids" | wc -l)
dups=$(($(wc -l <"$T/tcp.ids") - got))
w=$(sink_stat tcp written)
d=$(sink_stat tcp dropped)
echo "# tcp: $got distinct records received ($dups twice), written $w, dropped $d;" \
    "$((w - got)) written into the connection the receiver died with"
[ "$d" -gt 0 ] || fail "tcp: a ${DOWN_S} s outage did not fill a $QMAX_TCP byte queue"
[ "$got" -le "$w" ] || fail "tcp: received $got > written $w"
# TCP has no acknowledgements: what the kernel accepted before the kill
# is counted written and may be lost, at most about a socket buffer.
[ $((w - got)) -le 4000 ] || fail "tcp: $((w - got)) records lost, more than a socket buffer"
sed 's/^[^ ]* //' "$T/tcp.ids" | awk '$1 < 100001 || $1 > 100000 + n { bad++ } END { exit bad > 0 }' n="$N" ||
    fail "tcp: a login_id outside the numbered range"
expect_eq "tcp: outage said once" "$(said tcp 'cannot send to')" 1
expect_eq "tcp: queue full said once" "$(said tcp 'queue full')" 1
expect_eq "tcp: recovery said once" "$(said tcp 'again after')" 1

if [ -n "$FULL_PATH" ]; then
    jq -e 'select(.record == "event")' "$FULL_PATH" >/dev/null || fail "full: not JSON lines"
    [ "$(grep -cv '^{"record":"event".*}$' "$FULL_PATH")" -eq 0 ] || fail "full: a half line"
    ok "full: every line one whole JSON event"
    expect_eq "full: written = lines in its file" "$(sink_stat full written)" "$(lines_of "$FULL_PATH")"
    expect_eq "full: write failure said once" "$(said full 'write failed')" 1
    expect_eq "full: queue full said once" "$(said full 'queue full')" 1
    expect_eq "full: writing again said once" "$(said full 'writing again')" 1
fi
expect_eq "disk: nothing said" "$(said disk '')" 0

peak=$(cat "$T/peak")
echo "# RssAnon: $base kB before the load, peak $peak kB, bound $rss_max kB"
if grep -qa __asan_init "$BIN"; then
    echo "# RssAnon bound not checked: AddressSanitizer keeps freed memory"
else
    [ "$peak" -le "$rss_max" ] || fail "RssAnon peak $peak kB over $rss_max kB"
    ok "RssAnon within the bound"
fi

t0=$SECONDS
stop_daemon
[ $((SECONDS - t0)) -le 6 ] || fail "stop took $((SECONDS - t0)) s"
ok "clean stop"
wait "$SPID"
kill -9 "$RSPID"
wait "$RSPID" 2>/dev/null || true
[ -z "$(tail -c1 "$T/disk.jsonl")" ] || fail "disk: half line after stop"
finish
