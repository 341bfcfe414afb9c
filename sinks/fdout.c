/*
 * fdout.c - bounded, non-blocking line writer shared by the stdout and file
 * sinks (see fdout.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "../model/mem.h"
#include "fdout.h"

#define container_of(ptr, type, member)                                        \
    ((type *)((char *)(ptr)-offsetof(type, member)))

static void start_write(struct fdout *w);
static void retry_cb(uv_timer_t *t);

static void
say(struct fdout *w, int prio, const char *msg)
{
    if (w->env.diag)
        w->env.diag(w->env.ctx, &w->sink, prio, msg);
}

static size_t
queued(const struct fdout *w)
{
    return w->pending.len + (w->inflight.len - w->inflight_off);
}

int
fdout_open_path(const char *path)
{
    int fd =
        open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);

    return fd < 0 ? -errno : fd;
}

/* Everything written: wake the flush waiters. */
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

/* The writer went idle: reopen, wake waiters, finish a close. */
static void
went_idle(struct fdout *w)
{
    if (w->reopen_pending)
        do_reopen(w);
    if (w->pending.len > 0 && !w->closing)
        return;
    if (w->pending.len == 0)
        call_waiters(w);
}

static void
drop_all(struct fdout *w)
{
    if (queued(w) > 0)
        w->counters.dropped++;
    buf_reset(&w->pending);
    buf_reset(&w->inflight);
    w->inflight_off = 0;
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
    if (!w->failed_said) {
        snprintf(msg, sizeof(msg), "write failed: %s; retrying",
                 uv_strerror(err));
        say(w, LOG_ERR, msg);
        w->failed_said = true;
    }
    /* Keep the unwritten bytes and try again later; the queue bound
     * limits what piles up meanwhile. */
    uv_timer_start(&w->retry, retry_cb, FDOUT_RETRY_MS, 0);
}

static void
fsync_cb(uv_fs_t *req)
{
    struct fdout *w = container_of(req, struct fdout, req);

    uv_fs_req_cleanup(req);
    w->writing = false;
    batch_done(w);
    if (w->pending.len > 0 && !w->closing)
        start_write(w);
    else
        went_idle(w);
}

static void
write_cb(uv_fs_t *req)
{
    struct fdout *w = container_of(req, struct fdout, req);
    ssize_t r = req->result;

    uv_fs_req_cleanup(req);
    if (r < 0) {
        w->writing = false;
        write_failed(w, (int)r);
        return;
    }
    w->inflight_off += (size_t)r;
    if (w->inflight_off < w->inflight.len) {
        /* Short write: continue with the rest of the same batch. */
        uv_buf_t b = uv_buf_init(w->inflight.data + w->inflight_off,
                                 (unsigned)(w->inflight.len - w->inflight_off));

        if (uv_fs_write(w->loop, &w->req, w->fd, &b, 1, -1, write_cb) < 0) {
            w->writing = false;
            write_failed(w, UV_EIO);
        }
        return;
    }
    if (w->failed_said) {
        say(w, LOG_NOTICE, "writing again");
        w->failed_said = false;
    }
    buf_reset(&w->inflight);
    w->inflight_off = 0;
    if (w->fsync_batch && uv_fs_fsync(w->loop, &w->req, w->fd, fsync_cb) == 0)
        return;
    w->writing = false;
    batch_done(w);
    if (w->env.drained && queued(w) < w->queue_max / 4)
        w->env.drained(w->env.ctx, &w->sink);
    if (w->pending.len > 0 &&
        (w->pending.len >= FDOUT_BATCH || w->n_waiters > 0 || w->closing))
        start_write(w);
    else
        went_idle(w);
}

/* Hand the pending bytes (or the unfinished batch) to the thread pool. */
static void
start_write(struct fdout *w)
{
    struct buf tmp;
    uv_buf_t b;
    int r;

    if (w->writing || uv_is_active((uv_handle_t *)&w->retry))
        return;
    if (w->inflight_off >= w->inflight.len) {
        if (w->pending.len == 0) {
            went_idle(w);
            return;
        }
        tmp = w->inflight;
        w->inflight = w->pending;
        w->pending = tmp;
        buf_reset(&w->pending);
        w->inflight_off = 0;
    }
    b = uv_buf_init(w->inflight.data + w->inflight_off,
                    (unsigned)(w->inflight.len - w->inflight_off));
    w->writing = true;
    r = uv_fs_write(w->loop, &w->req, w->fd, &b, 1, -1, write_cb);
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
    buf_init(&w->pending, 0);
    buf_init(&w->inflight, 0);
    /* Neither init can fail on a live loop (libuv returns 0). */
    uv_check_init(loop, &w->check);
    uv_timer_init(loop, &w->retry);
    w->handles = 2;
    uv_unref((uv_handle_t *)&w->check);
    uv_check_start(&w->check, check_cb);
}

int
fdout_write(struct sink *sink, struct strv line)
{
    struct fdout *w = (struct fdout *)sink;
    char msg[128];
    size_t before;

    if (queued(w) + line.n + 1 > w->queue_max || w->closing) {
        w->counters.dropped++;
        if (!w->failed_said) {
            snprintf(msg, sizeof(msg),
                     "queue full (%zu bytes): dropping records", queued(w));
            say(w, LOG_WARNING, msg);
            w->failed_said = true;
        }
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
    w->counters.written++;
    if (w->pending.len >= FDOUT_BATCH && !w->writing)
        start_write(w);
    return 0;
}

bool
fdout_congested(const struct sink *sink)
{
    const struct fdout *w = (const struct fdout *)sink;

    return queued(w) >= w->queue_max / 4 * 3;
}

void
fdout_flush(struct sink *sink, void (*cb)(void *arg), void *arg)
{
    struct fdout *w = (struct fdout *)sink;

    if (queued(w) == 0 && !w->writing) {
        cb(arg);
        return;
    }
    if (w->n_waiters == FDOUT_WAITERS_MAX) {
        /* Cannot happen with the daemon's one barrier at a time; be safe. */
        cb(arg);
        return;
    }
    /* The batch in flight, then the one the pending bytes go into. */
    w->waiters[w->n_waiters++] = (struct fdout_waiter){
        cb, arg,
        w->batches_done + (w->writing ? 1 : 0) + (w->pending.len > 0 ? 1 : 0)};
    start_write(w);
}

void
fdout_reopen(struct sink *sink)
{
    struct fdout *w = (struct fdout *)sink;

    w->reopen_pending = true;
    if (!w->writing)
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

    uv_timer_stop(&w->retry);
    w->check.data = w;
    w->retry.data = w;
    uv_close((uv_handle_t *)&w->check, handle_closed_cb);
    uv_close((uv_handle_t *)&w->retry, handle_closed_cb);
}

/*
 * Write what is queued, then close.  A sink whose writes keep failing is
 * closed anyway after one attempt: what it still held is counted dropped.
 */
void
fdout_close(struct sink *sink, void (*done_cb)(void *arg), void *arg)
{
    struct fdout *w = (struct fdout *)sink;

    w->close_cb = done_cb;
    w->close_arg = arg;
    w->closing = true;
    if (uv_is_active((uv_handle_t *)&w->retry)) {
        /* Already failing: do not wait for the retry on the way out. */
        uv_timer_stop(&w->retry);
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
