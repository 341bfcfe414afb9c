/*
 * test_src_file.c - the "file" source on a real libuv loop and temp files.
 *
 * A writer script runs from a uv timer in the same loop (no threads); each
 * test runs the loop until the expected number of records arrived or a
 * timeout timer fires (a failure), lets it settle to catch duplicates, and
 * ends with uv_loop_close() == 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "../../daemon/checkpoint.h"
#include "../../daemon/source.h"
#include "../../daemon/sources/sources.h"
#include "../../model/buf.h"
#include "testutil.h"

#define OFFS_MAX 100000
#define WRITER_MS 20
#define TIMEOUT_MS 10000
#define SETTLE_MS 400
#define PATHLEN 512

struct tctx;
typedef bool script_fn(struct tctx *t, int step);

struct tctx {
    uv_loop_t loop;
    uv_timer_t timeout, writer;
    struct config_source cfg;
    struct source_env env;
    struct source *src;
    char *dir;
    char path[PATHLEN];
    char pattern[PATHLEN];
    char state[PATHLEN];
    char name[16];
    struct buf got; /* every record, each followed by '\n' */
    uint64_t *offs;
    size_t n, want;
    size_t congest_at;       /* records from the one numbered this on congest */
    unsigned emit_us;        /* each record costs this much CPU */
    uint64_t turn_now;       /* uv_now() of the turn of the last record */
    size_t turn_n, turn_max; /* records in that turn; the most in one */
    bool congest, timed_out, closed;
    int32_t last_tz;
    int64_t last_ref;
    unsigned diags, diag_truncated;
    script_fn *script;
    int step;
    int held_fd; /* a writer's fd kept across a rotation */
};

static bool
emit_cb(void *ctx, struct source *src, const struct raw_record *rec)
{
    struct tctx *t = ctx;

    assert_ptr_equal(src, t->src == NULL ? src : t->src);
    assert_true(rec->has_offset);
    assert_true(strv_eq_cstr(rec->source, t->name));
    buf_append(&t->got, rec->data, rec->len);
    buf_putc(&t->got, '\n');
    if (t->n < OFFS_MAX)
        t->offs[t->n] = rec->offset;
    t->n++;
    t->last_tz = rec->tz_offset_s;
    t->last_ref = rec->ref_time_us;
    if (t->emit_us > 0) {
        uint64_t until = uv_hrtime() + (uint64_t)t->emit_us * 1000;

        while (uv_hrtime() < until)
            ; /* a costly record: parsing, sessions, rendering */
        /* uv_now() is when the turn began: records per turn */
        t->turn_n = uv_now(&t->loop) == t->turn_now ? t->turn_n + 1 : 1;
        t->turn_now = uv_now(&t->loop);
        if (t->turn_n > t->turn_max)
            t->turn_max = t->turn_n;
    }
    if (t->want != 0 && t->n >= t->want)
        uv_stop(&t->loop);
    return t->congest || (t->congest_at != 0 && t->n >= t->congest_at);
}

static void
diag_cb(void *ctx, struct source *src, int prio, const char *msg)
{
    struct tctx *t = ctx;

    (void)src;
    (void)prio;
    t->diags++;
    if (strstr(msg, "truncated") != NULL && strstr(msg, "line") != NULL)
        t->diag_truncated++;
}

static struct tctx *
tctx_new(void)
{
    struct tctx *t = calloc(1, sizeof(*t));

    assert_non_null(t);
    assert_int_equal(uv_loop_init(&t->loop), 0);
    uv_timer_init(&t->loop, &t->timeout);
    uv_timer_init(&t->loop, &t->writer);
    t->timeout.data = t->writer.data = t;
    t->dir = test_tmpdir();
    assert_non_null(t->dir);
    snprintf(t->path, sizeof(t->path), "%s/auth.log", t->dir);
    snprintf(t->state, sizeof(t->state), "%s/state", t->dir);
    assert_int_equal(mkdir(t->state, 0700), 0);
    snprintf(t->name, sizeof(t->name), "auth");
    t->cfg = (struct config_source){.name = t->name,
                                    .type = "file",
                                    .path = t->path,
                                    .max_line = 65536,
                                    .timezone = "UTC"};
    t->env = (struct source_env){
        .emit = emit_cb, .ctx = t, .state_dir = NULL, .diag = diag_cb};
    buf_init(&t->got, 0);
    t->offs = calloc(OFFS_MAX, sizeof(*t->offs));
    assert_non_null(t->offs);
    t->held_fd = -1;
    return t;
}

