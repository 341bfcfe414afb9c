# journal_gen.awk - journal export format (systemd's "Journal Export
# Format") for systemd-journal-remote: entries start..start+n-1, one per
# millisecond from 2024-03-14T13:54:19Z; even entries are sshd "Accepted"
# lines (login_id = 100000 + i), odd ones alternate logind "New session"
# (SESSION_ID = i, USER_ID = u<i>) and plain noise.  failed=1 adds a
# sshd "Failed password" entry every 10th.  Used by test_journal.sh,
# test_kill9_journal.sh and tests/bench/bench_journal.sh.
#   awk -v start=0 -v n=1000 -f journal_gen.awk | \
#       /lib/systemd/systemd-journal-remote -o DIR/x.journal -
BEGIN {
    if (boot == "") boot = "0123456789abcdef0123456789abcdef"
    if (host == "") host = "web01"
    for (i = start + 0; i < start + n; i++) {
        t = 1710424459000000 + i * 1000
        printf "__REALTIME_TIMESTAMP=%.0f\n__MONOTONIC_TIMESTAMP=%.0f\n", t, 1000000 + i * 1000
        printf "_BOOT_ID=%s\n_HOSTNAME=%s\n", boot, host
        if (i % 2 == 0) {
            printf "SYSLOG_IDENTIFIER=sshd\n_PID=%d\n", 100000 + i
            if (failed && i % 10 == 0)
                printf "MESSAGE=Failed password for u%d from 10.9.%d.%d port %d ssh2\n\n", i, int(i / 250) % 250, i % 250 + 1, 1024 + i % 60000
            else
                printf "MESSAGE=Accepted password for u%d from 10.0.%d.%d port %d ssh2\n\n", i, int(i / 250) % 250, i % 250 + 1, 1024 + i % 60000
        } else if (i % 4 == 1) {
            printf "SYSLOG_IDENTIFIER=systemd-logind\n_PID=612\nMESSAGE_ID=8d45620c1a4348dbb17410da57c60c66\n"
            printf "SESSION_ID=%d\nUSER_ID=u%d\nLEADER=%d\nMESSAGE=New session %d of user u%d.\n\n", i, i, 200000 + i, i, i
        } else {
            printf "SYSLOG_IDENTIFIER=cron\n_PID=%d\nMESSAGE=(root) CMD (run-parts /etc/cron.hourly) %d\n\n", 300000 + i, i
        }
    }
}
