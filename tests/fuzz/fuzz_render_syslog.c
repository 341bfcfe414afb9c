/*
 * fuzz_render_syslog.c - libFuzzer target for model/render_syslog.c.  The
 * input is cut into pieces at 0xFF 0x00 pairs (as fuzz_render.c does); the
 * pieces become the event's string fields and the collector's name, the
 * first bytes its time, action, result, port, logon type, facility and
 * pid.  The event, and the session records it opens or closes in a small
 * table kept across inputs, are
 * rendered in both formats and stamped; every line must hold:
 *   - no byte below 0x20 and no DEL anywhere;
 *   - RFC 5424: "<PRI>1 TS HOST sessiontail PROCID MSGID [SD] MSG", HOST 1
 *     to 255 PRINTUSASCII bytes, PROCID the pid or "-", one SD-ELEMENT
 *     whose PARAM-VALUEs have '"', '\' and ']' escaped (RFC 5424 6.3.3),
 *     and a printable-ASCII value read back unchanged;
 *   - RFC 3164: "<PRI>[Mmm dd hh:mm:ss HOST ]sessiontail[[pid]]: MSG",
 *     HOST of letters, digits, '.', '-', '_';
 *   - MSG is ASCII and parses with cJSON to the same value as the record's
 *     own JSON rendering.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../../model/render.h"
#include "../../model/render_syslog.h"
#include "../../model/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
    do {                                                                       \
        if (!(c))                                                              \
            abort();                                                           \
    } while (0)

#define SD_OPEN "[sessiontail@32473"
#define BSD_TIME_LEN 15

struct fctx {
    struct syslog_stamp st;
    struct strv user; /* raw, to compare with its SD-PARAM */
    struct buf line, out, json;
};

static struct strv *
field(struct event *ev, size_t i)
{
    struct strv *const f[] = {
        &ev->hostname,   &ev->user,       &ev->user_name,      &ev->user_domain,
        &ev->uid,        &ev->login_id,   &ev->src_ip,         &ev->auth_method,
        &ev->event_code, &ev->session_id, &ev->result_details, &ev->format,
        &ev->record_id,
    };

    return i < sizeof(f) / sizeof(f[0]) ? f[i] : NULL;
}

/* The token up to the next space; *p moves past it. */
static struct strv
token(const char **p, const char *end)
{
    const char *sp = memchr(*p, ' ', (size_t)(end - *p));

    CHECK(sp != NULL);
    struct strv t = strv_make(*p, (size_t)(sp - *p));
    *p = sp + 1;
    return t;
}

static void
check_pri(const char **p, const char *end, unsigned facility)
{
    unsigned pri = 0;

    CHECK(*p < end && **p == '<');
    for ((*p)++; *p < end && **p >= '0' && **p <= '9'; (*p)++)
        pri = pri * 10 + (unsigned)(**p - '0');
    CHECK(*p < end && **p == '>');
    (*p)++;
    CHECK(pri / 8 == facility && (pri % 8 == 5 || pri % 8 == 6));
}

static void
check_pid(struct strv v, uint32_t pid)
{
    uint64_t n;

    if (pid == 0)
        CHECK(v.n == 1 && v.p[0] == '-');
    else
        CHECK(strv_to_u64(v, UINT32_MAX, &n) == 0 && n == pid);
}

/* MSG is ASCII and the same JSON value as the record's own rendering. */
static void
check_msg(struct fctx *c, const char *p, const char *end)
{
    cJSON *got, *want;

    for (const char *q = p; q < end; q++)
        CHECK((unsigned char)*q < 0x80);
    got = cJSON_ParseWithLength(p, (size_t)(end - p));
    want = cJSON_ParseWithLength(c->json.data, c->json.len);
    CHECK(got != NULL && want != NULL && cJSON_Compare(got, want, true));
    cJSON_Delete(got);
    cJSON_Delete(want);
}

