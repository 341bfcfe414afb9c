/*
 * notify.c - sd_notify(3) messages to the service manager (see notify.h).
 *
 *   READY=1
 *   STATUS=records 120455, events 3012, open sessions 41, dropped 0
 *   WATCHDOG=1
 *   RELOADING=1
 *   MONOTONIC_USEC=81234567890
 *
 * The watchdog is pinged from a timer of the daemon's own loop, so a loop
 * that hangs stops the pings and systemd restarts the service
 * (WatchdogSec= in systemd.service(5)); half the interval leaves room for
 * one late turn.
 */
#ifdef HAVE_SYSTEMD

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>
#include <uv.h>

#include "notify.h"

/* STATUS= is refreshed this often while nothing else changes it. */
#define NOTIFY_STATUS_MS 5000
#define US_PER_MS 1000
#define US_PER_S 1000000
#define NS_PER_US 1000

static void
watchdog_cb(uv_timer_t *t)
{
    (void)t;
    sd_notify(0, "WATCHDOG=1");
}

/* "STATUS=records N, events N, open sessions N, dropped N" into dst. */
static void
status_text(struct notify *n, char *dst, size_t dstlen)
{
    struct notify_counters c = {0};

    n->counters(n->ctx, &c);
    snprintf(dst, dstlen,
             "records %" PRIu64 ", events %" PRIu64 ", open sessions %" PRIu64
             ", dropped %" PRIu64,
             c.records, c.events, c.open_sessions, c.dropped);
}

/* Send `head` (may be empty) with STATUS=, the status only if it changed
 * unless `head` is set. */
static void
send_with_status(struct notify *n, const char *head)
{
    char text[sizeof(n->last)];

    status_text(n, text, sizeof(text));
    if (head[0] == '\0' && strcmp(text, n->last) == 0)
        return;
    memcpy(n->last, text, sizeof(text));
    sd_notifyf(0, "%sSTATUS=%s", head, text);
}

static void
status_cb(uv_timer_t *t)
{
    notify_status(t->data);
}

/* Start pings and STATUS= refresh; see notify.h. */
void
notify_init(struct notify *n, uv_loop_t *loop, notify_counters_fn *counters,
            void *ctx)
{
    uint64_t usec = 0;

    memset(n, 0, sizeof(*n));
    n->counters = counters;
    n->ctx = ctx;
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
        uint64_t every = usec / 2 / US_PER_MS;

        uv_timer_init(loop, &n->watchdog);
        n->watchdog_init = true;
        uv_timer_start(&n->watchdog, watchdog_cb, 0, every > 0 ? every : 1);
    }
    if (getenv("NOTIFY_SOCKET") == NULL)
        return; /* not under systemd: no one to tell */
    uv_timer_init(loop, &n->status);
    n->status_init = true;
    n->status.data = n;
    uv_timer_start(&n->status, status_cb, NOTIFY_STATUS_MS, NOTIFY_STATUS_MS);
}

/* READY=1; see notify.h. */
void
notify_ready(struct notify *n)
{
    if (!n->stopping)
        send_with_status(n, "READY=1\n");
}

/* RELOADING=1; see notify.h. */
void
notify_reloading(struct notify *n)
{
    struct timespec ts;

    if (n->stopping)
        return;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%" PRIu64,
               (uint64_t)ts.tv_sec * US_PER_S +
                   (uint64_t)ts.tv_nsec / NS_PER_US);
}

/* STOPPING=1; see notify.h. */
void
notify_stopping(struct notify *n)
{
    if (n->stopping)
        return;
    n->stopping = true;
    send_with_status(n, "STOPPING=1\n");
}

/* STATUS= if changed; see notify.h. */
void
notify_status(struct notify *n)
{
    if (n->counters != NULL)
        send_with_status(n, "");
}

/* Close the timers; see notify.h. */
void
notify_close(struct notify *n)
{
    if (n->watchdog_init)
        uv_close((uv_handle_t *)&n->watchdog, NULL);
    if (n->status_init)
        uv_close((uv_handle_t *)&n->status, NULL);
    n->watchdog_init = n->status_init = false;
}

#endif
