/*
 * test_state.c - daemon/state_codec and daemon/state: the open-session
 * state file.  Every field round-trips (escapes, non-ASCII, IPv6, the
 * longest values, extreme numbers); bad lines are skipped and counted
 * while the good ones around them are kept; a bad header makes the file
 * unusable; the daemon side restores into a real session table, saves at
 * stop and periodically (in slices, on a real loop) and survives
 * allocation failures.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "../../daemon/state.h"
#include "../../daemon/state_codec.h"
#include "../../model/buf.h"
#include "../../model/identity.h"
#include "../../model/session.h"
#include "testutil.h"

#define T0 1710424459000000LL /* 2024-03-14T13:54:19Z */

/* Storage for the long strings of the views built below. */
static char big[3][STATE_STR_MAX];

static void
set_id(struct session_view *v, const char *id, const char *prev)
{
    memcpy(v->id_buf, id, SESSION_ID_LEN);
    v->session_id = strv_make(v->id_buf, SESSION_ID_LEN);
    if (prev != NULL) {
        memcpy(v->prev_buf, prev, SESSION_ID_LEN);
        v->previous_session_id = strv_make(v->prev_buf, SESSION_ID_LEN);
    }
}

/* Every field set, plain values, an IPv6 source address. */
static void
view_plain(struct session_view *v)
{
    *v = (struct session_view){
        .state = SESSION_STATE_OPEN,
        .end_us = EVENT_TIME_UNSET,
        .start_us = T0,
        .last_us = T0 + 5000000,
        .hostname = STRV_LIT("dc01.example.com"),
        .login_id = STRV_LIT("0x3e7a9f"),
        .user = STRV_LIT("EXAMPLE\\alice"),
        .user_name = STRV_LIT("alice"),
        .user_domain = STRV_LIT("EXAMPLE"),
        .username_type = EV_USERNAME_TYPE_WINDOWS,
        .uid = STRV_LIT("S-1-5-21-1004336348-1177238915-682003330-1104"),
        .user_id_type = EV_USER_ID_TYPE_SID,
        .user_type = EV_USER_TYPE_ADMIN,
        .login_type = EV_LOGIN_TYPE_RDP,
        .logon_type = 10,
        .login_successful = true,
        .auth_method = STRV_LIT("Kerberos"),
        .src_ip = STRV_LIT("2001:db8:85a3::8a2e:370:7334"),
        .src_port = 65535,
        .admin = true,
        .lock_count = 3,
        .failure_count = 2,
        .result_details = STRV_LIT("Incorrect password (0xC000006A)"),
        .event_count = 7,
        .n_sources = SESSION_SOURCES_MAX,
        .keys = {0x9f3a0c1d2e3f4a5bULL, 0x0000000000000001ULL},
        .boot = 0xfedcba9876543210ULL,
        .flags = 0x80000001u,
    };
    set_id(v, "0123456789abcdef", "fedcba9876543210");
    for (size_t i = 0; i < SESSION_SOURCES_MAX; i++) {
        v->sources[i].format = STRV_LIT("windows-xml");
        v->sources[i].event_code =
            i % 2 ? STRV_LIT("RCM-1149") : STRV_LIT("4624");
        v->sources[i].record_id = STRV_LIT("184467");
        v->sources[i].time_us = T0 + (int64_t)i;
    }
}

/* Non-ASCII, every kind of escape, line separators, invalid-looking
 * quotes; extreme numbers; one key, no boot, failed attempt. */
