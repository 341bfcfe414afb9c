#!/usr/bin/env bash
# test_journal.sh - the journal with real parts: journal files written by
# systemd-journal-remote from export format, replayed and followed by the
# daemon (entries appended while it runs, journal files rotated under it,
# stop/restart from the cursor, the oldest file vacuumed away, a vacuumed
# checkpointed entry reported as a gap), plus the kjournald corpus.
. "$(dirname "$0")/lib.sh"

JR=/lib/systemd/systemd-journal-remote
[ -x "$JR" ] || { echo "skip: $JR missing"; exit 77; }
GEN="$SRC/tests/it/journal_gen.awk"

# mkjournal FILE START N [awk -v args...]: append entries to a journal file.
mkjournal() {
    local f=$1 s=$2 n=$3
    shift 3
    awk -v start="$s" -v n="$n" "$@" -f "$GEN" | "$JR" -o "$f" - 2>>"$T/jr.log" ||
        fail "systemd-journal-remote failed on $f"
}

mkdir -p "$T/j1"
mkjournal "$T/j1/a.journal" 0 1000 -v failed=1
if ! "$BIN" replay -o json "$T/j1/a.journal" >"$T/r1.jsonl" 2>"$T/r1.err"; then
    grep -q "without journal support" "$T/r1.err" && { echo "skip: built without libsystemd"; exit 77; }
    fail "replay of a journal file: $(cat "$T/r1.err")"
fi

# ---- replay of a file: every entry's event, fields from the entry ----
ev() { jq -c "select(.record==\"event\")" "$1"; }
expect_eq "replay: events" "$(ev "$T/r1.jsonl" | wc -l)" 750
expect_eq "replay: sshd-accepted" "$(ev "$T/r1.jsonl" | grep -c '"event_code":"sshd-accepted"')" 400
expect_eq "replay: sshd-failed" "$(ev "$T/r1.jsonl" | grep -c '"login_successful":false')" 100
expect_eq "replay: logind-session-new" "$(ev "$T/r1.jsonl" | grep -c '"event_code":"logind-session-new"')" 250
expect_eq "replay: every event has the boot id" \
    "$(ev "$T/r1.jsonl" | grep -c '"boot_id":"0123456789abcdef0123456789abcdef"')" 750
expect_eq "replay: record_id is the cursor" "$(ev "$T/r1.jsonl" | jq -r .record_id | grep -c '^s=[0-9a-f]*;i=')" 750
# entry 2: __REALTIME_TIMESTAMP 1710424459002000 -> its time, pid -> login_id
expect_eq "replay: time from __REALTIME_TIMESTAMP" \
    "$(ev "$T/r1.jsonl" | jq -r 'select(.login_id=="100002") | .time')" "2024-03-14T13:54:19.002000Z"
expect_eq "replay: logind session 5" \
    "$(ev "$T/r1.jsonl" | jq -r 'select(.event_code=="logind-session-new" and .login_id=="5") | [.user,.hostname,.service,.format] | join(" ")')" \
    "u5 web01 systemd-logind logind"

# ---- a directory, udp514-journal form, logind stop, ids across boots ----
mkdir -p "$T/j2"
cat >"$T/j2.export" <<'EOX'
__REALTIME_TIMESTAMP=1710500000000000
__MONOTONIC_TIMESTAMP=5000000
_BOOT_ID=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
_HOSTNAME=collector
SYSLOG_IDENTIFIER=udp514-journal
_PID=77
MESSAGE=<38>Mar 15 10:00:00 web07 sshd[4242]: Accepted publickey for bob from 192.0.2.7 port 2222 ssh2

__REALTIME_TIMESTAMP=1710500001000000
__MONOTONIC_TIMESTAMP=6000000
_BOOT_ID=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
_HOSTNAME=web02
SYSLOG_IDENTIFIER=systemd-logind
_PID=612
MESSAGE_ID=3354939424b4456d9802ca8333ed424a
SESSION_ID=1
USER_ID=carol
LEADER=900
MESSAGE=Removed session 1.

__REALTIME_TIMESTAMP=1710600000000000
__MONOTONIC_TIMESTAMP=1000000
_BOOT_ID=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
_HOSTNAME=web02
SYSLOG_IDENTIFIER=systemd-logind
_PID=611
MESSAGE_ID=8d45620c1a4348dbb17410da57c60c66
SESSION_ID=1
USER_ID=carol
LEADER=901
MESSAGE=New session 1 of user carol.

