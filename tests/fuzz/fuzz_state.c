/*
 * fuzz_state.c - libFuzzer target for the state-file reader
 * (state_reader_line(), daemon/state_codec.h).
 *
 * The input is read as a whole file, line by line as the daemon reads it,
 * once as it is and once behind a valid header so the fuzzer reaches the
 * session lines without having to find the header.  Any input must be
 * skipped cleanly or read; every session read must write back
 * (state_format_session), read again and write the same bytes again:
 * abort() when not.  Seed: a file the daemon wrote, e.g.
 *
 *   {"sessiontail_state":1,"saved":"2024-03-14T13:54:19.000000Z",
 *    "count":1                   }
 *   {"session_id":"9f3a0c1d2e3f4a5b","start_us":"1710424459000000",...}
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../daemon/state_codec.h"
#include "../../model/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Readers are large (the string store): two, allocated once. */
static struct state_reader *reader, *again;

/*
 * Write the session just read, read that back and write it again: both
 * writes must be the same bytes.  (Not the input bytes: a hand-written
 * file may spell a value another way, and a raw invalid UTF-8 byte is
 * written back as its \u00XX reading, state_codec.h.)
 */
static void
round_trip(const struct session_view *v)
{
    static const char hdr[] =
        "{\"sessiontail_state\":1,\"saved\":\"x\",\"count\":1}";
    const char *why;
    struct buf w1, w2;

    buf_init(&w1, 0);
    buf_init(&w2, 0);
    /* what was read always fits and formats */
    if (state_format_session(v, &w1) != 0 || w1.len == 0)
        abort();
    state_reader_init(again);
    if (state_reader_line(again, hdr, sizeof(hdr) - 1, STATE_LINE_LF, &why) !=
            0 ||
        state_reader_line(again, w1.data, w1.len - 1, STATE_LINE_LF, &why) !=
            1 ||
        state_format_session(&again->rec.v, &w2) != 0 || w1.len != w2.len ||
        memcmp(w1.data, w2.data, w1.len) != 0)
        abort();
    buf_done(&w1);
    buf_done(&w2);
}

/* Feed [p, end) line by line; stops at a header error. */
static void
read_all(const char *p, const char *end)
{
    state_reader_init(reader);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        const char *why = NULL;
        int r = state_reader_line(reader, p, n,
                                  nl ? STATE_LINE_LF : STATE_LINE_EOF, &why);

        if (r < 0)
            return;
        if (r == 1)
            round_trip(&reader->rec.v);
        else if (reader->line_no > 1 && why == NULL)
            abort(); /* a line skipped without a reason */
        p += n + (nl != NULL);
    }
}

/* See the file comment.  Owns nothing past the call. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct buf framed;

    if (reader == NULL) {
        reader = malloc(sizeof(*reader));
        again = malloc(sizeof(*again));
        if (reader == NULL || again == NULL)
            abort();
    }
    read_all((const char *)data, (const char *)data + size);
    buf_init(&framed, 0);
    state_format_header(&framed, 0, 0);
    buf_append(&framed, data, size);
    if (!framed.oom)
        read_all(framed.data, framed.data + framed.len);
    buf_done(&framed);
    return 0;
}
