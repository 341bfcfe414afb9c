/*
 * framing.c - join the lines of a pretty-printed Windows Event XML event
 * (Windows Event schema, <Event xmlns="http://schemas.microsoft.com/win/
 * 2004/08/events/event"> ... </Event>) into one record; see framing.h for
 * the rules.  Cheap for everything else: a line is looked at further only
 * when its first non-blank byte is '<'.
 *
 *   <Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
 *     <System><EventID>4624</EventID>...</System> ...
 *   </Event>
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../model/mem.h"
#include "framing.h"

static const char frame_close[] = "</Event>";

static bool
is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* p[i..n) after blanks. */
static size_t
skip_blanks(const char *p, size_t i, size_t n)
{
    while (i < n && is_blank(p[i]))
        i++;
    return i;
}

static bool
starts(const char *p, size_t i, size_t n, const char *s)
{
    size_t k = strlen(s);

    return n - i >= k && memcmp(p + i, s, k) == 0;
}

/* p[i..n) starts with the tag name `name` (then a blank, '>' or the end). */
static bool
starts_tag(const char *p, size_t i, size_t n, const char *name)
{
    size_t k = strlen(name);

    return starts(p, i, n, name) &&
           (i + k == n || is_blank(p[i + k]) || p[i + k] == '>');
}

/*
 * Does the line begin an <Event> element: "<Event" then a blank or '>',
 * after blanks, an optional "<?xml ...?>" prolog and an optional <Events>
 * start tag?
 */
static bool
opens_event(const char *p, size_t n)
{
    size_t i = skip_blanks(p, 0, n);
    const char *e;

    if (i == n || p[i] != '<')
        return false;
    if (starts(p, i, n, "<?xml")) {
        e = memmem(p + i, n - i, "?>", 2);
        if (e == NULL)
            return false;
        i = skip_blanks(p, (size_t)(e - p) + 2, n);
    }
    if (starts_tag(p, i, n, "<Events")) {
        e = memchr(p + i, '>', n - i);
        if (e == NULL)
            return false;
        i = skip_blanks(p, (size_t)(e - p) + 1, n);
    }
    return starts_tag(p, i, n, "<Event");
}

/* Does the line hold "</Event>"?  Usually at its end: looked at first;
 * else at each '<' (a line of a pretty event has one or two). */
static bool
closes_event(const char *p, size_t n)
{
    size_t k = sizeof(frame_close) - 1, m = n;
    const char *q = p, *end = p + n;

    while (m > 0 && is_blank(p[m - 1]))
        m--;
    if (m >= k && memcmp(p + m - k, frame_close, k) == 0)
        return true;
    while ((size_t)(end - q) >= k &&
           (q = memchr(q, '<', (size_t)(end - q) - k + 1)) != NULL) {
        if (memcmp(q, frame_close, k) == 0)
            return true;
        q++;
    }
    return false;
}

/* Start empty. */
void
frame_init(struct frame *f)
{
    *f = (struct frame){0};
}

/* Free the buffer (owned); the framer is empty and reusable. */
void
frame_done(struct frame *f)
{
    mem_free(f->buf);
    frame_init(f);
}

/* Forget the open frame, if any (the counter stays). */
void
frame_reset(struct frame *f)
{
    f->open = false;
    f->skipping = false;
    f->after_frame = false;
    f->len = 0;
}

/* Append the line (and the LF before it, unless first); false when the
 * frame would pass FRAME_MAX (nothing appended). */
static bool
frame_append(struct frame *f, const char *p, size_t n)
{
    size_t lf = f->len > 0;

    if (n + lf > FRAME_MAX - f->len)
        return false;
    if (lf)
        f->buf[f->len++] = '\n';
    memcpy(f->buf + f->len, p, n);
    f->len += n;
    return true;
}

/* The first line of a frame. */
static enum frame_result
frame_open(struct frame *f, const char *p, size_t n, uint64_t off)
{
    if (f->buf == NULL && (f->buf = mem_malloc(FRAME_MAX)) == NULL)
        return FRAME_PASS;
    f->len = 0;
    f->offset = off;
    f->open = true;
    f->skipping = false;
    if (!frame_append(f, p, n)) { /* a first line past FRAME_MAX */
        f->len = FRAME_MAX;
        memcpy(f->buf, p, FRAME_MAX);
        f->open = false;
        f->overlong++;
        f->skipping = true;
        return FRAME_EMIT;
    }
    return FRAME_HOLD;
}

/*
 * Feed one line found at offset off (see framing.h).  The line is
 * borrowed for the call; the frame is copied into the owned buffer.
 */
enum frame_result
frame_line(struct frame *f, const char *p, size_t n, uint64_t off)
{
    bool starts_event = n > 0 && opens_event(p, n);

    if (!f->open && f->after_frame && skip_blanks(p, 0, n) == n)
        return FRAME_HOLD; /* the blank line an export puts after each */
    f->after_frame = false;
    if (!f->open) {
        if (!starts_event) {
            if (!f->skipping)
                return FRAME_PASS;
            if (closes_event(p, n))
                f->skipping = false;
            return FRAME_HOLD;
        }
        if (closes_event(p, n)) {
            f->skipping = false;
            return FRAME_PASS;
        }
        return frame_open(f, p, n, off);
    }
    if (starts_event) {
        /* the open event never closed: it ends here, as it is */
        f->open = false;
        return FRAME_EMIT_AGAIN;
    }
    if (!frame_append(f, p, n)) {
        f->open = false;
        f->overlong++;
        f->skipping = !closes_event(p, n);
        return FRAME_EMIT;
    }
    if (closes_event(p, n)) {
        f->open = false;
        f->after_frame = true;
        return FRAME_EMIT;
    }
    return FRAME_HOLD;
}

/* End of input: an open frame is emitted as it is (true), then forgotten
 * by the next call. */
bool
frame_flush(struct frame *f)
{
    bool was = f->open;

    f->open = false;
    f->skipping = false;
    return was;
}

/* A frame is open: its first line is the safe position to resume at. */
bool
frame_is_open(const struct frame *f)
{
    return f->open;
}

/* The emitted frame's bytes (borrowed, valid until the next call). */
const char *
frame_data(const struct frame *f)
{
    return f->buf;
}

/* The emitted frame's length. */
size_t
frame_len(const struct frame *f)
{
    return f->len;
}

/* The file offset of the emitted (or open) frame's first line. */
uint64_t
frame_offset(const struct frame *f)
{
    return f->offset;
}

/* Framing applies to "auto" (also NULL) and "windows-xml" sources. */
bool
frame_wanted(const char *format)
{
    return format == NULL || strcmp(format, "auto") == 0 ||
           strcmp(format, "windows-xml") == 0;
}
