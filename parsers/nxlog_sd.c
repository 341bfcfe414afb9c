/*
 * nxlog_sd.c - RFC 5424 syslog with NXLog's structured data (format
 * "nxlog-sd"): xm_syslog's to_syslog_ietf() writes every field of an
 * im_msvistalog event as an SD-PARAM of one "NXLOG@14506" element:
 *
 *   <13>1 2024-03-14T13:54:19.362866Z WKS10001 Microsoft-Windows-Security-
 *   Auditing 780 - [NXLOG@14506 EventReceivedTime="2024-03-14 14:54:20"
 *   SourceModuleName="eventlog" SourceModuleType="im_msvistalog"
 *   EventType="AUDIT_SUCCESS" EventID="4624" RecordNumber="1446"
 *   Channel="Security" TargetUserName="alice" LogonType="10" ...]
 *   An account was successfully logged on. ...
 *
 * PARAM-VALUEs are unescaped per RFC 5424 6.3.3 ('\' before '"', '\' or
 * ']'; any other '\' is kept).  NXLog's System names (EventID, Channel,
 * RecordNumber, Hostname, EventTime, SourceName, ProcessID/
 * ExecutionProcessID, UserID) fill the record; the rest are the event's
 * data under their EventData names.  The host is the Hostname param (the
 * Windows host), else the 5424 HOSTNAME, which NXLog sets to the same.
 * The time is EventTime when it carries a zone, else the 5424 TIMESTAMP
 * (RFC 3339, zoned), else EventTime taken as local time.
 *
 * NXLog does not flatten UserData (TerminalServices events): when the
 * message text is one wintext.c knows, its pairs fill the names the SD
 * did not have (User, SessionID, Address...).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "parser.h"
#include "timeparse.h"
#include "winrec.h"
#include "wintext.h"

/* Longest SD-NAME (RFC 5424 6.3.3: 32 printable characters). */
#define NXLOG_SD_NAME_MAX 32

static const char nxlog_sd_id[] = "NXLOG@";

/* The System names NXLog writes, and where each goes in the record. */
enum nxsd_sys {
    NXSD_EVENTID,
    NXSD_CHANNEL,
    NXSD_RECORD,
    NXSD_HOST,
    NXSD_TIME,
    NXSD_PROVIDER,
    NXSD_PID,
    NXSD_USERID,
};

