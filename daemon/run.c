/*
 * run.c - the daemon: sources -> pipeline -> sinks on one libuv loop, with
 * checkpoints, graceful stop (SIGTERM/SIGINT) and reload (SIGHUP).
 *
 * Checkpoints are a barrier (DESIGN 4): every CHECKPOINT_INTERVAL_MS the
 * sources mark their position, the sinks flush, and only when every write
 * before the mark has completed do the sources commit the mark.  A crash
 * therefore repeats at most one interval of records and never skips one.
 *
 * Reload keeps the old configuration unless the new file is valid; a valid
 * one replaces sources and sinks behind the same barrier (positions are
 * committed first, so the new sources resume where the old ones stopped).
 * The session table survives reloads, and so does the control socket
 * (re-bound only when control_socket or control_group changed).
 *
 * Under systemd (notify.h) READY=1 follows the opening of every source,
 * RELOADING=1 and READY=1 bracket a reload, STOPPING=1 starts a stop;
 * sockets passed by socket activation (listen_fds.h) go to the syslog
 * sources, and those none took are closed after the first start.
 *
 * Open sessions survive restarts (state.h): restored from state_dir
 * before any source opens, so the first events find their sessions; saved
 * every STATE_SAVE_INTERVAL_MS, and in one go at stop after the final
 * flush, when nothing feeds the table any more.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "../model/mem.h"
#include "../model/session.h"
#include "config.h"
#include "control.h"
#include "daemon.h"
#include "listen_fds.h"
#include "log.h"
#include "loopstat.h"
#include "notify.h"
#include "pipeline.h"
#include "sinkset.h"
#include "source.h"
#include "sources/source_util.h"
#include "state.h"

#define CHECKPOINT_INTERVAL_MS 1000
/* A crash repeats at most this many records of the sources that keep a
 * checkpoint, however fast they read (plus the rest of the read that
 * crossed the line, which a source finishes): a barrier is due after half
 * of them, and a source that reaches them while the barrier's commit is
 * still being written waits for it. */
#define CHECKPOINT_RECORDS 50000
#define EXPIRE_INTERVAL_MS 1000

enum run_phase {
    PHASE_RUNNING = 0,
    PHASE_BARRIER,  /* a checkpoint barrier is in flight */
    PHASE_STOPPING, /* tearing down for stop or reload */
};

struct dsource {
    struct daemon *d;
    struct source *src;
    struct parse_ctx *pctx;
    const struct config_source *cfg;
    int commit_r; /* the last commit() */
};

struct daemon {
    uv_loop_t loop;
    const char *cfg_path;
    bool cfg_explicit;
    struct config *cfg;      /* the running configuration */
    struct config *next_cfg; /* a reload waiting for teardown */
    struct session_table *sessions;
    struct pipeline pipe;
    struct sinkset sinks;
    struct control *ctl; /* NULL: no control socket */
    struct dsource *srcs;
    size_t n_srcs;
    size_t closing_srcs;
    uv_signal_t sig_term, sig_int, sig_hup;
    uv_timer_t ckpt_timer, expire_timer;
    uv_check_t ckpt_check;  /* starts a barrier due by record count */
    uv_work_t commit_work;  /* a barrier's commits, on the thread pool */
    uint64_t since_ckpt;    /* checkpointed records since the last mark */
    uint64_t uncommitted;   /* ... since the last committed mark */
    uint64_t in_barrier;    /* since_ckpt at the mark being committed */
    bool read_committed;    /* a mark after some records was committed */
    int64_t clock_event_us; /* newest event time at the last expiry tick */
    int64_t clock_wall_us;  /* wall time when it last moved */
    enum run_phase phase;
    bool stop_requested;
    bool reload_requested;
    bool started;      /* a configuration ran: the sessions are worth saving */
    bool falling_back; /* a reload failed: restarting the old one */
    struct config *failed_cfg; /* the new config that could not start */
    int status;
    struct state_saver saver;
    struct notify notify;
    struct loopstat loopstat;
    uint64_t closed_sinks_dropped; /* drops of sinks closed by reloads */
    bool sinks_closing;            /* sinkset_close in flight */
};

/* True when the source should pause: a sink is congested, or a crash now
 * would repeat more than CHECKPOINT_RECORDS of its records. */
