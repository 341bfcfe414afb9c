/*
 * fdout.h - a bounded, non-blocking line writer onto a file descriptor,
 * shared by the stdout and file sinks.
 *
 * Lines are appended to a pending buffer; the buffer is handed to the libuv
 * thread pool with uv_fs_write() when it is large enough, at the end of each
 * loop turn, or on flush.  A short write continues where it stopped, so a
 * line reaches the file whole (never a partial line unless the process is
 * killed mid-write).  Write errors (ENOSPC, EPIPE, EAGAIN) keep the data and
 * retry on a timer; past queue_max bytes new lines are dropped and counted.
 */
#ifndef SESSIONTAIL_FDOUT_H
#define SESSIONTAIL_FDOUT_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "../model/buf.h"
#include "sink.h"

/* Batch handed to one write(2); past it a write starts at once. */
#define FDOUT_BATCH (256 * 1024)
/* Flush waiters one writer holds at once. */
#define FDOUT_WAITERS_MAX 8
/* Retry delay after a failed write. */
#define FDOUT_RETRY_MS 1000

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
    struct buf pending;  /* lines not yet handed to the kernel */
    struct buf inflight; /* the batch being written */
    size_t inflight_off; /* bytes of inflight already written */
    size_t queue_max;
    bool writing;
    bool reopen_pending;
    bool failed_said; /* "dropping" said once until recovery */
    bool closing;
    int handles; /* open uv handles, for close */
    uv_fs_t req;
    uv_check_t check;
    uv_timer_t retry;
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
