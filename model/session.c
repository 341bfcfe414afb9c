/*
 * session.c - the session engine (DESIGN 3), first form.
 *
 * Sessions are keyed by (hostname, login_id): the Windows logon id, the
 * sshd pid, the logind session id.  A successful login or reconnect opens a
 * session (or joins the open one with that key); a failed login with a key
 * opens the failed-attempt session of that connection, which a later
 * success on the same key turns into a successful one (sshd retries on one
 * connection); a failed login without a key is a one-shot session that
 * opens and closes at once.  Logout and disconnect close, lock/unlock are
 * counted, a host restart closes every session of the host.
 *
 *   event  login failed web01 pid 4242  -> session opened (attempt)
 *   event  login failed web01 pid 4242  -> failure_count 2
 *   event  login ok     web01 pid 4242  -> login_successful true
 *   event  logout       web01 pid 4242  -> session closed "logout"
 *
 * Structures, all owned by the table:
 * - an open-addressing hash table (linear probing, power-of-two size,
 *   backward-shift deletion) of session pointers, keyed by a 64-bit hash of
 *   host and login id;
 * - two binary min-heaps on last activity (event time): one for successful
 *   sessions (idle expiry and eviction), one for failed attempts (attempt
 *   timeout); each session knows its heap slot, so updates are O(log n);
 * - a graveyard: sessions closed during a call stay readable until the
 *   next call (session.h: emitted records are borrowed until then).
 *
 * Memory per session is fixed and small: numbers and enums, a 16-byte id,
 * and the strings packed into an inline area of SESSION_INLINE_MAX bytes
 * (substrings such as user_name inside user are stored once), spilling to
 * one heap block only when they do not fit.  Short vocabulary strings
 * (format, event_code, auth_method) are interned per table.  Every string
 * is capped at SESSION_STR_MAX bytes.
 *
 * Time is the events' own time; the table never reads a clock.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "identity.h"
#include "mem.h"
#include "session.h"

/* A failed-attempt session closes after this much event time without
 * activity (at the next session_table_expire()). */
#define SESSION_ATTEMPT_TIMEOUT_US (10LL * 60 * 1000000)
/* max_open used when the limits say 0. */
#define SESSION_MAX_OPEN_DEFAULT 100000
/* Bytes of strings stored inside the session itself. */
#define SESSION_INLINE_MAX 56
/* Longest value kept for one string field; longer ones are truncated. */
#define SESSION_STR_MAX 255
/* Distinct interned strings per table, and the longest one interned. */
#define SESSION_INTERN_MAX 1024
#define SESSION_INTERN_LEN_MAX 48
#define SESSION_INTERN_SLOTS (2 * SESSION_INTERN_MAX)
/* Smallest hash table. */
#define SESSION_HASH_MIN 16

/* A string reference with this bit set indexes the intern pool. */
#define REF_INTERNED 0x8000u

/* The string fields of a session, in storage order. */
enum sfield {
    SF_HOSTNAME = 0,
    SF_LOGIN_ID,
    SF_USER,
    SF_USER_NAME,
    SF_USER_DOMAIN,
    SF_UID,
    SF_SRC_IP,
    SF_AUTH_METHOD,
    SF_RESULT_DETAILS,
    SF_SOURCES, /* then format, event_code, record_id per source */
    _SF_MAX = SF_SOURCES + 3 * SESSION_SOURCES_MAX,
};

#define SF_SRC_FORMAT(i) (SF_SOURCES + 3 * (i))
#define SF_SRC_CODE(i) (SF_SOURCES + 3 * (i) + 1)
#define SF_SRC_RECORD(i) (SF_SOURCES + 3 * (i) + 2)

enum heap_id { HEAP_OPEN = 0, HEAP_ATTEMPT, _HEAP_MAX };

/* One session.  Owned by its table; strings are owned by the session
 * (inline or `ext`) or by the table's intern pool. */
struct session {
    struct session_table *t;
    struct session *grave_next;
    char *ext; /* owned: strings when they do not fit inline */
    uint64_t key_hash;
    int64_t start_us;
    int64_t end_us;
    int64_t last_us; /* last activity: the heap key */
    int64_t src_time[SESSION_SOURCES_MAX];
    uint32_t heap_idx;
    uint32_t event_count;
    uint32_t lock_count;
    uint32_t failure_count;
    uint16_t off[_SF_MAX];
    uint8_t len[_SF_MAX];
    uint16_t src_port;
    int8_t logon_type;
    uint8_t state;
    uint8_t end_reason;
    uint8_t heap; /* enum heap_id */
    uint8_t login_type;
    uint8_t username_type;
    uint8_t user_id_type;
    uint8_t user_type;
    uint8_t n_sources;
    bool successful;
    bool admin;
    char id[SESSION_ID_LEN];
    char inl[SESSION_INLINE_MAX];
};

struct heap {
    struct session **a;
    size_t n;
    size_t cap;
};

