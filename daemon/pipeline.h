/*
 * pipeline.h - record -> parser -> session engine -> sinks (DESIGN 1).
 *
 * The pipeline is the one place where a parsed event meets the session
 * table and the sinks.  It owns neither: the daemon (run.c, replay.c) owns
 * the session table, the sinks and the parse contexts and hands them in.
 */
#ifndef SESSIONTAIL_PIPELINE_H
#define SESSIONTAIL_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "../model/session.h"
#include "../parsers/registry.h"
#include "../sinks/sink.h"

/* Output formats rendered once per record and shared by the sinks. */
#define PIPELINE_FORMATS_MAX 8
/* Session records produced by one event at most (repeat expands). */
#define PIPELINE_SESSIONS_MAX SESSION_OUT_MAX

struct pipeline_counters {
    uint64_t records;
    uint64_t events;
    uint64_t sessions;  /* session records written */
    uint64_t malformed; /* records the parsers counted as skipped */
};

struct pipeline {
    struct session_table *sessions; /* borrowed */
    struct sink **sinks;            /* borrowed array */
    size_t n_sinks;
    struct buf render[PIPELINE_FORMATS_MAX];
    bool rendered[PIPELINE_FORMATS_MAX];
    const struct session *out[PIPELINE_SESSIONS_MAX];
    size_t n_out;
    int64_t max_time_us; /* newest event time seen (replay's clock) */
    bool stopping;       /* report congestion so sources pause */
    struct pipeline_counters counters;
};

void pipeline_init(struct pipeline *p, struct session_table *sessions);
void pipeline_done(struct pipeline *p);
void pipeline_set_sinks(struct pipeline *p, struct sink **sinks, size_t n);

/*
 * Parse one record with ctx and deliver what it yields.  Returns true when
 * a sink is congested (a source that can wait should pause).
 */
bool pipeline_record(struct pipeline *p, struct parse_ctx *ctx,
                     const struct raw_record *rec);

/* Deliver one already parsed event (replay parses ahead to merge). */
void pipeline_event(struct pipeline *p, struct event *ev);

/* Close idle sessions as of now_us and deliver their records. */
void pipeline_expire(struct pipeline *p, int64_t now_us);

bool pipeline_congested(const struct pipeline *p);

#endif
