/*
 * test_session.c - the session engine of model/session.h: keys, the sshd
 * story, failed attempts, locks, restarts, the max_open bound, idle expiry,
 * system accounts, deterministic ids, memory per session and an
 * allocation-failure pass.
 */
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "../../model/identity.h"
#include "../../model/render.h"
#include "../../model/session.h"
#include "testutil.h"

#define SEC 1000000LL
#define T0 (1710424459LL * SEC)
#define REC_MAX 64

/* What the emit callback saw: each record parsed back from its JSON. */
struct recs {
    cJSON *r[REC_MAX];
    size_t n;
};

static void
emit_cb(void *ctx, const struct session *s)
{
    struct recs *rs = ctx;
    struct buf b;

    buf_init(&b, 0);
    session_to_json(s, &b);
    assert_false(b.oom);
    assert_true(rs->n < REC_MAX);
    rs->r[rs->n] = cJSON_ParseWithLength(b.data, b.len);
    assert_non_null(rs->r[rs->n]);
    rs->n++;
    /* The text rendering must work on every record too. */
    buf_reset(&b);
    session_to_text(s, &b);
    assert_false(b.oom);
    buf_done(&b);
}

static void
recs_clear(struct recs *rs)
{
    for (size_t i = 0; i < rs->n; i++)
        cJSON_Delete(rs->r[i]);
    rs->n = 0;
}

static const char *
rstr(const struct recs *rs, size_t i, const char *key)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(rs->r[i], key);

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double
rnum(const struct recs *rs, size_t i, const char *key)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(rs->r[i], key);

    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static bool
rtrue(const struct recs *rs, size_t i, const char *key)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rs->r[i], key));
}

static void
mk(struct event *ev, const char *host, const char *id, enum ev_action a,
   enum ev_result r, int64_t t)
{
    event_init(ev);
    ev->time_us = t;
    ev->action = a;
    ev->result = r;
    ev->hostname = strv_from_cstr(host);
    ev->login_id = strv_from_cstr(id);
    ev->user = STRV_LIT("alice");
    ev->uid = STRV_LIT("1000");
    ev->format = STRV_LIT("sshd");
    ev->event_code = STRV_LIT("sshd-accepted");
    ev->login_type = EV_LOGIN_TYPE_REMOTE;
    identity_type_user(ev);
}

static struct session_table *
table(size_t max_open, int64_t idle_us, bool system)
{
    struct session_limits lim = {
        .idle_timeout_us = idle_us,
        .max_open = max_open,
        .include_system_accounts = system,
    };
    struct session_table *t = session_table_new(&lim);

    assert_non_null(t);
    return t;
}

static struct session_stats
stats(const struct session_table *t)
{
    struct session_stats st;

    session_table_stats(t, &st);
    assert_int_equal(st.opened - st.closed, st.open_now);
    return st;
}

static void
feed(struct session_table *t, struct event *ev, struct recs *rs)
{
    assert_int_equal(session_table_feed(t, ev, emit_cb, rs), 0);
}