struct intern {
    char *str[SESSION_INTERN_MAX];
    uint8_t len[SESSION_INTERN_MAX];
    uint16_t slot[SESSION_INTERN_SLOTS]; /* index + 1; 0 empty */
    size_t n;
};

struct session_table {
    struct session_limits lim;
    struct session **slots; /* hash table, `mask + 1` entries */
    size_t mask;
    size_t count;
    struct heap heaps[_HEAP_MAX];
    struct session *graveyard;
    struct session_stats stats;
    int64_t clock_us; /* latest event time seen */
    struct intern intern;
};

/* Per-call emission state. */
struct out {
    session_emit_fn emit;
    void *ctx;
};

static const char *const end_reason_names[_SESSION_END_MAX] = {
    [SESSION_END_LOGOUT] = "logout",   [SESSION_END_DISCONNECT] = "disconnect",
    [SESSION_END_REBOOT] = "reboot",   [SESSION_END_EXPIRED] = "expired",
    [SESSION_END_EVICTED] = "evicted", [SESSION_END_FAILED] = "failed",
};

/* ---- hashing ---- */

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t
fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;

    for (size_t i = 0; i < n; i++) {
        h ^= c[i];
        h *= FNV_PRIME;
    }
    return h;
}

/* Length-prefixed, so ("ab","c") and ("a","bc") differ. */
static uint64_t
fnv1a_strv(uint64_t h, struct strv v)
{
    uint64_t n = v.n;

    h = fnv1a(h, &n, sizeof(n));
    return fnv1a(h, v.p, v.n);
}

/* MurmurHash3 fmix64: spreads FNV's weak high bits over the whole word. */
static uint64_t
fmix64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
}

/*
 * The key's hash.  The boot id (journal events) is part of the key: logind
 * session ids start again at 1 on every boot (DESIGN 3: host, boot id,
 * session id).  It lives only in the hash - two keys that differ by boot
 * alone collide with probability 2^-64 - so it costs no bytes per session.
 */
static uint64_t
key_hash(struct strv host, struct strv login_id, struct strv boot_id)
{
    uint64_t h = fnv1a_strv(fnv1a_strv(FNV_OFFSET, host), login_id);

    if (boot_id.n > 0)
        h = fnv1a_strv(h ^ 0x2f, boot_id);
    return fmix64(h);
}

/* ---- strings ---- */

static struct strv
cap_str(struct strv v)
{
    if (!strv_present(v))
        return STRV_NULL;
    if (v.n > SESSION_STR_MAX) {
        v.n = SESSION_STR_MAX;
        /* Do not cut a UTF-8 sequence: back off continuation bytes. */
        while (v.n > 0 && ((unsigned char)v.p[v.n] & 0xC0) == 0x80)
            v.n--;
    }
    return v;
}

static struct strv
sget(const struct session *s, int f)
{
    unsigned off = s->off[f];

    if (s->len[f] == 0)
        return STRV_NULL;
    if (off & REF_INTERNED)
        return strv_make(s->t->intern.str[off & ~REF_INTERNED], s->len[f]);
    return strv_make((s->ext ? s->ext : s->inl) + off, s->len[f]);
}

static bool
interned_field(int f)
{
    return f == SF_AUTH_METHOD ||
           (f >= SF_SOURCES && (f - SF_SOURCES) % 3 != 2);
}

/* Index of v in the pool, adding it if there is room; -1 otherwise. */
static int
intern_get(struct intern *in, struct strv v)
{
    size_t mask = SESSION_INTERN_SLOTS - 1;
    size_t i = (size_t)fmix64(fnv1a(FNV_OFFSET, v.p, v.n)) & mask;
    char *copy;

    if (v.n > SESSION_INTERN_LEN_MAX)
        return -1;
    for (; in->slot[i] != 0; i = (i + 1) & mask) {
        unsigned k = in->slot[i] - 1u;

        if (in->len[k] == v.n && memcmp(in->str[k], v.p, v.n) == 0)
            return (int)k;
    }
    if (in->n >= SESSION_INTERN_MAX)
        return -1;
    copy = mem_malloc(v.n);
    if (copy == NULL)
        return -1; /* not an error: the string is stored in the session */
    memcpy(copy, v.p, v.n);
    in->str[in->n] = copy;
    in->len[in->n] = (uint8_t)v.n;
    in->slot[i] = (uint16_t)(in->n + 1);
    return (int)in->n++;
}

/* Where the strings of vals[] go: refs and total stored bytes. */
struct layout {
    uint16_t off[_SF_MAX];
    uint8_t len[_SF_MAX];
    size_t total;
};