/* One PARAM-VALUE up to its closing quote, unescaped into v. */
static const char *
sd_value(const char *p, const char *end, struct buf *v)
{
    for (; p < end && *p != '"'; p++) {
        CHECK(*p != ']');
        if (*p == '\\') {
            p++;
            CHECK(p < end && (*p == '"' || *p == '\\' || *p == ']'));
        }
        buf_putc(v, *p);
    }
    CHECK(p < end);
    return p + 1;
}

static bool
printable_ascii(struct strv v)
{
    for (size_t i = 0; i < v.n; i++)
        if ((unsigned char)v.p[i] < 0x20 || (unsigned char)v.p[i] >= 0x7f)
            return false;
    return true;
}

/* SD-ID, then SD-PARAMs: NAME (RFC 5424 6.3.3: 1-32 PRINTUSASCII but '=',
 * SP, ']', '"') and an escaped value; "] " after the element. */
static void
check_sd(struct fctx *c, const char **pp, const char *end)
{
    const char *p = *pp, *name, *eq;
    struct buf v;

    CHECK((size_t)(end - p) > strlen(SD_OPEN) &&
          memcmp(p, SD_OPEN, strlen(SD_OPEN)) == 0);
    p += strlen(SD_OPEN);
    buf_init(&v, 0);
    while (p < end && *p == ' ') {
        name = p + 1;
        eq = memchr(name, '=', (size_t)(end - name));
        CHECK(eq != NULL && eq > name && eq - name <= 32 && eq + 1 < end &&
              eq[1] == '"');
        for (const char *q = name; q < eq; q++)
            CHECK(*q > ' ' && *q < 0x7f && *q != '"' && *q != ']');
        buf_reset(&v);
        p = sd_value(eq + 2, end, &v);
        if (eq - name == 4 && memcmp(name, "user", 4) == 0 && c->user.n > 0 &&
            printable_ascii(c->user))
            CHECK(strv_eq(strv_make(v.data, v.len), c->user));
    }
    CHECK(p + 1 < end && p[0] == ']' && p[1] == ' ');
    buf_done(&v);
    *pp = p + 2;
}

static void
check_5424(struct fctx *c, const char *p, const char *end, bool session)
{
    struct strv t;

    check_pri(&p, end, c->st.facility);
    t = token(&p, end);
    CHECK(strv_eq_cstr(t, "1"));
    t = token(&p, end); /* TIMESTAMP */
    CHECK(t.n == 27 || (t.n == 1 && t.p[0] == '-'));
    t = token(&p, end); /* HOSTNAME */
    CHECK(t.n >= 1 && t.n <= SYSLOG_HOSTNAME_MAX);
    for (size_t i = 0; i < t.n; i++)
        CHECK(t.p[i] >= 33 && t.p[i] <= 126);
    CHECK(strv_eq_cstr(token(&p, end), "sessiontail"));
    check_pid(token(&p, end), c->st.pid);
    CHECK(strv_eq_cstr(token(&p, end), session ? "session" : "event"));
    check_sd(c, &p, end);
    check_msg(c, p, end);
}

static void
check_3164(struct fctx *c, const char *p, const char *end)
{
    static const char app[] = "sessiontail";
    struct strv t;
    uint64_t n;

    check_pri(&p, end, c->st.facility);
    if ((size_t)(end - p) < sizeof(app) - 1 ||
        memcmp(p, app, sizeof(app) - 1) != 0) {
        CHECK(end - p > BSD_TIME_LEN && p[BSD_TIME_LEN] == ' ');
        p += BSD_TIME_LEN + 1;
        t = token(&p, end);
        CHECK(t.n >= 1 && t.n <= SYSLOG_HOSTNAME_MAX);
        for (size_t i = 0; i < t.n; i++)
            CHECK((t.p[i] >= 'a' && t.p[i] <= 'z') ||
                  (t.p[i] >= 'A' && t.p[i] <= 'Z') ||
                  (t.p[i] >= '0' && t.p[i] <= '9') || t.p[i] == '.' ||
                  t.p[i] == '-' || t.p[i] == '_');
    }
    t = token(&p, end); /* TAG: */
    CHECK(t.n >= sizeof(app) && memcmp(t.p, app, sizeof(app) - 1) == 0 &&
          t.p[t.n - 1] == ':');
    if (c->st.pid != 0)
        CHECK(t.n > sizeof(app) + 2 && t.p[sizeof(app) - 1] == '[' &&
              t.p[t.n - 2] == ']' &&
              strv_to_u64(strv_make(t.p + sizeof(app), t.n - sizeof(app) - 2),
                          UINT32_MAX, &n) == 0 &&
              n == c->st.pid);
    else
        CHECK(t.n == sizeof(app));
    check_msg(c, p, end);
}

