/*
 * fuzz_state.c - libFuzzer target for the state-file reader
 * (state_reader_line(), daemon/state_codec.h).
 *
 * The input is read as a whole file, line by line as the daemon reads it,
 * once as it is and once behind a valid header so the fuzzer reaches the
 * session lines without having to find the header.  Any input must be
 * skipped cleanly or read; every session read must write back
 * (state_format_session) and read again, and from the second write on
 * always to the same bytes: abort() when not.  Seed: a file the daemon wrote,
 * e.g.
 *
 *   {"sessiontail_state":1,"saved":"2024-03-14T13:54:19.000000Z",
 *    "count":1                   }
 *   {"session_id":"9f3a0c1d2e3f4a5b","start_us":"1710424459000000",...}
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../daemon/state_codec.h"
#include "../../model/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Readers are large (the string store): two, allocated once. */
static struct state_reader *reader, *again;

/* Read one session line (LF included); false when it does not read
 * back.  *ret gets what writing it again into out returned. */
static bool
reformat(const struct buf *line, struct buf *out, int *ret)
{
    static const char hdr[] =
        "{\"sessiontail_state\":1,\"saved\":\"x\",\"count\":1}";
    const char *why;

    state_reader_init(again);
    if (state_reader_line(again, hdr, sizeof(hdr) - 1, STATE_LINE_LF, &why) !=
            0 ||
        state_reader_line(again, line->data, line->len - 1, STATE_LINE_LF,
                          &why) != 1)
        return false;
    *ret = state_format_session(&again->rec.v, out);
    return true;
}

/*
 * Write the session just read: what is written must read back, and from
 * the second write on always write the same bytes.  (The first write may
 * differ from the input and from the second: a hand-written file may spell
 * a value another way, and a raw invalid UTF-8 byte is written as its
 * \u00XX reading, which reads back as U+00XX - state_codec.h.  A value
 * read may also be too long to write: -E2BIG, the writer's one refusal.)
 */
static void
round_trip(const struct session_view *v)
{
    struct buf w1, w2, w3;
    int r;

    buf_init(&w1, 0);
    buf_init(&w2, 0);
    buf_init(&w3, 0);
    r = state_format_session(v, &w1);
    if (r == 0 && !reformat(&w1, &w2, &r))
        abort();
    if (r == 0 && (!reformat(&w2, &w3, &r) || r != 0 || w2.len != w3.len ||
                   memcmp(w2.data, w3.data, w2.len) != 0))
        abort();
    if (r != 0 && r != -E2BIG)
        abort();
    buf_done(&w1);
    buf_done(&w2);
    buf_done(&w3);
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
