/*
 * login.c - login(1) messages (program "login") as user-session events.
 *
 * util-linux login-utils/login.c:
 *   ROOT LOGIN ON tty1[ FROM host]           LOGIN ON tty1 BY bob[ FROM host]
 *   FAILED LOGIN 1 FROM host FOR bob, Authentication failure
 *   FAILED LOGIN 1 ON tty1 FOR bob, Authentication failure       (older)
 *   FAILED LOGIN SESSION FROM host FOR bob, Authentication failure
 *   TOO MANY LOGIN TRIES (3) FROM host FOR bob, Authentication failure
 * shadow src/login.c (note the two spaces: the " on" part is built apart):
 *   ROOT LOGIN  on 'tty1'[ from 'host']
 *   'bob' logged in  on 'tty1'[ from 'host']
 *   FAILED LOGIN (1) on 'tty1'[ from 'host'] FOR 'bob', Authentication failure
 *   TOO MANY LOGIN TRIES (3) on 'tty1'[ from 'host'] FOR 'bob'
 *
 * FROM is the remote host, or the tty when there is none (util-linux);
 * only a literal address becomes src_ip.  A failure that pam_unix already
 * reported for the same (host, pid) adds no event, and shadow's "TOO MANY
 * LOGIN TRIES (n)" after its own "FAILED LOGIN (n)" repeats that attempt.
 * "(unknown)" / "UNKNOWN" (login hides mistyped names) means no user.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "linux_state.h"
#include "parser.h"

/* Largest attempt number read from "FAILED LOGIN (n)". */
#define LOGIN_TRIES_MAX 1000000

/* What one login line says. */
struct login_parts {
    struct strv tty, from, user, reason;
    uint32_t n; /* attempt number, 0 when none */
};

/* One clause value: 'quoted' (shadow) or a bare token (util-linux). */
static bool
login_value(struct strv *v, struct strv *ret)
{
    const char *e;

    if (lx_skip(v, "'")) {
        e = memchr(v->p, '\'', v->n);
        if (e == NULL)
            return false;
        *ret = lx_before(*v, e);
        *v = lx_after(*v, e, 1);
        return true;
    }
    e = memchr(v->p, ' ', v->n);
    *ret = e ? lx_before(*v, e) : *v;
    *v = e ? lx_after(*v, e, 0) : STRV_NULL;
    return ret->n > 0;
}

/*
 * " ON tty BY user FROM host" / "  on 'tty' from 'host'" clauses, until
 * the end or " FOR ".  Returns false on anything else.
 */
static bool
login_where(struct strv *v, struct login_parts *lp)
{
    for (;;) {
        struct strv *dst;

        while (v->n > 0 && v->p[0] == ' ')
            lx_skip(v, " ");
        if (v->n == 0 || strv_starts_with(*v, "FOR "))
            return true;
        if (lx_skip(v, "ON ") || lx_skip(v, "on "))
            dst = &lp->tty;
        else if (lx_skip(v, "FROM ") || lx_skip(v, "from "))
            dst = &lp->from;
        else if (lx_skip(v, "BY "))
            dst = &lp->user;
        else
            return false;
        if (!login_value(v, dst))
            return false;
    }
}

/* "FOR user[, reason]" / "FOR 'user'[, reason]" at the end. */
static bool
login_for(struct strv v, struct login_parts *lp)
{
    const char *c;

    if (!lx_skip(&v, "FOR "))
        return false;
    if (lx_skip(&v, "'")) {
        c = memchr(v.p, '\'', v.n);
        if (c == NULL)
            return false;
        lp->user = lx_before(v, c);
        v = lx_after(v, c, 1);
        if (v.n > 0 && !lx_skip(&v, ", "))
            return false;
        lp->reason = v;
        return true;
    }
    c = lx_find(v, ", ");
    lp->user = c ? lx_before(v, c) : v;
    lp->reason = c ? lx_after(v, c, 2) : STRV_NULL;
    return true;
}

/* "(n)" or "n" attempt number in front of the clauses. */
static bool
login_number(struct strv *v, struct login_parts *lp)
{
    bool paren = lx_skip(v, "(");
    const char *e = paren ? memchr(v->p, ')', v->n) : memchr(v->p, ' ', v->n);
    uint64_t n;

    if (e == NULL || strv_to_u64(lx_before(*v, e), LOGIN_TRIES_MAX, &n) < 0)
        return false;
    lp->n = (uint32_t)n;
    *v = lx_after(*v, e, paren ? 1 : 0);
    return true;
}

