/*
 * test_render_syslog.c - model/render_syslog.c: golden RFC 5424 and RFC
 * 3164 lines for an event and for session records, stamping (facility,
 * PROCID, TAG[pid], the collector), hostile values (CR/LF, '"', '\', ']',
 * control bytes, ANSI escapes, C1 and bidi controls, invalid UTF-8,
 * overlong host names), ASCII-only JSON in MSG, and a round trip through
 * our own syslog envelope parser.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "../../model/render.h"
#include "../../model/render_syslog.h"
#include "../../model/session.h"
#include "../../parsers/parser.h"

#define T_2024_03_14 1710424459000000LL /* 2024-03-14T13:54:19Z */
#define T_2024_03_04 1709560459000000LL /* 2024-03-04T13:54:19Z */
#define LINE_MAX_TEST 8192

static const char golden_json[] =
    "{\"record\":\"event\",\"time\":\"2024-03-14T13:54:19.000000Z\","
    "\"action\":\"login\",\"login_successful\":true,\"hostname\":\"web01\","
    "\"user\":\"alice\",\"user_name\":\"alice\",\"username_type\":\"Simple\","
    "\"user_type\":\"Regular\",\"login_id\":\"4120\",\"login_type\":"
    "\"remote\",\"src_ip\":\"10.0.0.5\",\"src_port\":50438,\"service\":"
    "\"sshd\",\"auth_method\":\"publickey\",\"session_id\":"
    "\"9b87366084eed266\",\"event_code\":\"sshd-accepted\",\"format\":"
    "\"sshd\",\"source\":\"auth\",\"record_id\":\"497\"}";

static const char golden_sd[] =
    " action=\"login\" login_successful=\"true\" hostname=\"web01\" "
    "user=\"alice\" user_name=\"alice\" user_type=\"Regular\" "
    "login_id=\"4120\" login_type=\"remote\" src_ip=\"10.0.0.5\" "
    "src_port=\"50438\" auth_method=\"publickey\" "
    "session_id=\"9b87366084eed266\" event_code=\"sshd-accepted\"]";

static void
golden_event(struct event *ev)
{
    event_init(ev);
    ev->time_us = T_2024_03_14;
    ev->action = EV_ACTION_LOGIN;
    ev->result = EV_RESULT_SUCCESS;
    ev->hostname = STRV_LIT("web01");
    ev->user = STRV_LIT("alice");
    ev->user_name = STRV_LIT("alice");
    ev->username_type = EV_USERNAME_TYPE_SIMPLE;
    ev->user_type = EV_USER_TYPE_REGULAR;
    ev->login_id = STRV_LIT("4120");
    ev->login_type = EV_LOGIN_TYPE_REMOTE;
    ev->src_ip = STRV_LIT("10.0.0.5");
    ev->src_port = 50438;
    ev->service = STRV_LIT("sshd");
    ev->auth_method = STRV_LIT("publickey");
    ev->session_id = STRV_LIT("9b87366084eed266");
    ev->event_code = STRV_LIT("sshd-accepted");
    ev->format = STRV_LIT("sshd");
    ev->source = STRV_LIT("auth");
    ev->record_id = STRV_LIT("497");
}

/* Render with fn into a static buffer, NUL-terminated. */
static const char *
render(void (*fn)(const struct event *, struct buf *), const struct event *ev)
{
    static char out[LINE_MAX_TEST];
    struct buf b;

    buf_init(&b, 0);
    fn(ev, &b);
    assert_false(b.oom);
    assert_true(b.len < sizeof(out));
    memcpy(out, b.data, b.len);
    out[b.len] = '\0';
    buf_done(&b);
    return out;
}

/* Stamp a rendered line, NUL-terminated into a static buffer. */
static const char *
stamp(const char *line, unsigned facility, uint32_t pid, const char *coll)
{
    static char out[LINE_MAX_TEST];
    struct syslog_stamp st = {facility, pid, strv_from_cstr(coll)};
    struct buf b;

    buf_init(&b, 0);
    assert_int_equal(syslog_restamp(strv_from_cstr(line), &st, &b), 0);
    assert_true(b.len < sizeof(out));
    memcpy(out, b.data, b.len);
    out[b.len] = '\0';
    buf_done(&b);
    return out;
}

