#!/usr/bin/env bash
# test_journal_vacuum.sh - journal files vacuumed while the daemon is
# stopped with a cursor saved, by `journalctl --vacuum-files=` on the
# directory systemd-journal-remote writes (it rotates the file itself,
# archived files keep the writer's seqnum id).  (a) Only files older than
# the cursor's go: the daemon goes on after the cursor, no gap said, no
# entry of the cursor's file read again.  (b) The cursor's file and the
# next go: the daemon says how many entries were lost, which equals the
# entries removed that it had not read (counted with journalctl), and
# goes on at the first entry left, never from the head.
. "$(dirname "$0")/lib.sh"

JR=/lib/systemd/systemd-journal-remote
[ -x "$JR" ] || { echo "skip: $JR missing"; exit 77; }
command -v journalctl >/dev/null || { echo "skip: journalctl missing"; exit 77; }
mkdir -p "$T/j" "$T/state"
t0=$SECONDS

# write FIRST N: entries FIRST..FIRST+N-1 appended to the journal; entry k
# names user u<k> and is the k-th written, so its seqnum is k.  Eight
# more fields unique per entry fill the file's hash tables sooner, so
# systemd-journal-remote rotates about every 17,000 entries.
write() {
    awk -v f="$1" -v n="$2" 'BEGIN {
        for (i = f; i < f + n; i++) {
            printf "__REALTIME_TIMESTAMP=%.0f\n__MONOTONIC_TIMESTAMP=%.0f\n_BOOT_ID=0123456789abcdef0123456789abcdef\n_HOSTNAME=web01\nSYSLOG_IDENTIFIER=sshd\n_PID=%d\nMESSAGE=Accepted password for u%07d from 10.0.0.1 port 22222 ssh2\n", 1710424459000000 + i * 1000, 1000000 + i * 1000, 1000000 + i, i
            printf "SEQ_A=%d\nSEQ_B=%d\nSEQ_C=%d\nSEQ_D=%d\nSEQ_E=%d\nSEQ_F=%d\nSEQ_G=%d\nSEQ_H=%d\n\n", i, i, i, i, i, i, i, i
        }
    }' | "$JR" -o "$T/j/x.journal" - 2>>"$T/jr.log" || fail "systemd-journal-remote: $(tail -3 "$T/jr.log")"
}

# heads: "first-entry file" per journal file, oldest first.
heads() {
    for f in "$T"/j/*.journal; do
        echo "$(journalctl --file "$f" -o cat 2>/dev/null | head -1 | sed -n 's/.*for u\([0-9]*\) .*/\1/p' | sed 's/^0*//') $f"
    done | sort -n
}

# first_left: the first entry journalctl still finds in the directory.
first_left() {
    journalctl -D "$T/j" -o cat 2>/dev/null | head -1 | sed -n 's/.*for u\([0-9]*\) .*/\1/p' | sed 's/^0*//'
}

# vacuum_before K: journalctl --vacuum-files so that the first file left
# is the one whose first entry is K (the active file is counted too).
vacuum_before() {
    local keep
    keep=$(heads | awk -v k="$1" '$1 >= k' | wc -l)
    journalctl -D "$T/j" --vacuum-files="$keep" >>"$T/vacuum.log" 2>&1 || fail "vacuum: $(tail -3 "$T/vacuum.log")"
    expect_eq "vacuum: first entry left" "$(first_left)" "$1"
}

cat >"$T/sinks.json" <<JSON
{ "state_dir": "$T/state", "control_socket": "",
  "sources": [ { "name": "jr", "type": "journal", "path": "$T/j",
                 "from_beginning": true } ],
  "sinks": [ { "name": "out", "type": "file", "path": "$T/out.jsonl",
               "format": "json", "records": ["events"] } ] }
JSON
got() { grep -o '"user":"u[0-9]*"' "$T/out.jsonl" | sed 's/.*"u0*\([0-9]*\)"/\1/'; }
# run_to K: start the daemon, wait for entry K, stop it (cursor saved).
run_to() {
    local t=$SECONDS
    start_daemon "$T/sinks.json"
    wait_for 200 grep -q "\"user\":\"u$(printf %07d "$1")\"" "$T/out.jsonl" ||
        fail "entry $1 not read in 200 s, $(got | wc -l) entries read, the last $(got | tail -1): $(tail -3 "$T/stderr.log")"
    sleep 0.3
    stop_daemon
    echo "# read to entry $1 in $((SECONDS - t)) s"
}

write 1 60000
"$BIN" replay "$T/j" >/dev/null 2>"$T/probe.err" ||
    { grep -q "without journal support" "$T/probe.err" && exit 77; }
run_to 60000
expect_eq "first run: entries read" "$(got | sort -u | wc -l)" 60000
grep -q ';i=ea60;' "$T/state/jr.pos" || fail "cursor not at seqnum 60000: $(cat "$T/state/jr.pos")"
ok "stopped with the cursor at entry 60000"

# (a) files before the cursor's vacuumed; the cursor's entry is still there
write 60001 60000
echo "# journal files (first entry, file):"
heads | sed "s|$T/j/||; s/^/#   /"
cur=$(heads | awk '$1 <= 60000 { h = $1 } END { print h }')
vacuum_before "$cur"
: >"$T/stderr.log"
run_to 120000
expect_eq "(a) entries read once each" "$(got | sort | uniq -d | wc -l)" 0
expect_eq "(a) entries read in all" "$(got | wc -l)" 120000
grep -q "lost" "$T/stderr.log" && fail "(a) a gap said where there is none: $(cat "$T/stderr.log")"
ok "(a) files before the cursor's vacuumed: from entry 60001 on, entries $cur..60000 still there not read again, no gap said"

# (b) the cursor's file and the next vacuumed
write 120001 60000
echo "# journal files (first entry, file):"
heads | sed "s|$T/j/||; s/^/#   /"
next2=$(heads | awk '$1 > 120000 { n++; if (n == 2) print $1 }')
[ -n "$next2" ] || fail "(b) too few journal files"
before=$(journalctl -D "$T/j" -o cat | wc -l)
vacuum_before "$next2"
after=$(journalctl -D "$T/j" -o cat | wc -l)
removed=$((before - after))
unread=$((next2 - 120001))
echo "# (b) vacuum removed $removed entries, $unread of them after the cursor (entries 120001..$((next2 - 1)))"
: >"$T/stderr.log"
run_to 180000
said=$(sed -n 's/.*source .jr.: \([0-9]*\) entries lost before \([^ ]*\) .*/\1 \2/p' "$T/stderr.log")
when=$(date -u -d "@$((1710424459 + next2 / 1000))" +%Y-%m-%dT%H:%M:%SZ)
echo "# (b) the daemon said: $(grep lost "$T/stderr.log")"
expect_eq "(b) gap said once, entries lost = entries removed after the cursor, before the first entry left" "$said" "$unread $when"
expect_eq "(b) entries read once each" "$(got | sort | uniq -d | wc -l)" 0
expect_eq "(b) entries read in all (never from the head)" "$(got | wc -l)" $((120000 + 180000 - next2 + 1))
expect_eq "(b) the first entry after the gap" "$(got | awk '$1 > 120000' | head -1)" "$next2"
echo "# total $((SECONDS - t0)) s"
finish
