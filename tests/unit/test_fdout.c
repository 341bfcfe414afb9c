/*
 * test_fdout.c - the bounded line writer of the file and stdout sinks on a
 * real libuv loop, against outputs that really fail:
 * - a file past RLIMIT_FSIZE (setrlimit(2)): the write that crosses the
 *   limit is short and the next fails with EFBIG, as on a full disk, so a
 *   line is left half written;
 * - a non-blocking pipe whose reader stops reading (EAGAIN, then no
 *   progress at all).
 * Each test checks what reached the output line by line, the counters,
 * the messages (once per episode), the queue bound, and ends with
 * uv_loop_close() == 0.  A lossless sink (replay) is checked to wait
 * instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "../../model/mem.h"
#include "../../sinks/fdout.h"
#include "testutil.h"

#define PATHLEN 512
/* Every test line is LINE_LEN bytes plus LF. */
#define LINE_LEN 100
/* The file size limit standing in for a full disk: not a multiple of
 * LINE_LEN + 1, so the write that reaches it stops inside a line. */
#define FSIZE_LIMIT 10000
#define RUN_TIMEOUT_MS 15000
#define TICK_MS 5

struct tctx {
    uv_loop_t loop;
    uv_timer_t tick;
    struct config_sink cfg;
    struct sink_env env;
    struct sink *sink;
    char *dir;
    char path[PATHLEN];
    char name[8];
    unsigned said_failed, said_full, said_stalled, said_again, diags;
    unsigned drained;
    bool closed, flushed;
    uint64_t offered; /* lines handed to the sink */
    int rd;           /* the read end of a pipe output, or -1 */
    struct buf got;   /* what was read from it */
};

static void
diag_cb(void *ctx, struct sink *sink, int prio, const char *msg)
{
    struct tctx *t = ctx;

    (void)prio;
    assert_ptr_equal(sink, t->sink);
    t->diags++;
    if (strstr(msg, "write failed") != NULL)
        t->said_failed++;
    else if (strstr(msg, "queue full") != NULL)
        t->said_full++;
    else if (strstr(msg, "nothing written") != NULL)
        t->said_stalled++;
    else if (strstr(msg, "writing again") != NULL)
        t->said_again++;
}

static void
drained_cb(void *ctx, struct sink *sink)
{
    struct tctx *t = ctx;

    (void)sink;
    t->drained++;
}

static void
tick_cb(uv_timer_t *tm)
{
    (void)tm;
}

static struct tctx *
tctx_new(int64_t queue_max)
{
    struct tctx *t = calloc(1, sizeof(*t));

    assert_non_null(t);
    assert_int_equal(uv_loop_init(&t->loop), 0);
    uv_timer_init(&t->loop, &t->tick);
    t->dir = test_tmpdir();
    assert_non_null(t->dir);
    snprintf(t->path, sizeof(t->path), "%s/out.jsonl", t->dir);
    snprintf(t->name, sizeof(t->name), "out");
    t->cfg = (struct config_sink){.name = t->name,
                                  .type = "file",
                                  .format = "json",
                                  .queue_max = queue_max,
                                  .path = t->path};
    t->env =
        (struct sink_env){.diag = diag_cb, .drained = drained_cb, .ctx = t};
    t->rd = -1;
    buf_init(&t->got, 0);
    return t;
}

static void
closed_cb(void *arg)
{
    struct tctx *t = arg;

    t->closed = true;
}

static void
flushed_cb(void *arg)
{
    struct tctx *t = arg;

    t->flushed = true;
}

static void
tctx_free(struct tctx *t)
{
    if (t->sink != NULL) {
        fdout_close(t->sink, closed_cb, t);
        while (!t->closed)
            uv_run(&t->loop, UV_RUN_ONCE);
    }
    uv_close((uv_handle_t *)&t->tick, NULL);
    uv_run(&t->loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&t->loop), 0);
    if (t->rd >= 0)
        close(t->rd);
    buf_done(&t->got);
    test_rmtree(t->dir);
    free(t->dir);
    free(t);
}

typedef bool cond_fn(struct tctx *t);

/* Run the loop until cond holds; false after RUN_TIMEOUT_MS. */
static bool
run_until(struct tctx *t, cond_fn *cond)
{
    uint64_t start = uv_now(&t->loop);
    bool ok;

    uv_timer_start(&t->tick, tick_cb, TICK_MS, TICK_MS);
    while (!(ok = cond(t)) && uv_now(&t->loop) - start < RUN_TIMEOUT_MS)
        uv_run(&t->loop, UV_RUN_ONCE);
    uv_timer_stop(&t->tick);
    return ok;
}

static struct sink_counters
counters(const struct tctx *t)
{
    struct sink_counters c;

    fdout_counters(t->sink, &c);
    return c;
}

