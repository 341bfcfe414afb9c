/*
 * framing.h - multi-line Windows Event XML framing (DESIGN 4): a line
 * reader gives lines, the framer decides which lines make one record.
 *
 * Export tools pretty-print events across many lines:
 *
 *   <Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
 *     <System>
 *       ...
 *   </Event>
 *
 * A line whose first non-blank bytes are "<Event" then a blank or '>'
 * (not "<Events>", "<EventData>"...), possibly behind an "<?xml ...?>"
 * prolog and an "<Events>" wrapper, and that holds no "</Event>", opens a
 * frame; the following lines are joined to it (LF kept) up to and
 * including the first line holding "</Event>".  Blank lines right after
 * a frame separate events (evtxexport) and are dropped.  Every other line
 * is a record by itself (the one-line WEF form, syslog lines...).  The record
 * offset of a frame is the offset of its first line.
 *
 * Bounds: a frame longer than FRAME_MAX is emitted as far as it got (a
 * malformed record for the parser), counted in `overlong`, and its other
 * lines are dropped up to its "</Event>" or the next "<Event".  A new
 * "<Event" line inside an open frame ends the open one as it is (a
 * truncated event must not swallow the next).  At the end of the input a
 * reader that follows a file keeps the frame open (more may come); one
 * that reads to the end calls frame_flush().
 *
 * Pure: no I/O; the frame buffer (FRAME_MAX bytes) is allocated on the
 * first frame through model/mem.h and owned by the struct.
 */
#ifndef SESSIONTAIL_FRAMING_H
#define SESSIONTAIL_FRAMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest framed event: an event with a big RenderingInfo passes 64 KiB. */
#define FRAME_MAX (256 * 1024)

/* What to do with a line given to frame_line(). */
enum frame_result {
    FRAME_PASS = 0,   /* the line is a record of its own: emit it */
    FRAME_HOLD,       /* the line joined the open frame: emit nothing */
    FRAME_EMIT,       /* emit frame_data(); the line was consumed */
    FRAME_EMIT_AGAIN, /* emit frame_data(), then give the same line again */
};

/* One framer per line stream.  Zero-initialise (or frame_init()). */
struct frame {
    char *buf; /* owned, FRAME_MAX bytes once a frame opened */
    size_t len;
    uint64_t offset;   /* offset of the open frame's first line */
    bool open;         /* a frame is being collected */
    bool skipping;     /* an over-long frame: drop lines to its end */
    bool after_frame;  /* a frame just closed: blank lines are dropped */
    uint64_t overlong; /* frames cut at FRAME_MAX */
};

/* Start empty (same as zeroing). */
void frame_init(struct frame *f);

/* Free the buffer; the framer is empty again. */
void frame_done(struct frame *f);

/*
 * Feed one line (without its LF; CR removed) found at file offset `off`.
 * See enum frame_result.  After FRAME_EMIT / FRAME_EMIT_AGAIN, the record
 * is frame_data() / frame_len() at frame_offset(), valid until the next
 * call.  Without memory for the buffer, lines pass one by one.
 */
enum frame_result frame_line(struct frame *f, const char *p, size_t n,
                             uint64_t off);

/*
 * End of input: true when an open frame was there, to be emitted as it is
 * (frame_data() etc.); the framer is empty afterwards.
 */
bool frame_flush(struct frame *f);

/* Forget an open frame (the reader restarts elsewhere). */
void frame_reset(struct frame *f);

/* True while a frame is open (a reader's safe position is before it). */
bool frame_is_open(const struct frame *f);

const char *frame_data(const struct frame *f);
size_t frame_len(const struct frame *f);
uint64_t frame_offset(const struct frame *f);

/* True when `format` ("auto", NULL or a parser name) may carry framed
 * Windows Event XML: auto and windows-xml. */
bool frame_wanted(const char *format);

#endif
