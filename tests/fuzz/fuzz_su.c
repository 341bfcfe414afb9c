/*
 * fuzz_su.c - libFuzzer target: the input bytes are one record, parsed
 * through a parse context with format "su" and rendered to JSON so every field
 * the parser set is read.  A context lives across inputs, so the
 * correlation state (rings keyed by host and pid) is exercised too.
 * Seed corpus: samples/su/.
 *
 * Sample input: "Mar 14 10:00:01 web01 sshd[3001]: Accepted password for
 * alice from 192.0.2.10 port 50438 ssh2".
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../model/render.h"
#include "../../parsers/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 2024-12-31T00:00:00Z */
#define FUZZ_REF_US INT64_C(1735603200000000)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct parse_ctx *ctx;
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

    if (ctx == NULL && (ctx = parse_ctx_new("su", &err)) == NULL)
        abort();
    if (parse_record(ctx, &rec, &ev) == PARSE_EVENT) {
        if (ev.repeat < 1 || ev.repeat > EVENT_REPEAT_MAX)
            abort();
        buf_init(&b, 0);
        event_to_json(&ev, &b);
        buf_done(&b);
    }
    return 0;
}
