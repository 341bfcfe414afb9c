/*
 * pipeline.c - record -> parser -> session engine -> sinks (see pipeline.h).
 *
 * Each record is rendered once per output format, whatever the number of
 * sinks that use it; that keeps the per-record cost flat as sinks are added.
 */
#include <string.h>

#include "pipeline.h"

void
pipeline_init(struct pipeline *p, struct session_table *sessions)
{
    memset(p, 0, sizeof(*p));
    p->sessions = sessions;
    p->max_time_us = EVENT_TIME_UNSET;
    for (size_t i = 0; i < PIPELINE_FORMATS_MAX; i++)
        buf_init(&p->render[i], 0);
}

void
pipeline_done(struct pipeline *p)
{
    for (size_t i = 0; i < PIPELINE_FORMATS_MAX; i++)
        buf_done(&p->render[i]);
}

void
pipeline_set_sinks(struct pipeline *p, struct sink **sinks, size_t n)
{
    p->sinks = sinks;
    p->n_sinks = n;
}

static size_t
format_index(const struct sink_format *f)
{
    for (size_t i = 0; sink_formats[i] != NULL; i++)
        if (sink_formats[i] == f)
            return i;
    return 0;
}

static void
reset_renders(struct pipeline *p)
{
    memset(p->rendered, 0, sizeof(p->rendered));
}

/* Render with the sink's format (once per format) and queue it. */
static void
deliver(struct pipeline *p, struct sink *s, const struct event *ev,
        const struct session *sess)
{
    size_t fi = format_index(s->format);
    struct buf *b = &p->render[fi];

    if (!p->rendered[fi]) {
        buf_reset(b);
        if (ev != NULL)
            s->format->event(ev, b);
        else
            s->format->session(sess, b);
        p->rendered[fi] = true;
    }
    if (b->oom)
        return;
    s->ops->write(s, strv_make(b->data, b->len));
}

static void deliver_sessions(struct pipeline *p);

/* Session records wait until their event is written; a feed that closes
 * many (a host restart) delivers them in batches as they come. */
static void
collect_session_cb(void *ctx, const struct session *s)
{
    struct pipeline *p = ctx;

    if (p->n_out == PIPELINE_SESSIONS_MAX)
        deliver_sessions(p);
    p->out[p->n_out++] = s;
}

static void
deliver_sessions(struct pipeline *p)
{
    for (size_t k = 0; k < p->n_out; k++) {
        reset_renders(p);
        for (size_t i = 0; i < p->n_sinks; i++) {
            struct sink *s = p->sinks[i];

            if (s->cfg->records_mask & CONFIG_RECORDS_SESSIONS)
                deliver(p, s, NULL, p->out[k]);
        }
        p->counters.sessions++;
    }
    p->n_out = 0;
}

/*
 * One event: the session engine first (it assigns session_id), then the
 * event to every sink that takes events and whose filter passes, then the
 * session records it opened or closed.
 */
void
pipeline_event(struct pipeline *p, struct event *ev)
{
    uint32_t n = ev->repeat ? ev->repeat : 1;

    if (ev->time_us != EVENT_TIME_UNSET && ev->time_us > p->max_time_us)
        p->max_time_us = ev->time_us;
    for (uint32_t r = 0; r < n; r++) {
        p->n_out = 0;
        ev->session_id = STRV_NULL;
        session_table_feed(p->sessions, ev, collect_session_cb, p);
        reset_renders(p);
        for (size_t i = 0; i < p->n_sinks; i++) {
            struct sink *s = p->sinks[i];

            if (!(s->cfg->records_mask & CONFIG_RECORDS_EVENTS))
                continue;
            if (s->cfg->has_filter && !sink_filter_match(&s->cfg->filter, ev))
                continue;
            deliver(p, s, ev, NULL);
        }
        p->counters.events++;
        deliver_sessions(p);
    }
}

bool
pipeline_record(struct pipeline *p, struct parse_ctx *ctx,
                const struct raw_record *rec)
{
    struct event ev;
    int r;

    p->counters.records++;
    r = parse_record(ctx, rec, &ev);
    if (r == PARSE_EVENT)
        pipeline_event(p, &ev);
    else if (r < 0)
        p->counters.malformed++;
    return pipeline_congested(p);
}

static void
expire_emit_cb(void *ctx, const struct session *s)
{
    struct pipeline *p = ctx;

    /* Expiry may close many sessions: deliver each as it comes. */
    p->n_out = 0;
    collect_session_cb(p, s);
    deliver_sessions(p);
}

void
pipeline_expire(struct pipeline *p, int64_t now_us)
{
    session_table_expire(p->sessions, now_us, expire_emit_cb, p);
}

bool
pipeline_congested(const struct pipeline *p)
{
    if (p->stopping)
        return true;
    for (size_t i = 0; i < p->n_sinks; i++)
        if (p->sinks[i]->ops->congested(p->sinks[i]))
            return true;
    return false;
}
