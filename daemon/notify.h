/*
 * notify.h - the daemon's side of the systemd service protocol
 * (sd_notify(3), Type=notify in systemd.service(5)): READY=1 once every
 * source is open, WATCHDOG=1 at half the WatchdogSec= interval, a short
 * STATUS= line with live counters, RELOADING=1 on SIGHUP until the reload
 * finished, STOPPING=1 on stop.
 *
 * Built without libsystemd, or run outside systemd (no NOTIFY_SOCKET),
 * every call does nothing.
 */
#ifndef SESSIONTAIL_NOTIFY_H
#define SESSIONTAIL_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

/* What STATUS= shows. */
struct notify_counters {
    uint64_t records;
    uint64_t events;
    uint64_t open_sessions;
    uint64_t dropped; /* records the sinks dropped */
};

/* Fill in the counters now; called from the loop. */
typedef void notify_counters_fn(void *ctx, struct notify_counters *ret);

/* Embedded in the daemon; its timers are owned, closed by notify_close(). */
struct notify {
    uv_timer_t watchdog; /* WATCHDOG=1 pings */
    uv_timer_t status;   /* STATUS= refresh */
    bool watchdog_init, status_init;
    bool stopping; /* STOPPING=1 sent: nothing more but pings */
    notify_counters_fn *counters;
    void *ctx;
    char last[128]; /* the STATUS= text last sent */
};

#ifdef HAVE_SYSTEMD

/*
 * Start the watchdog pings when systemd asked for them
 * (sd_watchdog_enabled(3)), and the periodic STATUS= refresh; counters
 * and ctx are borrowed for the daemon's lifetime.
 */
void notify_init(struct notify *n, uv_loop_t *loop,
                 notify_counters_fn *counters, void *ctx);

/* READY=1 with a fresh STATUS=: started, or a reload finished (or the
 * running configuration was kept). */
void notify_ready(struct notify *n);

/* RELOADING=1 with MONOTONIC_USEC= (systemd >= 253 matches it to the
 * reload request; older versions ignore the field). */
void notify_reloading(struct notify *n);

/* STOPPING=1, once. */
void notify_stopping(struct notify *n);

/* Send STATUS= now if the counters changed (a state change). */
void notify_status(struct notify *n);

/* Close the timers (uv_close); the loop finishes them. */
void notify_close(struct notify *n);

#else

static inline void
notify_init(struct notify *n, uv_loop_t *loop, notify_counters_fn *counters,
            void *ctx)
{
    (void)n;
    (void)loop;
    (void)counters;
    (void)ctx;
}

static inline void
notify_ready(struct notify *n)
{
    (void)n;
}

static inline void
notify_reloading(struct notify *n)
{
    (void)n;
}

static inline void
notify_stopping(struct notify *n)
{
    (void)n;
}

static inline void
notify_status(struct notify *n)
{
    (void)n;
}

static inline void
notify_close(struct notify *n)
{
    (void)n;
}

#endif

#endif