static bool
source_emit_cb(void *ctx, struct source *src, const struct raw_record *rec)
{
    struct dsource *ds = ctx;
    struct daemon *d = ds->d;
    bool congested;

    /* Past the final mark of a stop or reload, a source that keeps a
     * position is read again from that mark after the restart: a record
     * of it now (a read that was in flight) would be written twice. */
    if (d->phase == PHASE_STOPPING && src->ops->commit != NULL)
        return true;
    congested = pipeline_record(&d->pipe, ds->pctx, rec);
    if (src->ops->commit == NULL)
        return congested; /* nothing of it is read again after a crash */
    d->since_ckpt++;
    d->uncommitted++;
    return congested || d->uncommitted >= CHECKPOINT_RECORDS;
}

static void
source_diag_cb(void *ctx, struct source *src, int prio, const char *msg)
{
    struct dsource *ds = ctx;

    (void)src;
    log_msg(prio, "source '%s': %s", ds->cfg->name, msg);
}

/* Let the sources read again (sinks drained, or a checkpoint committed)
 * unless stopping or a sink is still congested. */
static void
sinks_drained_cb(void *arg)
{
    struct daemon *d = arg;

    if (d->phase == PHASE_STOPPING || pipeline_congested(&d->pipe) ||
        d->uncommitted >= CHECKPOINT_RECORDS)
        return;
    for (size_t i = 0; i < d->n_srcs; i++)
        if (d->srcs[i].src != NULL && d->srcs[i].src->ops->resume != NULL)
            d->srcs[i].src->ops->resume(d->srcs[i].src);
}

static int
open_sources(struct daemon *d)
{
    d->srcs =
        mem_calloc(d->cfg->n_sources ? d->cfg->n_sources : 1, sizeof(*d->srcs));
    if (d->srcs == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < d->cfg->n_sources; i++) {
        const struct config_source *c = &d->cfg->sources[i];
        const struct source_ops *ops = source_type_find(c->type);
        struct dsource *ds = &d->srcs[d->n_srcs];
        struct source_env env = {.emit = source_emit_cb,
                                 .ctx = ds,
                                 .state_dir = d->cfg->state_dir,
                                 .diag = source_diag_cb};
        int err = 0, r;

        ds->d = d;
        ds->cfg = c;
        ds->pctx = parse_ctx_new(c->format, &err);
        if (ops == NULL || ds->pctx == NULL) {
            log_err("source '%s': cannot start: %s", c->name,
                    ops == NULL ? "unknown type" : strerror(-err));
            parse_ctx_free(ds->pctx);
            return -EINVAL;
        }
        r = ops->open(&d->loop, c, &env, &ds->src);
        if (r == -ENOTSUP) {
            /* An optional part not built in (the journal without
             * libsystemd): say so, run everything else. */
            log_err("source '%s': %s support not built", c->name, c->type);
            parse_ctx_free(ds->pctx);
            continue;
        }
        if (r < 0) {
            log_err("source '%s': cannot open: %s", c->name, uv_strerror(r));
            parse_ctx_free(ds->pctx);
            return r;
        }
        ds->src->ops = ops;
        ds->src->cfg = c;
        d->n_srcs++;
    }
    return 0;
}

static void mark_sources(struct daemon *d);
static void commit_sources(struct daemon *d);
static void teardown(struct daemon *d);
static int64_t control_now_cb(void *ctx);
static void control_stats_cb(void *ctx, struct buf *b);

/* Serve the configured control socket; a failure is only a warning. */
static void
control_apply(struct daemon *d)
{
    const char *path = d->cfg->control_socket;
    struct control_env env = {.sessions = d->sessions,
                              .now_us = control_now_cb,
                              .stats = control_stats_cb,
                              .ctx = d};

    if (control_same(d->ctl, path, d->cfg->control_group))
        return;
    control_close(d->ctl);
    d->ctl = NULL;
    if (path != NULL && path[0] != '\0')
        control_open(&d->loop, path, d->cfg->control_group, &env, &d->ctl);
}

