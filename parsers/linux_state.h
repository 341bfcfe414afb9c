/*
 * linux_state.h - private to the Linux payload parsers (sshd, pam, login,
 * su): the correlation state they share and small lexing helpers.
 *
 * Correlation: su(1) and login(1) log their own failure line ("FAILED SU
 * (to root) alice on pts/0") right after pam_unix's "authentication
 * failure" for the same process.  Both say one thing (DESIGN 2 counting),
 * so pam notes each failure of those services by (host, pid) in a small
 * fixed ring, and su/login consume the note instead of reporting again.
 * One instance is shared by pam, su and login: the registry gives parsers
 * whose ops have the same state_new one common state.
 *
 * Example: "Mar 14 13:54:19 web01 su[4242]: pam_unix(su:auth):
 * authentication failure; logname=alice uid=1000 euid=0 tty=pts/0
 * ruser=alice rhost=  user=root" then "... su[4242]: FAILED SU (to root)
 * alice on pts/0" -> one failed login.
 */
#ifndef SESSIONTAIL_LINUX_STATE_H
#define SESSIONTAIL_LINUX_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../model/buf.h"
#include "parser.h"

/* Recent (host, pid) entries remembered; older ones are overwritten. */
#define LINUX_STATE_RING 64
/* Pending pam failures counted per entry. */
#define LINUX_STATE_PENDING_MAX 255

struct linux_fail {
    uint64_t host_hash; /* FNV-1a of the hostname */
    uint64_t pid;
    uint8_t pending;  /* pam failures not yet claimed by su/login */
    uint32_t login_n; /* last "FAILED LOGIN (n)" number seen */
    bool used;
};

/* Owned by the parse context; freed with linux_state_free(). */
struct linux_state {
    struct linux_fail ring[LINUX_STATE_RING];
    unsigned next;
};

/* state_new/state_free of the pam, su and login ops (defined in pam.c). */
void *linux_state_new(void);
void linux_state_free(void *state);
/* The entry of (host, pid), created when `create`; NULL if none. */
struct linux_fail *linux_state_find(struct linux_state *st, struct strv host,
                                    struct strv pid, bool create);
/* pam saw an auth failure for (host, pid). */
void linux_state_note_failure(struct linux_state *st, struct strv host,
                              struct strv pid);
/* True (and the note is used up) when pam already reported this failure. */
bool linux_state_take_failure(struct linux_state *st, struct strv host,
                              struct strv pid);

/* --- lexing helpers: views only, no allocation --------------------- */

/* Address of the first occurrence of needle in v at or after from. */
static inline const char *
lx_find(struct strv v, const char *needle)
{
    size_t n = strlen(needle);

    return v.n >= n ? memmem(v.p, v.n, needle, n) : NULL;
}

static inline struct strv
lx_after(struct strv v, const char *p, size_t skip)
{
    return strv_make(p + skip, v.n - (size_t)(p - v.p) - skip);
}

static inline struct strv
lx_before(struct strv v, const char *p)
{
    return strv_make(v.p, (size_t)(p - v.p));
}

/* Drop a prefix when present; true if it was. */
static inline bool
lx_skip(struct strv *v, const char *prefix)
{
    size_t n = strlen(prefix);

    if (v->n < n || memcmp(v->p, prefix, n) != 0)
        return false;
    v->p += n;
    v->n -= n;
    return true;
}

/* Drop a suffix when present; true if it was. */
static inline bool
lx_chop(struct strv *v, const char *suffix)
{
    size_t n = strlen(suffix);

    if (v->n < n || memcmp(v->p + v->n - n, suffix, n) != 0)
        return false;
    v->n -= n;
    return true;
}

static inline struct strv
lx_rtrim(struct strv v)
{
    while (v.n > 0 && (v.p[v.n - 1] == ' ' || v.p[v.n - 1] == '\t' ||
                       v.p[v.n - 1] == '\r'))
        v.n--;
    return v;
}

/* Last occurrence of needle in v, or NULL. */
const char *lx_find_last(struct strv v, const char *needle);
/* A literal IPv4 (dotted quad) or IPv6 (RFC 4291 2.2) address. */
bool lx_is_ip(struct strv v);
/* A TCP port 1..65535 occupying all of v; 0 when it is not one. */
int lx_port(struct strv v);
/* FNV-1a 64 of v. */
uint64_t lx_hash(struct strv v);
/*
 * Fill the fields every Linux payload shares: login_id (pid), service,
 * hostname-independent typing.  Sets ev->user (absent when empty), then
 * types it with identity_type_user().
 */
void lx_set_user(struct event *ev, struct strv user);
void lx_set_common(struct event *ev, const struct envelope *env,
                   struct strv service, enum ev_login_type type);
/* Set src_ip when v is a literal address (not a host name). */
void lx_set_ip(struct event *ev, struct strv v);

#endif
