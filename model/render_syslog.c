/*
 * render_syslog.c - events and session records as RFC 5424 and RFC 3164
 * syslog messages (see render_syslog.h).
 *
 *   <86>1 2024-03-14T13:54:19.000000Z web01 sessiontail - event
 *   [sessiontail@32473 action="login" login_successful="true" ...]
 *   {"record":"event",...}
 *
 * HOSTNAME is the host the record is about (the event's `hostname`, the
 * machine the user logged on to), not the collector's: a SIEM files and
 * correlates a logon by the host it happened on, and RFC 5424 6.2.4 and
 * RFC 3164 4.3.3 have a relay keep the originator's HOSTNAME rather than
 * put its own.  The collector's name travels as the SD-PARAM "collector"
 * (added by syslog_restamp()), and stands in as HOSTNAME only for a record
 * without a host.
 *
 * PRI: severity info (6) for a record, notice (5) for a failed login (an
 * event or session with login_successful false), so a receiver can route
 * failures by severity alone (RFC 5424 6.2.1 Table 2).
 *
 * Header fields (RFC 5424 6): HOSTNAME is cut at 255 bytes and every byte
 * that is not PRINTUSASCII (33-126) becomes '_' (one '_' per UTF-8
 * character); RFC 3164 HOSTNAMEs keep letters, digits, '.', '-' and '_'
 * only and end in a letter or digit, as BSD-style parsers (rsyslog's
 * pmrfc3164 among them) take a HOSTNAME only when it is made so.  APP-NAME is
 * "sessiontail", MSGID "event" or "session", PROCID "-" until stamped.
 *
 * STRUCTURED-DATA: one SD-ELEMENT whose SD-PARAMs carry, under the JSON
 * field names, the fields a SIEM correlates on (who, where from, which
 * host, what happened, which session), so a receiver can filter without
 * parsing MSG.  PARAM-VALUEs escape '"', '\' and ']' (RFC 5424 6.3.3);
 * control bytes, DEL, C1 controls, bidirectional overrides and invalid
 * UTF-8 are written as the text \xHH (its backslash escaped as well), so
 * nothing a remote host wrote can end the element early or forge a line
 * (DESIGN 9).  Other UTF-8 passes as is, as 6.3.3 allows.
 *
 * MSG is the record's JSON (render.h), with every non-ASCII character
 * written as a \uXXXX escape (RFC 8259 7; surrogate pairs past U+FFFF): the
 * same JSON value, but plain ASCII, so it needs no BOM (RFC 5424 6.4 asks
 * for one only when MSG is UTF-8, and a BOM in front of JSON trips up most
 * JSON readers) and survives RFC 3164 receivers that know no UTF-8.
 *
 * TIMESTAMP is the record's time: the event time, a session's start while
 * open and its end once closed.  RFC 5424: RFC 3339 in UTC with
 * microseconds (6.2.3), "-" when unknown.  RFC 3164: "Mmm dd hh:mm:ss" in
 * UTC (4.1.2 wants local time, but the collector's zone says nothing about
 * the event; the exact time with its zone is in MSG); a record without a
 * time is sent without TIMESTAMP and HOSTNAME, which RFC 3164 4.3.3 lets
 * the receiver fill in.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "render.h"
#include "render_syslog.h"
#include "session.h"

#define SEV_NOTICE 5 /* RFC 5424 6.2.1 Table 2 */
#define SEV_INFO 6
#define PRI_MAX 191            /* facility 23, severity 7 */
#define PRI_DIGITS_MAX 3       /* RFC 5424 6.2.1: PRIVAL is 1 to 3 digits */
#define APP_NAME "sessiontail" /* RFC 5424 6.2.5: at most 48 */
#define MSGID_EVENT "event"    /* RFC 5424 6.2.7: at most 32 */
#define MSGID_SESSION "session"
/* sessiontail has no IANA Private Enterprise Number of its own; 32473 is
 * the one RFC 5612 reserves for documentation, so the private SD-ID
 * (RFC 5424 7.2.2, "name@PEN") cannot clash with a registered one. */
