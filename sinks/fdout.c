/*
 * fdout.c - bounded, non-blocking line writer shared by the stdout and file
 * sinks (see fdout.h for the failure and memory policy).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "../model/mem.h"
#include "fdout.h"

#define container_of(ptr, type, member)                                        \
    ((type *)((char *)(ptr)-offsetof(type, member)))

/* Bytes compared at a time when checking a torn line against the file. */
#define TORN_CHUNK 4096

static void start_write(struct fdout *w);
static void retry_cb(uv_timer_t *t);

static void
say(struct fdout *w, int prio, const char *msg)
{
    if (w->env.diag)
        w->env.diag(w->env.ctx, &w->sink, prio, msg);
}

/* Bytes not yet written. */
static size_t
queued(const struct fdout *w)
{
    return w->pending.len + (w->inflight.len - w->inflight_off);
}

/* Bytes of lines held in memory: the batch in flight stays whole until it
 * is written, so it counts whole against queue_max. */
static size_t
held(const struct fdout *w)
{
    return w->pending.len + w->inflight.len;
}

/* Above the high mark the sink is congested (sources pause); under the
 * low mark it is drained (they resume). */
static size_t
high_mark(const struct fdout *w)
{
    return w->queue_max / 4 * 3;
}

static size_t
low_mark(const struct fdout *w)
{
    return w->queue_max / 4;
}

/* Broken: failing or stuck; the sources no longer wait for it (unless
 * they can always wait: a lossless sink is never broken). */
static bool
broken(const struct fdout *w)
{
    return !w->env.lossless && (w->fails >= FDOUT_FAILS_BROKEN || w->stalled);
}

/* Lines (LFs) in p[0, n); p may be NULL when n is 0. */
static uint64_t
count_lines(const char *p, size_t n)
{
    const char *end;
    uint64_t lines = 0;

    if (n == 0)
        return 0;
    for (end = p + n; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
        lines++;
    return lines;
}

/* True when the unwritten part of the batch starts a line, so switching
 * to another file cannot split one. */
static bool
at_line_start(const struct fdout *w)
{
    return w->inflight_off == 0 ||
           w->inflight.data[w->inflight_off - 1] == '\n';
}

int
fdout_open_path(const char *path)
{
    int fd =
        open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);

    return fd < 0 ? -errno : fd;
}

/* Say msg as part of the current episode; the first thing said starts
 * it. */
static void
episode_say(struct fdout *w, bool *said, int prio, const char *msg)
{
    if (!w->said_failed && !w->said_full && !w->said_stalled)
        w->episode_dropped = w->counters.dropped;
    *said = true;
    say(w, prio, msg);
}

/* A batch went out and the queue is low again: the episode is over. */
static void
episode_end(struct fdout *w)
{
    char msg[128];

    if (!w->said_failed && !w->said_full && !w->said_stalled)
        return;
    if (held(w) >= low_mark(w))
        return;
    snprintf(msg, sizeof(msg), "writing again (%llu records dropped)",
             (unsigned long long)(w->counters.dropped - w->episode_dropped));
    say(w, LOG_NOTICE, msg);
    w->said_failed = w->said_full = w->said_stalled = false;
}

/* Wake every flush waiter. */
static void
call_waiters(struct fdout *w)
{
    struct fdout_waiter ws[FDOUT_WAITERS_MAX];
    size_t n = w->n_waiters;

    memcpy(ws, w->waiters, n * sizeof(ws[0]));
    w->n_waiters = 0;
    for (size_t i = 0; i < n; i++)
        ws[i].cb(ws[i].arg);
}

/* A batch was written: wake the waiters whose bytes it held. */
static void
batch_done(struct fdout *w)
{
    size_t k = 0, n = w->n_waiters;
    struct fdout_waiter due[FDOUT_WAITERS_MAX];
    size_t n_due = 0;

    w->batches_done++;
    for (size_t i = 0; i < n; i++) {
        if (w->waiters[i].batch <= w->batches_done)
            due[n_due++] = w->waiters[i];
        else
            w->waiters[k++] = w->waiters[i];
    }
    w->n_waiters = k;
    for (size_t i = 0; i < n_due; i++)
        due[i].cb(due[i].arg);
}

