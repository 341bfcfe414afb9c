#!/usr/bin/env bash
# Replay real third-party logs from ../shared/corpus (skipped when absent)
# through the built binary and check the sessions against facts read off
# the files by hand:
#  - loghub OpenSSH_2k.log: exactly one successful login, fztu from
#    119.137.62.142 (pid 24680, Accepted at Dec 10 09:32:20), whose PAM
#    session closes at 09:45:06 (766 s); every other session is a failed
#    attempt; no line is malformed.
#  - loghub Linux_2k.log: 123 PAM sessions opened and closed - su 43 for
#    cyrus and 43 for news, sshd 36 for test, login 1 for root.
. "$(dirname "$0")/lib.sh"

ssh=$CORPUS/loghub-openssh/OpenSSH_2k.log
linux=$CORPUS/loghub-linux/Linux_2k.log
[ -f "$ssh" ] && [ -f "$linux" ] || { echo "corpus absent: skipped"; exit 77; }

"$BIN" replay -o json "$ssh" >"$T/ssh.jsonl" 2>"$T/ssh.err"
grep -q ' 0 malformed' "$T/ssh.err" || fail "malformed lines in OpenSSH_2k.log"
ok "OpenSSH_2k.log: no line counted as malformed"
jq -c 'select(.record=="session" and .state=="closed" and .login_successful)' \
    "$T/ssh.jsonl" >"$T/ok"
expect_eq "successful sessions" "$(wc -l <"$T/ok")" 1
expect_eq "its user, address, pid" "$(jq -r '[.user,.src_ip,.login_id]|join(" ")' "$T/ok")" \
    "fztu 119.137.62.142 24680"
expect_eq "its start and end" "$(jq -r '[.start,.end,.end_reason]|join(" ")' "$T/ok" | sed 's/^[0-9]*-//; s/ [0-9]*-/ /')" \
    "12-10T09:32:20.000000Z 12-10T09:45:06.000000Z logout"
expect_eq "its duration" "$(jq -r .duration_s "$T/ok")" 766
expect_eq "every other closed session is a failed attempt" \
    "$(jq -r 'select(.record=="session" and .state=="closed" and (.login_successful|not)) | .end_reason' "$T/ssh.jsonl" | sort -u)" \
    "failed"

"$BIN" replay -o json "$linux" >"$T/linux.jsonl" 2>"$T/linux.err"
grep -q ' 0 malformed' "$T/linux.err" || fail "malformed lines in Linux_2k.log"
jq -r 'select(.record=="session" and .state=="closed" and .end_reason=="logout") |
       [.login_type, .user] | join(" ")' "$T/linux.jsonl" | sort | uniq -c |
    awk '{print $1, $2, $3}' >"$T/got"
printf '%s\n' "1 interactive root" "43 local cyrus" "43 local news" "36 remote test" |
    sort -k3 >"$T/want"
sort -k3 "$T/got" >"$T/got.sorted"
diff -u "$T/want" "$T/got.sorted" || fail "Linux_2k.log sessions differ"
ok "Linux_2k.log: su 43 cyrus + 43 news, sshd 36 test, login 1 root, all closed by logout"
finish
