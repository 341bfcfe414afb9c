/*
 * test_parser_utmp.c - the utmp parser (parsers/utmp.c, utmp(5)) on
 * records built by hand at the glibc x86-64 offsets: every ut_type,
 * IPv4 / IPv6 / literal-host / named-host addresses, fields filled to
 * their full size without a NUL, btmp failures, and garbage (wrong size,
 * type out of range, impossible times).
 *
 * Sample record (utmpdump text): [7] [01234] [ts/0] [alice] [pts/0]
 * [10.0.0.5] [10.0.0.5] [2023-11-14T22:46:40,000000+00:00]
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../model/render.h"
#include "parsetest.h"

#define T0 1700001000 /* 2023-11-14T22:30:00Z */

struct urec {
    unsigned char b[PARSER_UTMP_RECORD];
};

static void
put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* A record: type, pid, line, user, host, seconds, µs (offsets utmp(5)). */
static struct urec
mk(int type, uint32_t pid, const char *line, const char *user, const char *host,
   uint32_t sec, uint32_t usec)
{
    struct urec r;

    memset(&r, 0, sizeof(r));
    r.b[0] = (unsigned char)type;
    r.b[1] = (unsigned char)((unsigned)type >> 8);
    put32(r.b + 4, pid);
    memcpy(r.b + 8, line, strnlen(line, 32));
    memcpy(r.b + 44, user, strnlen(user, 32));
    memcpy(r.b + 76, host, strnlen(host, 256));
    put32(r.b + 340, sec);
    put32(r.b + 344, usec);
    return r;
}

static int
parse_u(struct parse_ctx *ctx, const struct urec *u, size_t len, bool failed,
        struct event *ev)
{
    struct raw_record rec = {.kind = RECORD_UTMP,
                             .data = (const char *)u->b,
                             .len = len,
                             .source = STRV_LIT("t"),
                             .ref_time_us = REF_US,
                             .has_offset = true,
                             .offset = 768,
                             .failed_logins = failed,
                             .hostname = STRV_LIT("collector")};

    return parse_record(ctx, &rec, ev);
}

static struct parse_ctx *
ctx_new(const char *fmt)
{
    int err = 0;
    struct parse_ctx *ctx = parse_ctx_new(fmt, &err);

    assert_non_null(ctx);
    return ctx;
}

static void
test_user_process_ipv4(void **state)
{
    struct parse_ctx *ctx = ctx_new(NULL);
    struct urec u = mk(7, 3003, "pts/0", "bob", "10.0.0.5", T0, 123456);
    struct event ev;

    (void)state;
    u.b[348] = 10, u.b[351] = 5;
    assert_int_equal(parse_u(ctx, &u, sizeof(u.b), false, &ev), PARSE_EVENT);
    assert_int_equal(ev.action, EV_ACTION_LOGIN);
    assert_int_equal(ev.result, EV_RESULT_SUCCESS);
    assert_true(ev.time_us == (int64_t)T0 * 1000000 + 123456);
    assert_strv(ev.user, "bob");
    assert_strv(ev.tty, "pts/0");
    assert_strv(ev.login_id, "pts/0:3003");
    assert_strv(ev.src_ip, "10.0.0.5");
    assert_int_equal(ev.login_type, EV_LOGIN_TYPE_REMOTE);
    assert_strv(ev.hostname, "collector");
    assert_strv(ev.event_code, "utmp-user-process");
    assert_strv(ev.format, "utmp");
    assert_strv(ev.source, "t");
    assert_strv(ev.record_id, "768");
    assert_strv(ev.service, NULL);
    parse_ctx_free(ctx);
}

