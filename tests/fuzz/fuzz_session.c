/*
 * fuzz_session.c - libFuzzer target for model/session.c: every 6 input
 * bytes are one event on a table with max_open 8 - host from a 3-letter
 * alphabet, login id from 14 values (Windows logon ids, terminal-services
 * ids, or none), its linked logon id, action, result, a time step that may
 * go backwards, a user and SID from small sets, the event codes the merge
 * rules look at, a boot id, an address - with an expire() call, and a
 * save/restore of every open session into a new table, now and then.
 * Checks the counters and that every emitted record renders as JSON.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "../../model/identity.h"
#include "../../model/render.h"
#include "../../model/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ctx {
    struct buf b;
    size_t emitted;
    int64_t expiring_at; /* the now of a running expire(), else 0 */
    int64_t idle;
};

static void
emit_cb(void *vctx, const struct session *s)
{
    struct ctx *c = vctx;
    cJSON *root;

    buf_reset(&c->b);
    session_to_json(s, &c->b);
    root = cJSON_ParseWithLength(c->b.data, c->b.len);
    if (root == NULL)
        abort();
    cJSON_Delete(root);
    if (c->expiring_at != 0) {
        /* expire() closes only what has been idle past its timeout
         * (attempts: 10 minutes at most). */
        struct session_view v;
        int64_t limit = c->idle;

        session_view(s, &v);
        if (!v.login_successful && limit > 600000000LL)
            limit = 600000000LL;
        if (c->expiring_at - v.end_us <= limit)
            abort();
    }
    buf_reset(&c->b);
    session_to_text(s, &c->b);
    c->emitted++;
}

static void
check(const struct session_table *t)
{
    struct session_stats st;

    session_table_stats(t, &st);
    if (st.open_now > 8 || st.opened + st.restored - st.closed != st.open_now ||
        st.failed + st.expired + st.evicted + st.rebooted > st.closed)
        abort();
}

/* After expire(now), no open session may be idle past its timeout: the
 * heaps found every one (their lazy order is what is checked here).
 * Attempts (never successful) time out after 10 minutes. */
static void
check_expired(const struct session_table *t, int64_t now, int64_t idle)
{
    const struct session *s;
    struct session_view v;
    size_t pos = 0;

    while ((s = session_table_next(t, &pos)) != NULL) {
        int64_t limit = idle;

        session_view(s, &v);
        if (!v.login_successful && limit > 600000000LL)
            limit = 600000000LL;
        if (v.last_us < now && now - v.last_us > limit)
            abort();
    }
}

/* What a state file does: every open session into a new table. */
static struct session_table *
round_trip(struct session_table *t, const struct session_limits *lim)
{
    struct session_table *t2 = session_table_new(lim);
    const struct session *s;
    struct session_view v;
    size_t pos = 0;

    if (t2 == NULL)
        return t;
    while ((s = session_table_next(t, &pos)) != NULL) {
        session_view(s, &v);
        if (v.state != SESSION_STATE_OPEN || session_table_restore(t2, &v) != 0)
            abort();
    }
    session_table_free(t);
    return t2;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const hosts[] = {"a", "b", "c"};
    static const char *const ids[] = {"0x1a", "0x2b", "0x3c", "0x4d", "1",
                                      "2",    "3",    "4",    "10",   "11",
                                      "12",   "0x5e", "0x6f", "13"};
    static const char *const users[] = {"alice",       "root",
                                        "CORP\\WS01$", "NT AUTHORITY\\SYSTEM",
                                        "DWM-1",       "bob@corp.example",
                                        "CORP\\alice", "ALICE"};
    static const char *const sids[] = {NULL, "S-1-5-21-1-2-3-1104",
                                       "S-1-5-21-1-2-3-500", "S-1-5-18",
                                       "S-1-5-021-7"};
    static const char *const codes[] = {
        "4624", "4625",   "RCM-1149", "LSM-21", "LSM-22", "LSM-25",
        "4778", "7001",   "4634",     "4672",   "4779",   "sshd-accepted",
        "x",    "LSM-24", "4647",     "4801"};
    static const char *const boots[] = {NULL, "b1", "b2", NULL};
    static const char *const ips[] = {NULL, "10.0.0.5", "10.0.0.9", "::1"};
    struct session_limits lim = {.idle_timeout_us = 3600000000LL,
                                 .max_open = 8,
                                 .include_system_accounts = size % 2};
    struct session_table *t = session_table_new(&lim);
    struct ctx c = {.emitted = 0, .idle = lim.idle_timeout_us};
    int64_t now = 1700000000000000LL;

    if (t == NULL)
        return 0;
    buf_init(&c.b, 0);
    for (size_t i = 0; i + 6 <= size; i += 6) {
        const uint8_t *p = data + i;
        struct event ev;
        int64_t step =
            (int64_t)(p[3] & 0x3F) * (p[3] & 0x40 ? 60000000LL : 1000000);

        event_init(&ev);
        now += p[3] & 0x80 ? -step / 4 : step;
        if ((p[2] & 0x0F) == 0x0F) {
            c.expiring_at = now;
            session_table_expire(t, now, emit_cb, &c);
            c.expiring_at = 0;
            check(t);
            check_expired(t, now, lim.idle_timeout_us);
            continue;
        }
        if ((p[2] & 0x0F) == 0x0E) {
            t = round_trip(t, &lim);
            check(t);
            continue;
        }
        ev.time_us = (p[2] & 0x10) ? EVENT_TIME_UNSET : now;
        ev.hostname = strv_from_cstr(hosts[p[0] % 3]);
        if (p[0] / 3 % 15 != 14)
            ev.login_id = strv_from_cstr(ids[p[0] / 3 % 15]);
        if (p[5] & 0x80)
            ev.logon[EV_LOGON_USER_LINKED_ID] =
                strv_from_cstr(ids[(p[5] >> 3) % 14]);
        ev.action = (enum ev_action)(p[1] % _EV_ACTION_MAX);
        ev.result = (enum ev_result)(p[1] / _EV_ACTION_MAX % 3);
        ev.user = strv_from_cstr(users[p[4] % 8]);
        if (sids[p[4] / 8 % 5] != NULL)
            ev.uid = strv_from_cstr(sids[p[4] / 8 % 5]);
        ev.logon_type = (int)(p[2] >> 5) % 4 == 0   ? 3
                        : (int)(p[2] >> 5) % 4 == 1 ? 10
                        : (int)(p[2] >> 5) % 4 == 2 ? 2
                                                    : 7;
        ev.admin = p[4] >> 7;
        ev.login_type = (enum ev_login_type)(p[5] % _EV_LOGIN_TYPE_MAX);
        ev.format = STRV_LIT("fuzz");
        ev.event_code = strv_from_cstr(codes[p[5] / 8 % 16]);
        ev.record_id = strv_make((const char *)p, 4);
        if (boots[p[4] / 40 % 4] != NULL)
            ev.boot_id = strv_from_cstr(boots[p[4] / 40 % 4]);
        if (ips[p[2] >> 6] != NULL)
            ev.src_ip = strv_from_cstr(ips[p[2] >> 6]);
        identity_type_user(&ev);
        session_table_feed(t, &ev, emit_cb, &c);
        if (ev.session_id.n != 0 && ev.session_id.n != SESSION_ID_LEN)
            abort();
        check(t);
    }
    buf_done(&c.b);
    session_table_free(t);
    return 0;
}
