/*
 * replay.c - `sessiontail replay`: read files to the end, print events and
 * session records, exit (DESIGN 7).
 *
 * Several files are merged by event time (a k-way merge over one event of
 * look-ahead per file), so the logs of one host replay as the story they
 * tell.  Files are read with plain blocking reads - replay is a batch job -
 * while the sinks keep their libuv writers: the reading runs in a uv_idle
 * callback, a batch at a time, and pauses while a sink is congested, so a
 * slow output slows the replay down instead of losing records.
 *
 * What a file holds is recognised by its content: each reader (replay.h)
 * looks at the first bytes, the first that takes the file reads it; text
 * (syslog lines, JSON, Event XML) is the last and takes anything.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "../model/mem.h"
#include "../model/session.h"
#include "config.h"
#include "daemon.h"
#include "log.h"
#include "pipeline.h"
#include "replay.h"
#include "sinkset.h"

/* Smallest sink queue of a replay (bytes): the default queue_max, whose
 * last quarter holds thousands of session records. */
#define REPLAY_QUEUE_MIN (8 << 20)
/* Events delivered per loop turn before the sinks get a chance to write. */
#define REPLAY_BATCH 4096
#define REPLAY_INPUTS_MAX 1024

struct replay {
    uv_loop_t loop;
    uv_idle_t idle;
    struct config *cfg;
    struct session_table *sessions;
    struct pipeline pipe;
    struct sinkset sinks;
    struct replay_input *in;
    size_t n_in;
    bool finished;
    int status;
};

/* The readers, tried in order; text takes what no other reader took. */
static const struct replay_reader *const replay_readers[] = {
    &replay_journal_reader,
    &replay_utmp_reader,
    &replay_text_reader,
    NULL,
};

/* Parse ahead until the input yields its next event (or ends). */
static void
advance(struct replay *rp, struct replay_input *in)
{
    struct raw_record rec;

    in->has_ev = false;
    for (;;) {
        int r;

        rec = (struct raw_record){
            .source = STRV_LIT("replay"),
            .ref_time_us = in->ref_time_us,
            .tz_offset_s = in->tz_offset_s,
        };
        if (!in->reader->next(in, &rec))
            return;
        rp->pipe.counters.records++;
        r = parse_record(in->pctx, &rec, &in->ev);
        if (r == PARSE_EVENT) {
            in->has_ev = true;
            return;
        }
        if (r < 0)
            rp->pipe.counters.malformed++;
    }
}

/* The input whose look-ahead event is the oldest; NULL when all ended. */
static struct replay_input *
oldest(struct replay *rp)
{
    struct replay_input *best = NULL;

    for (size_t i = 0; i < rp->n_in; i++) {
        struct replay_input *in = &rp->in[i];

        if (in->has_ev && (best == NULL || in->ev.time_us < best->ev.time_us))
            best = in;
    }
    return best;
}

static void
all_closed_cb(void *arg)
{
    struct replay *rp = arg;

    uv_close((uv_handle_t *)&rp->idle, NULL);
}

static void
finish(struct replay *rp)
{
    uint64_t truncated = 0;

    rp->finished = true;
    uv_idle_stop(&rp->idle);
    for (size_t i = 0; i < rp->n_in; i++)
        truncated += rp->in[i].truncated;
    log_msg(LOG_INFO,
            "replayed %llu records: %llu events, %llu session records, "
            "%llu malformed, %llu lines truncated",
            (unsigned long long)rp->pipe.counters.records,
            (unsigned long long)rp->pipe.counters.events,
            (unsigned long long)rp->pipe.counters.sessions,
            (unsigned long long)rp->pipe.counters.malformed,
            (unsigned long long)truncated);
    sinkset_close(&rp->sinks, all_closed_cb, rp);
}