static void
test_open_close_by_key(void **state)
{
    struct session_table *t = table(100, 0, false);
    struct recs rs = {0};
    struct event ev;
    char id[SESSION_ID_LEN + 1];

    (void)state;
    mk(&ev, "web01", "100", EV_ACTION_LOGIN, EV_RESULT_SUCCESS, T0);
    ev.src_ip = STRV_LIT("10.0.0.5");
    ev.src_port = 50438;
    feed(t, &ev, &rs);
    assert_int_equal(rs.n, 1);
    assert_int_equal(ev.session_id.n, SESSION_ID_LEN);
    memcpy(id, ev.session_id.p, SESSION_ID_LEN);
    id[SESSION_ID_LEN] = '\0';
    assert_string_equal(rstr(&rs, 0, "state"), "open");
    assert_string_equal(rstr(&rs, 0, "session_id"), id);
    assert_true(rtrue(&rs, 0, "login_successful"));
    assert_null(rstr(&rs, 0, "end"));

    /* Same key on another host: another session. */
    mk(&ev, "web02", "100", EV_ACTION_LOGIN, EV_RESULT_SUCCESS, T0 + SEC);
    feed(t, &ev, &rs);
    assert_int_equal(rs.n, 2);
    assert_int_equal(stats(t).open_now, 2);

    /* Logout on web01 closes the first one, duration 3723 s. */
    mk(&ev, "web01", "100", EV_ACTION_LOGOUT, EV_RESULT_NONE, T0 + 3723 * SEC);
    feed(t, &ev, &rs);
    assert_int_equal(rs.n, 3);
    assert_memory_equal(ev.session_id.p, id, SESSION_ID_LEN);
    assert_string_equal(rstr(&rs, 2, "state"), "closed");
    assert_string_equal(rstr(&rs, 2, "end_reason"), "logout");
    assert_string_equal(rstr(&rs, 2, "src_ip"), "10.0.0.5");
    assert_int_equal((int)rnum(&rs, 2, "src_port"), 50438);
    assert_int_equal((int)rnum(&rs, 2, "duration_s"), 3723);
    assert_int_equal((int)rnum(&rs, 2, "event_count"), 2);
    assert_string_equal(rstr(&rs, 2, "end"), "2024-03-14T14:56:22.000000Z");

    /* A second logout: nothing open.  It waits as an orphan for a login
     * read late from another source: no record, not the closed one. */
    feed(t, &ev, &rs);
    assert_int_equal(rs.n, 3);
    assert_true(strv_present(ev.session_id));
    assert_memory_not_equal(ev.session_id.p, id, SESSION_ID_LEN);

    /* Disconnect closes the web02 one. */
    mk(&ev, "web02", "100", EV_ACTION_DISCONNECT, EV_RESULT_NONE, T0 + 5 * SEC);
    feed(t, &ev, &rs);
    assert_string_equal(rstr(&rs, 3, "end_reason"), "disconnect");
    assert_int_equal(stats(t).open_now, 0);
    assert_int_equal(stats(t).closed, 2);
    recs_clear(&rs);
    session_table_free(t);
}

/* logind session ids start at 1 again on every boot: the boot id is part
 * of the key, and a new boot id is a restart that closes the host's
 * sessions (DESIGN 2); an event of the old boot read late changes nothing. */
static void
test_boot_id_in_key(void **state)
{
    struct session_table *t = table(100, 0, false);
    struct recs rs = {0};
    struct event ev;

    (void)state;
    mk(&ev, "pi4", "1", EV_ACTION_LOGIN, EV_RESULT_SUCCESS, T0);
    ev.boot_id = STRV_LIT("6a1f0c1e9b2d4c4e8f1a2b3c4d5e6f70");
    feed(t, &ev, &rs);
    mk(&ev, "pi4", "1", EV_ACTION_LOGIN, EV_RESULT_SUCCESS, T0 + 10 * SEC);
    ev.boot_id = STRV_LIT("0b7c2e4f6a8d4b1c9e3f5a7c9e1b3d5f");
    feed(t, &ev, &rs);
    assert_int_equal(stats(t).open_now, 1);
    assert_int_equal(stats(t).rebooted, 1);
    assert_int_equal(rs.n, 3);
    assert_string_equal(rstr(&rs, 1, "end_reason"), "reboot");
    assert_string_equal(rstr(&rs, 1, "end"), "2024-03-14T13:54:29.000000Z");
    assert_string_equal(rstr(&rs, 2, "state"), "open");
    assert_string_not_equal(rstr(&rs, 0, "session_id"),
                            rstr(&rs, 2, "session_id"));

    /* A lock of the old boot read late: its own key, nothing closed. */
    mk(&ev, "pi4", "1", EV_ACTION_LOCK, EV_RESULT_NONE, T0 + 5 * SEC);
    ev.boot_id = STRV_LIT("6a1f0c1e9b2d4c4e8f1a2b3c4d5e6f70");
    feed(t, &ev, &rs);
    assert_int_equal(stats(t).open_now, 1);
    assert_int_equal(rs.n, 3);

    /* The logout of the second boot closes that one. */
    mk(&ev, "pi4", "1", EV_ACTION_LOGOUT, EV_RESULT_NONE, T0 + 11 * SEC);
    ev.boot_id = STRV_LIT("0b7c2e4f6a8d4b1c9e3f5a7c9e1b3d5f");
    feed(t, &ev, &rs);
    assert_int_equal(stats(t).open_now, 0);
    assert_string_equal(rstr(&rs, 3, "end_reason"), "logout");
    assert_int_equal((int)rnum(&rs, 3, "duration_s"), 1);
    recs_clear(&rs);
    session_table_free(t);
}

