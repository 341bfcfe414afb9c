/*
 * sshd.c - OpenSSH sshd messages (programs sshd, sshd-session, sshd-auth)
 * as user-session events (DESIGN 2).
 *
 *   Accepted publickey for alice from 192.0.2.10 port 50438 ssh2: ED25519 ..
 *       -> login ok
 *   Failed password for [invalid user ]bob from 198.51.100.7 port 2200 ssh2
 *   Invalid user bob from 198.51.100.7 port 2200
 *   User bob from 198.51.100.7 not allowed because not listed in AllowUsers
 *   ROOT LOGIN REFUSED FROM 198.51.100.7
 *   error: maximum authentication attempts exceeded for root from ...
 *       -> login failed
 *   message repeated 3 times: [ Failed password for root from ... ]
 *       -> the inner line, repeat = 3 (rsyslog de-duplication)
 *   Connection closed by [authenticating |invalid ]user bob 198.51.100.7
 *       port 2200 [preauth], Received disconnect ... [preauth], ...
 *       -> disconnect: the connection ended before authentication
 *   Disconnected from user alice 192.0.2.10 port 50438  -> logout
 *
 * The message formats are those of OpenSSH's auth.c (auth_log), auth2.c,
 * sshd.c and packet.c, from 3.x to 9.x.  Everything else sshd writes
 * ("Connection from", "Server listening", "reverse mapping", "Postponed",
 * pam_unix(...) handled by the pam parser...) is no event.
 *
 * Correlation state: modern sshd writes two preauth lines for one
 * connection end ("Received disconnect ... [preauth]" then "Disconnected
 * from invalid user ... [preauth]"); a small ring of (host, pid) that
 * already produced a preauth-closed event drops the second one.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../model/mem.h"
#include "linux_state.h"
#include "parser.h"

/* Connections remembered for the preauth-closed de-duplication. */
#define SSHD_PREAUTH_RING 64
/* Bytes of a "not allowed because" reason kept in result_details. */
#define SSHD_REASON_MAX 200

/* Owned by the parse context. */
struct sshd_state {
    uint64_t host_hash[SSHD_PREAUTH_RING];
    uint64_t pid[SSHD_PREAUTH_RING];
    bool used[SSHD_PREAUTH_RING];
    unsigned next;
};

/* One sshd line in the making: the message and what its end says. */
struct sshd_line {
    const struct envelope *env;
    struct sshd_state *st;
    struct strv msg; /* without "error: " and " [preauth]" */
    bool preauth;
};

static void *
sshd_state_new(void)
{
    return mem_calloc(1, sizeof(struct sshd_state));
}

static void
sshd_state_free(void *state)
{
    mem_free(state);
}

/*
 * True when (host, pid) already produced a preauth-closed event;
 * otherwise remembers it and returns false.
 */
static bool
sshd_preauth_seen(struct sshd_state *st, const struct envelope *env)
{
    uint64_t h = lx_hash(env->hostname), pid;

    if (st == NULL || strv_to_u64(env->pid, UINT64_MAX, &pid) < 0)
        return false;
    for (unsigned i = 0; i < SSHD_PREAUTH_RING; i++)
        if (st->used[i] && st->pid[i] == pid && st->host_hash[i] == h)
            return true;
    st->host_hash[st->next] = h;
    st->pid[st->next] = pid;
    st->used[st->next] = true;
    st->next = (st->next + 1) % SSHD_PREAUTH_RING;
    return false;
}

static void
sshd_common(struct event *ev, const struct sshd_line *l)
{
    lx_set_common(ev, l->env, l->env->app, EV_LOGIN_TYPE_REMOTE);
}

static void
sshd_failure(struct event *ev, const char *details, const char *code)
{
    ev->action = EV_ACTION_LOGIN;
    ev->result = EV_RESULT_FAILURE;
    ev->result_details = strv_from_cstr(details);
    ev->event_code = strv_from_cstr(code);
}

/* The end of the token at the start of v: a space, a control byte (sshd
 * writes none raw: OpenSSH's log.c passes every message through strnvis)
 * or the end of v. */
static const char *
sshd_token_end(struct strv v)
{
    size_t i = 0;

    while (i < v.n && v.p[i] != ' ' && (unsigned char)v.p[i] >= 0x20)
        i++;
    return v.p + i;
}