static void
plan_layout(struct session *s, const struct strv *vals, struct layout *lay)
{
    lay->total = 0;
    for (int f = 0; f < _SF_MAX; f++) {
        struct strv v = vals[f];
        int k;

        lay->off[f] = 0;
        lay->len[f] = (uint8_t)v.n;
        if (v.n == 0)
            continue;
        if (interned_field(f) && (k = intern_get(&s->t->intern, v)) >= 0) {
            lay->off[f] = (uint16_t)(REF_INTERNED | (unsigned)k);
            continue;
        }
        /* Store user_name and user_domain once when they are part of
         * user ("CORP\\alice"), as they nearly always are. */
        if ((f == SF_USER_NAME || f == SF_USER_DOMAIN) &&
            vals[SF_USER].n >= v.n) {
            const char *hit =
                memmem(vals[SF_USER].p, vals[SF_USER].n, v.p, v.n);

            if (hit != NULL) {
                lay->off[f] =
                    (uint16_t)(lay->off[SF_USER] + (hit - vals[SF_USER].p));
                continue;
            }
        }
        lay->off[f] = (uint16_t)lay->total;
        lay->total += v.n;
    }
}

/*
 * Store vals[] (views that may point into the session itself) as the
 * session's strings.  Returns 0, or -ENOMEM with the session unchanged.
 */
static int
set_strings(struct session *s, const struct strv *in_vals)
{
    struct strv vals[_SF_MAX];
    struct layout lay;
    char tmp[SESSION_INLINE_MAX], *dst, *ext = NULL;

    bool same = true;

    for (int f = 0; f < _SF_MAX; f++) {
        struct strv cur = sget(s, f);

        vals[f] = cap_str(in_vals[f]);
        same = same && vals[f].n == cur.n && (cur.n == 0 || vals[f].p == cur.p);
    }
    if (same)
        return 0; /* nothing new: the common case after the first events */
    plan_layout(s, vals, &lay);
    if (lay.total <= sizeof(tmp)) {
        dst = tmp;
    } else {
        ext = mem_malloc(lay.total);
        if (ext == NULL)
            return -ENOMEM;
        dst = ext;
    }
    for (int f = 0; f < _SF_MAX; f++)
        if (vals[f].n > 0 && !(lay.off[f] & REF_INTERNED))
            memmove(dst + lay.off[f], vals[f].p, vals[f].n);
    if (ext == NULL)
        memcpy(s->inl, tmp, lay.total);
    mem_free(s->ext);
    s->ext = ext;
    memcpy(s->off, lay.off, sizeof(lay.off));
    memcpy(s->len, lay.len, sizeof(lay.len));
    return 0;
}

static void
get_strings(const struct session *s, struct strv *vals)
{
    for (int f = 0; f < _SF_MAX; f++)
        vals[f] = sget(s, f);
}

/* ---- heaps (min on last_us) ---- */

static bool
heap_less(const struct session *a, const struct session *b)
{
    return a->last_us < b->last_us;
}

static void
heap_place(struct heap *h, size_t i, struct session *s)
{
    h->a[i] = s;
    s->heap_idx = (uint32_t)i;
}

