/*
 * fdout.h - a bounded, non-blocking line writer onto a file descriptor,
 * shared by the stdout and file sinks.
 *
 * Lines are appended to a pending buffer; the buffer is handed to the libuv
 * thread pool as one batch when it is large enough, at the end of each loop
 * turn, or on flush.  A worker writes the batch whole, continuing short
 * writes, so lines reach the output whole and in order.
 *
 * Failures (DESIGN 5: a failing sink never stops the others):
 * - A write error (ENOSPC, EDQUOT, EFBIG, EIO, EPIPE...) keeps the unwritten
 *   bytes and retries every FDOUT_RETRY_MS by itself.  When the error came
 *   after part of a line reached a regular file, that part is cut off again,
 *   so the file never ends with a half line; the whole line is written again
 *   when the retry succeeds.
 * - EAGAIN (a non-blocking pipe whose reader is slow) is congestion, not an
 *   error: retried after FDOUT_AGAIN_MS.
 * - Past queue_max bytes held, new lines are dropped and counted.
 * - A congested sink pauses the sources that can wait (DESIGN 4: nothing is
 *   lost).  A broken sink does not: once the retry after a failed write
 *   fails too, or nothing was written for FDOUT_STALL_MS while congested,
 *   it stops counting as congested, releases flush barriers (what it holds
 *   is not waited for by checkpoints) and drops past its bound, so the
 *   sources and the other sinks go on.  It is held back at most one retry
 *   period per episode.  A replay's sinks are lossless (sink_env): they
 *   keep the sources waiting however long the output fails.
 * - An episode is reported once: "write failed: ...; retrying", "queue
 *   full (...): dropping records", "no write for N s: ...", and ends with
 *   one "writing again (N records dropped)" once a batch went out and the
 *   queue is back under its low mark.
 *
 * Memory: at most queue_max bytes of lines are held: pending plus the
 * batch in flight, which counts whole until it is written (after a failed
 * write its lines already written are let go).  Buffers are capped at
 * queue_max each and a large batch buffer is freed once written, so a sink
 * allocates at most 2 * queue_max, and an idle one little.
 */
#ifndef SESSIONTAIL_FDOUT_H
#define SESSIONTAIL_FDOUT_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "../model/buf.h"
#include "sink.h"

/* Batch handed to one worker; past it a write starts at once.  A batch
 * buffer larger than this is freed once written. */
#define FDOUT_BATCH (256 * 1024)
/* Flush waiters one writer holds at once. */
#define FDOUT_WAITERS_MAX 8
/* Retry delay after a failed write. */
#define FDOUT_RETRY_MS 1000
/* Retry delay after EAGAIN (a full non-blocking pipe). */
#define FDOUT_AGAIN_MS 20
/* Consecutive failed writes after which the sink is broken: the first
 * write and its first retry. */
#define FDOUT_FAILS_BROKEN 2
/* A congested sink with no byte written for this long is broken too (a
 * reader that stopped, a hung mount: no error ever comes back). */
#define FDOUT_STALL_MS 5000

struct fdout_waiter {
    void (*cb)(void *arg);
    void *arg;
    uint64_t batch; /* done once batches_done reaches it */
};

struct fdout {
    struct sink sink; /* must be first: the sink handle */
    uv_loop_t *loop;
    struct sink_env env;
    int fd;
    bool own_fd;         /* close at the end (not for stdout) */
    bool fsync_batch;    /* fsync after each completed batch */
    char *path;          /* reopened on SIGHUP; NULL for stdout */
    struct buf pending;  /* owned: lines not yet handed to a worker */
    struct buf inflight; /* owned: the batch being written */
    size_t inflight_off; /* bytes of inflight already written */
    uint64_t pending_lines, inflight_lines;
    size_t queue_max;
    bool writing; /* a worker holds inflight and fd */
    bool reopen_pending;
    bool closing;
    /* Set by the worker, read in its completion callback. */
    size_t work_off;
    int work_err, work_sync_err;
    /* Health: consecutive failed writes, no progress for FDOUT_STALL_MS,
     * when a byte was last written (uv_now). */
    unsigned fails;
    bool stalled;
    uint64_t progress_ms;
    /* What this episode already said, and the drops when it began. */
    bool said_failed, said_full, said_stalled;
    uint64_t episode_dropped;
    bool said_sync; /* an fsync failure is said once */
    int handles;    /* open uv handles, for close */
    uv_work_t work;
    uv_check_t check;
    uv_timer_t retry;
    uv_timer_t stall;
    struct fdout_waiter waiters[FDOUT_WAITERS_MAX];
    size_t n_waiters;
    /* Batches written completely; a flush waits for the batches holding
     * what was queued when it was asked, not for an empty queue (a busy
     * source would keep it from ever being empty). */
    uint64_t batches_done;
    void (*close_cb)(void *arg);
    void *close_arg;
    struct sink_counters counters;
};

/* Initialise an fdout on an open fd (ownership of fd passes when own_fd).
 * Cannot fail. */
void fdout_init(struct fdout *w, uv_loop_t *loop, const struct config_sink *cfg,
                const struct sink_env *env, int fd, bool own_fd);

/* The sink_ops functions shared by stdout and file. */
int fdout_write(struct sink *sink, struct strv line);
bool fdout_congested(const struct sink *sink);
void fdout_flush(struct sink *sink, void (*cb)(void *arg), void *arg);
void fdout_reopen(struct sink *sink);
void fdout_close(struct sink *sink, void (*done_cb)(void *arg), void *arg);
void fdout_counters(const struct sink *sink, struct sink_counters *ret);

/* Open a file sink's path for appending (O_APPEND|O_CLOEXEC, 0640), with
 * read access too, to find a torn last line. */
int fdout_open_path(const char *path);

#endif
