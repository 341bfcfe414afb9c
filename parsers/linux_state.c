/*
 * linux_state.c - the correlation state shared by the pam, su and login
 * parsers, and the lexing helpers of the Linux payload parsers (see
 * linux_state.h).  Pure: no I/O, no globals.
 *
 * Example: "pam_unix(login:auth): authentication failure; ... user=bob"
 * notes (host, pid); the following "FAILED LOGIN 1 FROM tty1 FOR bob,
 * Authentication failure" of the same pid then adds no event.
 */
#include <stdint.h>
#include <string.h>

#include "../model/identity.h"
#include "../model/mem.h"
#include "linux_state.h"

/*
 * Allocate an empty state.  Returns NULL on ENOMEM; the caller frees it
 * with linux_state_free().
 */
void *
linux_state_new(void)
{
    return mem_calloc(1, sizeof(struct linux_state));
}

/* Free a state made by linux_state_new(); accepts NULL. */
void
linux_state_free(void *state)
{
    mem_free(state);
}

uint64_t
lx_hash(struct strv v)
{
    uint64_t h = UINT64_C(14695981039346656037);

    for (size_t i = 0; i < v.n; i++) {
        h ^= (unsigned char)v.p[i];
        h *= UINT64_C(1099511628211);
    }
    return h;
}

/*
 * The ring entry of (host, pid).  A pid that is not a number has no entry.
 * With create, a missing entry takes the oldest slot.  Returns NULL when
 * absent and not created.
 */
struct linux_fail *
linux_state_find(struct linux_state *st, struct strv host, struct strv pid,
                 bool create)
{
    uint64_t h = lx_hash(host), p;
    struct linux_fail *f;

    if (st == NULL || strv_to_u64(pid, UINT64_MAX, &p) < 0)
        return NULL;
    for (unsigned i = 0; i < LINUX_STATE_RING; i++) {
        f = &st->ring[i];
        if (f->used && f->pid == p && f->host_hash == h)
            return f;
    }
    if (!create)
        return NULL;
    f = &st->ring[st->next];
    st->next = (st->next + 1) % LINUX_STATE_RING;
    *f = (struct linux_fail){.host_hash = h, .pid = p, .used = true};
    return f;
}

/* Record one pam authentication failure of (host, pid). */
void
linux_state_note_failure(struct linux_state *st, struct strv host,
                         struct strv pid)
{
    struct linux_fail *f = linux_state_find(st, host, pid, true);

    if (f != NULL && f->pending < LINUX_STATE_PENDING_MAX)
        f->pending++;
}

/*
 * Claim a pam failure noted for (host, pid).  Returns true when there was
 * one (the caller's line repeats it), false otherwise.
 */
bool
linux_state_take_failure(struct linux_state *st, struct strv host,
                         struct strv pid)
{
    struct linux_fail *f = linux_state_find(st, host, pid, false);

    if (f == NULL || f->pending == 0)
        return false;
    f->pending--;
    return true;
}

const char *
lx_find_last(struct strv v, const char *needle)
{
    size_t n = strlen(needle);

    if (n == 0 || v.n < n)
        return NULL;
    for (size_t i = v.n - n + 1; i-- > 0;)
        if (v.p[i] == needle[0] && memcmp(v.p + i, needle, n) == 0)
            return v.p + i;
    return NULL;
}

static bool
is_ipv4(struct strv v)
{
    int parts = 0;
    size_t i = 0;

    while (i < v.n) {
        unsigned val = 0, digits = 0;

        while (i < v.n && (unsigned)(v.p[i] - '0') <= 9 && digits < 4) {
            val = val * 10 + (unsigned)(v.p[i] - '0');
            digits++;
            i++;
        }
        if (digits == 0 || digits > 3 || val > 255)
            return false;
        parts++;
        if (i == v.n)
            break;
        if (v.p[i] != '.' || parts == 4)
            return false;
        i++;
    }
    return parts == 4 && v.p[v.n - 1] != '.';
}

static bool
is_hex(char c)
{
    return (unsigned)(c - '0') <= 9 || (unsigned)((c | 0x20) - 'a') <= 5;
}

/* RFC 4291 2.2 text forms, "::" at most once, optional dotted-quad tail. */
static bool
is_ipv6(struct strv v)
{
    size_t i = 0, groups = 0;
    bool gap = false;

    if (v.n < 2 || v.n > 45 || lx_find(v, ":") == NULL)
        return false;
    if (v.p[0] == ':' && v.p[1] == ':') {
        gap = true;
        i = 2;
    } else if (v.p[0] == ':') {
        return false;
    }
    while (i < v.n) {
        size_t s = i;

        while (i < v.n && is_hex(v.p[i]) && i - s < 4)
            i++;
        if (i < v.n && v.p[i] == '.')
            return is_ipv4(strv_make(v.p + s, v.n - s)) && groups + 2 <= 8 &&
                   (gap || groups == 6);
        if (i == s)
            return false;
        groups++;
        if (i == v.n)
            break;
        if (v.p[i] != ':')
            return false;
        i++;
        if (i < v.n && v.p[i] == ':') {
            if (gap)
                return false;
            gap = true;
            i++;
        } else if (i == v.n) {
            return false;
        }
    }
    return gap ? groups <= 7 : groups == 8;
}

bool
lx_is_ip(struct strv v)
{
    return v.n > 0 && (is_ipv4(v) || is_ipv6(v));
}

int
lx_port(struct strv v)
{
    uint64_t p;

    if (strv_to_u64(v, 65535, &p) < 0 || p == 0)
        return 0;
    return (int)p;
}

/* Set the user as written (absent when empty) and type it. */
void
lx_set_user(struct event *ev, struct strv user)
{
    if (strv_present(user) && !(user.n == 1 && user.p[0] == '-'))
        ev->user = user;
    identity_type_user(ev);
}

/* login_id = pid, service, login_type: common to every Linux payload. */
void
lx_set_common(struct event *ev, const struct envelope *env, struct strv service,
              enum ev_login_type type)
{
    if (strv_present(env->pid))
        ev->login_id = env->pid;
    if (strv_present(service))
        ev->service = service;
    ev->login_type = type;
}

void
lx_set_ip(struct event *ev, struct strv v)
{
    if (lx_is_ip(v))
        ev->src_ip = v;
}
