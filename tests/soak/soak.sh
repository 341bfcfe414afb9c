#!/usr/bin/env bash
# soak.sh [MINUTES] - the daemon under mixed load for MINUTES (default
# $SOAK_MINUTES, else 30), then every event accounted for.  Not part of
# ctest; tests/it/test_soak_short.sh runs the same for 2 minutes.
#
#   ST_BINARY=build/sessiontail tests/soak/soak.sh 30
#
# Load (tests/soak/soak_load.c, numbered sshd stories: a login and, 50
# stories later, its logout; four events and one session each):
#   auth  a file source; the writer renames the file away every
#         ROTATE_LINES lines and starts a new one (logrotate's create);
#   jr    a journal source on a directory: systemd-journal-remote appends
#         a batch of export-format entries every second, a new journal file
#         every JROT_S seconds, the oldest deleted beyond three (vacuum);
#   udp   a syslog source on UDP, one datagram per line;
#   tcp   a syslog source on TCP, a new connection every RECONNECT stories,
#         LF framing and octet counting in turn;
# into two file sinks, events and session records.  Every SAMPLE_S seconds:
# RssAnon, open fds (/proc/PID/fd), `sessiontail stats` (the loop's
# busy_max_us among them).  At the end, after the load stopped and the
# daemon caught up:
#   - per source, every numbered event arrived exactly once (UDP: the
#     datagrams sent = received + the kernel's drops, and the events those
#     received made), every session opened was closed;
#   - the sinks wrote what the pipeline offered, dropped nothing, and
#     every line is a JSON record;
#   - after the warm-up (a quarter of the run, at least 90 s, at most 5
#     minutes) RssAnon is flat: its least-squares slope projects less than
#     RSS_GROWTH_KB over the rest of the run, and the last sample is within
#     that of the first; the fd count does not grow: its median in the
#     second half of those samples is at most its median in the first half
#     (a rotated file held for a second, a TCP client reconnecting, the
#     stats client itself come and go), and it never exceeds that by more
#     than FD_TRANSIENT;
#   - the daemon stops cleanly.
# Prints a summary, then checks; exits 1 on a failed check.  The load can
# be changed with SOAK_RATE_FILE, SOAK_RATE_JR, SOAK_RATE_UDP, SOAK_RATE_TCP
# (stories a second), SOAK_ROTATE_LINES, SOAK_JROT_S, SOAK_RECONNECT, and
# the sampling with SOAK_SAMPLE_S; SOAK_KEEP=DIR keeps the samples.
top=$(cd "$(dirname "$0")/../.." && pwd)
export ST_SOURCE_DIR=${ST_SOURCE_DIR:-$top}
export ST_BINARY=${ST_BINARY:-$top/build/sessiontail}
[ -x "$ST_BINARY" ] || { echo "no binary $ST_BINARY (set ST_BINARY)" >&2; exit 2; }
. "$top/tests/it/lib.sh"

MINUTES=${1:-${SOAK_MINUTES:-30}}
[[ "$MINUTES" =~ ^[1-9][0-9]*$ ]] || { echo "usage: soak.sh [MINUTES]" >&2; exit 64; }
JR=/lib/systemd/systemd-journal-remote
[ -x "$JR" ] || { echo "skip: $JR missing (tools/deps.sh installs systemd-journal-remote)"; exit 77; }
command -v jq >/dev/null || { echo "skip: no jq"; exit 77; }
command -v cc >/dev/null || { echo "skip: no C compiler"; exit 77; }

LOAD_S=$((MINUTES * 60))
# Warm-up: a quarter of the run, at least 90 s (closed sessions linger
# for the session engine's 60 s merge window, so its table fills for the
# first minute), at most 5 minutes.
WARM_S=$((LOAD_S / 4 < 90 ? 90 : LOAD_S / 4 > 300 ? 300 : LOAD_S / 4))
[ "$WARM_S" -lt "$LOAD_S" ] || WARM_S=$((LOAD_S / 2))
SAMPLE_S=${SOAK_SAMPLE_S:-$((MINUTES < 5 ? 5 : 10))}
JROT_S=${SOAK_JROT_S:-$((WARM_S / 3 > 10 ? WARM_S / 3 : 10))}
JKEEP=3
# Stories a second per source.
RATE_FILE=${SOAK_RATE_FILE:-40}
RATE_JR=${SOAK_RATE_JR:-20}
RATE_UDP=${SOAK_RATE_UDP:-20}
RATE_TCP=${SOAK_RATE_TCP:-20}
ROTATE_LINES=${SOAK_ROTATE_LINES:-2000}
RECONNECT=${SOAK_RECONNECT:-200}
RSS_GROWTH_KB=${SOAK_RSS_GROWTH_KB:-1024}
FD_TRANSIENT=3