/* got == a b " " c */
static void
assert_cat_eq(const char *got, const char *a, const char *b, const char *c)
{
    char want[LINE_MAX_TEST];

    snprintf(want, sizeof(want), "%s%s %s", a, b, c);
    assert_string_equal(got, want);
}

static void
assert_prefix(const char *got, const char *want)
{
    if (strncmp(got, want, strlen(want)) != 0)
        fail_msg("got '%s'\nwant prefix '%s'", got, want);
}

/* No byte below 0x20, no DEL, no byte >= 0x80 outside SD values. */
static void
assert_no_controls(const char *line)
{
    for (const unsigned char *p = (const unsigned char *)line; *p; p++)
        assert_true(*p >= 0x20 && *p != 0x7f);
}

static void
test_event_5424_golden(void **state)
{
    struct event ev;
    const char *line;

    (void)state;
    golden_event(&ev);
    line = render(event_to_rfc5424, &ev);
    assert_cat_eq(line,
                  "<86>1 2024-03-14T13:54:19.000000Z web01 sessiontail - "
                  "event [sessiontail@32473",
                  golden_sd, golden_json);
    /* Stamped: local0 (16 * 8 + 6), PROCID, collector first. */
    assert_cat_eq(stamp(line, 16, 4242, "collector01"),
                  "<134>1 2024-03-14T13:54:19.000000Z web01 sessiontail 4242 "
                  "event [sessiontail@32473 collector=\"collector01\"",
                  golden_sd, golden_json);
    assert_string_equal(strstr(stamp(line, 16, 4242, "c"), "] {") + 2,
                        golden_json);
    /* Stamped with nothing to add: only the facility changes. */
    assert_string_equal(stamp(line, 10, 0, ""), line);
    assert_prefix(stamp(line, 0, 0, ""), "<6>1 ");
    assert_prefix(stamp(line, 23, 0, ""), "<190>1 ");

    /* A failed login is a notice (5). */
    ev.result = EV_RESULT_FAILURE;
    line = render(event_to_rfc5424, &ev);
    assert_prefix(line, "<85>1 ");
    assert_non_null(strstr(line, " login_successful=\"false\" "));
    assert_prefix(stamp(line, 4, 1, ""), "<37>1 ");
}

static void
test_event_3164_golden(void **state)
{
    struct event ev;
    const char *line;

    (void)state;
    golden_event(&ev);
    line = render(event_to_rfc3164, &ev);
    assert_cat_eq(line, "<86>Mar 14 13:54:19 web01 sessiontail:", "",
                  golden_json);
    assert_cat_eq(stamp(line, 1, 77, "coll"),
                  "<14>Mar 14 13:54:19 web01 sessiontail[77]:", "",
                  golden_json);
    assert_string_equal(stamp(line, 10, 0, "coll"), line);
    /* Days below 10 are padded with a space (RFC 3164 4.1.2). */
    ev.time_us = T_2024_03_04;
    assert_prefix(render(event_to_rfc3164, &ev),
                  "<86>Mar  4 13:54:19 web01 sessiontail: ");
    ev.time_us = 0;
    assert_prefix(render(event_to_rfc3164, &ev),
                  "<86>Jan  1 00:00:00 web01 sessiontail: ");
    ev.time_us = 1735689599000000LL; /* 2024-12-31T23:59:59Z */
    assert_prefix(render(event_to_rfc3164, &ev),
                  "<86>Dec 31 23:59:59 web01 sessiontail: ");
}

/* A record without time or host: NILVALUEs in RFC 5424, no header in RFC
 * 3164; the collector fills the host in when stamping. */
