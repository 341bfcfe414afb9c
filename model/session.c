/*
 * session.c - the session engine (DESIGN 3): the Cyber Triage rules.
 *
 * A session begins at the first access attempt, failed or not, and ends at
 * logoff or disconnect; each reconnect starts a new session linked to the
 * one before by previous_session_id.
 *
 *   RCM 1149   alice from 10.0.0.5          -> session A opens (attempt)
 *   4624/10    alice 0x1a2b from 10.0.0.5   -> joins A (merge), successful
 *   LSM 21     alice session 2              -> joins A (merge)
 *   4779       0x1a2b                       -> A closes "disconnect"
 *   4778       0x1a2b from 10.0.0.9         -> B opens, previous A
 *   LSM 25     session 2 from 10.0.0.9      -> joins B (same reconnect)
 *   4647       0x1a2b                       -> B closes "logout"
 *
 * Keys: (host, login_id[, boot id]) hashed to 64 bits - the Windows logon
 * id, the terminal-services session id, the sshd pid, the logind session id
 * (with the boot id: ids start again at 1 on every boot), wtmp line:pid.
 * A session is found by up to SESSION_KEYS_MAX keys: a merged RDP session
 * by its logon id and by its session id.  Merging finds the session to
 * join through a small index on (host, user) of the sessions that began
 * within SESSION_MERGE_WINDOW_US.
 *
 * What else a session can be, besides open:
 * - dormant: closed by a disconnect (its record is out), kept under its
 *   keys so that a reconnect links to it and a logoff is recognised;
 * - pending: made by a logout, disconnect, lock or 4672 whose login was
 *   not seen yet (another source is behind); no record until the login
 *   arrives, then the session opens and, if the logout came first, closes
 *   at once.  Unclaimed, it is dropped after SESSION_PENDING_TIMEOUT_US
 *   and counted as an orphan.
 *
 * Memory (the target is 256 bytes per open session, all included):
 * - sessions are fixed 232-byte slots in chunks of SESSION_CHUNK, named
 *   by 32-bit indices, reused through a free list: no per-session malloc
 *   header, no pointers;
 * - strings are packed into an inline area, lengths in one byte each;
 *   user_name and user_domain are stored as offsets into user; a SID is
 *   stored in binary (22 bytes instead of 45); host names are shared by
 *   all sessions of a host (refcounted pool); vocabulary (format,
 *   event_code, auth_method) is interned per table; only strings that do
 *   not fit spill into one heap block;
 * - the hash table holds (32 bits of key hash, index) in 8 bytes per slot
 *   at load <= 1/2, so a probe rarely touches a session's memory;
 * - the expiry heaps hold 32-bit indices and are ordered lazily: a touch
 *   updates last_us only, and a session whose heap key is stale is pushed
 *   down when it reaches the top.  Each session moves at most once per
 *   touch, so expiry and eviction are O(log n) amortised and a feed costs
 *   no heap work at all.
 *
 * Time is the events' own time; the table never reads a clock.  Pure: no
 * I/O, no globals.
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
/* How long an orphan logout, lock or 4672 waits for its login. */
#define SESSION_PENDING_TIMEOUT_US (10LL * 60 * 1000000)
/* RCM 1149, 4624 type 10, LSM 21 and 22 of one logon are written within
 * seconds of each other; a minute leaves room for a slow domain
 * controller without joining a user's next logon. */
#define SESSION_MERGE_WINDOW_US (60LL * 1000000)
/* max_open used when the limits say 0. */
#define SESSION_MAX_OPEN_DEFAULT 100000
/* Times the engine takes, 0000-01-01 to 9999-12-31 (what RFC 3339 can
 * write): an event time outside is taken as the nearer bound, so no
 * difference of two times overflows int64_t. */
#define SESSION_TIME_MIN_US (-62167219200LL * 1000000)
#define SESSION_TIME_MAX_US (253402300800LL * 1000000 - 1)
/* Longest value kept for one string field; longer ones are truncated. */
#define SESSION_STR_MAX 255
/* Interned strings per table (one-byte references, 0 is none) and the
 * longest one interned. */
#define SESSION_INTERN_MAX 255
#define SESSION_INTERN_LEN_MAX 48
#define SESSION_INTERN_SLOTS 512
/* Smallest hash tables. */
#define SESSION_HASH_MIN 16
/* Sessions per slab chunk: 59 KB, under malloc's mmap threshold, so a
 * small table stays small; a million sessions take 3,907 chunks. */
#define SESSION_CHUNK_SHIFT 8
#define SESSION_CHUNK (1u << SESSION_CHUNK_SHIFT)
/* The merge index: buckets of SESSION_MERGE_WAYS entries, oldest
 * replaced.  It only has to hold the RDP logons of one merge window. */
#define SESSION_MERGE_BUCKETS 1024
/* ...but no more than max_open / 2 (a small table needs a small index). */
#define SESSION_MERGE_BUCKETS_MIN 16
#define SESSION_MERGE_WAYS 4
/* Largest index: slots store index + 1 in 32 bits. */
#define SESSION_INDEX_MAX (UINT32_MAX - 1)
/* Bytes of one session slot. */
#define SESSION_SLOT_SIZE 224
/* Each chunk starts with a pointer to its table, so that a session alone
 * (as session_view() gets it) finds the table's pools. */
#define SESSION_CHUNK_HDR 16

/* The string fields of a session, in storage order.  The vocabulary ones
 * (auth_method .. the sources' event codes) may be interned. */
enum sfield {
    F_LOGIN_ID = 0,
    F_USER,
    F_USER_NAME,
    F_USER_DOMAIN,
    F_UID,
    F_SRC_IP,
    F_RESULT_DETAILS,
    F_AUTH,
    F_REC0,
    /* Fields from here on are only interned (a format or event code from
     * the parsers' fixed vocabularies): no length byte of their own. */
    _F_BLOB = F_REC0 + SESSION_SOURCES_MAX,
    F_FMT0 = _F_BLOB,
    F_CODE0 = F_FMT0 + SESSION_SOURCES_MAX,
    _F_MAX = F_CODE0 + SESSION_SOURCES_MAX,
};
/* Interned fields: auth_method (in the blob when the pool is full) and the
 * vocabulary fields; iref[] index of each. */
#define F_INTERN_N (1 + _F_MAX - _F_BLOB)
#define IREF(f) ((f) == F_AUTH ? 0 : (f)-_F_BLOB + 1)
/* Pool entries auth_method (which a remote host chooses) may take; the
 * rest stays for the vocabulary fields. */
#define SESSION_INTERN_AUTH_MAX 96

enum heap_id {
    HEAP_OPEN = 0,
    HEAP_ATTEMPT,
    HEAP_DORMANT,
    HEAP_PENDING,
    HEAP_ENDED,
    _HEAP_MAX
};

enum phase {
    PH_FREE = 0,
    PH_LIVE,    /* open; its open record is out */
    PH_DORMANT, /* closed by a disconnect, waiting for a reconnect */
    PH_ENDED,   /* closed by a logout, lingering for its other reports */
    PH_PENDING, /* an orphan waiting for its login */
    PH_GRAVE,   /* closed during this call; freed at the next */
};

/* flags (also saved in the state file through session_view.flags) */
#define SF_MERGE 0x1u     /* an RDP/console logon that others may join */
#define SF_RECONNECT 0x2u /* began with a reconnect */
#define SF_KEY_LOGON 0x4u /* has a Windows logon id key (0x...) */
#define SF_KEY_TS 0x8u    /* has another key (TS session id, pid...) */
#define SF_SAVED_MASK 0xFu

/* One session: a fixed slot in the slab. */
struct session {
    uint64_t keys[SESSION_KEYS_MAX]; /* 0: unused */
    uint64_t id;
    uint64_t prev_id; /* 0: none */
    int64_t start_us;
    int64_t last_us; /* last activity; the end time once closed */
    int64_t src_time[SESSION_SOURCES_MAX];
    char *ext; /* owned: the strings when they do not fit inline */
    union {
        uint32_t heap_idx; /* in a heap: its place there */
        uint32_t link;     /* free or buried: the next one, index + 1 */
    };
    uint32_t host; /* host pool index */
    uint32_t event_count;
    uint16_t failure_count;
    uint16_t lidx; /* index within its chunk */
    uint16_t lock_count;
    uint16_t src_port;
    uint8_t slen[_F_BLOB];     /* value lengths */
    uint8_t iref[F_INTERN_N];  /* intern pool index + 1, 0: not */
    uint8_t name_off, dom_off; /* in user, when SF_SUB_* */
    int8_t logon_type;
    uint8_t flags;
    uint32_t phase : 3;
    uint32_t state : 1;
    uint32_t end_reason : 3;
    uint32_t heap : 3;
    uint32_t login_type : 3;
    uint32_t username_type : 3;
    uint32_t user_id_type : 3;
    uint32_t user_type : 4;
    uint32_t n_sources : 3;
    uint32_t successful : 1;
    uint32_t admin : 1;
    uint32_t sub_name : 1; /* user_name is user[name_off..] */
    uint32_t sub_dom : 1;  /* user_domain is user[dom_off..] */
    uint32_t uid_sid : 1;  /* uid stored as a binary SID */
    uint32_t locked : 1;   /* a lock after the last unlock or login */
    char inl[];
};

#define SESSION_INLINE_MAX (SESSION_SLOT_SIZE - offsetof(struct session, inl))
_Static_assert(offsetof(struct session, inl) + 72 <= SESSION_SLOT_SIZE,
               "room for the strings of a typical Windows session");

struct heap {
    uint32_t *a;
    int64_t *key; /* a[i]'s last_us when placed (lazy order) */
    size_t n;
    size_t cap;
    int64_t max_key; /* no key in the heap is larger */
};

struct intern {
    char *str[SESSION_INTERN_MAX];
    uint8_t len[SESSION_INTERN_MAX];
    uint16_t slot[SESSION_INTERN_SLOTS]; /* index + 1; 0 empty */
    size_t n;
};

/* A host name shared by the sessions of that host. */
struct host {
    uint64_t hash;
    char *name;
    uint8_t len;
    uint32_t refs;
    uint32_t next_free; /* index + 1 */
    uint64_t boot;      /* hash of the last journal boot id, 0: none */
    int64_t boot_us;    /* when that boot was first seen */
};

struct hosts {
    struct host *a;
    size_t n, cap;
    uint32_t free_head; /* index + 1 */
    uint32_t *slots;    /* index + 1 */
    size_t mask;
    size_t count;
};

struct merge_ent {
    uint64_t ukey; /* hash of (host, user name) */
    uint64_t sid;  /* the session's id: the index may have been reused */
    int64_t time_us;
    uint32_t idx;
};