static void
view_hostile(struct session_view *v)
{
    *v = (struct session_view){
        .state = SESSION_STATE_OPEN,
        .end_us = EVENT_TIME_UNSET,
        .start_us = INT64_MIN,
        .last_us = INT64_MAX,
        .hostname = STRV_LIT("h\xc3\xb4te-\xe6\x97\xa5\xe6\x9c\xac"),
        .login_id = STRV_LIT("pts/0\"}\n{\"session_id\":\"x"),
        .user = STRV_LIT("Ren\xc3\xa9\\\"\x01\x1f\x7f\t\r\n\b\f"),
        .user_name =
            STRV_LIT("\xe2\x80\xa8line\xe2\x80\xa9sep\xf0\x9f\x98\x80"),
        .username_type = EV_USERNAME_TYPE_SIMPLE,
        .uid = STRV_LIT("0"),
        .user_id_type = EV_USER_ID_TYPE_UID,
        .user_type = EV_USER_TYPE_SYSTEM,
        .login_type = EV_LOGIN_TYPE_LOCAL,
        .logon_type = -1,
        .src_ip = STRV_LIT("::1"),
        .lock_count = UINT32_MAX,
        .failure_count = UINT32_MAX,
        .event_count = 1ULL << 53,
        .n_sources = 1,
        .keys = {0, UINT64_MAX}, /* keys are positional */
    };
    set_id(v, "ffffffffffffffff", NULL);
    v->sources[0].format = STRV_LIT("sshd");
    v->sources[0].time_us = INT64_MIN;
}

/* Every string at STATE_STR_MAX, each byte one that escapes to \u00XX:
 * the longest line there is. */
static void
view_longest(struct session_view *v)
{
    struct strv b0 = strv_make(big[0], STATE_STR_MAX);

    memset(big[0], '\x01', STATE_STR_MAX);
    memset(big[1], 'x', STATE_STR_MAX);
    view_plain(v);
    v->hostname = v->login_id = v->user = v->user_name = v->user_domain = b0;
    v->uid = v->auth_method = v->src_ip = v->result_details = b0;
    for (size_t i = 0; i < SESSION_SOURCES_MAX; i++)
        v->sources[i].format = v->sources[i].event_code =
            v->sources[i].record_id = b0;
    v->user = strv_make(big[1], STATE_STR_MAX);
}

static void
assert_strv_equal(struct strv a, struct strv b)
{
    assert_int_equal(a.n, b.n);
    if (a.n > 0)
        assert_memory_equal(a.p, b.p, a.n);
}

static void
assert_views_equal(const struct session_view *a, const struct session_view *b)
{
    assert_strv_equal(a->session_id, b->session_id);
    assert_strv_equal(a->previous_session_id, b->previous_session_id);
    assert_int_equal(a->state, b->state);
    assert_true(a->start_us == b->start_us);
    assert_true(a->last_us == b->last_us);
    assert_strv_equal(a->hostname, b->hostname);
    assert_strv_equal(a->login_id, b->login_id);
    assert_strv_equal(a->user, b->user);
    assert_strv_equal(a->user_name, b->user_name);
    assert_strv_equal(a->user_domain, b->user_domain);
    assert_int_equal(a->username_type, b->username_type);
    assert_strv_equal(a->uid, b->uid);
    assert_int_equal(a->user_id_type, b->user_id_type);
    assert_int_equal(a->user_type, b->user_type);
    assert_int_equal(a->login_type, b->login_type);
    assert_int_equal(a->logon_type, b->logon_type);
    assert_int_equal(a->login_successful, b->login_successful);
    assert_strv_equal(a->auth_method, b->auth_method);
    assert_strv_equal(a->src_ip, b->src_ip);
    assert_int_equal(a->src_port, b->src_port);
    assert_int_equal(a->admin, b->admin);
    assert_int_equal(a->lock_count, b->lock_count);
    assert_int_equal(a->failure_count, b->failure_count);
    assert_strv_equal(a->result_details, b->result_details);
    assert_true(a->event_count == b->event_count);
    assert_int_equal(a->n_sources, b->n_sources);
    for (size_t i = 0; i < a->n_sources; i++) {
        assert_strv_equal(a->sources[i].format, b->sources[i].format);
        assert_strv_equal(a->sources[i].event_code, b->sources[i].event_code);
        assert_strv_equal(a->sources[i].record_id, b->sources[i].record_id);
        assert_true(a->sources[i].time_us == b->sources[i].time_us);
    }
    for (size_t i = 0; i < SESSION_KEYS_MAX; i++)
        assert_true(a->keys[i] == b->keys[i]);
    assert_true(a->boot == b->boot);
    assert_int_equal(a->flags, b->flags);
}