/* Line i: its number, then padding to LINE_LEN. */
static struct strv
make_line(uint64_t i, char *buf)
{
    int n = snprintf(buf, LINE_LEN + 1, "{\"n\":%08llu,\"pad\":\"",
                     (unsigned long long)i);

    memset(buf + n, 'x', LINE_LEN - (size_t)n - 2);
    memcpy(buf + LINE_LEN - 2, "\"}", 2);
    return strv_make(buf, LINE_LEN);
}

/* Offer n more lines; returns how many were dropped. */
static unsigned
offer(struct tctx *t, unsigned n)
{
    char line[LINE_LEN + 1];
    unsigned dropped = 0;

    for (unsigned i = 0; i < n; i++)
        if (fdout_write(t->sink, make_line(t->offered++, line)) == -ENOBUFS)
            dropped++;
    return dropped;
}

/*
 * Check that data holds whole lines numbered 0, 1, 2... in order (what was
 * queued before the drops, then nothing else); returns how many.
 */
static uint64_t
check_lines(const char *data, size_t len)
{
    char want[LINE_LEN + 1];
    uint64_t n = 0;

    assert_int_equal(len % (LINE_LEN + 1), 0);
    for (size_t off = 0; off < len; off += LINE_LEN + 1, n++) {
        make_line(n, want);
        assert_memory_equal(data + off, want, LINE_LEN);
        assert_int_equal(data[off + LINE_LEN], '\n');
    }
    return n;
}

static off_t
file_size(const char *path)
{
    struct stat st;

    assert_int_equal(stat(path, &st), 0);
    return st.st_size;
}

static bool
said_failed(struct tctx *t)
{
    return t->said_failed > 0;
}

static bool
three_errors(struct tctx *t)
{
    return counters(t).errors >= 3;
}

static bool
recovered(struct tctx *t)
{
    struct sink_counters c = counters(t);

    return t->said_again > 0 && c.queued_bytes == 0;
}

/*
 * A file that cannot grow (RLIMIT_FSIZE, standing in for a full disk): the
 * half line the short write left is cut off again, so the file ends whole
 * while failing; the sink stops holding the sources and barriers back
 * after its first retry failed; it drops past queue_max and says each
 * thing once; when the file may grow again it recovers by itself, and the
 * file holds every line queued before the drops, whole, once, in order.
 */
static void
test_torn_line_full_file(void **state)
{
    struct tctx *t = tctx_new(64 * 1024);
    struct rlimit saved, lim;
    struct sink_counters c;
    unsigned dropped;
    size_t len;
    char *data;

    (void)state;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
    if (saved.rlim_max != RLIM_INFINITY && saved.rlim_max < 1024 * 1024)
        skip();
    /* Past the limit write(2) fails with EFBIG instead of the signal. */
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(
        sink_type_find("file")->open(&t->loop, &t->cfg, &t->env, &t->sink), 0);
    lim = saved;
    lim.rlim_cur = FSIZE_LIMIT;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);

    assert_int_equal(offer(t, 200), 0);
    assert_true(run_until(t, said_failed));
    /* 99 whole lines fit; the 100th was cut at the limit and removed. */
    assert_int_equal(file_size(t->path), 99 * (LINE_LEN + 1));
    c = counters(t);
    assert_int_equal(c.errors, 1);
    assert_int_equal(c.written, 99); /* the whole lines are let go */
    assert_int_equal(c.queued_bytes, 101 * (LINE_LEN + 1));
    /* Failing once holds a barrier until the retry. */
    fdout_flush(t->sink, flushed_cb, t);
    assert_false(t->flushed);

    assert_true(run_until(t, three_errors));
    assert_true(t->flushed); /* released when the retry failed too */
    assert_true(t->drained > 0);
    assert_false(fdout_congested(t->sink));
    assert_int_equal(file_size(t->path), 99 * (LINE_LEN + 1));
    assert_int_equal(t->said_failed, 1);

    /* While broken, past queue_max: drops, said once; the bound holds. */
    dropped = offer(t, 2000);
    c = counters(t);
    assert_true(dropped > 1000);
    assert_int_equal(c.dropped, dropped);
    assert_true(c.queued_bytes <= 64 * 1024);
    assert_true(((struct fdout *)t->sink)->pending.cap +
                    ((struct fdout *)t->sink)->inflight.cap <=
                2 * 64 * 1024);
    assert_int_equal(t->said_full, 1);
    assert_int_equal(t->said_again, 0);

    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
    assert_true(run_until(t, recovered));
    assert_int_equal(t->said_again, 1);
    assert_int_equal(t->said_failed, 1);
    assert_int_equal(t->said_full, 1);
    c = counters(t);
    assert_int_equal(c.written + c.dropped, t->offered);
    data = test_read_file(t->path, &len);
    assert_non_null(data);
    assert_int_equal(check_lines(data, len), c.written);
    free(data);
    tctx_free(t);
}