#define SD_ID "sessiontail@32473"
#define NILVALUE '-'
/* "Mmm dd hh:mm:ss" (RFC 3164 4.1.2) */
#define BSD_TIME_LEN 15
/* "2024-03-14T13:54:19.000000Z" from render_time_rfc3339() */
#define RFC3339_LEN 27

const char *const syslog_facility_names[] = {
    "kern",   "user",   "mail",   "daemon",   "auth",   "syslog", "lpr",
    "news",   "uucp",   "cron",   "authpriv", "ftp",    "ntp",    "audit",
    "alert",  "clock",  "local0", "local1",   "local2", "local3", "local4",
    "local5", "local6", "local7", NULL,
};

static const char hex_digits[] = "0123456789abcdef";

/* The code of a facility name; see render_syslog.h. */
int
syslog_facility_code(const char *name)
{
    for (int i = 0; syslog_facility_names[i] != NULL; i++)
        if (strcmp(syslog_facility_names[i], name) == 0)
            return i;
    return -EINVAL;
}

/* ---- header fields ---------------------------------------------------- */

static bool
host_char_ok(unsigned char c, bool bsd)
{
    if (bsd)
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
    return c >= 33 && c <= 126; /* PRINTUSASCII, RFC 5424 6 */
}

/* An ASCII letter or digit (isalnum in the C locale, without its locale). */
static bool
ascii_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9');
}

/* Append v as a HOSTNAME (see the file header); "-" when absent. */
static void
put_host(struct buf *b, struct strv v, bool bsd)
{
    const unsigned char *p = (const unsigned char *)v.p;
    size_t i = 0, out = 0, start = b->len;

    if (!strv_present(v)) {
        buf_putc(b, NILVALUE);
        return;
    }
    while (i < v.n && out < SYSLOG_HOSTNAME_MAX) {
        uint32_t cp;
        size_t len = p[i] >= 0x80 ? render_utf8_seq(p + i, v.n - i, &cp) : 0;

        buf_putc(b, host_char_ok(p[i], bsd) ? (char)p[i] : '_');
        i += len > 0 ? len : 1;
        out++;
    }
    /* rsyslog's pmrfc3164 takes a BSD HOSTNAME only when it ends in a
     * letter or digit (else the field is read as the TAG): what follows
     * the last one goes; nothing left is "-", the collector's name once
     * stamped. */
    if (!bsd || b->oom)
        return;
    while (b->len > start && !ascii_alnum((unsigned char)b->data[b->len - 1]))
        b->len--;
    if (b->len == start)
        buf_putc(b, NILVALUE);
}

static void
put_pri(struct buf *b, unsigned pri)
{
    buf_putc(b, '<');
    buf_put_u64(b, pri);
    buf_putc(b, '>');
}

/* "Mmm dd hh:mm:ss", UTC, the day padded with a space (RFC 3164 4.1.2). */
static void
put_time_bsd(struct buf *b, int64_t t)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    char iso[RFC3339_LEN], out[BSD_TIME_LEN];
    size_t at = b->len;
    unsigned m;

    /* Borrow the RFC 3339 writer's calendar, then rearrange its text. */
    render_time_rfc3339(b, t);
    if (b->oom || b->len - at != RFC3339_LEN)
        return;
    memcpy(iso, b->data + at, sizeof(iso));
    b->len = at;
    m = (unsigned)(iso[5] - '0') * 10 + (unsigned)(iso[6] - '0');
    memcpy(out, months + 3 * (m - 1), 3);
    out[3] = ' ';
    out[4] = iso[8] == '0' ? ' ' : iso[8];
    out[5] = iso[9];
    out[6] = ' ';
    memcpy(out + 7, iso + 11, 8);
    buf_append(b, out, sizeof(out));
}

/* ---- structured data -------------------------------------------------- */

/* "\\xHH" per byte: an escaped backslash, then the byte in hex. */
static void
sd_put_hex(struct buf *b, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char e[5] = {'\\', '\\', 'x', hex_digits[p[i] >> 4],
                     hex_digits[p[i] & 0xF]};

        buf_append(b, e, sizeof(e));
    }
}