static void
test_sshd_story(void **state)
{
    static const char *const codes[] = {"sshd-failed", "sshd-failed",
                                        "sshd-accepted", "pam-session-opened",
                                        "pam-session-closed"};
    struct session_table *t = table(100, 0, false);
    struct recs rs = {0};
    struct event ev;
    cJSON *src;

    (void)state;
    for (int i = 0; i < 5; i++) {
        mk(&ev, "web01", "4242", i < 4 ? EV_ACTION_LOGIN : EV_ACTION_LOGOUT,
           i < 2   ? EV_RESULT_FAILURE
           : i < 4 ? EV_RESULT_SUCCESS
                   : EV_RESULT_NONE,
           T0 + i * SEC);
        ev.event_code = strv_from_cstr(codes[i]);
        ev.auth_method = i < 2 ? STRV_LIT("password") : STRV_LIT("publickey");
        if (i < 2)
            ev.result_details = STRV_LIT("Incorrect password");
        ev.record_id = event_scratch_u64(&ev, (uint64_t)(100 + i));
        feed(t, &ev, &rs);
        assert_int_equal(ev.session_id.n, SESSION_ID_LEN);
    }
    /* opened (attempt), upserted on success, closed. */
    assert_int_equal(rs.n, 3);
    assert_false(rtrue(&rs, 0, "login_successful"));
    assert_int_equal((int)rnum(&rs, 0, "failure_count"), 1);
    assert_true(rtrue(&rs, 1, "login_successful"));
    assert_string_equal(rstr(&rs, 1, "state"), "open");
    assert_string_equal(rstr(&rs, 2, "end_reason"), "logout");
    assert_true(rtrue(&rs, 2, "login_successful"));
    assert_int_equal((int)rnum(&rs, 2, "failure_count"), 2);
    assert_string_equal(rstr(&rs, 2, "result_details"), "Incorrect password");
    assert_string_equal(rstr(&rs, 2, "auth_method"), "publickey");
    assert_int_equal((int)rnum(&rs, 2, "event_count"), 5);
    src = cJSON_GetObjectItem(rs.r[2], "sources");
    assert_int_equal(cJSON_GetArraySize(src), SESSION_SOURCES_MAX);
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetArrayItem(src, 2), "event_code")
            ->valuestring,
        "sshd-accepted");
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetArrayItem(src, 3), "record_id")
            ->valuestring,
        "103");
    for (size_t i = 1; i < rs.n; i++)
        assert_string_equal(rstr(&rs, i, "session_id"),
                            rstr(&rs, 0, "session_id"));
    assert_int_equal(stats(t).opened, 1);
    assert_int_equal(stats(t).failed, 0);
    recs_clear(&rs);
    session_table_free(t);
}

static void
test_failed_attempts(void **state)
{
    struct session_table *t = table(100, 0, false);
    struct recs rs = {0};
    struct event ev;

    (void)state;
    /* Closed by a disconnect: "failed". */
    mk(&ev, "web01", "1", EV_ACTION_LOGIN, EV_RESULT_FAILURE, T0);
    feed(t, &ev, &rs);
    mk(&ev, "web01", "1", EV_ACTION_LOGIN, EV_RESULT_FAILURE, T0 + SEC);
    feed(t, &ev, &rs);
    mk(&ev, "web01", "1", EV_ACTION_DISCONNECT, EV_RESULT_NONE, T0 + 2 * SEC);
    feed(t, &ev, &rs);
    assert_int_equal(rs.n, 2);
    assert_string_equal(rstr(&rs, 1, "end_reason"), "failed");
    assert_int_equal((int)rnum(&rs, 1, "failure_count"), 2);
    assert_false(rtrue(&rs, 1, "login_successful"));
    recs_clear(&rs);

    /* Closed by the attempt timeout, at the next expire() after it. */
    mk(&ev, "web01", "2", EV_ACTION_LOGIN, EV_RESULT_FAILURE, T0);
    feed(t, &ev, &rs);
    assert_int_equal(session_table_expire(t, T0 + 9 * 60 * SEC, emit_cb, &rs),
                     0);
    assert_int_equal(
        session_table_expire(t, T0 + 10 * 60 * SEC + 1, emit_cb, &rs), 1);
    assert_int_equal(rs.n, 2);
    assert_string_equal(rstr(&rs, 1, "end_reason"), "failed");
    assert_string_equal(rstr(&rs, 1, "end"), "2024-03-14T13:54:19.000000Z");
    recs_clear(&rs);

    /* No key: a one-shot closed session per failure; other actions
     * without a key are not tracked. */
    mk(&ev, "web01", NULL, EV_ACTION_LOGIN, EV_RESULT_FAILURE, T0);
    feed(t, &ev, &rs);
    assert_int_equal(rs.n, 1);
    assert_string_equal(rstr(&rs, 0, "state"), "closed");
    assert_string_equal(rstr(&rs, 0, "end_reason"), "failed");
    assert_int_equal((int)rnum(&rs, 0, "duration_s"), 0);
    assert_int_equal(ev.session_id.n, SESSION_ID_LEN);
    mk(&ev, "web01", NULL, EV_ACTION_LOGIN, EV_RESULT_SUCCESS, T0);
    feed(t, &ev, &rs);
    assert_int_equal(rs.n, 1);
    assert_false(strv_present(ev.session_id));
    assert_int_equal(stats(t).failed, 3);
    assert_int_equal(stats(t).open_now, 0);
    recs_clear(&rs);
    session_table_free(t);
}