/*
 * Feed text line by line as the loader does (the last piece without LF is
 * cut short).  Returns the reader's last negative result or 0; calls
 * check(i, view) for the i-th session read.
 */
static int
read_text(struct state_reader *r, const char *data, size_t len,
          void (*check)(size_t, const struct session_view *))
{
    const char *p = data, *end = data + len;
    size_t n = 0;

    state_reader_init(r);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *why = NULL;
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        int rc = state_reader_line(r, p, l, nl ? STATE_LINE_LF : STATE_LINE_EOF,
                                   &why);

        if (rc < 0)
            return rc;
        if (rc == 1 && check != NULL)
            check(n++, &r->rec.v);
        p += l + (nl != NULL);
    }
    return 0;
}

static struct session_view expect[3];

static void
check_expect(size_t i, const struct session_view *v)
{
    assert_true(i < 3);
    assert_views_equal(v, &expect[i]);
}

static void
test_round_trip_every_field(void **state)
{
    struct state_reader *r = malloc(sizeof(*r));
    struct buf b;

    (void)state;
    view_plain(&expect[0]);
    view_hostile(&expect[1]);
    view_longest(&expect[2]);
    buf_init(&b, 0);
    state_format_header(&b, T0, 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(state_format_session(&expect[i], &b), 0);
    /* one session per line, whatever the values held */
    {
        size_t lines = 0;

        for (size_t i = 0; i < b.len; i++)
            lines += b.data[i] == '\n';
        assert_int_equal(lines, 4);
    }
    assert_non_null(
        strstr(b.data, "\"src_ip\":\"2001:db8:85a3::8a2e:370:7334\""));
    assert_non_null(strstr(b.data, "\"username_type\":\"Windows\""));
    assert_non_null(strstr(b.data, "\"keys\":[\"9f3a0c1d2e3f4a5b\","));
    assert_int_equal(read_text(r, b.data, b.len, check_expect), 0);
    assert_int_equal(r->sessions, 3);
    assert_int_equal(r->skipped, 0);
    assert_int_equal(r->count, 3);
    buf_done(&b);
    free(r);
}

static void
test_header_fixed_width(void **state)
{
    static const char want[] = "{\"sessiontail_state\":1,\"saved\":"
                               "\"2024-03-14T13:54:19.000000Z\",\"count\":0 ";
    struct buf a, b;

    (void)state;
    buf_init(&a, 0);
    buf_init(&b, 0);
    state_format_header(&a, T0, 0);
    state_format_header(&b, T0, UINT64_MAX);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, want, sizeof(want) - 1);
    buf_done(&a);
    buf_done(&b);
}

static void
test_value_too_long_not_written(void **state)
{
    struct session_view v;
    char s[STATE_STR_MAX + 1];
    struct buf b;

    (void)state;
    view_plain(&v);
    memset(s, 'a', sizeof(s));
    v.sources[3].record_id = strv_make(s, sizeof(s));
    buf_init(&b, 0);
    assert_int_equal(state_format_session(&v, &b), -E2BIG);
    assert_int_equal(b.len, 0);
    buf_done(&b);
}

/* The i-th good line: plain view with id 000000000000000i. */
static void
check_good(size_t i, const struct session_view *v)
{
    char id[SESSION_ID_LEN + 1];

    snprintf(id, sizeof(id), "%016zx", i + 1);
    assert_true(i < 3);
    assert_memory_equal(v->session_id.p, id, SESSION_ID_LEN);
    assert_true(strv_eq_cstr(v->user, "EXAMPLE\\alice"));
}

static void
put_good(struct buf *b, unsigned n)
{
    struct session_view v;
    char id[SESSION_ID_LEN + 1];

    view_plain(&v);
    snprintf(id, sizeof(id), "%016x", n);
    set_id(&v, id, NULL);
    assert_int_equal(state_format_session(&v, b), 0);
}