/*
 * The tail sshd writes after " from ": ADDR[ port N][ sshV][: info].  The
 * address is one token (an IP, or a name with UseDNS).  sshd writes no raw
 * control byte, so one ends the tail: what follows a CR, LF or NUL is not
 * sshd's (a second line a hostile sender put in the same message).
 * Returns false when rest is not such a tail.
 */
static bool
sshd_from_tail(struct strv rest, bool allow_info, struct strv *ret_addr,
               int *ret_port)
{
    const char *e = sshd_token_end(rest);
    struct strv addr = lx_before(rest, e);
    struct strv t = lx_after(rest, e, 0);
    int port = 0;

    if (addr.n == 0)
        return false;
    if (lx_skip(&t, " port ")) {
        e = sshd_token_end(t);
        if ((port = lx_port(lx_before(t, e))) == 0)
            return false;
        t = lx_after(t, e, 0);
    }
    if (!lx_skip(&t, " ssh2"))
        lx_skip(&t, " ssh1");
    if (t.n > 0 && (unsigned char)t.p[0] >= 0x20 &&
        !(allow_info && lx_skip(&t, ": ")))
        return false;
    *ret_addr = addr;
    *ret_port = port;
    return true;
}

/*
 * Split "USER from TAIL" (auth.c auth_log: "for %s%.100s from %.200s port
 * %d ssh2%s%s"; auth2.c: "Invalid user %.100s from %.100s port %d").  Who
 * chose which part decides where the address is:
 *  - client_name (an invalid user): the name is whatever the client sent,
 *    " from 1.2.3.4 port 22 ssh2: " included, and sshd's own tail follows
 *    it, so the address is in the LAST " from " with a valid tail;
 *  - an account's name holds no " from ", while the key information after
 *    the tail may be the client's (a certificate's key id), so the address
 *    is in the FIRST " from ", whose rest must be a valid tail.
 * Returns false when there is none.
 */
static bool
sshd_split_from(struct strv v, bool client_name, bool allow_info,
                struct strv *ret_user, struct strv *ret_addr, int *ret_port)
{
    struct strv head = v;
    const char *f;

    if (!client_name) {
        f = lx_find(v, " from ");
        if (f == NULL ||
            !sshd_from_tail(lx_after(v, f, 6), allow_info, ret_addr, ret_port))
            return false;
        *ret_user = lx_before(v, f);
        return true;
    }
    while ((f = lx_find_last(head, " from ")) != NULL) {
        if (sshd_from_tail(lx_after(v, f, 6), allow_info, ret_addr, ret_port)) {
            *ret_user = lx_before(v, f);
            return true;
        }
        head = lx_before(v, f);
    }
    return false;
}

/* "invalid user NAME" (OpenSSH < 3.9: "illegal user"): the client's name. */
static bool
sshd_client_named(struct strv v)
{
    return strv_starts_with(v, "invalid user ") ||
           strv_starts_with(v, "illegal user ");
}

/*
 * ADDR and port into the event.  Returns PARSE_EVENT, or -EBADMSG when
 * there is no address.
 */
static int
sshd_set_peer(struct event *ev, struct strv addr, int port)
{
    if (addr.n == 0)
        return -EBADMSG;
    lx_set_ip(ev, addr);
    ev->src_port = port;
    return PARSE_EVENT;
}

/* "Accepted|Failed METHOD for [invalid user ]USER from ADDR port N ssh2" */
static int
sshd_auth_result(struct event *ev, const struct sshd_line *l, struct strv v,
                 bool ok)
{
    const char *sp = memchr(v.p, ' ', v.n);
    struct strv method, user, addr;
    bool invalid;
    int port;

    if (sp == NULL)
        return -EBADMSG;
    method = lx_before(v, sp);
    v = lx_after(v, sp, 1);
    if (method.n == 0 || !lx_skip(&v, "for ") ||
        !sshd_split_from(v, sshd_client_named(v), true, &user, &addr, &port))
        return -EBADMSG;
    invalid =
        lx_skip(&user, "invalid user ") || lx_skip(&user, "illegal user ");
    sshd_common(ev, l);
    ev->action = EV_ACTION_LOGIN;
    ev->auth_method = method;
    if (ok) {
        ev->result = EV_RESULT_SUCCESS;
        ev->event_code = STRV_LIT("sshd-accepted");
    } else {
        bool pw = strv_eq_cstr(method, "password") ||
                  strv_starts_with(method, "keyboard-interactive");

        sshd_failure(ev,
                     invalid ? "No such user"
                     : pw    ? "Incorrect password"
                             : "Authentication failed",
                     "sshd-failed");
    }
    if (strv_eq_cstr(user, "<invalid username>"))
        user = STRV_NULL; /* Solaris / macOS placeholder */
    lx_set_user(ev, user);
    return sshd_set_peer(ev, addr, port);
}

