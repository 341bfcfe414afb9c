/*
 * loopstat.h - how long the event loop goes without waiting for I/O.
 *
 * Every source, sink, timer and client is served by one libuv loop; a turn
 * that runs long delays all of them (a state save slice, a control client
 * listing a million sessions, an expiry burst).  The meter measures each
 * turn's busy time, from the loop's wake-up to its next wait, with libuv's
 * idle-time metric, and keeps the longest and how many passed a threshold.
 * `sessiontail stats` reports them.
 */
#ifndef SESSIONTAIL_LOOPSTAT_H
#define SESSIONTAIL_LOOPSTAT_H

#include <stdint.h>

#include <uv.h>

/* A turn busy for longer than this is counted as a stall. */
#define LOOPSTAT_STALL_US 100000

struct loopstat_counters {
    uint64_t turns;
    uint64_t busy_max_us; /* the longest turn */
    uint64_t stalls;      /* turns longer than LOOPSTAT_STALL_US */
    uint64_t busy_total_us;
};

struct loopstat {
    uv_prepare_t prepare;
    uint64_t last_ns;      /* uv_hrtime() at the previous prepare */
    uint64_t last_idle_ns; /* uv_metrics_idle_time() then */
    struct loopstat_counters c;
};

/* Configure loop for idle-time metrics (before uv_run) and start the
 * meter.  Returns 0 or a negative errno from libuv. */
int loopstat_start(struct loopstat *ls, uv_loop_t *loop);

/* Close the meter's handle (the loop must then run to close it). */
void loopstat_stop(struct loopstat *ls);

#endif