static int
start(struct daemon *d)
{
    int r;

    d->pipe.stopping = false;
    state_saver_set_dir(&d->saver, d->cfg->state_dir);
    d->sinks.drained_cb = sinks_drained_cb;
    d->sinks.drained_arg = d;
    /* Sources first: what fails at open is mostly theirs (a port in use
     * or below 1024 without the capability), and then no sink file has
     * been created.  None reads before the loop runs again, so every
     * record finds the sinks. */
    r = open_sources(d);
    if (r == 0)
        r = sinkset_open(&d->sinks, &d->loop, d->cfg);
    if (r == 0) {
        pipeline_set_sinks(&d->pipe, d->sinks.sinks, d->sinks.n);
        control_apply(d);
    }
    if (r == 0 && d->cfg->n_sources == 0)
        log_warn("no sources configured and no local log found");
    return r;
}

static void commit_run(struct daemon *d);
static void commit_report(struct daemon *d);

/*
 * A barrier's commits run on the thread pool: a checkpoint is written,
 * fsynced and renamed and its directory fsynced, and an fsync waits for
 * the disk (on ext4 for a journal commit, 50 to 100 ms and more while
 * other files are written), which on the loop would hold every source,
 * sink and client.  commit() only reads what mark() copied, which nothing
 * changes before the next barrier, and no barrier, stop or reload starts
 * until this one is done (phase stays PHASE_BARRIER).
 */
static void
commit_work_cb(uv_work_t *w)
{
    commit_run(w->data);
}

static void
commit_after_cb(uv_work_t *w, int status)
{
    struct daemon *d = w->data;

    (void)status; /* never cancelled */
    commit_report(d);
    /* Counted as saved even when the save failed: a broken state_dir is
     * reported, and must not stop the reading. */
    d->uncommitted -= d->in_barrier;
    if (d->in_barrier > 0)
        d->read_committed = true;
    d->in_barrier = 0;
    if (d->phase == PHASE_BARRIER)
        d->phase = PHASE_RUNNING;
    if (d->stop_requested || d->reload_requested)
        teardown(d);
    else
        sinks_drained_cb(d);
}

static void
barrier_done_cb(void *arg)
{
    struct daemon *d = arg;

    d->commit_work.data = d;
    if (uv_queue_work(&d->loop, &d->commit_work, commit_work_cb,
                      commit_after_cb) < 0) {
        commit_run(d);
        commit_after_cb(&d->commit_work, 0);
    }
}

static void
start_barrier(struct daemon *d)
{
    if (d->phase != PHASE_RUNNING)
        return;
    d->phase = PHASE_BARRIER;
    d->in_barrier = d->since_ckpt;
    d->since_ckpt = 0;
    mark_sources(d);
    sinkset_flush(&d->sinks, barrier_done_cb, d);
}

static void
ckpt_timer_cb(uv_timer_t *t)
{
    start_barrier(t->data);
}

/* After each loop turn's I/O: a barrier is due when enough records went
 * by (checked here, not inside a source's emit, so no source is
 * re-entered while it is reading), and after the first turn that read
 * any: a journal read from its head has no position to save until then,
 * and a crash before its first checkpoint would read it all again. */
static void
ckpt_check_cb(uv_check_t *c)
{
    struct daemon *d = c->data;

    if (d->since_ckpt >= CHECKPOINT_RECORDS / 2 ||
        (d->since_ckpt > 0 && !d->read_committed))
        start_barrier(d);
}

/*
 * Sessions age by event time, not by the collector's clock: a file read
 * from the beginning, or a host whose clock is off, must not expire every
 * session at once.  The session clock is the newest event time seen,
 * advanced by the wall time that passed since it last moved, so idle
 * sessions still expire when the logs go quiet.
 */
static void
expire_timer_cb(uv_timer_t *t)
{
    struct daemon *d = t->data;
    int64_t wall = source_now_us();

    if (d->pipe.max_time_us == EVENT_TIME_UNSET)
        return;
    if (d->pipe.max_time_us != d->clock_event_us) {
        d->clock_event_us = d->pipe.max_time_us;
        d->clock_wall_us = wall;
    }
    pipeline_expire(&d->pipe, d->clock_event_us + (wall - d->clock_wall_us));
}