cc -O2 -Wall -Wextra -Werror -o "$T/soak_load" "$SRC/tests/soak/soak_load.c" ||
    fail "cannot build soak_load"
LOAD=$T/soak_load
mkdir -p "$T/in" "$T/journal" "$T/state"
SOCK=$T/control.sock
cat >"$T/sinks.json" <<JSON
{ "state_dir": "$T/state", "control_socket": "$SOCK",
  "sources": [
    { "name": "auth", "type": "file", "path": "$T/in/auth.log",
      "from_beginning": true, "timezone": "UTC" },
    { "name": "jr", "type": "journal", "path": "$T/journal", "from_beginning": true },
    { "name": "udp", "type": "syslog", "listen": "udp://127.0.0.1:0", "timezone": "UTC" },
    { "name": "tcp", "type": "syslog", "listen": "tcp://127.0.0.1:0", "timezone": "UTC" } ],
  "sinks": [
    { "name": "events", "type": "file", "path": "$T/events.jsonl", "records": ["events"] },
    { "name": "sessions", "type": "file", "path": "$T/sessions.jsonl", "records": ["sessions"] } ] }
JSON

# jbatch FIRST END LAST: stories FIRST..END-1 into the newest journal file.
# JKEEP files from the start (the first ones empty), so the daemon holds
# as many open from the start as later.
jbatch() {
    "$LOAD" journal "$1" "$2" jhost "$3" | "$JR" -o "$T/journal/soak-$jfile.journal" - 2>>"$T/jr.log" ||
        fail "systemd-journal-remote failed: $(tail -3 "$T/jr.log")"
}
# The journal writer: RATE_JR stories a second for LOAD_S, a new file
# every JROT_S, the oldest deleted beyond JKEEP; the stories in $T/sent-jr.
jwriter() {
    local k=1 t0=$SECONDS rot=$SECONDS el
    while :; do
        el=$((SECONDS - t0))
        [ "$el" -lt "$LOAD_S" ] || break
        if [ $((SECONDS - rot)) -ge "$JROT_S" ]; then
            jfile=$((jfile + 1))
            rot=$SECONDS
            rm -f "$T/journal/soak-$((jfile - JKEEP)).journal"
        fi
        jbatch "$k" $((k + RATE_JR)) 0
        k=$((k + RATE_JR))
        sleep 1
    done
    jbatch "$k" "$k" 1 # the logouts still owed
    echo "$((k - 1)) $((5 * (k - 1)))" >"$T/sent-jr"
}

for jfile in $(seq 0 $((JKEEP - 1))); do jbatch 0 0 0; done
stats() { "$BIN" stats -c "$T/sinks.json" --json; }
status_kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$DPID/status"; }
nfds() { find "/proc/$DPID/fd" -mindepth 1 -maxdepth 1 | wc -l; }
alive() { kill -0 "$DPID" 2>/dev/null || fail "the daemon died: $(tail -5 "$T/stderr.log")"; }

: >"$T/in/auth.log"
start_daemon "$T/sinks.json"
listening() { [ -f "$T/stderr.log" ] && [ "$(grep -c 'listening on' "$T/stderr.log")" -eq 2 ] && test -S "$SOCK"; }
wait_for 10 listening || fail "the daemon does not listen: $(cat "$T/stderr.log")"
port_of() { sed -n "s/.*listening on $1:\/\/127.0.0.1:0 (port \([0-9]*\)).*/\1/p" "$T/stderr.log"; }
UP=$(port_of udp)
TP=$(port_of tcp)
echo "# soak: $MINUTES min of load, warm-up $WARM_S s, a sample every $SAMPLE_S s; pid $DPID"
echo "# load: file $RATE_FILE, journal $RATE_JR, udp $RATE_UDP, tcp $RATE_TCP stories/s" \
    "(5 lines, 4 events each); file rotated every $ROTATE_LINES lines, a journal file" \
    "every $JROT_S s, a TCP connection every $RECONNECT stories"

