/*
 * stdout.c - the stdout sink: one line per record on standard output,
 * readable text for a person watching a terminal or JSON lines for a pipe.
 */
#include <errno.h>
#include <unistd.h>

#include "../model/mem.h"
#include "fdout.h"

static int
sink_stdout_open(uv_loop_t *loop, const struct config_sink *cfg,
                 const struct sink_env *env, struct sink **ret)
{
    struct fdout *w = mem_calloc(1, sizeof(*w));

    if (w == NULL)
        return -ENOMEM;
    fdout_init(w, loop, cfg, env, STDOUT_FILENO, false);
    *ret = &w->sink;
    return 0;
}

const struct sink_ops sink_stdout_ops = {
    .name = "stdout",
    .open = sink_stdout_open,
    .write = fdout_write,
    .congested = fdout_congested,
    .flush = fdout_flush,
    .reopen = NULL,
    .close = fdout_close,
    .counters = fdout_counters,
};