/* The session clock as the next expiry tick will see it, for idle times. */
static int64_t
control_now_cb(void *ctx)
{
    struct daemon *d = ctx;
    int64_t wall = source_now_us();

    if (d->pipe.max_time_us == EVENT_TIME_UNSET)
        return wall;
    if (d->pipe.max_time_us != d->clock_event_us)
        return d->pipe.max_time_us;
    return d->clock_event_us + (wall - d->clock_wall_us);
}

/* Counters for the control socket.  While stopping or reloading, the
 * sources and sinks are being freed: only the pipeline and the sessions
 * are reported. */
static void
control_stats_cb(void *ctx, struct buf *b)
{
    struct daemon *d = ctx;
    struct source_counters sc;
    struct parse_counters pc;
    struct sink_counters kc;
    struct session_stats st;

    for (size_t i = 0; d->phase != PHASE_STOPPING && i < d->n_srcs; i++) {
        struct dsource *ds = &d->srcs[i];

        memset(&sc, 0, sizeof(sc));
        if (ds->src->ops->counters != NULL)
            ds->src->ops->counters(ds->src, &sc);
        parse_ctx_counters(ds->pctx, &pc);
        control_stats_source(b, ds->cfg->name, ds->cfg->type, &sc, &pc);
    }
    for (size_t i = 0; d->phase != PHASE_STOPPING && i < d->sinks.n; i++) {
        struct sink *k = d->sinks.sinks[i];

        memset(&kc, 0, sizeof(kc));
        if (k->ops->counters != NULL)
            k->ops->counters(k, &kc);
        control_stats_sink(b, k->cfg->name, k->cfg->type, &kc);
    }
    control_stats_pipeline(b, &d->pipe.counters);
    session_table_stats(d->sessions, &st);
    control_stats_sessions(b, &st);
    control_stats_loop(b, &d->loopstat.c);
}

/* STATUS= counters; the sinks are not read while they are being closed. */
static void
notify_counters_cb(void *ctx, struct notify_counters *ret)
{
    struct daemon *d = ctx;
    struct session_stats st;
    struct sink_counters kc;
    uint64_t dropped = d->closed_sinks_dropped;

    for (size_t i = 0; !d->sinks_closing && i < d->sinks.n; i++) {
        memset(&kc, 0, sizeof(kc));
        if (d->sinks.sinks[i]->ops->counters != NULL)
            d->sinks.sinks[i]->ops->counters(d->sinks.sinks[i], &kc);
        dropped += kc.dropped;
    }
    session_table_stats(d->sessions, &st);
    *ret = (struct notify_counters){.records = d->pipe.counters.records,
                                    .events = d->pipe.counters.events,
                                    .open_sessions = st.open_now,
                                    .dropped = dropped};
}

static void
mark_sources(struct daemon *d)
{
    for (size_t i = 0; i < d->n_srcs; i++)
        if (d->srcs[i].src->ops->mark != NULL)
            d->srcs[i].src->ops->mark(d->srcs[i].src);
}

/* Save the marked positions; no logging: it may run on the pool. */
static void
commit_run(struct daemon *d)
{
    for (size_t i = 0; i < d->n_srcs; i++) {
        struct dsource *ds = &d->srcs[i];

        ds->commit_r =
            ds->src->ops->commit != NULL ? ds->src->ops->commit(ds->src) : 0;
    }
}

static void
commit_report(struct daemon *d)
{
    for (size_t i = 0; i < d->n_srcs; i++)
        if (d->srcs[i].commit_r < 0)
            log_err("source '%s': cannot save checkpoint in %s: %s",
                    d->srcs[i].cfg->name, d->cfg->state_dir,
                    strerror(-d->srcs[i].commit_r));
}

static void
commit_sources(struct daemon *d)
{
    commit_run(d);
    commit_report(d);
}

static void
close_handles(struct daemon *d)
{
    control_close(d->ctl);
    d->ctl = NULL;
    state_saver_close(&d->saver);
    notify_close(&d->notify);
    loopstat_stop(&d->loopstat);
    uv_close((uv_handle_t *)&d->sig_term, NULL);
    uv_close((uv_handle_t *)&d->sig_int, NULL);
    uv_close((uv_handle_t *)&d->sig_hup, NULL);
    uv_close((uv_handle_t *)&d->ckpt_timer, NULL);
    uv_close((uv_handle_t *)&d->expire_timer, NULL);
    uv_close((uv_handle_t *)&d->ckpt_check, NULL);
}