static void
src_open(struct tctx *t)
{
    assert_int_equal(src_file_ops.open(&t->loop, &t->cfg, &t->env, &t->src), 0);
}

static void
closed_cb(void *arg)
{
    struct tctx *t = arg;

    t->closed = true;
}

static void
src_close(struct tctx *t)
{
    t->closed = false;
    t->src->ops->close(t->src, closed_cb, t);
    while (!t->closed)
        uv_run(&t->loop, UV_RUN_ONCE);
    t->src = NULL;
}

static void
tctx_free(struct tctx *t)
{
    if (t->src != NULL)
        src_close(t);
    uv_close((uv_handle_t *)&t->timeout, NULL);
    uv_close((uv_handle_t *)&t->writer, NULL);
    uv_run(&t->loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&t->loop), 0);
    if (t->held_fd >= 0)
        close(t->held_fd);
    test_rmtree(t->dir);
    free(t->dir);
    buf_done(&t->got);
    free(t->offs);
    free(t);
}

static void
stop_cb(uv_timer_t *tm)
{
    struct tctx *t = tm->data;

    t->timed_out = true;
    uv_stop(&t->loop);
}

/* Run until `want` records in all arrived; false on timeout. */
static bool
run_until(struct tctx *t, size_t want)
{
    t->timed_out = false;
    if (t->n < want) {
        t->want = want;
        uv_timer_start(&t->timeout, stop_cb, TIMEOUT_MS, 0);
        uv_run(&t->loop, UV_RUN_DEFAULT);
        uv_timer_stop(&t->timeout);
        t->want = 0;
    }
    return t->n >= want;
}

/* Run the loop for ms milliseconds. */
static void
settle(struct tctx *t, unsigned ms)
{
    t->want = 0;
    uv_timer_start(&t->timeout, stop_cb, ms, 0);
    uv_run(&t->loop, UV_RUN_DEFAULT);
}

static void
writer_cb(uv_timer_t *tm)
{
    struct tctx *t = tm->data;

    if (!t->script(t, t->step++))
        uv_timer_stop(tm);
}

static void
start_writer(struct tctx *t, script_fn *fn)
{
    t->script = fn;
    t->step = 0;
    uv_timer_start(&t->writer, writer_cb, WRITER_MS, WRITER_MS);
}

static void
write_str(const char *path, int flags, const char *s, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, s, n), (ssize_t)n);
    close(fd);
}

static void
append(const char *path, const char *s)
{
    write_str(path, O_APPEND, s, strlen(s));
}

/* "line NNNNNN\n" for i in [from, to) into b. */
static void
put_lines(struct buf *b, int from, int to)
{
    char line[32];

    for (int i = from; i < to; i++) {
        snprintf(line, sizeof(line), "line %06d\n", i);
        buf_puts(b, line);
    }
}

static void
append_lines_fd(int fd, int from, int to)
{
    struct buf b;

    buf_init(&b, 0);
    put_lines(&b, from, to);
    assert_int_equal(write(fd, b.data, b.len), (ssize_t)b.len);
    buf_done(&b);
}

static void
append_lines(const char *path, int from, int to)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

    assert_true(fd >= 0);
    append_lines_fd(fd, from, to);
    close(fd);
}

/* The records received are exactly lines [from, to) in order. */
static void
assert_lines(struct tctx *t, int from, int to)
{
    struct buf want;

    buf_init(&want, 0);
    put_lines(&want, from, to);
    assert_int_equal(t->n, (size_t)(to - from));
    assert_int_equal(t->got.len, want.len);
    assert_memory_equal(t->got.data, want.data, want.len);
    buf_done(&want);
}