/* Append a copy of a good line with `from` replaced by `to`. */
static void
put_edited(struct buf *b, const char *from, const char *to)
{
    struct buf one;
    char *at;

    buf_init(&one, 0);
    put_good(&one, 9);
    buf_putc(&one, '\0');
    at = strstr(one.data, from);
    assert_non_null(at);
    buf_append(b, one.data, (size_t)(at - one.data));
    buf_puts(b, to);
    buf_puts(b, at + strlen(from));
    buf_done(&one);
}

static void
test_bad_lines_skipped(void **state)
{
    static const char *const edits[][2] = {
        {"\"user\":\"EXAMPLE\\\\alice\"", "\"user\":5"}, /* wrong type */
        {"\"session_id\":\"0000000000000009\",", ""},    /* missing id */
        {"\"session_id\":\"0000000000000009\"",
         "\"session_id\":\"00000000000000G9\""},
        {"\"keys\":[\"9f3a0c1d2e3f4a5b\"", "\"keys\":[\"9f3a0c1d2e3f4a5\""},
        {"\"keys\":[\"9f3a0c1d2e3f4a5b\"", "\"keys\":[\"9F3A0C1D2E3F4A5B\""},
        {"\"username_type\":\"Windows\"", "\"username_type\":\"Martian\""},
        {"\"login_type\":\"rdp\"", "\"login_type\":\"\""},
        {"\"src_port\":65535", "\"src_port\":65536"},
        {"\"logon_type\":10", "\"logon_type\":1.5"},
        {"\"start_us\":\"1710424459000000\"",
         "\"start_us\":\"9223372036854775808\""},
        {"\"start_us\":\"1710424459000000\"", "\"start_us\":1710424459000000"},
        {"\"admin\":true", "\"admin\":1"},
        {"\"flags\":2147483649}", "\"flags\":2147483649} x"},
    };
    struct state_reader *r = malloc(sizeof(*r));
    struct buf b;
    size_t n_edits = sizeof(edits) / sizeof(edits[0]);

    (void)state;
    buf_init(&b, 0);
    state_format_header(&b, T0, 3);
    put_good(&b, 1);
    buf_puts(&b, "this is not JSON\n");
    buf_puts(&b, "[1,2,3]\n");
    buf_puts(&b, "\n");
    for (size_t i = 0; i < n_edits; i++)
        put_edited(&b, edits[i][0], edits[i][1]);
    put_good(&b, 2);
    for (size_t i = 0; i < STATE_LINE_MAX + 1; i++)
        buf_putc(&b, ' ');
    buf_puts(&b, "{}\n");
    put_good(&b, 3);
    buf_puts(&b, "{\"session_id\":\"0000000000000004\",\"start_us\":\"1");
    assert_false(b.oom);
    assert_int_equal(read_text(r, b.data, b.len, check_good), 0);
    assert_int_equal(r->sessions, 3);
    assert_int_equal(r->skipped, 3 + n_edits + 2);
    assert_int_equal(r->line_no, 1 + 3 + 3 + n_edits + 1 + 1);
    buf_done(&b);
    free(r);
}

static void
test_skip_reasons(void **state)
{
    struct state_reader *r = malloc(sizeof(*r));
    const char *why = NULL;
    const char hdr[] = "{\"sessiontail_state\":1,\"saved\":\"x\",\"count\":1}";
    const char line[] = "{\"session_id\":\"0123456789abcdef\","
                        "\"start_us\":\"1\",\"last_us\":\"1\",\"keys\":[1]}";

    (void)state;
    state_reader_init(r);
    assert_int_equal(
        state_reader_line(r, hdr, strlen(hdr), STATE_LINE_LF, &why), 0);
    assert_null(why);
    assert_int_equal(
        state_reader_line(r, line, strlen(line), STATE_LINE_LF, &why), 0);
    assert_non_null(why);
    assert_non_null(strstr(why, "\"keys\""));
    assert_int_equal(r->line_no, 2);
    free(r);
}

