/*
 * replay_text.c - the replay reader of text files: syslog lines, JSON and
 * Event XML, one record per line (LF or CRLF); lines longer than
 * REPLAY_LINE_MAX are cut there, counted, and the rest skipped.
 *
 * With format auto or windows-xml, lines go through a framer
 * (parsers/framing.h) that joins a pretty-printed <Event>...</Event> into
 * one record at the offset of its first line; a frame still open at the
 * end of the file is parsed as it is.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "../model/mem.h"
#include "../parsers/framing.h"
#include "replay.h"

/* Read buffer of one input; a line longer than REPLAY_LINE_MAX is cut. */
#define REPLAY_READ_CHUNK (1024 * 1024)
#define REPLAY_LINE_MAX PARSER_LINE_MAX

/* Owned by the input (in->rs). */
struct text_reader {
    struct replay_input *in;
    char *buf;
    size_t start, end; /* unread bytes are buf[start..end) */
    uint64_t base;     /* file offset of buf[0] */
    bool eof;
    bool skipping;      /* discarding the rest of an over-long line */
    bool framing;       /* join multi-line Event XML (frame) */
    struct frame frame; /* owned; frame_done() at close */
    bool refeed;        /* give line rf_* to the framer again */
    const char *rf_p;   /* into buf, valid until the next refill */
    size_t rf_n;
    uint64_t rf_off;
};

static int
refill(struct text_reader *t)
{
    ssize_t n;

    if (t->start > 0) {
        memmove(t->buf, t->buf + t->start, t->end - t->start);
        t->base += t->start;
        t->end -= t->start;
        t->start = 0;
    }
    do {
        n = read(t->in->fd, t->buf + t->end, REPLAY_READ_CHUNK - t->end);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    if (n == 0)
        t->eof = true;
    t->end += (size_t)n;
    return 0;
}

/*
 * The next line of the input (without LF or CRLF), or false at the end.
 * Lines longer than REPLAY_LINE_MAX are cut there and the rest skipped.
 */
static bool
next_line(struct text_reader *t, const char **ret_p, size_t *ret_n,
          uint64_t *ret_off)
{
    for (;;) {
        char *s = t->buf + t->start;
        size_t avail = t->end - t->start;
        char *lf = memchr(s, '\n', avail);
        size_t n;

        if (t->skipping) {
            t->start = lf ? (size_t)(lf + 1 - t->buf) : t->end;
            t->skipping = lf == NULL;
            if (lf == NULL && (t->eof || refill(t) < 0))
                return false;
            continue;
        }
        if (lf == NULL && avail < REPLAY_LINE_MAX && !t->eof) {
            if (refill(t) < 0)
                t->eof = true;
            continue;
        }
        if (lf == NULL && avail == 0)
            return false;
        n = lf ? (size_t)(lf - s) : avail;
        if (n > REPLAY_LINE_MAX) {
            n = REPLAY_LINE_MAX;
            t->in->truncated++;
            t->skipping = true;
            t->start += n;
        } else {
            t->start += n + (lf != NULL);
        }
        *ret_off = t->base + (uint64_t)(s - t->buf);
        if (n > 0 && s[n - 1] == '\r')
            n--;
        *ret_p = s;
        *ret_n = n;
        return true;
    }
}

/* The frame just emitted as the next record. */
static bool
frame_record(struct text_reader *t, const char **ret_p, size_t *ret_n,
             uint64_t *ret_off)
{
    *ret_p = frame_data(&t->frame);
    *ret_n = frame_len(&t->frame);
    *ret_off = frame_offset(&t->frame);
    return true;
}

/*
 * The next record: a line, or with framing on a multi-line <Event> (see
 * parsers/framing.h); false at the end of the input.
 */
static bool
next_record(struct text_reader *t, const char **ret_p, size_t *ret_n,
            uint64_t *ret_off)
{
    const char *p;
    size_t n;
    uint64_t off;

    if (!t->framing)
        return next_line(t, ret_p, ret_n, ret_off);
    for (;;) {
        if (t->refeed) {
            t->refeed = false;
            p = t->rf_p;
            n = t->rf_n;
            off = t->rf_off;
        } else if (!next_line(t, &p, &n, &off)) {
            return frame_flush(&t->frame) &&
                   frame_record(t, ret_p, ret_n, ret_off);
        }
        switch (frame_line(&t->frame, p, n, off)) {
        case FRAME_PASS:
            *ret_p = p;
            *ret_n = n;
            *ret_off = off;
            return true;
        case FRAME_HOLD:
            break;
        case FRAME_EMIT_AGAIN:
            t->refeed = true;
            t->rf_p = p;
            t->rf_n = n;
            t->rf_off = off;
            return frame_record(t, ret_p, ret_n, ret_off);
        case FRAME_EMIT:
            return frame_record(t, ret_p, ret_n, ret_off);
        }
    }
}

/* Text takes whatever no other reader took, except a directory. */
static bool
text_detect(const struct stat *st, const unsigned char *head, size_t n)
{
    (void)head;
    (void)n;
    return !S_ISDIR(st->st_mode);
}

static int
text_open(struct replay_input *in)
{
    struct text_reader *t = mem_calloc(1, sizeof(*t));

    if (t == NULL)
        return -ENOMEM;
    in->rs = t;
    t->in = in;
    t->framing = frame_wanted(in->format);
    t->buf = mem_malloc(REPLAY_READ_CHUNK);
    return t->buf == NULL ? -ENOMEM : 0;
}

static bool
text_next(struct replay_input *in, struct raw_record *rec)
{
    struct text_reader *t = in->rs;
    uint64_t cut = in->truncated + t->frame.overlong;

    if (!next_record(t, &rec->data, &rec->len, &rec->offset)) {
        in->truncated += t->frame.overlong;
        t->frame.overlong = 0;
        return false;
    }
    rec->kind = RECORD_TEXT;
    rec->has_offset = true;
    rec->truncated = in->truncated + t->frame.overlong != cut;
    return true;
}

static void
text_close(struct replay_input *in)
{
    struct text_reader *t = in->rs;

    if (t == NULL)
        return;
    mem_free(t->buf);
    frame_done(&t->frame);
    mem_free(t);
    in->rs = NULL;
}

const struct replay_reader replay_text_reader = {
    .name = "text",
    .detect = text_detect,
    .open = text_open,
    .next = text_next,
    .close = text_close,
};