static void
idle_cb(uv_idle_t *h)
{
    struct replay *rp = h->data;

    for (int i = 0; i < REPLAY_BATCH; i++) {
        struct replay_input *in = oldest(rp);

        if (in == NULL) {
            finish(rp);
            return;
        }
        /* The events are the clock: what went idle before this event's
         * time ends before it (a batch boundary changes nothing). */
        if (in->ev.time_us > rp->pipe.max_time_us)
            pipeline_expire(&rp->pipe, in->ev.time_us);
        pipeline_event(&rp->pipe, &in->ev);
        advance(rp, in);
        /* After every event, not every batch: a batch of records can be
         * more than the quarter of queue_max left above the congestion
         * mark, and a replay must wait for its sinks, never drop. */
        if (pipeline_congested(&rp->pipe)) {
            uv_idle_stop(&rp->idle);
            return;
        }
    }
}

static void
drained_cb(void *arg)
{
    struct replay *rp = arg;

    if (!rp->finished && !pipeline_congested(&rp->pipe))
        uv_idle_start(&rp->idle, idle_cb);
}

static int32_t
local_offset(time_t t)
{
    struct tm tm;

    if (localtime_r(&t, &tm) == NULL)
        return 0;
    return (int32_t)tm.tm_gmtoff;
}

/* Pick the reader that takes the file from its first bytes. */
static const struct replay_reader *
pick_reader(struct replay_input *in, const struct stat *st)
{
    unsigned char head[REPLAY_HEAD_MAX];
    ssize_t n = 0;

    if (S_ISREG(st->st_mode))
        n = pread(in->fd, head, sizeof(head), 0);
    for (size_t i = 0; replay_readers[i] != NULL; i++)
        if (replay_readers[i]->detect(st, head, n > 0 ? (size_t)n : 0))
            return replay_readers[i];
    return NULL;
}

static int
open_input(struct replay_input *in, const char *path, const char *format)
{
    struct stat st;
    int err = 0;

    in->path = path;
    in->format = format;
    in->fd = strcmp(path, "-") == 0
                 ? STDIN_FILENO
                 : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (in->fd < 0 || fstat(in->fd, &st) < 0)
        return -errno;
    /* The year of a yearless syslog time is the one that puts it before the
     * file was last written; stdin has only "now". */
    in->ref_time_us =
        in->fd == STDIN_FILENO
            ? (int64_t)time(NULL) * 1000000
            : (int64_t)st.st_mtim.tv_sec * 1000000 + st.st_mtim.tv_nsec / 1000;
    in->tz_offset_s = local_offset((time_t)(in->ref_time_us / 1000000));
    in->reader = pick_reader(in, &st);
    if (in->reader == NULL)
        return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
    in->pctx =
        parse_ctx_new(in->reader->format ? in->reader->format : format, &err);
    if (in->pctx == NULL)
        return err < 0 ? err : -ENOMEM;
    return in->reader->open(in);
}

static void
close_inputs(struct replay *rp)
{
    for (size_t i = 0; i < rp->n_in; i++) {
        struct replay_input *in = &rp->in[i];

        if (in->reader != NULL)
            in->reader->close(in);
        if (in->fd > STDIN_FILENO)
            close(in->fd);
        parse_ctx_free(in->pctx);
    }
    mem_free(rp->in);
}

static void
usage_replay(FILE *f)
{
    fprintf(f,
            "usage: sessiontail replay [-o json|text] [--format F] "
            "[-c FILE] FILE|-...\n"
            "  -o, --output FMT   json or text (default: text on a terminal, "
            "json otherwise)\n"
            "  --format F         parse only format F (default: auto)\n"
            "  -c, --config FILE  write to the sinks of this sinks file\n");
}

struct replay_opts {
    const char *output;
    const char *format;
    const char *config;
};

static int
parse_opts(int argc, char **argv, struct replay_opts *o)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, 'F'},
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "o:c:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            o->output = optarg;
            break;
        case 'F':
            o->format = optarg;
            break;
        case 'c':
            o->config = optarg;
            break;
        case 'h':
            usage_replay(stdout);
            return 1;
        default:
            usage_replay(stderr);
            return -EINVAL;
        }
    }
    return 0;
}