"$LOAD" file "$T/in/auth.log" "$LOAD_S" "$RATE_FILE" "$ROTATE_LINES" fhost >"$T/sent-auth" &
L1=$!
"$LOAD" udp 127.0.0.1 "$UP" "$LOAD_S" "$RATE_UDP" uhost >"$T/sent-udp" &
L2=$!
"$LOAD" tcp 127.0.0.1 "$TP" "$LOAD_S" "$RATE_TCP" "$RECONNECT" thost >"$T/sent-tcp" &
L3=$!
jwriter &
L4=$!
PIDS+=("$L1" "$L2" "$L3" "$L4")

# sample T: one line of samples.tsv and the stats in stats.jsonl.
printf 't_s\trss_anon_kb\tfds\tbusy_max_us\tstalls\tevents\topen_sessions\n' >"$T/samples.tsv"
sample() {
    local st
    st=$(stats) || fail "stats failed at $1 s"
    echo "$st" | jq -c --argjson t "$1" '. + {t: $t}' >>"$T/stats.jsonl"
    printf '%s\t%s\t%s\t%s\n' "$1" "$(status_kb RssAnon)" "$(nfds)" "$(echo "$st" | jq -rs '
        [(.[] | select(.stats=="loop") | .busy_max_us, .stalls),
         (.[] | select(.stats=="pipeline") | .events),
         (.[] | select(.stats=="sessions") | .open_now)] | @tsv')" >>"$T/samples.tsv"
    tail -1 "$T/samples.tsv" | awk -F'\t' '{ printf "# %5d s  RssAnon %6d kB  fds %3d  busy_max %6d us  stalls %d  events %d  open %d\n", $1, $2, $3, $4, $5, $6, $7 }'
}
t0=$SECONDS
next=0
while [ $((SECONDS - t0)) -lt "$LOAD_S" ]; do
    if [ $((SECONDS - t0)) -ge "$next" ]; then
        alive
        sample "$next"
        next=$((next + SAMPLE_S))
    fi
    sleep 0.2
done
wait "$L1" "$L2" "$L3" || fail "a sender failed"
wait "$L4" || fail "the journal writer failed"
alive

# Caught up: every source read what was sent, every queue empty.
# Stories and lines (datagrams, entries) each sender got out.
declare -A STORIES LINES
for s in auth jr udp tcp; do
    read -r "STORIES[$s]" "LINES[$s]" <"$T/sent-$s"
done
src() { jq -r "select(.stats==\"source\" and .name==\"$1\") | $2" "$T/final.json"; }
snk() { jq -r "select(.stats==\"sink\" and .name==\"$1\") | $2" "$T/final.json"; }
caught_up() {
    stats >"$T/final.json" || return 1
    [ "$(src auth .records)" -ge "${LINES[auth]}" ] && [ "$(src jr .records)" -ge "${LINES[jr]}" ] &&
        [ "$(src tcp .records)" -ge "${LINES[tcp]}" ] &&
        [ $(($(src udp .records) + $(src udp .dropped))) -ge "${LINES[udp]}" ] &&
        [ "$(jq -s '[.[] | select(.stats=="sink") | .queued_bytes] | add' "$T/final.json")" -eq 0 ]
}
wait_for 120 caught_up || fail "not caught up: $(jq -c 'select(.stats=="source" or .stats=="sink")' "$T/final.json")"
sleep 2 # the last batch written, a checkpoint
stats >"$T/final.json"
sample $((SECONDS - t0))
# The daemon's CPU time and its time waiting for a CPU (schedstat): the
# loop's busy_max_us is wall time, a turn preempted counts whole.
read -r cpu_ns wait_ns _ <"/proc/$DPID/schedstat"
t_stop=$SECONDS
kill -TERM "$DPID"
stop_rc=0
wait "$DPID" || stop_rc=$?
stop_s=$((SECONDS - t_stop))