static void
test_absent_time_and_host(void **state)
{
    struct event ev;
    const char *line;

    (void)state;
    event_init(&ev);
    ev.action = EV_ACTION_LOGOUT;
    line = render(event_to_rfc5424, &ev);
    assert_string_equal(line, "<86>1 - - sessiontail - event "
                              "[sessiontail@32473 action=\"logout\"] "
                              "{\"record\":\"event\",\"action\":\"logout\"}");
    assert_string_equal(stamp(line, 10, 9, "coll 01"),
                        "<86>1 - coll_01 sessiontail 9 event "
                        "[sessiontail@32473 collector=\"coll 01\" "
                        "action=\"logout\"] "
                        "{\"record\":\"event\",\"action\":\"logout\"}");
    line = render(event_to_rfc3164, &ev);
    assert_string_equal(line, "<86>sessiontail: "
                              "{\"record\":\"event\",\"action\":\"logout\"}");
    assert_string_equal(stamp(line, 10, 9, "coll"),
                        "<86>sessiontail[9]: "
                        "{\"record\":\"event\",\"action\":\"logout\"}");
    /* A time but no host: "-", replaced by the collector's name. */
    ev.time_us = T_2024_03_14;
    line = render(event_to_rfc3164, &ev);
    assert_prefix(line, "<86>Mar 14 13:54:19 - sessiontail: ");
    assert_prefix(stamp(line, 10, 9, "a.b:c"),
                  "<86>Mar 14 13:54:19 a.b_c sessiontail[9]: ");
    ev.hostname = STRV_LIT("-");
    line = render(event_to_rfc5424, &ev);
    assert_prefix(stamp(line, 10, 9, "x"),
                  "<86>1 2024-03-14T13:54:19.000000Z x ");
}

/* Unescape the SD-PARAM `name` of an RFC 5424 line (RFC 5424 6.3.3);
 * false when absent.  Also checks that no raw '"', '\' or ']' is inside. */
static bool
sd_value(const char *line, const char *name, char *out, size_t outsz)
{
    char key[64];
    const char *p;
    size_t o = 0;

    snprintf(key, sizeof(key), " %s=\"", name);
    p = strstr(line, key);
    if (p == NULL || p > strstr(line, "] "))
        return false;
    for (p += strlen(key); *p != '"'; p++) {
        assert_true(*p != '\0' && *p != ']');
        if (*p == '\\') {
            p++;
            assert_true(*p == '"' || *p == '\\' || *p == ']');
        }
        assert_true(o + 1 < outsz);
        out[o++] = *p;
    }
    out[o] = '\0';
    return true;
}

static void
assert_sd(const char *line, const char *name, const char *want)
{
    char got[1024];

    assert_true(sd_value(line, name, got, sizeof(got)));
    assert_string_equal(got, want);
}

static void
hostile_event(struct event *ev)
{
    golden_event(ev);
    ev->hostname = STRV_LIT("evil host\r\n<13>Mar 1 x\x1b[2J\xc3\xa9");
    ev->user = STRV_LIT("a\"b\\c]d");
    ev->user_name = STRV_LIT("x\r\ny");
    ev->user_domain = STRV_LIT("\x1b[31mred\x1b[0m");
    ev->uid = STRV_LIT("\xff\xfe-\xc0\xaf");
    ev->login_id = STRV_LIT("\xc2\x9b"
                            "1m");
    ev->src_ip = STRV_LIT("J\xc3\xbcrgen");
    ev->auth_method = STRV_LIT("\xf0\x9f\x98\x80");
    ev->event_code = STRV_LIT("\x7f\x01\t");
    ev->session_id = STRV_LIT("\xe2\x80\xae"
                              "dcba");
}

static void
test_hostile_5424(void **state)
{
    struct event ev;
    const char *line;
    cJSON *msg, *want;
    struct buf b;

    (void)state;
    hostile_event(&ev);
    line = stamp(render(event_to_rfc5424, &ev), 10, 1, "c\"]\\\n");
    assert_no_controls(line);
    /* HOSTNAME: PRINTUSASCII, one '_' per character that is not. */
    assert_prefix(line, "<86>1 2024-03-14T13:54:19.000000Z "
                        "evil_host__<13>Mar_1_x_[2J_ sessiontail 1 event "
                        "[sessiontail@32473 collector=");
    assert_sd(line, "collector", "c\"]\\\\x0a");
    assert_sd(line, "hostname",
              "evil host\\x0d\\x0a<13>Mar 1 x\\x1b[2J\xc3\xa9");
    assert_sd(line, "user", "a\"b\\c]d");
    assert_sd(line, "user_name", "x\\x0d\\x0ay");
    assert_sd(line, "user_domain", "\\x1b[31mred\\x1b[0m");
    assert_sd(line, "uid", "\\xff\\xfe-\\xc0\\xaf");
    assert_sd(line, "login_id", "\\xc2\\x9b1m");
    assert_sd(line, "src_ip", "J\xc3\xbcrgen");
    assert_sd(line, "auth_method", "\xf0\x9f\x98\x80");
    assert_sd(line, "event_code", "\\x7f\\x01\\x09");
    assert_sd(line, "session_id", "\\xe2\\x80\\xaedcba");
    /* MSG: the same JSON value as event_to_json, in ASCII only. */
    const char *m = strstr(line, "\"] {") + 3;
    for (const char *p = m; *p; p++)
        assert_true((unsigned char)*p < 0x80);
    assert_non_null(strstr(m, "\"src_ip\":\"J\\u00fcrgen\""));
    assert_non_null(strstr(m, "\"auth_method\":\"\\ud83d\\ude00\""));
    msg = cJSON_Parse(m);
    assert_non_null(msg);
    buf_init(&b, 0);
    event_to_json(&ev, &b);
    buf_putc(&b, '\0');
    want = cJSON_Parse(b.data);
    assert_non_null(want);
    assert_true(cJSON_Compare(msg, want, true));
    cJSON_Delete(msg);
    cJSON_Delete(want);
    buf_done(&b);
}