/* Append v as a PARAM-VALUE (RFC 5424 6.3.3), escaped as the file header
 * says.  v is borrowed. */
static void
sd_put_value(struct buf *b, struct strv v)
{
    const unsigned char *p = (const unsigned char *)v.p;
    size_t i = 0, run;

    while (i < v.n) {
        uint32_t cp = 0;
        size_t len;

        run = i;
        while (i < v.n && p[i] >= 0x20 && p[i] < 0x7F && p[i] != '"' &&
               p[i] != '\\' && p[i] != ']')
            i++;
        buf_append(b, p + run, i - run);
        if (i >= v.n)
            break;
        if (p[i] == '"' || p[i] == '\\' || p[i] == ']') {
            buf_putc(b, '\\');
            buf_putc(b, (char)p[i++]);
            continue;
        }
        len = p[i] >= 0x80 ? render_utf8_seq(p + i, v.n - i, &cp) : 0;
        if (len == 0) {
            sd_put_hex(b, p + i, 1);
            i++;
        } else {
            if (render_text_unsafe_cp(cp))
                sd_put_hex(b, p + i, len);
            else
                buf_append(b, p + i, len);
            i += len;
        }
    }
}

/* ` name="value"`, nothing when v is absent. */
static void
sd_param(struct buf *b, const char *name, struct strv v)
{
    if (!strv_present(v))
        return;
    buf_putc(b, ' ');
    buf_puts(b, name);
    buf_append(b, "=\"", 2);
    sd_put_value(b, v);
    buf_putc(b, '"');
}

/* The same for a static name (an enum's); nothing when NULL. */
static void
sd_param_name(struct buf *b, const char *name, const char *value)
{
    if (value != NULL)
        sd_param(b, name, strv_from_cstr(value));
}

static void
sd_param_bool(struct buf *b, const char *name, bool v)
{
    sd_param_name(b, name, v ? "true" : "false");
}

static void
sd_param_int(struct buf *b, const char *name, int64_t v)
{
    buf_putc(b, ' ');
    buf_puts(b, name);
    buf_append(b, "=\"", 2);
    buf_put_i64(b, v);
    buf_putc(b, '"');
}

static void
sd_param_time(struct buf *b, const char *name, int64_t t)
{
    if (t == EVENT_TIME_UNSET)
        return;
    buf_putc(b, ' ');
    buf_puts(b, name);
    buf_append(b, "=\"", 2);
    render_time_rfc3339(b, t);
    buf_putc(b, '"');
}

static void
sd_event(struct buf *b, const struct event *ev)
{
    sd_param_name(b, "action", event_action_name(ev->action));
    if (ev->result != EV_RESULT_NONE)
        sd_param_bool(b, "login_successful", ev->result == EV_RESULT_SUCCESS);
    sd_param(b, "hostname", ev->hostname);
    sd_param(b, "user", ev->user);
    sd_param(b, "user_name", ev->user_name);
    sd_param(b, "user_domain", ev->user_domain);
    sd_param(b, "uid", ev->uid);
    sd_param_name(b, "user_type", event_user_type_name(ev->user_type));
    if (ev->admin)
        sd_param_bool(b, "admin", true);
    sd_param(b, "login_id", ev->login_id);
    sd_param_name(b, "login_type", event_login_type_name(ev->login_type));
    if (ev->logon_type >= 0)
        sd_param_int(b, "logon_type", ev->logon_type);
    sd_param(b, "src_ip", ev->src_ip);
    if (ev->src_port > 0)
        sd_param_int(b, "src_port", ev->src_port);
    sd_param(b, "auth_method", ev->auth_method);
    sd_param(b, "session_id", ev->session_id);
    sd_param(b, "event_code", ev->event_code);
}

