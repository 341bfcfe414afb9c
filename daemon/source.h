/*
 * source.h - the source plugin interface (DESIGN 4, STYLE 2).
 *
 * A source owns its libuv handles and emits raw records to the pipeline.
 * Records are borrowed: valid only during the emit call.
 *
 * Flow control: a source that can wait (a file, the journal) stops reading
 * while the pipeline reports congestion (sinks full) and continues when the
 * pipeline calls resume; nothing is dropped.  A socket cannot wait and is
 * left to the sinks' bounded queues.
 *
 * Checkpoints follow a two-step barrier so that a position is saved only
 * after the events before it reached the sinks: the daemon calls mark()
 * (remember the current position), flushes the sinks, and once their
 * writes completed calls commit() (write the marked position atomically).
 */
#ifndef SESSIONTAIL_SOURCE_H
#define SESSIONTAIL_SOURCE_H

#include <stdbool.h>

#include <uv.h>

#include "../parsers/parser.h"
#include "config.h"

struct source;

struct source_env {
    /* Hand one record to the pipeline.  Returns true when the pipeline is
     * congested: the source should pause until resume() is called. */
    bool (*emit)(void *ctx, struct source *src, const struct raw_record *rec);
    void *ctx;
    const char *state_dir; /* where checkpoints live; NULL: none kept */
    /* Per-record diagnostics (line too long, file vanished...), already
     * rate-limited by the caller; `prio` is a syslog priority. */
    void (*diag)(void *ctx, struct source *src, int prio, const char *msg);
};

struct source_counters {
    uint64_t records;
    uint64_t bytes;
    uint64_t truncated; /* lines longer than max_line */
    uint64_t errors;    /* read errors, vanished files */
    uint64_t dropped;   /* lost before they were read: a socket's drops */
};

struct source_ops {
    const char *name; /* config "type" */
    /* Start reading.  Returns 0 and *ret, or -errno. */
    int (*open)(uv_loop_t *loop, const struct config_source *cfg,
                const struct source_env *env, struct source **ret);
    /* Stop and free; done_cb runs when every handle is closed. */
    void (*close)(struct source *src, void (*done_cb)(void *arg), void *arg);
    void (*resume)(struct source *src);
    void (*mark)(struct source *src);
    int (*commit)(struct source *src);
    void (*counters)(const struct source *src, struct source_counters *ret);
};

/* Every source struct starts with this. */
struct source {
    const struct source_ops *ops;
    const struct config_source *cfg; /* borrowed from the running config */
};

/* The table of source types; NULL-terminated. */
extern const struct source_ops *const source_types[];
const struct source_ops *source_type_find(const char *name);

#endif