static int
check_opts(const struct replay_opts *o, int nfiles)
{
    if (o->output && sink_format_find(o->output) == NULL) {
        log_err("replay: -o %s: expected json or text", o->output);
        return -EINVAL;
    }
    if (o->format && !parser_format_known(o->format)) {
        log_err("replay: --format %s: unknown format", o->format);
        return -EINVAL;
    }
    if (nfiles < 1 || nfiles > REPLAY_INPUTS_MAX) {
        usage_replay(stderr);
        return -EINVAL;
    }
    return 0;
}

static int
setup(struct replay *rp, const struct replay_opts *o, int nfiles, char **files)
{
    const char *out = o->output               ? o->output
                      : isatty(STDOUT_FILENO) ? "text"
                                              : "json";
    struct session_limits lim;
    int r;

    rp->cfg = daemon_load_config(o->config, o->config != NULL, out);
    if (rp->cfg == NULL)
        return -EINVAL;
    /* queue_max bounds a live daemon's memory when a sink cannot keep up;
     * a replay waits for its sinks instead, and needs room above the
     * congestion mark for the records of one event (a reboot closing a
     * host's sessions). */
    for (size_t i = 0; i < rp->cfg->n_sinks; i++)
        if (rp->cfg->sinks[i].queue_max < REPLAY_QUEUE_MIN)
            rp->cfg->sinks[i].queue_max = REPLAY_QUEUE_MIN;
    rp->in = mem_calloc((size_t)nfiles, sizeof(*rp->in));
    if (rp->in == NULL)
        return -ENOMEM;
    for (int i = 0; i < nfiles; i++) {
        rp->in[i].fd = -1;
        rp->n_in++;
        r = open_input(&rp->in[i], files[i], o->format);
        if (r < 0) {
            log_err("replay: cannot read %s: %s", files[i], strerror(-r));
            return -ENOENT;
        }
    }
    lim = (struct session_limits){
        .idle_timeout_us = rp->cfg->idle_timeout * 1000000,
        .max_open = (size_t)rp->cfg->max_open,
        .include_system_accounts = rp->cfg->include_system_accounts,
    };
    rp->sessions = session_table_new(&lim);
    if (rp->sessions == NULL)
        return -ENOMEM;
    pipeline_init(&rp->pipe, rp->sessions);
    return 0;
}

int
replay_main(int argc, char **argv)
{
    struct replay_opts o = {0};
    struct replay rp = {0};
    int r;

    r = parse_opts(argc, argv, &o);
    if (r != 0)
        return r > 0 ? 0 : EXIT_USAGE;
    if (check_opts(&o, argc - optind) < 0)
        return EXIT_USAGE;
    uv_loop_init(&rp.loop);
    r = setup(&rp, &o, argc - optind, argv + optind);
    if (r < 0) {
        rp.status = r == -EINVAL ? EXIT_CONFIG : EXIT_NOINPUT;
        goto done;
    }
    rp.sinks.drained_cb = drained_cb;
    rp.sinks.drained_arg = &rp;
    rp.sinks.lossless = true;
    if (sinkset_open(&rp.sinks, &rp.loop, rp.cfg) < 0) {
        rp.status = EXIT_CONFIG;
        sinkset_close(&rp.sinks, NULL, NULL);
        uv_run(&rp.loop, UV_RUN_DEFAULT);
        goto done;
    }
    pipeline_set_sinks(&rp.pipe, rp.sinks.sinks, rp.sinks.n);
    for (size_t i = 0; i < rp.n_in; i++)
        advance(&rp, &rp.in[i]);
    uv_idle_init(&rp.loop, &rp.idle);
    rp.idle.data = &rp;
    uv_idle_start(&rp.idle, idle_cb);
    uv_run(&rp.loop, UV_RUN_DEFAULT);
done:
    if (rp.sessions != NULL)
        pipeline_done(&rp.pipe);
    session_table_free(rp.sessions);
    close_inputs(&rp);
    config_free(rp.cfg);
    uv_run(&rp.loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&rp.loop) != 0)
        log_err("replay: handles left open at exit");
    return rp.status;
}