static void
test_lock_and_admin(void **state)
{
    struct session_table *t = table(100, 0, false);
    struct recs rs = {0};
    struct event ev;

    (void)state;
    mk(&ev, "ws1", "0x3e7a", EV_ACTION_LOGIN, EV_RESULT_SUCCESS, T0);
    feed(t, &ev, &rs);
    for (int i = 0; i < 3; i++) {
        mk(&ev, "ws1", "0x3e7a", EV_ACTION_LOCK, EV_RESULT_NONE,
           T0 + (2 * i + 1) * SEC);
        feed(t, &ev, &rs);
        mk(&ev, "ws1", "0x3e7a", EV_ACTION_UNLOCK, EV_RESULT_SUCCESS,
           T0 + (2 * i + 2) * SEC);
        feed(t, &ev, &rs);
        assert_int_equal(ev.session_id.n, SESSION_ID_LEN);
    }
    assert_int_equal(rs.n, 1);
    /* 4672-style: no action, admin on the logon id. */
    mk(&ev, "ws1", "0x3e7a", EV_ACTION_NONE, EV_RESULT_NONE, T0 + 10 * SEC);
    ev.admin = true;
    feed(t, &ev, &rs);
    mk(&ev, "ws1", "0x3e7a", EV_ACTION_LOGOUT, EV_RESULT_NONE, T0 + 20 * SEC);
    feed(t, &ev, &rs);
    assert_int_equal(rs.n, 2);
    assert_int_equal((int)rnum(&rs, 1, "lock_count"), 3);
    assert_true(rtrue(&rs, 1, "admin"));
    assert_int_equal((int)rnum(&rs, 1, "event_count"), 9);
    recs_clear(&rs);

    /* uid 0 is Admin. */
    mk(&ev, "ws1", "7", EV_ACTION_LOGIN, EV_RESULT_SUCCESS, T0);
    ev.user = STRV_LIT("root");
    ev.user_name = STRV_NULL;
    ev.uid = STRV_LIT("0");
    ev.user_type = EV_USER_TYPE_NONE;
    identity_type_user(&ev);
    feed(t, &ev, &rs);
    assert_true(rtrue(&rs, 0, "admin"));
    assert_string_equal(rstr(&rs, 0, "user_type"), "Admin");
    recs_clear(&rs);
    session_table_free(t);
}

static void
test_restart(void **state)
{
    struct session_table *t = table(100, 0, false);
    struct recs rs = {0};
    struct event ev;
    char id[8];

    (void)state;
    for (int i = 0; i < 40; i++) {
        snprintf(id, sizeof(id), "%d", i);
        mk(&ev, i % 2 ? "a" : "b", id, EV_ACTION_LOGIN, EV_RESULT_SUCCESS,
           T0 + i);
        feed(t, &ev, &rs);
        recs_clear(&rs);
    }
    mk(&ev, "a", NULL, EV_ACTION_RESTART, EV_RESULT_NONE, T0 + 100 * SEC);
    assert_int_equal(session_table_feed(t, &ev, emit_cb, &rs), 0);
    assert_int_equal(rs.n, 20);
    for (size_t i = 0; i < rs.n; i++) {
        assert_string_equal(rstr(&rs, i, "hostname"), "a");
        assert_string_equal(rstr(&rs, i, "end_reason"), "reboot");
    }
    assert_int_equal(stats(t).open_now, 20);
    recs_clear(&rs);
    /* Host b's sessions are all still there. */
    for (int i = 0; i < 40; i += 2) {
        snprintf(id, sizeof(id), "%d", i);
        mk(&ev, "b", id, EV_ACTION_LOGOUT, EV_RESULT_NONE, T0 + 200 * SEC);
        feed(t, &ev, &rs);
        assert_int_equal(ev.session_id.n, SESSION_ID_LEN);
    }
    assert_int_equal(rs.n, 20);
    assert_int_equal(stats(t).open_now, 0);
    recs_clear(&rs);
    session_table_free(t);
}

