/*
 * test_golden.c - data-driven parser tests over samples/ (STYLE 7).
 *
 * For every samples/<parser>/<case>.log (parsers sshd, pam, login, su and
 * the syslog envelope forms), each line goes through a fresh "auto" parse
 * context with ref_time_us = 2024-12-31T00:00:00Z, tz_offset 0, and
 * record_id = the line's byte offset; each event is rendered with
 * event_to_json() (repeat N -> N lines) and the result must equal
 * <case>.expected byte for byte.  A difference is printed as a diff of
 * the lines.  New cases need no code: drop a .log and its .expected.
 * Inputs named <case>.xml (pretty-printed Windows Event XML) are read the
 * same way; like replay, lines of both go through the framer
 * (parsers/framing.h), so a multi-line <Event> is one record at the
 * offset of its first line.
 *
 * ST_GOLDEN_WRITE=1 writes the .expected files instead of comparing (for a
 * new case; then review every line by hand: they are the spec).
 *
 * Sample line: "Mar 14 10:00:01 web01 sshd[3001]: Accepted password for
 * alice from 192.0.2.10 port 50438 ssh2".
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../model/render.h"
#include "../../parsers/framing.h"
#include "../../parsers/registry.h"
#include "testutil.h"

/* 2024-12-31T00:00:00Z */
#define GOLDEN_REF_TIME_US INT64_C(1735603200000000)
#define GOLDEN_PATH_MAX 4096

static const char *const golden_dirs[] = {
    "sshd",        "pam",        "login",        "su",
    "syslog",      "snare",      "windows-text", "nxlog-sd",
    "windows-xml", "nxlog-json", "openwec-json", "winlogbeat-json",
    "logind",      NULL};

/* Parse one record found at offset off and render its events into out. */
static void
golden_record(struct parse_ctx *ctx, const char *p, size_t n, size_t off,
              struct buf *out)
{
    struct raw_record rec = {
        .data = p,
        .len = n,
        .source = STRV_LIT("golden"),
        .ref_time_us = GOLDEN_REF_TIME_US,
        .tz_offset_s = 0,
        .offset = off,
        .has_offset = true,
    };
    struct event ev;

    if (parse_record(ctx, &rec, &ev) == PARSE_EVENT) {
        for (uint32_t i = 0; i < ev.repeat; i++) {
            event_to_json(&ev, out);
            buf_putc(out, '\n');
        }
    }
}

/* The framed record just emitted. */
static void
golden_frame(struct parse_ctx *ctx, const struct frame *fr, struct buf *out)
{
    golden_record(ctx, frame_data(fr), frame_len(fr), (size_t)frame_offset(fr),
                  out);
}

/* Render every event of the input (.log or .xml) into out. */
static void
golden_render(const char *data, size_t len, struct buf *out)
{
    int err = 0;
    struct parse_ctx *ctx = parse_ctx_new("auto", &err);
    struct frame fr;
    size_t off = 0;

    assert_non_null(ctx);
    frame_init(&fr);
    while (off < len) {
        const char *p = data + off;
        const char *nl = memchr(p, '\n', len - off);
        size_t n = nl ? (size_t)(nl - p) : len - off, rn = n;
        enum frame_result r;

        if (rn > 0 && p[rn - 1] == '\r')
            rn--;
        do {
            r = frame_line(&fr, p, rn, off);
            if (r == FRAME_PASS)
                golden_record(ctx, p, rn, off, out);
            else if (r != FRAME_HOLD)
                golden_frame(ctx, &fr, out);
        } while (r == FRAME_EMIT_AGAIN);
        off += n + (nl != NULL);
    }
    if (frame_flush(&fr))
        golden_frame(ctx, &fr, out);
    frame_done(&fr);
    parse_ctx_free(ctx);
    assert_false(out->oom);
}

/* Print the lines that differ, numbered, for a person to read. */
static void
golden_diff(const char *name, const char *want, size_t wn, const char *got,
            size_t gn)
{
    size_t wi = 0, gi = 0;
    unsigned line = 1;

    fprintf(stderr, "--- %s.expected\n+++ parsed\n", name);
    while (wi < wn || gi < gn) {
        const char *we = memchr(want + wi, '\n', wn - wi);
        const char *ge = memchr(got + gi, '\n', gn - gi);
        size_t wl = we ? (size_t)(we - want - wi) : wn - wi;
        size_t gl = ge ? (size_t)(ge - got - gi) : gn - gi;

        if (wi >= wn || gi >= gn || wl != gl ||
            memcmp(want + wi, got + gi, wl) != 0) {
            if (wi < wn)
                fprintf(stderr, "%u-%.*s\n", line, (int)wl, want + wi);
            if (gi < gn)
                fprintf(stderr, "%u+%.*s\n", line, (int)gl, got + gi);
        }
        wi = wi < wn ? wi + wl + 1 : wi;
        gi = gi < gn ? gi + gl + 1 : gi;
        line++;
    }
}

/* One case; returns 1 when it matched (or was written), 0 otherwise. */
static int
golden_case(const char *dir, const char *base, const char *ext)
{
    char log[GOLDEN_PATH_MAX], exp[GOLDEN_PATH_MAX];
    size_t len = 0, wn = 0;
    char *data, *want;
    struct buf got;
    int ok;

    assert_true(snprintf(log, sizeof(log), "%s/%s%s", dir, base, ext) <
                (int)sizeof(log));
    assert_true(snprintf(exp, sizeof(exp), "%s/%s.expected", dir, base) <
                (int)sizeof(exp));
    data = test_read_file(log, &len);
    assert_non_null(data);
    buf_init(&got, 0);
    golden_render(data, len, &got);
    if (getenv("ST_GOLDEN_WRITE") != NULL) {
        FILE *f = fopen(exp, "we");

        assert_non_null(f);
        if (got.len > 0)
            assert_int_equal(fwrite(got.data, 1, got.len, f), got.len);
        fclose(f);
        want = NULL;
        ok = 1;
    } else {
        want = test_read_file(exp, &wn);
        if (want == NULL)
            fprintf(stderr, "%s: missing\n", exp);
        ok = want != NULL && wn == got.len &&
             (wn == 0 || memcmp(want, got.data, wn) == 0);
        if (want != NULL && !ok)
            golden_diff(log, want, wn, got.data ? got.data : "", got.len);
    }
    free(want);
    free(data);
    buf_done(&got);
    return ok;
}

static void
test_golden_samples(void **state)
{
    unsigned cases = 0, failed = 0;

    (void)state;
    for (size_t d = 0; golden_dirs[d] != NULL; d++) {
        char dir[GOLDEN_PATH_MAX];
        struct dirent *de;
        DIR *dh;

        snprintf(dir, sizeof(dir), "%s/samples/%s", test_source_dir(),
                 golden_dirs[d]);
        dh = opendir(dir);
        assert_non_null(dh);
        while ((de = readdir(dh)) != NULL) {
            size_t n = strlen(de->d_name);
            char base[256];

            if (n <= 4 || n - 4 >= sizeof(base) ||
                (strcmp(de->d_name + n - 4, ".log") != 0 &&
                 strcmp(de->d_name + n - 4, ".xml") != 0))
                continue;
            memcpy(base, de->d_name, n - 4);
            base[n - 4] = '\0';
            cases++;
            failed += !golden_case(dir, base, de->d_name + n - 4);
        }
        closedir(dh);
    }
    fprintf(stderr, "golden: %u cases, %u failed\n", cases, failed);
    assert_true(cases >= 20);
    assert_int_equal(failed, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_samples),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