static void
assert_got(struct tctx *t, const char *want, size_t len)
{
    assert_int_equal(t->got.len, len);
    assert_memory_equal(t->got.data, want, len);
}

static bool
got_has(const struct tctx *t, const char *s)
{
    return memmem(t->got.data, t->got.len, s, strlen(s)) != NULL;
}

#define ASSERT_GOT(t, lit) assert_got((t), (lit), sizeof(lit) - 1)

/* ---- tests ------------------------------------------------------------ */

static bool
script_append_2(struct tctx *t, int step)
{
    append_lines(t->path, 3 + step, 4 + step);
    return step < 1;
}

static void
test_start_at_end(void **state)
{
    struct tctx *t = tctx_new();

    (void)state;
    /* a last line being written is read whole: start after "line 2\n" */
    append_lines(t->path, 0, 3);
    append(t->path, "par");
    src_open(t);
    settle(t, 100);
    assert_int_equal(t->n, 0);
    append(t->path, "tial\n");
    start_writer(t, script_append_2);
    assert_true(run_until(t, 3));
    settle(t, SETTLE_MS);
    ASSERT_GOT(t, "partial\nline 000003\nline 000004\n");
    assert_int_equal(t->offs[0], 36);
    assert_int_equal(t->offs[1], 44);
    assert_int_equal(t->last_tz, 0);
    assert_true(llabs(t->last_ref - (int64_t)time(NULL) * 1000000) <
                5 * 1000000LL);
    tctx_free(t);
}

static void
test_from_beginning(void **state)
{
    struct tctx *t = tctx_new();

    (void)state;
    t->cfg.from_beginning = true;
    t->cfg.timezone = "+02:30";
    append_lines(t->path, 0, 3);
    src_open(t);
    start_writer(t, script_append_2);
    assert_true(run_until(t, 5));
    settle(t, SETTLE_MS);
    assert_lines(t, 0, 5);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(t->offs[i], i * 12);
    assert_int_equal(t->last_tz, 9000);
    tctx_free(t);
}

static bool
script_append_1000(struct tctx *t, int step)
{
    append_lines(t->path, step * 100, step * 100 + 100);
    return step < 9;
}

static void
test_appended_in_order(void **state)
{
    struct tctx *t = tctx_new();

    (void)state;
    write_str(t->path, O_TRUNC, "", 0);
    src_open(t);
    start_writer(t, script_append_1000);
    assert_true(run_until(t, 1000));
    settle(t, SETTLE_MS);
    assert_lines(t, 0, 1000);
    tctx_free(t);
}

static void
test_crlf_and_nul(void **state)
{
    static const char in[] = "a\r\nb\r\nc\rd\n\r\ne\0f\n";
    static const char want[] = "a\nb\nc\rd\n\ne\0f\n";
    struct tctx *t = tctx_new();

    (void)state;
    t->cfg.from_beginning = true;
    write_str(t->path, O_TRUNC, in, sizeof(in) - 1);
    src_open(t);
    assert_true(run_until(t, 5));
    settle(t, 100);
    assert_got(t, want, sizeof(want) - 1);
    tctx_free(t);
}

static bool
script_long(struct tctx *t, int step)
{
    static const char part[] = "0123456789012345678901234567890123456789";

    /* a long line arriving in three writes, then a short one */
    if (step < 3)
        append(t->path, part);
    else
        append(t->path, "X\nafter\n");
    return step < 3;
}