static void
sd_session(struct buf *b, const struct session_view *v)
{
    bool closed = v->state == SESSION_STATE_CLOSED;

    sd_param(b, "session_id", v->session_id);
    sd_param_name(b, "state", closed ? "closed" : "open");
    sd_param_time(b, "start", v->start_us);
    if (closed) {
        sd_param_time(b, "end", v->end_us);
        sd_param_name(b, "end_reason", session_end_reason_name(v->end_reason));
    }
    sd_param(b, "hostname", v->hostname);
    sd_param(b, "login_id", v->login_id);
    sd_param(b, "user", v->user);
    sd_param(b, "user_name", v->user_name);
    sd_param(b, "user_domain", v->user_domain);
    sd_param(b, "uid", v->uid);
    sd_param_name(b, "user_type", event_user_type_name(v->user_type));
    sd_param_name(b, "login_type", event_login_type_name(v->login_type));
    if (v->logon_type >= 0)
        sd_param_int(b, "logon_type", v->logon_type);
    sd_param_bool(b, "login_successful", v->login_successful);
    sd_param(b, "src_ip", v->src_ip);
    if (v->src_port > 0)
        sd_param_int(b, "src_port", v->src_port);
    sd_param_bool(b, "admin", v->admin);
    if (v->failure_count > 0)
        sd_param_int(b, "failure_count", v->failure_count);
    sd_param(b, "previous_session_id", v->previous_session_id);
}

/* ---- MSG -------------------------------------------------------------- */

static void
put_u_escape(char *d, uint32_t u)
{
    d[0] = '\\';
    d[1] = 'u';
    for (int k = 0; k < 4; k++)
        d[2 + k] = hex_digits[(u >> (12 - 4 * k)) & 0xF];
}

/* Bytes the \u escapes of the sequence at p take (6, or 12 for a pair),
 * and its length in *ret_len; a byte that starts no valid sequence is one
 * \u00XX, as render.c writes it. */
static size_t
escaped_len(const unsigned char *p, size_t n, size_t *ret_len, uint32_t *ret_cp)
{
    size_t len = render_utf8_seq(p, n, ret_cp);

    if (len == 0) {
        *ret_cp = p[0];
        len = 1;
    }
    *ret_len = len;
    return *ret_cp >= 0x10000 ? 12 : 6;
}

/*
 * Rewrite the JSON text in b from `from` on with every non-ASCII character
 * as \uXXXX (RFC 8259 7): the text is moved to the end of the room it needs
 * and copied back forwards, expanding; the write position never passes the
 * read position, so no scratch buffer is needed.
 */
static void
json_fold_ascii(struct buf *b, size_t from)
{
    const unsigned char *p;
    size_t extra = 0, i, n, len, src, dst;
    uint32_t cp;

    if (b->oom)
        return;
    p = (const unsigned char *)b->data;
    for (i = from; i < b->len; i++) {
        if (p[i] < 0x80)
            continue;
        extra += escaped_len(p + i, b->len - i, &len, &cp) - len;
        i += len - 1;
    }
    if (extra == 0 || buf_reserve(b, extra) < 0)
        return;
    n = b->len - from;
    memmove(b->data + from + extra, b->data + from, n);
    p = (const unsigned char *)b->data;
    for (src = from + extra, dst = from; src < from + extra + n;) {
        if (p[src] < 0x80) {
            b->data[dst++] = (char)p[src++];
            continue;
        }
        if (escaped_len(p + src, from + extra + n - src, &len, &cp) == 12) {
            cp -= 0x10000;
            put_u_escape(b->data + dst, 0xD800 + (cp >> 10));
            put_u_escape(b->data + dst + 6, 0xDC00 + (cp & 0x3FF));
            dst += 12;
        } else {
            put_u_escape(b->data + dst, cp);
            dst += 6;
        }
        src += len;
    }
    b->len = dst;
}

/* ---- messages --------------------------------------------------------- */

static unsigned
severity(bool failed)
{
    return failed ? SEV_NOTICE : SEV_INFO;
}

