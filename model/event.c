/*
 * event.c - the user-session event: initialisation, scratch space, and the
 * names of the enumerations as they appear in the output (DESIGN 2).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "event.h"

void
event_init(struct event *ev)
{
    /* Only the header is cleared: scratch is written before it is read. */
    memset(ev, 0, offsetof(struct event, scratch));
    ev->time_us = EVENT_TIME_UNSET;
    ev->logon_type = -1;
    ev->repeat = 1;
}

struct strv
event_scratch_copy(struct event *ev, const char *p, size_t n)
{
    char *d;

    if (n > EVENT_SCRATCH_MAX - ev->scratch_len)
        return STRV_NULL;
    d = ev->scratch + ev->scratch_len;
    memcpy(d, p, n);
    ev->scratch_len += n;
    return strv_make(d, n);
}

struct strv
event_scratch_u64(struct event *ev, uint64_t v)
{
    char tmp[20];
    size_t i = sizeof(tmp);

    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return event_scratch_copy(ev, tmp + i, sizeof(tmp) - i);
}

static const char *const action_names[_EV_ACTION_MAX] = {
    [EV_ACTION_NONE] = NULL,
    [EV_ACTION_LOGIN] = "login",
    [EV_ACTION_LOGOUT] = "logout",
    [EV_ACTION_LOCK] = "lock",
    [EV_ACTION_UNLOCK] = "unlock",
    [EV_ACTION_RECONNECT] = "reconnect",
    [EV_ACTION_DISCONNECT] = "disconnect",
    [EV_ACTION_RESTART] = "restart",
};

static const char *const login_type_names[_EV_LOGIN_TYPE_MAX] = {
    [EV_LOGIN_TYPE_INTERACTIVE] = "interactive",
    [EV_LOGIN_TYPE_LOCAL] = "local",
    [EV_LOGIN_TYPE_RDP] = "rdp",
    [EV_LOGIN_TYPE_REMOTE] = "remote",
};

static const char *const username_type_names[_EV_USERNAME_TYPE_MAX] = {
    [EV_USERNAME_TYPE_WINDOWS] = "Windows",
    [EV_USERNAME_TYPE_UPN] = "UPN",
    [EV_USERNAME_TYPE_DN] = "DN",
    [EV_USERNAME_TYPE_SIMPLE] = "Simple",
};

static const char *const user_id_type_names[_EV_USER_ID_TYPE_MAX] = {
    [EV_USER_ID_TYPE_SID] = "SID",
    [EV_USER_ID_TYPE_UID] = "UID",
    [EV_USER_ID_TYPE_AADID] = "AADID",
    [EV_USER_ID_TYPE_OTHER] = "Other",
};

static const char *const user_type_names[_EV_USER_TYPE_MAX] = {
    [EV_USER_TYPE_REGULAR] = "Regular", [EV_USER_TYPE_ADMIN] = "Admin",
    [EV_USER_TYPE_SYSTEM] = "System",   [EV_USER_TYPE_SERVICE] = "Service",
    [EV_USER_TYPE_MACHINE] = "Machine", [EV_USER_TYPE_ANONYMOUS] = "Anonymous",
    [EV_USER_TYPE_GUEST] = "Guest",     [EV_USER_TYPE_OTHER] = "Other",
};

/* OSSEM logon_* names, indexed by enum ev_logon_field. */
static const char *const logon_field_names[_EV_LOGON_MAX] = {
    [EV_LOGON_PROCESS_NAME] = "logon_process_name",
    [EV_LOGON_AUTHENTICATION_PACKAGE_NAME] =
        "logon_authentication_package_name",
    [EV_LOGON_AUTHENTICATION_LAN_PACKAGE_NAME] =
        "logon_authentication_lan_package_name",
    [EV_LOGON_KEY_LENGTH] = "logon_key_length",
    [EV_LOGON_GUID] = "logon_guid",
    [EV_LOGON_ELEVATED_TOKEN] = "logon_elevated_token",
    [EV_LOGON_IMPERSONATION_LEVEL] = "logon_impersonation_level",
    [EV_LOGON_RESTRICTED_ADMIN_MODE] = "logon_restricted_admin_mode",
    [EV_LOGON_VIRTUAL_ACCOUNT] = "logon_virtual_account",
    [EV_LOGON_USER_LINKED_ID] = "logon_user_linked_id",
    [EV_LOGON_TRANSMITTED_SERVICES] = "logon_transmitted_services",
};

/* The name of a value, or NULL when it is out of range or "none". */
#define NAME_OF(table, v)                                                      \
    ((unsigned)(v) < sizeof(table) / sizeof((table)[0]) ? (table)[(v)] : NULL)

const char *
event_action_name(enum ev_action a)
{
    return NAME_OF(action_names, a);
}

const char *
event_login_type_name(enum ev_login_type t)
{
    return NAME_OF(login_type_names, t);
}

const char *
event_username_type_name(enum ev_username_type t)
{
    return NAME_OF(username_type_names, t);
}

const char *
event_user_id_type_name(enum ev_user_id_type t)
{
    return NAME_OF(user_id_type_names, t);
}

const char *
event_user_type_name(enum ev_user_type t)
{
    return NAME_OF(user_type_names, t);
}

const char *
event_logon_field_name(enum ev_logon_field f)
{
    return NAME_OF(logon_field_names, f);
}

/*
 * The index of `name` in a name table, or -EINVAL when no entry spells it
 * (the NULL "none" entries never match).  name is borrowed.
 */
static int
index_of(const char *const *table, size_t n, struct strv name)
{
    for (size_t i = 0; i < n; i++)
        if (table[i] != NULL && strv_eq_cstr(name, table[i]))
            return (int)i;
    return -EINVAL;
}

#define INDEX_OF(table, name)                                                  \
    index_of((table), sizeof(table) / sizeof((table)[0]), (name))

int
event_login_type_from_name(struct strv name)
{
    return INDEX_OF(login_type_names, name);
}

int
event_username_type_from_name(struct strv name)
{
    return INDEX_OF(username_type_names, name);
}

int
event_user_id_type_from_name(struct strv name)
{
    return INDEX_OF(user_id_type_names, name);
}

int
event_user_type_from_name(struct strv name)
{
    return INDEX_OF(user_type_names, name);
}
