/*
 * sinkset.c - open, flush and close the sinks of one configuration.
 */
#include <errno.h>
#include <string.h>

#include "../model/mem.h"
#include "log.h"
#include "sinkset.h"

static void
sink_diag_cb(void *ctx, struct sink *sink, int prio, const char *msg)
{
    (void)ctx;
    log_msg(prio, "sink '%s': %s", sink->cfg->name, msg);
}

static void
sink_drained_cb(void *ctx, struct sink *sink)
{
    struct sinkset *ss = ctx;

    (void)sink;
    if (ss->drained_cb != NULL)
        ss->drained_cb(ss->drained_arg);
}

int
sinkset_open(struct sinkset *ss, uv_loop_t *loop, const struct config *cfg)
{
    const struct sink_env env = {.diag = sink_diag_cb,
                                 .drained = sink_drained_cb,
                                 .ctx = ss,
                                 .lossless = ss->lossless};
    int r = 0;

    ss->sinks = mem_calloc(cfg->n_sinks ? cfg->n_sinks : 1, sizeof(*ss->sinks));
    if (ss->sinks == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < cfg->n_sinks; i++) {
        const struct config_sink *c = &cfg->sinks[i];
        const struct sink_ops *ops = sink_type_find(c->type);
        const struct sink_format *fmt = sink_format_find(c->format);
        struct sink *s = NULL;

        if (ops == NULL || fmt == NULL) {
            log_err("sink '%s': unknown type or format", c->name);
            r = -EINVAL;
            break;
        }
        r = ops->open(loop, c, &env, &s);
        if (r < 0) {
            log_err("sink '%s': cannot open%s%s: %s", c->name,
                    c->path ? " " : "", c->path ? c->path : "", strerror(-r));
            break;
        }
        s->ops = ops;
        s->cfg = c;
        s->format = fmt;
        ss->sinks[ss->n++] = s;
    }
    return r;
}

static void
one_done_cb(void *arg)
{
    struct sinkset *ss = arg;

    if (--ss->waiting > 0)
        return;
    if (ss->done_cb != NULL)
        ss->done_cb(ss->done_arg);
}

void
sinkset_flush(struct sinkset *ss, void (*cb)(void *arg), void *arg)
{
    ss->done_cb = cb;
    ss->done_arg = arg;
    /* One extra count so callbacks fired synchronously cannot finish the
     * barrier before every sink was asked. */
    ss->waiting = ss->n + 1;
    for (size_t i = 0; i < ss->n; i++)
        ss->sinks[i]->ops->flush(ss->sinks[i], one_done_cb, ss);
    one_done_cb(ss);
}

static void
closed_cb(void *arg)
{
    struct sinkset *ss = arg;

    if (--ss->waiting > 0)
        return;
    mem_free(ss->sinks);
    ss->sinks = NULL;
    ss->n = 0;
    if (ss->done_cb != NULL)
        ss->done_cb(ss->done_arg);
}

void
sinkset_close(struct sinkset *ss, void (*cb)(void *arg), void *arg)
{
    ss->done_cb = cb;
    ss->done_arg = arg;
    ss->waiting = ss->n + 1;
    for (size_t i = 0; i < ss->n; i++)
        ss->sinks[i]->ops->close(ss->sinks[i], closed_cb, ss);
    closed_cb(ss);
}

void
sinkset_reopen(struct sinkset *ss)
{
    for (size_t i = 0; i < ss->n; i++)
        if (ss->sinks[i]->ops->reopen != NULL)
            ss->sinks[i]->ops->reopen(ss->sinks[i]);
}
