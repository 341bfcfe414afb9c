/*
 * journal.c - the "journal" source: the systemd journal, read with
 * sd-journal(3) inside the libuv loop (DESIGN 4).
 *
 *   { "name": "remote", "type": "journal", "path": "/var/log/journal/remote",
 *     "matches": ["SYSLOG_IDENTIFIER=sshd", "_COMM=systemd-logind"] }
 *
 * Opening: without `path` the local journal (sd_journal_open(3),
 * SD_JOURNAL_LOCAL_ONLY); a directory with sd_journal_open_directory(3)
 * (journals received by systemd-journal-remote are only seen this way), a
 * file with sd_journal_open_files(3).  `matches` go to
 * sd_journal_add_match(3), which ORs matches of one field and ANDs
 * fields, as journalctl does.
 *
 * Waking up (sd_journal_get_fd(3)): a uv_poll_t watches the fd for
 * sd_journal_get_events(), a uv_timer_t is armed from
 * sd_journal_get_timeout(); every wakeup calls sd_journal_process(3) and
 * reads.  At most JOURNAL_BATCH entries are read per loop turn; when more
 * are waiting a uv_idle_t continues on the next turn, so other sources
 * and the sinks get their share.  When emit() reports congestion reading
 * stops until resume().
 *
 * Position: the cursor of the last entry handed to the pipeline.  mark()
 * copies it, commit() writes it with daemon/checkpoint.h (one entry whose
 * path is the cursor, its offset the seqnum, its inode the realtime), so
 * the file is atomic and checksummed like the file source's.  On start
 * the source seeks to it (sd_journal_seek_cursor(3)) and skips the entry
 * when sd_journal_test_cursor(3) says it is the one already read.  When
 * that entry is gone (vacuumed) reading goes on at the first entry after
 * it and the gap is reported once, sized from the cursors' sequence
 * numbers when both come from the same writer.  Rotation, vacuum and
 * SD_JOURNAL_INVALIDATE keep the position: the source never seeks to the
 * head after it started.  Without a checkpoint it starts at the tail, or
 * at the head with from_beginning.
 *
 * Built without libsystemd the type is known but open() returns -ENOTSUP.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>

#include <uv.h>

#include "../../model/mem.h"
#include "../checkpoint.h"
#include "../journal_entry.h"
#include "source_util.h"
#include "sources.h"

#ifdef HAVE_SYSTEMD

/* Entries read per loop turn before yielding to the rest of the loop. */
#define JOURNAL_BATCH 1024
/* Longest diagnostic line. */
/* Seqnum id text kept from a cursor ("s=" is 32 hex digits). */
#define JOURNAL_SEQID_MAX 64
/* Timeout when sd_journal_get_timeout() gives none (ms). */
#define JOURNAL_IDLE_TIMEOUT_MS 1000

/* Owned by the daemon (through base) until close() completes. */
struct src_journal {
    struct source base;
    uv_loop_t *loop;
    struct source_env env;
    sd_journal *j;
    uv_poll_t poll;
    uv_timer_t timer;
    uv_idle_t idle;
    int handles;    /* initialised handles not closed yet */
    bool polling;   /* poll initialised */
    bool paused;    /* the pipeline is congested */
    bool pending;   /* the current entry is positioned but not yet read */
    bool gap_check; /* the saved entry was gone: report at the next */
    bool closing;
    struct journal_entry *e;         /* owned */
    char last[JOURNAL_CURSOR_MAX];   /* cursor of the last emitted entry */
    char marked[JOURNAL_CURSOR_MAX]; /* cursor at mark() */
    char saved[JOURNAL_CURSOR_MAX];  /* cursor from the checkpoint */
    struct source_counters counters;
    void (*done_cb)(void *arg);
    void *done_arg;
};

static void src_read(struct src_journal *s);
static void timer_cb(uv_timer_t *t);
static void idle_cb(uv_idle_t *h);

/* Re-arm the timer from sd_journal_get_timeout() (an absolute
 * CLOCK_MONOTONIC time in µs, UINT64_MAX for none), at most
 * JOURNAL_IDLE_TIMEOUT_MS away. */
