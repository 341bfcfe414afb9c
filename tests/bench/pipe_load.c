/*
 * pipe_load.c - event throughput of the whole pipeline against the size of
 * the session table (issue 5), without the noise of I/O: an auth.log held
 * in memory goes line by line through the real parsers (parse_record), the
 * real pipeline (pipeline_event, pipeline_expire as replay calls them), the
 * session engine and the JSON renderer of the sink format.  The rendered
 * lines are counted and discarded: what a file sink's write(2) costs is
 * bench_replay.sh's figure, and at a million sessions the megabytes the
 * opening lines write would time the page cache's writeback, not the table.
 *
 *   pipe_load FILE OPENING_LINES RUNS
 *
 * Each run builds a fresh table, feeds the first OPENING_LINES lines
 * untimed (gen_authlog's OPEN sessions), then times the rest in CPU time
 * of the process: it is single-threaded, and a 2-core VM running other
 * work would otherwise time the scheduler.  Prints
 * "name=value" lines: lines_per_s and events_per_s of the best run, and
 * the counts, which must be the same at every size of the opening.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../daemon/config.h"
#include "../../daemon/pipeline.h"
#include "../../model/mem.h"
#include "../../parsers/registry.h"
#include "../../sinks/sink.h"

/* Idle timeout and table bound of the runs: nothing expires or is evicted
 * (the same as bench_sessions.sh's replay configuration). */
#define PIPE_IDLE_US (365LL * 86400 * 1000000)
#define PIPE_MAX_OPEN 4000000u
/* Largest input read into memory. */
#define PIPE_FILE_MAX (4ull << 30)

struct input {
    char *data;
    size_t len;
    const char **line; /* start of each line */
    uint32_t *line_len;
    size_t n;
    int64_t mtime_us;
};

/* The sink: the JSON format's renderings are counted, then dropped. */
struct count_sink {
    struct sink sink;
    uint64_t lines, bytes;
};

static int
count_write(struct sink *sink, struct strv line)
{
    struct count_sink *c = (struct count_sink *)sink;

    c->lines++;
    c->bytes += line.n + 1;
    return 0;
}

static bool
count_congested(const struct sink *sink)
{
    (void)sink;
    return false;
}

static const struct sink_ops count_ops = {
    .name = "count",
    .write = count_write,
    .congested = count_congested,
};

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
input_read(const char *path, struct input *in)
{
    struct stat st;
    size_t got = 0, cap = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

    if (fd < 0 || fstat(fd, &st) < 0) {
        rc = -errno;
        goto out;
    }
    if ((uint64_t)st.st_size > PIPE_FILE_MAX) {
        rc = -EFBIG;
        goto out;
    }
    in->mtime_us = (int64_t)st.st_mtim.tv_sec * 1000000;
    in->data = malloc((size_t)st.st_size + 1);
    if (in->data == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, in->data + got, (size_t)st.st_size - got);

        if (n <= 0) {
            rc = n < 0 ? -errno : -EIO;
            goto out;
        }
        got += (size_t)n;
    }
    in->len = got;
    for (size_t i = 0; i < got;) {
        char *nl = memchr(in->data + i, '\n', got - i);
        size_t end = nl ? (size_t)(nl - in->data) : got;

        if (in->n == cap) {
            cap = cap ? 2 * cap : 1 << 16;
            in->line = realloc(in->line, cap * sizeof(*in->line));
            in->line_len = realloc(in->line_len, cap * sizeof(*in->line_len));
            if (in->line == NULL || in->line_len == NULL) {
                rc = -ENOMEM;
                goto out;
            }
        }
        in->line[in->n] = in->data + i;
        in->line_len[in->n++] = (uint32_t)(end - i);
        i = end + 1;
    }
out:
    if (fd >= 0)
        close(fd);
    return rc;
}