static void
test_long_line(void **state)
{
    struct tctx *t = tctx_new();
    struct source_counters c;
    char big[100];

    (void)state;
    t->cfg.from_beginning = true;
    t->cfg.max_line = 16;
    memset(big, 'x', sizeof(big));
    write_str(t->path, O_TRUNC, big, sizeof(big));
    append(t->path, "\nok1\n0123456789abcdef\r\nok2\n");
    src_open(t);
    assert_true(run_until(t, 4));
    start_writer(t, script_long);
    assert_true(run_until(t, 6));
    settle(t, SETTLE_MS);
    ASSERT_GOT(t, "xxxxxxxxxxxxxxxx\nok1\n0123456789abcdef\nok2\n"
                  "0123456789012345\nafter\n");
    t->src->ops->counters(t->src, &c);
    assert_int_equal(c.truncated, 2);
    assert_int_equal(c.records, 6);
    assert_int_equal(t->diag_truncated, 1); /* once per file */
    assert_int_equal(t->offs[1], 101);      /* "ok1" after the long line */
    tctx_free(t);
}

static void
test_partial_waits(void **state)
{
    struct tctx *t = tctx_new();

    (void)state;
    t->cfg.from_beginning = true;
    write_str(t->path, O_TRUNC, "abc", 3);
    src_open(t);
    settle(t, SETTLE_MS);
    assert_int_equal(t->n, 0);
    append(t->path, "def\nnext");
    assert_true(run_until(t, 1));
    settle(t, SETTLE_MS);
    ASSERT_GOT(t, "abcdef\n");
    assert_int_equal(t->offs[0], 0);
    tctx_free(t);
}

#define ROT_N 500
#define ROT_K 10
#define ROT_M 500

/* N lines in 10 writes; rename; K more through a writer that still holds
 * the old file; a new file with M lines in 10 writes. */
static bool
script_rotate(struct tctx *t, int step)
{
    char old[PATHLEN + 8];

    if (step < 10) {
        if (t->held_fd < 0)
            t->held_fd = open(t->path, O_WRONLY | O_APPEND | O_CLOEXEC);
        assert_true(t->held_fd >= 0);
        append_lines_fd(t->held_fd, step * 50, step * 50 + 50);
    } else if (step == 10) {
        snprintf(old, sizeof(old), "%s.1", t->path);
        assert_int_equal(rename(t->path, old), 0);
        append_lines_fd(t->held_fd, ROT_N, ROT_N + ROT_K);
        append_lines(t->path, ROT_N + ROT_K, ROT_N + ROT_K + 50);
    } else {
        int from = ROT_N + ROT_K + (step - 10) * 50;

        append_lines(t->path, from, from + 50);
    }
    return step < 19;
}

static void
test_rotate_rename(void **state)
{
    struct tctx *t = tctx_new();
    struct source_counters c;

    (void)state;
    write_str(t->path, O_TRUNC, "", 0);
    src_open(t);
    start_writer(t, script_rotate);
    assert_true(run_until(t, ROT_N + ROT_K + ROT_M));
    settle(t, 1500); /* past the rotation grace: the old file is closed */
    assert_lines(t, 0, ROT_N + ROT_K + ROT_M);
    t->src->ops->counters(t->src, &c);
    assert_int_equal(c.errors, 0); /* a rename is not a vanished file */
    tctx_free(t);
}

/* N lines; 20 more and at once (unread) copy and truncate, as logrotate's
 * copytruncate does; M more lines.  The 20 are read from the copy. */
static bool
script_copytruncate(struct tctx *t, int step)
{
    char copy[PATHLEN + 8];
    size_t len = 0;
    char *data;

    if (step < 10) {
        append_lines(t->path, step * 50, step * 50 + 50);
    } else if (step == 10) {
        append_lines(t->path, 500, 520);
        append(t->path, "part");
        snprintf(copy, sizeof(copy), "%s.1", t->path);
        data = test_read_file(t->path, &len);
        assert_non_null(data);
        write_str(copy, O_TRUNC, data, len);
        free(data);
        assert_int_equal(truncate(t->path, 0), 0);
    } else {
        append_lines(t->path, 520 + (step - 11) * 50, 520 + (step - 10) * 50);
    }
    return step < 20;
}