static void
test_eviction(void **state)
{
    struct session_table *t = table(8, 0, false);
    struct recs rs = {0};
    struct event ev;
    char id[8];

    (void)state;
    for (int i = 0; i < 8; i++) {
        snprintf(id, sizeof(id), "%d", i);
        mk(&ev, "h", id, EV_ACTION_LOGIN, EV_RESULT_SUCCESS, T0 + i * SEC);
        feed(t, &ev, &rs);
    }
    /* Touch session 0: session 1 becomes the least recently active. */
    mk(&ev, "h", "0", EV_ACTION_LOCK, EV_RESULT_NONE, T0 + 50 * SEC);
    feed(t, &ev, &rs);
    recs_clear(&rs);
    for (int i = 8; i < 13; i++) {
        snprintf(id, sizeof(id), "%d", i);
        mk(&ev, "h", id, EV_ACTION_LOGIN, EV_RESULT_SUCCESS, T0 + 100 * SEC);
        feed(t, &ev, &rs);
        assert_int_equal(rs.n, 2);
        assert_string_equal(rstr(&rs, 0, "end_reason"), "evicted");
        snprintf(id, sizeof(id), "%d", i - 7);
        assert_string_equal(rstr(&rs, 0, "login_id"), id);
        assert_string_equal(rstr(&rs, 1, "state"), "open");
        recs_clear(&rs);
    }
    assert_int_equal(stats(t).evicted, 5);
    assert_int_equal(stats(t).open_now, 8);
    /* Session 0 survived. */
    mk(&ev, "h", "0", EV_ACTION_LOGOUT, EV_RESULT_NONE, T0 + 200 * SEC);
    feed(t, &ev, &rs);
    assert_int_equal(rs.n, 1);
    assert_string_equal(rstr(&rs, 0, "end_reason"), "logout");
    recs_clear(&rs);
    session_table_free(t);
}

static void
test_idle_expiry(void **state)
{
    struct session_table *t = table(100, 3600 * SEC, false);
    struct recs rs = {0};
    struct event ev;

    (void)state;
    mk(&ev, "h", "1", EV_ACTION_LOGIN, EV_RESULT_SUCCESS, T0);
    feed(t, &ev, &rs);
    mk(&ev, "h", "2", EV_ACTION_LOGIN, EV_RESULT_SUCCESS, T0 + 1800 * SEC);
    feed(t, &ev, &rs);
    recs_clear(&rs);
    assert_int_equal(session_table_expire(t, T0 + 3600 * SEC, emit_cb, &rs), 0);
    assert_int_equal(session_table_expire(t, T0 + 3601 * SEC, emit_cb, &rs), 1);
    assert_string_equal(rstr(&rs, 0, "login_id"), "1");
    assert_string_equal(rstr(&rs, 0, "end_reason"), "expired");
    /* Activity keeps a session alive. */
    mk(&ev, "h", "2", EV_ACTION_LOCK, EV_RESULT_NONE, T0 + 5000 * SEC);
    feed(t, &ev, &rs);
    assert_int_equal(session_table_expire(t, T0 + 5500 * SEC, emit_cb, &rs), 0);
    assert_int_equal(session_table_expire(t, T0 + 8601 * SEC, emit_cb, &rs), 1);
    assert_int_equal(stats(t).expired, 2);
    assert_int_equal(stats(t).open_now, 0);
    recs_clear(&rs);
    session_table_free(t);

    /* idle_timeout 0: never expire. */
    t = table(100, 0, false);
    mk(&ev, "h", "1", EV_ACTION_LOGIN, EV_RESULT_SUCCESS, T0);
    feed(t, &ev, &rs);
    assert_int_equal(session_table_expire(t, INT64_MAX, emit_cb, &rs), 0);
    recs_clear(&rs);
    session_table_free(t);
}

