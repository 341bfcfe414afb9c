#!/usr/bin/env bash
# A file sink on a full disk (a 1 MiB tmpfs) next to a file sink on a disk
# with room, fed while it runs: the other sink gets every event, the daemon
# goes on, checkpoints go on, the full sink's file always ends with a whole
# line, `sessiontail stats` counts drops and errors, "dropping records" is
# said once, memory stays within a bound derived from queue_max.  Once space
# is freed the sink resumes by itself (the recovery time is printed), every
# line of its file is one whole JSON object, and a stop while the disk is
# full again is prompt.  Needs root to mount the tmpfs (77 otherwise).
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "skip: mounting a tmpfs needs root"; exit 77; }
command -v jq >/dev/null || { echo "skip: no jq"; exit 77; }
FULL=$T/full
mkdir -p "$FULL" "$T/in" "$T/state"
mount -t tmpfs -o size=1m,mode=0755 tmpfs "$FULL" 2>"$T/mount.err" ||
    { echo "skip: cannot mount a tmpfs: $(cat "$T/mount.err")"; exit 77; }
full_cleanup() {
    for p in "${PIDS[@]:-}"; do
        [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true
    done
    sleep 0.2
    umount "$FULL" 2>/dev/null || umount -l "$FULL" 2>/dev/null || true
    cleanup
}
trap full_cleanup EXIT

QMAX_FULL=262144  # queue_max of the sink on the tmpfs
# The sink with room keeps the default queue_max: a file source pauses
# only after the 256 KiB it read, about 1 MiB of JSON, which a smaller
# queue would have to drop.
QMAX_DISK=8388608
SOCK=$T/control.sock
cat >"$T/sinks.json" <<JSON
{ "state_dir": "$T/state", "control_socket": "$SOCK",
  "sources": [ { "name": "auth", "type": "file", "path": "$T/in/auth.log",
                 "timezone": "UTC" } ],
  "sinks": [ { "name": "full", "type": "file", "path": "$FULL/out.jsonl",
               "format": "json", "records": ["events"], "queue_max": $QMAX_FULL },
             { "name": "disk", "type": "file", "path": "$T/disk.jsonl",
               "format": "json", "records": ["events"] } ] }
JSON

# One chunk: 100 copies of the sshd failure samples (1,200 events).
per_copy=$(count_events "$SRC/samples/sshd/failed.expected")
for _ in $(seq 1 100); do cat "$SRC/samples/sshd/failed.log"; done >"$T/chunk.log"
per_chunk=$((per_copy * 100))
fed=0
feed() { # CHUNKS: append while the daemon runs
    for _ in $(seq 1 "$1"); do
        cat "$T/chunk.log" >>"$T/in/auth.log"
        fed=$((fed + per_chunk))
        sleep 0.05
    done
}
lines_of() { wc -l <"$1"; }
stat_of() { # SINK FIELD
    "$BIN" stats -c "$T/sinks.json" --json |
        jq -r "select(.stats==\"sink\" and .name==\"$1\") | .$2"
}
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$DPID/status"; }
ends_whole() { [ ! -s "$1" ] || [ -z "$(tail -c1 "$1")" ]; }
said() { grep -c "sink 'full': .*$1" "$T/stderr.log" || true; }
disk_has_all() { [ "$(count_events "$T/disk.jsonl")" -ge "$fed" ]; }
full_grew() { [ "$(lines_of "$FULL/out.jsonl")" -gt "$before" ]; }
full_drained() { [ "$(stat_of full queued_bytes)" -eq 0 ]; }
committed() { # the offset saved for auth.log ("dev ino offset fp path")
    awk -v p="$T/in/auth.log" '$5 == p { print $3 }' "$T/state/auth.pos" 2>/dev/null
}
committed_all() { [ "$(committed)" = "$(stat -c %s "$T/in/auth.log")" ]; }
# Every line of the file one whole JSON event.
all_whole() {
    jq -e . "$1" >/dev/null || fail "$1: not JSON lines"
    [ "$(grep -cv '^{"record":"event".*}$' "$1")" -eq 0 ] ||
        fail "$1: a line that is not one whole event"
}

# All but 200 KiB of the tmpfs is taken by someone else's file.
dd if=/dev/zero of="$FULL/filler" bs=1k count=824 status=none
: >"$T/in/auth.log"
start_daemon "$T/sinks.json"
wait_for 10 test -S "$SOCK" || fail "daemon did not start"
sleep 0.3
rss0=$(rss_kb)
# What may grow: two sinks' queues (at most twice queue_max allocated
# each), plus 8 MiB for the source's buffers and the allocator.
rss_max=$((rss0 + 2 * (QMAX_FULL + QMAX_DISK) / 1024 + 8192))

feed 10
wait_for 60 disk_has_all ||
    fail "disk sink: $(count_events "$T/disk.jsonl") of $fed events while the tmpfs is full"
expect_eq "disk sink events while the other disk is full" "$(count_events "$T/disk.jsonl")" "$fed"
kill -0 "$DPID" || fail "daemon died on a full disk"
ok "daemon keeps running"
[ "$(said 'dropping records')" -ge 1 ] || fail "no dropping message: $(cat "$T/stderr.log")"
ends_whole "$FULL/out.jsonl" || fail "full sink file ends with a half line"
all_whole "$FULL/out.jsonl"
ok "full sink file ends with a whole line while the disk is full"
[ "$(stat_of full dropped)" -gt 0 ] || fail "stats: full.dropped is 0"
[ "$(stat_of full errors)" -gt 0 ] || fail "stats: full.errors is 0"
ok "stats: full sink dropped $(stat_of full dropped), errors $(stat_of full errors)"
rss1=$(rss_kb)

# Keep feeding while full: far more than the queues hold.
feed 60
wait_for 60 disk_has_all || fail "disk sink: $(count_events "$T/disk.jsonl") of $fed events"
expect_eq "disk sink events, still full" "$(count_events "$T/disk.jsonl")" "$fed"
expect_eq "dropping said once" "$(said 'dropping records')" 1
expect_eq "write failure said once" "$(said 'write failed')" 1
ends_whole "$FULL/out.jsonl" || fail "full sink file ends with a half line"
rss2=$(rss_kb)
echo "# RSS: ${rss0} kB at start, ${rss1} kB, ${rss2} kB after $fed events; bound ${rss_max} kB"
if grep -qa __asan_init "$BIN"; then
    echo "# RSS bound not checked: AddressSanitizer keeps freed memory"
else
    [ "$rss2" -le "$rss_max" ] || fail "RSS ${rss2} kB over ${rss_max} kB"
    ok "RSS within the bound from queue_max"
    [ $((rss2 - rss1)) -le $((2 * QMAX_FULL / 1024 + 4096)) ] ||
        fail "RSS grew by $((rss2 - rss1)) kB while the sink dropped"
    ok "RSS flat while the sink drops"
fi
# Checkpoints are not held by the failing sink: the committed offset
# reaches the end of the input.
wait_for 10 committed_all ||
    fail "checkpoint at $(committed), not at the end of the input ($(stat -c %s "$T/in/auth.log"))"
ok "checkpoints go on while a sink fails"

# Free space; nothing more is fed: the sink resumes by itself.
before=$(lines_of "$FULL/out.jsonl")
t_free=$(date +%s%N)
rm "$FULL/filler"
wait_for 10 full_grew || fail "the sink did not resume after space was freed"
recovery_ms=$((($(date +%s%N) - t_free) / 1000000))
printf '# recovery: %d.%03d s from freeing space to the first new line\n' \
    $((recovery_ms / 1000)) $((recovery_ms % 1000))
# A retry comes every FDOUT_RETRY_MS (1 s).
[ "$recovery_ms" -lt 3000 ] || fail "recovery took $recovery_ms ms"
ok "the sink resumes by itself"
wait_for 10 full_drained || fail "full sink queue did not drain"
expect_eq "writing again said once" "$(said 'writing again')" 1

# New events reach it again.
for i in $(seq 1 500); do accepted "$i"; done >>"$T/in/auth.log"
fed=$((fed + 500))
new_arrived() { [ "$(grep -c sshd-accepted "$FULL/out.jsonl")" -ge 500 ]; }
wait_for 30 new_arrived ||
    fail "new events after recovery: $(grep -c sshd-accepted "$FULL/out.jsonl") of 500"
expect_eq "new events after recovery, each once" \
    "$(ids "$FULL/out.jsonl" | sort -u | wc -l) $(ids "$FULL/out.jsonl" | wc -l)" "500 500"
wait_for 10 full_drained || fail "full sink queue did not drain"
expect_eq "disk sink events" "$(count_events "$T/disk.jsonl")" "$fed"
expect_eq "full sink: written = lines in its file" "$(stat_of full written)" "$(lines_of "$FULL/out.jsonl")"
expect_eq "full sink: written + dropped = events offered" \
    "$(($(stat_of full written) + $(stat_of full dropped)))" "$fed"
all_whole "$FULL/out.jsonl"
ok "every line of the full sink is one whole JSON event"

# Full again, then stop: prompt, clean, the file still whole.
dd if=/dev/zero of="$FULL/filler" bs=64k status=none 2>/dev/null || true
feed 5
wait_for 60 disk_has_all || fail "disk sink behind on the second full disk"
t0=$SECONDS
stop_daemon
[ $((SECONDS - t0)) -le 5 ] || fail "stop took $((SECONDS - t0)) s with a full disk"
ok "stop with a full disk is prompt and clean"
ends_whole "$FULL/out.jsonl" || fail "full sink file ends with a half line after stop"
all_whole "$FULL/out.jsonl"
ok "file whole after stop"
finish