static void
test_addresses(void **state)
{
    static const unsigned char v6[16] = {
        0x20, 0x01, 0x05, 0x03, 0xba, 0x3e, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x30};
    struct parse_ctx *ctx = ctx_new("utmp");
    struct urec u;
    struct event ev;

    (void)state;
    /* IPv6 in ut_addr_v6 */
    u = mk(7, 1, "pts/1", "a", "2001:503:ba3e::2:30", T0, 0);
    memcpy(u.b + 348, v6, 16);
    assert_int_equal(parse_u(ctx, &u, sizeof(u.b), false, &ev), PARSE_EVENT);
    assert_strv(ev.src_ip, "2001:503:ba3e::2:30");
    /* the address wins over a disagreeing ut_host (GRR's wtmp) */
    u = mk(7, 2, "pts/1", "a", "123.12.123.123", T0, 0);
    u.b[348] = 172, u.b[349] = 28, u.b[350] = 210, u.b[351] = 183;
    assert_int_equal(parse_u(ctx, &u, sizeof(u.b), false, &ev), PARSE_EVENT);
    assert_strv(ev.src_ip, "172.28.210.183");
    /* no address: a literal ut_host */
    u = mk(7, 3, "pts/1", "a", "192.0.2.7", T0, 0);
    assert_int_equal(parse_u(ctx, &u, sizeof(u.b), false, &ev), PARSE_EVENT);
    assert_strv(ev.src_ip, "192.0.2.7");
    assert_int_equal(ev.login_type, EV_LOGIN_TYPE_REMOTE);
    /* a host name: remote, but no src_ip */
    u = mk(7, 4, "pts/1", "a", "example.org", T0, 0);
    assert_int_equal(parse_u(ctx, &u, sizeof(u.b), false, &ev), PARSE_EVENT);
    assert_strv(ev.src_ip, NULL);
    assert_int_equal(ev.login_type, EV_LOGIN_TYPE_REMOTE);
    /* an X display or a tmux pane is local */
    u = mk(7, 5, "pts/2", "a", ":pts/9:S.0", T0, 0);
    assert_int_equal(parse_u(ctx, &u, sizeof(u.b), false, &ev), PARSE_EVENT);
    assert_int_equal(ev.login_type, EV_LOGIN_TYPE_INTERACTIVE);
    u = mk(7, 6, "tty1", "a", "", T0, 0);
    assert_int_equal(parse_u(ctx, &u, sizeof(u.b), false, &ev), PARSE_EVENT);
    assert_int_equal(ev.login_type, EV_LOGIN_TYPE_INTERACTIVE);
    assert_strv(ev.src_ip, NULL);
    parse_ctx_free(ctx);
}

static void
test_full_fields(void **state)
{
    char line[33], user[33], host[257];
    struct parse_ctx *ctx = ctx_new(NULL);
    struct event ev;
    struct urec u;
    struct buf b;

    (void)state;
    memset(line, 'L', 32), line[32] = '\0';
    memset(user, 'U', 32), user[32] = '\0';
    memset(host, 'h', 256), host[256] = '\0';
    u = mk(7, 4294967295u, line, user, host, T0, 999999);
    user[0] = '\x1b'; /* a terminal escape passes; the renderer escapes it */
    u.b[44] = '\x1b';
    assert_int_equal(parse_u(ctx, &u, sizeof(u.b), false, &ev), PARSE_EVENT);
    assert_strv(ev.tty, line);
    assert_strv(ev.user, user);
    assert_int_equal(ev.login_id.n, 32 + 1 + 10);
    assert_memory_equal(ev.login_id.p + 33, "4294967295", 10);
    buf_init(&b, 0);
    event_to_json(&ev, &b);
    assert_null(memchr(b.data, '\x1b', b.len));
    buf_done(&b);
    parse_ctx_free(ctx);
}

static void
test_dead_boot_shutdown(void **state)
{
    struct parse_ctx *ctx = ctx_new(NULL);
    struct event ev;
    struct urec u;

    (void)state;
    u = mk(8, 3003, "pts/0", "", "", T0 + 60, 0);
    assert_int_equal(parse_u(ctx, &u, sizeof(u.b), false, &ev), PARSE_EVENT);
    assert_int_equal(ev.action, EV_ACTION_LOGOUT);
    assert_strv(ev.login_id, "pts/0:3003");
    assert_strv(ev.tty, "pts/0");
    assert_strv(ev.user, NULL);
    assert_strv(ev.event_code, "utmp-dead-process");
    u = mk(2, 0, "~", "reboot", "6.1.0", T0, 0);
    assert_int_equal(parse_u(ctx, &u, sizeof(u.b), false, &ev), PARSE_EVENT);
    assert_int_equal(ev.action, EV_ACTION_RESTART);
    assert_strv(ev.event_code, "utmp-boot-time");
    assert_strv(ev.hostname, "collector");
    u = mk(1, 0, "~~", "shutdown", "6.1.0", T0, 0);
    assert_int_equal(parse_u(ctx, &u, sizeof(u.b), false, &ev), PARSE_EVENT);
    assert_int_equal(ev.action, EV_ACTION_RESTART);
    assert_strv(ev.event_code, "utmp-shutdown");
    /* runlevel changes, getty, init, time changes, accounting, empty */
    u = mk(1, 0, "~~", "runlevel", "6.1.0", T0, 0);
    assert_int_equal(parse_u(ctx, &u, sizeof(u.b), false, &ev), PARSE_NONE);
    for (int t = 0; t <= 9; t++) {
        if (t == 1 || t == 2 || t == 7 || t == 8)
            continue;
        u = mk(t, 9, "tty1", "LOGIN", "", T0, 0);
        assert_int_equal(parse_u(ctx, &u, sizeof(u.b), false, &ev), PARSE_NONE);
    }
    parse_ctx_free(ctx);
}

