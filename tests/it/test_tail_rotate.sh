#!/usr/bin/env bash
# The daemon follows files like tail -F: it starts at the end, picks up
# appended lines, follows a rename rotation and a copytruncate rotation
# while a writer keeps appending, and picks up a new file matching the
# glob.  Every line found in any of the files comes out exactly once.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/in" "$T/state"
for i in $(seq 1 20); do accepted $((900000 + i)); done | sed 's/web01/old01/' >"$T/in/auth.log"
cat >"$T/sinks.json" <<JSON
{ "state_dir": "$T/state",
  "sources": [ { "name": "auth", "type": "file", "path": "$T/in/*.log",
                 "timezone": "UTC" } ],
  "sinks": [ { "name": "out", "type": "file", "path": "$T/out.jsonl",
               "format": "json" } ] }
JSON
start_daemon "$T/sinks.json"
wait_for 10 test -e "$T/out.jsonl" || fail "daemon did not open its sink"
sleep 0.5

total=3000
for i in $(seq 1 $total); do
    accepted "$i" >>"$T/in/auth.log"
    case $i in
    1000) mv "$T/in/auth.log" "$T/in/auth.log.1" ;;
    2000) cp "$T/in/auth.log" "$T/in/auth.log.2" && : >"$T/in/auth.log" ;;
    2500) accepted 777777 >"$T/in/new.log" ;;
    esac
    [ $((i % 100)) -eq 0 ] && sleep 0.02
done
want=$(cat "$T"/in/auth.log* "$T/in/new.log" | grep -v old01 | grep -c Accepted)
wait_for 20 bash -c "[ \$(grep -c '\"record\":\"event\"' '$T/out.jsonl') -ge $want ]" ||
    true
sleep 0.5
stop_daemon

ids "$T/out.jsonl" | sort >"$T/got"
cat "$T"/in/auth.log* "$T/in/new.log" | grep -v old01 | sed -n 's/.*sshd\[\([0-9]*\)\].*/\1/p' |
    sort -u >"$T/want"
expect_eq "lines written before start skipped" \
    "$(grep -c 'old01' "$T/out.jsonl" || true)" 0
expect_eq "no duplicate line" "$(uniq -d "$T/got" | wc -l)" 0
missing=$(comm -23 "$T/want" "$T/got" | wc -l)
expect_eq "lines lost across rename, copytruncate and a new file" "$missing" 0
expect_eq "events out = lines in the files" "$(wc -l <"$T/got")" "$(wc -l <"$T/want")"
grep -q '"login_id":"877777"' "$T/out.jsonl" || fail "new file not picked up"
ok "new file matching the glob picked up"
finish