static void
test_system_accounts(void **state)
{
    struct session_table *t;
    struct recs rs = {0};
    struct event ev;

    (void)state;
    for (int inc = 0; inc < 2; inc++) {
        t = table(100, 0, inc);
        event_init(&ev);
        ev.time_us = T0;
        ev.action = EV_ACTION_LOGIN;
        ev.result = EV_RESULT_SUCCESS;
        ev.hostname = STRV_LIT("dc1");
        ev.login_id = STRV_LIT("0x3e7");
        ev.uid = STRV_LIT("S-1-5-18");
        identity_type_user(&ev);
        feed(t, &ev, &rs);
        /* A machine account on a network logon. */
        ev.login_id = STRV_LIT("0x1234");
        ev.uid = STRV_NULL;
        ev.user = STRV_LIT("CORP\\WS01$");
        ev.user_type = EV_USER_TYPE_NONE;
        ev.logon_type = 3;
        identity_type_user(&ev);
        feed(t, &ev, &rs);
        /* ...and on an interactive one: tracked either way. */
        ev.login_id = STRV_LIT("0x5678");
        ev.logon_type = 10;
        feed(t, &ev, &rs);
        assert_int_equal(rs.n, inc ? 3 : 1);
        assert_int_equal(stats(t).open_now, inc ? 3 : 1);
        recs_clear(&rs);
        session_table_free(t);
    }
}

static void
run_story(struct session_table *t, struct recs *rs, char ids[][17], size_t *n)
{
    struct event ev;
    char id[8];

    for (int i = 0; i < 6; i++) {
        snprintf(id, sizeof(id), "%d", i % 3);
        mk(&ev, "h", id, i < 3 ? EV_ACTION_LOGIN : EV_ACTION_LOGOUT,
           i < 3 ? EV_RESULT_SUCCESS : EV_RESULT_NONE, T0 + i * SEC);
        feed(t, &ev, rs);
        memcpy(ids[*n], ev.session_id.p, SESSION_ID_LEN);
        ids[(*n)++][SESSION_ID_LEN] = '\0';
    }
}

static void
test_deterministic_ids(void **state)
{
    char a[6][17], b[6][17];
    size_t na = 0, nb = 0;
    struct recs rs = {0};
    struct session_table *t = table(100, 0, false);

    (void)state;
    run_story(t, &rs, a, &na);
    session_table_free(t);
    recs_clear(&rs);
    t = table(100, 0, false);
    /* Unrelated activity first: ids do not depend on table history. */
    run_story(t, &rs, b, &nb);
    nb = 0;
    run_story(t, &rs, b, &nb);
    session_table_free(t);
    recs_clear(&rs);
    for (size_t i = 0; i < 6; i++) {
        assert_string_equal(a[i], b[i]);
        for (size_t k = 0; k < SESSION_ID_LEN; k++)
            assert_non_null(strchr("0123456789abcdef", a[i][k]));
    }
    assert_string_not_equal(a[0], a[1]);
    assert_string_equal(a[0], a[3]);
}

