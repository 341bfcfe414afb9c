/*
 * sinkset.h - the open sinks of one configuration: open them all, flush
 * them all behind one barrier, close them all.  Used by the daemon and by
 * replay.
 */
#ifndef SESSIONTAIL_SINKSET_H
#define SESSIONTAIL_SINKSET_H

#include <stddef.h>

#include <uv.h>

#include "../sinks/sink.h"
#include "config.h"

struct sinkset {
    struct sink **sinks; /* owned array of open sinks */
    size_t n;
    size_t waiting; /* flush or close callbacks outstanding */
    void (*done_cb)(void *arg);
    void *done_arg;
    void (*drained_cb)(void *arg); /* a sink drained: sources may resume */
    void *drained_arg;
    bool lossless; /* sinks wait for a failing output, never drop (replay) */
};

/*
 * Open every sink of cfg.  On failure logs the sink name and reason, closes
 * what was opened and returns -errno.
 */
int sinkset_open(struct sinkset *ss, uv_loop_t *loop, const struct config *cfg);

/* Call cb once every sink has written what it holds. */
void sinkset_flush(struct sinkset *ss, void (*cb)(void *arg), void *arg);

/* Flush and close every sink; cb runs when all are closed. */
void sinkset_close(struct sinkset *ss, void (*cb)(void *arg), void *arg);

/* Reopen file outputs (SIGHUP, logrotate). */
void sinkset_reopen(struct sinkset *ss);

#endif