struct session_table {
    struct session_limits lim;
    struct session **chunks;
    size_t n_chunks;
    size_t chunks_cap;
    uint32_t used;      /* slots handed out so far (high-water mark) */
    uint32_t free_head; /* index + 1 */
    uint32_t grave;     /* index + 1 */
    uint64_t *slots;    /* key hash table: hash32 << 32 | (index + 1) */
    size_t mask;
    unsigned bits; /* log2(mask + 1) */
    size_t keyed;  /* entries in slots */
    size_t count;  /* sessions held: open, dormant, pending */
    struct heap heaps[_HEAP_MAX];
    struct hosts hosts;
    struct merge_ent *merge; /* merge_buckets * WAYS, lazily */
    size_t merge_buckets;
    struct session_stats stats;
    int64_t clock_us; /* latest event time seen */
    char ev_id[SESSION_ID_LEN];
    struct intern intern;
};

/* Per-call emission state. */
struct out {
    session_emit_fn emit;
    void *ctx;
};

_Static_assert(SESSION_ID_LEN == HEX64_LEN, "a session id is a hex64");

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
 * The key's hash; never 0 (0 marks an unused key).  The boot id (journal
 * events) is part of the key: logind session ids start again at 1 on
 * every boot (DESIGN 3: host, boot id, session id).  Keys are compared by
 * their 64-bit hash alone: two keys of a million open sessions collide
 * with probability about 2^-25 per year of a busy collector, which is
 * below the rate at which the sources themselves lose records.
 */
static uint64_t
key_hash(struct strv host, struct strv login_id, struct strv boot_id)
{
    uint64_t h = fnv1a_strv(fnv1a_strv(FNV_OFFSET, host), login_id);

    if (boot_id.n > 0)
        h = fnv1a_strv(h ^ 0x2f, boot_id);
    h = fmix64(h);
    return h ? h : 1;
}

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

/* ---- the slab ---- */

static inline struct session *
S(const struct session_table *t, uint32_t idx)
{
    return (struct session *)((char *)t->chunks[idx >> SESSION_CHUNK_SHIFT] +
                              SESSION_CHUNK_HDR +
                              (size_t)(idx & (SESSION_CHUNK - 1)) *
                                  SESSION_SLOT_SIZE);
}

/* What a chunk starts with. */
struct chunk_hdr {
    const struct session_table *t;
    uint32_t no;
};
_Static_assert(sizeof(struct chunk_hdr) <= SESSION_CHUNK_HDR, "chunk header");

static const struct chunk_hdr *
chunk_of(const struct session *s)
{
    return (const struct chunk_hdr *)((const char *)s - SESSION_CHUNK_HDR -
                                      (size_t)s->lidx * SESSION_SLOT_SIZE);
}

static const struct session_table *
table_of(const struct session *s)
{
    return chunk_of(s)->t;
}

/* The session's index in its table. */
static inline uint32_t
sidx(const struct session *s)
{
    return chunk_of(s)->no << SESSION_CHUNK_SHIFT | s->lidx;
}

/* Back to the free list (the slot is not in the table). */
static void
slot_release(struct session_table *t, struct session *s)
{
    mem_free(s->ext);
    s->ext = NULL;
    s->phase = PH_FREE;
    s->link = t->free_head;
    t->free_head = sidx(s) + 1;
}

/* A zeroed slot, or NULL on ENOMEM / index space exhausted. */
static struct session *
slot_alloc(struct session_table *t)
{
    struct session *s;
    uint32_t idx;

    if (t->free_head != 0) {
        idx = t->free_head - 1;
        s = S(t, idx);
        t->free_head = s->link;
    } else {
        if (t->used >= SESSION_INDEX_MAX)
            return NULL;
        if ((t->used >> SESSION_CHUNK_SHIFT) >= t->n_chunks) {
            struct session **c = t->chunks;

            if (t->n_chunks == t->chunks_cap) {
                size_t cap = t->chunks_cap ? 2 * t->chunks_cap : 16;

                c = mem_realloc(t->chunks, cap * sizeof(*c));
                if (c == NULL)
                    return NULL;
                t->chunks = c;
                t->chunks_cap = cap;
            }
            c[t->n_chunks] = mem_malloc(
                SESSION_CHUNK_HDR + (size_t)SESSION_CHUNK * SESSION_SLOT_SIZE);
            if (c[t->n_chunks] == NULL)
                return NULL;
            *(struct chunk_hdr *)c[t->n_chunks] =
                (struct chunk_hdr){t, (uint32_t)t->n_chunks};
            t->n_chunks++;
        }
        idx = t->used++;
        s = S(t, idx);
    }
    memset(s, 0, SESSION_SLOT_SIZE);
    s->lidx = (uint16_t)(idx & (SESSION_CHUNK - 1));
    s->logon_type = -1;
    s->heap_idx = UINT32_MAX;
    return s;
}

/* ---- hosts ---- */

static uint64_t
host_hash(struct strv name)
{
    return fmix64(fnv1a_strv(FNV_OFFSET ^ 0x68, name));
}

static uint32_t *
host_find_slot(const struct hosts *hs, uint64_t hash, struct strv name)
{
    for (size_t i = hash & hs->mask;; i = (i + 1) & hs->mask) {
        uint32_t *sl = &hs->slots[i];
        const struct host *h;

        if (*sl == 0)
            return sl;
        h = &hs->a[*sl - 1];
        if (h->hash == hash && h->len == name.n &&
            (name.n == 0 || memcmp(h->name, name.p, name.n) == 0))
            return sl;
    }
}

static int
host_reserve(struct hosts *hs)
{
    size_t cap = hs->slots ? (hs->mask + 1) * 2 : SESSION_HASH_MIN;
    uint32_t *slots;

    if (hs->slots != NULL && (hs->count + 1) * 2 <= hs->mask + 1)
        return 0;
    slots = mem_calloc(cap, sizeof(*slots));
    if (slots == NULL)
        return -ENOMEM;
    for (size_t i = 0; hs->slots != NULL && i <= hs->mask; i++) {
        uint32_t v = hs->slots[i];
        size_t j;

        if (v == 0)
            continue;
        for (j = hs->a[v - 1].hash & (cap - 1); slots[j] != 0;
             j = (j + 1) & (cap - 1))
            ;
        slots[j] = v;
    }
    mem_free(hs->slots);
    hs->slots = slots;
    hs->mask = cap - 1;
    return 0;
}

/* The pool index of a known host name, or -1: a lookup that adds
 * nothing (a host nobody refers to has no sessions). */
static int64_t
host_find(const struct hosts *hs, struct strv name)
{
    uint32_t v;

    if (hs->slots == NULL)
        return -1;
    v = *host_find_slot(hs, host_hash(name), name);
    return v == 0 ? -1 : (int64_t)v - 1;
}

/* The pool index of a host name, added if new; -ENOMEM. */
static int64_t
host_get(struct hosts *hs, struct strv name)
{
    uint64_t hash = host_hash(name);
    uint32_t *sl, idx;
    struct host *h;
    char *copy;

    if (host_reserve(hs) < 0)
        return -ENOMEM;
    sl = host_find_slot(hs, hash, name);
    if (*sl != 0)
        return *sl - 1;
    if (hs->free_head == 0 && hs->n == hs->cap) {
        size_t cap = hs->cap ? hs->cap * 2 : 16;
        struct host *a = mem_realloc(hs->a, cap * sizeof(*a));

        if (a == NULL)
            return -ENOMEM;
        hs->a = a;
        hs->cap = cap;
    }
    copy = mem_malloc(name.n ? name.n : 1);
    if (copy == NULL)
        return -ENOMEM;
    if (name.n > 0)
        memcpy(copy, name.p, name.n);
    if (hs->free_head != 0) {
        idx = hs->free_head - 1;
        hs->free_head = hs->a[idx].next_free;
    } else {
        idx = (uint32_t)hs->n++;
    }
    h = &hs->a[idx];
    *h = (struct host){.hash = hash, .name = copy, .len = (uint8_t)name.n};
    *sl = idx + 1;
    hs->count++;
    return idx;
}

/* Backward-shift deletion (Knuth 6.4 algorithm R), as for the keys. */
static void
host_remove(struct hosts *hs, uint32_t idx)
{
    size_t i = hs->a[idx].hash & hs->mask, j;

    while (hs->slots[i] != idx + 1)
        i = (i + 1) & hs->mask;
    j = i;
    for (;;) {
        size_t home;

        j = (j + 1) & hs->mask;
        if (hs->slots[j] == 0)
            break;
        home = hs->a[hs->slots[j] - 1].hash & hs->mask;
        if (((j - home) & hs->mask) >= ((j - i) & hs->mask)) {
            hs->slots[i] = hs->slots[j];
            i = j;
        }
    }
    hs->slots[i] = 0;
    hs->count--;
    mem_free(hs->a[idx].name);
    hs->a[idx].name = NULL;
    hs->a[idx].next_free = hs->free_head;
    hs->free_head = idx + 1;
}

/* Drop one reference; a host nobody refers to and with no boot to
 * remember is forgotten. */
static void
host_unref(struct hosts *hs, uint32_t idx)
{
    struct host *h = &hs->a[idx];

    if (h->refs > 0)
        h->refs--;
    if (h->refs == 0 && h->boot == 0)
        host_remove(hs, idx);
}

static struct strv
host_name(const struct session_table *t, uint32_t idx)
{
    const struct host *h = &t->hosts.a[idx];

    return strv_make(h->name, h->len);
}

/* ---- strings ---- */

/* Index + 1 of v in the pool, adding it if there is room; 0 otherwise
 * (the value is then stored in the session). */
static unsigned
intern_get(struct intern *in, struct strv v)
{
    size_t mask = SESSION_INTERN_SLOTS - 1;
    size_t i = (size_t)fmix64(fnv1a(FNV_OFFSET, v.p, v.n)) & mask;
    char *copy;

    if (v.n > SESSION_INTERN_LEN_MAX)
        return 0;
    for (; in->slot[i] != 0; i = (i + 1) & mask) {
        unsigned k = in->slot[i] - 1u;

        if (in->len[k] == v.n && memcmp(in->str[k], v.p, v.n) == 0)
            return k + 1;
    }
    if (in->n >= SESSION_INTERN_MAX)
        return 0;
    copy = mem_malloc(v.n);
    if (copy == NULL)
        return 0;
    memcpy(copy, v.p, v.n);
    in->str[in->n] = copy;
    in->len[in->n] = (uint8_t)v.n;
    in->slot[i] = (uint16_t)(in->n + 1);
    return (unsigned)++in->n;
}

/*
 * A SID "S-1-<authority>-<sub>..." in binary: count, authority, then the
 * sub-authorities as 32-bit little-endian words (MS-DTYP 2.4.2, with the
 * authority cut to one byte: NT AUTHORITY is 5, and the other values in
 * use are below 256).  Returns the packed length, or 0 when v is not a SID
 * that prints back exactly as written.
 */
#define SID_SUB_MAX 15
#define SID_PACKED_MAX (2 + 4 * SID_SUB_MAX)
#define SID_TEXT_MAX (4 + 3 + SID_SUB_MAX * 11)
_Static_assert(SID_TEXT_MAX <= SESSION_UID_TEXT_MAX, "a view holds any SID");