static const struct {
    const char *name;
    enum nxsd_sys sys;
} nxsd_system[] = {
    {"EventID", NXSD_EVENTID},     {"Channel", NXSD_CHANNEL},
    {"RecordNumber", NXSD_RECORD}, {"Hostname", NXSD_HOST},
    {"EventTime", NXSD_TIME},      {"SourceName", NXSD_PROVIDER},
    {"ProcessID", NXSD_PID},       {"ExecutionProcessID", NXSD_PID},
    {"UserID", NXSD_USERID},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct nxsd_cursor {
    const char *p, *e;
};

/* What the params said about time, read after all of them. */
struct nxsd_time {
    struct strv event_time;
};

/*
 * The PARAM-VALUE starting after its opening quote: a view into the
 * input when it holds no escape, else an unescaped copy in r's text.
 * Moves c past the closing quote.  Returns false when unterminated.
 */
static bool
read_value(struct nxsd_cursor *c, struct winrec *r, struct strv *ret)
{
    const char *s = c->p, *q;
    bool escaped = false;

    for (q = s; q < c->e && *q != '"'; q++)
        if (*q == '\\' && q + 1 < c->e) {
            escaped = true;
            q++;
        }
    if (q >= c->e)
        return false;
    c->p = q + 1;
    if (!escaped) {
        *ret = strv_make(s, (size_t)(q - s));
        return true;
    }
    /* RFC 5424 6.3.3: only \" \\ \] are escapes */
    *ret = strv_make(r->text + r->text_len, 0);
    for (const char *p = s; p < q; p++) {
        if (*p == '\\' && p + 1 < q &&
            (p[1] == '"' || p[1] == '\\' || p[1] == ']'))
            p++;
        if (winrec_store(r, p, 1).n == 0)
            return true; /* cut: r->truncated tells */
        ret->n++;
    }
    return true;
}

static void
set_system(enum nxsd_sys sys, struct strv v, struct winrec *r,
           struct nxsd_time *t)
{
    uint64_t id;

    switch (sys) {
    case NXSD_EVENTID:
        if (strv_to_u64(v, UINT32_MAX, &id) == 0) {
            r->event_id = (uint32_t)id;
            r->has_event_id = true;
        }
        break;
    case NXSD_CHANNEL:
        r->channel = v;
        break;
    case NXSD_RECORD:
        r->record_id = v;
        break;
    case NXSD_HOST:
        r->computer = v;
        break;
    case NXSD_TIME:
        t->event_time = v;
        break;
    case NXSD_PROVIDER:
        r->provider = v;
        break;
    case NXSD_PID:
        r->process_id = v;
        break;
    case NXSD_USERID:
        r->user_sid = v;
        break;
    }
}

/* One SD-PARAM: a System name into the record, anything else as data. */
static void
add_param(struct strv name, struct strv v, struct winrec *r,
          struct nxsd_time *t)
{
    for (size_t i = 0; i < NELEM(nxsd_system); i++)
        if (strv_eq_cstr(name, nxsd_system[i].name)) {
            set_system(nxsd_system[i].sys, v, r, t);
            return;
        }
    winrec_add(r, name, v);
}

/*
 * The params of one SD-ELEMENT, c just after its SD-ID: (SP name="value")*
 * then ']'.  Returns 0 or -EBADMSG.
 */
static int
read_params(struct nxsd_cursor *c, struct winrec *r, struct nxsd_time *t)
{
    while (c->p < c->e && *c->p == ' ') {
        const char *s = ++c->p, *eq;
        struct strv v;

        eq = memchr(s, '=', (size_t)(c->e - s));
        if (eq == NULL || eq == s || eq - s > NXLOG_SD_NAME_MAX ||
            memchr(s, ' ', (size_t)(eq - s)) != NULL || eq + 1 >= c->e ||
            eq[1] != '"')
            return -EBADMSG;
        c->p = eq + 2;
        if (!read_value(c, r, &v))
            return -EBADMSG;
        add_param(strv_make(s, (size_t)(eq - s)), v, r, t);
    }
    return c->p < c->e && *c->p == ']' ? 0 : -EBADMSG;
}

/*
 * Find the "[NXLOG@..." element of sd (the envelope's verbatim
 * STRUCTURED-DATA) and read it.  Returns 0, PARSE_NONE (1) when there is
 * none, or -EBADMSG.
 */
static int
read_sd(struct strv sd, struct winrec *r, struct nxsd_time *t)
{
    struct nxsd_cursor c;

    if (sd.n == 0)
        return 1;
    c.p = sd.p;
    c.e = sd.p + sd.n;
    while (c.p < c.e && *c.p == '[') {
        const char *id = c.p + 1, *sp;
        size_t idn = sizeof(nxlog_sd_id) - 1;

        sp = id;
        while (sp < c.e && *sp != ' ' && *sp != ']')
            sp++;
        if ((size_t)(sp - id) > idn && memcmp(id, nxlog_sd_id, idn) == 0) {
            c.p = sp;
            return read_params(&c, r, t);
        }
        /* another element: skip it, quoted values may hold ']' */
        c.p = sp;
        while (c.p < c.e && *c.p != ']') {
            if (*c.p == '"') {
                struct strv skip;

                c.p++;
                if (!read_value(&c, r, &skip))
                    return -EBADMSG;
                continue;
            }
            c.p++;
        }
        if (c.p < c.e)
            c.p++;
    }
    return 1;
}

/*
 * "2024-03-14 14:54:19" (local) or RFC 3339 "2024-03-14T13:54:19.36Z":
 * UTC µs in *ret; *ret_zoned tells whether the text had its own zone.
 */
static bool
nxsd_time(struct strv v, int32_t tz_offset_s, int64_t *ret, bool *ret_zoned)
{
    return time_parse_iso(v, tz_offset_s, ret, ret_zoned) == 0;
}

/* The event's time: see the file comment for the order. */
static void
pick_time(const struct envelope *env, struct strv event_time, struct winrec *r)
{
    int64_t t;
    bool zoned = false;

    if (strv_present(event_time) &&
        nxsd_time(event_time, env->tz_offset_s, &t, &zoned) && zoned)
        r->time_us = t;
    else if (env->time_us != EVENT_TIME_UNSET)
        r->time_us = env->time_us;
    else if (strv_present(event_time) &&
             nxsd_time(event_time, env->tz_offset_s, &t, &zoned))
        r->time_us = t;
}

/*
 * One record: the NXLOG@ element into the record, host and time, the
 * message's pairs for what the SD lacked, then the one Windows table.
 */
static int
nxsd_parse(const struct envelope *env, struct event *ev, void *state)
{
    struct win_state *st = state;
    struct winrec *r = &st->rec;
    struct nxsd_time t = {STRV_NULL};
    int err;

    winrec_reset(r);
    err = read_sd(env->sd, r, &t);
    if (err != 0)
        return err < 0 ? err : PARSE_NONE;
    if (!r->has_event_id)
        return -EBADMSG;
    if (!strv_present(r->computer))
        r->computer = env->hostname;
    if (!strv_present(r->provider))
        r->provider = env->app;
    if (!strv_present(r->process_id))
        r->process_id = env->pid;
    pick_time(env, t.event_time, r);
    if (wintext_title_find(env->msg) != NULL)
        wintext_read_missing(env->msg, r->event_id, r);
    return windows_map(r, ev);
}

/* Routed by the SD-ID ("[NXLOG@"), whatever the APP-NAME. */
const struct parser_ops parser_nxlog_sd_ops = {
    .name = "nxlog-sd",
    .programs = NULL,
    .state_new = win_state_new,
    .state_free = win_state_free,
    .parse = nxsd_parse,
};
