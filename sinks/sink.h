/*
 * sink.h - the sink plugin interface (DESIGN 5, STYLE 2).
 *
 * A sink renders events and session records with its output format (a
 * pure function, golden-tested) and writes them without blocking the loop.
 * It queues up to queue_max bytes; past that it drops, counts, and says so
 * once.  A failing sink never stops the others or the daemon.
 */
#ifndef SESSIONTAIL_SINK_H
#define SESSIONTAIL_SINK_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "../daemon/config.h"
#include "../model/buf.h"
#include "../model/event.h"
#include "../model/session.h"

/* An output format: pure renderers, no trailing newline. */
struct sink_format {
    const char *name;
    void (*event)(const struct event *ev, struct buf *b);
    void (*session)(const struct session *s, struct buf *b);
};

extern const struct sink_format *const sink_formats[];
const struct sink_format *sink_format_find(const char *name);

struct sink;

struct sink_counters {
    uint64_t written; /* records handed to the kernel */
    uint64_t dropped; /* records lost to a full queue or a failure */
    uint64_t errors;
    uint64_t queued_bytes;
};

struct sink_env {
    /* A diagnostic from the sink (already once-only where it matters). */
    void (*diag)(void *ctx, struct sink *sink, int prio, const char *msg);
    /* The sink's queue drained below its low mark. */
    void (*drained)(void *ctx, struct sink *sink);
    void *ctx;
    /* The sources can always wait (a replay): a failing or stuck sink keeps
     * them waiting instead of giving up and dropping past its queue. */
    bool lossless;
};

struct sink_ops {
    const char *name; /* config "type" */
    int (*open)(uv_loop_t *loop, const struct config_sink *cfg,
                const struct sink_env *env, struct sink **ret);
    /* Queue one rendered line (without newline).  Returns 0, or -ENOBUFS
     * when it was dropped. */
    int (*write)(struct sink *sink, struct strv line);
    /* True while the queue is above its high mark. */
    bool (*congested)(const struct sink *sink);
    /* Start writing everything queued; cb runs once it all completed (or
     * failed). */
    void (*flush)(struct sink *sink, void (*cb)(void *arg), void *arg);
    /* Reopen the output (SIGHUP, logrotate). */
    void (*reopen)(struct sink *sink);
    void (*close)(struct sink *sink, void (*done_cb)(void *arg), void *arg);
    void (*counters)(const struct sink *sink, struct sink_counters *ret);
};

struct sink {
    const struct sink_ops *ops;
    const struct config_sink *cfg;
    const struct sink_format *format;
};

extern const struct sink_ops *const sink_types[];
const struct sink_ops *sink_type_find(const char *name);

/* True when the event passes the sink's filter (or there is none). */
bool sink_filter_match(const struct config_filter *f, const struct event *ev);

#endif
