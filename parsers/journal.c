/*
 * journal.c - the journal envelope: a systemd journal entry's fields in
 * place of a syslog header (systemd.journal-fields(7), sd-journal(3)).
 *
 * The journal source (daemon/sources/journal.c) or the replay reader hands
 * over MESSAGE as the record's bytes and the trusted and user fields in
 * struct journal_fields.  The envelope takes
 *
 *   time      __REALTIME_TIMESTAMP (µs, UTC) - never a timestamp written
 *             inside MESSAGE, which may be a forwarding host's local time
 *   app       SYSLOG_IDENTIFIER (the source falls back to _COMM)
 *   pid       SYSLOG_PID, else _PID
 *   hostname  _HOSTNAME
 *
 * and the message is routed like a syslog payload (sshd, PAM, su, login,
 * logind, Windows JSON and Event XML put there by rsyslog's omjournal).
 *
 * udp514-journal and similar bridges store a whole received datagram as
 * MESSAGE ("<38>Mar 14 13:54:19 web01 sshd[4242]: Accepted ..."), with the
 * bridge as SYSLOG_IDENTIFIER and the collector as _HOSTNAME.  A MESSAGE
 * that starts with "<PRI>" followed by a header the syslog envelope
 * accepts is therefore parsed: its HOSTNAME, APP-NAME, PROCID and message
 * replace the journal's (the host is where the user logged on, not the
 * collector), while the time stays the journal's.
 *
 * Example entry: SYSLOG_IDENTIFIER=sshd _PID=4242 _HOSTNAME=web01
 * MESSAGE=Accepted publickey for alice from 10.0.0.5 port 50438 ssh2.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "parser.h"

/* Digits of a syslog PRI ("<191>") we look for at the start of MESSAGE. */
#define JOURNAL_PRI_DIGITS_MAX 3

/* True when v starts with "<N>", "<NN>" or "<NNN>". */
static bool
starts_with_pri(struct strv v)
{
    size_t i = 1;

    if (v.n < 3 || v.p[0] != '<')
        return false;
    while (i < v.n && i <= JOURNAL_PRI_DIGITS_MAX && v.p[i] >= '0' &&
           v.p[i] <= '9')
        i++;
    return i > 1 && i < v.n && v.p[i] == '>';
}

/*
 * A forwarded syslog line inside MESSAGE: take its host, program, pid,
 * structured data and message.  Leaves env as it was when there is none.
 */
static void
inner_header(const struct raw_record *rec, struct envelope *env)
{
    struct raw_record inner;
    struct envelope ie;

    if (!starts_with_pri(env->msg))
        return;
    inner = *rec;
    inner.kind = RECORD_TEXT;
    inner.data = env->msg.p;
    inner.len = env->msg.n;
    inner.journal = NULL;
    if (parser_syslog_envelope(&inner, &ie) < 0)
        return;
    if (strv_present(ie.hostname))
        env->hostname = ie.hostname;
    if (strv_present(ie.app)) {
        env->app = ie.app;
        env->pid = ie.pid;
    }
    env->pri = ie.pri;
    env->msgid = ie.msgid;
    env->sd = ie.sd;
    env->msg = ie.msg;
}

/*
 * Build the envelope of a journal record (see the file comment).  Returns
 * 0 and *ret_env (views into rec and rec->journal), or -EBADMSG when rec
 * carries no journal fields.  Pure.
 */
int
parser_journal_envelope(const struct raw_record *rec, struct envelope *ret_env)
{
    const struct journal_fields *jf = rec->journal;
    struct envelope env;

    if (rec->kind != RECORD_JOURNAL || jf == NULL)
        return -EBADMSG;
    env = (struct envelope){
        .time_us = jf->realtime_us > 0 ? jf->realtime_us : EVENT_TIME_UNSET,
        .pri = -1,
        .hostname = jf->hostname,
        .app = jf->identifier,
        .pid = jf->pid,
        .msg = strv_make(rec->data != NULL ? rec->data : "",
                         rec->data != NULL ? rec->len : 0),
        .journal = jf,
    };
    inner_header(rec, &env);
    *ret_env = env;
    return 0;
}
