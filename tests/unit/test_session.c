/*
 * test_session.c - the session engine of model/session.h: keys, the sshd
 * story, failed attempts, locks, restarts, the max_open bound, idle expiry,
 * system accounts, deterministic ids, no allocation per session and an
 * allocation-failure pass.
 */
#include <errno.h>
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
    assert_int_equal(st.opened + st.restored - st.closed, st.open_now);
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

    /* A second report of the logoff (pam after sshd) within the merge
     * window: the closed session's id, no record. */
    feed(t, &ev, &rs);
    assert_int_equal(rs.n, 3);
    assert_memory_equal(ev.session_id.p, id, SESSION_ID_LEN);

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

/* A typical session needs no allocation of its own: its strings fit its
 * slot, the slab takes a chunk per 256 sessions, and the hash and heaps
 * grow geometrically.  (Bytes per session are
 * measured by tests/bench/bench_sessions.sh.) */
static void
test_no_allocation_per_session(void **state)
{
    struct session_table *t = table(200000, 0, false);
    struct event ev;
    const int n = 20000;
    char id[16], rec[16];
    unsigned long allocs;

    (void)state;
    mem_fail_set(0);
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
    allocs = mem_fail_set(0);
    print_message("allocations for %d open sessions: %lu\n", n, allocs);
    assert_true(allocs < (unsigned long)n / 100);
    assert_int_equal(stats(t).open_now, n);
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

/* A Windows event as the semantic table makes it (docs/windows-events.md). */
static void
mkwin(struct event *ev, const char *code, const char *id, enum ev_action a,
      enum ev_result r, int64_t t, const char *ip)
{
    event_init(ev);
    ev->time_us = t;
    ev->action = a;
    ev->result = r;
    ev->hostname = STRV_LIT("WS01.corp.example");
    ev->login_id = id ? strv_from_cstr(id) : STRV_NULL;
    ev->user = STRV_LIT("CORP\\bob");
    ev->user_name = STRV_LIT("bob");
    ev->user_domain = STRV_LIT("CORP");
    ev->format = STRV_LIT("windows-xml");
    ev->event_code = strv_from_cstr(code);
    ev->login_type = EV_LOGIN_TYPE_RDP;
    ev->src_ip = ip ? strv_from_cstr(ip) : STRV_NULL;
    if (strcmp(code, "4624") == 0 || strcmp(code, "4625") == 0)
        ev->logon_type = 10;
    identity_type_user(ev);
}

static const char *
src_code(const struct recs *rs, size_t i, int k)
{
    cJSON *a = cJSON_GetObjectItemCaseSensitive(rs->r[i], "sources");
    cJSON *e = cJSON_GetArrayItem(a, k);
    cJSON *v = cJSON_GetObjectItemCaseSensitive(e, "event_code");

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The RDP story of DESIGN 3: 1149, 4624/10, 4672, LSM 21 and 22 are one
 * session; a disconnect ends it; a reconnect from another address starts
 * a new one linked to it; 4778 and LSM 25 report the same reconnect; the
 * logoff (4647, then LSM 23) ends the second. */
static void
test_rdp_story(void **state)
{
    struct session_table *t = table(100, 0, false);
    struct recs rs = {0};
    struct event ev;
    char a[SESSION_ID_LEN + 1], b[SESSION_ID_LEN + 1];

    (void)state;
    mkwin(&ev, "RCM-1149", NULL, EV_ACTION_LOGIN, EV_RESULT_NONE, T0,
          "10.0.0.5");
    feed(t, &ev, &rs);
    assert_int_equal(rs.n, 1);
    assert_false(rtrue(&rs, 0, "login_successful"));
    snprintf(a, sizeof(a), "%s", rstr(&rs, 0, "session_id"));
    mkwin(&ev, "4624", "0x1a2b", EV_ACTION_LOGIN, EV_RESULT_SUCCESS, T0 + SEC,
          "10.0.0.5");
    ev.uid = STRV_LIT("S-1-5-21-3623811015-3361044348-30300820-1013");
    ev.auth_method = STRV_LIT("Negotiate");
    identity_type_user(&ev);
    feed(t, &ev, &rs);
    assert_int_equal(rs.n, 2);
    assert_string_equal(rstr(&rs, 1, "session_id"), a);
    assert_true(rtrue(&rs, 1, "login_successful"));
    mkwin(&ev, "4672", "0x1a2b", EV_ACTION_NONE, EV_RESULT_NONE, T0 + SEC,
          NULL);
    ev.admin = true;
    feed(t, &ev, &rs);
    mkwin(&ev, "LSM-21", "2", EV_ACTION_LOGIN, EV_RESULT_SUCCESS, T0 + 2 * SEC,
          "10.0.0.5");
    feed(t, &ev, &rs);
    assert_memory_equal(ev.session_id.p, a, SESSION_ID_LEN);
    mkwin(&ev, "LSM-22", "2", EV_ACTION_LOGIN, EV_RESULT_SUCCESS, T0 + 2 * SEC,
          "10.0.0.5");
    feed(t, &ev, &rs);
    assert_memory_equal(ev.session_id.p, a, SESSION_ID_LEN);
    assert_int_equal(rs.n, 2);
    assert_int_equal(stats(t).open_now, 1);
    assert_int_equal(stats(t).merged, 2);

    /* Disconnect (4779, then LSM 24 for the same): A closes once. */
    mkwin(&ev, "4779", "0x1a2b", EV_ACTION_DISCONNECT, EV_RESULT_NONE,
          T0 + 600 * SEC, "10.0.0.5");
    feed(t, &ev, &rs);
    mkwin(&ev, "LSM-24", "2", EV_ACTION_DISCONNECT, EV_RESULT_NONE,
          T0 + 600 * SEC, "10.0.0.5");
    feed(t, &ev, &rs);
    assert_memory_equal(ev.session_id.p, a, SESSION_ID_LEN);
    assert_int_equal(rs.n, 3);
    assert_string_equal(rstr(&rs, 2, "end_reason"), "disconnect");
    assert_int_equal((int)rnum(&rs, 2, "duration_s"), 600);
    assert_true(rtrue(&rs, 2, "admin"));
    assert_string_equal(rstr(&rs, 2, "uid"),
                        "S-1-5-21-3623811015-3361044348-30300820-1013");
    assert_string_equal(rstr(&rs, 2, "user_name"), "bob");
    assert_string_equal(rstr(&rs, 2, "user_domain"), "CORP");
    assert_string_equal(src_code(&rs, 2, 0), "RCM-1149");
    assert_string_equal(src_code(&rs, 2, 1), "4624");
    assert_string_equal(src_code(&rs, 2, 2), "4672");
    assert_string_equal(src_code(&rs, 2, 3), "LSM-21");
    assert_int_equal((int)rnum(&rs, 2, "event_count"), 6);

    /* Reconnect from another address: 4778, then LSM 25 - one session. */
    mkwin(&ev, "4778", "0x1a2b", EV_ACTION_RECONNECT, EV_RESULT_SUCCESS,
          T0 + 3600 * SEC, "10.0.0.9");
    feed(t, &ev, &rs);
    assert_int_equal(rs.n, 4);
    snprintf(b, sizeof(b), "%s", rstr(&rs, 3, "session_id"));
    assert_string_not_equal(a, b);
    assert_string_equal(rstr(&rs, 3, "previous_session_id"), a);
    assert_string_equal(rstr(&rs, 3, "src_ip"), "10.0.0.9");
    assert_string_equal(rstr(&rs, 3, "state"), "open");
    assert_true(rtrue(&rs, 3, "admin"));
    mkwin(&ev, "LSM-25", "2", EV_ACTION_RECONNECT, EV_RESULT_SUCCESS,
          T0 + 3601 * SEC, "10.0.0.9");
    feed(t, &ev, &rs);
    assert_memory_equal(ev.session_id.p, b, SESSION_ID_LEN);
    assert_int_equal(rs.n, 4);

    /* Logoff: 4647 closes B; LSM 23 is another report of it. */
    mkwin(&ev, "4647", "0x1a2b", EV_ACTION_LOGOUT, EV_RESULT_NONE,
          T0 + 7200 * SEC, NULL);
    feed(t, &ev, &rs);
    mkwin(&ev, "LSM-23", "2", EV_ACTION_LOGOUT, EV_RESULT_NONE, T0 + 7201 * SEC,
          NULL);
    feed(t, &ev, &rs);
    assert_memory_equal(ev.session_id.p, b, SESSION_ID_LEN);
    assert_int_equal(rs.n, 5);
    assert_string_equal(rstr(&rs, 4, "session_id"), b);
    assert_string_equal(rstr(&rs, 4, "end_reason"), "logout");
    assert_int_equal((int)rnum(&rs, 4, "duration_s"), 3600);
    assert_int_equal(stats(t).open_now, 0);
    assert_int_equal(stats(t).reconnects, 1);
    /* Nothing left waiting once the window has passed. */
    session_table_expire(t, T0 + 8000 * SEC, emit_cb, &rs);
    assert_int_equal(rs.n, 5);
    assert_int_equal(stats(t).orphans, 0);
    recs_clear(&rs);
    session_table_free(t);
}

/* A reconnect while the segment is still open (no disconnect seen) ends
 * it; two users' logons within the window stay apart. */
static void
test_reconnect_open_segment(void **state)
{
    struct session_table *t = table(100, 0, false);
    struct recs rs = {0};
    struct event ev;

    (void)state;
    mkwin(&ev, "4624", "0x10", EV_ACTION_LOGIN, EV_RESULT_SUCCESS, T0,
          "10.0.0.5");
    feed(t, &ev, &rs);
    mkwin(&ev, "4624", "0x11", EV_ACTION_LOGIN, EV_RESULT_SUCCESS, T0 + SEC,
          "10.0.0.6");
    ev.user = STRV_LIT("CORP\\carol");
    ev.user_name = STRV_LIT("carol");
    feed(t, &ev, &rs);
    /* bob's second RDP logon (another logon id) within the window: its
     * own session - a session never takes two logon ids. */
    mkwin(&ev, "4624", "0x12", EV_ACTION_LOGIN, EV_RESULT_SUCCESS, T0 + 2 * SEC,
          "10.0.0.7");
    feed(t, &ev, &rs);
    assert_int_equal(stats(t).open_now, 3);
    assert_int_equal(stats(t).merged, 0);
    recs_clear(&rs);
    mkwin(&ev, "4778", "0x10", EV_ACTION_RECONNECT, EV_RESULT_SUCCESS,
          T0 + 900 * SEC, "10.0.0.8");
    feed(t, &ev, &rs);
    assert_int_equal(rs.n, 2);
    assert_string_equal(rstr(&rs, 0, "end_reason"), "disconnect");
    assert_string_equal(rstr(&rs, 1, "previous_session_id"),
                        rstr(&rs, 0, "session_id"));
    assert_string_equal(rstr(&rs, 1, "src_ip"), "10.0.0.8");
    assert_int_equal(stats(t).open_now, 3);
    recs_clear(&rs);
    session_table_free(t);
}

/* RCM 1149 then 4625 for the same user: one failed session.  A 1149
 * alone expires as an attempt. */
static void
test_rdp_failed_attempt(void **state)
{
    struct session_table *t = table(100, 0, false);
    struct recs rs = {0};
    struct event ev;

    (void)state;
    mkwin(&ev, "RCM-1149", NULL, EV_ACTION_LOGIN, EV_RESULT_NONE, T0,
          "10.0.0.5");
    feed(t, &ev, &rs);
    mkwin(&ev, "4625", NULL, EV_ACTION_LOGIN, EV_RESULT_FAILURE, T0 + SEC,
          "10.0.0.5");
    ev.result_details = STRV_LIT("Incorrect password (0xC000006A)");
    feed(t, &ev, &rs);
    assert_int_equal(rs.n, 2);
    assert_string_equal(rstr(&rs, 1, "session_id"), rstr(&rs, 0, "session_id"));
    assert_string_equal(rstr(&rs, 1, "end_reason"), "failed");
    assert_int_equal((int)rnum(&rs, 1, "failure_count"), 1);
    assert_string_equal(rstr(&rs, 1, "result_details"),
                        "Incorrect password (0xC000006A)");
    /* A second 4625: a one-shot failure of its own. */
    feed(t, &ev, &rs);
    assert_int_equal(rs.n, 3);
    assert_string_not_equal(rstr(&rs, 2, "session_id"),
                            rstr(&rs, 0, "session_id"));
    assert_string_equal(rstr(&rs, 2, "end_reason"), "failed");

    mkwin(&ev, "RCM-1149", NULL, EV_ACTION_LOGIN, EV_RESULT_NONE,
          T0 + 100 * SEC, "10.0.0.5");
    feed(t, &ev, &rs);
    assert_int_equal(session_table_expire(t, T0 + 800 * SEC, emit_cb, &rs), 1);
    assert_string_equal(rstr(&rs, 4, "end_reason"), "expired");
    assert_false(rtrue(&rs, 4, "login_successful"));
    assert_int_equal(stats(t).open_now, 0);
    recs_clear(&rs);
    session_table_free(t);
}

/* Out of order: a logout read before its login (another source was
 * behind) still closes the right session, with the id its event got. */
static void
test_out_of_order(void **state)
{
    struct session_table *t = table(100, 0, false);
    struct recs rs = {0};
    struct event ev;
    char id[SESSION_ID_LEN];

    (void)state;
    mk(&ev, "web01", "4242", EV_ACTION_LOGOUT, EV_RESULT_NONE, T0 + 60 * SEC);
    feed(t, &ev, &rs);
    assert_int_equal(rs.n, 0);
    assert_true(strv_present(ev.session_id));
    memcpy(id, ev.session_id.p, SESSION_ID_LEN);
    assert_int_equal(stats(t).open_now, 0);
    mk(&ev, "web01", "4242", EV_ACTION_LOGIN, EV_RESULT_SUCCESS, T0);
    ev.src_ip = STRV_LIT("192.0.2.7");
    feed(t, &ev, &rs);
    assert_memory_equal(ev.session_id.p, id, SESSION_ID_LEN);
    /* It opens and closes in one call: one record, closed. */
    assert_int_equal(rs.n, 1);
    assert_string_equal(rstr(&rs, 0, "state"), "closed");
    assert_memory_equal(rstr(&rs, 0, "session_id"), id, SESSION_ID_LEN);
    assert_string_equal(rstr(&rs, 0, "end_reason"), "logout");
    assert_int_equal((int)rnum(&rs, 0, "duration_s"), 60);
    assert_string_equal(rstr(&rs, 0, "src_ip"), "192.0.2.7");
    assert_int_equal(stats(t).open_now, 0);

    /* An orphan nobody claims is dropped and counted. */
    mk(&ev, "web01", "777", EV_ACTION_LOGOUT, EV_RESULT_NONE, T0);
    feed(t, &ev, &rs);
    session_table_expire(t, T0 + 3600 * SEC, emit_cb, &rs);
    assert_int_equal(stats(t).orphans, 1);
    assert_int_equal(rs.n, 1);
    recs_clear(&rs);
    session_table_free(t);
}

/* Open sessions iterate, save as views and restore into a new table with
 * their ids, keys and counters; the logout then closes them. */
static void
test_restore(void **state)
{
    struct session_table *t = table(100, 0, false), *t2 = table(100, 0, false);
    struct recs rs = {0};
    struct event ev;
    const struct session *s;
    struct session_view v;
    size_t pos = 0, n = 0;
    char id[SESSION_ID_LEN + 1];

    (void)state;
    mkwin(&ev, "4624", "0x77", EV_ACTION_LOGIN, EV_RESULT_SUCCESS, T0,
          "10.1.2.3");
    ev.uid = STRV_LIT("S-1-5-21-1-2-3-500");
    identity_type_user(&ev);
    feed(t, &ev, &rs);
    snprintf(id, sizeof(id), "%s", rstr(&rs, 0, "session_id"));
    mkwin(&ev, "4800", "0x77", EV_ACTION_LOCK, EV_RESULT_NONE, T0 + 5 * SEC,
          NULL);
    feed(t, &ev, &rs);
    mk(&ev, "web01", "99", EV_ACTION_LOGIN, EV_RESULT_FAILURE, T0);
    feed(t, &ev, &rs);
    while ((s = session_table_next(t, &pos)) != NULL) {
        session_view(s, &v);
        assert_int_equal(session_table_restore(t2, &v), 0);
        assert_int_equal(session_table_restore(t2, &v), -EEXIST);
        n++;
    }
    assert_int_equal(n, 2);
    assert_int_equal(stats(t2).restored, 2);
    assert_int_equal(stats(t2).open_now, 2);
    v.session_id = STRV_LIT("not-an-id");
    assert_int_equal(session_table_restore(t2, &v), -EINVAL);
    recs_clear(&rs);
    mkwin(&ev, "4634", "0x77", EV_ACTION_LOGOUT, EV_RESULT_NONE, T0 + 100 * SEC,
          NULL);
    feed(t2, &ev, &rs);
    assert_int_equal(rs.n, 1);
    assert_string_equal(rstr(&rs, 0, "session_id"), id);
    assert_string_equal(rstr(&rs, 0, "end_reason"), "logout");
    assert_int_equal((int)rnum(&rs, 0, "duration_s"), 100);
    assert_int_equal((int)rnum(&rs, 0, "lock_count"), 1);
    assert_int_equal((int)rnum(&rs, 0, "event_count"), 3);
    assert_string_equal(rstr(&rs, 0, "uid"), "S-1-5-21-1-2-3-500");
    assert_string_equal(rstr(&rs, 0, "src_ip"), "10.1.2.3");
    recs_clear(&rs);
    session_table_free(t);
    session_table_free(t2);
}

/* Logon ids repeat after a reboot that was not forwarded: a second 4624
 * for an open logon id a day later is a new session; the old one ends at
 * its last activity.  The same 4624 replayed (same time) is not. */
static void
test_key_reuse(void **state)
{
    struct session_table *t = table(100, 0, false);
    struct recs rs = {0};
    struct event ev;

    (void)state;
    mkwin(&ev, "4624", "0x3e7a1", EV_ACTION_LOGIN, EV_RESULT_SUCCESS, T0,
          "10.0.0.5");
    feed(t, &ev, &rs);
    feed(t, &ev, &rs); /* at-least-once: the same event again */
    assert_int_equal(rs.n, 1);
    mkwin(&ev, "4800", "0x3e7a1", EV_ACTION_LOCK, EV_RESULT_NONE,
          T0 + 600 * SEC, NULL);
    feed(t, &ev, &rs);
    mkwin(&ev, "4624", "0x3e7a1", EV_ACTION_LOGIN, EV_RESULT_SUCCESS,
          T0 + 86400 * SEC, "10.0.0.7");
    feed(t, &ev, &rs);
    assert_int_equal(rs.n, 3);
    assert_string_equal(rstr(&rs, 1, "end_reason"), "expired");
    assert_int_equal((int)rnum(&rs, 1, "duration_s"), 600);
    assert_string_equal(rstr(&rs, 2, "state"), "open");
    assert_string_equal(rstr(&rs, 2, "src_ip"), "10.0.0.7");
    assert_string_not_equal(rstr(&rs, 1, "session_id"),
                            rstr(&rs, 2, "session_id"));
    assert_int_equal(stats(t).open_now, 1);
    recs_clear(&rs);
    session_table_free(t);
}

/* Whether an open session is locked now: a lock after the last unlock;
 * a saved and restored session keeps it. */
static void
test_locked_now(void **state)
{
    struct session_table *t = table(100, 0, false), *t2 = table(100, 0, false);
    struct recs rs = {0};
    struct event ev;
    struct session_view v;
    const struct session *s;
    size_t pos = 0;

    (void)state;
    mkwin(&ev, "4624", "0x99", EV_ACTION_LOGIN, EV_RESULT_SUCCESS, T0, NULL);
    feed(t, &ev, &rs);
    mkwin(&ev, "4800", "0x99", EV_ACTION_LOCK, EV_RESULT_NONE, T0 + SEC, NULL);
    feed(t, &ev, &rs);
    s = session_table_next(t, &pos);
    assert_non_null(s);
    session_view(s, &v);
    assert_true(v.locked);
    assert_int_equal(session_table_restore(t2, &v), 0);
    pos = 0;
    session_view(session_table_next(t2, &pos), &v);
    assert_true(v.locked);
    mkwin(&ev, "4801", "0x99", EV_ACTION_UNLOCK, EV_RESULT_SUCCESS,
          T0 + 2 * SEC, NULL);
    feed(t2, &ev, &rs);
    pos = 0;
    session_view(session_table_next(t2, &pos), &v);
    assert_false(v.locked);
    assert_int_equal(v.lock_count, 1);
    mkwin(&ev, "4800", "0x99", EV_ACTION_LOCK, EV_RESULT_NONE, T0 + 3 * SEC,
          NULL);
    feed(t2, &ev, &rs);
    mkwin(&ev, "4634", "0x99", EV_ACTION_LOGOUT, EV_RESULT_NONE, T0 + 4 * SEC,
          NULL);
    feed(t2, &ev, &rs);
    /* A closed session is not "locked", whatever came last. */
    assert_false(rtrue(&rs, rs.n - 1, "locked"));
    assert_int_equal((int)rnum(&rs, rs.n - 1, "lock_count"), 2);
    recs_clear(&rs);
    session_table_free(t);
    session_table_free(t2);
}

/* A reboot while the daemon was stopped: the restored session knows its
 * host's journal boot, and the first event of another boot closes it. */
static void
test_restore_then_new_boot(void **state)
{
    struct session_table *t = table(100, 0, false), *t2 = table(100, 0, false);
    struct recs rs = {0};
    struct event ev;
    struct session_view v;
    size_t pos = 0;

    (void)state;
    mk(&ev, "pi4", "3", EV_ACTION_LOGIN, EV_RESULT_SUCCESS, T0);
    ev.boot_id = STRV_LIT("6a1f0c1e9b2d4c4e8f1a2b3c4d5e6f70");
    feed(t, &ev, &rs);
    session_view(session_table_next(t, &pos), &v);
    assert_int_not_equal(v.boot, 0);
    assert_int_equal(session_table_restore(t2, &v), 0);
    recs_clear(&rs);
    mk(&ev, "pi4", "1", EV_ACTION_LOGIN, EV_RESULT_SUCCESS, T0 + 3600 * SEC);
    ev.boot_id = STRV_LIT("0b7c2e4f6a8d4b1c9e3f5a7c9e1b3d5f");
    feed(t2, &ev, &rs);
    assert_int_equal(rs.n, 2);
    assert_string_equal(rstr(&rs, 0, "end_reason"), "reboot");
    assert_string_equal(rstr(&rs, 0, "login_id"), "3");
    assert_int_equal(stats(t2).open_now, 1);
    recs_clear(&rs);
    session_table_free(t);
    session_table_free(t2);
}

/* SIDs are stored packed, and only when they print back as written. */
static void
test_uid_forms(void **state)
{
    static const char *const uids[] = {
        "S-1-5-21-3623811015-3361044348-30300820-1013",
        "S-1-5-18",
        "S-1-5-021-7",
        "S-1-5-21-4294967296",
        "S-1-256-1",
        "S-1-5-",
        "S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16",
        "1000",
    };
    struct session_table *t = table(100, 0, true);
    struct recs rs = {0};
    struct event ev;
    char id[8];

    (void)state;
    for (size_t i = 0; i < sizeof(uids) / sizeof(uids[0]); i++) {
        snprintf(id, sizeof(id), "%zu", i);
        mk(&ev, "h", id, EV_ACTION_LOGIN, EV_RESULT_SUCCESS, T0);
        ev.uid = strv_from_cstr(uids[i]);
        feed(t, &ev, &rs);
        assert_string_equal(rstr(&rs, rs.n - 1, "uid"), uids[i]);
    }
    recs_clear(&rs);
    session_table_free(t);
}

/* Event times anywhere in int64_t (a hostile journal's realtime stamp, a
 * crafted state file): the engine takes them as 0000-01-01 to 9999-12-31,
 * so no difference of two times overflows (UBSan aborts the ASan+UBSan
 * build if one does), and a saved session with a time outside that range
 * is not restored. */
static void
test_extreme_times(void **state)
{
    static const int64_t times[] = {
        INT64_MAX, INT64_MIN + 1, 0,        INT64_MAX - 1,
        T0,        INT64_MIN + 1, INT64_MAX};
    static const enum ev_action acts[] = {EV_ACTION_RECONNECT, EV_ACTION_LOGIN,
                                          EV_ACTION_DISCONNECT, EV_ACTION_LOCK,
                                          EV_ACTION_LOGOUT};
    struct session_table *t = table(4, 3600 * SEC, false),
                         *t2 = table(4, 0, false);
    struct recs rs = {0};
    struct event ev;
    struct session_view v;
    const struct session *s;
    size_t pos = 0;

    (void)state;
    for (size_t a = 0; a < sizeof(acts) / sizeof(acts[0]); a++) {
        for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
            mkwin(&ev, "4778", "0x10", acts[a], EV_RESULT_SUCCESS, times[i],
                  i % 2 ? "10.0.0.8" : "10.0.0.9");
            feed(t, &ev, &rs);
            recs_clear(&rs);
        }
    }
    session_table_expire(t, INT64_MIN + 1, emit_cb, &rs);
    session_table_expire(t, INT64_MAX, emit_cb, &rs);
    assert_int_equal(stats(t).open_now, 0);
    recs_clear(&rs);
    mkwin(&ev, "4624", "0x11", EV_ACTION_LOGIN, EV_RESULT_SUCCESS, INT64_MAX,
          NULL);
    feed(t, &ev, &rs);
    assert_string_equal(rstr(&rs, 0, "start"), "9999-12-31T23:59:59.999999Z");
    s = session_table_next(t, &pos);
    assert_non_null(s);
    session_view(s, &v);
    assert_int_equal(session_table_restore(t2, &v), 0);
    session_table_free(t2);
    t2 = table(4, 0, false);
    v.start_us = INT64_MIN + 1;
    assert_int_equal(session_table_restore(t2, &v), -EINVAL);
    v.start_us = T0;
    v.last_us = INT64_MAX;
    assert_int_equal(session_table_restore(t2, &v), -EINVAL);
    recs_clear(&rs);
    session_table_free(t);
    session_table_free(t2);
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
        cmocka_unit_test(test_no_allocation_per_session),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_rdp_story),
        cmocka_unit_test(test_reconnect_open_segment),
        cmocka_unit_test(test_rdp_failed_attempt),
        cmocka_unit_test(test_out_of_order),
        cmocka_unit_test(test_restore),
        cmocka_unit_test(test_uid_forms),
        cmocka_unit_test(test_key_reuse),
        cmocka_unit_test(test_locked_now),
        cmocka_unit_test(test_restore_then_new_boot),
        cmocka_unit_test(test_extreme_times),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