static void
test_bad_header(void **state)
{
    static const struct {
        const char *text;
        int want;
    } cases[] = {
        {"", -EBADMSG},
        {"not json\n", -EBADMSG},
        {"{\"sessiontail_state\":2,\"saved\":\"x\",\"count\":0}\n",
         -EPROTONOSUPPORT},
        {"{\"sessiontail_state\":\"1\",\"saved\":\"x\",\"count\":0}\n",
         -EBADMSG},
        {"{\"sessiontail_state\":1,\"saved\":\"x\"}\n", -EBADMSG},
        {"{\"sessiontail_state\":1,\"saved\":\"x\",\"count\":-1}\n", -EBADMSG},
        {"{\"sessiontail_state\":1,\"saved\":\"x\",\"count\":0}", -EBADMSG},
        {"{\"session_id\":\"0123456789abcdef\"}\n", -EBADMSG},
    };
    struct state_reader *r = malloc(sizeof(*r));

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = read_text(r, cases[i].text, strlen(cases[i].text), NULL);

        if (cases[i].text[0] == '\0')
            rc = r->header ? 0 : -EBADMSG; /* nothing fed: no header */
        assert_int_equal(rc, cases[i].want);
        assert_int_equal(r->sessions, 0);
    }
    free(r);
}

/* ---- the daemon side, with a real table and loop ---- */

static struct session_table *
table(void)
{
    struct session_limits lim = {.idle_timeout_us = 3600LL * 1000000,
                                 .max_open = 20000};
    struct session_table *t = session_table_new(&lim);

    assert_non_null(t);
    return t;
}

/* n sshd logins, pid 3000 + i. */
static void
feed_logins(struct session_table *t, int n)
{
    for (int i = 0; i < n; i++) {
        char pid[16];
        struct event ev;

        snprintf(pid, sizeof(pid), "%d", 3000 + i);
        event_init(&ev);
        ev.time_us = T0 + i;
        ev.action = EV_ACTION_LOGIN;
        ev.result = EV_RESULT_SUCCESS;
        ev.hostname = STRV_LIT("web01");
        ev.login_id = strv_from_cstr(pid);
        ev.user = STRV_LIT("b\xc3\xa9"
                           "a\ttrice");
        ev.src_ip = STRV_LIT("2001:db8::10");
        ev.src_port = 50000 + i;
        ev.format = STRV_LIT("sshd");
        ev.event_code = STRV_LIT("sshd-accepted");
        ev.login_type = EV_LOGIN_TYPE_REMOTE;
        identity_type_user(&ev);
        assert_int_equal(session_table_feed(t, &ev, NULL, NULL), 0);
    }
}

static size_t
count_open(const struct session_table *t)
{
    size_t pos = 0, n = 0;

    while (session_table_next(t, &pos) != NULL)
        n++;
    return n;
}

/* Every open session of a is in b with the same id, start, keys, user. */
static void
assert_tables_match(const struct session_table *a,
                    const struct session_table *b)
{
    size_t pa = 0;
    const struct session *s;

    assert_int_equal(count_open(a), count_open(b));
    while ((s = session_table_next(a, &pa)) != NULL) {
        struct session_view va, vb;
        const struct session *o;
        size_t pb = 0;
        bool found = false;

        session_view(s, &va);
        while (!found && (o = session_table_next(b, &pb)) != NULL) {
            session_view(o, &vb);
            found = strv_eq(va.session_id, vb.session_id);
        }
        assert_true(found);
        assert_true(va.start_us == vb.start_us);
        assert_true(va.last_us == vb.last_us);
        assert_true(va.keys[0] == vb.keys[0]);
        assert_strv_equal(va.user, vb.user);
        assert_strv_equal(va.src_ip, vb.src_ip);
        assert_int_equal(va.src_port, vb.src_port);
    }
}

static char *
path_in(const char *dir, const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);

    assert_non_null(p);
    snprintf(p, strlen(dir) + strlen(name) + 2, "%s/%s", dir, name);
    return p;
}

static bool
exists(const char *dir, const char *name)
{
    char *p = path_in(dir, name);
    bool ok = access(p, F_OK) == 0;

    free(p);
    return ok;
}

static void
close_saver(uv_loop_t *loop, struct state_saver *s)
{
    state_saver_close(s);
    uv_run(loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(loop), 0);
}