# ---- the figures ----
jq -r 'select(.record=="event") | [.source, .login_id, .event_code] | @tsv' "$T/events.jsonl" \
    >"$T/events.tsv" || fail "events.jsonl: a line that is not JSON"
jq -e 'select(.record=="session")' "$T/sessions.jsonl" >/dev/null || fail "sessions.jsonl: not JSON"
# got SOURCE: events of SOURCE written
got() { awk -F'\t' -v s="$1" '$1 == s' "$T/events.tsv" | wc -l; }
# stories_whole SOURCE N: how many of the stories 1..N have their four
# events (an event outside 1..N counts against it)
stories_whole() {
    awk -F'\t' -v s="$1" -v n="$2" '$1 == s { k = $2 - 100000; if (k < 1 || k > n) bad++; c[k]++ }
        END { for (k = 1; k <= n; k++) whole += c[k] == 4; print whole - bad }' "$T/events.tsv"
}
closed() { jq -r "select(.state==\"closed\" and .hostname==\"$1\") | .login_id" "$T/sessions.jsonl" | sort -u | wc -l; }
declare -A HOST=([auth]=fhost [jr]=jhost [udp]=uhost [tcp]=thost) GOT WHOLE CLOSED
for s in auth jr udp tcp; do
    GOT[$s]=$(got "$s")
    WHOLE[$s]=$(stories_whole "$s" "${STORIES[$s]}")
    CLOSED[$s]=$(closed "${HOST[$s]}")
done
p_ev=$(jq -r 'select(.stats=="pipeline") | .events' "$T/final.json")
p_se=$(jq -r 'select(.stats=="pipeline") | .sessions' "$T/final.json")
read -r busy_max stalls turns < <(jq -r 'select(.stats=="loop") | "\(.busy_max_us) \(.stalls) \(.turns)"' "$T/final.json")
# The samples taken under load after the warm-up: t, RssAnon, fds.
awk -F'\t' -v w="$WARM_S" -v l="$LOAD_S" 'NR > 1 && $1 >= w && $1 < l { print $1, $2, $3 }' \
    "$T/samples.tsv" >"$T/after.txt"
