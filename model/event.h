/*
 * event.h - the user-session event (DESIGN 2) and its renderings.
 *
 * An event is what one line of evidence says about a user session: a login,
 * a logout, a lock...  Field names follow the MITRE CAR User Session model,
 * identity typing the Sentinel ASIM user entity, Windows logon detail the
 * OSSEM logon_* names.
 *
 * Ownership: string fields are borrowed views (struct strv), normally into
 * the raw record the parser was given, so an event is valid only while that
 * record is.  Values a parser has to build (a normalised logon id, a
 * result text, a file offset as text) go into the event's own `scratch`
 * area through event_scratch_*(); an event must therefore not be copied by
 * value once scratch is in use (views would point into the old copy).
 * Whatever outlives the record (the session table, a sink queue) copies.
 */
#ifndef SESSIONTAIL_EVENT_H
#define SESSIONTAIL_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

/* Bytes of derived strings one event can hold (logon id, result text...). */
#define EVENT_SCRATCH_MAX 512
/* The most copies one "message repeated N times" line may expand into. */
#define EVENT_REPEAT_MAX 10000
/* Time value meaning "not known". */
#define EVENT_TIME_UNSET INT64_MIN

enum ev_action {
    EV_ACTION_NONE = 0, /* parser found nothing to report */
    EV_ACTION_LOGIN,
    EV_ACTION_LOGOUT,
    EV_ACTION_LOCK,
    EV_ACTION_UNLOCK,
    EV_ACTION_RECONNECT,
    EV_ACTION_DISCONNECT,
    EV_ACTION_RESTART, /* host restart: closes the host's sessions */
    _EV_ACTION_MAX,
};

/* CAR login_type. */
enum ev_login_type {
    EV_LOGIN_TYPE_NONE = 0,
    EV_LOGIN_TYPE_INTERACTIVE,
    EV_LOGIN_TYPE_LOCAL,
    EV_LOGIN_TYPE_RDP,
    EV_LOGIN_TYPE_REMOTE,
    _EV_LOGIN_TYPE_MAX,
};

/* ASIM UsernameType. */
enum ev_username_type {
    EV_USERNAME_TYPE_NONE = 0,
    EV_USERNAME_TYPE_WINDOWS,
    EV_USERNAME_TYPE_UPN,
    EV_USERNAME_TYPE_DN,
    EV_USERNAME_TYPE_SIMPLE,
    _EV_USERNAME_TYPE_MAX,
};

/* ASIM UserIdType. */
enum ev_user_id_type {
    EV_USER_ID_TYPE_NONE = 0,
    EV_USER_ID_TYPE_SID,
    EV_USER_ID_TYPE_UID,
    EV_USER_ID_TYPE_AADID,
    EV_USER_ID_TYPE_OTHER,
    _EV_USER_ID_TYPE_MAX,
};

/* ASIM UserType. */
enum ev_user_type {
    EV_USER_TYPE_NONE = 0,
    EV_USER_TYPE_REGULAR,
    EV_USER_TYPE_ADMIN,
    EV_USER_TYPE_SYSTEM,
    EV_USER_TYPE_SERVICE,
    EV_USER_TYPE_MACHINE,
    EV_USER_TYPE_ANONYMOUS,
    EV_USER_TYPE_GUEST,
    EV_USER_TYPE_OTHER,
    _EV_USER_TYPE_MAX,
};

/* Tri-state for login_successful: absent on logout, lock... */
enum ev_result {
    EV_RESULT_NONE = 0,
    EV_RESULT_SUCCESS,
    EV_RESULT_FAILURE,
};

/* OSSEM logon_* detail fields, in output order (names in event.c). */
enum ev_logon_field {
    EV_LOGON_PROCESS_NAME = 0,
    EV_LOGON_AUTHENTICATION_PACKAGE_NAME,
    EV_LOGON_AUTHENTICATION_LAN_PACKAGE_NAME,
    EV_LOGON_KEY_LENGTH,
    EV_LOGON_GUID,
    EV_LOGON_ELEVATED_TOKEN,
    EV_LOGON_IMPERSONATION_LEVEL,
    EV_LOGON_RESTRICTED_ADMIN_MODE,
    EV_LOGON_VIRTUAL_ACCOUNT,
    EV_LOGON_USER_LINKED_ID,
    EV_LOGON_TRANSMITTED_SERVICES,
    _EV_LOGON_MAX,
};

struct event {
    int64_t time_us; /* µs since the epoch, UTC; EVENT_TIME_UNSET */
    enum ev_action action;
    enum ev_result result; /* login_successful */
    struct strv hostname;
    struct strv user; /* as the source wrote it */
    struct strv user_name;
    struct strv user_domain;
    enum ev_username_type username_type;
    struct strv uid; /* SID, numeric uid... */
    enum ev_user_id_type user_id_type;
    enum ev_user_type user_type;
    struct strv actor_user; /* who acted: su's caller, pam ruser */
    struct strv login_id;   /* logon id, sshd pid, tty... */
    struct strv boot_id;    /* journal _BOOT_ID: logind ids repeat per boot */
    enum ev_login_type login_type;
    int logon_type; /* Windows logon type 0-13; -1 absent */
    struct strv tty;
    struct strv src_ip;
    int src_port; /* 0 absent */
    struct strv dest_ip;
    int dest_port;           /* 0 absent */
    struct strv service;     /* program or PAM service: sshd, su, login */
    struct strv auth_method; /* password, publickey, Kerberos... */
    struct strv result_details;
    struct strv logon[_EV_LOGON_MAX];
    struct strv session_id; /* set by the session engine */
    struct strv event_code; /* 4624, sshd-accepted, pam-session-opened */
    struct strv format;     /* parser name */
    struct strv source;     /* configured source name */
    struct strv record_id;  /* EventRecordID, cursor, file offset */
    bool admin;             /* 4672 seen, uid 0 */
    uint32_t repeat;        /* how many times this fact was reported (>= 1) */
    size_t scratch_len;
    char scratch[EVENT_SCRATCH_MAX];
};

/* Reset every field: no values, repeat 1, logon_type -1, time unset. */
void event_init(struct event *ev);

/*
 * Copy n bytes into the event's scratch area and return a view of the copy.
 * On overflow returns an empty view (the field is then simply absent).
 */
struct strv event_scratch_copy(struct event *ev, const char *p, size_t n);
/* Render v as decimal into scratch. */
struct strv event_scratch_u64(struct event *ev, uint64_t v);

const char *event_action_name(enum ev_action a);
const char *event_login_type_name(enum ev_login_type t);
const char *event_username_type_name(enum ev_username_type t);
const char *event_user_id_type_name(enum ev_user_id_type t);
const char *event_user_type_name(enum ev_user_type t);
const char *event_logon_field_name(enum ev_logon_field f);

/*
 * The reverse of the *_name() functions above, for data read back (the
 * state file): the enum value whose name is exactly `name`, or -EINVAL
 * when none is (the "none" values have no name).  Pure.
 */
int event_login_type_from_name(struct strv name);
int event_username_type_from_name(struct strv name);
int event_user_id_type_from_name(struct strv name);
int event_user_type_from_name(struct strv name);

#endif