static void
test_btmp(void **state)
{
    struct parse_ctx *ctx = ctx_new(NULL);
    struct event ev;
    struct urec u;

    (void)state;
    u = mk(6, 777, "ssh:notty", "root", "203.0.113.9", T0, 5);
    assert_int_equal(parse_u(ctx, &u, sizeof(u.b), true, &ev), PARSE_EVENT);
    assert_int_equal(ev.action, EV_ACTION_LOGIN);
    assert_int_equal(ev.result, EV_RESULT_FAILURE);
    assert_strv(ev.result_details, "Authentication failure");
    assert_strv(ev.event_code, "btmp-failed");
    assert_strv(ev.src_ip, "203.0.113.9");
    assert_strv(ev.tty, "ssh:notty");
    assert_strv(ev.login_id, NULL); /* one session per record */
    u.b[0] = 7;
    assert_int_equal(parse_u(ctx, &u, sizeof(u.b), true, &ev), PARSE_EVENT);
    assert_int_equal(ev.result, EV_RESULT_FAILURE);
    u.b[0] = 8;
    assert_int_equal(parse_u(ctx, &u, sizeof(u.b), true, &ev), PARSE_NONE);
    parse_ctx_free(ctx);
}

static void
test_garbage(void **state)
{
    struct parse_ctx *ctx = ctx_new(NULL);
    struct parse_counters c;
    struct event ev;
    struct urec u;

    (void)state;
    u = mk(7, 1, "pts/0", "a", "", T0, 0);
    assert_int_equal(parse_u(ctx, &u, 383, false, &ev), -EBADMSG);
    u = mk(99, 1, "pts/0", "a", "", T0, 0);
    assert_int_equal(parse_u(ctx, &u, sizeof(u.b), false, &ev), -EBADMSG);
    u = mk(-1, 1, "pts/0", "a", "", T0, 0);
    assert_int_equal(parse_u(ctx, &u, sizeof(u.b), false, &ev), -EBADMSG);
    u = mk(0x700, 1, "pts/0", "a", "", T0, 0); /* big-endian USER_PROCESS */
    assert_int_equal(parse_u(ctx, &u, sizeof(u.b), false, &ev), -EBADMSG);
    u = mk(7, 1, "pts/0", "a", "", T0, 1000000);
    assert_int_equal(parse_u(ctx, &u, sizeof(u.b), false, &ev), -EBADMSG);
    u = mk(7, 1, "pts/0", "a", "", 0x80000000u, 0);
    assert_int_equal(parse_u(ctx, &u, sizeof(u.b), false, &ev), -EBADMSG);
    /* 1970 and 2038-01-19T03:14:07 are real times (util-linux wtmp-a) */
    u = mk(7, 1, "pts/0", "a", "", 0, 0);
    assert_int_equal(parse_u(ctx, &u, sizeof(u.b), false, &ev), PARSE_EVENT);
    u = mk(8, 1, "pts/0", "a", "", 0x7fffffffu, 0);
    assert_int_equal(parse_u(ctx, &u, sizeof(u.b), false, &ev), PARSE_EVENT);
    parse_ctx_counters(ctx, &c);
    assert_int_equal(c.malformed, 6);
    assert_int_equal(c.events, 2);
    parse_ctx_free(ctx);
}

static void
test_format_restriction(void **state)
{
    struct parse_ctx *ctx = ctx_new("sshd");
    struct urec u = mk(7, 1, "pts/0", "a", "", T0, 0);
    struct event ev;

    (void)state;
    assert_int_equal(parse_u(ctx, &u, sizeof(u.b), false, &ev), PARSE_NONE);
    parse_ctx_free(ctx);
    /* a text line given to the utmp format is not ours */
    ctx = ctx_new("utmp");
    assert_int_equal(
        parse_in(ctx, "Mar 14 13:54:19 h sshd[1]: Accepted password for a",
                 &ev),
        PARSE_NONE);
    parse_ctx_free(ctx);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_user_process_ipv4),
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_full_fields),
        cmocka_unit_test(test_dead_boot_shutdown),
        cmocka_unit_test(test_btmp),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_format_restriction),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
