#!/usr/bin/env bash
# wtmp/btmp (utmp(5) records) end to end, against util-linux's own tools:
#  1. samples/utmp/*.txt, made binary with `utmpdump -r`, replay to their
#     .expected events (hostname and session_id depend on the run);
#  2. every wtmp/utmp file of the corpus: our login/logout events equal the
#     USER_PROCESS/DEAD_PROCESS records `utmpdump FILE` shows (type, pid,
#     line, user, time to the µs, address), also in misaligned files; and on
#     aligned files our sessions pair as `last -f FILE` pairs them;
#  3. the daemon follows a wtmp while records are appended (utmpdump -r >>),
#     a partial record waits, updwtmp's cut of a partial record is no
#     truncation, a rename rotation is followed; btmp gives failures.
. "$(dirname "$0")/lib.sh"
command -v utmpdump >/dev/null && command -v jq >/dev/null ||
    { echo "skip: utmpdump or jq missing"; exit 77; }

# utmpdump text -> binary records
mkbin() { utmpdump -r <"$1" 2>/dev/null; }

# ---- 1. samples ---------------------------------------------------------
for txt in "$SRC"/samples/utmp/*.txt; do
    b=$T/$(basename "${txt%.txt}")
    mkbin "$txt" >"$b"
    "$BIN" replay -o json "$b" 2>/dev/null |
        jq -c 'select(.record=="event") | del(.session_id, .hostname)' >"$b.got"
    diff -u "${txt%.txt}.expected" "$b.got" || fail "$(basename "$txt") replay"
    ok "$(basename "$txt"): $(wc -l <"$b.got") events as expected"
done

# ---- 2. the corpus against utmpdump and last ----------------------------
# utmpdump's USER/DEAD records as "type pid line user time addr" lines
dump_records() {
    utmpdump "$1" 2>/dev/null | awk -F'] \\[' '
        /^\[[78]\]/ {
            for (i = 1; i <= NF; i++) { gsub(/^\[|\]$/, "", $i); sub(/ +$/, "", $i) }
            t = $8; sub(/,/, ".", t); sub(/\+00:00$/, "Z", t)
            a = $7 == "0.0.0.0" ? "-" : $7
            printf "%d %d %s %s %s %s\n", $1, $2, $5, ($4 == "" ? "-" : $4), t, ($1 == 7 ? a : "-")
        }' | sort
}
# our login/logout events in the same form
our_records() {
    jq -r 'select(.record=="event" and (.action=="login" or .action=="logout"))
        | [(if .action=="login" then 7 else 8 end),
           (.login_id | sub(".*:"; "")), .tty, (.user // "-"), .time,
           (if .action=="login" then (.src_ip // "-") else "-" end)] | join(" ")' "$1" | sort
}
# last's sessions of real users: "user line start end|open|reboot"
last_sessions() {
    TZ=UTC last -f "$1" -w --time-format iso -i 2>/dev/null | awk '
        NF >= 5 && $1 != "reboot" && $1 != "shutdown" && $1 != "runlevel" {
            end = $5 == "-" ? $6 : "open"
            if (end == "down" || end == "crash") end = "reboot"
            if ($5 == "still" || $5 == "gone") end = "open"
            print $1, $2, $4, end
        }' | sort
}
our_sessions() {
    jq -r 'select(.record=="session") | [.session_id, .state, .user,
        (.login_id | sub(":[0-9]*$"; "")), .start, (.end // ""), (.end_reason // "")] | join(" ")' "$1" |
        awk '{ last[$1] = $0 } END { for (k in last) print last[k] }' |
        awk '{ s = $5; sub(/\.[0-9]*Z$/, "+00:00", s); e = $6; sub(/\.[0-9]*Z$/, "+00:00", e)
               end = $2 == "open" ? "open" : ($7 == "logout" ? e : ($7 == "reboot" ? "reboot" : "open"))
               print $3, $4, s, end }' | sort
}

n_files=0
n_records=0
if [ -d "$CORPUS" ]; then
    for f in grr-utmp/wtmp grr-utmp/utmp plaso-utmp/utmp plaso-utmp/wtmp.1 \
        plaso-utmp/utmp_x86_64 plaso-utmp/utmp_corrupted \
        util-linux-utmp/wtmp-a.LE util-linux-utmp/wtmp-b.LE \
        util-linux-utmp/wtmp-ipv6.LE velociraptor-wtmp/wtmp.1; do
        p=$CORPUS/$f
        [ -f "$p" ] || { echo "skip $f: absent"; continue; }
        "$BIN" replay -o json "$p" >"$T/c.json" 2>"$T/c.err"
        dump_records "$p" >"$T/want"
        our_records "$T/c.json" >"$T/got"
        diff -u "$T/want" "$T/got" || fail "$f: events differ from utmpdump"
        ok "$f: $(wc -l <"$T/got") login/logout records equal utmpdump's"
        n_files=$((n_files + 1))
        n_records=$((n_records + $(wc -l <"$T/got")))
        if [ $(($(stat -c %s "$p") % 384)) -eq 0 ]; then
            # only last's lines of USER_PROCESS records (it lists others)
            awk '$1 == 7 { t = $5; sub(/\.[0-9]*Z$/, "+00:00", t); print $4, $3, t }' \
                "$T/want" | sort -u >"$T/ukeys"
            last_sessions "$p" | awk 'NR == FNR { k[$0] = 1; next }
                ($1 " " $2 " " $3) in k' "$T/ukeys" - >"$T/lwant"
            our_sessions "$T/c.json" >"$T/lgot"
            # util-linux's crafted wtmp-a, the two known differences: its
            # IPv4 login (pid 10) and logout (pid 11) differ in pid, and
            # user_process on "foo" is followed by a LOGIN_PROCESS on "foo";
            # last ends a session at any later record of its line, DESIGN 3
            # at the DEAD_PROCESS of its (host, line, pid) or a restart.
            # (wtmp-ipv6 has the same pid 10/11 pair as IPv6.)  rick's
            # "long" session (1970 to 2038) is idle past idle_timeout long
            # before its logout: replay's clock is the events, so it
            # expires; last knows no idle timeout.
            case $f in util-linux-utmp/wtmp-a.LE | util-linux-utmp/wtmp-ipv6.LE)
                sed -i -E 's/^((IPv4 root|IPv6 root|user_process foo|rick long) [^ ]+) .*/\1 (known)/' "$T/lwant" "$T/lgot" ;;
            esac
            grep -F -x -f "$T/lgot" "$T/lwant" >"$T/lboth" || true
            grep -v -F -x -f "$T/lgot" "$T/lwant" >"$T/lonly" || true
            [ ! -s "$T/lonly" ] || { cat "$T/lonly"; fail "$f: last has sessions we do not"; }
            ok "$f: $(wc -l <"$T/lwant") sessions paired as last pairs them"
        fi
    done
    if [ -f "$CORPUS/plaso-utmp/utmp_corrupted" ]; then
        "$BIN" replay -o json "$CORPUS/plaso-utmp/utmp_corrupted" 2>"$T/c.err" >/dev/null
        grep -q "2 malformed" "$T/c.err" || fail "utmp_corrupted: $(cat "$T/c.err")"
        ok "utmp_corrupted: the 2 type-99 records counted malformed"
    fi
    p=$CORPUS/velociraptor-wtmp/wtmp.1
    if [ -f "$p" ]; then
        "$BIN" replay -o json "$p" 2>/dev/null |
            jq -r 'select(.record=="session" and .state=="closed" and .login_id=="pts/9:3435060")
                   | [.user, .src_ip, .start, .end] | join(" ")' >"$T/v"
        expect_eq "velociraptor: the owner's expected session" "$(cat "$T/v")" \
            "mic 192.168.1.2 2023-12-21T15:54:24.876668Z 2023-12-21T17:34:32.134545Z"
    fi