static void
test_copytruncate(void **state)
{
    struct tctx *t = tctx_new();
    struct buf want;

    (void)state;
    write_str(t->path, O_TRUNC, "", 0);
    src_open(t);
    start_writer(t, script_copytruncate);
    assert_true(run_until(t, 1021));
    settle(t, SETTLE_MS);
    buf_init(&want, 0);
    put_lines(&want, 0, 520);
    buf_puts(&want, "part\n"); /* the copy's last line, without LF */
    put_lines(&want, 520, 1020);
    assert_got(t, want.data, want.len);
    buf_done(&want);
    tctx_free(t);
}

/* N lines and a last line without LF; delete; a while later the file is
 * created again with M lines. */
static bool
script_delete(struct tctx *t, int step)
{
    if (step == 0) {
        append_lines(t->path, 0, 100);
        append(t->path, "no-lf");
    } else if (step == 1) {
        assert_int_equal(unlink(t->path), 0);
    } else if (step == 10) {
        append_lines(t->path, 100, 200);
    }
    return step < 10;
}

static void
test_delete_recreate(void **state)
{
    struct tctx *t = tctx_new();
    struct source_counters c;
    struct buf want;

    (void)state;
    write_str(t->path, O_TRUNC, "", 0);
    src_open(t);
    start_writer(t, script_delete);
    assert_true(run_until(t, 201));
    settle(t, SETTLE_MS);
    buf_init(&want, 0);
    put_lines(&want, 0, 100);
    buf_puts(&want, "no-lf\n");
    put_lines(&want, 100, 200);
    assert_got(t, want.data, want.len);
    buf_done(&want);
    t->src->ops->counters(t->src, &c);
    assert_int_equal(c.errors, 1); /* the deletion, counted and reported */
    assert_true(t->diags >= 1);
    tctx_free(t);
}

static bool
script_glob(struct tctx *t, int step)
{
    char b[PATHLEN + 8];

    snprintf(b, sizeof(b), "%s/b.log", t->dir);
    if (step == 0)
        append(b, "b1\nb2\nb3\n");
    else
        append(t->path, "a3\n");
    return step < 1;
}

static void
test_glob_new_file(void **state)
{
    struct tctx *t = tctx_new();
    char other[PATHLEN + 8];

    (void)state;
    snprintf(t->path, sizeof(t->path), "%s/a.log", t->dir);
    snprintf(other, sizeof(other), "%s/other.txt", t->dir);
    append(t->path, "a1\na2\n");
    append(other, "not followed\n");
    snprintf(t->pattern, sizeof(t->pattern), "%s/*.log", t->dir);
    t->cfg.path = t->pattern;
    src_open(t);
    start_writer(t, script_glob);
    assert_true(run_until(t, 4));
    settle(t, 1200); /* past one rescan */
    assert_int_equal(t->n, 4);
    /* b.log is new: read from its start; a.log from where we started */
    assert_true(got_has(t, "b1\nb2\nb3\n"));
    assert_true(got_has(t, "a3\n"));
    assert_false(got_has(t, "a1"));
    tctx_free(t);
}

/* mark + commit as the daemon does behind its barrier, then close. */
static void
checkpoint_and_close(struct tctx *t)
{
    t->src->ops->mark(t->src);
    assert_int_equal(t->src->ops->commit(t->src), 0);
    src_close(t);
}

static void
test_checkpoint_resume(void **state)
{
    struct tctx *t = tctx_new();
    struct buf want;

    (void)state;
    t->env.state_dir = t->state;
    t->cfg.from_beginning = true;
    append_lines(t->path, 0, 100);
    append(t->path, "part");
    src_open(t);
    assert_true(run_until(t, 100));
    settle(t, 100);
    checkpoint_and_close(t);
    /* while we were away: the line completed, and more */
    append(t->path, "ial\n");
    append_lines(t->path, 100, 150);
    src_open(t);
    assert_true(run_until(t, 151));
    settle(t, SETTLE_MS);
    buf_init(&want, 0);
    put_lines(&want, 0, 100);
    buf_puts(&want, "partial\n");
    put_lines(&want, 100, 150);
    assert_got(t, want.data, want.len); /* no loss, no duplicate */
    buf_done(&want);
    assert_int_equal(t->offs[100], 1200);
    /* a second round from the new checkpoint: nothing to read */
    checkpoint_and_close(t);
    src_open(t);
    settle(t, SETTLE_MS);
    assert_int_equal(t->n, 151);
    tctx_free(t);
}