static void
test_final_save_and_load(void **state)
{
    struct session_table *t = table(), *t2 = table();
    char *dir = test_tmpdir();
    struct state_saver *s = malloc(sizeof(*s));
    uint64_t activity = 0;
    uv_loop_t loop;

    (void)state;
    uv_loop_init(&loop);
    assert_int_equal(state_load(t2, dir), 0); /* no file: nothing */
    feed_logins(t, 50);
    assert_int_equal(state_saver_init(s, &loop, t, &activity, dir), 0);
    assert_int_equal(state_save_final(s), 0);
    assert_true(exists(dir, STATE_FILE));
    assert_false(exists(dir, STATE_FILE ".tmp"));
    assert_int_equal(state_load(t2, dir), 50);
    assert_tables_match(t, t2);
    /* the same file again: every session is already open */
    assert_int_equal(state_load(t2, dir), 0);
    close_saver(&loop, s);
    session_table_free(t);
    session_table_free(t2);
    test_rmtree(dir);
    free(dir);
    free(s);
}

static void
test_periodic_save_in_slices(void **state)
{
    struct session_table *t = table(), *t2 = table();
    char *dir = test_tmpdir();
    struct state_saver *s = malloc(sizeof(*s));
    uint64_t activity = 1;
    uv_loop_t loop;
    int turns = 0;

    (void)state;
    setenv(STATE_INTERVAL_ENV, "5", 1);
    uv_loop_init(&loop);
    feed_logins(t, 900); /* more than one slice would be with a small one */
    assert_int_equal(state_saver_init(s, &loop, t, &activity, dir), 0);
    unsetenv(STATE_INTERVAL_ENV);
    while (!(exists(dir, STATE_FILE) && s->phase == STATE_IDLE)) {
        assert_true(++turns < 100000);
        uv_run(&loop, UV_RUN_ONCE);
    }
    assert_false(exists(dir, STATE_FILE ".tmp"));
    assert_int_equal(state_load(t2, dir), 900);
    assert_tables_match(t, t2);
    close_saver(&loop, s);
    session_table_free(t);
    session_table_free(t2);
    test_rmtree(dir);
    free(dir);
    free(s);
}

/*
 * A stop while a periodic save is at `phase` (writing its slices, or
 * fsyncing on the pool): the final save replaces it, every session is in
 * the file, no temporary stays, and the loop closes cleanly.
 */
static void
stop_during(enum state_phase phase)
{
    struct session_table *t = table(), *t2 = table();
    char *dir = test_tmpdir();
    struct state_saver *s = malloc(sizeof(*s));
    uint64_t activity = 1;
    uv_loop_t loop;
    int turns = 0;

    setenv(STATE_INTERVAL_ENV, "1", 1);
    uv_loop_init(&loop);
    feed_logins(t, 3 * STATE_SAVE_SLICE); /* three slices */
    assert_int_equal(state_saver_init(s, &loop, t, &activity, dir), 0);
    unsetenv(STATE_INTERVAL_ENV);
    while (s->phase != phase) {
        assert_true(++turns < 100000);
        uv_run(&loop, UV_RUN_ONCE);
    }
    assert_int_equal(state_save_final(s), 0);
    assert_int_equal(s->phase, STATE_IDLE);
    close_saver(&loop, s);
    assert_false(exists(dir, STATE_FILE ".tmp"));
    assert_int_equal(state_load(t2, dir), 3 * STATE_SAVE_SLICE);
    session_table_free(t);
    session_table_free(t2);
    test_rmtree(dir);
    free(dir);
    free(s);
}

static void
test_stop_abandons_periodic_save(void **state)
{
    (void)state;
    stop_during(STATE_WRITING);
    stop_during(STATE_SYNCING);
}

static void
write_file(const char *dir, const char *name, const char *data, size_t n)
{
    char *p = path_in(dir, name);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, n), (ssize_t)n);
    close(fd);
    free(p);
}

