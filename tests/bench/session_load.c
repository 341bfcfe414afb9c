/*
 * session_load.c - load driver for the session engine (issue 5): memory per
 * open session, event throughput against table size, and the cost of
 * eviction and expiry.  It links the pure model code only and uses the
 * public API (session.h, event.h, identity.h); nothing in a measured part
 * does I/O.  Speed is reported by tests/bench/bench_sessions.sh; the
 * "smoke" mode, run by ctest, checks counts and never times.
 *
 *   session_load mem windows|sshd N    anonymous memory per open session
 *   session_load feed K M RUNS         events/s with K sessions open
 *   session_load evict K RUNS          ns per eviction at max_open K
 *   session_load expire K RUNS         ns per expiry with K sessions open
 *   session_load smoke                 counts only, small sizes
 *
 * Every figure is one "name=value" line, e.g. "rss_anon_per_session=231.5".
 *
 * Events are built the way the parsers build them: event_init(), views of
 * the record's strings, derived strings in scratch, identity_type_user().
 * The Windows shape is an RDP logon (4624 type 10) with a 4672 on half of
 * them; the sshd shape is "Accepted publickey" and the pam_unix "session
 * opened" on the same pid.  Timed streams are generated and packed before
 * the clock starts, so the loop only points an event at ready strings.
 */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../model/event.h"
#include "../../model/identity.h"
#include "../../model/session.h"

/* Distinct hosts and users the keys are spread over. */
#define LOAD_HOSTS 5000
#define LOAD_USERS 50000
/* Longest string one generated field can be. */
#define LOAD_STR_MAX 64
/* Event time of the first event (2025-01-01) and the gap between events:
 * 1,000 events a second, so event time always moves forward. */
#define LOAD_EPOCH_US 1735689600000000LL
#define LOAD_STEP_US 1000LL
/* Idle timeout for the memory and throughput runs: nothing may expire. */
#define LOAD_IDLE_LONG_US (30LL * 86400 * 1000000)
/* A timed figure below this many operations is repeated on a fresh table
 * until it has them: a 1,000-session table is done in microseconds. */
#define LOAD_MIN_OPS 1000000u
/* Largest N, K or M accepted (the keys are 32-bit serials). */
#define LOAD_COUNT_MAX 100000000ul
/* Smoke sizes: small enough for ASan within a second or two. */
#define SMOKE_N 10000u
#define SMOKE_M 20000u

/* What one generated event is. */
enum kind {
    KIND_WIN_LOGON = 0, /* 4624, logon type 10 */
    KIND_WIN_ADMIN,     /* 4672 */
    KIND_WIN_LOCK,      /* 4800 */
    KIND_WIN_UNLOCK,    /* 4801 */
    KIND_WIN_LOGOFF,    /* 4634 */
    KIND_WIN_FAILED,    /* 4625 without a logon id */
    KIND_SSH_ACCEPTED,  /* Accepted publickey */
    KIND_PAM_OPENED,    /* pam_unix(sshd:session): session opened */
    _KIND_MAX,
};

