/*
 * pam.c - pam_unix messages (Linux-PAM modules/pam_unix, any program) as
 * user-session events (DESIGN 2).
 *
 *   pam_unix(SERVICE:TYPE): session opened for user U[(uid=N)] by [A](uid=M)
 *       -> login ok               (pam_unix_sess.c)
 *   pam_unix(SERVICE:TYPE): session closed for user U   -> logout
 *   pam_unix(SERVICE:TYPE): authentication failure; logname=L uid=N euid=M
 *       tty=T ruser=R rhost=H  user=U   -> login failed (pam_unix_auth.c)
 *
 * Old Linux-PAM (0.7x, e.g. Red Hat 9) wrote the module into the program
 * name instead: "sshd(pam_unix)[19939]: session opened for user test by
 * (uid=508)"; the registry routes those here too and SERVICE is the part
 * before "(pam_unix)".
 *
 * Not events: sshd's authentication failures (sshd logs its own "Failed
 * ..." line for the same attempt, DESIGN 2), scheduled jobs and the
 * per-user systemd manager (cron, atd, systemd-user open sessions that
 * are no logins), "check pass; user unknown" and the rest.
 *
 * su and login failures are noted in the shared Linux state so their
 * own "FAILED SU" / "FAILED LOGIN" line is not counted twice.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "linux_state.h"
#include "parser.h"

/* Longest PAM service name accepted. */
#define PAM_SERVICE_MAX 64

/* Services whose pam_unix lines are no user logins. */
static const char *const pam_ignored_services[] = {
    "cron", "crond", "CRON", "atd", "systemd-user", NULL,
};

/* PAM service -> CAR login_type; a trailing '*' matches a prefix. */
static const struct {
    const char *service;
    enum ev_login_type type;
} pam_login_types[] = {
    {"sshd", EV_LOGIN_TYPE_REMOTE},
    {"sshd-session", EV_LOGIN_TYPE_REMOTE},
    {"login", EV_LOGIN_TYPE_INTERACTIVE},
    {"gdm*", EV_LOGIN_TYPE_INTERACTIVE},
    {"lightdm", EV_LOGIN_TYPE_INTERACTIVE},
    {"sddm", EV_LOGIN_TYPE_INTERACTIVE},
    {"xdm", EV_LOGIN_TYPE_INTERACTIVE},
    {"kdm", EV_LOGIN_TYPE_INTERACTIVE},
    {"su", EV_LOGIN_TYPE_LOCAL},
    {"su-l", EV_LOGIN_TYPE_LOCAL},
    {"sudo", EV_LOGIN_TYPE_LOCAL},
    {"sudo-i", EV_LOGIN_TYPE_LOCAL},
    {"runuser", EV_LOGIN_TYPE_LOCAL},
    {"runuser-l", EV_LOGIN_TYPE_LOCAL},
};

static bool
pam_service_is(struct strv service, const char *pattern)
{
    size_t n = strlen(pattern);

    if (n > 0 && pattern[n - 1] == '*')
        return service.n >= n - 1 && memcmp(service.p, pattern, n - 1) == 0;
    return strv_eq_cstr(service, pattern);
}

static enum ev_login_type
pam_login_type(struct strv service)
{
    for (size_t i = 0; i < sizeof(pam_login_types) / sizeof(pam_login_types[0]);
         i++)
        if (pam_service_is(service, pam_login_types[i].service))
            return pam_login_types[i].type;
    return EV_LOGIN_TYPE_NONE;
}

static bool
pam_service_ignored(struct strv service)
{
    for (size_t i = 0; pam_ignored_services[i] != NULL; i++)
        if (strv_eq_cstr(service, pam_ignored_services[i]))
            return true;
    return false;
}

/*
 * Find the service and the message text: "pam_unix(SVC:TYPE): TEXT";
 * service-less "pam_unix(TYPE): ", "pam_unix: " and "(pam_unix) " (the
 * program is the service); or old style, program "SVC(pam_unix)".
 */
static int
pam_split(const struct envelope *env, struct strv *ret_service,
          struct strv *ret_text)
{
    struct strv m = env->msg, app = env->app;
    const char *c, *e;

    if (lx_skip(&m, "pam_unix(")) {
        e = lx_find(m, "): ");
        if (e == NULL)
            return -EBADMSG;
        c = memchr(m.p, ':', (size_t)(e - m.p));
        *ret_service = c ? lx_before(m, c) : env->app;
        *ret_text = lx_after(m, e, 3);
    } else if (lx_skip(&m, "pam_unix: ") || lx_skip(&m, "(pam_unix) ")) {
        *ret_service = env->app;
        *ret_text = m;
    } else if (lx_chop(&app, "(pam_unix)")) {
        *ret_service = app;
        *ret_text = m;
    } else {
        return PARSE_NONE;
    }
    if (ret_service->n == 0 || ret_service->n > PAM_SERVICE_MAX)
        return -EBADMSG;
    return 1;
}

