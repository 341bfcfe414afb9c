/*
 * test_checkpoint.c - daemon/checkpoint: round trip, strict validation
 * (torn file, bad checksum, limits) and atomic replace.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../daemon/checkpoint.h"
#include "../../model/buf.h"
#include "../../model/mem.h"
#include "testutil.h"

static const struct checkpoint_entry sample[] = {
    {64769, 1835021, 48213, 0x9f3a0c1d2e3f4a5bULL, "/var/log/auth.log"},
    {1, 2, 0, 0, "/tmp/with space/100%\nnew\x7fline"},
    {UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, "x"},
};
#define N_SAMPLE (sizeof(sample) / sizeof(sample[0]))

static void
format_sample(struct buf *b)
{
    buf_init(b, 0);
    assert_int_equal(checkpoint_format(sample, N_SAMPLE, b), 0);
}

static void
assert_entries_equal(const struct checkpoint_entry *a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        assert_true(a[i].dev == sample[i].dev);
        assert_true(a[i].ino == sample[i].ino);
        assert_true(a[i].offset == sample[i].offset);
        assert_true(a[i].fingerprint == sample[i].fingerprint);
        assert_string_equal(a[i].path, sample[i].path);
    }
}

static void
test_round_trip(void **state)
{
    struct checkpoint_entry *e = NULL;
    struct buf b;
    size_t n = 0;

    (void)state;
    format_sample(&b);
    /* readable: the first entry line is plain text */
    assert_non_null(strstr(b.data, "\n64769 1835021 48213 9f3a0c1d2e3f4a5b "
                                   "/var/log/auth.log\n"));
    assert_non_null(strstr(b.data, "100%25%0anew%7fline\n"));
    assert_int_equal(checkpoint_parse(b.data, b.len, &e, &n), 0);
    assert_int_equal(n, N_SAMPLE);
    assert_entries_equal(e, n);
    mem_free(e);
    buf_done(&b);
}

static void
test_empty_list(void **state)
{
    struct checkpoint_entry *e = NULL;
    struct buf b;
    size_t n = 99;

    (void)state;
    buf_init(&b, 0);
    assert_int_equal(checkpoint_format(NULL, 0, &b), 0);
    assert_int_equal(checkpoint_parse(b.data, b.len, &e, &n), 0);
    assert_int_equal(n, 0);
    mem_free(e);
    buf_done(&b);
}

static void
test_torn(void **state)
{
    struct checkpoint_entry *e = NULL;
    struct buf b;
    size_t n = 0;

    (void)state;
    format_sample(&b);
    /* every proper prefix is rejected */
    for (size_t len = 0; len < b.len; len++)
        assert_int_equal(checkpoint_parse(b.data, len, &e, &n), -EBADMSG);
    buf_done(&b);
}

static void
test_corrupt(void **state)
{
    struct checkpoint_entry *e = NULL;
    struct buf b;
    size_t n = 0;

    (void)state;
    format_sample(&b);
    /* flip every byte in turn: detected every time */
    for (size_t i = 0; i < b.len; i++) {
        b.data[i] ^= 0x01;
        assert_true(checkpoint_parse(b.data, b.len, &e, &n) < 0);
        b.data[i] ^= 0x01;
    }
    assert_int_equal(checkpoint_parse(b.data, b.len, &e, &n), 0);
    mem_free(e);
    buf_done(&b);
}

/* Build a file with a valid checksum around an arbitrary body. */
static void
frame(struct buf *b, const char *body)
{
    uint64_t sum;
    char line[64];

    buf_init(b, 0);
    buf_puts(b, body);
    sum = checkpoint_fnv1a(CHECKPOINT_FNV_INIT, b->data, b->len);
    snprintf(line, sizeof(line), "checksum %016llx\n", (unsigned long long)sum);
    buf_puts(b, line);
}

static void
test_bad_syntax_with_good_checksum(void **state)
{
    static const char *const bad[] = {
        "sessiontail-checkpoint 1\n1 2 3 0123456789abcdef\n", /* no path */
        "sessiontail-checkpoint 1\n1 2 3 0123456789abcdef \n",
        "sessiontail-checkpoint 1\n1 2 3 0123456789ABCDEF /p\n",
        "sessiontail-checkpoint 1\n1  2 3 0123456789abcdef /p\n",
        "sessiontail-checkpoint 1\n-1 2 3 0123456789abcdef /p\n",
        ("sessiontail-checkpoint 1\n18446744073709551616 2 3 "
         "0123456789abcdef /p\n"),
        "sessiontail-checkpoint 1\n1 2 3 0123456789abcdef /p%zz\n",
        "sessiontail-checkpoint 1\n1 2 3 0123456789abcdef /p%41\n",
        "sessiontail-checkpoint 1\n1 2 3 0123456789abcdef /p\tq\n",
        "sessiontail-checkpoint\n",
        "other 1\n",
    };
    struct checkpoint_entry *e = NULL;
    size_t n = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct buf b;

        frame(&b, bad[i]);
        assert_int_equal(checkpoint_parse(b.data, b.len, &e, &n), -EBADMSG);
        buf_done(&b);
    }
    {
        struct buf b;

        frame(&b, "sessiontail-checkpoint 2\n");
        assert_int_equal(checkpoint_parse(b.data, b.len, &e, &n),
                         -EPROTONOSUPPORT);
        buf_done(&b);
    }
}

