#!/usr/bin/env bash
# One Windows event gives the same model fields in every wire form: the
# generator renders the same 2,000 events as Event XML, NXLog JSON, OpenWEC
# Json, Winlogbeat JSON and Snare; each replays (form detected by content)
# to the same events, compared on every field the forms all carry (not the
# parser name, the record id - Snare has its own counter - nor the
# sub-second part of the time, which Snare and NXLog do not keep).  A file
# that mixes the forms line by line gives the same events too.
. "$(dirname "$0")/lib.sh"

n=2000
cc -O2 -o "$T/gen" "$SRC/tests/bench/gen_windows.c"
proj='select(.record=="event") | del(.format, .source, .record_id, .session_id)
      | .time |= .[0:19]'
for form in xml nxlog openwec winlogbeat snare; do
    "$T/gen" "$form" "$n" >"$T/$form.log"
    "$BIN" replay -o json "$T/$form.log" >"$T/$form.jsonl" 2>"$T/$form.err" ||
        fail "$form: replay exited $?"
    grep -q ' 0 malformed' "$T/$form.err" || { cat "$T/$form.err"; fail "$form: malformed records"; }
    jq -c "$proj" "$T/$form.jsonl" >"$T/$form.events"
    formats=$(jq -r 'select(.record=="event") | .format' "$T/$form.jsonl" | sort -u | tr '\n' ' ')
    echo "# $form: $(wc -l <"$T/$form.events") events, format $formats"
done
[ "$(wc -l <"$T/xml.events")" -gt $((n / 2)) ] || fail "too few events from XML"
for form in nxlog openwec winlogbeat snare; do
    diff -u "$T/xml.events" "$T/$form.events" >"$T/diff" ||
        { head -20 "$T/diff"; fail "$form events differ from Event XML"; }
    ok "$form gives the same events as Event XML"
done

# Mixed: line i comes from form i mod 5.
paste -d '\n' "$T/xml.log" "$T/nxlog.log" "$T/openwec.log" \
    "$T/winlogbeat.log" "$T/snare.log" | awk '{ k = int((NR - 1) / 5); if ((NR - 1) % 5 == k % 5) print }' >"$T/mixed.log"
"$BIN" replay -o json "$T/mixed.log" >"$T/mixed.jsonl" 2>"$T/mixed.err"
grep -q ' 0 malformed' "$T/mixed.err" || fail "mixed file: malformed records"
expect_eq "forms detected in one mixed file" \
    "$(jq -r 'select(.record=="event") | .format' "$T/mixed.jsonl" | sort -u | wc -l)" 5
jq -c "$proj" "$T/mixed.jsonl" >"$T/mixed.events"
diff -u "$T/xml.events" "$T/mixed.events" >/dev/null ||
    fail "a mixed file gives other events"
ok "a file mixing the five forms gives the same events"
finish