/* "<PRI>1 TIMESTAMP HOSTNAME APP-NAME - MSGID [SD-ID" */
static void
head_5424(struct buf *b, unsigned sev, int64_t t, struct strv host,
          const char *msgid)
{
    put_pri(b, SYSLOG_FACILITY_DEFAULT * 8 + sev);
    buf_append(b, "1 ", 2);
    if (t == EVENT_TIME_UNSET)
        buf_putc(b, NILVALUE);
    else
        render_time_rfc3339(b, t);
    buf_putc(b, ' ');
    put_host(b, host, false);
    buf_puts(b, " " APP_NAME " - ");
    buf_puts(b, msgid);
    buf_puts(b, " [" SD_ID);
}

/* "<PRI>Mmm dd hh:mm:ss HOSTNAME sessiontail: ", the time and host left
 * out for a record without a time. */
static void
head_3164(struct buf *b, unsigned sev, int64_t t, struct strv host)
{
    put_pri(b, SYSLOG_FACILITY_DEFAULT * 8 + sev);
    if (t != EVENT_TIME_UNSET) {
        put_time_bsd(b, t);
        buf_putc(b, ' ');
        put_host(b, host, true);
        buf_putc(b, ' ');
    }
    buf_puts(b, APP_NAME ": ");
}

/* Append the event as an RFC 5424 message; see render_syslog.h. */
void
event_to_rfc5424(const struct event *ev, struct buf *b)
{
    size_t msg;

    head_5424(b, severity(ev->result == EV_RESULT_FAILURE), ev->time_us,
              ev->hostname, MSGID_EVENT);
    sd_event(b, ev);
    buf_append(b, "] ", 2);
    msg = b->len;
    event_to_json(ev, b);
    json_fold_ascii(b, msg);
}

/* The time a session record is about: its start while open, its end once
 * closed. */
static int64_t
session_time(const struct session_view *v)
{
    return v->state == SESSION_STATE_CLOSED ? v->end_us : v->start_us;
}

/* Append the session record as an RFC 5424 message; see render_syslog.h. */
void
session_to_rfc5424(const struct session *s, struct buf *b)
{
    struct session_view v;
    size_t msg;

    session_view(s, &v);
    head_5424(b, severity(!v.login_successful), session_time(&v), v.hostname,
              MSGID_SESSION);
    sd_session(b, &v);
    buf_append(b, "] ", 2);
    msg = b->len;
    session_to_json(s, b);
    json_fold_ascii(b, msg);
}

/* Append the event as an RFC 3164 message; see render_syslog.h. */
void
event_to_rfc3164(const struct event *ev, struct buf *b)
{
    size_t msg;

    head_3164(b, severity(ev->result == EV_RESULT_FAILURE), ev->time_us,
              ev->hostname);
    msg = b->len;
    event_to_json(ev, b);
    json_fold_ascii(b, msg);
}

/* Append the session record as an RFC 3164 message; see render_syslog.h. */
void
session_to_rfc3164(const struct session *s, struct buf *b)
{
    struct session_view v;
    size_t msg;

    session_view(s, &v);
    head_3164(b, severity(!v.login_successful), session_time(&v), v.hostname);
    msg = b->len;
    session_to_json(s, b);
    json_fold_ascii(b, msg);
}

/* ---- stamping --------------------------------------------------------- */

/* The bytes at *p up to the next space, which *p moves past. */
static int
take_token(const char **p, const char *end, struct strv *ret)
{
    const char *sp = memchr(*p, ' ', (size_t)(end - *p));

    if (sp == NULL)
        return -EBADMSG;
    *ret = strv_make(*p, (size_t)(sp - *p));
    *p = sp + 1;
    return 0;
}

/* "<PRI>": the severity it holds into *ret_sev, *p past it. */
static int
take_pri(const char **p, const char *end, unsigned *ret_sev)
{
    const char *q;
    unsigned pri = 0;

    if (end - *p < 3 || **p != '<') /* "<N>" at least */
        return -EBADMSG;
    for (q = *p + 1;
         q < end && *q >= '0' && *q <= '9' && q - *p <= PRI_DIGITS_MAX; q++)
        pri = pri * 10 + (unsigned)(*q - '0');
    if (q == *p + 1 || q >= end || *q != '>' || pri > PRI_MAX)
        return -EBADMSG;
    *ret_sev = pri % 8;
    *p = q + 1;
    return 0;
}