static void
test_hostile_3164(void **state)
{
    struct event ev;
    const char *line;

    (void)state;
    hostile_event(&ev);
    line = stamp(render(event_to_rfc3164, &ev), 10, 1, "coll");
    assert_no_controls(line);
    for (const char *p = line; *p; p++)
        assert_true((unsigned char)*p < 0x80);
    /* BSD HOSTNAME: letters, digits, '.', '-', '_' only, ending in a letter
     * or digit (rsyslog's pmrfc3164 reads it as the TAG otherwise). */
    assert_prefix(line, "<86>Mar 14 13:54:19 evil_host___13_Mar_1_x__2J "
                        "sessiontail[1]: {\"record\":\"event\"");
}

static void
test_overlong_hostname(void **state)
{
    char host[400], want[300];
    struct event ev;
    const char *line, *h;

    (void)state;
    golden_event(&ev);
    memset(host, 'h', sizeof(host));
    ev.hostname = strv_make(host, sizeof(host));
    line = render(event_to_rfc5424, &ev);
    h = line + strlen("<86>1 2024-03-14T13:54:19.000000Z ");
    assert_int_equal(strchr(h, ' ') - h, SYSLOG_HOSTNAME_MAX);
    memset(want, 'h', SYSLOG_HOSTNAME_MAX);
    want[SYSLOG_HOSTNAME_MAX] = '\0';
    assert_int_equal(strncmp(h, want, SYSLOG_HOSTNAME_MAX), 0);
    /* The SD-PARAM keeps the whole value. */
    assert_true(strstr(line, " hostname=\"hhhh") != NULL);
    assert_int_equal(strchr(strstr(line, " hostname=\"") + 11, '"') -
                         (strstr(line, " hostname=\"") + 11),
                     sizeof(host));
    /* 255 characters, however many bytes each takes. */
    for (size_t i = 0; i + 2 <= sizeof(host); i += 2)
        memcpy(host + i, "\xc3\xa9", 2);
    memcpy(host + sizeof(host) - 2, "hh", 2); /* ends in a letter */
    line = render(event_to_rfc3164, &ev);
    h = line + strlen("<86>Mar 14 13:54:19 ");
    assert_int_equal(strchr(h, ' ') - h, 201);
    /* Nothing a BSD parser takes for a HOSTNAME: "-", the collector once
     * stamped. */
    host[0] = (char)0xff;
    ev.hostname = strv_make(host, 1);
    assert_non_null(strstr(render(event_to_rfc3164, &ev), " - sessiontail: "));
    ev.hostname = strv_make("web01.", 6);
    assert_non_null(
        strstr(render(event_to_rfc3164, &ev), " web01 sessiontail: "));
    ev.hostname = strv_make("__", 2);
    assert_non_null(strstr(stamp(render(event_to_rfc3164, &ev), 10, 1, "coll"),
                           " coll sessiontail[1]: "));
}