static bool
login_is_tty(struct strv v)
{
    return strv_starts_with(v, "tty") || strv_starts_with(v, "pts/") ||
           strv_starts_with(v, "/dev/") || strv_eq_cstr(v, "console") ||
           strv_starts_with(v, "hvc") || strv_starts_with(v, ":");
}

static int
login_event(struct event *ev, const struct envelope *env,
            struct login_parts *lp, bool ok)
{
    if (strv_eq_cstr(lp->user, "(unknown)") ||
        strv_eq_cstr(lp->user, "UNKNOWN"))
        lp->user = STRV_NULL;
    lx_set_common(ev, env, env->app, EV_LOGIN_TYPE_INTERACTIVE);
    if (lx_is_ip(lp->from))
        ev->src_ip = lp->from;
    else if (!strv_present(lp->tty) && login_is_tty(lp->from))
        lp->tty = lp->from;
    if (strv_present(lp->tty))
        ev->tty = lp->tty;
    ev->action = EV_ACTION_LOGIN;
    ev->result = ok ? EV_RESULT_SUCCESS : EV_RESULT_FAILURE;
    ev->event_code = ok ? STRV_LIT("login-ok") : STRV_LIT("login-failed");
    if (!ok)
        ev->result_details = strv_present(lp->reason)
                                 ? lp->reason
                                 : STRV_LIT("Too many login tries");
    lx_set_user(ev, lp->user);
    return PARSE_EVENT;
}

/* ROOT LOGIN ..., LOGIN ON ..., 'bob' logged in ... */
static int
login_success(struct event *ev, const struct envelope *env, struct strv v)
{
    struct login_parts lp = {0};

    if (lx_skip(&v, "ROOT LOGIN ")) {
        lp.user = STRV_LIT("root");
    } else if (lx_skip(&v, "'")) {
        const char *q = lx_find(v, "' logged in ");

        if (q == NULL)
            return PARSE_NONE;
        lp.user = lx_before(v, q);
        v = lx_after(v, q, strlen("' logged in "));
    } else if (strv_starts_with(v, "LOGIN ON ")) {
        lx_skip(&v, "LOGIN ");
    } else {
        return PARSE_NONE; /* DIALUP AT ..., LOGIN 'x' REFUSED ... */
    }
    if (!login_where(&v, &lp) || v.n > 0 || !strv_present(lp.tty))
        return -EBADMSG;
    return login_event(ev, env, &lp, true);
}

/* FAILED LOGIN ..., TOO MANY LOGIN TRIES ... */
static int
login_failure(struct event *ev, const struct envelope *env,
              struct linux_state *st, struct strv v, bool too_many)
{
    struct login_parts lp = {0};
    struct linux_fail *f;
    bool session = !too_many && lx_skip(&v, "SESSION");

    if (!session && !login_number(&v, &lp))
        return -EBADMSG;
    if (!login_where(&v, &lp) || !login_for(v, &lp))
        return -EBADMSG;
    f = linux_state_find(st, env->hostname, env->pid, lp.n != 0);
    if (f != NULL && !too_many)
        f->login_n = lp.n;
    if (linux_state_take_failure(st, env->hostname, env->pid))
        return PARSE_NONE; /* pam_unix reported this attempt */
    if (f != NULL && too_many && lp.n != 0 && f->login_n == lp.n)
        return PARSE_NONE; /* shadow: same attempt as FAILED LOGIN (n) */
    return login_event(ev, env, &lp, false);
}

static int
parser_login_parse(const struct envelope *env, struct event *ev, void *state)
{
    struct strv v = lx_rtrim(env->msg);

    if (lx_skip(&v, "FAILED LOGIN "))
        return login_failure(ev, env, state, v, false);
    if (lx_skip(&v, "TOO MANY LOGIN TRIES "))
        return login_failure(ev, env, state, v, true);
    return login_success(ev, env, v);
}

static const char *const login_programs[] = {"login", NULL};

/* The login(1) payload parser (format "login"). */
const struct parser_ops parser_login_ops = {
    .name = "login",
    .programs = login_programs,
    .state_new = linux_state_new,
    .state_free = linux_state_free,
    .parse = parser_login_parse,
};
