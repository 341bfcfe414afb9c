/*
 * su.c - su(1) messages (program "su") as user-session events.
 *
 * util-linux login-utils/su-common.c (log_syslog), coreutils su:
 *   (to root) alice on pts/0              -> login ok
 *   FAILED SU (to root) alice on pts/0    -> login failed
 * shadow src/su.c and libmisc/sulog.c:
 *   Successful su for root by alice       -> login ok
 *   FAILED su for root by alice           -> login failed
 *   + pts/0 alice:root, - pts/0 alice:root  (SYSLOG_SU_ENAB)
 *
 * user = the target, actor_user = the caller, tty as written ("none":
 * absent).  Shadow logs "+ tty a:b" / "- tty a:b" in addition to its
 * "Successful su" / "FAILED su" line for the same switch (su.c calls
 * sulog() unconditionally), so the +/- lines add no event.  A failure
 * that pam_unix already reported for the same (host, pid) adds none
 * either (see linux_state.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "linux_state.h"
#include "parser.h"

static int
su_event(struct event *ev, const struct envelope *env, struct strv target,
         struct strv caller, struct strv tty, bool ok)
{
    if (target.n == 0)
        return -EBADMSG;
    lx_set_common(ev, env, env->app, EV_LOGIN_TYPE_LOCAL);
    if (strv_present(caller))
        ev->actor_user = caller;
    if (strv_present(tty) && !strv_eq_cstr(tty, "none"))
        ev->tty = tty;
    ev->action = EV_ACTION_LOGIN;
    ev->result = ok ? EV_RESULT_SUCCESS : EV_RESULT_FAILURE;
    ev->event_code = ok ? STRV_LIT("su-ok") : STRV_LIT("su-failed");
    if (!ok)
        ev->result_details = STRV_LIT("Authentication failure");
    lx_set_user(ev, target);
    return PARSE_EVENT;
}

/* util-linux: "(to TARGET) CALLER on TTY" */
static int
su_util_linux(struct event *ev, const struct envelope *env, struct strv v,
              bool ok)
{
    const char *e = lx_find(v, ") "), *on;
    struct strv rest;

    if (e == NULL)
        return -EBADMSG;
    rest = lx_after(v, e, 2);
    on = lx_find_last(rest, " on ");
    if (on == NULL) {
        /* "(to root)  on none" has an empty caller; rest starts " on" */
        if (!lx_skip(&rest, "on "))
            return -EBADMSG;
        return su_event(ev, env, lx_before(v, e), STRV_NULL, rest, ok);
    }
    return su_event(ev, env, lx_before(v, e), lx_before(rest, on),
                    lx_after(rest, on, 4), ok);
}

/* shadow: "TARGET by CALLER" */
static int
su_shadow(struct event *ev, const struct envelope *env, struct strv v, bool ok)
{
    const char *by = lx_find_last(v, " by ");

    if (by == NULL)
        return -EBADMSG;
    return su_event(ev, env, lx_before(v, by), lx_after(v, by, 4), STRV_NULL,
                    ok);
}

static int
parser_su_parse(const struct envelope *env, struct event *ev, void *state)
{
    struct strv v = lx_rtrim(env->msg);

    if (lx_skip(&v, "(to "))
        return su_util_linux(ev, env, v, true);
    if (lx_skip(&v, "Successful su for "))
        return su_shadow(ev, env, v, true);
    if (lx_skip(&v, "FAILED SU (to ")) {
        if (linux_state_take_failure(state, env->hostname, env->pid))
            return PARSE_NONE;
        return su_util_linux(ev, env, v, false);
    }
    if (lx_skip(&v, "FAILED su for ")) {
        if (linux_state_take_failure(state, env->hostname, env->pid))
            return PARSE_NONE;
        return su_shadow(ev, env, v, false);
    }
    return PARSE_NONE; /* "+ tty a:b", "- tty a:b", pam_authenticate: ... */
}

static const char *const su_programs[] = {"su", NULL};

/* The su(1) payload parser (format "su"). */
const struct parser_ops parser_su_ops = {
    .name = "su",
    .programs = su_programs,
    .state_new = linux_state_new,
    .state_free = linux_state_free,
    .parse = parser_su_parse,
};