/* The constant part of each kind, as the parser would set it. */
static const struct kind_def {
    enum ev_action action;
    enum ev_result result;
    const char *format;
    const char *code;
    int logon_type;
    enum ev_login_type login_type;
    bool admin;
    bool keyed;    /* has a login_id */
    bool endpoint; /* has src_ip, src_port and auth_method */
} kinds[_KIND_MAX] = {
    [KIND_WIN_LOGON] = {EV_ACTION_LOGIN, EV_RESULT_SUCCESS, "windows-xml",
                        "4624", 10, EV_LOGIN_TYPE_RDP, false, true, true},
    [KIND_WIN_ADMIN] = {EV_ACTION_NONE, EV_RESULT_NONE, "windows-xml", "4672",
                        -1, EV_LOGIN_TYPE_NONE, true, true, false},
    [KIND_WIN_LOCK] = {EV_ACTION_LOCK, EV_RESULT_NONE, "windows-xml", "4800",
                       -1, EV_LOGIN_TYPE_NONE, false, true, false},
    [KIND_WIN_UNLOCK] = {EV_ACTION_UNLOCK, EV_RESULT_SUCCESS, "windows-xml",
                         "4801", -1, EV_LOGIN_TYPE_NONE, false, true, false},
    [KIND_WIN_LOGOFF] = {EV_ACTION_LOGOUT, EV_RESULT_NONE, "windows-xml",
                         "4634", 10, EV_LOGIN_TYPE_RDP, false, true, false},
    [KIND_WIN_FAILED] = {EV_ACTION_LOGIN, EV_RESULT_FAILURE, "windows-xml",
                         "4625", 3, EV_LOGIN_TYPE_REMOTE, false, false, true},
    [KIND_SSH_ACCEPTED] = {EV_ACTION_LOGIN, EV_RESULT_SUCCESS, "sshd",
                           "sshd-accepted", -1, EV_LOGIN_TYPE_REMOTE, false,
                           true, true},
    [KIND_PAM_OPENED] = {EV_ACTION_LOGIN, EV_RESULT_SUCCESS, "pam",
                         "pam-session-opened", -1, EV_LOGIN_TYPE_REMOTE, false,
                         true, false},
};

/* The strings a raw record would hold, rendered once: events view them. */
struct name {
    char s[LOAD_STR_MAX];
    size_t n;
};

static struct name win_hosts[LOAD_HOSTS], ssh_hosts[LOAD_HOSTS];
static struct name user_names[LOAD_USERS], user_sids[LOAD_USERS];
static struct name user_uids[LOAD_USERS];

/* Counters the emit callback keeps. */
struct tally {
    uint64_t records;
    uint64_t closed;
};

/* The event strings of a timed stream, packed before the clock starts. */
enum packed_field {
    PF_HOSTNAME = 0,
    PF_LOGIN_ID,
    PF_USER,
    PF_USER_NAME,
    PF_USER_DOMAIN,
    PF_UID,
    PF_SRC_IP,
    PF_AUTH_METHOD,
    PF_RECORD_ID,
    PF_RESULT_DETAILS,
    _PF_MAX,
};

static const size_t packed_offsets[_PF_MAX] = {
    [PF_HOSTNAME] = offsetof(struct event, hostname),
    [PF_LOGIN_ID] = offsetof(struct event, login_id),
    [PF_USER] = offsetof(struct event, user),
    [PF_USER_NAME] = offsetof(struct event, user_name),
    [PF_USER_DOMAIN] = offsetof(struct event, user_domain),
    [PF_UID] = offsetof(struct event, uid),
    [PF_SRC_IP] = offsetof(struct event, src_ip),
    [PF_AUTH_METHOD] = offsetof(struct event, auth_method),
    [PF_RECORD_ID] = offsetof(struct event, record_id),
    [PF_RESULT_DETAILS] = offsetof(struct event, result_details),
};

/* One packed event: its strings are `len` bytes each from `off` on. */
struct packed {
    int64_t time_us;
    size_t off;
    uint8_t len[_PF_MAX];
    uint8_t kind;
    uint8_t username_type;
    uint8_t user_id_type;
    uint8_t user_type;
    uint16_t src_port;
};

struct stream {
    struct packed *ev;
    size_t n;
    char *arena;
    size_t arena_len;
    size_t arena_cap;
    /* What the stream does to the table, for the smoke checks. */
    uint64_t logins;
    uint64_t logouts;
    uint64_t failed;
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

/* xorshift64*: deterministic across runs and machines. */
static uint32_t
rnd(uint32_t n)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 33) % n;
}

/* A fixed scramble of a serial, so that host, user and address are spread
 * over their ranges without a random-number state (splitmix64 finaliser). */