static void
arm_timer(struct src_journal *s)
{
    uint64_t t = UINT64_MAX, ms = JOURNAL_IDLE_TIMEOUT_MS;

    if (s->closing)
        return;
    if (sd_journal_get_timeout(s->j, &t) >= 0 && t != UINT64_MAX) {
        struct timespec ts;
        uint64_t now;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        now = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
        ms = t > now ? (t - now + 999) / 1000 : 0;
        if (ms > JOURNAL_IDLE_TIMEOUT_MS)
            ms = JOURNAL_IDLE_TIMEOUT_MS;
    }
    uv_timer_start(&s->timer, timer_cb, ms, 0);
}

/* The checkpointed entry is gone: say how much was lost before the entry
 * at `cursor`, once. */
static void
report_gap(struct src_journal *s, const char *cursor, int64_t rt)
{
    char id_a[JOURNAL_SEQID_MAX], id_b[JOURNAL_SEQID_MAX];
    uint64_t a, b;
    time_t t = (time_t)(rt / 1000000);
    struct tm tm;
    char when[64] = "?";

    if (gmtime_r(&t, &tm) != NULL)
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (journal_cursor_seqnum(s->saved, id_a, sizeof(id_a), &a) == 0 &&
        journal_cursor_seqnum(cursor, id_b, sizeof(id_b), &b) == 0 &&
        strcmp(id_a, id_b) == 0) {
        if (b > a + 1)
            source_diagf(
                &s->env, &s->base, LOG_WARNING,
                "%llu entries lost before %s (vacuumed before they were "
                "read); continuing there",
                (unsigned long long)(b - a - 1), when);
        return;
    }
    source_diagf(
        &s->env, &s->base, LOG_WARNING,
        "the checkpointed entry is gone (vacuumed): an unknown number of "
        "entries lost before %s; continuing there",
        when);
}

/* Hand the current entry to the pipeline.  True when congested. */
static bool
emit_current(struct src_journal *s)
{
    struct raw_record rec = {0};
    int r = journal_entry_read(s->j, s->e);

    if (r < 0) {
        s->counters.errors++;
        return false;
    }
    if (s->gap_check) {
        s->gap_check = false;
        report_gap(s, s->e->cursor, s->e->fields.realtime_us);
    }
    if (s->e->truncated)
        s->counters.truncated++;
    rec.source = strv_from_cstr(s->base.cfg->name);
    rec.ref_time_us = source_now_us();
    journal_entry_record(s->e, &rec);
    s->counters.records++;
    s->counters.bytes += rec.len;
    memcpy(s->last, s->e->cursor, strlen(s->e->cursor) + 1);
    return s->env.emit(s->env.ctx, &s->base, &rec);
}

/* Read up to JOURNAL_BATCH entries; continue next turn if more wait. */
static void
src_read(struct src_journal *s)
{
    int n = 0;

    while (!s->paused && !s->closing && n < JOURNAL_BATCH) {
        int r = 1;

        if (!s->pending)
            r = sd_journal_next(s->j);
        s->pending = false;
        if (r < 0) {
            s->counters.errors++;
            source_diagf(&s->env, &s->base, LOG_ERR,
                         "cannot read the journal: %s", strerror(-r));
            break;
        }
        if (r == 0) {
            uv_idle_stop(&s->idle);
            return; /* caught up: the poll or the timer wakes us */
        }
        n++;
        if (emit_current(s))
            s->paused = true;
    }
    if (s->paused || s->closing)
        uv_idle_stop(&s->idle);
    else
        uv_idle_start(&s->idle, idle_cb);
}

/* A wakeup: let sd-journal take in changes (new files, rotation, vacuum:
 * SD_JOURNAL_APPEND / SD_JOURNAL_INVALIDATE keep the position), read. */
static void
wake(struct src_journal *s)
{
    int r = sd_journal_process(s->j);

    if (r < 0)
        s->counters.errors++;
    src_read(s);
    arm_timer(s);
}

static void
poll_cb(uv_poll_t *h, int status, int events)
{
    (void)status;
    (void)events;
    wake(h->data);
}

static void
timer_cb(uv_timer_t *t)
{
    wake(t->data);
}

static void
idle_cb(uv_idle_t *h)
{
    src_read(h->data);
}