/* "U[(uid=N)] by [A](uid=M)" of "session opened for user" */
static int
pam_session_opened(struct event *ev, struct strv v)
{
    const char *by = lx_find_last(v, " by "), *u;
    struct strv user, actor;

    if (by == NULL)
        return -EBADMSG;
    user = lx_before(v, by);
    actor = lx_after(v, by, 4);
    if ((u = lx_find(user, "(uid=")) != NULL) {
        struct strv uid = lx_after(user, u, 5);

        if (!lx_chop(&uid, ")") || uid.n == 0)
            return -EBADMSG;
        ev->uid = uid;
        ev->user_id_type = EV_USER_ID_TYPE_UID;
        user = lx_before(user, u);
    }
    if ((u = lx_find(actor, "(uid=")) != NULL)
        actor = lx_before(actor, u);
    if (user.n == 0)
        return -EBADMSG;
    if (strv_present(actor))
        ev->actor_user = actor;
    ev->action = EV_ACTION_LOGIN;
    ev->result = EV_RESULT_SUCCESS;
    ev->event_code = STRV_LIT("pam-session-opened");
    lx_set_user(ev, user);
    return PARSE_EVENT;
}

static int
pam_session_closed(struct event *ev, struct strv v)
{
    if (v.n == 0)
        return -EBADMSG;
    ev->action = EV_ACTION_LOGOUT;
    ev->event_code = STRV_LIT("pam-session-closed");
    lx_set_user(ev, v);
    return PARSE_EVENT;
}

/*
 * The real " rhost=H": H is one token and is followed by the end or by
 * " user=" / "  user=".  ruser (before it) and user (after it) are
 * client-controlled and may contain " rhost=" themselves, so the first
 * occurrence that fits wins.  NULL when there is none.
 */
static const char *
pam_find_rhost(struct strv v, struct strv *ret_user)
{
    struct strv rest = v;
    const char *r;

    while ((r = lx_find(rest, " rhost=")) != NULL) {
        struct strv t = lx_after(v, r, 7);
        const char *sp = memchr(t.p, ' ', t.n);
        struct strv after = sp ? lx_after(t, sp, 0) : STRV_NULL;

        lx_skip(&after, " ");
        if (after.n == 0 || lx_skip(&after, " user=") ||
            lx_skip(&after, "user=")) {
            *ret_user = after;
            return r;
        }
        rest = lx_after(v, r, 1);
    }
    return NULL;
}

/*
 * "logname=L uid=N euid=M tty=T ruser=R rhost=H  user=U" (pam_unix_auth.c;
 * the "  user=" part only when the user is known).
 */
static int
pam_auth_failure(struct event *ev, const struct envelope *env,
                 struct strv service, struct linux_state *st, struct strv v)
{
    struct strv user = STRV_NULL, head, host, ruser, tty;
    const char *rh = pam_find_rhost(v, &user), *k, *sp;

    if (rh == NULL)
        return -EBADMSG;
    head = lx_before(v, rh);
    host = lx_after(v, rh, 7);
    if ((sp = memchr(host.p, ' ', host.n)) != NULL)
        host = lx_before(host, sp);
    if ((k = lx_find(head, " ruser=")) != NULL) {
        ruser = lx_after(head, k, 7);
        if (strv_present(ruser))
            ev->actor_user = ruser;
        head = lx_before(head, k);
    }
    if ((k = lx_find(head, " tty=")) != NULL) {
        tty = lx_after(head, k, 5);
        if (strv_present(tty))
            ev->tty = tty;
    }
    lx_set_ip(ev, host);
    ev->action = EV_ACTION_LOGIN;
    ev->result = EV_RESULT_FAILURE;
    ev->result_details = STRV_LIT("Authentication failure");
    ev->event_code = STRV_LIT("pam-auth-failure");
    lx_set_user(ev, lx_rtrim(user));
    if (pam_service_is(service, "su") || pam_service_is(service, "su-l") ||
        pam_service_is(service, "login"))
        linux_state_note_failure(st, env->hostname, env->pid);
    return PARSE_EVENT;
}

static int
parser_pam_parse(const struct envelope *env, struct event *ev, void *state)
{
    struct strv service, text;
    int r = pam_split(env, &service, &text);

    if (r <= 0)
        return r;
    if (pam_service_ignored(service))
        return PARSE_NONE;
    text = lx_rtrim(text);
    lx_set_common(ev, env, service, pam_login_type(service));
    if (lx_skip(&text, "session opened for user "))
        return pam_session_opened(ev, text);
    if (lx_skip(&text, "session closed for user "))
        return pam_session_closed(ev, text);
    if (lx_skip(&text, "authentication failure; ")) {
        /* sshd logs its own "Failed ..." for this attempt (DESIGN 2) */
        if (pam_service_is(service, "sshd*"))
            return PARSE_NONE;
        return pam_auth_failure(ev, env, service, state, text);
    }
    return PARSE_NONE;
}

/* The pam_unix payload parser (format "pam"); routed by content. */
const struct parser_ops parser_pam_ops = {
    .name = "pam",
    .programs = NULL,
    .state_new = linux_state_new,
    .state_free = linux_state_free,
    .parse = parser_pam_parse,
};