n_after=$(wc -l <"$T/after.txt")
[ "$n_after" -ge 3 ] || fail "fewer than 3 samples after the warm-up"
read -r r_first r_last r_max r_slope f_max < <(awk '
    { t[NR] = $1; r[NR] = $2; f[NR] = $3 }
    END { n = NR; rmax = r[1]; fmax = f[1]
          for (i = 1; i <= n; i++) {
              sx += t[i]; sy += r[i]; sxx += t[i] * t[i]; sxy += t[i] * r[i]
              if (r[i] > rmax) rmax = r[i]
              if (f[i] > fmax) fmax = f[i]
          }
          slope = (n * sxy - sx * sy) / (n * sxx - sx * sx)   # kB per s
          printf "%d %d %d %.1f %d\n", r[1], r[n], rmax, slope * 60, fmax }' "$T/after.txt")
# median FIRST COUNT: the median fd count of those samples
median() { tail -n "+$1" "$T/after.txt" | head -n "$2" | awk '{ print $3 }' | sort -n |
    awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
f_med1=$(median 1 $((n_after / 2)))
f_med2=$(median $((n_after / 2 + 1)) $((n_after - n_after / 2)))
span_min=$(awk -v w="$WARM_S" -v l="$LOAD_S" 'BEGIN { printf "%.2f", (l - w) / 60 }')
proj=$(awk -v s="$r_slope" -v m="$span_min" 'BEGIN { printf "%d", s * m }')

echo "# ---- soak summary: $MINUTES min of load ----"
for s in auth jr tcp udp; do
    echo "#   $s: ${STORIES[$s]} stories, ${LINES[$s]} lines sent, $(src "$s" .records) read," \
        "$(src "$s" .dropped) dropped; ${GOT[$s]} events written, ${WHOLE[$s]} stories whole," \
        "${CLOSED[$s]} sessions closed"
done
echo "#   sinks: events $(snk events .written) written of $p_ev, sessions $(snk sessions .written)" \
    "of $p_se; dropped $(snk events .dropped) and $(snk sessions .dropped)"
echo "#   RssAnon after the warm-up ($n_after samples): first $r_first kB, last $r_last kB," \
    "max $r_max kB; slope $r_slope kB/min ($proj kB over $span_min min)"
echo "#   fds after the warm-up: median $f_med1 in the first half, $f_med2 in the second, max $f_max"
echo "#   loop: busy_max_us $busy_max, stalls (turns over 100 ms) $stalls of $turns turns;" \
    "CPU $((cpu_ns / 1000000)) ms, waiting for a CPU $((wait_ns / 1000000)) ms"
echo "#   stop: status $stop_rc in $stop_s s"
[ -z "${SOAK_KEEP:-}" ] || cp "$T/samples.tsv" "$T/stats.jsonl" "$T/stderr.log" "$SOAK_KEEP"/

# ---- the checks ----
expect_eq "events.jsonl: every line an event" "$(wc -l <"$T/events.tsv")" "$(wc -l <"$T/events.jsonl")"
expect_eq "events: none twice" "$(sort "$T/events.tsv" | uniq -d | wc -l)" 0
for s in auth jr tcp; do
    n=${STORIES[$s]}
    expect_eq "$s: lines read = lines sent" "$(src "$s" .records)" "${LINES[$s]}"
    expect_eq "$s: events written, parsed = 4 x stories" \
        "${GOT[$s]} $(src "$s" .parser.events)" "$((4 * n)) $((4 * n))"
    expect_eq "$s: stories with their four events" "${WHOLE[$s]}" "$n"
    expect_eq "$s: sessions opened and closed" "${CLOSED[$s]}" "$n"
done
u_drop=$(src udp .dropped)
expect_eq "udp: datagrams sent = received + kernel drops" \
    "$(($(src udp .records) + u_drop))" "${LINES[udp]}"
expect_eq "udp: events = what the received datagrams made" "${GOT[udp]}" "$(src udp .parser.events)"
open_now=$(jq -r 'select(.stats=="sessions") | .open_now' "$T/final.json")
if [ "$u_drop" -eq 0 ]; then
    expect_eq "udp: stories with their four events" "${WHOLE[udp]}" "${STORIES[udp]}"
    expect_eq "udp: sessions opened and closed" "${CLOSED[udp]}" "${STORIES[udp]}"
    expect_eq "open sessions at the end" "$open_now" 0
else
    echo "# $open_now sessions left open by UDP datagrams the kernel dropped"
fi
for s in auth jr udp tcp; do
    expect_eq "$s: malformed, truncated, errors" \
        "$(src "$s" '"\(.parser.malformed) \(.truncated) \(.errors)"')" "0 0 0"
done
expect_eq "events sink: written = offered = lines, no drop, no error" \
    "$(snk events '"\(.written) \(.dropped) \(.errors)"') $(wc -l <"$T/events.jsonl")" "$p_ev 0 0 $p_ev"
expect_eq "sessions sink: written = offered = lines, no drop, no error" \
    "$(snk sessions '"\(.written) \(.dropped) \(.errors)"') $(wc -l <"$T/sessions.jsonl")" "$p_se 0 0 $p_se"
if grep -qa __asan_init "$BIN"; then
    echo "# RssAnon not checked: AddressSanitizer keeps freed memory"
else
    [ "${proj#-}" -le "$RSS_GROWTH_KB" ] ||
        fail "RssAnon slope $r_slope kB/min: $proj kB over the run (limit $RSS_GROWTH_KB)"
    [ $((r_last - r_first)) -le "$RSS_GROWTH_KB" ] ||
        fail "RssAnon grew $((r_last - r_first)) kB after the warm-up (limit $RSS_GROWTH_KB)"
    ok "RssAnon flat after the warm-up"
fi
[ "$f_med2" -le "$f_med1" ] || fail "fds grew from $f_med1 to $f_med2 after the warm-up"
[ "$f_max" -le $((f_med1 + FD_TRANSIENT)) ] || fail "fds up to $f_max, usually $f_med1"
ok "no fd growth"
expect_eq "clean stop: status" "$stop_rc" 0
[ "$stop_s" -le 6 ] || fail "stop took $stop_s s"
ok "stop within 6 s"
finish