/* Parse and deliver lines [from, to) the way replay does. */
static void
feed(struct pipeline *p, struct parse_ctx *ctx, const struct input *in,
     size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        struct raw_record rec = {
            .kind = RECORD_TEXT,
            .data = in->line[i],
            .len = in->line_len[i],
            .ref_time_us = in->mtime_us,
            .offset = (uint64_t)(in->line[i] - in->data),
            .has_offset = true,
        };
        struct event ev;

        p->counters.records++;
        if (parse_record(ctx, &rec, &ev) != PARSE_EVENT)
            continue;
        if (ev.time_us > p->max_time_us)
            pipeline_expire(p, ev.time_us);
        pipeline_event(p, &ev);
    }
}

struct run_result {
    double secs;
    uint64_t events, sessions, out_lines, open_now;
};

static int
run_once(const struct input *in, size_t opening, struct run_result *r)
{
    struct session_limits lim = {.idle_timeout_us = PIPE_IDLE_US,
                                 .max_open = PIPE_MAX_OPEN};
    struct config_sink cfg = {.records_mask = CONFIG_RECORDS_EVENTS |
                                              CONFIG_RECORDS_SESSIONS};
    struct count_sink cs = {.sink = {.ops = &count_ops, .cfg = &cfg}};
    struct sink *sinks[1] = {&cs.sink};
    struct session_table *t = session_table_new(&lim);
    struct parse_ctx *ctx = parse_ctx_new("auto", NULL);
    struct session_stats st;
    struct pipeline p;
    uint64_t ev0, se0, out0;
    double t0;
    int rc = 0;

    if (t == NULL || ctx == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    cs.sink.format = sink_format_find("json");
    pipeline_init(&p, t);
    pipeline_set_sinks(&p, sinks, 1);
    feed(&p, ctx, in, 0, opening);
    ev0 = p.counters.events;
    se0 = p.counters.sessions;
    out0 = cs.lines;
    t0 = now_s();
    feed(&p, ctx, in, opening, in->n);
    r->secs = now_s() - t0;
    r->events = p.counters.events - ev0;
    r->sessions = p.counters.sessions - se0;
    r->out_lines = cs.lines - out0;
    session_table_stats(t, &st);
    r->open_now = st.open_now;
    pipeline_done(&p);
out:
    parse_ctx_free(ctx);
    session_table_free(t);
    return rc;
}

int
main(int argc, char **argv)
{
    struct input in = {0};
    struct run_result best = {0};
    char *end;
    unsigned long opening, runs;
    int rc;

    if (argc != 4) {
        fputs("usage: pipe_load FILE OPENING_LINES RUNS\n", stderr);
        return 64;
    }
    opening = strtoul(argv[2], &end, 10);
    runs = strtoul(argv[3], &end, 10);
    rc = input_read(argv[1], &in);
    if (rc == 0 && opening >= in.n)
        rc = -EINVAL;
    for (unsigned long run = 1; rc == 0 && run <= runs; run++) {
        struct run_result r = {0};

        rc = run_once(&in, opening, &r);
        if (rc < 0)
            break;
        printf("pipe.run%lu.lines_per_s=%.0f\n", run,
               (double)(in.n - opening) / r.secs);
        if (run > 1 &&
            (r.events != best.events || r.out_lines != best.out_lines)) {
            fprintf(stderr, "pipe_load: runs disagree\n");
            rc = -EPROTO;
        }
        if (best.secs == 0 || r.secs < best.secs)
            best = r;
    }
    if (rc == 0) {
        printf("pipe.lines=%zu\npipe.events=%" PRIu64
               "\npipe.session_records=%" PRIu64 "\npipe.out_lines=%" PRIu64
               "\npipe.open_at_end=%" PRIu64 "\n",
               in.n - opening, best.events, best.sessions, best.out_lines,
               best.open_now);
        printf("pipe.lines_per_s=%.0f\npipe.events_per_s=%.0f\n",
               (double)(in.n - opening) / best.secs,
               (double)best.events / best.secs);
    } else {
        fprintf(stderr, "pipe_load: %s: %s\n", argv[1], strerror(-rc));
    }
    free(in.data);
    free(in.line);
    free(in.line_len);
    return rc == 0 ? 0 : 1;
}