static void
do_reopen(struct fdout *w)
{
    char msg[256];
    int fd;

    w->reopen_pending = false;
    if (w->path == NULL)
        return;
    fd = fdout_open_path(w->path);
    if (fd < 0) {
        snprintf(msg, sizeof(msg), "cannot reopen '%s': %s; keeping the old",
                 w->path, strerror(-fd));
        say(w, LOG_ERR, msg);
        return;
    }
    close(w->fd);
    w->fd = fd;
}

/* Nothing in flight and no batch started: reopen, wake waiters. */
static void
went_idle(struct fdout *w)
{
    if (w->reopen_pending)
        do_reopen(w);
    if (w->pending.len == 0)
        call_waiters(w);
}

/* Give up what is held (closing while the output fails): every line not
 * written is counted dropped. */
static void
drop_all(struct fdout *w)
{
    uint64_t lost = 0;

    if (w->inflight.len > w->inflight_off)
        lost = count_lines(w->inflight.data + w->inflight_off,
                           w->inflight.len - w->inflight_off);

    w->counters.written += w->inflight_lines - lost;
    w->counters.dropped += lost + w->pending_lines;
    w->inflight_lines = w->pending_lines = 0;
    buf_reset(&w->pending);
    buf_reset(&w->inflight);
    w->inflight_off = 0;
}

/* The sink stopped holding the sources back: release the flush barriers
 * (a checkpoint does not wait for records it may never write) and let
 * paused sources go on.  A close still waits for the write in flight. */
static void
became_broken(struct fdout *w)
{
    if (!w->closing)
        call_waiters(w);
    if (w->env.drained)
        w->env.drained(w->env.ctx, &w->sink);
}

static void
stall_cb(uv_timer_t *t)
{
    struct fdout *w = container_of(t, struct fdout, stall);
    uint64_t idle = uv_now(w->loop) - w->progress_ms;
    char msg[160];

    if (w->closing || broken(w) || held(w) < high_mark(w))
        return;
    if (idle < FDOUT_STALL_MS) {
        uv_timer_start(&w->stall, stall_cb, FDOUT_STALL_MS - idle, 0);
        return;
    }
    w->stalled = true;
    if (!w->said_stalled) {
        snprintf(msg, sizeof(msg),
                 "nothing written for %d s; no longer pausing the sources",
                 FDOUT_STALL_MS / 1000);
        episode_say(w, &w->said_stalled, LOG_WARNING, msg);
    }
    became_broken(w);
}

/* Watch a congested sink for a write that never comes back. */
static void
watch_stall(struct fdout *w)
{
    if (w->closing || w->env.lossless || broken(w) || held(w) < high_mark(w) ||
        uv_is_active((uv_handle_t *)&w->stall))
        return;
    uv_timer_start(&w->stall, stall_cb, FDOUT_STALL_MS, 0);
}

/* Bytes of data[0, off) after its last LF: the part of a line written. */
static size_t
torn_len(const char *data, size_t off)
{
    const char *lf = off > 0 ? memrchr(data, '\n', off) : NULL;

    return lf == NULL ? off : off - (size_t)(lf - data) - 1;
}

/* A batch that stopped part way: its whole lines already written are
 * counted and let go, so the queue holds only bytes still to write. */
static void
compact_inflight(struct fdout *w)
{
    size_t done = w->inflight_off - torn_len(w->inflight.data, w->inflight_off);
    uint64_t lines;

    if (done == 0)
        return;
    lines = count_lines(w->inflight.data, done);
    w->counters.written += lines;
    w->inflight_lines -= lines;
    memmove(w->inflight.data, w->inflight.data + done, w->inflight.len - done);
    w->inflight.len -= done;
    w->inflight_off -= done;
}

