/*
 * loopstat.c - the event loop's busy time per turn (see loopstat.h).
 */
#include <string.h>

#include "loopstat.h"

/*
 * Prepare callbacks run once per turn, just before the loop waits.  The
 * wall time since the previous one, minus the time the loop spent waiting
 * in between (uv_metrics_idle_time(), libuv >= 1.39), is the busy time of
 * the turn that just ended: I/O callbacks, timers, checks, closes.
 */
static void
prepare_cb(uv_prepare_t *h)
{
    struct loopstat *ls = h->data;
    uint64_t now = uv_hrtime(), idle = uv_metrics_idle_time(h->loop), busy;

    if (ls->last_ns != 0) {
        uint64_t wall = now - ls->last_ns, waited = idle - ls->last_idle_ns;

        busy = (wall > waited ? wall - waited : 0) / 1000;
        ls->c.turns++;
        ls->c.busy_total_us += busy;
        if (busy > ls->c.busy_max_us)
            ls->c.busy_max_us = busy;
        if (busy > LOOPSTAT_STALL_US)
            ls->c.stalls++;
    }
    ls->last_ns = now;
    ls->last_idle_ns = idle;
}

int
loopstat_start(struct loopstat *ls, uv_loop_t *loop)
{
    int r;

    memset(ls, 0, sizeof(*ls));
    r = uv_loop_configure(loop, UV_METRICS_IDLE_TIME);
    if (r < 0)
        return r;
    r = uv_prepare_init(loop, &ls->prepare);
    if (r < 0)
        return r;
    ls->prepare.data = ls;
    /* The meter must not keep the loop alive on its own. */
    uv_unref((uv_handle_t *)&ls->prepare);
    return uv_prepare_start(&ls->prepare, prepare_cb);
}

void
loopstat_stop(struct loopstat *ls)
{
    if (!uv_is_closing((uv_handle_t *)&ls->prepare))
        uv_close((uv_handle_t *)&ls->prepare, NULL);
}