static size_t
sid_format(const unsigned char *p, size_t n, char *out)
{
    size_t k = 0, cnt;
    char num[12];

    if (n < 2 || (cnt = p[0]) > SID_SUB_MAX || n != 2 + 4 * cnt)
        return 0;
    memcpy(out, "S-1-", 4);
    k = 4;
    for (size_t i = 0; i <= cnt; i++) {
        uint32_t x = i == 0 ? p[1]
                            : (uint32_t)p[2 + 4 * (i - 1)] |
                                  (uint32_t)p[3 + 4 * (i - 1)] << 8 |
                                  (uint32_t)p[4 + 4 * (i - 1)] << 16 |
                                  (uint32_t)p[5 + 4 * (i - 1)] << 24;
        size_t d = 0;

        if (i > 0)
            out[k++] = '-';
        do {
            num[d++] = (char)('0' + x % 10);
            x /= 10;
        } while (x != 0);
        while (d > 0)
            out[k++] = num[--d];
    }
    return k;
}

static size_t
sid_pack(struct strv v, unsigned char *out)
{
    char back[SID_TEXT_MAX];
    size_t i = 4, cnt = 0;

    if (v.n < 6 || memcmp(v.p, "S-1-", 4) != 0)
        return 0;
    for (;;) {
        uint64_t x = 0;
        size_t d = 0;

        while (i < v.n && v.p[i] >= '0' && v.p[i] <= '9' && d < 11) {
            x = x * 10 + (uint64_t)(v.p[i++] - '0');
            d++;
        }
        if (d == 0 || (cnt == 0 ? x > 255 : x > UINT32_MAX))
            return 0;
        if (cnt == 0) {
            out[1] = (unsigned char)x;
        } else {
            if (cnt > SID_SUB_MAX)
                return 0;
            for (int b = 0; b < 4; b++)
                out[2 + 4 * (cnt - 1) + (size_t)b] =
                    (unsigned char)(x >> (8 * b));
        }
        cnt++;
        if (i == v.n)
            break;
        if (v.p[i++] != '-')
            return 0;
    }
    out[0] = (unsigned char)(cnt - 1);
    if (sid_format(out, 2 + 4 * (cnt - 1), back) != v.n ||
        memcmp(back, v.p, v.n) != 0)
        return 0;
    return 2 + 4 * (cnt - 1);
}

static bool
stored_in_blob(const struct session *s, int f)
{
    if (f >= _F_BLOB || s->slen[f] == 0)
        return false;
    if (f == F_AUTH && s->iref[0])
        return false;
    if ((f == F_USER_NAME && s->sub_name) || (f == F_USER_DOMAIN && s->sub_dom))
        return false;
    return true;
}

/* A field as stored (a packed SID for F_UID when uid_sid). */
static struct strv
sget(const struct session_table *t, const struct session *s, int f)
{
    const char *blob = s->ext ? s->ext : s->inl;
    size_t off = 0;
    unsigned k;

    if (f >= _F_BLOB || f == F_AUTH) {
        k = s->iref[IREF(f)];
        if (k != 0)
            return strv_make(t->intern.str[k - 1], t->intern.len[k - 1]);
        if (f >= _F_BLOB)
            return STRV_NULL;
    }
    if (s->slen[f] == 0)
        return STRV_NULL;
    if (f == F_USER_NAME && s->sub_name)
        return strv_make(sget(t, s, F_USER).p + s->name_off, s->slen[f]);
    if (f == F_USER_DOMAIN && s->sub_dom)
        return strv_make(sget(t, s, F_USER).p + s->dom_off, s->slen[f]);
    for (int g = 0; g < f; g++)
        if (stored_in_blob(s, g))
            off += s->slen[g];
    return strv_make(blob + off, s->slen[f]);
}

/* Every field as stored: text, except a uid packed as a SID when
 * s->uid_sid (decode_uid() makes it text). */
static void
get_strings(const struct session_table *t, const struct session *s,
            struct strv *vals)
{
    const char *blob = s->ext ? s->ext : s->inl;
    size_t off = 0;

    /* One pass over the blob (sget() walks it from the start per field). */
    for (int f = 0; f < _F_MAX; f++) {
        if (stored_in_blob(s, f)) {
            vals[f] = strv_make(blob + off, s->slen[f]);
            off += s->slen[f];
        } else {
            vals[f] = sget(t, s, f);
        }
    }
}

/* The uid of s as text; a packed SID is printed into buf (SID_TEXT_MAX
 * bytes). */
static struct strv
decode_uid(const struct session *s, struct strv v, char *buf)
{
    if (!s->uid_sid)
        return v;
    return strv_make(buf, sid_format((const unsigned char *)v.p, v.n, buf));
}

/*
 * Store vals[] (text, but the uid already packed when uid_packed; views
 * that may point into the session itself) as the session's strings.
 * Returns 0, or -ENOMEM with the session unchanged.
 */
static int
set_strings(struct session_table *t, struct session *s,
            const struct strv *in_vals, bool uid_packed)
{
    char tmp[_F_BLOB * SESSION_STR_MAX];
    uint8_t slen[_F_BLOB], iref[F_INTERN_N];
    unsigned char sid[SID_PACKED_MAX];
    size_t total = 0, sidn = 0;
    bool sub_name = false, sub_dom = false;
    uint8_t name_off = 0, dom_off = 0;
    struct strv vals[_F_MAX];
    char *ext = NULL;

    for (int f = 0; f < _F_MAX; f++)
        vals[f] = cap_str(in_vals[f]);
    memset(iref, 0, sizeof(iref));
    for (int f = 0; f < _F_MAX; f++) {
        struct strv v = vals[f];
        const char *hit;

        if (f < _F_BLOB)
            slen[f] = (uint8_t)v.n;
        if (v.n == 0)
            continue;
        if (f >= _F_BLOB || f == F_AUTH) {
            unsigned k = s->iref[IREF(f)];

            /* Already interned (it came from the pool): no lookup. */
            if (k == 0 || t->intern.str[k - 1] != v.p)
                k = f == F_AUTH && t->intern.n >= SESSION_INTERN_AUTH_MAX
                        ? 0
                        : intern_get(&t->intern, v);
            iref[IREF(f)] = (uint8_t)k;
            if (k != 0 || f >= _F_BLOB)
                continue; /* a vocabulary field the full pool drops */
        }
        if ((f == F_USER_NAME || f == F_USER_DOMAIN) && vals[F_USER].n >= v.n &&
            (hit = memmem(vals[F_USER].p, vals[F_USER].n, v.p, v.n)) != NULL) {
            /* user_name and user_domain are nearly always part of user
             * ("CORP\\alice"): store them once. */
            if (f == F_USER_NAME) {
                sub_name = true;
                name_off = (uint8_t)(hit - vals[F_USER].p);
            } else {
                sub_dom = true;
                dom_off = (uint8_t)(hit - vals[F_USER].p);
            }
            continue;
        }
        if (f == F_UID && uid_packed) {
            sidn = v.n;
            memcpy(tmp + total, v.p, v.n);
            total += v.n;
            continue;
        }
        if (f == F_UID && (sidn = sid_pack(v, sid)) > 0) {
            memcpy(tmp + total, sid, sidn);
            slen[f] = (uint8_t)sidn;
            total += sidn;
            continue;
        }
        memcpy(tmp + total, v.p, v.n);
        total += v.n;
    }
    if (total > SESSION_INLINE_MAX) {
        ext = mem_malloc(total);
        if (ext == NULL)
            return -ENOMEM;
        memcpy(ext, tmp, total);
    } else {
        memcpy(s->inl, tmp, total);
    }
    mem_free(s->ext);
    s->ext = ext;
    memcpy(s->slen, slen, sizeof(slen));
    memcpy(s->iref, iref, sizeof(iref));
    s->sub_name = sub_name;
    s->sub_dom = sub_dom;
    s->name_off = name_off;
    s->dom_off = dom_off;
    s->uid_sid = sidn > 0;
    return 0;
}

/* ---- heaps (min on key, lazily behind last_us) ---- */

/*
 * The keys live in the heap's own array beside the indices, so ordering
 * compares neighbours in that array and never reads a session: at a
 * million sessions each such read is a cache miss, and closing a session
 * (a removal from the middle) used to cost several of them.
 */
static inline void
heap_place(struct session_table *t, struct heap *h, size_t i, uint32_t idx,
           int64_t key)
{
    h->a[i] = idx;
    h->key[i] = key;
    S(t, idx)->heap_idx = (uint32_t)i;
}

