/*
 * logind.c - systemd-logind session start and stop (format "logind").
 *
 * From the journal, by MESSAGE_ID (systemd's catalog, sd-messages.h
 * SD_MESSAGE_SESSION_START / SD_MESSAGE_SESSION_STOP), with the fields
 * logind-session.c logs beside MESSAGE:
 *
 *   MESSAGE_ID=8d45620c1a4348dbb17410da57c60c66  New session 3 of user alice.
 *   MESSAGE_ID=3354939424b4456d9802ca8333ed424a  Removed session 3.
 *   SESSION_ID=3  USER_ID=alice (a name)  LEADER=4242
 *
 * and from the same text in a plain auth.log, where there are no fields:
 *
 *   Mar 14 13:54:19 web01 systemd-logind[612]: New session 3 of user alice.
 *   Mar 14 14:10:02 web01 systemd-logind[612]: Removed session 3.
 *
 * New session -> login (successful), Removed session -> logout; user =
 * USER_ID, login_id = SESSION_ID, service "systemd-logind".  Session ids
 * restart with every boot, so journal events carry the _BOOT_ID (set by
 * the registry for every journal event) and sessions are keyed with it.
 * Other logind entries ("Watching system buttons", "Session 3 logged
 * out. Waiting for processes to exit.") carry no event.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "linux_state.h"
#include "parser.h"

#define LOGIND_MSGID_NEW "8d45620c1a4348dbb17410da57c60c66"
#define LOGIND_MSGID_REMOVED "3354939424b4456d9802ca8333ed424a"
/* Longest session id accepted ("c1", "3", "42134"); logind's are short. */
#define LOGIND_SESSION_ID_MAX 64

/* A session id: [A-Za-z0-9] and at most LOGIND_SESSION_ID_MAX of them. */
static bool
valid_session_id(struct strv v)
{
    if (v.n == 0 || v.n > LOGIND_SESSION_ID_MAX)
        return false;
    for (size_t i = 0; i < v.n; i++) {
        char c = v.p[i];

        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
              (c >= 'A' && c <= 'Z')))
            return false;
    }
    return true;
}

static int
logind_event(struct event *ev, bool start, struct strv session,
             struct strv user)
{
    if (!valid_session_id(session))
        return -EBADMSG;
    ev->action = start ? EV_ACTION_LOGIN : EV_ACTION_LOGOUT;
    if (start)
        ev->result = EV_RESULT_SUCCESS;
    ev->login_id = session;
    ev->service = STRV_LIT("systemd-logind");
    ev->event_code = start ? STRV_LIT("logind-session-new")
                           : STRV_LIT("logind-session-removed");
    if (strv_present(user))
        lx_set_user(ev, user);
    return PARSE_EVENT;
}

/* "New session 3 of user alice." / "Removed session 3." */
static int
logind_text(struct event *ev, struct strv v)
{
    const char *of;
    struct strv id;

    v = lx_rtrim(v);
    if (lx_skip(&v, "New session ")) {
        of = lx_find(v, " of user ");
        if (of == NULL)
            return -EBADMSG;
        id = lx_before(v, of);
        v = lx_after(v, of, strlen(" of user "));
        lx_chop(&v, ".");
        if (v.n == 0 || memchr(v.p, ' ', v.n) != NULL)
            return -EBADMSG;
        return logind_event(ev, true, id, v);
    }
    if (lx_skip(&v, "Removed session ")) {
        lx_chop(&v, ".");
        return logind_event(ev, false, v, STRV_NULL);
    }
    return PARSE_NONE;
}

static int
parser_logind_parse(const struct envelope *env, struct event *ev, void *state)
{
    const struct journal_fields *jf = env->journal;

    (void)state;
    if (jf != NULL && strv_present(jf->message_id)) {
        if (strv_eq_cstr(jf->message_id, LOGIND_MSGID_NEW))
            return logind_event(ev, true, jf->session_id, jf->user_id);
        if (strv_eq_cstr(jf->message_id, LOGIND_MSGID_REMOVED))
            return logind_event(ev, false, jf->session_id, jf->user_id);
        return PARSE_NONE;
    }
    return logind_text(ev, env->msg);
}

static const char *const logind_programs[] = {"systemd-logind", NULL};

/* The systemd-logind payload parser (format "logind"). */
const struct parser_ops parser_logind_ops = {
    .name = "logind",
    .programs = logind_programs,
    .parse = parser_logind_parse,
};