else
    echo "skip: no corpus at $CORPUS"
fi
echo "corpus: $n_files files, $n_records records agree with utmpdump"

# ---- 3. the live source -------------------------------------------------
rec() { # rec TYPE PID LINE USER HOST SECOND -> one utmpdump text line
    printf '[%d] [%05d] [%-4s] [%-8s] [%-12s] [%-20s] [%-15s] [2024-03-14T10:%02d:%02d,000000+00:00]\n' \
        "$1" "$2" "${3: -4}" "$4" "$3" "$5" "${6:-0.0.0.0}" $(($7 / 60)) $(($7 % 60))
}
mkdir -p "$T/in" "$T/state"
rec 7 100 pts/0 before "" "" 1 | mkbin /dev/stdin >"$T/in/wtmp"
rec 7 200 ssh:notty mallory 198.51.100.7 198.51.100.7 2 | mkbin /dev/stdin >"$T/in/btmp"
cat >"$T/sinks.json" <<JSON
{ "state_dir": "$T/state",
  "sources": [ { "name": "wtmp", "type": "utmp", "path": "$T/in/wtmp", "hostname": "web01" },
               { "name": "btmp", "type": "utmp", "path": "$T/in/btmp", "failed": true,
                 "from_beginning": true, "hostname": "web01" } ],
  "sinks": [ { "name": "out", "type": "file", "path": "$T/out.jsonl", "format": "json" } ] }