/*
 * A replay's sink (lossless) on the same failing file keeps the sources
 * and the flush waiting however many retries fail, drops nothing, and
 * writes everything once the file may grow again.
 */
static void
test_lossless_waits(void **state)
{
    struct tctx *t = tctx_new(16 * 1024);
    struct rlimit saved, lim;
    struct sink_counters c;
    size_t len;
    char *data;

    (void)state;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
    if (saved.rlim_max != RLIM_INFINITY && saved.rlim_max < 1024 * 1024)
        skip();
    signal(SIGXFSZ, SIG_IGN);
    t->env.lossless = true;
    assert_int_equal(
        sink_type_find("file")->open(&t->loop, &t->cfg, &t->env, &t->sink), 0);
    lim = saved;
    lim.rlim_cur = FSIZE_LIMIT;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);

    assert_int_equal(offer(t, 120), 0);
    assert_true(run_until(t, said_failed));
    /* Up to the congestion mark, as a source that pauses would. */
    while (!fdout_congested(t->sink))
        assert_int_equal(offer(t, 1), 0);
    fdout_flush(t->sink, flushed_cb, t);
    assert_true(run_until(t, three_errors));
    assert_true(fdout_congested(t->sink));
    assert_false(t->flushed);
    assert_int_equal(t->said_failed, 1);
    assert_int_equal(file_size(t->path), 99 * (LINE_LEN + 1));

    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
    assert_true(run_until(t, recovered));
    assert_true(t->flushed);
    c = counters(t);
    assert_int_equal(c.dropped, 0);
    assert_int_equal(c.written, t->offered);
    data = test_read_file(t->path, &len);
    assert_non_null(data);
    assert_int_equal(check_lines(data, len), t->offered);
    free(data);
    tctx_free(t);
}

static bool
stall_said(struct tctx *t)
{
    return t->said_stalled > 0;
}

/* Read what the pipe holds into got; true once the sink recovered. */
static bool
read_pipe_recovered(struct tctx *t)
{
    char chunk[65536];
    ssize_t n;

    while ((n = read(t->rd, chunk, sizeof(chunk))) > 0)
        buf_append(&t->got, chunk, (size_t)n);
    return recovered(t);
}

/*
 * A non-blocking pipe whose reader stops: the sink is congested (the
 * sources would pause) while it retries EAGAIN, then after FDOUT_STALL_MS
 * without a byte written it lets the sources go, releases barriers and
 * drops past queue_max; once the reader reads again everything queued
 * arrives whole and in order, and the episode ends with "writing again".
 */
static void
test_pipe_reader_stops(void **state)
{
    struct tctx *t = tctx_new(32 * 1024);
    struct sink_counters c;
    char fill[4096];
    size_t skip_bytes = 0;
    struct fdout *w;
    uint64_t t0;
    int fds[2];

    (void)state;
    assert_int_equal(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
    t->rd = fds[0];
    w = mem_calloc(1, sizeof(*w));
    assert_non_null(w);
    t->sink = &w->sink;
    fdout_init(w, &t->loop, &t->cfg, &t->env, fds[1], true);

    /* Fill the pipe with what a reader will skip, then the queue up to its
     * high mark. */
    memset(fill, '#', sizeof(fill));
    while (write(fds[1], fill, sizeof(fill)) > 0)
        skip_bytes += sizeof(fill);
    assert_int_equal(errno, EAGAIN);
    t0 = uv_now(&t->loop);
    while (!fdout_congested(t->sink)) {
        assert_int_equal(offer(t, 10), 0);
        uv_run(&t->loop, UV_RUN_NOWAIT);
    }
    assert_int_equal(counters(t).dropped, 0);
    assert_int_equal(counters(t).errors, 0); /* EAGAIN is no error */

    assert_true(run_until(t, stall_said));
    assert_true(uv_now(&t->loop) - t0 >= FDOUT_STALL_MS - 100);
    assert_false(fdout_congested(t->sink));
    assert_true(t->drained > 0);
    t->flushed = false;
    fdout_flush(t->sink, flushed_cb, t);
    assert_true(t->flushed); /* a broken sink holds no barrier */

    assert_true(offer(t, 1000) > 0);
    c = counters(t);
    assert_true(c.queued_bytes <= 32 * 1024);
    assert_int_equal(t->said_full, 1);
    assert_int_equal(t->said_stalled, 1);

    assert_true(run_until(t, read_pipe_recovered));
    assert_int_equal(t->said_again, 1);
    c = counters(t);
    assert_int_equal(c.written + c.dropped, t->offered);
    assert_true(t->got.len >= skip_bytes);
    assert_int_equal(
        check_lines(t->got.data + skip_bytes, t->got.len - skip_bytes),
        c.written);
    tctx_free(t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_torn_line_full_file),
        cmocka_unit_test(test_lossless_waits),
        cmocka_unit_test(test_pipe_reader_stops),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
