/*
 * fuzz_format.h - the body every parser fuzz target shares: the input
 * bytes are one record, parsed through a parse context restricted to one
 * format and rendered to JSON so every field the parser set is read.  The
 * context lives across inputs, so correlation state (rings keyed by host
 * and pid, the shared Windows state) is exercised too.
 *
 * A target is one line:  FUZZ_FORMAT_TARGET("sshd")
 */
#ifndef SESSIONTAIL_FUZZ_FORMAT_H
#define SESSIONTAIL_FUZZ_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "../../model/render.h"
#include "../../parsers/registry.h"

/* 2024-12-31T00:00:00Z */
#define FUZZ_REF_US INT64_C(1735603200000000)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline int
fuzz_format_one(struct parse_ctx **ctx, const char *format, const uint8_t *data,
                size_t size)
{
    struct raw_record rec = {
        .data = (const char *)data,
        .len = size > PARSER_LINE_MAX ? PARSER_LINE_MAX : size,
        .source = STRV_LIT("fuzz"),
        .ref_time_us = FUZZ_REF_US,
        .tz_offset_s = 3600,
        .offset = size,
        .has_offset = true,
    };
    struct event ev;
    struct buf b;
    int err = 0;

    if (*ctx == NULL && (*ctx = parse_ctx_new(format, &err)) == NULL)
        abort();
    if (parse_record(*ctx, &rec, &ev) == PARSE_EVENT) {
        if (ev.repeat < 1 || ev.repeat > EVENT_REPEAT_MAX)
            abort();
        buf_init(&b, 0);
        event_to_json(&ev, &b);
        buf_done(&b);
    }
    return 0;
}

#define FUZZ_FORMAT_TARGET(format)                                             \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)               \
    {                                                                          \
        static struct parse_ctx *ctx;                                          \
        return fuzz_format_one(&ctx, (format), data, size);                    \
    }

#endif