static uint64_t
mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void name_set(struct name *n, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
name_set(struct name *n, const char *fmt, ...)
{
    va_list ap;
    int r;

    va_start(ap, fmt);
    r = vsnprintf(n->s, sizeof(n->s), fmt, ap);
    va_end(ap);
    n->n = r < 0 ? 0 : (size_t)r < sizeof(n->s) ? (size_t)r : sizeof(n->s) - 1;
}

/* Render the host and user tables the generated records draw from. */
static void
names_init(void)
{
    for (unsigned i = 0; i < LOAD_HOSTS; i++) {
        name_set(&win_hosts[i], "ws%05u.corp.example", i);
        name_set(&ssh_hosts[i], "web%04u", i);
    }
    for (unsigned i = 0; i < LOAD_USERS; i++) {
        name_set(&user_names[i], "user%05u", i);
        name_set(&user_sids[i], "S-1-5-21-3623811015-3361044348-30300820-%u",
                 1100 + i);
        name_set(&user_uids[i], "%u", 10000 + i);
    }
}

static struct strv
name_view(const struct name *n)
{
    return strv_make(n->s, n->n);
}

/* Format into the event's scratch area, as a parser does with the values
 * it derives (a normalised logon id, a file offset as text). */
static struct strv scratch_fmt(struct event *ev, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static struct strv
scratch_fmt(struct event *ev, const char *fmt, ...)
{
    char tmp[LOAD_STR_MAX];
    va_list ap;
    int r;

    va_start(ap, fmt);
    r = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (r < 0 || (size_t)r >= sizeof(tmp))
        return STRV_NULL;
    return event_scratch_copy(ev, tmp, (size_t)r);
}

/* Identity of the session with this serial: the Windows form
 * "CORP\userNNNNN" with its SID, or the Linux name and (pam only) uid. */
static void
set_identity(struct event *ev, enum kind k, uint64_t h)
{
    unsigned u = (unsigned)(h % LOAD_USERS);
    bool windows = strcmp(kinds[k].format, "windows-xml") == 0;

    ev->user_name = name_view(&user_names[u]);
    if (!windows) {
        ev->user = ev->user_name;
        ev->user_name = STRV_NULL; /* typed by identity_type_user() */
        if (k == KIND_PAM_OPENED)
            ev->uid = name_view(&user_uids[u]);
        return;
    }
    ev->user_domain = STRV_LIT("CORP");
    ev->user = scratch_fmt(ev, "CORP\\%s", user_names[u].s);
    ev->username_type = EV_USERNAME_TYPE_WINDOWS;
    if (k != KIND_WIN_FAILED) /* a 4625's SID is S-1-0-0: dropped */
        ev->uid = name_view(&user_sids[u]);
}

/* Address, port and method of a logon. */
static void
set_endpoint(struct event *ev, enum kind k, uint64_t h)
{
    ev->src_ip =
        scratch_fmt(ev, "10.%u.%u.%u", (unsigned)(h >> 16) & 0xff,
                    (unsigned)(h >> 24) & 0xff, 1 + (unsigned)(h >> 32) % 254);
    ev->src_port = 1024 + (int)((h >> 40) % 60000);
    if (k == KIND_SSH_ACCEPTED)
        ev->auth_method = STRV_LIT("publickey");
    else
        ev->auth_method =
            (h >> 56) & 1 ? STRV_LIT("NTLM") : STRV_LIT("Kerberos");
    if (k == KIND_WIN_FAILED)
        ev->result_details = STRV_LIT("Incorrect password (0xC000006A)");
}

/*
 * Build the event of kind k for the session with this serial, as the
 * parsers would.  Its key is (host, login id) derived from the serial:
 * serials are distinct keys.  record_no is the EventRecordID or, for sshd
 * and pam, the line's file offset.
 */
static void
build_event(struct event *ev, enum kind k, uint32_t serial, uint64_t record_no,
            int64_t time_us)
{
    const struct kind_def *d = &kinds[k];
    uint64_t h = mix(serial);
    bool windows = strcmp(d->format, "windows-xml") == 0;
    unsigned host = (unsigned)(h % LOAD_HOSTS);

    event_init(ev);
    ev->time_us = time_us;
    ev->action = d->action;
    ev->result = d->result;
    ev->format = strv_from_cstr(d->format);
    ev->event_code = strv_from_cstr(d->code);
    ev->logon_type = d->logon_type;
    ev->login_type = d->login_type;
    ev->admin = d->admin;
    ev->hostname = name_view(windows ? &win_hosts[host] : &ssh_hosts[host]);
    ev->service = windows ? STRV_NULL : STRV_LIT("sshd");
    if (d->keyed)
        ev->login_id =
            windows ? scratch_fmt(ev, "0x%" PRIx64,
                                  (uint64_t)0x3e7000 + (uint64_t)serial * 7)
                    : scratch_fmt(ev, "%" PRIu32, 1000 + serial);
    set_identity(ev, k, h);
    if (d->endpoint)
        set_endpoint(ev, k, h);
    ev->record_id = scratch_fmt(ev, "%" PRIu64, record_no);
    identity_type_user(ev);
}

static void
tally_cb(void *ctx, const struct session *s)
{
    struct tally *t = ctx;

    t->records++;
    if (session_state(s) == SESSION_STATE_CLOSED)
        t->closed++;
}

static int
feed_one(struct session_table *t, enum kind k, uint32_t serial,
         uint64_t *record_no, int64_t *clock_us, struct tally *tl)
{
    struct event ev;

    *clock_us += LOAD_STEP_US;
    build_event(&ev, k, serial, (*record_no)++, *clock_us);
    return session_table_feed(t, &ev, tally_cb, tl);
}

/*
 * Open sessions [first, first + n) in shape `sshd` or Windows, each with
 * its second event (pam "session opened", or a 4672 on every other one).
 * Returns 0 or -ENOMEM.
 */
static int
open_sessions(struct session_table *t, bool sshd, uint32_t first, uint32_t n,
              int64_t *clock_us, struct tally *tl)
{
    uint64_t record_no = 1000000 + first;
    int rc = 0;

    for (uint32_t i = first; i < first + n && rc == 0; i++) {
        if (sshd) {
            rc = feed_one(t, KIND_SSH_ACCEPTED, i, &record_no, clock_us, tl);
            if (rc == 0)
                rc = feed_one(t, KIND_PAM_OPENED, i, &record_no, clock_us, tl);
        } else {
            rc = feed_one(t, KIND_WIN_LOGON, i, &record_no, clock_us, tl);
            if (rc == 0 && i % 2 == 1)
                rc = feed_one(t, KIND_WIN_ADMIN, i, &record_no, clock_us, tl);
        }
    }
    return rc;
}

static struct session_table *
table_new(size_t max_open, int64_t idle_us)
{
    struct session_limits lim = {
        .idle_timeout_us = idle_us,
        .max_open = max_open,
        .include_system_accounts = false,
    };

    return session_table_new(&lim);
}

/* RssAnon of this process in bytes, from /proc/self/status; -1 unknown. */
static long long
rss_anon(void)
{
    char line[256];
    long long kib = -1;
    FILE *f = fopen("/proc/self/status", "re");

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL)
        if (sscanf(line, "RssAnon: %lld kB", &kib) == 1)
            break;
    fclose(f);
    return kib < 0 ? -1 : kib * 1024;
}

/* Bytes the program has allocated with malloc (small chunks and mmapped
 * ones), as glibc counts them. */
static long long
malloc_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();

    return (long long)(mi.uordblks + mi.hblkhd);
}