/* Render with fn (default stamp), stamp, check. */
static void
check_line(struct fctx *c, bool rfc5424, bool session)
{
    const char *p, *end;

    buf_reset(&c->out);
    CHECK(syslog_restamp(strv_make(c->line.data, c->line.len), &c->st,
                         &c->out) == 0);
    CHECK(!c->out.oom);
    p = c->out.data;
    end = p + c->out.len;
    for (const char *q = p; q < end; q++)
        CHECK((unsigned char)*q >= 0x20 && *q != 0x7f);
    if (rfc5424)
        check_5424(c, p, end, session);
    else
        check_3164(c, p, end);
}

static void
session_cb(void *ctx, const struct session *s)
{
    struct fctx *c = ctx;

    c->user = STRV_NULL; /* the session's user may differ: not compared */
    buf_reset(&c->json);
    session_to_json(s, &c->json);
    buf_reset(&c->line);
    session_to_rfc5424(s, &c->line);
    check_line(c, true, true);
    buf_reset(&c->line);
    session_to_rfc3164(s, &c->line);
    check_line(c, false, true);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct session_table *t; /* kept across inputs, as a daemon's */
    struct session_limits lim = {.max_open = 4};
    struct fctx c = {0};
    struct event ev;
    size_t start = 0, k = 0;
    struct strv collector = STRV_NULL;

    event_init(&ev);
    if (size >= 8) {
        int64_t tm;

        memcpy(&tm, data, sizeof(tm));
        ev.time_us = (data[4] & 1) ? EVENT_TIME_UNSET : tm;
        ev.action = (enum ev_action)(data[0] % _EV_ACTION_MAX);
        ev.result = (enum ev_result)(data[1] % 3);
        ev.src_port = data[2] * 300;
        ev.logon_type = (int)data[3] - 2;
        ev.user_type = (enum ev_user_type)(data[5] % _EV_USER_TYPE_MAX);
        ev.login_type = (enum ev_login_type)(data[6] % _EV_LOGIN_TYPE_MAX);
        c.st.facility = data[7] % (SYSLOG_FACILITY_MAX + 1);
        c.st.pid = (data[5] & 0x80) ? 0 : (uint32_t)data[6] * 7919u;
    }
    while (start <= size) {
        size_t end = start;
        struct strv *f = field(&ev, k);
        struct strv piece;

        while (end + 1 < size && !(data[end] == 0xFF && data[end + 1] == 0))
            end++;
        if (end + 1 >= size)
            end = size;
        piece = strv_make((const char *)data + start, end - start);
        if (f != NULL)
            *f = piece;
        else if (k == 13)
            collector = piece;
        else
            break;
        k++;
        start = end + 2;
    }
    c.st.collector = collector;
    buf_init(&c.line, 0);
    buf_init(&c.out, 0);
    buf_init(&c.json, 0);
    c.user = ev.user;
    event_to_json(&ev, &c.json);
    event_to_rfc5424(&ev, &c.line);
    check_line(&c, true, false);
    buf_reset(&c.line);
    event_to_rfc3164(&ev, &c.line);
    check_line(&c, false, false);

    if (t == NULL)
        t = session_table_new(&lim);
    CHECK(t != NULL);
    ev.session_id = STRV_NULL;
    (void)session_table_feed(t, &ev, session_cb, &c);
    buf_done(&c.line);
    buf_done(&c.out);
    buf_done(&c.json);
    return 0;
}