static int
sshd_accepted(struct event *ev, const struct sshd_line *l, struct strv v)
{
    return sshd_auth_result(ev, l, v, true);
}

static int
sshd_failed(struct event *ev, const struct sshd_line *l, struct strv v)
{
    return sshd_auth_result(ev, l, v, false);
}

/* "Invalid user USER from ADDR[ port N]" (auth2.c, input_userauth_request) */
static int
sshd_invalid_user(struct event *ev, const struct sshd_line *l, struct strv v)
{
    struct strv user, addr;
    int port;

    if (!sshd_split_from(v, true, false, &user, &addr, &port))
        return -EBADMSG;
    sshd_common(ev, l);
    sshd_failure(ev, "No such user", "sshd-invalid-user");
    lx_set_user(ev, user);
    return sshd_set_peer(ev, addr, port);
}

/* "User USER from ADDR not allowed because REASON" (auth.c allowed_user) */
static int
sshd_not_allowed(struct event *ev, const struct sshd_line *l, struct strv v)
{
    const char *nb = lx_find(v, " not allowed because "), *f;
    struct strv head, reason, text;
    char buf[SSHD_REASON_MAX + 16];

    if (nb == NULL)
        return PARSE_NONE; /* "User child is on pid N" and the like */
    head = lx_before(v, nb);
    f = lx_find_last(head, " from ");
    if (f == NULL)
        return PARSE_NONE; /* "User x not allowed because account is
                              locked": the Failed line that follows counts */
    reason = lx_after(v, nb, strlen(" not allowed because "));
    if (reason.n > SSHD_REASON_MAX)
        reason.n = SSHD_REASON_MAX;
    memcpy(buf, "Not allowed: ", 13);
    memcpy(buf + 13, reason.p, reason.n);
    sshd_common(ev, l);
    sshd_failure(ev, "Not allowed", "sshd-not-allowed");
    text = event_scratch_copy(ev, buf, 13 + reason.n);
    if (text.n > 0)
        ev->result_details = text;
    lx_set_user(ev, lx_before(head, f));
    return sshd_set_peer(ev, lx_after(head, f, 6), 0);
}

/* "ROOT LOGIN REFUSED FROM ADDR[ port N]" (old sshd PermitRootLogin no) */
static int
sshd_root_refused(struct event *ev, const struct sshd_line *l, struct strv v)
{
    struct strv addr;
    int port;

    if (!sshd_from_tail(v, false, &addr, &port))
        return -EBADMSG;
    sshd_common(ev, l);
    sshd_failure(ev, "Root login refused", "sshd-root-refused");
    lx_set_user(ev, STRV_LIT("root"));
    return sshd_set_peer(ev, addr, port);
}

/*
 * "Too many authentication failures for [invalid user ]USER[ from ...]",
 * its older "Disconnecting: " form and "maximum authentication attempts
 * exceeded for [invalid user ]USER from ADDR port N ssh2".
 */
static int
sshd_too_many(struct event *ev, const struct sshd_line *l, struct strv v)
{
    struct strv user = v, addr = STRV_NULL;
    int port = 0;

    if (!sshd_split_from(v, sshd_client_named(v), false, &user, &addr, &port))
        user = v;
    if (!lx_skip(&user, "invalid user "))
        lx_skip(&user, "illegal user ");
    sshd_common(ev, l);
    sshd_failure(ev, "Too many authentication failures",
                 "sshd-too-many-failures");
    lx_set_user(ev, user);
    if (addr.n > 0)
        sshd_set_peer(ev, addr, port);
    return PARSE_EVENT;
}