/* Pack the strings and typed fields of ev into s (before timing). */
static int
stream_pack(struct stream *s, enum kind k, const struct event *ev)
{
    struct packed *p = &s->ev[s->n++];

    if (s->arena_cap - s->arena_len < _PF_MAX * LOAD_STR_MAX) {
        size_t cap = s->arena_cap ? 2 * s->arena_cap : 1u << 20;
        char *a = realloc(s->arena, cap);

        if (a == NULL)
            return -ENOMEM;
        s->arena = a;
        s->arena_cap = cap;
    }
    p->time_us = ev->time_us;
    p->off = s->arena_len;
    p->kind = (uint8_t)k;
    p->username_type = (uint8_t)ev->username_type;
    p->user_id_type = (uint8_t)ev->user_id_type;
    p->user_type = (uint8_t)ev->user_type;
    p->src_port = (uint16_t)ev->src_port;
    for (int f = 0; f < _PF_MAX; f++) {
        const struct strv *v =
            (const struct strv *)((const char *)ev + packed_offsets[f]);

        p->len[f] = (uint8_t)(v->n < LOAD_STR_MAX ? v->n : LOAD_STR_MAX);
        if (p->len[f] > 0)
            memcpy(s->arena + s->arena_len, v->p, p->len[f]);
        s->arena_len += p->len[f];
    }
    return 0;
}

