/*
 * fuzz_session.c - libFuzzer target for model/session.c: every 4 input
 * bytes are one event on a table with max_open 8 - host from a 3-letter
 * alphabet, login id from 12 values (or none), action, result, a time
 * step, a user from a small set - with an expire() call now and then.
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
    buf_reset(&c->b);
    session_to_text(s, &c->b);
    c->emitted++;
}

static void
check(const struct session_table *t)
{
    struct session_stats st;

    session_table_stats(t, &st);
    if (st.open_now > 8 || st.opened - st.closed != st.open_now ||
        st.failed + st.expired + st.evicted > st.closed)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const hosts[] = {"a", "b", "c"};
    static const char *const ids[] = {"1", "2", "3", "4",  "5",  "6",
                                      "7", "8", "9", "10", "11", "12"};
    static const char *const users[] = {"alice",       "root",
                                        "CORP\\WS01$", "NT AUTHORITY\\SYSTEM",
                                        "DWM-1",       "bob@corp.example"};
    struct session_limits lim = {.idle_timeout_us = 3600000000LL,
                                 .max_open = 8,
                                 .include_system_accounts = size % 2};
    struct session_table *t = session_table_new(&lim);
    struct ctx c = {.emitted = 0};
    int64_t now = 1700000000000000LL;

    if (t == NULL)
        return 0;
    buf_init(&c.b, 0);
    for (size_t i = 0; i + 4 <= size; i += 4) {
        const uint8_t *p = data + i;
        struct event ev;

        event_init(&ev);
        now += (int64_t)(p[3] & 0x7F) * (p[3] & 0x80 ? 60000000LL : 1000000);
        if ((p[2] & 0x0F) == 0x0F) {
            session_table_expire(t, now, emit_cb, &c);
            check(t);
            continue;
        }
        ev.time_us = (p[2] & 0x10) ? EVENT_TIME_UNSET : now;
        ev.hostname = strv_from_cstr(hosts[p[0] % 3]);
        if (p[0] / 3 % 13 != 12)
            ev.login_id = strv_from_cstr(ids[p[0] / 3 % 13]);
        ev.action = (enum ev_action)(p[1] % _EV_ACTION_MAX);
        ev.result = (enum ev_result)(p[1] / _EV_ACTION_MAX % 3);
        ev.user = strv_from_cstr(users[p[2] % 6]);
        ev.logon_type = (p[2] >> 5) & 1 ? 3 : 10;
        ev.admin = (p[2] >> 6) & 1;
        ev.format = STRV_LIT("fuzz");
        ev.event_code = strv_make((const char *)p, 2);
        ev.record_id = strv_make((const char *)p, 4);
        ev.src_ip = (p[2] & 0x80) ? STRV_LIT("::1") : STRV_NULL;
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