__REALTIME_TIMESTAMP=1710600002000000
__MONOTONIC_TIMESTAMP=3000000
_BOOT_ID=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
_HOSTNAME=web02
SYSLOG_IDENTIFIER=systemd-logind
_PID=611
MESSAGE=Watching system buttons on /dev/input/event0 (Power Button)

EOX
"$JR" -o "$T/j2/b.journal" - <"$T/j2.export" 2>>"$T/jr.log"
"$BIN" replay -o json "$T/j2" >"$T/r2.jsonl" 2>/dev/null || fail "replay of a directory"
expect_eq "udp514 MESSAGE: host, program and pid of the inner header, time of the entry" \
    "$(ev "$T/r2.jsonl" | jq -r 'select(.service=="sshd") | [.hostname,.user,.login_id,.time] | join(" ")')" \
    "web07 bob 4242 2024-03-15T10:53:20.000000Z"
expect_eq "logind removed: logout of session 1 in boot aaaa" \
    "$(ev "$T/r2.jsonl" | jq -r 'select(.action=="logout") | [.user,.login_id,.boot_id] | join(" ")')" \
    "carol 1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
expect_eq "events in the directory (the buttons line is none)" "$(ev "$T/r2.jsonl" | wc -l)" 3

# ---- the daemon on a directory: follow, append, rotate, restart ----
mkdir -p "$T/live" "$T/state"
mkjournal "$T/live/a.journal" 0 1000
cat >"$T/sinks.json" <<JSON
{ "state_dir": "$T/state",
  "sources": [ { "name": "jr", "type": "journal", "path": "$T/live",
                 "from_beginning": true } ],
  "sinks": [ { "name": "out", "type": "file", "path": "$T/out.jsonl",
               "format": "json", "records": ["events"] } ] }
JSON
acc() { ids "$T/out.jsonl" | sort -u | wc -l; }
have() { [ "$(acc)" -ge "$1" ]; }
have_events() { [ "$(count_events "$2")" -ge "$1" ]; }
start_daemon "$T/sinks.json"
wait_for 20 have 500 || fail "only $(acc) of 500 logins from a.journal"
ok "daemon: the 500 logins of a.journal"
mkjournal "$T/live/a.journal" 1000 200
wait_for 20 have 600 || fail "appended entries: $(acc) of 600"
ok "daemon: entries appended to a.journal while it runs"
mkjournal "$T/live/b.journal" 1200 200
wait_for 20 have 700 || fail "rotated: $(acc) of 700"
ok "daemon: a new journal file in the directory (rotation)"
sleep 1.5 # a checkpoint
stop_daemon
grep -q '^s=' "$T/state/jr.pos" 2>/dev/null || sed -n 2p "$T/state/jr.pos" | grep -q ' s=' ||
    fail "no cursor in the checkpoint: $(cat "$T/state/jr.pos")"
ok "checkpoint holds the cursor"
mkjournal "$T/live/b.journal" 1400 200
start_daemon "$T/sinks.json"
wait_for 20 have 800 || fail "after restart: $(acc) of 800"
sleep 1.5
stop_daemon
expect_eq "restart: no entry read twice" "$(ids "$T/out.jsonl" | wc -l)" 800

# vacuum: the oldest file deleted while stopped, the cursor's entry alive
mkjournal "$T/live/b.journal" 1600 200
rm "$T/live/a.journal"
start_daemon "$T/sinks.json"
wait_for 20 have 900 || fail "after vacuum: $(acc) of 900"
sleep 1.5
stop_daemon
expect_eq "vacuum of the oldest file: never from the head (no duplicate)" "$(ids "$T/out.jsonl" | wc -l)" 900

# vacuum of the file holding the checkpointed entry: the gap is reported,
# reading goes on after it
mkjournal "$T/live/c.journal" 1800 200
mkjournal "$T/live/b.journal" 2000 0 || true
rm "$T/live/b.journal"
: >"$T/stderr.log"
start_daemon "$T/sinks.json"
wait_for 20 have 1000 || fail "after the gap: $(acc) of 1000"
sleep 1.5
stop_daemon
grep -q "entries lost before 2024-03-14T13:54:20Z" "$T/stderr.log" ||
    fail "gap not reported: $(cat "$T/stderr.log")"