/* A pretty-printed Event XML is one record at its first line's offset; a
 * checkpoint taken while it is half written points at that first line, so
 * after a restart it arrives whole, once (parsers/framing.h). */
static void
test_xml_frame_checkpoint(void **state)
{
    struct tctx *t = tctx_new();

    (void)state;
    t->env.state_dir = t->state;
    t->cfg.from_beginning = true;
    append(t->path, "line 000000\n<Event xmlns='e'>\n  <System>\n");
    src_open(t);
    assert_true(run_until(t, 1));
    settle(t, SETTLE_MS);
    assert_int_equal(t->n, 1); /* the open frame waits */
    checkpoint_and_close(t);
    append(t->path, "  </System>\n</Event>\n\n<Event><S/></Event>\n"
                    "line 000001\n");
    src_open(t);
    assert_true(run_until(t, 4));
    settle(t, SETTLE_MS);
    ASSERT_GOT(t, "line 000000\n<Event xmlns='e'>\n  <System>\n  </System>\n"
                  "</Event>\n<Event><S/></Event>\nline 000001\n");
    assert_int_equal(t->offs[1], 12);
    assert_int_equal(t->offs[2], 63);
    assert_int_equal(t->offs[3], 83);
    tctx_free(t);
}

static void
test_checkpoint_fingerprint_changed(void **state)
{
    struct tctx *t = tctx_new();
    int fd;

    (void)state;
    t->env.state_dir = t->state;
    append_lines(t->path, 0, 100);
    src_open(t); /* live: starts at the end, offset 1200 */
    append_lines(t->path, 100, 110);
    assert_true(run_until(t, 10));
    settle(t, 100);
    checkpoint_and_close(t);
    /* same inode, same size, other bytes before the offset: a new file
     * written over the old one.  Read it again from 0. */
    fd = open(t->path, O_WRONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, "LINE", 4, 1308), 4);
    close(fd);
    buf_reset(&t->got);
    t->n = 0;
    src_open(t);
    assert_true(run_until(t, 110));
    settle(t, SETTLE_MS);
    assert_int_equal(t->n, 110);
    assert_memory_equal(t->got.data + 109 * 12, "LINE 000109\n", 12);
    tctx_free(t);
}

static void
test_congestion(void **state)
{
    enum { LINES = 40000 }; /* 480 KB: more than one read */
    struct tctx *t = tctx_new();
    size_t first;

    (void)state;
    t->cfg.from_beginning = true;
    append_lines(t->path, 0, LINES);
    t->congest = true;
    src_open(t);
    assert_true(run_until(t, 1));
    settle(t, SETTLE_MS);
    first = t->n;
    assert_true(first > 0 && first < LINES);
    settle(t, SETTLE_MS);
    assert_int_equal(t->n, first); /* paused: nothing more */
    t->congest = false;
    t->src->ops->resume(t->src);
    assert_true(run_until(t, LINES));
    settle(t, 100);
    assert_lines(t, 0, LINES);
    tctx_free(t);
}

/* A pause takes effect at the record that said congested, in the middle
 * of a read: the rest of it waits in the buffer (a read of short lines
 * can make more records than a sink takes past its high mark), resume()
 * goes on from there, and a checkpoint covers exactly what was emitted. */