/* sd_journal_open*() for the configured path (none: the local journal). */
static int
open_journal(struct src_journal *s, const char *path)
{
    struct stat st;

    if (path == NULL)
        return sd_journal_open(&s->j, SD_JOURNAL_LOCAL_ONLY);
    if (stat(path, &st) < 0)
        return -errno;
    if (S_ISDIR(st.st_mode))
        return sd_journal_open_directory(&s->j, path, 0);
    {
        const char *paths[] = {path, NULL};

        return sd_journal_open_files(&s->j, paths, 0);
    }
}

static int
add_matches(struct src_journal *s, char *const *matches)
{
    for (size_t i = 0; matches != NULL && matches[i] != NULL; i++) {
        int r = sd_journal_add_match(s->j, matches[i], 0);

        if (r < 0)
            return r;
    }
    return 0;
}

/* The saved cursor, or "" when there is none (a damaged file is said). */
static void
load_cursor(struct src_journal *s)
{
    struct checkpoint_entry *ents = NULL;
    size_t n = 0;
    int r;

    s->saved[0] = '\0';
    if (s->env.state_dir == NULL)
        return;
    r = checkpoint_load(s->env.state_dir, s->base.cfg->name, &ents, &n);
    if (r == 0 && n == 1 && strlen(ents[0].path) < sizeof(s->saved))
        memcpy(s->saved, ents[0].path, strlen(ents[0].path) + 1);
    else if (r != -ENOENT)
        source_diagf(&s->env, &s->base, LOG_WARNING,
                     "checkpoint unreadable (%s): starting over",
                     strerror(r < 0 ? -r : EBADMSG));
    mem_free(ents);
}

/* The entry a tail start stands on counts as read: the first checkpoint
 * (at start) saves it, so a restart before anything new was read goes on
 * from there instead of from the tail of that moment, which would skip
 * the entries written in between. */
static void
note_start_cursor(struct src_journal *s)
{
    char *c = NULL;

    if (sd_journal_get_cursor(s->j, &c) >= 0 && strlen(c) < sizeof(s->last))
        memcpy(s->last, c, strlen(c) + 1);
    free(c);
}

/* Position the reader: after the saved cursor, else head or tail. */
static int
seek_start(struct src_journal *s, bool from_beginning)
{
    int r;

    if (s->saved[0] != '\0') {
        r = sd_journal_seek_cursor(s->j, s->saved);
        if (r < 0)
            return r;
        r = sd_journal_next(s->j);
        if (r <= 0)
            return r; /* nothing there yet: next() goes on from it */
        if (sd_journal_test_cursor(s->j, s->saved) > 0)
            return 0;      /* the entry read last time: skip it */
        s->pending = true; /* the first entry after a vacuumed one */
        s->gap_check = true;
        memcpy(s->last, s->saved, strlen(s->saved) + 1);
        return 0;
    }
    if (from_beginning)
        return sd_journal_seek_head(s->j);
    r = sd_journal_seek_tail(s->j);
    if (r < 0)
        return r;
    /* On the last entry (already there: not read); an empty journal reads
     * what comes from its head, since next() from the tail sees nothing. */
    r = sd_journal_previous(s->j);
    if (r == 0)
        r = sd_journal_seek_head(s->j);
    else if (r > 0)
        note_start_cursor(s);
    return r < 0 ? r : 0;
}

static int
start_handles(struct src_journal *s)
{
    int fd = sd_journal_get_fd(s->j), r;

    if (fd < 0)
        return fd;
    r = uv_poll_init(s->loop, &s->poll, fd);
    if (r < 0)
        return r;
    s->polling = true;
    s->handles++;
    s->poll.data = s;
    r = sd_journal_get_events(s->j);
    return uv_poll_start(&s->poll,
                         r > 0 && (r & POLLOUT) ? UV_READABLE | UV_WRITABLE
                                                : UV_READABLE,
                         poll_cb);
}

static void
src_free(struct src_journal *s)
{
    if (s->j != NULL)
        sd_journal_close(s->j);
    mem_free(s->e);
    mem_free(s);
}

static void
handle_close_cb(uv_handle_t *h)
{
    struct src_journal *s = h->data;

    if (--s->handles > 0)
        return;
    if (s->done_cb != NULL)
        s->done_cb(s->done_arg);
    src_free(s);
}