/*
 * "[authenticating |invalid ]user USER ADDR port N" or "ADDR[ port N]":
 * the peer of the connection-end messages.  The address is the last token
 * before " port N", so a user name with spaces stays whole.
 */
static int
sshd_peer(struct strv v, struct strv *ret_user, struct strv *ret_addr,
          int *ret_port)
{
    bool named = lx_skip(&v, "authenticating user ") ||
                 lx_skip(&v, "invalid user ") || lx_skip(&v, "user ");
    const char *p = lx_find_last(v, " port "), *sp;
    int port = 0;

    if (p != NULL && (port = lx_port(lx_after(v, p, 6))) != 0)
        v = lx_before(v, p);
    sp = lx_find_last(v, " ");
    if (named && sp == NULL)
        return -EBADMSG;
    *ret_user = named ? lx_before(v, sp) : STRV_NULL;
    *ret_addr = named ? lx_after(v, sp, 1) : v;
    *ret_port = port;
    if (!named && memchr(v.p, ' ', v.n) != NULL)
        return -EBADMSG;
    return ret_addr->n > 0 ? 0 : -EBADMSG;
}

/* Fill a preauth-closed disconnect (or NONE for the duplicate). */
static int
sshd_preauth_event(struct event *ev, const struct sshd_line *l,
                   struct strv user, struct strv addr, int port)
{
    if (sshd_preauth_seen(l->st, l->env))
        return PARSE_NONE;
    sshd_common(ev, l);
    ev->action = EV_ACTION_DISCONNECT;
    ev->event_code = STRV_LIT("sshd-preauth-closed");
    lx_set_user(ev, user);
    if (addr.n > 0)
        sshd_set_peer(ev, addr, port);
    return PARSE_EVENT;
}

/* "Connection closed|reset by PEER [preauth]" */
static int
sshd_conn_closed(struct event *ev, const struct sshd_line *l, struct strv v)
{
    struct strv user, addr;
    int port;

    if (!l->preauth)
        return PARSE_NONE;
    if (sshd_peer(v, &user, &addr, &port) < 0)
        return -EBADMSG;
    return sshd_preauth_event(ev, l, user, addr, port);
}

/* "Disconnected from user U ADDR port N" (logout) or "... [preauth]" */
static int
sshd_disconnected(struct event *ev, const struct sshd_line *l, struct strv v)
{
    bool user_form = strv_starts_with(v, "user ");
    struct strv user, addr;
    int port;

    if (!l->preauth && !user_form)
        return PARSE_NONE;
    if (sshd_peer(v, &user, &addr, &port) < 0)
        return -EBADMSG;
    if (l->preauth)
        return sshd_preauth_event(ev, l, user, addr, port);
    sshd_common(ev, l);
    ev->action = EV_ACTION_LOGOUT;
    ev->event_code = STRV_LIT("sshd-disconnected");
    lx_set_user(ev, user);
    return sshd_set_peer(ev, addr, port);
}

/*
 * "Received disconnect from ADDR[ port N]:CODE: TEXT [preauth]" (new) or
 * "... from ADDR: CODE: TEXT" (old).  Without [preauth] the session's own
 * close (pam, "Disconnected from user") carries the fact.
 */
static int
sshd_received_disconnect(struct event *ev, const struct sshd_line *l,
                         struct strv v)
{
    const char *p = lx_find(v, " port "), *c;
    struct strv addr;
    int port = 0;

    if (!l->preauth)
        return PARSE_NONE;
    if (p != NULL) {
        struct strv t = lx_after(v, p, 6);

        c = memchr(t.p, ':', t.n);
        if (c == NULL || (port = lx_port(lx_before(t, c))) == 0)
            return -EBADMSG;
        addr = lx_before(v, p);
    } else {
        c = lx_find(v, ": ");
        if (c == NULL)
            return -EBADMSG;
        addr = lx_before(v, c);
    }
    if (addr.n == 0 || memchr(addr.p, ' ', addr.n) != NULL)
        return -EBADMSG;
    return sshd_preauth_event(ev, l, STRV_NULL, addr, port);
}

/*
 * "Disconnecting: Too many authentication failures[ for USER]" (old
 * packet_disconnect) and "Disconnecting [authenticating |invalid ]user U
 * ADDR port N: REASON [preauth]" (OpenSSH >= 7.5): the connection ends.
 */