static int
stream_add(struct stream *s, enum kind k, uint32_t serial, uint64_t record_no,
           int64_t time_us)
{
    struct event ev;

    build_event(&ev, k, serial, record_no, time_us);
    return stream_pack(s, k, &ev);
}

static void
stream_done(struct stream *s)
{
    free(s->ev);
    free(s->arena);
    memset(s, 0, sizeof(*s));
}

/*
 * The mixed Windows stream of m events on a table holding serials
 * [0, k): a logoff of a random open session followed by the logon of a new
 * one (so k stays constant), lock, unlock and 4672 on random open
 * sessions, failed logons without a logon id.  Random means uniform over
 * the whole table, so a large table really misses the cache.
 */
static int
stream_mixed(struct stream *s, uint32_t k, size_t m, int64_t t0)
{
    uint32_t *live = malloc(k * sizeof(*live)), next = k;
    int rc = 0;

    s->ev = calloc(m + 1, sizeof(*s->ev));
    if (live == NULL || s->ev == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    for (uint32_t i = 0; i < k; i++)
        live[i] = i;
    while (s->n < m && rc == 0) {
        uint32_t r = rnd(100), j = rnd(k);
        int64_t when = t0 + (int64_t)s->n * LOAD_STEP_US;
        uint64_t rec = 5000000 + s->n;

        if (r < 20) {
            rc = stream_add(s, KIND_WIN_LOGOFF, live[j], rec, when);
            if (rc == 0)
                rc = stream_add(s, KIND_WIN_LOGON, next, rec + 1,
                                when + LOAD_STEP_US / 2);
            live[j] = next++;
            s->logouts++;
            s->logins++;
        } else if (r < 45) {
            rc = stream_add(s, KIND_WIN_LOCK, live[j], rec, when);
        } else if (r < 70) {
            rc = stream_add(s, KIND_WIN_UNLOCK, live[j], rec, when);
        } else if (r < 85) {
            rc = stream_add(s, KIND_WIN_ADMIN, live[j], rec, when);
        } else {
            rc = stream_add(s, KIND_WIN_FAILED, next++, rec, when);
            s->failed++;
        }
    }
out:
    free(live);
    return rc;
}

/* Logons of serials [first, first + n), for the eviction runs. */
static int
stream_logons(struct stream *s, uint32_t first, uint32_t n, int64_t t0)
{
    int rc = 0;

    s->ev = calloc(n, sizeof(*s->ev));
    if (s->ev == NULL)
        return -ENOMEM;
    for (uint32_t i = 0; i < n && rc == 0; i++)
        rc = stream_add(s, KIND_WIN_LOGON, first + i, 9000000 + i,
                        t0 + (int64_t)i * LOAD_STEP_US);
    return rc;
}

/* One event per kind, with the kind's constant fields: the timed loop
 * only points the varying fields at the packed strings. */
static void
templates_init(struct event *tmpl)
{
    for (int k = 0; k < _KIND_MAX; k++) {
        build_event(&tmpl[k], (enum kind)k, 0, 0, 0);
        tmpl[k].service = STRV_NULL;
    }
}

/* Feed the whole stream; returns the seconds it took, or -1 on error. */
static double
stream_feed(struct session_table *t, const struct stream *s, struct event *tmpl,
            struct tally *tl)
{
    double t0 = now_s();

    for (size_t i = 0; i < s->n; i++) {
        const struct packed *p = &s->ev[i];
        struct event *ev = &tmpl[p->kind];
        const char *a = s->arena + p->off;

        for (int f = 0; f < _PF_MAX; f++) {
            struct strv *v = (struct strv *)((char *)ev + packed_offsets[f]);

            *v = strv_make(p->len[f] ? a : NULL, p->len[f]);
            a += p->len[f];
        }
        ev->time_us = p->time_us;
        ev->username_type = p->username_type;
        ev->user_id_type = p->user_id_type;
        ev->user_type = p->user_type;
        ev->src_port = p->src_port;
        if (session_table_feed(t, ev, tally_cb, tl) < 0)
            return -1;
    }
    return now_s() - t0;
}

/* Checks that hold whatever the speed; a failure makes the exit code 1. */
static unsigned failures;

static void
expect(bool ok, const char *what, uint64_t got, uint64_t want)
{
    if (ok)
        return;
    fprintf(stderr, "session_load: %s: %" PRIu64 ", expected %" PRIu64 "\n",
            what, got, want);
    failures++;
}

static void
expect_eq(const char *what, uint64_t got, uint64_t want)
{
    expect(got == want, what, got, want);
}

/*
 * Memory: open n sessions of one shape and print the growth of RssAnon and
 * of malloc's in-use bytes, per session.  The table exists (empty) before
 * the first reading, the events are built on the stack: the growth is the
 * sessions and the table's own structures.
 */
static int
run_mem(bool sshd, uint32_t n)
{
    struct tally tl = {0};
    struct session_stats st;
    struct session_table *t = table_new((size_t)n + 1, LOAD_IDLE_LONG_US);
    int64_t clock_us = LOAD_EPOCH_US;
    long long rss0 = rss_anon(), heap0 = malloc_in_use(), rss1, heap1;
    int rc;

    if (t == NULL)
        return -ENOMEM;
    rc = open_sessions(t, sshd, 0, n, &clock_us, &tl);
    rss1 = rss_anon();
    heap1 = malloc_in_use();
    session_table_stats(t, &st);
    printf("mem.%s.n=%" PRIu32 "\n", sshd ? "sshd" : "windows", n);
    printf("mem.%s.rss_anon_per_session=%.1f\n", sshd ? "sshd" : "windows",
           rss0 < 0 || rss1 < 0 ? -1.0 : (double)(rss1 - rss0) / n);
    printf("mem.%s.malloc_per_session=%.1f\n", sshd ? "sshd" : "windows",
           (double)(heap1 - heap0) / n);
    expect_eq("mem: open sessions", st.open_now, n);
    expect_eq("mem: sessions opened", st.opened, n);
    expect_eq("mem: open records", tl.records - tl.closed, n);
    session_table_free(t);
    return rc;
}

/*
 * Throughput: with k Windows sessions open, feed the mixed stream of m
 * events `runs` times (a fresh table each time) and print events/s per run
 * and the best.  Only the feed loop is timed.
 */
static int
run_feed(uint32_t k, size_t m, unsigned runs)
{
    struct stream s = {0};
    struct event tmpl[_KIND_MAX];
    double best = 0;
    int rc =
        stream_mixed(&s, k, m, LOAD_EPOCH_US + 2 * (int64_t)k * LOAD_STEP_US);

    templates_init(tmpl);
    for (unsigned run = 1; run <= runs && rc == 0; run++) {
        struct session_table *t = table_new((size_t)k + m, LOAD_IDLE_LONG_US);
        struct session_stats st;
        struct tally fill = {0}, tl = {0};
        int64_t clock_us = LOAD_EPOCH_US;
        double secs;

        if (t == NULL || open_sessions(t, false, 0, k, &clock_us, &fill) < 0 ||
            (secs = stream_feed(t, &s, tmpl, &tl)) < 0) {
            session_table_free(t);
            rc = -ENOMEM;
            break;
        }
        printf("feed.%" PRIu32 ".run%u.events_per_s=%.0f\n", k, run,
               (double)s.n / secs);
        if (best == 0 || secs < best)
            best = secs;
        session_table_stats(t, &st);
        expect_eq("feed: open sessions", st.open_now, k);
        expect_eq("feed: opened", st.opened, k + s.logins + s.failed);
        expect_eq("feed: closed", st.closed, s.logouts + s.failed);
        expect_eq("feed: closed records", tl.closed, s.logouts + s.failed);
        expect_eq("feed: evicted", st.evicted, 0);
        session_table_free(t);
    }
    if (rc == 0)
        printf("feed.%" PRIu32 ".events=%zu\nfeed.%" PRIu32
               ".events_per_s=%.0f\n",
               k, s.n, k, (double)s.n / best);
    stream_done(&s);
    return rc;
}

/*
 * Eviction: with max_open k and k sessions open, open max(k, min_ops) more
 * (each evicts the least recently active one) and print ns per opening.
 */
static int
run_evict(uint32_t k, uint32_t min_ops, unsigned runs)
{
    uint32_t n = k > min_ops ? k : min_ops;
    struct stream s = {0};
    struct event tmpl[_KIND_MAX];
    double best = 0;
    int rc =
        stream_logons(&s, k, n, LOAD_EPOCH_US + 2 * (int64_t)k * LOAD_STEP_US);

    templates_init(tmpl);
    for (unsigned run = 1; run <= runs && rc == 0; run++) {
        struct session_table *t = table_new(k, LOAD_IDLE_LONG_US);
        struct session_stats st;
        struct tally tl = {0};
        int64_t clock_us = LOAD_EPOCH_US;
        double secs;

        if (t == NULL || open_sessions(t, false, 0, k, &clock_us, &tl) < 0 ||
            (secs = stream_feed(t, &s, tmpl, &tl)) < 0) {
            session_table_free(t);
            rc = -ENOMEM;
            break;
        }
        printf("evict.%" PRIu32 ".run%u.ns=%.0f\n", k, run, secs * 1e9 / n);
        if (best == 0 || secs < best)
            best = secs;
        session_table_stats(t, &st);
        expect_eq("evict: evicted", st.evicted, n);
        expect_eq("evict: open sessions", st.open_now, k);
        session_table_free(t);
    }
    if (rc == 0)
        printf("evict.%" PRIu32 ".ns=%.0f\n", k, best * 1e9 / n);
    stream_done(&s);
    return rc;
}

/*
 * One expiry round: open k sessions, then time session_table_expire()
 * closing them all, and the next call, which is when an engine that keeps
 * closed sessions readable until then frees them.  Adds the seconds to
 * *secs.
 */
static int
expire_round(uint32_t k, double *secs)
{
    struct session_table *t = table_new((size_t)k + 1, LOAD_IDLE_LONG_US);
    struct session_stats st;
    struct tally tl = {0};
    int64_t clock_us = LOAD_EPOCH_US, later;
    double t0;
    int n;

    if (t == NULL || open_sessions(t, false, 0, k, &clock_us, &tl) < 0) {
        session_table_free(t);
        return -ENOMEM;
    }
    later = clock_us + 2 * LOAD_IDLE_LONG_US;
    t0 = now_s();
    n = session_table_expire(t, later, tally_cb, &tl);
    session_table_expire(t, later, tally_cb, &tl);
    *secs += now_s() - t0;
    session_table_stats(t, &st);
    expect_eq("expire: closed by the call", (uint64_t)n, k);
    expect_eq("expire: expired", st.expired, k);
    expect_eq("expire: open sessions", st.open_now, 0);
    session_table_free(t);
    return 0;
}

/* Expiry: rounds of k sessions until min_ops expiries; ns per expiry. */
static int
run_expire(uint32_t k, uint32_t min_ops, unsigned runs)
{
    uint32_t rounds = k >= min_ops ? 1 : (min_ops + k - 1) / k;
    double best = 0;

    for (unsigned run = 1; run <= runs; run++) {
        double secs = 0;

        for (uint32_t r = 0; r < rounds; r++)
            if (expire_round(k, &secs) < 0)
                return -ENOMEM;
        printf("expire.%" PRIu32 ".run%u.ns=%.0f\n", k, run,
               secs * 1e9 / ((double)k * rounds));
        if (best == 0 || secs < best)
            best = secs;
    }
    printf("expire.%" PRIu32 ".ns=%.0f\n", k,
           best * 1e9 / ((double)k * rounds));
    return 0;
}

/* What ctest runs: every mode at small sizes, checking counts only. */
static int
run_smoke(void)
{
    int rc = run_mem(false, SMOKE_N);

    if (rc == 0)
        rc = run_mem(true, SMOKE_N);
    if (rc == 0)
        rc = run_feed(SMOKE_N, SMOKE_M, 1);
    if (rc == 0)
        rc = run_evict(SMOKE_N, 0, 1);
    if (rc == 0)
        rc = run_expire(SMOKE_N, 0, 1);
    return rc;
}

/* A decimal count in [1, LOAD_COUNT_MAX]; false otherwise. */
static bool
parse_count(const char *s, uint32_t *ret)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v == 0 || v > LOAD_COUNT_MAX)
        return false;
    *ret = (uint32_t)v;
    return true;
}