JSON
start_daemon "$T/sinks.json"
wait_for 10 test -e "$T/out.jsonl" || fail "daemon did not open its sink"
sleep 0.5
n=0
for i in $(seq 1 40); do
    rec 7 $((1000 + i)) pts/$i "u$i" 192.0.2.$i 192.0.2.$i $((10 + i)) | mkbin /dev/stdin >>"$T/in/wtmp"
    n=$((n + 1))
    case $i in
    10) # a partial record waits for the rest of its bytes
        rec 8 1001 pts/1 "" "" "" 70 | mkbin /dev/stdin >"$T/r"
        head -c 100 "$T/r" >>"$T/in/wtmp"
        sleep 0.4
        tail -c +101 "$T/r" >>"$T/in/wtmp"
        n=$((n + 1)) ;;
    20) # updwtmp cuts a partial record off before it appends
        head -c 50 "$T/r" >>"$T/in/wtmp"
        sleep 0.4
        truncate -s $(($(stat -c %s "$T/in/wtmp") - 50)) "$T/in/wtmp" ;;
    30) mv "$T/in/wtmp" "$T/in/wtmp.1" ;;
    esac
    sleep 0.02
done
rec 6 300 ssh:notty root 203.0.113.5 203.0.113.5 99 | mkbin /dev/stdin >>"$T/in/btmp"
wait_for 20 bash -c "[ \$(grep -c '\"source\":\"wtmp\"' '$T/out.jsonl') -ge $n ]" || true
sleep 0.5
stop_daemon
jq -r 'select(.record=="event" and .source=="wtmp") | .action + " " + (.user // "-") + " " + .login_id' \
    "$T/out.jsonl" | sort >"$T/got"
{ for i in $(seq 1 40); do echo "login u$i pts/$i:$((1000 + i))"; done
  echo "logout - pts/1:1001"; } | sort >"$T/want"
diff -u "$T/want" "$T/got" || fail "live wtmp events"
ok "live wtmp: $n records appended, partial, cut and rotated: each once, none before start"
expect_eq "live events carry the configured hostname" \
    "$(jq -r 'select(.record=="event") | .hostname' "$T/out.jsonl" | sort -u)" web01
expect_eq "btmp failures" \
    "$(jq -r 'select(.record=="event" and .source=="btmp") | [.user, .login_successful, .src_ip, .event_code] | join(" ")' "$T/out.jsonl")" \
    "mallory false 198.51.100.7 btmp-failed
root false 203.0.113.5 btmp-failed"
# sessiontail-checkpoint 1 / "dev ino offset fingerprint path" / checksum
[ -f "$T/state/wtmp.pos" ] || fail "no checkpoint for wtmp"
offs=$(awk 'NR > 1 && $1 != "checksum" { print $3 }' "$T/state/wtmp.pos")
[ -n "$offs" ] || fail "empty checkpoint"
for off in $offs; do
    [ $((off % 384)) -eq 0 ] || fail "checkpoint offset $off is not a record boundary"
done
ok "checkpoint offsets at record boundaries: $(echo $offs)"
finish