static void
test_restamp_rejects(void **state)
{
    struct syslog_stamp st = {10, 1, STRV_LIT("c")};
    static const char *const bad[] = {
        "",
        "<86",
        "<>1 - - sessiontail - event [sessiontail@32473] {}",
        "<192>1 - - sessiontail - event [sessiontail@32473] {}",
        "<0086>1 - - sessiontail - event [sessiontail@32473] {}",
        "<86>1 - - sessiontail - event [other@1] {}",
        "<86>1 - - sessiontail",
        "<86>Mar 14 13:54:19 web01 other: {}",
        "<86>Mar 14 13:54:19",
        "<86>other: {}",
    };
    struct event ev;
    struct buf b;

    (void)state;
    buf_init(&b, 0);
    buf_puts(&b, "keep");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(syslog_restamp(strv_from_cstr(bad[i]), &st, &b),
                         -EBADMSG);
        assert_int_equal(b.len, 4);
    }
    golden_event(&ev);
    st.facility = SYSLOG_FACILITY_MAX + 1;
    assert_int_equal(
        syslog_restamp(strv_from_cstr(render(event_to_rfc5424, &ev)), &st, &b),
        -EINVAL);
    assert_int_equal(b.len, 4);
    buf_done(&b);
}

static void
test_facility_names(void **state)
{
    size_t n = 0;

    (void)state;
    while (syslog_facility_names[n] != NULL)
        n++;
    assert_int_equal(n, SYSLOG_FACILITY_MAX + 1);
    assert_int_equal(syslog_facility_code("kern"), 0);
    assert_int_equal(syslog_facility_code("auth"), 4);
    assert_int_equal(syslog_facility_code("authpriv"), 10);
    assert_int_equal(SYSLOG_FACILITY_DEFAULT, 10);
    assert_int_equal(syslog_facility_code("local0"), 16);
    assert_int_equal(syslog_facility_code("local7"), 23);
    assert_int_equal(syslog_facility_code("Local7"), -EINVAL);
    assert_int_equal(syslog_facility_code(""), -EINVAL);
}

/* Session records: collected from a real session table. */
struct recs {
    char lines[4][LINE_MAX_TEST];
    char id[SESSION_ID_LEN + 1];
    size_t n;
    void (*fn)(const struct session *, struct buf *);
};

static void
emit_cb(void *ctx, const struct session *s)
{
    struct recs *rs = ctx;
    struct session_view v;
    struct buf b;

    assert_true(rs->n < 4);
    buf_init(&b, 0);
    rs->fn(s, &b);
    assert_false(b.oom);
    assert_true(b.len < LINE_MAX_TEST);
    memcpy(rs->lines[rs->n], b.data, b.len);
    rs->lines[rs->n][b.len] = '\0';
    rs->n++;
    session_view(s, &v);
    memcpy(rs->id, v.session_id.p, SESSION_ID_LEN);
    buf_done(&b);
}

static void
feed_session(struct recs *rs)
{
    struct session_limits lim = {.max_open = 10};
    struct session_table *t = session_table_new(&lim);
    struct event ev;

    assert_non_null(t);
    golden_event(&ev);
    ev.session_id = STRV_NULL;
    ev.user_domain = STRV_LIT("CORP]\"");
    assert_int_equal(session_table_feed(t, &ev, emit_cb, rs), 0);
    event_init(&ev);
    ev.time_us = T_2024_03_14 + 3723000000LL;
    ev.action = EV_ACTION_LOGOUT;
    ev.hostname = STRV_LIT("web01");
    ev.user = STRV_LIT("alice");
    ev.login_id = STRV_LIT("4120");
    ev.login_type = EV_LOGIN_TYPE_REMOTE;
    ev.event_code = STRV_LIT("sshd-disconnected");
    ev.format = STRV_LIT("sshd");
    assert_int_equal(session_table_feed(t, &ev, emit_cb, rs), 0);
    session_table_free(t);
}