static void
test_too_many_entries(void **state)
{
    struct checkpoint_entry *many, *e = NULL;
    struct buf b, body;
    size_t n = 0;

    (void)state;
    many = calloc(CHECKPOINT_ENTRIES_MAX + 1, sizeof(*many));
    assert_non_null(many);
    for (size_t i = 0; i <= CHECKPOINT_ENTRIES_MAX; i++)
        many[i] = (struct checkpoint_entry){1, i, 0, 0, "/p"};
    buf_init(&b, 0);
    assert_int_equal(checkpoint_format(many, CHECKPOINT_ENTRIES_MAX + 1, &b),
                     -E2BIG);
    buf_done(&b);
    /* exactly at the limit is fine */
    buf_init(&b, 0);
    assert_int_equal(checkpoint_format(many, CHECKPOINT_ENTRIES_MAX, &b), 0);
    assert_int_equal(checkpoint_parse(b.data, b.len, &e, &n), 0);
    assert_int_equal(n, CHECKPOINT_ENTRIES_MAX);
    mem_free(e);
    buf_done(&b);
    /* a hand-made file with one entry too many is refused on load */
    buf_init(&body, 0);
    buf_puts(&body, "sessiontail-checkpoint 1\n");
    for (size_t i = 0; i <= CHECKPOINT_ENTRIES_MAX; i++)
        buf_puts(&body, "1 2 3 0123456789abcdef /p\n");
    buf_putc(&body, '\0');
    frame(&b, body.data);
    assert_int_equal(checkpoint_parse(b.data, b.len, &e, &n), -E2BIG);
    buf_done(&b);
    buf_done(&body);
    free(many);
}

static void
test_save_load_atomic(void **state)
{
    struct checkpoint_entry *e = NULL;
    char *dir = test_tmpdir(), path[4096], tmp[4200];
    struct stat st;
    size_t n = 0;

    (void)state;
    assert_non_null(dir);
    assert_int_equal(checkpoint_load(dir, "auth", &e, &n), -ENOENT);
    assert_int_equal(checkpoint_save(dir, "auth", sample, 1), 0);
    assert_int_equal(checkpoint_save(dir, "auth", sample, N_SAMPLE), 0);
    assert_int_equal(checkpoint_path(dir, "auth", path, sizeof(path)), 0);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    assert_int_equal(stat(tmp, &st), -1); /* no temporary left */
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(checkpoint_load(dir, "auth", &e, &n), 0);
    assert_int_equal(n, N_SAMPLE);
    assert_entries_equal(e, n);
    mem_free(e);
    /* a torn file on disk is reported, not trusted */
    assert_int_equal(truncate(path, st.st_size - 3), 0);
    assert_int_equal(checkpoint_load(dir, "auth", &e, &n), -EBADMSG);
    test_rmtree(dir);
    free(dir);
}

static void
test_name_sanitised(void **state)
{
    char path[256];

    (void)state;
    assert_int_equal(checkpoint_path("/s", "../x/y z", path, sizeof(path)), 0);
    assert_string_equal(path, "/s/_._x_y_z.pos");
    assert_int_equal(checkpoint_path("/s", "", path, sizeof(path)), -EINVAL);
    assert_int_equal(checkpoint_path("/s", "a", path, 5), -ENAMETOOLONG);
}

static void
test_alloc_failure(void **state)
{
    struct checkpoint_entry *e = NULL;
    struct buf b;
    size_t n = 0;

    (void)state;
    format_sample(&b);
    mem_fail_set(1);
    assert_int_equal(checkpoint_parse(b.data, b.len, &e, &n), -ENOMEM);
    mem_fail_set(0);
    buf_done(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_empty_list),
        cmocka_unit_test(test_torn),
        cmocka_unit_test(test_corrupt),
        cmocka_unit_test(test_bad_syntax_with_good_checksum),
        cmocka_unit_test(test_too_many_entries),
        cmocka_unit_test(test_save_load_atomic),
        cmocka_unit_test(test_name_sanitised),
        cmocka_unit_test(test_alloc_failure),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