static void
close_handles(struct src_journal *s)
{
    s->closing = true;
    uv_close((uv_handle_t *)&s->timer, handle_close_cb);
    uv_close((uv_handle_t *)&s->idle, handle_close_cb);
    if (s->polling)
        uv_close((uv_handle_t *)&s->poll, handle_close_cb);
}

static int
src_journal_open(uv_loop_t *loop, const struct config_source *cfg,
                 const struct source_env *env, struct source **ret)
{
    struct src_journal *s;
    int r;

    if (cfg == NULL || cfg->name == NULL || env == NULL || env->emit == NULL)
        return -EINVAL;
    s = mem_calloc(1, sizeof(*s));
    if (s == NULL)
        return -ENOMEM;
    s->base.ops = &src_journal_ops;
    s->base.cfg = cfg;
    s->loop = loop;
    s->env = *env;
    s->e = mem_malloc(sizeof(*s->e));
    r = s->e == NULL ? -ENOMEM : open_journal(s, cfg->path);
    if (r >= 0)
        r = add_matches(s, cfg->matches);
    if (r < 0)
        goto fail;
    (void)sd_journal_set_data_threshold(s->j, JOURNAL_MESSAGE_MAX + 8);
    load_cursor(s);
    r = seek_start(s, cfg->from_beginning);
    if (r < 0)
        goto fail;
    uv_timer_init(loop, &s->timer);
    uv_idle_init(loop, &s->idle);
    s->timer.data = s->idle.data = s;
    s->handles = 2;
    r = start_handles(s);
    if (r < 0) {
        close_handles(s); /* frees s in the close callbacks */
        return r;
    }
    uv_idle_start(&s->idle, idle_cb); /* read what is there already */
    arm_timer(s);
    *ret = &s->base;
    return 0;
fail:
    src_free(s);
    return r;
}

static void
src_journal_close(struct source *src, void (*done_cb)(void *arg), void *arg)
{
    struct src_journal *s = (struct src_journal *)src;

    s->done_cb = done_cb;
    s->done_arg = arg;
    close_handles(s);
}

static void
src_journal_resume(struct source *src)
{
    struct src_journal *s = (struct src_journal *)src;

    if (!s->paused || s->closing)
        return;
    s->paused = false;
    uv_idle_start(&s->idle, idle_cb);
}

static void
src_journal_mark(struct source *src)
{
    struct src_journal *s = (struct src_journal *)src;

    memcpy(s->marked, s->last, strlen(s->last) + 1);
}

static int
src_journal_commit(struct source *src)
{
    struct src_journal *s = (struct src_journal *)src;
    struct checkpoint_entry ent = {.path = s->marked};
    char id[JOURNAL_SEQID_MAX];
    int r;

    if (s->env.state_dir == NULL || s->marked[0] == '\0' ||
        strcmp(s->marked, s->saved) == 0)
        return 0;
    (void)journal_cursor_seqnum(s->marked, id, sizeof(id), &ent.offset);
    r = checkpoint_save(s->env.state_dir, s->base.cfg->name, &ent, 1);
    if (r == 0)
        memcpy(s->saved, s->marked, strlen(s->marked) + 1);
    return r;
}

#else /* !HAVE_SYSTEMD */

static int
src_journal_open(uv_loop_t *loop, const struct config_source *cfg,
                 const struct source_env *env, struct source **ret)
{
    (void)loop;
    (void)cfg;
    (void)env;
    (void)ret;
    return -ENOTSUP;
}

static void
src_journal_close(struct source *src, void (*done_cb)(void *arg), void *arg)
{
    (void)src;
    if (done_cb != NULL)
        done_cb(arg);
}

#endif

#ifdef HAVE_SYSTEMD
static void
src_journal_counters(const struct source *src, struct source_counters *ret)
{
    *ret = ((const struct src_journal *)src)->counters;
}
#endif

/* The "journal" source type (sources.h). */
const struct source_ops src_journal_ops = {
    .name = "journal",
    .open = src_journal_open,
    .close = src_journal_close,
#ifdef HAVE_SYSTEMD
    .resume = src_journal_resume,
    .mark = src_journal_mark,
    .commit = src_journal_commit,
    .counters = src_journal_counters,
#endif
};