static void
test_long_strings(void **state)
{
    struct session_table *t = table(100, 0, false);
    struct recs rs = {0};
    struct event ev;
    char big[1000];

    (void)state;
    memset(big, 'x', sizeof(big));
    mk(&ev, "h", "1", EV_ACTION_LOGIN, EV_RESULT_SUCCESS, T0);
    ev.user = strv_make(big, sizeof(big));
    ev.user_name = STRV_NULL;
    ev.src_ip = STRV_LIT("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
    ev.result_details = strv_make(big, 300);
    ev.record_id = strv_make(big, 500);
    feed(t, &ev, &rs);
    assert_int_equal(strlen(rstr(&rs, 0, "user")), 255);
    assert_string_equal(rstr(&rs, 0, "src_ip"),
                        "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
    recs_clear(&rs);
    session_table_free(t);
}

/* Heap bytes per open session for typical Linux values (malloc's own
 * accounting, including hash and heap slots). */
static void
test_memory_per_session(void **state)
{
    struct session_table *t = table(200000, 0, false);
    struct recs rs = {0};
    struct event ev;
    struct mallinfo2 m0, m1;
    const int n = 20000;
    char id[16], rec[16];
    double per;

    (void)state;
    m0 = mallinfo2();
    for (int i = 0; i < n; i++) {
        snprintf(id, sizeof(id), "%d", 10000 + i);
        snprintf(rec, sizeof(rec), "%d", 500000 + i);
        mk(&ev, "web01", id, EV_ACTION_LOGIN, EV_RESULT_SUCCESS, T0 + i);
        ev.src_ip = STRV_LIT("192.168.10.15");
        ev.src_port = 50000;
        ev.auth_method = STRV_LIT("publickey");
        ev.record_id = strv_from_cstr(rec);
        assert_int_equal(session_table_feed(t, &ev, NULL, NULL), 0);
        ev.event_code = STRV_LIT("pam-session-opened");
        ev.format = STRV_LIT("pam");
        assert_int_equal(session_table_feed(t, &ev, NULL, NULL), 0);
    }
    m1 = mallinfo2();
    per = (double)(m1.uordblks - m0.uordblks) / n;
    print_message("memory per open session: %.1f bytes\n", per);
    assert_true(per <= 320);
    recs_clear(&rs);
    session_table_free(t);
}

/* Emit callback for the allocation-failure pass: no allocation, checks
 * the record through the view. */
static void
emit_view_cb(void *ctx, const struct session *s)
{
    struct session_view v;
    size_t *n = ctx;

    session_view(s, &v);
    assert_int_equal(v.session_id.n, SESSION_ID_LEN);
    assert_true(v.n_sources <= SESSION_SOURCES_MAX);
    if (v.state == SESSION_STATE_CLOSED)
        assert_true(v.end_us >= v.start_us);
    (*n)++;
}

/* A mixed scenario used by the allocation-failure pass; ignores -ENOMEM
 * but checks the counters stay consistent. */
static void
alloc_scenario(struct session_table *t)
{
    struct event ev;
    char id[8], big[300];
    size_t emitted = 0;

    memset(big, 'y', sizeof(big));
    for (int i = 0; i < 40; i++) {
        snprintf(id, sizeof(id), "%d", i % 12);
        mk(&ev, i % 3 ? "a" : "b", id,
           (i % 5 == 4) ? EV_ACTION_LOGOUT : EV_ACTION_LOGIN,
           (i % 4 == 0) ? EV_RESULT_FAILURE : EV_RESULT_SUCCESS, T0 + i * SEC);
        if (i % 7 == 0)
            ev.result_details = strv_make(big, sizeof(big));
        ev.event_code = (i % 2) ? STRV_LIT("x1") : STRV_LIT("x2");
        ev.record_id = event_scratch_u64(&ev, (uint64_t)i);
        if (i % 9 == 0)
            ev.login_id = STRV_NULL;
        (void)session_table_feed(t, &ev, emit_view_cb, &emitted);
        (void)stats(t);
    }
    mk(&ev, "a", NULL, EV_ACTION_RESTART, EV_RESULT_NONE, T0 + 100 * SEC);
    (void)session_table_feed(t, &ev, emit_view_cb, &emitted);
    (void)session_table_expire(t, T0 + 3600 * SEC, emit_view_cb, &emitted);
    assert_int_equal(stats(t).open_now, 0);
}

static void
test_alloc_failures(void **state)
{
    struct session_limits lim = {.idle_timeout_us = 60 * SEC, .max_open = 5};
    unsigned long n;

    (void)state;
    for (n = 1;; n++) {
        struct session_table *t;
        unsigned long used;

        mem_fail_set(n);
        t = session_table_new(&lim);
        if (t != NULL)
            alloc_scenario(t);
        session_table_free(t);
        used = mem_fail_set(0);
        if (used < n)
            break; /* the scenario ran without reaching failure n */
    }
    assert_true(n > 10);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_close_by_key),
        cmocka_unit_test(test_boot_id_in_key),
        cmocka_unit_test(test_sshd_story),
        cmocka_unit_test(test_failed_attempts),
        cmocka_unit_test(test_lock_and_admin),
        cmocka_unit_test(test_restart),
        cmocka_unit_test(test_eviction),
        cmocka_unit_test(test_idle_expiry),
        cmocka_unit_test(test_system_accounts),
        cmocka_unit_test(test_deterministic_ids),
        cmocka_unit_test(test_long_strings),
        cmocka_unit_test(test_memory_per_session),
        cmocka_unit_test(test_alloc_failures),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