static void
write_failed(struct fdout *w, int err)
{
    char msg[256];

    w->counters.errors++;
    if (w->closing) {
        /* No retries on the way out: count the loss and finish. */
        drop_all(w);
        call_waiters(w);
        return;
    }
    if (!w->said_failed) {
        snprintf(msg, sizeof(msg), "write failed: %s; retrying every %d s",
                 strerror(-err), FDOUT_RETRY_MS / 1000);
        episode_say(w, &w->said_failed, LOG_ERR, msg);
    }
    compact_inflight(w);
    /* Keep the unwritten bytes and try again later; the queue bound
     * limits what piles up meanwhile. */
    uv_timer_start(&w->retry, retry_cb, FDOUT_RETRY_MS, 0);
    if (++w->fails == FDOUT_FAILS_BROKEN && broken(w) && !w->stalled)
        became_broken(w);
}

/*
 * Worker side: a failed write left the n bytes at `line` (the start of a
 * line) at the end of a regular file; cut them off again.  The file's last
 * n bytes are compared first, so a file truncated by logrotate's
 * copytruncate, or one another process appended to, is left alone.
 * Returns 0 when cut, -errno otherwise (the rest of the line then follows
 * when writing resumes).
 */
static int
cut_torn(int fd, const char *line, size_t n)
{
    char chunk[TORN_CHUNK];
    struct stat st;
    off_t at;

    if (fstat(fd, &st) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode) || st.st_size < (off_t)n)
        return -ESPIPE;
    at = st.st_size - (off_t)n;
    for (size_t done = 0; done < n;) {
        size_t k = n - done < sizeof(chunk) ? n - done : sizeof(chunk);
        ssize_t r = pread(fd, chunk, k, at + (off_t)done);

        if (r != (ssize_t)k)
            return r < 0 ? -errno : -EIO;
        if (memcmp(chunk, line + done, k) != 0)
            return -ESTALE;
        done += k;
    }
    return ftruncate(fd, at) < 0 ? -errno : 0;
}

/*
 * Thread pool: write inflight[inflight_off, len) whole (a short write
 * continues where it stopped), then fsync when configured.  Touches only
 * fd, inflight and the work_* results: the loop leaves them alone while
 * `writing`.
 */
static void
write_work_cb(uv_work_t *req)
{
    struct fdout *w = container_of(req, struct fdout, work);
    size_t off = w->inflight_off, torn = 0;
    int err = 0;

    while (off < w->inflight.len && err == 0) {
        ssize_t n = write(w->fd, w->inflight.data + off, w->inflight.len - off);

        if (n > 0)
            off += (size_t)n;
        else if (n == 0)
            err = -EIO; /* write(2) of a non-empty buffer that wrote none */
        else if (errno != EINTR)
            err = -errno;
    }
    w->work_sync_err = 0;
    if (err == 0 && w->fsync_batch && fsync(w->fd) < 0)
        w->work_sync_err = -errno;
    if (err < 0)
        torn = torn_len(w->inflight.data, off);
    if (torn > 0 && cut_torn(w->fd, w->inflight.data + off - torn, torn) == 0)
        off -= torn;
    w->work_off = off;
    w->work_err = err;
}

/* The batch is out: count it, wake who waited for it, report recovery,
 * then write on or go idle. */
static void
batch_written(struct fdout *w)
{
    w->counters.written += w->inflight_lines;
    w->inflight_lines = 0;
    w->fails = 0;
    w->stalled = false;
    /* A large batch buffer is not kept for an idle sink. */
    if (w->inflight.cap > FDOUT_BATCH)
        buf_done(&w->inflight);
    else
        buf_reset(&w->inflight);
    w->inflight_off = 0;
    batch_done(w);
    episode_end(w);
    if (w->env.drained && held(w) < low_mark(w))
        w->env.drained(w->env.ctx, &w->sink);
    if (w->pending.len > 0 &&
        (w->pending.len >= FDOUT_BATCH || w->n_waiters > 0 || w->closing))
        start_write(w);
    else
        went_idle(w);
}