static void
test_congestion_mid_read(void **state)
{
    enum { LINES = 1000 }; /* 12 KB: one read */
    struct tctx *t = tctx_new();

    (void)state;
    t->env.state_dir = t->state;
    t->cfg.from_beginning = true;
    append_lines(t->path, 0, LINES);
    t->congest_at = 10;
    src_open(t);
    assert_true(run_until(t, 10));
    settle(t, SETTLE_MS);
    assert_int_equal(t->n, 10);
    t->congest_at = 20;
    t->src->ops->resume(t->src);
    settle(t, SETTLE_MS);
    assert_int_equal(t->n, 20);
    checkpoint_and_close(t);
    t->congest_at = 0;
    src_open(t);
    assert_true(run_until(t, LINES));
    settle(t, SETTLE_MS);
    assert_lines(t, 0, LINES); /* from line 20 on after the restart */
    assert_int_equal(t->offs[20], 20 * 12);
    tctx_free(t);
}

/* Paused in the middle of a read when the file is rotated away: its
 * waiting lines come first, then the new file's, each once. */
static void
test_congestion_then_rotate(void **state)
{
    enum { LINES = 1000, MORE = 100 };
    struct tctx *t = tctx_new();
    char old[PATHLEN + 8];

    (void)state;
    t->cfg.from_beginning = true;
    append_lines(t->path, 0, LINES);
    t->congest_at = 10;
    src_open(t);
    assert_true(run_until(t, 10));
    snprintf(old, sizeof(old), "%s.1", t->path);
    assert_int_equal(rename(t->path, old), 0);
    append_lines(t->path, LINES, LINES + MORE);
    settle(t, SETTLE_MS);
    t->congest_at = 0;
    t->src->ops->resume(t->src);
    assert_true(run_until(t, LINES + MORE));
    settle(t, SETTLE_MS);
    assert_lines(t, 0, LINES + MORE);
    tctx_free(t);
}

/* Records that cost 1 ms each: one 3.6 KB read is 300 ms of work, done
 * over many loop turns of about 20 ms (TURN_SLICE_MS), in order, once.
 * Counted in records per turn: a turn the machine preempted ends with
 * fewer, never more. */
static void
test_turn_slice(void **state)
{
    enum { LINES = 300 };
    struct tctx *t = tctx_new();

    (void)state;
    t->cfg.from_beginning = true;
    append_lines(t->path, 0, LINES);
    t->emit_us = 1000;
    src_open(t);
    assert_true(run_until(t, LINES));
    settle(t, 100);
    assert_lines(t, 0, LINES);
    /* 20 ms, the record that crossed it, uv_now()'s coarse clock */
    if (t->turn_max > 30)
        fail_msg("%zu records of 1 ms in one loop turn", t->turn_max);
    tctx_free(t);
}

static void
test_registry(void **state)
{
    (void)state;
    assert_ptr_equal(source_type_find("file"), &src_file_ops);
    assert_null(source_type_find("nope"));
    assert_null(source_type_find(NULL));
    assert_ptr_equal(source_types[0], &src_file_ops);
}

static void
test_bad_timezone(void **state)
{
    struct tctx *t = tctx_new();

    (void)state;
    t->cfg.timezone = "+2:00";
    assert_int_equal(src_file_ops.open(&t->loop, &t->cfg, &t->env, &t->src),
                     -EINVAL);
    t->src = NULL;
    tctx_free(t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_start_at_end),
        cmocka_unit_test(test_from_beginning),
        cmocka_unit_test(test_appended_in_order),
        cmocka_unit_test(test_crlf_and_nul),
        cmocka_unit_test(test_long_line),
        cmocka_unit_test(test_partial_waits),
        cmocka_unit_test(test_rotate_rename),
        cmocka_unit_test(test_copytruncate),
        cmocka_unit_test(test_delete_recreate),
        cmocka_unit_test(test_glob_new_file),
        cmocka_unit_test(test_checkpoint_resume),
        cmocka_unit_test(test_xml_frame_checkpoint),
        cmocka_unit_test(test_checkpoint_fingerprint_changed),
        cmocka_unit_test(test_congestion),
        cmocka_unit_test(test_congestion_mid_read),
        cmocka_unit_test(test_congestion_then_rotate),
        cmocka_unit_test(test_turn_slice),
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_bad_timezone),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