static void
test_load_bad_file_set_aside(void **state)
{
    struct session_table *t = table();
    char *dir = test_tmpdir();

    (void)state;
    write_file(dir, STATE_FILE, "garbage\n", 8);
    assert_int_equal(state_load(t, dir), 0);
    assert_false(exists(dir, STATE_FILE));
    assert_true(exists(dir, STATE_FILE ".bad"));
    write_file(dir, STATE_FILE, "", 0);
    assert_int_equal(state_load(t, dir), 0);
    assert_false(exists(dir, STATE_FILE));
    session_table_free(t);
    test_rmtree(dir);
    free(dir);
}

/* The loader's own line splitting: an overlong line across reads, a cut
 * last line, and good lines around them. */
/* Append the state line of the next open session of t. */
static void
put_next(struct buf *b, const struct session_table *t, size_t *pos)
{
    const struct session *s = session_table_next(t, pos);
    struct session_view v;

    assert_non_null(s);
    session_view(s, &v);
    assert_int_equal(state_format_session(&v, b), 0);
}

/* The loader's own line splitting: an overlong line across reads, a cut
 * last line, a duplicate, and good lines around them. */
static void
test_load_skips_bad_lines(void **state)
{
    struct session_table *t = table(), *t0 = table();
    char *dir = test_tmpdir();
    size_t pos = 0, dup;
    struct buf b;

    (void)state;
    feed_logins(t0, 3);
    buf_init(&b, 0);
    state_format_header(&b, T0, 5);
    put_next(&b, t0, &pos);
    for (size_t i = 0; i < 3 * (size_t)STATE_LINE_MAX; i++)
        buf_putc(&b, 'x');
    buf_putc(&b, '\n');
    dup = pos;
    put_next(&b, t0, &pos);
    put_next(&b, t0, &dup); /* the same session again: refused */
    put_next(&b, t0, &pos);
    b.len--; /* the last line cut short: no LF */
    assert_false(b.oom);
    write_file(dir, STATE_FILE, b.data, b.len);
    assert_int_equal(state_load(t, dir), 2);
    assert_int_equal(count_open(t), 2);
    assert_true(exists(dir, STATE_FILE));
    buf_done(&b);
    session_table_free(t0);
    session_table_free(t);
    test_rmtree(dir);
    free(dir);
}

static void
test_alloc_failure(void **state)
{
    struct session_table *t = table();
    char *dir = test_tmpdir();
    struct session_view v;
    unsigned long n;
    struct buf b;

    (void)state;
    view_plain(&v);
    for (n = 1;; n++) {
        int r;

        buf_init(&b, 0);
        mem_fail_set(n);
        r = state_format_session(&v, &b);
        mem_fail_set(0);
        buf_done(&b);
        if (r == 0)
            break;
        assert_int_equal(r, -ENOMEM);
    }
    buf_init(&b, 0);
    state_format_header(&b, T0, 1);
    assert_int_equal(state_format_session(&v, &b), 0);
    write_file(dir, STATE_FILE, b.data, b.len);
    buf_done(&b);
    for (n = 1;; n++) {
        int64_t r;

        mem_fail_set(n);
        r = state_load(t, dir);
        mem_fail_set(0);
        if (r == 1)
            break;
        assert_int_equal(r, -ENOMEM);
        assert_true(exists(dir, STATE_FILE)); /* never set aside */
        assert_int_equal(count_open(t), 0);
    }
    assert_true(n > 2);
    session_table_free(t);
    test_rmtree(dir);
    free(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_every_field),
        cmocka_unit_test(test_header_fixed_width),
        cmocka_unit_test(test_value_too_long_not_written),
        cmocka_unit_test(test_bad_lines_skipped),
        cmocka_unit_test(test_skip_reasons),
        cmocka_unit_test(test_bad_header),
        cmocka_unit_test(test_final_save_and_load),
        cmocka_unit_test(test_periodic_save_in_slices),
        cmocka_unit_test(test_stop_abandons_periodic_save),
        cmocka_unit_test(test_load_bad_file_set_aside),
        cmocka_unit_test(test_load_skips_bad_lines),
        cmocka_unit_test(test_alloc_failure),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