/*
 * Start cfg after a reload's teardown.  `old` is the configuration that ran
 * before (owned here now): freed once cfg runs.  When cfg cannot start (a
 * sink path that cannot be opened...), the old one is started again; when
 * that fails too, the daemon stops with EXIT_CONFIG.
 */
static void
restart_with(struct daemon *d, struct config *cfg, struct config *old)
{
    d->cfg = cfg;
    d->phase = PHASE_RUNNING;
    d->reload_requested = false;
    if (start(d) == 0) {
        if (d->falling_back)
            log_notice("running the previous configuration again");
        else
            log_notice("configuration %s loaded", cfg->path ? cfg->path : "");
        d->falling_back = false;
        config_free(old);
        notify_ready(&d->notify);
        return;
    }
    if (!d->falling_back && old != NULL) {
        log_err("cannot start the new configuration; going back to the "
                "running one");
        d->falling_back = true;
        d->next_cfg = old;
        d->reload_requested = true;
        d->failed_cfg = cfg;
        teardown(d);
        return;
    }
    config_free(old);
    d->status = EXIT_CONFIG;
    d->stop_requested = true;
    teardown(d);
}

static void
sinks_closed_cb(void *arg)
{
    struct daemon *d = arg;
    struct config *next = d->next_cfg, *old;

    d->sinks_closing = false;
    mem_free(d->srcs);
    d->srcs = NULL;
    d->n_srcs = 0;
    pipeline_set_sinks(&d->pipe, NULL, 0);
    if (d->stop_requested || next == NULL) {
        if (d->started)
            state_save_final(&d->saver);
        close_handles(d);
        return;
    }
    d->next_cfg = NULL;
    old = d->failed_cfg != NULL ? d->failed_cfg : d->cfg;
    d->failed_cfg = NULL;
    restart_with(d, next, old);
}

static void
source_closed_cb(void *arg)
{
    struct daemon *d = arg;
    struct notify_counters c;

    if (--d->closing_srcs > 0)
        return;
    notify_counters_cb(d, &c); /* the drops of the sinks about to go */
    d->closed_sinks_dropped = c.dropped;
    d->sinks_closing = true;
    sinkset_close(&d->sinks, sinks_closed_cb, d);
}

/* Sinks flushed after the final mark: commit, then close sources. */
static void
final_flush_cb(void *arg)
{
    struct daemon *d = arg;

    commit_sources(d);
    d->since_ckpt = d->uncommitted = 0; /* every position is saved */
    d->closing_srcs = d->n_srcs + 1;
    for (size_t i = 0; i < d->n_srcs; i++) {
        parse_ctx_free(d->srcs[i].pctx);
        d->srcs[i].src->ops->close(d->srcs[i].src, source_closed_cb, d);
    }
    source_closed_cb(d);
}

/*
 * Stop reading, save positions behind the barrier, close sources and
 * sinks; then either leave the loop or start the next configuration.
 */
static void
teardown(struct daemon *d)
{
    if (d->stop_requested)
        notify_stopping(&d->notify);
    if (d->phase == PHASE_BARRIER)
        return; /* barrier_done_cb calls us again */
    if (d->phase == PHASE_STOPPING)
        return;
    d->phase = PHASE_STOPPING;
    d->pipe.stopping = true;
    mark_sources(d);
    sinkset_flush(&d->sinks, final_flush_cb, d);
}

static void
signal_cb(uv_signal_t *h, int signum)
{
    struct daemon *d = h->data;
    char err[CONFIG_ERR_MAX];
    struct config *cfg = NULL;

    if (signum != SIGHUP) {
        log_notice("stopping on signal %d", signum);
        d->stop_requested = true;
        teardown(d);
        return;
    }
    if (d->reload_requested || d->stop_requested) {
        sinkset_reopen(&d->sinks);
        return;
    }
    notify_reloading(&d->notify);
    if (d->cfg->path == NULL) {
        sinkset_reopen(&d->sinks);
        notify_ready(&d->notify);
        return;
    }
    if (config_load(d->cfg->path, &cfg, err, sizeof(err)) < 0 ||
        config_check_run(cfg, err, sizeof(err)) < 0) {
        config_free(cfg);
        log_err("reload failed, keeping the running configuration: %s", err);
        sinkset_reopen(&d->sinks);
        notify_ready(&d->notify);
        return;
    }
    d->next_cfg = cfg;
    d->reload_requested = true;
    teardown(d);
}