expect_eq "gap reported once" "$(grep -c 'entries lost before' "$T/stderr.log")" 1
expect_eq "after the gap: c.journal read, nothing twice" "$(ids "$T/out.jsonl" | wc -l)" 1000

# ---- matches: only sshd, from the tail ----
mkdir -p "$T/state2"
cat >"$T/sinks2.json" <<JSON
{ "state_dir": "$T/state2",
  "sources": [ { "name": "m", "type": "journal", "path": "$T/live",
                 "matches": ["SYSLOG_IDENTIFIER=systemd-logind"] } ],
  "sinks": [ { "name": "out", "type": "file", "path": "$T/out2.jsonl",
               "format": "json", "records": ["events"] } ] }
JSON
start_daemon "$T/sinks2.json"
sleep 1
mkjournal "$T/live/c.journal" 2000 40
wait_for 20 have_events 10 "$T/out2.jsonl" || fail "matches: $(count_events "$T/out2.jsonl") of 10"
sleep 1
stop_daemon
expect_eq "matches + tail: only the 10 new logind entries" \
    "$(jq -r .event_code "$T/out2.jsonl" | sort | uniq -c | awk '{print $1, $2}')" "10 logind-session-new"

# ---- kjournald corpus: export streams converted, real journal files ----
K="$CORPUS/kjournald-journal"
if [ -d "$K" ]; then
    mkdir -p "$T/k"
    "$JR" -o "$T/k/logind.journal" - <"$K/logind-sddm.export" 2>>"$T/jr.log"
    "$BIN" replay -o json "$T/k/logind.journal" >"$T/k.jsonl" 2>/dev/null
    # facts read off logind-sddm.export with grep: 3 "New session 1 of
    # user kde." (one per boot), 1 "Removed session 1.", host raspberrypi4
    want_new=$(grep -c '^MESSAGE_ID=8d45620c1a4348dbb17410da57c60c66$' "$K/logind-sddm.export")
    want_rm=$(grep -c '^MESSAGE_ID=3354939424b4456d9802ca8333ed424a$' "$K/logind-sddm.export")
    expect_eq "kjournald: logind logins" "$(ev "$T/k.jsonl" | grep -c '"event_code":"logind-session-new"')" "$want_new"
    expect_eq "kjournald: logind logouts" "$(ev "$T/k.jsonl" | grep -c '"event_code":"logind-session-removed"')" "$want_rm"
    expect_eq "kjournald: session 1 of kde in 3 boots, 3 boot ids" \
        "$(ev "$T/k.jsonl" | jq -r 'select(.event_code=="logind-session-new") | [.user,.login_id,.hostname,.boot_id] | join(" ")' | sort -u | awk '{print $1,$2,$3}' | uniq -c | awk '{print $1,$2,$3,$4}')" \
        "3 kde 1 raspberrypi4"
    expect_eq "kjournald: distinct boot ids of the logins" \
        "$(ev "$T/k.jsonl" | jq -r 'select(.event_code=="logind-session-new") | .boot_id' | sort -u | wc -l)" 3
    "$JR" -o "$T/k/example.journal" - <"$K/example.export" 2>>"$T/jr.log"
    "$BIN" replay -o json "$T/k/example.journal" >/dev/null 2>"$T/k2.err" || fail "example.export"
    grep -q "replayed 2 records" "$T/k2.err" || fail "example.export: $(cat "$T/k2.err")"
    ok "kjournald example.export: 2 records"
    tar -xzf "$K/journal-rpi4-2021.tar.gz" -C "$T/k"
    d=$(ls -d "$T"/k/journal/*/ | head -1)
    "$BIN" replay -o json "$d" >"$T/k3.jsonl" 2>"$T/k3.err" || fail "rpi4 journal: $(cat "$T/k3.err")"
    expect_eq "kjournald rpi4 journal (XZ, systemd 244): logind logins in 3 boots" \
        "$(ev "$T/k3.jsonl" | jq -r 'select(.event_code=="logind-session-new") | .boot_id' | sort -u | wc -l)" 3
fi
finish