static void
write_done_cb(uv_work_t *req, int status)
{
    struct fdout *w = container_of(req, struct fdout, work);
    int err = status < 0 ? status : w->work_err;

    w->writing = false;
    if (w->work_off > w->inflight_off) {
        w->progress_ms = uv_now(w->loop);
        w->stalled = false;
    }
    w->inflight_off = w->work_off;
    if (w->work_sync_err < 0) {
        /* The bytes were handed over; only durability is in doubt. */
        w->counters.errors++;
        if (!w->said_sync) {
            say(w, LOG_ERR, "fsync failed; counting errors");
            w->said_sync = true;
        }
    }
    if (err == -EAGAIN && !w->closing)
        uv_timer_start(&w->retry, retry_cb, FDOUT_AGAIN_MS, 0);
    else if (err < 0)
        write_failed(w, err);
    else
        batch_written(w);
    watch_stall(w);
}

/* Hand the pending bytes (or the unfinished batch) to a worker. */
static void
start_write(struct fdout *w)
{
    struct buf tmp;
    int r;

    if (w->writing || uv_is_active((uv_handle_t *)&w->retry))
        return;
    if (w->reopen_pending && at_line_start(w))
        do_reopen(w);
    if (w->inflight.len == 0) {
        if (w->pending.len == 0) {
            went_idle(w);
            return;
        }
        tmp = w->inflight;
        w->inflight = w->pending;
        w->pending = tmp;
        buf_reset(&w->pending);
        w->inflight_off = 0;
        w->inflight_lines = w->pending_lines;
        w->pending_lines = 0;
        /* A stall is measured from the start of a new batch. */
        w->progress_ms = uv_now(w->loop);
    }
    w->writing = true;
    r = uv_queue_work(w->loop, &w->work, write_work_cb, write_done_cb);
    if (r < 0) {
        w->writing = false;
        write_failed(w, r);
    }
}

static void
retry_cb(uv_timer_t *t)
{
    struct fdout *w = container_of(t, struct fdout, retry);

    start_write(w);
}

/* End of a loop turn: whatever is pending goes out now. */
static void
check_cb(uv_check_t *c)
{
    struct fdout *w = container_of(c, struct fdout, check);

    if (w->pending.len > 0 && !w->writing)
        start_write(w);
}

void
fdout_init(struct fdout *w, uv_loop_t *loop, const struct config_sink *cfg,
           const struct sink_env *env, int fd, bool own_fd)
{
    w->loop = loop;
    w->env = *env;
    w->fd = fd;
    w->own_fd = own_fd;
    w->sink.cfg = cfg;
    w->queue_max = cfg->queue_max > 0 ? (size_t)cfg->queue_max : 8u << 20;
    w->fsync_batch = cfg->fsync != NULL && strcmp(cfg->fsync, "batch") == 0;
    /* Neither buffer grows past the bound, whatever doubling would do. */
    buf_init(&w->pending, w->queue_max);
    buf_init(&w->inflight, w->queue_max);
    /* None of the inits can fail on a live loop (libuv returns 0). */
    uv_check_init(loop, &w->check);
    uv_timer_init(loop, &w->retry);
    uv_timer_init(loop, &w->stall);
    w->handles = 3;
    w->progress_ms = uv_now(loop);
    uv_unref((uv_handle_t *)&w->check);
    uv_check_start(&w->check, check_cb);
}