static void
init_handles(struct daemon *d)
{
    uv_signal_init(&d->loop, &d->sig_term);
    uv_signal_init(&d->loop, &d->sig_int);
    uv_signal_init(&d->loop, &d->sig_hup);
    uv_timer_init(&d->loop, &d->ckpt_timer);
    uv_timer_init(&d->loop, &d->expire_timer);
    d->sig_term.data = d->sig_int.data = d->sig_hup.data = d;
    uv_check_init(&d->loop, &d->ckpt_check);
    d->ckpt_timer.data = d->expire_timer.data = d->ckpt_check.data = d;
    uv_unref((uv_handle_t *)&d->ckpt_check);
    uv_check_start(&d->ckpt_check, ckpt_check_cb);
    uv_signal_start(&d->sig_term, signal_cb, SIGTERM);
    uv_signal_start(&d->sig_int, signal_cb, SIGINT);
    uv_signal_start(&d->sig_hup, signal_cb, SIGHUP);
    /* The first barrier runs on the first turn, before anything is read:
     * a file source tailed from its end saves where it started, so a
     * crash within the first interval does not skip to the new end. */
    uv_timer_start(&d->ckpt_timer, ckpt_timer_cb, 0, CHECKPOINT_INTERVAL_MS);
    uv_timer_start(&d->expire_timer, expire_timer_cb, EXPIRE_INTERVAL_MS,
                   EXPIRE_INTERVAL_MS);
    state_saver_init(&d->saver, &d->loop, d->sessions, &d->pipe.counters.events,
                     d->cfg->state_dir);
    notify_init(&d->notify, &d->loop, notify_counters_cb, d);
    if (loopstat_start(&d->loopstat, &d->loop) < 0)
        log_warn("cannot measure the event loop's turns");
}

int
run_main(const char *path, bool explicit_path)
{
    struct daemon d = {.cfg_path = path, .cfg_explicit = explicit_path};
    struct session_limits lim;
    char err[CONFIG_ERR_MAX];

    d.cfg = daemon_load_config(path, explicit_path,
                               isatty(STDOUT_FILENO) ? "text" : "json");
    if (d.cfg == NULL)
        return EXIT_CONFIG;
    if (config_check_run(d.cfg, err, sizeof(err)) < 0) {
        log_err("%s", err);
        config_free(d.cfg);
        return EXIT_CONFIG;
    }
    lim = (struct session_limits){
        .idle_timeout_us = d.cfg->idle_timeout * 1000000,
        .max_open = (size_t)d.cfg->max_open,
        .include_system_accounts = d.cfg->include_system_accounts,
    };
    d.sessions = session_table_new(&lim);
    if (d.sessions == NULL || state_load(d.sessions, d.cfg->state_dir) < 0) {
        session_table_free(d.sessions);
        config_free(d.cfg);
        return EXIT_SOFTWARE;
    }
    uv_loop_init(&d.loop);
    pipeline_init(&d.pipe, d.sessions);
    init_handles(&d);
    if (listen_fds_init() < 0)
        log_warn("cannot take the sockets passed by systemd");
    if (start(&d) < 0) {
        d.status = EXIT_CONFIG;
        d.stop_requested = true;
        teardown(&d);
    } else {
        /* Every source is open (start() opens them synchronously). */
        d.started = true;
        listen_fds_close_unused();
        notify_ready(&d.notify);
        log_info("running with %zu sources and %zu sinks", d.cfg->n_sources,
                 d.cfg->n_sinks);
    }
    uv_run(&d.loop, UV_RUN_DEFAULT);
    pipeline_done(&d.pipe);
    session_table_free(d.sessions);
    config_free(d.cfg);
    config_free(d.next_cfg);
    config_free(d.failed_cfg);
    if (uv_loop_close(&d.loop) != 0)
        log_err("handles left open at exit");
    return d.status;
}
