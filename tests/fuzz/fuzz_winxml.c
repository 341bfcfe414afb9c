/*
 * fuzz_winxml.c - libFuzzer target for Windows Event XML: the input bytes
 * are (1) decoded whole by winxml_decode() into a neutral record, as the
 * JSON forms do with the XML they carry, and (2) read as a file: split in
 * lines, framed (parsers/framing.h) and each record parsed through a parse
 * context with format "windows-xml" and rendered to JSON.  State (the
 * expat parser, reset per document) lives across inputs.  Seed corpus:
 * samples/windows-xml/.
 *
 * Sample input: "<Event xmlns='http://schemas.microsoft.com/win/2004/08/
 * events/event'><System><EventID>4624</EventID>...</System>...</Event>".
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../model/render.h"
#include "../../parsers/framing.h"
#include "../../parsers/registry.h"
#include "../../parsers/winrec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 2024-12-31T00:00:00Z */
#define FUZZ_REF_US INT64_C(1735603200000000)

static void
fuzz_record(struct parse_ctx *ctx, const char *p, size_t n, uint64_t off)
{
    struct raw_record rec = {
        .data = p,
        .len = n,
        .source = STRV_LIT("fuzz"),
        .ref_time_us = FUZZ_REF_US,
        .offset = off,
        .has_offset = true,
    };
    struct event ev;
    struct buf b;

    if (parse_record(ctx, &rec, &ev) == PARSE_EVENT) {
        if (ev.repeat != 1)
            abort();
        buf_init(&b, 0);
        event_to_json(&ev, &b);
        buf_done(&b);
    }
}

static void
fuzz_lines(struct parse_ctx *ctx, struct frame *fr, const char *data,
           size_t size)
{
    size_t off = 0;

    while (off < size) {
        const char *p = data + off;
        const char *nl = memchr(p, '\n', size - off);
        size_t n = nl ? (size_t)(nl - p) : size - off;
        enum frame_result r;

        do {
            r = frame_line(fr, p, n, off);
            if (r == FRAME_PASS)
                fuzz_record(ctx, p, n, off);
            else if (r != FRAME_HOLD)
                fuzz_record(ctx, frame_data(fr), frame_len(fr),
                            frame_offset(fr));
        } while (r == FRAME_EMIT_AGAIN);
        off += n + (nl != NULL);
    }
    if (frame_flush(fr))
        fuzz_record(ctx, frame_data(fr), frame_len(fr), frame_offset(fr));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct parse_ctx *ctx;
    static struct win_state *st;
    static struct frame fr;
    const char *s = (const char *)data;

    if (ctx == NULL && (ctx = parse_ctx_new("windows-xml", NULL)) == NULL)
        abort();
    if (st == NULL && (st = win_state_new()) == NULL)
        abort();
    winrec_reset(&st->rec);
    if (winxml_decode(st, strv_make(s, size), &st->rec) == 0 &&
        (st->rec.n_data > WINREC_DATA_MAX ||
         st->rec.text_len > WINREC_TEXT_MAX))
        abort();
    fuzz_lines(ctx, &fr, s, size);
    return 0;
}