static void
heap_up(struct heap *h, size_t i)
{
    struct session *s = h->a[i];

    while (i > 0 && heap_less(s, h->a[(i - 1) / 2])) {
        heap_place(h, i, h->a[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    heap_place(h, i, s);
}

static void
heap_down(struct heap *h, size_t i)
{
    struct session *s = h->a[i];

    for (;;) {
        size_t c = 2 * i + 1;

        if (c >= h->n)
            break;
        if (c + 1 < h->n && heap_less(h->a[c + 1], h->a[c]))
            c++;
        if (!heap_less(h->a[c], s))
            break;
        heap_place(h, i, h->a[c]);
        i = c;
    }
    heap_place(h, i, s);
}

static int
heap_reserve(struct heap *h, size_t n)
{
    size_t cap = h->cap ? h->cap : 16;
    struct session **a;

    if (n <= h->cap)
        return 0;
    while (cap < n)
        cap *= 2;
    a = mem_realloc(h->a, cap * sizeof(*a));
    if (a == NULL)
        return -ENOMEM;
    h->a = a;
    h->cap = cap;
    return 0;
}

/* Capacity must have been reserved. */
static void
heap_push(struct heap *h, struct session *s)
{
    h->a[h->n] = s;
    heap_up(h, h->n++);
}

static void
heap_remove(struct heap *h, struct session *s)
{
    size_t i = s->heap_idx;
    struct session *last = h->a[--h->n];

    if (i == h->n)
        return;
    heap_place(h, i, last);
    heap_up(h, i);
    heap_down(h, last->heap_idx);
}

static void
heap_touched(struct heap *h, struct session *s)
{
    heap_up(h, s->heap_idx);
    heap_down(h, s->heap_idx);
}

/* ---- hash table ---- */

static bool
key_matches(const struct session *s, uint64_t hash, struct strv host,
            struct strv login_id)
{
    return s->key_hash == hash && strv_eq(sget(s, SF_HOSTNAME), host) &&
           strv_eq(sget(s, SF_LOGIN_ID), login_id);
}

static struct session *
hash_find(const struct session_table *t, uint64_t hash, struct strv host,
          struct strv login_id)
{
    if (t->slots == NULL)
        return NULL;
    for (size_t i = hash & t->mask; t->slots[i] != NULL; i = (i + 1) & t->mask)
        if (key_matches(t->slots[i], hash, host, login_id))
            return t->slots[i];
    return NULL;
}

static void
hash_put(struct session **slots, size_t mask, struct session *s)
{
    size_t i = s->key_hash & mask;

    while (slots[i] != NULL)
        i = (i + 1) & mask;
    slots[i] = s;
}

/* Room for one more entry at load factor <= 1/2. */
static int
hash_reserve(struct session_table *t)
{
    size_t cap = t->slots ? (t->mask + 1) * 2 : SESSION_HASH_MIN;
    struct session **slots;

    if (t->slots != NULL && (t->count + 1) * 2 <= t->mask + 1)
        return 0;
    slots = mem_calloc(cap, sizeof(*slots));
    if (slots == NULL)
        return -ENOMEM;
    if (t->slots != NULL)
        for (size_t i = 0; i <= t->mask; i++)
            if (t->slots[i] != NULL)
                hash_put(slots, cap - 1, t->slots[i]);
    mem_free(t->slots);
    t->slots = slots;
    t->mask = cap - 1;
    return 0;
}

/* Backward-shift deletion (Knuth 6.4 algorithm R): no tombstones. */
static void
hash_remove(struct session_table *t, struct session *s)
{
    size_t i = s->key_hash & t->mask, j;

    while (t->slots[i] != s)
        i = (i + 1) & t->mask;
    j = i;
    for (;;) {
        size_t home;

        j = (j + 1) & t->mask;
        if (t->slots[j] == NULL)
            break;
        home = t->slots[j]->key_hash & t->mask;
        /* Move j into the hole at i unless its home lies in (i, j]. */
        if (((j - home) & t->mask) >= ((j - i) & t->mask)) {
            t->slots[i] = t->slots[j];
            i = j;
        }
    }
    t->slots[i] = NULL;
    t->count--;
}

/* ---- sessions ---- */

static void
session_destroy(struct session *s)
{
    if (s == NULL)
        return;
    mem_free(s->ext);
    mem_free(s);
}

static void
graveyard_flush(struct session_table *t)
{
    while (t->graveyard != NULL) {
        struct session *s = t->graveyard;

        t->graveyard = s->grave_next;
        session_destroy(s);
    }
}

static void
emit_record(const struct out *o, const struct session *s)
{
    if (o->emit != NULL)
        o->emit(o->ctx, s);
}

/*
 * Close an open (tabled) session or a one-shot one (tabled false), move it
 * to the graveyard and emit the closed record.
 */
static void
session_close(struct session_table *t, struct session *s, bool tabled,
              enum session_end_reason why, int64_t end_us, const struct out *o)
{
    if (tabled) {
        hash_remove(t, s);
        heap_remove(&t->heaps[s->heap], s);
        t->stats.open_now--;
    }
    if (!s->successful &&
        (why == SESSION_END_LOGOUT || why == SESSION_END_DISCONNECT))
        why = SESSION_END_FAILED;
    s->state = SESSION_STATE_CLOSED;
    s->end_reason = (uint8_t)why;
    s->end_us = end_us > s->start_us ? end_us : s->start_us;
    t->stats.closed++;
    if (why == SESSION_END_FAILED)
        t->stats.failed++;
    else if (why == SESSION_END_EXPIRED)
        t->stats.expired++;
    else if (why == SESSION_END_EVICTED)
        t->stats.evicted++;
    s->grave_next = t->graveyard;
    t->graveyard = s;
    emit_record(o, s);
}

/* The session id: 16 hex digits of a hash of what identifies it, so a
 * replay of the same logs gives the same ids. */
static void
session_make_id(struct session *s, const struct event *ev)
{
    static const char hex[] = "0123456789abcdef";
    uint64_t h = FNV_OFFSET, start = (uint64_t)s->start_us;

    h = fnv1a_strv(h, sget(s, SF_HOSTNAME));
    h = fnv1a_strv(h, sget(s, SF_LOGIN_ID));
    h = fnv1a(h, &start, sizeof(start));
    if (!strv_present(ev->login_id)) {
        /* One-shot failures: tell apart attempts in the same µs. */
        h = fnv1a_strv(h, ev->user);
        h = fnv1a_strv(h, ev->src_ip);
        h = fnv1a_strv(h, ev->event_code);
        h = fnv1a_strv(h, ev->record_id);
    }
    h = fmix64(h);
    for (int i = SESSION_ID_LEN - 1; i >= 0; i--) {
        s->id[i] = hex[h & 0xF];
        h >>= 4;
    }
}

static int64_t
event_time(struct session_table *t, const struct event *ev)
{
    if (ev->time_us == EVENT_TIME_UNSET)
        return t->clock_us;
    if (ev->time_us > t->clock_us)
        t->clock_us = ev->time_us;
    return ev->time_us;
}

/* Copy what the event adds to the session's typed (non-string) fields. */
static void
absorb_fields(struct session *s, const struct event *ev)
{
    if (s->username_type == EV_USERNAME_TYPE_NONE)
        s->username_type = (uint8_t)ev->username_type;
    if (s->user_id_type == EV_USER_ID_TYPE_NONE)
        s->user_id_type = (uint8_t)ev->user_id_type;
    if (s->user_type == EV_USER_TYPE_NONE)
        s->user_type = (uint8_t)ev->user_type;
    if (s->login_type == EV_LOGIN_TYPE_NONE)
        s->login_type = (uint8_t)ev->login_type;
    if (s->logon_type < 0 && ev->logon_type >= 0 && ev->logon_type <= 127)
        s->logon_type = (int8_t)ev->logon_type;
    if (ev->admin || ev->user_type == EV_USER_TYPE_ADMIN)
        s->admin = true;
}

/*
 * Merge the event's strings into the session: identity, address and method
 * fill gaps (a success's auth_method and a reconnect's address replace the
 * old one), result_details is the last failure's, the event is added to
 * the sources while there is room.  Returns 0 or -ENOMEM (strings
 * unchanged).
 */
static int
absorb_strings(struct session *s, const struct event *ev, int64_t when)
{
    static const struct {
        int f;
        size_t off;
    } fill[] = {
        {SF_USER, offsetof(struct event, user)},
        {SF_USER_NAME, offsetof(struct event, user_name)},
        {SF_USER_DOMAIN, offsetof(struct event, user_domain)},
        {SF_UID, offsetof(struct event, uid)},
        {SF_SRC_IP, offsetof(struct event, src_ip)},
        {SF_AUTH_METHOD, offsetof(struct event, auth_method)},
    };
    struct strv vals[_SF_MAX];
    bool success = ev->result != EV_RESULT_FAILURE;
    bool new_addr =
        ev->action == EV_ACTION_RECONNECT && strv_present(ev->src_ip);
    int rc;

    get_strings(s, vals);
    for (size_t i = 0; i < sizeof(fill) / sizeof(fill[0]); i++) {
        struct strv v = *(const struct strv *)((const char *)ev + fill[i].off);

        if (strv_present(v) && !strv_present(vals[fill[i].f]))
            vals[fill[i].f] = v;
    }
    if (success && ev->action == EV_ACTION_LOGIN &&
        strv_present(ev->auth_method))
        vals[SF_AUTH_METHOD] = ev->auth_method;
    if (new_addr)
        vals[SF_SRC_IP] = ev->src_ip;
    if (ev->result == EV_RESULT_FAILURE && strv_present(ev->result_details))
        vals[SF_RESULT_DETAILS] = ev->result_details;
    if (s->n_sources < SESSION_SOURCES_MAX) {
        vals[SF_SRC_FORMAT(s->n_sources)] = ev->format;
        vals[SF_SRC_CODE(s->n_sources)] = ev->event_code;
        vals[SF_SRC_RECORD(s->n_sources)] = ev->record_id;
    }
    rc = set_strings(s, vals);
    if (rc < 0)
        return rc;
    if (s->n_sources < SESSION_SOURCES_MAX)
        s->src_time[s->n_sources++] = when;
    if ((new_addr || s->src_port == 0) && ev->src_port > 0 &&
        ev->src_port <= UINT16_MAX)
        s->src_port = (uint16_t)ev->src_port;
    return 0;
}

/* Record one more event on a session. */
static int
session_touch(struct session_table *t, struct session *s,
              const struct event *ev, int64_t when)
{
    int rc = absorb_strings(s, ev, when);

    absorb_fields(s, ev);
    if (s->event_count < UINT32_MAX)
        s->event_count++;
    if (when > s->last_us) {
        s->last_us = when;
        if (s->state == SESSION_STATE_OPEN && s->heap_idx != UINT32_MAX)
            heap_touched(&t->heaps[s->heap], s);
    }
    return rc;
}

/*
 * A new session from the event's first values.  Returns NULL on ENOMEM.
 * Not yet in the table.
 */
static struct session *
session_create(struct session_table *t, const struct event *ev, int64_t when,
               uint64_t hash)
{
    struct session *s = mem_calloc(1, sizeof(*s));
    struct strv vals[_SF_MAX] = {{0}};

    if (s == NULL)
        return NULL;
    s->t = t;
    s->key_hash = hash;
    s->start_us = s->last_us = when;
    s->end_us = EVENT_TIME_UNSET;
    s->logon_type = -1;
    s->heap_idx = UINT32_MAX;
    s->successful = ev->result != EV_RESULT_FAILURE;
    vals[SF_HOSTNAME] = ev->hostname;
    vals[SF_LOGIN_ID] = ev->login_id;
    if (set_strings(s, vals) < 0 || session_touch(t, s, ev, when) < 0)
        goto fail;
    session_make_id(s, ev);
    return s;
fail:
    session_destroy(s);
    return NULL;
}

/* The open session that was active least recently, or NULL. */
static struct session *
least_recent(struct session_table *t)
{
    struct heap *a = &t->heaps[HEAP_OPEN], *b = &t->heaps[HEAP_ATTEMPT];

    if (a->n == 0)
        return b->n ? b->a[0] : NULL;
    if (b->n == 0)
        return a->a[0];
    return heap_less(b->a[0], a->a[0]) ? b->a[0] : a->a[0];
}

/*
 * Open a session for the event's key: make room (evicting the least
 * recently active session when the table is full), insert, emit.
 */
static int
session_open(struct session_table *t, struct event *ev, int64_t when,
             uint64_t hash, const struct out *o)
{
    struct session *s;
    enum heap_id h = ev->result == EV_RESULT_FAILURE ? HEAP_ATTEMPT : HEAP_OPEN;
    int rc;

    rc = hash_reserve(t);
    if (rc < 0)
        return rc;
    rc = heap_reserve(&t->heaps[h], t->heaps[h].n + 1);
    if (rc < 0)
        return rc;
    s = session_create(t, ev, when, hash);
    if (s == NULL)
        return -ENOMEM;
    if (t->count >= t->lim.max_open) {
        struct session *old = least_recent(t);

        session_close(t, old, true, SESSION_END_EVICTED, old->last_us, o);
    }
    s->heap = (uint8_t)h;
    hash_put(t->slots, t->mask, s);
    t->count++;
    heap_push(&t->heaps[h], s);
    if (!s->successful)
        s->failure_count = 1;
    t->stats.opened++;
    t->stats.open_now++;
    ev->session_id = strv_make(s->id, SESSION_ID_LEN);
    emit_record(o, s);
    return 0;
}

/* A failed login without a key: a session that opens and closes at once.
 * Only the closed record is emitted. */
static int
session_one_shot(struct session_table *t, struct event *ev, int64_t when,
                 const struct out *o)
{
    struct session *s = session_create(t, ev, when, 0);

    if (s == NULL)
        return -ENOMEM;
    s->failure_count = 1;
    t->stats.opened++;
    ev->session_id = strv_make(s->id, SESSION_ID_LEN);
    session_close(t, s, false, SESSION_END_FAILED, when, o);
    return 0;
}

/* A success on a failed-attempt session: it becomes a successful one and
 * moves to the heap of open sessions. */
static int
session_promote(struct session_table *t, struct session *s)
{
    int rc;

    if (s->successful)
        return 0;
    s->successful = true;
    if (s->heap == HEAP_OPEN)
        return 0;
    rc = heap_reserve(&t->heaps[HEAP_OPEN], t->heaps[HEAP_OPEN].n + 1);
    if (rc < 0)
        return rc; /* stays on the attempt heap; closes as expired */
    heap_remove(&t->heaps[HEAP_ATTEMPT], s);
    s->heap = HEAP_OPEN;
    heap_push(&t->heaps[HEAP_OPEN], s);
    return 0;
}

/* Host restart: close every open session of the host.  A scan of the hash
 * table, O(table size); a per-host index can replace it later. */
static void
close_host(struct session_table *t, const struct event *ev, int64_t when,
           const struct out *o)
{
    size_t i = 0;

    if (t->slots == NULL)
        return;
    while (i <= t->mask) {
        struct session *s = t->slots[i];

        if (s != NULL && strv_eq(sget(s, SF_HOSTNAME), cap_str(ev->hostname)))
            /* Backward shift may move another entry into slot i:
             * look at it again. */
            session_close(t, s, true, SESSION_END_REBOOT, when, o);
        else
            i++;
    }
}

/* Apply a keyed event to the session s (may be NULL: none open). */
static int
feed_keyed(struct session_table *t, struct session *s, struct event *ev,
           int64_t when, uint64_t hash, const struct out *o)
{
    bool failed = ev->result == EV_RESULT_FAILURE;
    int rc = 0, rc2;

    switch (ev->action) {
    case EV_ACTION_LOGIN:
    case EV_ACTION_RECONNECT:
        if (s == NULL)
            return session_open(t, ev, when, hash, o);
        rc = session_touch(t, s, ev, when);
        if (failed) {
            if (s->failure_count < UINT32_MAX)
                s->failure_count++;
        } else if (!s->successful) {
            /* The attempt succeeded: upsert the open record. */
            rc2 = session_promote(t, s);
            rc = rc < 0 ? rc : rc2;
            emit_record(o, s);
        }
        break;
    case EV_ACTION_LOCK:
    case EV_ACTION_UNLOCK:
    case EV_ACTION_NONE: /* e.g. 4672: admin rights for the logon id */
        if (s == NULL)
            return 0;
        rc = session_touch(t, s, ev, when);
        if (ev->action == EV_ACTION_LOCK && s->lock_count < UINT32_MAX)
            s->lock_count++;
        break;
    case EV_ACTION_LOGOUT:
    case EV_ACTION_DISCONNECT:
        if (s == NULL)
            return 0;
        rc = session_touch(t, s, ev, when);
        ev->session_id = strv_make(s->id, SESSION_ID_LEN);
        session_close(t, s, true,
                      ev->action == EV_ACTION_LOGOUT ? SESSION_END_LOGOUT
                                                     : SESSION_END_DISCONNECT,
                      when, o);
        return rc;
    default:
        return 0;
    }
    ev->session_id = strv_make(s->id, SESSION_ID_LEN);
    return rc;
}

/*
 * Apply one event (see session.h).  ev is borrowed; its session_id is set
 * to a view into table memory, valid until the next call on the table.
 * Records passed to emit are borrowed likewise.  A host restart emits one
 * record per session it closes (the only case that may pass
 * SESSION_OUT_MAX).  Returns 0 or -ENOMEM.
 */
int
session_table_feed(struct session_table *t, struct event *ev,
                   session_emit_fn emit, void *ctx)
{
    struct out o = {emit, ctx};
    struct strv host = cap_str(ev->hostname), id = cap_str(ev->login_id);
    int64_t when;
    uint64_t hash;

    graveyard_flush(t);
    ev->session_id = STRV_NULL;
    when = event_time(t, ev);
    if (ev->action == EV_ACTION_RESTART) {
        close_host(t, ev, when, &o);
        return 0;
    }
    if (ev->action == EV_ACTION_NONE && !ev->admin)
        return 0;
    if (!t->lim.include_system_accounts && identity_is_system(ev))
        return 0;
    if (!strv_present(id)) {
        if (ev->action == EV_ACTION_LOGIN && ev->result == EV_RESULT_FAILURE)
            return session_one_shot(t, ev, when, &o);
        return 0;
    }
    hash = key_hash(host, id, ev->boot_id);
    return feed_keyed(t, hash_find(t, hash, host, id), ev, when, hash, &o);
}

/* Close the sessions of heap h idle for more than `timeout` before now. */
static int
expire_heap(struct session_table *t, enum heap_id h, int64_t now_us,
            int64_t timeout, enum session_end_reason why, const struct out *o)
{
    struct heap *hp = &t->heaps[h];
    int n = 0;

    while (hp->n > 0 && n < INT32_MAX) {
        struct session *s = hp->a[0];

        /* now - last > timeout, without overflow */
        if (s->last_us >= now_us ||
            (uint64_t)now_us - (uint64_t)s->last_us <= (uint64_t)timeout)
            break;
        session_close(t, s, true, s->successful ? why : SESSION_END_FAILED,
                      s->last_us, o);
        n++;
    }
    return n;
}

/*
 * Close idle sessions (see session.h): successful ones idle past
 * idle_timeout_us ("expired"), failed attempts idle past
 * SESSION_ATTEMPT_TIMEOUT_US or idle_timeout_us if shorter ("failed").  The
 * end time written is the last activity.  Records are borrowed until the
 * next call.  Returns the number closed.
 */
int
session_table_expire(struct session_table *t, int64_t now_us,
                     session_emit_fn emit, void *ctx)
{
    struct out o = {emit, ctx};
    int64_t idle = t->lim.idle_timeout_us, attempt = SESSION_ATTEMPT_TIMEOUT_US;
    int n = 0;

    graveyard_flush(t);
    if (idle > 0 && idle < attempt)
        attempt = idle;
    if (idle > 0)
        n += expire_heap(t, HEAP_OPEN, now_us, idle, SESSION_END_EXPIRED, &o);
    n += expire_heap(t, HEAP_ATTEMPT, now_us, attempt, SESSION_END_EXPIRED, &o);
    return n;
}

/*
 * A new, empty table.  `lim` is copied; max_open 0 means
 * SESSION_MAX_OPEN_DEFAULT.  Returns NULL on ENOMEM; free with
 * session_table_free().
 */
struct session_table *
session_table_new(const struct session_limits *lim)
{
    struct session_table *t = mem_calloc(1, sizeof(*t));

    if (t == NULL)
        return NULL;
    t->lim = *lim;
    if (t->lim.max_open == 0)
        t->lim.max_open = SESSION_MAX_OPEN_DEFAULT;
    t->clock_us = 0;
    return t;
}

/* Free the table, its open sessions, its graveyard and interned strings.
 * Accepts NULL; returns NULL. */
struct session_table *
session_table_free(struct session_table *t)
{
    if (t == NULL)
        return NULL;
    graveyard_flush(t);
    if (t->slots != NULL)
        for (size_t i = 0; i <= t->mask; i++)
            session_destroy(t->slots[i]);
    mem_free(t->slots);
    for (int h = 0; h < _HEAP_MAX; h++)
        mem_free(t->heaps[h].a);
    for (size_t i = 0; i < t->intern.n; i++)
        mem_free(t->intern.str[i]);
    mem_free(t);
    return NULL;
}

/* Copy the counters into *ret. */
void
session_table_stats(const struct session_table *t, struct session_stats *ret)
{
    *ret = t->stats;
}

/* Whether s is open or closed.  s is borrowed. */
enum session_state
session_state(const struct session *s)
{
    return (enum session_state)s->state;
}

/* The end reason as written in session records, or NULL for none. */
const char *
session_end_reason_name(enum session_end_reason r)
{
    return (unsigned)r < _SESSION_END_MAX ? end_reason_names[r] : NULL;
}

/* Fill *ret with views into s or into *ret (see session.h). */
void
session_view(const struct session *s, struct session_view *ret)
{
    *ret = (struct session_view){
        .state = (enum session_state)s->state,
        .end_reason = (enum session_end_reason)s->end_reason,
        .start_us = s->start_us,
        .end_us = s->end_us,
        .hostname = sget(s, SF_HOSTNAME),
        .login_id = sget(s, SF_LOGIN_ID),
        .user = sget(s, SF_USER),
        .user_name = sget(s, SF_USER_NAME),
        .user_domain = sget(s, SF_USER_DOMAIN),
        .username_type = (enum ev_username_type)s->username_type,
        .uid = sget(s, SF_UID),
        .user_id_type = (enum ev_user_id_type)s->user_id_type,
        .user_type = (enum ev_user_type)s->user_type,
        .login_type = (enum ev_login_type)s->login_type,
        .logon_type = s->logon_type,
        .login_successful = s->successful,
        .auth_method = sget(s, SF_AUTH_METHOD),
        .src_ip = sget(s, SF_SRC_IP),
        .src_port = s->src_port,
        .admin = s->admin,
        .lock_count = s->lock_count,
        .failure_count = s->failure_count,
        .result_details = sget(s, SF_RESULT_DETAILS),
        .event_count = s->event_count,
        .n_sources = s->n_sources,
        .last_us = s->last_us,
        .keys = {s->key_hash},
    };
    memcpy(ret->id_buf, s->id, SESSION_ID_LEN);
    ret->session_id = strv_make(ret->id_buf, SESSION_ID_LEN);
    for (size_t i = 0; i < s->n_sources; i++) {
        ret->sources[i].format = sget(s, (int)SF_SRC_FORMAT(i));
        ret->sources[i].event_code = sget(s, (int)SF_SRC_CODE(i));
        ret->sources[i].record_id = sget(s, (int)SF_SRC_RECORD(i));
        ret->sources[i].time_us = s->src_time[i];
    }
}

/* The next open session at or after *pos (see session.h). */
const struct session *
session_table_next(const struct session_table *t, size_t *pos)
{
    if (t->slots == NULL)
        return NULL;
    for (; *pos <= t->mask; (*pos)++)
        if (t->slots[*pos] != NULL)
            return t->slots[(*pos)++];
    return NULL;
}

/* Parse SESSION_ID_LEN lower-case hex digits. */
bool
session_id_parse(struct strv v, uint64_t *ret)
{
    uint64_t x = 0;

    if (v.n != SESSION_ID_LEN)
        return false;
    for (size_t i = 0; i < v.n; i++) {
        char c = v.p[i];

        if (c >= '0' && c <= '9')
            x = x << 4 | (uint64_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            x = x << 4 | (uint64_t)(c - 'a' + 10);
        else
            return false;
    }
    *ret = x;
    return true;
}

/* Put back a saved open session (see session.h). */
int
session_table_restore(struct session_table *t, const struct session_view *v)
{
    struct event ev;
    uint64_t id;
    struct out o = {NULL, NULL};
    int rc;

    graveyard_flush(t);
    if (v->state != SESSION_STATE_OPEN || v->keys[0] == 0 ||
        !session_id_parse(v->session_id, &id))
        return -EINVAL;
    if (hash_find(t, v->keys[0], cap_str(v->hostname), cap_str(v->login_id)))
        return -EEXIST;
    event_init(&ev);
    ev.action = EV_ACTION_LOGIN;
    ev.result = v->login_successful ? EV_RESULT_SUCCESS : EV_RESULT_FAILURE;
    ev.time_us = v->start_us;
    ev.hostname = v->hostname;
    ev.login_id = v->login_id;
    ev.user = v->user;
    ev.user_name = v->user_name;
    ev.user_domain = v->user_domain;
    ev.username_type = v->username_type;
    ev.uid = v->uid;
    ev.user_id_type = v->user_id_type;
    ev.user_type = v->user_type;
    ev.login_type = v->login_type;
    ev.logon_type = v->logon_type;
    ev.auth_method = v->auth_method;
    ev.src_ip = v->src_ip;
    ev.src_port = v->src_port;
    ev.admin = v->admin;
    ev.result_details = v->result_details;
    rc = session_open(t, &ev, v->start_us, v->keys[0], &o);
    if (rc < 0)
        return rc;
    {
        struct session *s = hash_find(t, v->keys[0], cap_str(v->hostname),
                                      cap_str(v->login_id));

        memcpy(s->id, v->session_id.p, SESSION_ID_LEN);
        s->lock_count = v->lock_count;
        s->failure_count = v->failure_count;
        s->event_count = (uint32_t)v->event_count;
        s->n_sources = 0;
        s->last_us = v->last_us;
        heap_touched(&t->heaps[s->heap], s);
    }
    t->stats.opened--;
    t->stats.restored++;
    return 0;
}
