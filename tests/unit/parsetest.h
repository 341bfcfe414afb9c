/*
 * parsetest.h - helpers of the parser tests (include after <cmocka.h>):
 * parse a line through a parse context with a fixed reference time, and
 * compare a view with an expected C string (NULL: absent).
 */
#ifndef SESSIONTAIL_PARSETEST_H
#define SESSIONTAIL_PARSETEST_H

#include <string.h>

#include "../../parsers/registry.h"

#define REF_US INT64_C(1735603200000000) /* 2024-12-31T00:00:00Z */

static inline void
assert_strv(struct strv v, const char *want)
{
    if (want == NULL) {
        assert_int_equal(v.n, 0);
        return;
    }
    assert_int_equal(v.n, strlen(want));
    assert_memory_equal(v.p, want, v.n);
}

/* Parse one line in ctx: source "t", record offset 42. */
static inline int
parse_in(struct parse_ctx *ctx, const char *line, struct event *ev)
{
    struct raw_record rec = {.data = line,
                             .len = strlen(line),
                             .source = STRV_LIT("t"),
                             .ref_time_us = REF_US,
                             .has_offset = true,
                             .offset = 42};

    return parse_record(ctx, &rec, ev);
}

/*
 * Parse one line in a fresh context with format fmt.  The event's views
 * may point into the context (values unescaped into its scratch), so the
 * context lives until the next call frees it; the last one is still
 * reachable at exit.
 */
static inline int
parse1(const char *fmt, const char *line, struct event *ev)
{
    static struct parse_ctx *ctx;
    int err = 0;

    ctx = parse_ctx_free(ctx);
    ctx = parse_ctx_new(fmt, &err);
    assert_non_null(ctx);
    return parse_in(ctx, line, ev);
}

/* Every line of a NULL-terminated list parses (format "auto") to `want`. */
static inline void
assert_lines_parse(const char *const *lines, int want)
{
    struct event ev;

    for (size_t i = 0; lines[i] != NULL; i++) {
        print_message("%s\n", lines[i]);
        assert_int_equal(parse1("auto", lines[i], &ev), want);
    }
}

#endif
