/*
 * fuzz_utmp.c - the utmp parser (utmp(5) records, parsers/utmp.c) on
 * arbitrary bytes: the input is cut into 384-byte RECORD_UTMP records (a
 * short last piece too, which must be refused), read as wtmp and as btmp,
 * through one parse context restricted to "utmp", and every event is
 * rendered to JSON so each field the parser set is read.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "../../model/render.h"
#include "../../parsers/registry.h"

/* 2024-12-31T00:00:00Z */
#define FUZZ_REF_US INT64_C(1735603200000000)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_one(struct parse_ctx *ctx, const uint8_t *p, size_t n, bool failed)
{
    struct raw_record rec = {
        .kind = RECORD_UTMP,
        .data = (const char *)p,
        .len = n,
        .source = STRV_LIT("fuzz"),
        .ref_time_us = FUZZ_REF_US,
        .offset = n,
        .has_offset = true,
        .failed_logins = failed,
        .hostname = STRV_LIT("collector"),
    };
    struct event ev;
    struct buf b;
    int r = parse_record(ctx, &rec, &ev);

    if (n != PARSER_UTMP_RECORD && r != -EBADMSG)
        abort();
    if (r != PARSE_EVENT)
        return;
    buf_init(&b, 0);
    event_to_json(&ev, &b);
    buf_done(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct parse_ctx *ctx;
    int err = 0;

    if (ctx == NULL && (ctx = parse_ctx_new("utmp", &err)) == NULL)
        abort();
    for (size_t off = 0; off < size; off += PARSER_UTMP_RECORD) {
        size_t n =
            size - off < PARSER_UTMP_RECORD ? size - off : PARSER_UTMP_RECORD;

        fuzz_one(ctx, data + off, n, false);
        fuzz_one(ctx, data + off, n, true);
    }
    return 0;
}