static void
test_session_5424(void **state)
{
    struct recs rs = {.fn = session_to_rfc5424};
    char want[512];
    const char *open, *closed;

    (void)state;
    feed_session(&rs);
    assert_int_equal(rs.n, 2);
    open = rs.lines[0];
    closed = stamp(rs.lines[1], 10, 5, "coll");
    snprintf(want, sizeof(want),
             "<86>1 2024-03-14T13:54:19.000000Z web01 sessiontail - session "
             "[sessiontail@32473 session_id=\"%s\" state=\"open\" "
             "start=\"2024-03-14T13:54:19.000000Z\" hostname=\"web01\" "
             "login_id=\"4120\" user=\"alice\" user_name=\"alice\" "
             "user_domain=\"CORP\\]\\\"\" user_type=\"Regular\" "
             "login_type=\"remote\" login_successful=\"true\" "
             "src_ip=\"10.0.0.5\" src_port=\"50438\" admin=\"false\"] "
             "{\"record\":\"session\",",
             rs.id);
    assert_prefix(open, want);
    /* Closed: TIMESTAMP is the end, 1h02m03s later. */
    snprintf(want, sizeof(want),
             "<86>1 2024-03-14T14:56:22.000000Z web01 sessiontail 5 session "
             "[sessiontail@32473 collector=\"coll\" session_id=\"%s\" "
             "state=\"closed\" start=\"2024-03-14T13:54:19.000000Z\" "
             "end=\"2024-03-14T14:56:22.000000Z\" end_reason=\"logout\" "
             "hostname=\"web01\" ",
             rs.id);
    assert_prefix(closed, want);
    assert_non_null(strstr(closed, "\"duration_s\":3723,"));
}

static void
test_session_3164(void **state)
{
    struct recs rs = {.fn = session_to_rfc3164};

    (void)state;
    feed_session(&rs);
    assert_int_equal(rs.n, 2);
    assert_prefix(rs.lines[0], "<86>Mar 14 13:54:19 web01 sessiontail: "
                               "{\"record\":\"session\",");
    assert_prefix(rs.lines[1], "<86>Mar 14 14:56:22 web01 sessiontail: "
                               "{\"record\":\"session\",");
}

/* Our own syslog source's envelope parser reads what we write. */
static void
test_envelope_round_trip(void **state)
{
    struct raw_record rec = {.kind = RECORD_TEXT, .ref_time_us = T_2024_03_14};
    struct envelope env;
    struct event ev;
    const char *line;
    char sd[LINE_MAX_TEST];

    (void)state;
    hostile_event(&ev);
    line = stamp(render(event_to_rfc5424, &ev), 16, 4242, "coll");
    rec.data = line;
    rec.len = strlen(line);
    assert_true(parser_syslog_envelope(&rec, &env) > 0);
    assert_int_equal(env.pri, 16 * 8 + 6);
    assert_int_equal(env.time_us, T_2024_03_14);
    assert_true(strv_eq_cstr(env.hostname, "evil_host__<13>Mar_1_x_[2J_"));
    assert_true(strv_eq_cstr(env.app, "sessiontail"));
    assert_true(strv_eq_cstr(env.pid, "4242"));
    assert_true(strv_eq_cstr(env.msgid, "event"));
    snprintf(sd, sizeof(sd), "%.*s", (int)env.sd.n, env.sd.p);
    assert_prefix(sd, "[sessiontail@32473 collector=\"coll\" ");
    assert_int_equal(sd[strlen(sd) - 1], ']');
    assert_true(env.msg.n > 0 && env.msg.p[0] == '{');
    assert_true(strv_eq_cstr(env.msg, strstr(line, "\"] {") + 3));

    golden_event(&ev);
    line = stamp(render(event_to_rfc3164, &ev), 10, 4242, "coll");
    rec.data = line;
    rec.len = strlen(line);
    assert_true(parser_syslog_envelope(&rec, &env) > 0);
    assert_int_equal(env.pri, 86);
    assert_int_equal(env.time_us, T_2024_03_14);
    assert_true(strv_eq_cstr(env.hostname, "web01"));
    assert_true(strv_eq_cstr(env.app, "sessiontail"));
    assert_true(strv_eq_cstr(env.pid, "4242"));
    assert_true(strv_eq_cstr(env.msg, golden_json));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_5424_golden),
        cmocka_unit_test(test_event_3164_golden),
        cmocka_unit_test(test_absent_time_and_host),
        cmocka_unit_test(test_hostile_5424),
        cmocka_unit_test(test_hostile_3164),
        cmocka_unit_test(test_overlong_hostname),
        cmocka_unit_test(test_restamp_rejects),
        cmocka_unit_test(test_facility_names),
        cmocka_unit_test(test_session_5424),
        cmocka_unit_test(test_session_3164),
        cmocka_unit_test(test_envelope_round_trip),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