static int
sshd_disconnecting(struct event *ev, const struct sshd_line *l, struct strv v)
{
    const char *c;
    struct strv user, addr;
    int port;

    if (lx_skip(&v, ": Too many authentication failures for "))
        return sshd_too_many(ev, l, v);
    if (!l->preauth)
        return PARSE_NONE;
    if (v.n > 0 && v.p[0] == ':') /* "Disconnecting: REASON": no peer */
        return sshd_preauth_event(ev, l, STRV_NULL, STRV_NULL, 0);
    if (!lx_skip(&v, " ") || (c = lx_find_last(v, ": ")) == NULL)
        return PARSE_NONE;
    v = lx_before(v, c);
    if (sshd_peer(v, &user, &addr, &port) < 0)
        return -EBADMSG;
    return sshd_preauth_event(ev, l, user, addr, port);
}

typedef int sshd_handler_fn(struct event *ev, const struct sshd_line *l,
                            struct strv rest);

/* Dispatch by the first bytes; first match wins. */
static const struct {
    const char *prefix;
    sshd_handler_fn *fn;
} sshd_table[] = {
    {"Accepted ", sshd_accepted},
    {"Failed ", sshd_failed},
    {"Invalid user ", sshd_invalid_user},
    {"invalid user ", sshd_invalid_user},
    {"Illegal user ", sshd_invalid_user},
    {"User ", sshd_not_allowed},
    {"ROOT LOGIN REFUSED FROM ", sshd_root_refused},
    {"Too many authentication failures for ", sshd_too_many},
    {"maximum authentication attempts exceeded for ", sshd_too_many},
    {"Connection closed by ", sshd_conn_closed},
    {"Connection reset by ", sshd_conn_closed},
    {"Disconnected from ", sshd_disconnected},
    {"Received disconnect from ", sshd_received_disconnect},
    {"Disconnecting", sshd_disconnecting},
};

static int
sshd_dispatch(struct event *ev, struct sshd_line *l)
{
    struct strv v = l->msg;

    lx_skip(&v, "error: ");
    for (size_t i = 0; i < sizeof(sshd_table) / sizeof(sshd_table[0]); i++) {
        if (lx_skip(&v, sshd_table[i].prefix))
            return sshd_table[i].fn(ev, l, v);
    }
    return PARSE_NONE;
}

/*
 * rsyslog's "message repeated N times: [ X ]": the inner message with a
 * repeat count.  Returns 1 and the inner view, 0 when not that form,
 * -EBADMSG when it is but N or the brackets are wrong.
 */
static int
sshd_unrepeat(struct strv *v, uint32_t *ret_n)
{
    const char *t;
    uint64_t n;
    struct strv num;

    if (!lx_skip(v, "message repeated "))
        return 0;
    t = lx_find(*v, " times: [");
    if (t == NULL)
        return -EBADMSG;
    num = lx_before(*v, t);
    if (strv_to_u64(num, EVENT_REPEAT_MAX, &n) < 0 || n == 0)
        return -EBADMSG;
    *v = lx_after(*v, t, strlen(" times: ["));
    if (!lx_chop(v, "]"))
        return -EBADMSG;
    lx_skip(v, " ");
    *v = lx_rtrim(*v);
    *ret_n = (uint32_t)n;
    return 1;
}

static int
parser_sshd_parse(const struct envelope *env, struct event *ev, void *state)
{
    struct sshd_line l = {.env = env, .st = state, .msg = lx_rtrim(env->msg)};
    uint32_t repeat = 1;
    int r = sshd_unrepeat(&l.msg, &repeat);

    if (r < 0)
        return r;
    l.preauth = lx_chop(&l.msg, " [preauth]");
    l.msg = lx_rtrim(l.msg);
    r = sshd_dispatch(ev, &l);
    if (r == PARSE_EVENT)
        ev->repeat = repeat;
    return r;
}

static const char *const sshd_programs[] = {"sshd", "sshd-session", "sshd-auth",
                                            NULL};

/* The sshd payload parser (format "sshd"). */
const struct parser_ops parser_sshd_ops = {
    .name = "sshd",
    .programs = sshd_programs,
    .state_new = sshd_state_new,
    .state_free = sshd_state_free,
    .parse = parser_sshd_parse,
};