int
fdout_write(struct sink *sink, struct strv line)
{
    struct fdout *w = (struct fdout *)sink;
    char msg[128];
    size_t before;

    if (w->closing || held(w) + line.n + 1 > w->queue_max) {
        if (!w->said_full && !w->closing) {
            snprintf(msg, sizeof(msg),
                     "queue full (%zu bytes): dropping records", held(w));
            episode_say(w, &w->said_full, LOG_WARNING, msg);
        }
        w->counters.dropped++;
        return -ENOBUFS;
    }
    before = w->pending.len;
    buf_append(&w->pending, line.p, line.n);
    buf_putc(&w->pending, '\n');
    if (w->pending.oom) {
        /* Keep what was whole: drop back to the last complete line. */
        w->pending.oom = false;
        w->pending.len = before;
        w->counters.dropped++;
        return -ENOBUFS;
    }
    w->pending_lines++;
    watch_stall(w);
    if (w->pending.len >= FDOUT_BATCH && !w->writing)
        start_write(w);
    return 0;
}

bool
fdout_congested(const struct sink *sink)
{
    const struct fdout *w = (const struct fdout *)sink;

    return !broken(w) && held(w) >= high_mark(w);
}

void
fdout_flush(struct sink *sink, void (*cb)(void *arg), void *arg)
{
    struct fdout *w = (struct fdout *)sink;

    /* Nothing to wait for; or a broken sink, which holds no barrier (a
     * close still waits for the write in flight). */
    if ((queued(w) == 0 && !w->writing) || (broken(w) && !w->closing)) {
        cb(arg);
        return;
    }
    if (w->n_waiters == FDOUT_WAITERS_MAX) {
        /* Cannot happen with the daemon's one barrier at a time; be safe. */
        cb(arg);
        return;
    }
    /* The batch started (in flight or waiting for a retry), then the one
     * the pending bytes go into. */
    w->waiters[w->n_waiters++] =
        (struct fdout_waiter){cb, arg,
                              w->batches_done + (w->inflight.len > 0 ? 1 : 0) +
                                  (w->pending.len > 0 ? 1 : 0)};
    start_write(w);
}

void
fdout_reopen(struct sink *sink)
{
    struct fdout *w = (struct fdout *)sink;

    w->reopen_pending = true;
    if (!w->writing && at_line_start(w))
        do_reopen(w);
}

static void
handle_closed_cb(uv_handle_t *h)
{
    struct fdout *w = h->data;

    if (--w->handles > 0)
        return;
    if (w->own_fd && w->fd >= 0)
        close(w->fd);
    buf_done(&w->pending);
    buf_done(&w->inflight);
    mem_free(w->path);
    if (w->close_cb != NULL)
        w->close_cb(w->close_arg);
    mem_free(w);
}

static void
close_after_flush_cb(void *arg)
{
    struct fdout *w = arg;

    w->check.data = w;
    w->retry.data = w;
    w->stall.data = w;
    uv_close((uv_handle_t *)&w->check, handle_closed_cb);
    uv_close((uv_handle_t *)&w->retry, handle_closed_cb);
    uv_close((uv_handle_t *)&w->stall, handle_closed_cb);
}

/*
 * Write what is queued, then close.  A sink whose writes are failing is
 * closed without waiting for its retry: what it still held is counted
 * dropped.  A write in flight is waited for.
 */
void
fdout_close(struct sink *sink, void (*done_cb)(void *arg), void *arg)
{
    struct fdout *w = (struct fdout *)sink;

    w->close_cb = done_cb;
    w->close_arg = arg;
    w->closing = true;
    if (uv_is_active((uv_handle_t *)&w->retry)) {
        uv_timer_stop(&w->retry);
        /* Failing: do not wait for the retry on the way out.  A full
         * pipe (EAGAIN) gets one more try. */
        if (w->fails > 0)
            drop_all(w);
    }
    fdout_flush(sink, close_after_flush_cb, w);
}

void
fdout_counters(const struct sink *sink, struct sink_counters *ret)
{
    const struct fdout *w = (const struct fdout *)sink;

    *ret = w->counters;
    ret->queued_bytes = queued(w);
}