static void
heap_up(struct session_table *t, struct heap *h, size_t i)
{
    uint32_t x = h->a[i];
    int64_t kx = h->key[i];

    while (i > 0 && kx < h->key[(i - 1) / 2]) {
        heap_place(t, h, i, h->a[(i - 1) / 2], h->key[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    heap_place(t, h, i, x, kx);
}

static void
heap_down(struct session_table *t, struct heap *h, size_t i)
{
    uint32_t x = h->a[i];
    int64_t kx = h->key[i];

    for (;;) {
        size_t c = 2 * i + 1;

        if (c >= h->n)
            break;
        if (c + 1 < h->n && h->key[c + 1] < h->key[c])
            c++;
        if (h->key[c] >= kx)
            break;
        heap_place(t, h, i, h->a[c], h->key[c]);
        i = c;
    }
    heap_place(t, h, i, x, kx);
}

static int
heap_reserve(struct heap *h, size_t n)
{
    size_t cap = h->cap ? h->cap : 16;
    uint32_t *a;
    int64_t *key;

    if (n <= h->cap)
        return 0;
    while (cap < n)
        cap *= 2;
    a = mem_realloc(h->a, cap * sizeof(*a));
    if (a == NULL)
        return -ENOMEM;
    h->a = a;
    key = mem_realloc(h->key, cap * sizeof(*key));
    if (key == NULL)
        return -ENOMEM;
    h->key = key;
    h->cap = cap;
    return 0;
}

/* Capacity must have been reserved.  The session ages from `key` (at
 * least its last activity). */
static void
heap_push_at(struct session_table *t, enum heap_id id, struct session *s,
             int64_t key)
{
    struct heap *h = &t->heaps[id];

    s->heap = id;
    if (key < s->last_us)
        key = s->last_us;
    if (h->n == 0 || key >= h->max_key) {
        /* Time moves forward: a new session usually has the largest key
         * and stays at the end. */
        h->max_key = key;
        heap_place(t, h, h->n++, sidx(s), key);
        return;
    }
    h->a[h->n] = sidx(s);
    h->key[h->n] = key;
    heap_up(t, h, h->n++);
}

static void
heap_push(struct session_table *t, enum heap_id id, struct session *s)
{
    heap_push_at(t, id, s, s->last_us);
}

static void
heap_remove(struct session_table *t, struct session *s)
{
    struct heap *h = &t->heaps[s->heap];
    size_t i = s->heap_idx;

    h->n--;
    s->heap_idx = UINT32_MAX;
    if (i == h->n)
        return;
    heap_place(t, h, i, h->a[h->n], h->key[h->n]);
    heap_up(t, h, i);
    i = S(t, h->a[h->n])->heap_idx;
    heap_down(t, h, i);
}

/* The session with the oldest last activity of heap id, or NULL: stale
 * keys at the top are brought up to date first (lazy order).  Its key is
 * heap_top_key(). */
static struct session *
heap_top(struct session_table *t, enum heap_id id)
{
    struct heap *h = &t->heaps[id];

    while (h->n > 0) {
        struct session *s = S(t, h->a[0]);

        if (h->key[0] >= s->last_us)
            return s;
        h->key[0] = s->last_us;
        if (s->last_us > h->max_key)
            h->max_key = s->last_us;
        heap_down(t, h, 0);
    }
    return NULL;
}

static inline int64_t
heap_top_key(const struct session_table *t, enum heap_id id)
{
    return t->heaps[id].key[0];
}

/* ---- key hash table ---- */

/*
 * A slot holds the key hash's high 32 bits and the session index + 1.
 * The home slot comes from those same high bits (the top log2(size) of
 * them), so growing the table and backward-shift deletion never have to
 * read a session: at a million sessions each such read is a cache miss.
 */
#define SLOT_TAG(v) ((uint32_t)((v) >> 32))

static inline uint64_t
slot_make(uint64_t hash, uint32_t idx)
{
    return (hash >> 32) << 32 | (uint64_t)(idx + 1);
}

/* Home of a tag in a table of 2^bits slots (bits 4..32). */
static inline size_t
slot_home(uint32_t tag, unsigned bits)
{
    return (size_t)(tag >> (32 - bits));
}

static unsigned
mask_bits(size_t mask)
{
    unsigned b = 0;

    while (mask != 0) {
        b++;
        mask >>= 1;
    }
    return b;
}

static bool
has_key(const struct session *s, uint64_t hash)
{
    for (int k = 0; k < SESSION_KEYS_MAX; k++)
        if (s->keys[k] == hash)
            return true;
    return false;
}

static struct session *
key_find(const struct session_table *t, uint64_t hash)
{
    uint32_t tag = (uint32_t)(hash >> 32);

    if (t->slots == NULL)
        return NULL;
    for (size_t i = slot_home(tag, t->bits); t->slots[i] != 0;
         i = (i + 1) & t->mask) {
        uint64_t v = t->slots[i];
        struct session *s;

        if (SLOT_TAG(v) != tag)
            continue;
        s = S(t, (uint32_t)v - 1);
        if (has_key(s, hash))
            return s;
    }
    return NULL;
}

static void
key_put_slot(uint64_t *slots, size_t mask, unsigned bits, uint64_t v)
{
    size_t i = slot_home(SLOT_TAG(v), bits);

    while (slots[i] != 0)
        i = (i + 1) & mask;
    slots[i] = v;
}

static void
key_put(struct session_table *t, uint64_t hash, uint32_t idx)
{
    key_put_slot(t->slots, t->mask, t->bits, slot_make(hash, idx));
    t->keyed++;
}

/* Room for n more entries at load factor <= 1/2. */
static int
key_reserve(struct session_table *t, size_t n)
{
    size_t cap = t->slots ? t->mask + 1 : SESSION_HASH_MIN;
    uint64_t *slots;
    unsigned bits;

    while ((t->keyed + n) * 2 > cap)
        cap *= 2;
    if (t->slots != NULL && cap == t->mask + 1)
        return 0;
    if (cap > ((size_t)1 << 32))
        return -ENOMEM; /* beyond the 32 bits of a tag */
    slots = mem_calloc(cap, sizeof(*slots));
    if (slots == NULL)
        return -ENOMEM;
    bits = mask_bits(cap - 1);
    for (size_t i = 0; t->slots != NULL && i <= t->mask; i++)
        if (t->slots[i] != 0)
            key_put_slot(slots, cap - 1, bits, t->slots[i]);
    mem_free(t->slots);
    t->slots = slots;
    t->mask = cap - 1;
    t->bits = bits;
    return 0;
}

/* Backward-shift deletion (Knuth 6.4 algorithm R): no tombstones. */
static void
key_remove(struct session_table *t, uint64_t hash, uint32_t idx)
{
    uint64_t want = slot_make(hash, idx);
    size_t i = slot_home((uint32_t)(hash >> 32), t->bits), j;

    while (t->slots[i] != want)
        i = (i + 1) & t->mask;
    j = i;
    for (;;) {
        size_t home;

        j = (j + 1) & t->mask;
        if (t->slots[j] == 0)
            break;
        home = slot_home(SLOT_TAG(t->slots[j]), t->bits);
        /* Move j into the hole at i unless its home lies in (i, j]. */
        if (((j - home) & t->mask) >= ((j - i) & t->mask)) {
            t->slots[i] = t->slots[j];
            i = j;
        }
    }
    t->slots[i] = 0;
    t->keyed--;
}

static bool
is_logon_id(struct strv id)
{
    return id.n > 2 && id.p[0] == '0' && id.p[1] == 'x';
}

/* Add a key to s (room and capacity checked by the caller). */
static void
key_add(struct session_table *t, struct session *s, uint64_t hash,
        struct strv login_id)
{
    for (int k = 0; k < SESSION_KEYS_MAX; k++)
        if (s->keys[k] == 0) {
            s->keys[k] = hash;
            key_put(t, hash, sidx(s));
            s->flags |= is_logon_id(login_id) ? SF_KEY_LOGON : SF_KEY_TS;
            return;
        }
}

/* Give s the keys it does not hold yet, while it has room (capacity
 * reserved by the caller). */
static void
keys_adopt(struct session_table *t, struct session *s, const uint64_t *keys)
{
    for (int k = 0; k < SESSION_KEYS_MAX; k++)
        if (keys[k] != 0 && !has_key(s, keys[k]))
            for (int j = 0; j < SESSION_KEYS_MAX; j++)
                if (s->keys[j] == 0) {
                    s->keys[j] = keys[k];
                    key_put(t, keys[k], sidx(s));
                    break;
                }
}

static void
keys_drop(struct session_table *t, struct session *s)
{
    for (int k = 0; k < SESSION_KEYS_MAX; k++)
        if (s->keys[k] != 0)
            key_remove(t, s->keys[k], sidx(s));
}

/* ---- the merge index ---- */

static uint64_t
user_key(uint32_t host, struct strv user)
{
    char low[SESSION_STR_MAX];
    size_t n = user.n < sizeof(low) ? user.n : sizeof(low);

    /* Windows account names are case-insensitive (1149 often writes them
     * as typed, 4624 as stored). */
    for (size_t i = 0; i < n; i++)
        low[i] = (char)(user.p[i] >= 'A' && user.p[i] <= 'Z' ? user.p[i] + 32
                                                             : user.p[i]);
    return fmix64(fnv1a(fnv1a(FNV_OFFSET, &host, sizeof(host)), low, n)) | 1;
}

/* The name the merge index knows a session's user by: user_name, else
 * user. */
static struct strv
merge_name(const struct event *ev)
{
    return strv_present(ev->user_name) ? cap_str(ev->user_name)
                                       : cap_str(ev->user);
}

static void
merge_put(struct session_table *t, struct session *s, uint64_t ukey)
{
    struct merge_ent *b, *victim;

    if (t->merge == NULL) {
        t->merge = mem_calloc(t->merge_buckets * SESSION_MERGE_WAYS,
                              sizeof(*t->merge));
        if (t->merge == NULL)
            return; /* not an error: the session just cannot be joined */
    }
    b = &t->merge[(ukey % t->merge_buckets) * SESSION_MERGE_WAYS];
    victim = b;
    for (int w = 0; w < SESSION_MERGE_WAYS; w++) {
        if (b[w].ukey == 0 || (b[w].ukey == ukey && b[w].sid == s->id)) {
            victim = &b[w];
            break;
        }
        if (b[w].time_us < victim->time_us)
            victim = &b[w];
    }
    *victim = (struct merge_ent){
        .ukey = ukey, .sid = s->id, .time_us = s->start_us, .idx = sidx(s)};
}

/* What a merge lookup knows of the event. */
struct merge_q {
    const struct event *ev;
    int64_t when;
    uint64_t linked; /* key of the 4624's linked logon id, 0: none */
};

static bool merge_accepts(const struct session_table *t,
                          const struct session *s, const struct merge_q *q);

/* The latest open session of the same host and user (ukey), begun within
 * the merge window, that accepts the event; NULL. */
static struct session *
merge_find(struct session_table *t, uint64_t ukey, const struct merge_q *q)
{
    int64_t when = q->when;
    struct merge_ent *b;
    struct session *best = NULL;

    if (t->merge == NULL)
        return NULL;
    b = &t->merge[(ukey % t->merge_buckets) * SESSION_MERGE_WAYS];
    for (int w = 0; w < SESSION_MERGE_WAYS; w++) {
        struct session *s;
        int64_t d = b[w].time_us - when;

        if (b[w].ukey != ukey || d > SESSION_MERGE_WINDOW_US ||
            d < -SESSION_MERGE_WINDOW_US || b[w].idx >= t->used)
            continue;
        s = S(t, b[w].idx);
        if (s->id != b[w].sid || !merge_accepts(t, s, q))
            continue;
        /* A login read after its disconnect (channels forwarded apart
         * arrive apart) still belongs to the segment it began. */
        if (s->phase != PH_LIVE &&
            !((s->phase == PH_DORMANT || s->phase == PH_ENDED) &&
              q->ev->action == EV_ACTION_LOGIN && q->when <= s->last_us))
            continue;
        if (best == NULL || s->start_us > best->start_us)
            best = s;
    }
    return best;
}

/* ---- sessions ---- */

static void
emit_record(const struct out *o, const struct session *s)
{
    if (o->emit != NULL)
        o->emit(o->ctx, s);
}

/* Take s out of the table (keys, heap, count) without a record. */
static void
session_untable(struct session_table *t, struct session *s)
{
    keys_drop(t, s);
    if (s->heap_idx != UINT32_MAX)
        heap_remove(t, s);
    if (s->phase == PH_LIVE)
        t->stats.open_now--;
    t->count--;
}

/* Put s in the graveyard: readable until the next call on the table. */
static void
session_bury(struct session_table *t, struct session *s)
{
    s->phase = PH_GRAVE;
    s->link = t->grave;
    t->grave = sidx(s) + 1;
}

static void
graveyard_flush(struct session_table *t)
{
    while (t->grave != 0) {
        struct session *s = S(t, t->grave - 1);

        t->grave = s->link;
        host_unref(&t->hosts, s->host);
        slot_release(t, s);
    }
}

/* A closed session held in the table (dormant) goes on lingering for the
 * merge window from `from_us`, or out of the table when there is no room
 * in the heap. */
static void
session_linger(struct session_table *t, struct session *s, int64_t from_us)
{
    if (heap_reserve(&t->heaps[HEAP_ENDED], t->heaps[HEAP_ENDED].n + 1) < 0) {
        session_untable(t, s);
        session_bury(t, s);
        return;
    }
    heap_remove(t, s);
    s->phase = PH_ENDED;
    heap_push_at(t, HEAP_ENDED, s, from_us);
}

/* Drop a dormant or pending session: it has no record to write. */
static void
session_drop(struct session_table *t, struct session *s)
{
    if (s->phase == PH_PENDING)
        t->stats.orphans++;
    session_untable(t, s);
    session_bury(t, s);
}

/*
 * Close an open session: out of the table (or, after a disconnect, kept as
 * dormant), closed record emitted.  A session that never succeeded closes
 * as "failed", unless it was an attempt with no result (RCM 1149 alone).
 */
static void
session_close(struct session_table *t, struct session *s,
              enum session_end_reason why, int64_t end_us, const struct out *o)
{
    bool ends = why == SESSION_END_LOGOUT || why == SESSION_END_DISCONNECT;
    bool dormant =
        why == SESSION_END_DISCONNECT && s->successful && s->keys[0] != 0 &&
        heap_reserve(&t->heaps[HEAP_DORMANT], t->heaps[HEAP_DORMANT].n + 1) ==
            0;
    /* The same logoff is reported more than once (4647 and LSM 23; sshd's
     * "Disconnected" and pam's "session closed"): the session lingers for
     * the merge window so that the other reports find it. */
    bool linger =
        !dormant && ends && s->keys[0] != 0 &&
        heap_reserve(&t->heaps[HEAP_ENDED], t->heaps[HEAP_ENDED].n + 1) == 0;

    if (!s->successful &&
        (why == SESSION_END_LOGOUT || why == SESSION_END_DISCONNECT ||
         (why == SESSION_END_EXPIRED && s->failure_count > 0)))
        why = SESSION_END_FAILED;
    if (s->heap_idx != UINT32_MAX)
        heap_remove(t, s);
    t->stats.open_now--;
    s->state = SESSION_STATE_CLOSED;
    s->end_reason = why;
    s->last_us = end_us > s->start_us ? end_us : s->start_us;
    t->stats.closed++;
    if (why == SESSION_END_FAILED)
        t->stats.failed++;
    else if (why == SESSION_END_EXPIRED)
        t->stats.expired++;
    else if (why == SESSION_END_EVICTED)
        t->stats.evicted++;
    else if (why == SESSION_END_REBOOT)
        t->stats.rebooted++;
    if (dormant) {
        s->phase = PH_DORMANT;
        heap_push(t, HEAP_DORMANT, s);
    } else if (linger) {
        s->phase = PH_ENDED;
        heap_push(t, HEAP_ENDED, s);
    } else {
        keys_drop(t, s);
        t->count--;
        session_bury(t, s);
    }
    emit_record(o, s);
}

/* The session id: 16 hex digits of a hash of what identifies it, so a
 * replay of the same logs gives the same ids. */
static void
session_make_id(struct session_table *t, struct session *s,
                const struct event *ev, uint64_t salt)
{
    uint64_t h = FNV_OFFSET, start = (uint64_t)s->start_us;

    h = fnv1a_strv(h, host_name(t, s->host));
    h = fnv1a_strv(h, cap_str(ev->login_id));
    h = fnv1a(h, &start, sizeof(start));
    h = fnv1a(h, &salt, sizeof(salt));
    if (!strv_present(ev->login_id)) {
        /* Keyless attempts: tell apart attempts in the same µs. */
        h = fnv1a_strv(h, ev->user);
        h = fnv1a_strv(h, ev->src_ip);
        h = fnv1a_strv(h, ev->event_code);
        h = fnv1a_strv(h, ev->record_id);
    }
    s->id = fmix64(h) | 1;
}

/* The event belongs to s: its session_id. */
static void
tag_event(struct session_table *t, struct event *ev, const struct session *s)
{
    hex64_format(s->id, t->ev_id);
    ev->session_id = strv_make(t->ev_id, SESSION_ID_LEN);
}

static int64_t
time_in_range(int64_t us)
{
    return us < SESSION_TIME_MIN_US   ? SESSION_TIME_MIN_US
           : us > SESSION_TIME_MAX_US ? SESSION_TIME_MAX_US
                                      : us;
}

static int64_t
event_time(struct session_table *t, const struct event *ev)
{
    int64_t when;

    if (ev->time_us == EVENT_TIME_UNSET)
        return t->clock_us;
    when = time_in_range(ev->time_us);
    if (when > t->clock_us)
        t->clock_us = when;
    return when;
}

/* Copy what the event adds to the session's typed (non-string) fields. */
static void
absorb_fields(struct session *s, const struct event *ev)
{
    if (s->username_type == EV_USERNAME_TYPE_NONE)
        s->username_type = ev->username_type;
    if (s->user_id_type == EV_USER_ID_TYPE_NONE)
        s->user_id_type = ev->user_id_type;
    if (s->user_type == EV_USER_TYPE_NONE)
        s->user_type = ev->user_type;
    if (s->login_type == EV_LOGIN_TYPE_NONE)
        s->login_type = ev->login_type;
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
absorb_strings(struct session_table *t, struct session *s,
               const struct event *ev, int64_t when)
{
    static const struct {
        int f;
        size_t off;
    } fill[] = {
        {F_LOGIN_ID, offsetof(struct event, login_id)},
        {F_USER, offsetof(struct event, user)},
        {F_USER_NAME, offsetof(struct event, user_name)},
        {F_USER_DOMAIN, offsetof(struct event, user_domain)},
        {F_UID, offsetof(struct event, uid)},
        {F_SRC_IP, offsetof(struct event, src_ip)},
        {F_AUTH, offsetof(struct event, auth_method)},
    };
    struct strv vals[_F_MAX];
    bool success = ev->result != EV_RESULT_FAILURE;
    bool new_addr =
        ev->action == EV_ACTION_RECONNECT && strv_present(ev->src_ip);
    bool set_auth = success && ev->action == EV_ACTION_LOGIN &&
                    strv_present(ev->auth_method) &&
                    !strv_eq(sget(t, s, F_AUTH), cap_str(ev->auth_method));
    bool set_addr =
        new_addr && !strv_eq(sget(t, s, F_SRC_IP), cap_str(ev->src_ip));
    bool set_details =
        ev->result == EV_RESULT_FAILURE && strv_present(ev->result_details);
    /* "vagrant" (RCM 1149 without a domain) becomes "WINDOMAIN\\vagrant"
     * when the 4624 of the same logon names the domain. */
    bool set_user =
        s->slen[F_USER_DOMAIN] == 0 && s->slen[F_USER] != 0 &&
        strv_present(ev->user_domain) &&
        strv_case_eq_strv(sget(t, s, F_USER), cap_str(ev->user_name));
    bool changed = set_auth || set_addr || set_details || set_user ||
                   s->n_sources < SESSION_SOURCES_MAX;
    int rc;

    /* Most events after the first few add nothing: decide that from the
     * lengths alone before unpacking the strings. */
    for (size_t i = 0; !changed && i < sizeof(fill) / sizeof(fill[0]); i++)
        changed = s->slen[fill[i].f] == 0 &&
                  strv_present(
                      *(const struct strv *)((const char *)ev + fill[i].off));
    if (changed) {
        get_strings(t, s, vals);
        for (size_t i = 0; i < sizeof(fill) / sizeof(fill[0]); i++) {
            struct strv v =
                *(const struct strv *)((const char *)ev + fill[i].off);

            if (strv_present(v) && !strv_present(vals[fill[i].f]))
                vals[fill[i].f] = v;
        }
        if (set_auth)
            vals[F_AUTH] = ev->auth_method;
        if (set_addr)
            vals[F_SRC_IP] = ev->src_ip;
        if (set_details)
            vals[F_RESULT_DETAILS] = ev->result_details;
        if (set_user) {
            vals[F_USER] = ev->user;
            vals[F_USER_NAME] = ev->user_name;
            vals[F_USER_DOMAIN] = ev->user_domain;
        }
        if (s->n_sources < SESSION_SOURCES_MAX) {
            vals[F_FMT0 + s->n_sources] = ev->format;
            vals[F_CODE0 + s->n_sources] = ev->event_code;
            vals[F_REC0 + s->n_sources] = ev->record_id;
        }
        rc = set_strings(t, s, vals, s->uid_sid);
        if (rc < 0)
            return rc;
        if (set_user)
            s->username_type = ev->username_type;
    }
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
    int rc = absorb_strings(t, s, ev, when);

    absorb_fields(s, ev);
    if (s->event_count < UINT32_MAX)
        s->event_count++;
    if (when < s->start_us)
        s->start_us = when; /* an earlier event read later */
    if (when > s->last_us)
        s->last_us = when; /* the heap catches up lazily */
    return rc;
}

/* Make room for one more session: evict the least recently active one
 * when the table is full (orphans first, then disconnected ones, then
 * open sessions and attempts). */
static void
make_room(struct session_table *t, const struct out *o)
{
    struct session *a, *b;

    if (t->count < t->lim.max_open)
        return;
    if ((a = heap_top(t, HEAP_PENDING)) != NULL ||
        (a = heap_top(t, HEAP_ENDED)) != NULL ||
        (a = heap_top(t, HEAP_DORMANT)) != NULL) {
        session_drop(t, a);
        return;
    }
    a = heap_top(t, HEAP_OPEN);
    b = heap_top(t, HEAP_ATTEMPT);
    if (a == NULL || (b != NULL && heap_top_key(t, HEAP_ATTEMPT) <
                                       heap_top_key(t, HEAP_OPEN)))
        a = b;
    if (a != NULL)
        session_close(t, a, SESSION_END_EVICTED, a->last_us, o);
}

/*
 * A new session for the event, with its key (hash 0: none), in heap h,
 * opened or pending.  Returns it, or NULL on ENOMEM (the table is then
 * unchanged).
 */
static struct session *
session_new(struct session_table *t, struct event *ev, int64_t when,
            uint64_t hash, enum heap_id h, const struct out *o)
{
    struct session *s;
    int64_t host;

    if (key_reserve(t, SESSION_KEYS_MAX) < 0 ||
        heap_reserve(&t->heaps[h], t->heaps[h].n + 1) < 0)
        return NULL;
    host = host_get(&t->hosts, cap_str(ev->hostname));
    if (host < 0)
        return NULL;
    t->hosts.a[host].refs++;
    s = slot_alloc(t);
    if (s == NULL)
        goto fail;
    s->host = (uint32_t)host;
    s->start_us = s->last_us = when;
    s->successful = ev->result != EV_RESULT_FAILURE;
    s->phase = h == HEAP_PENDING ? PH_PENDING : PH_LIVE;
    if (session_touch(t, s, ev, when) < 0)
        goto fail_slot;
    session_make_id(t, s, ev, h == HEAP_PENDING);
    make_room(t, o);
    if (hash != 0)
        key_add(t, s, hash, ev->login_id);
    heap_push(t, h, s);
    t->count++;
    if (s->phase == PH_LIVE) {
        t->stats.opened++;
        t->stats.open_now++;
    }
    return s;
fail_slot:
    slot_release(t, s);
fail:
    host_unref(&t->hosts, (uint32_t)host);
    return NULL;
}

/* RDP and console logons whose reports other events join (DESIGN 3:
 * "a 1149, a 4624 type 10/12, a 21 and a 22 ... are one session"). */
static bool
is_merge_event(const struct event *ev)
{
    static const char *const codes[] = {"RCM-1149", "LSM-21", "LSM-22",
                                        "LSM-25",   "4778",   "7001"};

    if (ev->action != EV_ACTION_LOGIN && ev->action != EV_ACTION_RECONNECT)
        return false;
    /* A 4625 may end a 1149 attempt (merge_accepts() checks that it is
     * one): with NLA it has logon type 3, so any type. */
    if (strv_eq_cstr(ev->event_code, "4625"))
        return true;
    if (strv_eq_cstr(ev->event_code, "4624"))
        return ev->logon_type == 2 || ev->logon_type == 7 ||
               ev->logon_type == 10 || ev->logon_type == 11 ||
               ev->logon_type == 12;
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        if (strv_eq_cstr(ev->event_code, codes[i]))
            return true;
    return false;
}

/* Whether a recent open session s may take the event: a key of a kind it
 * does not have yet (a logon id, a terminal-services id), or no key; a
 * failure only on an attempt without result; a reconnect only on a
 * segment that itself began with a reconnect. */
/*
 * Whether the recent open session s is the logon the event reports.
 * Another connection of the same user is another session: the addresses
 * must agree, a console logon is not an RDP one, a logon before a
 * reconnect is not part of it.  A session takes one key of each kind - a
 * logon id (or the linked one of its split token) and a terminal-services
 * session id; a failure only ends an attempt without result (1149); a
 * reconnect joins the segment another report of it began, or a 1149.
 */
static bool
merge_accepts(const struct session_table *t, const struct session *s,
              const struct merge_q *q)
{
    const struct event *ev = q->ev;
    bool attempt = !s->successful && s->failure_count == 0 && s->keys[0] == 0;

    if (!(s->flags & SF_MERGE))
        return false;
    if (ev->result == EV_RESULT_FAILURE)
        return attempt;
    if (ev->action == EV_ACTION_RECONNECT && !(s->flags & SF_RECONNECT) &&
        !attempt)
        return false;
    if (ev->action == EV_ACTION_LOGIN && (s->flags & SF_RECONNECT) &&
        q->when < s->start_us)
        return false;
    if (strv_present(ev->src_ip) && s->slen[F_SRC_IP] != 0 &&
        !strv_eq(sget(t, s, F_SRC_IP), cap_str(ev->src_ip)))
        return false;
    if (ev->action == EV_ACTION_LOGIN && ev->login_type != 0 &&
        s->login_type != 0 && ev->login_type != s->login_type)
        return false;
    if (!strv_present(ev->login_id))
        return true;
    if (s->keys[SESSION_KEYS_MAX - 1] != 0)
        return false;
    if (is_logon_id(ev->login_id))
        return !(s->flags & SF_KEY_LOGON) ||
               (q->linked != 0 && has_key(s, q->linked));
    return !(s->flags & SF_KEY_TS);
}

/* Make s findable by the merge index: under the user's name and, when
 * known, the SID (Winlogon 7001 has only the SID). */
static void
merge_register(struct session_table *t, struct session *s)
{
    struct strv name = sget(t, s, F_USER_NAME);
    char buf[SID_TEXT_MAX];
    struct strv uid = decode_uid(s, sget(t, s, F_UID), buf);

    s->flags |= SF_MERGE;
    if (!strv_present(name))
        name = sget(t, s, F_USER);
    if (strv_present(name))
        merge_put(t, s, user_key(s->host, name));
    if (strv_present(uid))
        merge_put(t, s, user_key(s->host, uid));
}

/* The session the merge index has for the event: by name, then by SID. */
static struct session *
merge_lookup(struct session_table *t, const struct event *ev, int64_t when)
{
    struct merge_q q = {.ev = ev, .when = when};
    struct strv name = merge_name(ev), uid = cap_str(ev->uid);
    struct strv linked = cap_str(ev->logon[EV_LOGON_USER_LINKED_ID]);
    struct session *s = NULL;
    int64_t host;

    if (!is_merge_event(ev) || t->merge == NULL ||
        (!strv_present(name) && !strv_present(uid)))
        return NULL;
    host = host_find(&t->hosts, cap_str(ev->hostname));
    if (host < 0)
        return NULL;
    if (strv_present(linked))
        q.linked = key_hash(cap_str(ev->hostname), linked, ev->boot_id);
    if (strv_present(name))
        s = merge_find(t, user_key((uint32_t)host, name), &q);
    if (s == NULL && strv_present(uid))
        s = merge_find(t, user_key((uint32_t)host, uid), &q);
    return s;
}

/* Open a session for the event and emit its record. */
static int
session_open(struct session_table *t, struct event *ev, int64_t when,
             uint64_t hash, const struct out *o)
{
    bool failed = ev->result == EV_RESULT_FAILURE;
    /* Only a keyless attempt (RCM 1149) has no result of its own. */
    bool attempt = failed || (hash == 0 && ev->result == EV_RESULT_NONE);
    struct session *s =
        session_new(t, ev, when, hash, attempt ? HEAP_ATTEMPT : HEAP_OPEN, o);

    if (s == NULL)
        return -ENOMEM;
    if (attempt)
        s->successful = false;
    if (failed)
        s->failure_count = 1;
    if (ev->action == EV_ACTION_RECONNECT) {
        s->flags |= SF_RECONNECT;
        t->stats.reconnects++;
    }
    if (is_merge_event(ev))
        merge_register(t, s);
    tag_event(t, ev, s);
    emit_record(o, s);
    return 0;
}

/* A failed login without a key or an attempt to join: a session that
 * opens and closes at once.  Only the closed record is emitted. */
static int
session_one_shot(struct session_table *t, struct event *ev, int64_t when,
                 const struct out *o)
{
    struct session *s = session_new(t, ev, when, 0, HEAP_ATTEMPT, o);

    if (s == NULL)
        return -ENOMEM;
    s->successful = false;
    s->failure_count = 1;
    tag_event(t, ev, s);
    session_close(t, s, SESSION_END_FAILED, when, o);
    return 0;
}

/* A success on an attempt: it becomes a successful session and moves to
 * the heap of open sessions. */
static int
session_promote(struct session_table *t, struct session *s)
{
    int rc;

    if (s->successful)
        return 0;
    s->successful = true;
    if (s->heap != HEAP_ATTEMPT)
        return 0;
    rc = heap_reserve(&t->heaps[HEAP_OPEN], t->heaps[HEAP_OPEN].n + 1);
    if (rc < 0)
        return rc; /* stays on the attempt heap; closes as expired */
    heap_remove(t, s);
    heap_push(t, HEAP_OPEN, s);
    return 0;
}

/*
 * A reconnect: a new session that continues `old` (open, dormant or just
 * closed) under the same keys from the event's address, linked by
 * previous_session_id.  old is closed ("disconnect") if still open.
 */
static int
session_reconnect(struct session_table *t, struct session *old,
                  struct event *ev, int64_t when, const struct out *o)
{
    uint64_t keys[SESSION_KEYS_MAX];
    struct strv vals[_F_MAX];
    uint8_t flags = old->flags & (SF_MERGE | SF_KEY_LOGON | SF_KEY_TS);
    struct session *s = merge_lookup(t, ev, when);
    bool uid_packed;
    int rc;

    if (key_reserve(t, SESSION_KEYS_MAX) < 0)
        return -ENOMEM;
    /* The new session takes the keys over: find it by them from now. */
    memcpy(keys, old->keys, sizeof(keys));
    if (old->phase == PH_LIVE)
        session_close(t, old, SESSION_END_DISCONNECT, when, o);
    if (old->phase == PH_DORMANT) {
        /* The ended segment lingers without keys for the merge window: a
         * logon report read late (another channel) still finds it. */
        keys_drop(t, old);
        memset(old->keys, 0, sizeof(old->keys));
        session_linger(t, old, when);
    } else if (old->phase == PH_ENDED) {
        session_untable(t, old);
        session_bury(t, old);
    }
    memset(old->keys, 0, sizeof(old->keys));
    if (s != NULL && (s->flags & SF_RECONNECT)) {
        /* Another report (LSM 25 after 4778) of a reconnect that already
         * began a segment: it joins it and brings its keys. */
        keys_adopt(t, s, keys);
        s->flags |= flags & (SF_KEY_LOGON | SF_KEY_TS);
        t->stats.merged++;
        rc = session_touch(t, s, ev, when);
        tag_event(t, ev, s);
        return rc;
    }
    if (s != NULL) {
        /* The 1149 that announced the reconnect becomes its session. */
        t->stats.merged++;
        rc = session_touch(t, s, ev, when);
        if (rc == 0)
            rc = session_promote(t, s);
        if (rc < 0)
            return rc;
    } else {
        /* Cannot fail for lack of key room: old's keys were freed. */
        s = session_new(t, ev, when, 0, HEAP_OPEN, o);
        if (s == NULL)
            return -ENOMEM;
    }
    get_strings(t, old, vals);
    for (int f = F_REC0; f < _F_MAX; f++)
        if (f < F_REC0 + SESSION_SOURCES_MAX || f >= _F_BLOB)
            vals[f] = sget(t, s, f); /* the sources: the new session's */
    vals[F_RESULT_DETAILS] = STRV_NULL;
    if (strv_present(ev->src_ip))
        vals[F_SRC_IP] = sget(t, s, F_SRC_IP);
    uid_packed = old->uid_sid;
    if (!strv_present(vals[F_UID])) {
        vals[F_UID] = sget(t, s, F_UID);
        uid_packed = s->uid_sid;
    }
    if (set_strings(t, s, vals, uid_packed) == 0) {
        s->username_type = old->username_type;
        s->user_id_type = old->user_id_type;
        s->user_type = old->user_type;
        s->login_type = old->login_type;
        s->logon_type = old->logon_type;
    }
    s->admin = s->admin || old->admin;
    s->prev_id = old->id;
    s->flags = flags | SF_RECONNECT;
    keys_adopt(t, s, keys);
    t->stats.reconnects++;
    if (s->flags & SF_MERGE)
        merge_register(t, s);
    tag_event(t, ev, s);
    emit_record(o, s);
    return 0;
}

/* Host restart: close the host's sessions that began before it (one scan
 * of the slab: restarts are rare next to logins). */
static void
close_host(struct session_table *t, uint32_t host, int64_t when,
           const struct out *o)
{
    for (uint32_t i = 0; i < t->used; i++) {
        struct session *s = S(t, i);

        if (s->host != host || s->start_us > when)
            continue;
        if (s->phase == PH_LIVE)
            session_close(t, s, SESSION_END_REBOOT, when, o);
        else if (s->phase == PH_DORMANT || s->phase == PH_PENDING ||
                 s->phase == PH_ENDED)
            session_drop(t, s);
    }
}

/*
 * A journal event's boot id: the first event of a new boot of a host is a
 * restart (DESIGN 2: "a new journal _BOOT_ID").  An event of an older boot
 * read late (time before the new boot began) changes nothing.
 */
static void
check_boot(struct session_table *t, const struct event *ev, int64_t when,
           const struct out *o)
{
    uint64_t boot = fmix64(fnv1a_strv(FNV_OFFSET, ev->boot_id)) | 1;
    int64_t hi = host_get(&t->hosts, cap_str(ev->hostname));
    struct host *h;

    if (hi < 0)
        return;
    h = &t->hosts.a[hi];
    if (h->boot == boot)
        return;
    if (h->boot != 0) {
        if (when < h->boot_us)
            return;
        h->refs++; /* keep the entry while its sessions go */
        close_host(t, (uint32_t)hi, when, o);
        h->refs--;
    }
    h->boot = boot;
    h->boot_us = when;
}

/* A session made open from a pending one by its login (the login was
 * read after its logout or lock).  Closes at once if the orphan ended it. */
static int
session_claim(struct session_table *t, struct session *s, struct event *ev,
              int64_t when, const struct out *o)
{
    bool attempt = ev->result == EV_RESULT_FAILURE;
    enum heap_id h = attempt ? HEAP_ATTEMPT : HEAP_OPEN;
    enum session_end_reason why = s->end_reason;
    int64_t end = s->last_us;
    int rc;

    rc = heap_reserve(&t->heaps[h], t->heaps[h].n + 1);
    if (rc < 0)
        return rc;
    /* The logon begins at its login, also when its 4672 came first. */
    if (when > s->start_us)
        s->start_us = when;
    rc = session_touch(t, s, ev, when);
    heap_remove(t, s);
    s->phase = PH_LIVE;
    s->end_reason = SESSION_END_NONE;
    s->successful = !attempt;
    s->failure_count = attempt;
    heap_push(t, h, s);
    t->stats.opened++;
    t->stats.open_now++;
    if (is_merge_event(ev))
        merge_register(t, s);
    tag_event(t, ev, s);
    /* Records are rendered after the call: one that closes at once is
     * written once, closed (as a one-shot failure is). */
    if (why != SESSION_END_NONE)
        session_close(t, s, why, end, o);
    else
        emit_record(o, s);
    return rc;
}

/* An event for a key with no session: keep it as an orphan waiting for
 * its login (another source may be behind this one). */
static int
session_orphan(struct session_table *t, struct event *ev, int64_t when,
               uint64_t hash, const struct out *o)
{
    struct session *s = session_new(t, ev, when, hash, HEAP_PENDING, o);

    if (s == NULL)
        return -ENOMEM;
    s->successful = false;
    if (ev->action == EV_ACTION_LOCK) {
        s->lock_count = 1;
        s->locked = true;
    }
    if (ev->action == EV_ACTION_LOGOUT)
        s->end_reason = SESSION_END_LOGOUT;
    else if (ev->action == EV_ACTION_DISCONNECT)
        s->end_reason = SESSION_END_DISCONNECT;
    tag_event(t, ev, s);
    return 0;
}

/* A login or reconnect for a key nobody holds: join a recent session of
 * the same logon (merge) or open one. */
static int
open_or_join(struct session_table *t, struct event *ev, int64_t when,
             uint64_t hash, const struct out *o)
{
    struct session *s = merge_lookup(t, ev, when);
    int rc;

    if (s == NULL) {
        if (hash != 0)
            return session_open(t, ev, when, hash, o);
        if (ev->result == EV_RESULT_FAILURE)
            return session_one_shot(t, ev, when, o);
        if (ev->result == EV_RESULT_NONE && is_merge_event(ev))
            return session_open(t, ev, when, 0, o); /* RCM 1149 */
        return 0; /* a keyless success (4648) opens nothing */
    }
    t->stats.merged++;
    if (hash != 0) {
        rc = key_reserve(t, 1);
        if (rc < 0)
            return rc;
        key_add(t, s, hash, ev->login_id);
    }
    rc = session_touch(t, s, ev, when);
    merge_register(t, s); /* known by a name or SID it lacked, maybe */
    if (ev->action == EV_ACTION_RECONNECT && !(s->flags & SF_RECONNECT)) {
        s->flags |= SF_RECONNECT;
        t->stats.reconnects++;
    }
    tag_event(t, ev, s);
    if (s->phase == PH_DORMANT || s->phase == PH_ENDED) {
        emit_record(o, s); /* the closed record, now with this logon */
    } else if (ev->result == EV_RESULT_FAILURE) {
        /* The attempt (1149) failed: its 4625 closes it. */
        s->failure_count = 1;
        session_close(t, s, SESSION_END_FAILED, when, o);
    } else if (!s->successful && (ev->result == EV_RESULT_SUCCESS ||
                                  (ev->result == EV_RESULT_NONE && hash))) {
        int rc2 = session_promote(t, s);

        rc = rc < 0 ? rc : rc2;
        emit_record(o, s);
    }
    return rc;
}

/*
 * Whether a login on a successful open session is a new logon that reuses
 * its key: logon ids repeat after a reboot and pids wrap, so a second 4624
 * for the logon id, or a second sshd Accepted for the pid, later than the
 * merge window (a replayed duplicate has the same time) is another logon.
 */
static bool
key_reused(const struct session *s, const struct event *ev, int64_t when)
{
    return s->successful && ev->result == EV_RESULT_SUCCESS &&
           when - s->start_us > SESSION_MERGE_WINDOW_US &&
           (strv_eq_cstr(ev->event_code, "4624") ||
            strv_eq_cstr(ev->event_code, "sshd-accepted"));
}

/* An event for a closed session that still holds its keys (another report
 * of its logoff or disconnect, or a 4672 read late): it is tagged, and
 * admin rights it adds are written as an update of the closed record. */
static int
closed_report(struct session_table *t, struct session *s, struct event *ev,
              int64_t when, const struct out *o)
{
    int rc = 0;

    tag_event(t, ev, s);
    if (ev->admin && !s->admin && when <= s->last_us) {
        rc = session_touch(t, s, ev, when);
        emit_record(o, s);
    }
    return rc;
}

/* Apply a keyed event to s, the session holding its key. */
static int
feed_found(struct session_table *t, struct session *s, struct event *ev,
           int64_t when, uint64_t hash, const struct out *o)
{
    bool failed = ev->result == EV_RESULT_FAILURE;
    int rc = 0, rc2;

    if (s->phase == PH_PENDING) {
        /* An orphan logout is claimed by a login before it; a 4672 or a
         * lock also by one just after it (Windows writes 4672 before the
         * 4624 it belongs to, microseconds apart). */
        if ((ev->action == EV_ACTION_LOGIN ||
             ev->action == EV_ACTION_RECONNECT) &&
            (when <= s->last_us ||
             (s->end_reason == SESSION_END_NONE &&
              when - s->last_us <= SESSION_MERGE_WINDOW_US)))
            return session_claim(t, s, ev, when, o);
        if (ev->action == EV_ACTION_LOGIN ||
            ev->action == EV_ACTION_RECONNECT) {
            /* A login after the orphan: the orphan was someone else's. */
            session_drop(t, s);
            return open_or_join(t, ev, when, hash, o);
        }
        rc = session_touch(t, s, ev, when);
        tag_event(t, ev, s);
        return rc;
    }
    if (s->phase == PH_ENDED) {
        if (ev->action == EV_ACTION_LOGIN ||
            ev->action == EV_ACTION_RECONNECT) {
            /* The key is taken again by a new logon. */
            session_drop(t, s);
            return open_or_join(t, ev, when, hash, o);
        }
        return closed_report(t, s, ev, when, o);
    }
    if (s->phase == PH_DORMANT) {
        switch (ev->action) {
        case EV_ACTION_RECONNECT:
        case EV_ACTION_LOGIN:
            if (failed)
                break;
            return session_reconnect(t, s, ev, when, o);
        case EV_ACTION_LOGOUT:
            /* The logoff of a disconnected session: it ends here, and
             * lingers for the other reports of the logoff. */
            tag_event(t, ev, s);
            if (when > s->last_us)
                s->last_us = when;
            session_linger(t, s, s->last_us);
            return 0;
        default:
            break;
        }
        return closed_report(t, s, ev, when, o);
    }
    switch (ev->action) {
    case EV_ACTION_RECONNECT:
        if (!failed && !((s->flags & SF_RECONNECT) &&
                         when - s->start_us <= SESSION_MERGE_WINDOW_US &&
                         (!strv_present(ev->src_ip) ||
                          strv_eq(sget(t, s, F_SRC_IP), cap_str(ev->src_ip)))))
            return session_reconnect(t, s, ev, when, o);
        /* another report of the reconnect that began this segment */
        /* fall through */
    case EV_ACTION_LOGIN:
        if (key_reused(s, ev, when)) {
            /* Its end was never seen (a reboot not forwarded, a crash):
             * it ends at its last activity, and the key starts over. */
            session_close(t, s, SESSION_END_EXPIRED, s->last_us, o);
            return open_or_join(t, ev, when, hash, o);
        }
        rc = session_touch(t, s, ev, when);
        if (failed) {
            if (s->failure_count < UINT16_MAX)
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
        rc = session_touch(t, s, ev, when);
        if (ev->action == EV_ACTION_LOCK && s->lock_count < UINT16_MAX)
            s->lock_count++;
        if (ev->action == EV_ACTION_LOCK)
            s->locked = true;
        else if (ev->action == EV_ACTION_UNLOCK)
            s->locked = false;
        break;
    case EV_ACTION_LOGOUT:
    case EV_ACTION_DISCONNECT:
        rc = session_touch(t, s, ev, when);
        tag_event(t, ev, s);
        session_close(t, s,
                      ev->action == EV_ACTION_LOGOUT ? SESSION_END_LOGOUT
                                                     : SESSION_END_DISCONNECT,
                      when, o);
        return rc;
    default:
        return 0;
    }
    tag_event(t, ev, s);
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
    struct strv id = cap_str(ev->login_id);
    struct session *s;
    int64_t when;
    uint64_t hash;

    graveyard_flush(t);
    ev->session_id = STRV_NULL;
    when = event_time(t, ev);
    if (strv_present(ev->boot_id))
        check_boot(t, ev, when, &o);
    if (ev->action == EV_ACTION_RESTART) {
        int64_t host = host_find(&t->hosts, cap_str(ev->hostname));

        if (host >= 0) {
            t->hosts.a[host].refs++; /* kept while its sessions go */
            close_host(t, (uint32_t)host, when, &o);
            host_unref(&t->hosts, (uint32_t)host);
        }
        return 0;
    }
    if (ev->action == EV_ACTION_NONE && !ev->admin)
        return 0;
    if (!t->lim.include_system_accounts && identity_is_system(ev))
        return 0;
    if (!strv_present(id)) {
        if (ev->action == EV_ACTION_LOGIN)
            return open_or_join(t, ev, when, 0, &o);
        return 0;
    }
    hash = key_hash(cap_str(ev->hostname), id, ev->boot_id);
    s = key_find(t, hash);
    if (s != NULL)
        return feed_found(t, s, ev, when, hash, &o);
    switch (ev->action) {
    case EV_ACTION_LOGIN:
    case EV_ACTION_RECONNECT:
        return open_or_join(t, ev, when, hash, &o);
    case EV_ACTION_LOGOUT:
    case EV_ACTION_DISCONNECT:
    case EV_ACTION_LOCK:
    case EV_ACTION_UNLOCK:
    case EV_ACTION_NONE:
        return session_orphan(t, ev, when, hash, &o);
    default:
        return 0;
    }
}

/* The top of heap id, when it has been idle longer than timeout. */
static struct session *
idle_top(struct session_table *t, enum heap_id id, int64_t now_us,
         int64_t timeout)
{
    struct session *s = heap_top(t, id);
    int64_t key;

    if (s == NULL)
        return NULL;
    /* now - key > timeout, without overflow; the key is the last activity
     * (heap_top() has brought it up to date) or a later linger start. */
    key = heap_top_key(t, id);
    if (key < now_us && (uint64_t)now_us - (uint64_t)key > (uint64_t)timeout)
        return s;
    return NULL;
}

/*
 * Close idle sessions (see session.h): successful ones idle past
 * idle_timeout_us ("expired"), attempts idle past
 * SESSION_ATTEMPT_TIMEOUT_US or idle_timeout_us if shorter ("failed", or
 * "expired" for an attempt with no result); dormant sessions past
 * idle_timeout_us and orphans past SESSION_PENDING_TIMEOUT_US are dropped.
 * The end time written is the last activity.  Returns the number closed.
 */
int
session_table_expire(struct session_table *t, int64_t now_us,
                     session_emit_fn emit, void *ctx)
{
    struct out o = {emit, ctx};
    int64_t idle = t->lim.idle_timeout_us, attempt = SESSION_ATTEMPT_TIMEOUT_US;
    struct session *s;
    int n = 0;

    graveyard_flush(t);
    now_us = time_in_range(now_us);
    if (idle > 0 && idle < attempt)
        attempt = idle;
    while (n < INT32_MAX && idle > 0 &&
           (s = idle_top(t, HEAP_OPEN, now_us, idle)) != NULL) {
        session_close(t, s, SESSION_END_EXPIRED, s->last_us, &o);
        n++;
    }
    while (n < INT32_MAX &&
           (s = idle_top(t, HEAP_ATTEMPT, now_us, attempt)) != NULL) {
        session_close(t, s, SESSION_END_EXPIRED, s->last_us, &o);
        n++;
    }
    while (idle > 0 && (s = idle_top(t, HEAP_DORMANT, now_us, idle)) != NULL)
        session_drop(t, s);
    while ((s = idle_top(t, HEAP_PENDING, now_us,
                         SESSION_PENDING_TIMEOUT_US)) != NULL)
        session_drop(t, s);
    while ((s = idle_top(t, HEAP_ENDED, now_us, SESSION_MERGE_WINDOW_US)) !=
           NULL)
        session_drop(t, s);
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
    if (t->lim.max_open > SESSION_INDEX_MAX / 2)
        t->lim.max_open = SESSION_INDEX_MAX / 2;
    t->merge_buckets = SESSION_MERGE_BUCKETS_MIN;
    while (t->merge_buckets < SESSION_MERGE_BUCKETS &&
           t->merge_buckets * 2 <= t->lim.max_open / 2)
        t->merge_buckets *= 2;
    return t;
}

/* Free the table, its sessions, its graveyard and pools.  Accepts NULL;
 * returns NULL. */
struct session_table *
session_table_free(struct session_table *t)
{
    if (t == NULL)
        return NULL;
    for (uint32_t i = 0; i < t->used; i++)
        mem_free(S(t, i)->ext);
    for (size_t c = 0; c < t->n_chunks; c++)
        mem_free(t->chunks[c]);
    mem_free(t->chunks);
    mem_free(t->slots);
    for (int h = 0; h < _HEAP_MAX; h++) {
        mem_free(t->heaps[h].a);
        mem_free(t->heaps[h].key);
    }
    for (size_t i = 0; i < t->hosts.n; i++)
        mem_free(t->hosts.a[i].name);
    mem_free(t->hosts.a);
    mem_free(t->hosts.slots);
    mem_free(t->merge);
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
    const struct session_table *t = table_of(s);
    struct strv vals[_F_MAX];

    get_strings(t, s, vals);
    *ret = (struct session_view){
        .state = (enum session_state)s->state,
        .end_reason = (enum session_end_reason)s->end_reason,
        .start_us = s->start_us,
        .end_us =
            s->state == SESSION_STATE_CLOSED ? s->last_us : EVENT_TIME_UNSET,
        .hostname = host_name(t, s->host),
        .login_id = vals[F_LOGIN_ID],
        .user = vals[F_USER],
        .user_name = vals[F_USER_NAME],
        .user_domain = vals[F_USER_DOMAIN],
        .username_type = (enum ev_username_type)s->username_type,
        .user_id_type = (enum ev_user_id_type)s->user_id_type,
        .user_type = (enum ev_user_type)s->user_type,
        .login_type = (enum ev_login_type)s->login_type,
        .logon_type = s->logon_type,
        .login_successful = s->successful,
        .auth_method = vals[F_AUTH],
        .src_ip = vals[F_SRC_IP],
        .src_port = s->src_port,
        .admin = s->admin,
        .locked = s->locked && s->state == SESSION_STATE_OPEN,
        .lock_count = s->lock_count,
        .failure_count = s->failure_count,
        .result_details = vals[F_RESULT_DETAILS],
        .event_count = s->event_count,
        .n_sources = s->n_sources,
        .last_us = s->last_us,
        .boot = t->hosts.a[s->host].boot,
        .flags = s->flags & SF_SAVED_MASK,
    };
    ret->uid = decode_uid(s, vals[F_UID], ret->uid_buf);
    memcpy(ret->keys, s->keys, sizeof(ret->keys));
    hex64_format(s->id, ret->id_buf);
    ret->session_id = strv_make(ret->id_buf, SESSION_ID_LEN);
    if (s->prev_id != 0) {
        hex64_format(s->prev_id, ret->prev_buf);
        ret->previous_session_id = strv_make(ret->prev_buf, SESSION_ID_LEN);
    }
    for (size_t i = 0; i < s->n_sources; i++) {
        ret->sources[i].format = vals[F_FMT0 + i];
        ret->sources[i].event_code = vals[F_CODE0 + i];
        ret->sources[i].record_id = vals[F_REC0 + i];
        ret->sources[i].time_us = s->src_time[i];
    }
}

/* The next open session at or after *pos (see session.h). */
const struct session *
session_table_next(const struct session_table *t, size_t *pos)
{
    while (*pos < t->used) {
        const struct session *s = S(t, (uint32_t)(*pos)++);

        if (s->phase == PH_LIVE)
            return s;
    }
    return NULL;
}

/* Whether the saved view can be put back: open, times in range, valid ids,
 * distinct keys that no session holds. */
static int
restore_check(const struct session_table *t, const struct session_view *v,
              uint64_t *id, uint64_t *prev)
{
    *prev = 0;
    if (v->state != SESSION_STATE_OPEN || v->n_sources > SESSION_SOURCES_MAX ||
        time_in_range(v->start_us) != v->start_us ||
        time_in_range(v->last_us) != v->last_us ||
        !strv_to_hex64(v->session_id, id) || *id == 0 ||
        (strv_present(v->previous_session_id) &&
         !strv_to_hex64(v->previous_session_id, prev)))
        return -EINVAL;
    for (int k = 0; k < SESSION_KEYS_MAX; k++) {
        if (v->keys[k] == 0)
            continue;
        for (int j = 0; j < k; j++)
            if (v->keys[j] == v->keys[k])
                return -EINVAL;
        if (key_find(t, v->keys[k]) != NULL)
            return -EEXIST;
    }
    return 0;
}

/* Put back a saved open session (see session.h). */
int
session_table_restore(struct session_table *t, const struct session_view *v)
{
    enum heap_id h = v->login_successful ? HEAP_OPEN : HEAP_ATTEMPT;
    struct out o = {NULL, NULL};
    struct strv vals[_F_MAX] = {{0}};
    struct session *s = NULL;
    uint64_t id, prev;
    int64_t host;
    int rc;

    graveyard_flush(t);
    rc = restore_check(t, v, &id, &prev);
    if (rc < 0)
        return rc;
    if (key_reserve(t, SESSION_KEYS_MAX) < 0 ||
        heap_reserve(&t->heaps[h], t->heaps[h].n + 1) < 0)
        return -ENOMEM;
    host = host_get(&t->hosts, cap_str(v->hostname));
    if (host < 0)
        return -ENOMEM;
    t->hosts.a[host].refs++;
    s = slot_alloc(t);
    if (s == NULL)
        goto fail;
    vals[F_LOGIN_ID] = v->login_id;
    vals[F_USER] = v->user;
    vals[F_USER_NAME] = v->user_name;
    vals[F_USER_DOMAIN] = v->user_domain;
    vals[F_UID] = v->uid;
    vals[F_SRC_IP] = v->src_ip;
    vals[F_RESULT_DETAILS] = v->result_details;
    vals[F_AUTH] = v->auth_method;
    for (size_t i = 0; i < v->n_sources; i++) {
        vals[F_FMT0 + i] = v->sources[i].format;
        vals[F_CODE0 + i] = v->sources[i].event_code;
        vals[F_REC0 + i] = v->sources[i].record_id;
        s->src_time[i] = v->sources[i].time_us;
    }
    if (set_strings(t, s, vals, false) < 0) {
        slot_release(t, s);
        goto fail;
    }
    s->host = (uint32_t)host;
    /* The host's journal boot, so that a reboot while the daemon was
     * stopped closes the session at the first event of the new boot. */
    if (v->boot != 0 && t->hosts.a[host].boot == 0) {
        t->hosts.a[host].boot = v->boot;
        t->hosts.a[host].boot_us = v->start_us;
    }
    s->id = id;
    s->prev_id = prev;
    s->start_us = v->start_us;
    s->last_us = v->last_us > v->start_us ? v->last_us : v->start_us;
    s->n_sources = (uint8_t)v->n_sources;
    s->username_type = (unsigned)v->username_type % _EV_USERNAME_TYPE_MAX;
    s->user_id_type = (unsigned)v->user_id_type % _EV_USER_ID_TYPE_MAX;
    s->user_type = (unsigned)v->user_type % _EV_USER_TYPE_MAX;
    s->login_type = (unsigned)v->login_type % _EV_LOGIN_TYPE_MAX;
    s->logon_type =
        v->logon_type >= 0 && v->logon_type <= 127 ? (int8_t)v->logon_type : -1;
    s->successful = v->login_successful;
    s->admin = v->admin;
    s->locked = v->locked;
    s->src_port = v->src_port > 0 && v->src_port <= UINT16_MAX
                      ? (uint16_t)v->src_port
                      : 0;
    s->lock_count =
        v->lock_count < UINT16_MAX ? (uint16_t)v->lock_count : UINT16_MAX;
    s->failure_count = v->failure_count;
    s->event_count =
        v->event_count < UINT32_MAX ? (uint32_t)v->event_count : UINT32_MAX;
    s->flags = (uint8_t)(v->flags & SF_SAVED_MASK);
    s->phase = PH_LIVE;
    make_room(t, &o);
    keys_adopt(t, s, v->keys);
    heap_push(t, h, s);
    t->count++;
    t->stats.open_now++;
    t->stats.restored++;
    return 0;
fail:
    host_unref(&t->hosts, (uint32_t)host);
    return -ENOMEM;
}
