/*
 * session.h - the session engine (DESIGN 3).
 *
 * Pure: no I/O, no clock; time is the events' own time, or the `now` the
 * caller passes to session_table_expire().  The table owns its sessions.
 *
 * A session begins at the first access attempt, failed or not, and ends at
 * logoff or disconnect; a failed attempt is a session that opens and closes
 * at once.  Keys: Windows (host, logon id), sshd (host, pid), wtmp
 * (host, line, pid)... - derived from the event's hostname, format and
 * login_id.
 */
#ifndef SESSIONTAIL_SESSION_H
#define SESSIONTAIL_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

/* Session records one feed or expiry step can produce at most. */
#define SESSION_OUT_MAX 4
#define SESSION_ID_LEN 16

struct session_limits {
    int64_t idle_timeout_us; /* 0: never expire */
    size_t max_open;         /* open sessions kept; the oldest is evicted */
    bool include_system_accounts; /* track SYSTEM, DWM-n, machine$... */
};

enum session_state { SESSION_STATE_OPEN = 0, SESSION_STATE_CLOSED };

enum session_end_reason {
    SESSION_END_NONE = 0,
    SESSION_END_LOGOUT,
    SESSION_END_DISCONNECT,
    SESSION_END_REBOOT,
    SESSION_END_EXPIRED,
    SESSION_END_EVICTED,
    SESSION_END_FAILED,
    _SESSION_END_MAX,
};

struct session;
struct session_table;

/*
 * Called for every session record produced (opened or closed).  `s` is
 * borrowed: valid until the next call on the table.
 */
typedef void (*session_emit_fn)(void *ctx, const struct session *s);

struct session_stats {
    uint64_t opened;
    uint64_t closed;
    uint64_t failed;
    uint64_t expired;
    uint64_t evicted;
    uint64_t rebooted;   /* closed by a host restart */
    uint64_t merged;     /* events joined to a session under another key */
    uint64_t reconnects; /* segments started by a reconnect */
    uint64_t orphans;    /* logouts and the like that no session claimed */
    uint64_t restored;   /* sessions loaded from a state file */
    size_t open_now;
};

/* Returns NULL on ENOMEM.  `lim` is copied. */
struct session_table *session_table_new(const struct session_limits *lim);
/* Frees the table and its sessions; accepts NULL; returns NULL. */
struct session_table *session_table_free(struct session_table *t);

/*
 * Apply one event.  Sets ev->session_id (a view into table memory, valid
 * until the next call on the table) when the event belongs to a session,
 * and calls emit for each session record it opened or closed (at most
 * SESSION_OUT_MAX).  Returns 0, or -ENOMEM (the event is still valid and
 * should still be written).
 */
int session_table_feed(struct session_table *t, struct event *ev,
                       session_emit_fn emit, void *ctx);

/*
 * Close sessions idle since before now_us - idle_timeout (end_reason
 * "expired"), calling emit for each.  Returns the number closed.
 */
int session_table_expire(struct session_table *t, int64_t now_us,
                         session_emit_fn emit, void *ctx);

void session_table_stats(const struct session_table *t,
                         struct session_stats *ret);

/* Read-only accessors, for the renderers and the daemon. */
enum session_state session_state(const struct session *s);
const char *session_end_reason_name(enum session_end_reason r);

/* Contributing events kept per session (the first ones); event_count has
 * the total. */
#define SESSION_SOURCES_MAX 4
/* Keys one session is found by: a merged logon is known by its logon id,
 * the linked logon id of its split token (UAC: two 4624s, elevated and
 * not) and its terminal-services session id. */
#define SESSION_KEYS_MAX 3
/* Longest uid text a view rebuilds (a SID of 15 sub-authorities). */
#define SESSION_UID_TEXT_MAX 192

/* One event that contributed to a session (DESIGN 3 "sources"). */
struct session_source {
    struct strv format;
    struct strv event_code;
    struct strv record_id;
    int64_t time_us;
};

/*
 * A read-only, unpacked view of a session, for the renderers and the daemon.
 * Every strv is borrowed from the session (valid as long as `s` is: until
 * the next call on its table); absent values are empty views.
 */
struct session_view {
    struct strv session_id;          /* SESSION_ID_LEN lower-case hex */
    struct strv previous_session_id; /* absent unless a reconnect */
    enum session_state state;
    enum session_end_reason end_reason; /* closed only */
    int64_t start_us;
    int64_t end_us; /* closed only; EVENT_TIME_UNSET while open */
    struct strv hostname;
    struct strv login_id;
    struct strv user;
    struct strv user_name;
    struct strv user_domain;
    enum ev_username_type username_type;
    struct strv uid;
    enum ev_user_id_type user_id_type;
    enum ev_user_type user_type;
    enum ev_login_type login_type;
    int logon_type; /* -1 absent */
    bool login_successful;
    struct strv auth_method;
    struct strv src_ip;
    int src_port; /* 0 absent */
    bool admin;
    bool locked; /* open and locked now (a lock after the last unlock) */
    uint32_t lock_count;
    uint32_t failure_count;
    struct strv result_details; /* of the last failure */
    uint64_t event_count;
    size_t n_sources;
    struct session_source sources[SESSION_SOURCES_MAX];
    /* Engine bookkeeping, for the state file: saved and handed back to
     * session_table_restore() as they are. */
    int64_t last_us;                 /* last activity (event time) */
    uint64_t keys[SESSION_KEYS_MAX]; /* 0: unused */
    uint64_t boot; /* hash of the host's journal boot id, 0: none */
    uint32_t flags;
    /* Storage for the ids and the uid the strvs above may point to. */
    char id_buf[SESSION_ID_LEN];
    char prev_buf[SESSION_ID_LEN];
    char uid_buf[SESSION_UID_TEXT_MAX];
};

/*
 * Fill *ret with views of s.  The strvs point into s (valid as long as s
 * is) or into *ret itself (the ids): do not copy a view by assignment and
 * keep using the copy's strvs.
 */
void session_view(const struct session *s, struct session_view *ret);

/*
 * Iterate over the open sessions: start with *pos = 0; returns the next
 * open session and advances *pos, or NULL at the end.  The table may be
 * fed between calls (a periodic state save runs in slices): a session
 * opened or closed meanwhile may be missed, none is visited twice unless
 * it was closed and its slot reused.
 */
const struct session *session_table_next(const struct session_table *t,
                                         size_t *pos);

/*
 * Put back an open session saved from session_view() (state file at
 * start).  Strings are copied.  Returns 0; -EEXIST when a session with one
 * of its keys is already open; -EINVAL when v is not an open session with
 * a valid id; -ENOMEM.  A full table evicts as a feed does (silently: no
 * record is emitted while restoring).
 */
int session_table_restore(struct session_table *t,
                          const struct session_view *v);

#endif