static int
usage(void)
{
    fputs("usage: session_load mem windows|sshd N | feed K M RUNS |\n"
          "       evict K RUNS | expire K RUNS | smoke\n",
          stderr);
    return 64;
}

int
main(int argc, char **argv)
{
    uint32_t a = 0, b = 0, c = 0;
    int rc;

    names_init();
    if (argc == 2 && strcmp(argv[1], "smoke") == 0)
        rc = run_smoke();
    else if (argc == 4 && strcmp(argv[1], "mem") == 0 &&
             parse_count(argv[3], &a))
        rc = strcmp(argv[2], "sshd") == 0      ? run_mem(true, a)
             : strcmp(argv[2], "windows") == 0 ? run_mem(false, a)
                                               : -EINVAL;
    else if (argc == 5 && strcmp(argv[1], "feed") == 0 &&
             parse_count(argv[2], &a) && parse_count(argv[3], &b) &&
             parse_count(argv[4], &c))
        rc = run_feed(a, b, c);
    else if (argc == 4 && strcmp(argv[1], "evict") == 0 &&
             parse_count(argv[2], &a) && parse_count(argv[3], &c))
        rc = run_evict(a, LOAD_MIN_OPS, c);
    else if (argc == 4 && strcmp(argv[1], "expire") == 0 &&
             parse_count(argv[2], &a) && parse_count(argv[3], &c))
        rc = run_expire(a, LOAD_MIN_OPS, c);
    else
        return usage();
    if (rc == -EINVAL)
        return usage();
    if (rc < 0) {
        fprintf(stderr, "session_load: %s\n", strerror(-rc));
        return 1;
    }
    return failures ? 1 : 0;
}