/* A HOSTNAME as rendered, or the collector's name for "-". */
static void
stamp_host(struct buf *out, struct strv host, const struct syslog_stamp *st,
           bool bsd)
{
    if (host.n == 1 && host.p[0] == NILVALUE && strv_present(st->collector))
        put_host(out, st->collector, bsd);
    else
        buf_put_strv(out, host);
}

/* "1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD-ID": PROCID and the
 * collector parameter stamped in, the rest copied. */
static int
stamp_5424(const char *p, const char *end, const struct syslog_stamp *st,
           struct buf *out)
{
    static const char sd_open[] = "[" SD_ID;
    struct strv version, ts, host, app, procid, msgid;

    if (take_token(&p, end, &version) < 0 || take_token(&p, end, &ts) < 0 ||
        take_token(&p, end, &host) < 0 || take_token(&p, end, &app) < 0 ||
        take_token(&p, end, &procid) < 0 || take_token(&p, end, &msgid) < 0)
        return -EBADMSG;
    if ((size_t)(end - p) < sizeof(sd_open) - 1 ||
        memcmp(p, sd_open, sizeof(sd_open) - 1) != 0)
        return -EBADMSG;
    p += sizeof(sd_open) - 1;
    buf_append(out, "1 ", 2);
    buf_put_strv(out, ts);
    buf_putc(out, ' ');
    stamp_host(out, host, st, false);
    buf_putc(out, ' ');
    buf_put_strv(out, app);
    buf_putc(out, ' ');
    if (st->pid > 0)
        buf_put_u64(out, st->pid);
    else
        buf_putc(out, NILVALUE);
    buf_putc(out, ' ');
    buf_put_strv(out, msgid);
    buf_putc(out, ' ');
    buf_append(out, sd_open, sizeof(sd_open) - 1);
    sd_param(out, "collector", st->collector);
    buf_append(out, p, (size_t)(end - p));
    return 0;
}

/* "[Mmm dd hh:mm:ss HOSTNAME ]sessiontail: ": TAG[pid] stamped in. */
static int
stamp_3164(const char *p, const char *end, const struct syslog_stamp *st,
           struct buf *out)
{
    static const char tag[] = APP_NAME ": ";
    struct strv host;
    size_t taglen = sizeof(tag) - 1;

    if ((size_t)(end - p) < taglen || memcmp(p, tag, taglen) != 0) {
        if ((size_t)(end - p) <= BSD_TIME_LEN || p[BSD_TIME_LEN] != ' ')
            return -EBADMSG;
        buf_append(out, p, BSD_TIME_LEN + 1);
        p += BSD_TIME_LEN + 1;
        if (take_token(&p, end, &host) < 0)
            return -EBADMSG;
        stamp_host(out, host, st, true);
        buf_putc(out, ' ');
    }
    if ((size_t)(end - p) < taglen || memcmp(p, tag, taglen) != 0)
        return -EBADMSG;
    p += taglen;
    buf_puts(out, APP_NAME);
    if (st->pid > 0) {
        buf_putc(out, '[');
        buf_put_u64(out, st->pid);
        buf_putc(out, ']');
    }
    buf_append(out, ": ", 2);
    buf_append(out, p, (size_t)(end - p));
    return 0;
}

/* Stamp a rendered line for one sink; see render_syslog.h. */
int
syslog_restamp(struct strv line, const struct syslog_stamp *st, struct buf *out)
{
    const char *p = line.p, *end = line.p + line.n;
    size_t start = out->len;
    unsigned sev;
    int r;

    if (st->facility > SYSLOG_FACILITY_MAX)
        return -EINVAL;
    r = take_pri(&p, end, &sev);
    if (r == 0) {
        put_pri(out, st->facility * 8 + sev);
        if (end - p >= 2 && p[0] == '1' && p[1] == ' ')
            r = stamp_5424(p, end, st, out);
        else
            r = stamp_3164(p, end, st, out);
    }
    if (r < 0)
        out->len = start;
    return r;
}
