/*
 * state_codec.h - the open-session state file, as bytes (DESIGN 3: "open
 * sessions survive a restart").  Pure: no I/O, no clock, no logging, so
 * the unit tests and the fuzz target call it directly; daemon/state.c does
 * the file and the loop.
 *
 * `<state_dir>/sessions.state` is JSON lines (RFC 8259, one value per
 * line).  The first line is a header, then one line per open session with
 * everything session_table_restore() needs from a struct session_view:
 *
 *   {"sessiontail_state":1,"saved":"2024-03-14T13:54:19.000000Z",
 *    "count":2                   }
 *   {"session_id":"9f3a0c1d2e3f4a5b","start_us":"1710424459000000",
 *    "last_us":"1710424459000000","hostname":"web01","login_id":"3001",
 *    "user":"alice","username_type":"Simple","login_type":"remote",
 *    "login_successful":true,"src_ip":"192.0.2.10","src_port":50438,
 *    "admin":false,"lock_count":0,"failure_count":0,"event_count":1,
 *    "sources":[{"format":"sshd","event_code":"sshd-accepted",
 *    "record_id":"0","time_us":"1710424459000000"}],
 *    "keys":["0d6b1c7e2f3a4b5c"],"flags":0}
 *
 * Spellings chosen so that every value comes back bit for bit through
 * cJSON, which reads numbers as doubles: times are decimal strings of µs
 * ("start_us"), the 64-bit engine words (keys, by position up to the last
 * one in use; boot) 16 lower-case hex digits, and only values that fit 32 bits
 * (ports, counts, flags) or 2^53 (event_count) are JSON numbers.  Enums are
 * stored by the names the session records use (event.h), so a renumbering
 * cannot change their meaning.  Absent strings are omitted, as in every other
 * output.  The header's count is padded with blanks (allowed between JSON
 * tokens) to a fixed width, so a writer that learns the count at the end can
 * write the header again in place.
 *
 * Strings are written with the renderers' escaper (render.h): valid UTF-8
 * and every escaped control byte come back as they were; a byte of invalid
 * UTF-8 was written as \u00XX and comes back as U+00XX in UTF-8 - the value
 * every sink already received for that session.  cJSON ends strings at
 * NUL, so a string holding \u0000 comes back cut at it.
 */
#ifndef SESSIONTAIL_STATE_CODEC_H
#define SESSIONTAIL_STATE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../model/buf.h"
#include "../model/session.h"

#define STATE_VERSION 1
/* Bytes of one string value written; longer values are not saved.  Four
 * times the session engine's own cap, so every value it keeps fits. */
#define STATE_STR_MAX 1024
/* Bytes of one string value read back: a raw invalid UTF-8 byte is
 * written as \u00XX and comes back as two bytes (U+00XX in UTF-8), so
 * whatever was written reads back. */
#define STATE_STR_READ_MAX (2 * STATE_STR_MAX)
/* String members of one session line: nine of the session, three per
 * source. */
#define STATE_STRINGS (9 + 3 * SESSION_SOURCES_MAX)
/* Bytes of one line, LF excluded: every string at its maximum, each byte
 * escaped as \u00XX (6 bytes), plus the fixed members. */
#define STATE_LINE_MAX (STATE_STRINGS * STATE_STR_MAX * 6 + 4096)
/* Session lines read from one file (the largest max_open config allows). */
#define STATE_SESSIONS_MAX 100000000ULL
/* Width the header's count is padded to (the digits of UINT64_MAX). */
#define STATE_COUNT_WIDTH 20

/* One session read back: the view and the storage its strings point to.
 * The view points into the record itself: never copy one by value. */
struct state_record {
    struct session_view v;
    size_t used; /* bytes of `store` in use */
    char store[STATE_STRINGS * STATE_STR_READ_MAX];
};

/* How a line fed to the reader ended. */
enum state_line_end {
    STATE_LINE_LF = 0,  /* a whole line */
    STATE_LINE_EOF,     /* the file ended before its LF (cut or edited) */
    STATE_LINE_OVERLONG /* longer than STATE_LINE_MAX: only a prefix */
};

/* Reads a file line by line.  Owns nothing outside itself. */
struct state_reader {
    uint64_t line_no;  /* of the line last fed, from 1 */
    uint64_t count;    /* sessions the header announced */
    uint64_t sessions; /* session lines read */
    uint64_t skipped;  /* bad lines, skipped */
    bool header;       /* the header has been read */
    const char *why;   /* why the line last fed was skipped */
    char why_buf[96];  /* storage for a `why` that names a member */
    struct state_record rec;
};

/*
 * Append the header line (LF included): version, the save time `saved_us`
 * (RFC 3339) and `count`, padded to STATE_COUNT_WIDTH, so the line has the
 * same length whatever the count.
 */
void state_format_header(struct buf *b, int64_t saved_us, uint64_t count);

/*
 * Append one session line (LF included) for the open session v (borrowed).
 * Returns 0; -E2BIG when a string is longer than STATE_STR_MAX (nothing
 * is appended: the session is not saved); -ENOMEM when b ran out.
 */
int state_format_session(const struct session_view *v, struct buf *b);

void state_reader_init(struct state_reader *r);

/*
 * Feed the next line [p, p + n) of a file, LF excluded (borrowed).
 * Returns 1 when it was a session: r->rec holds it until the next call;
 * 0 when it was the header, or a bad line that was skipped and counted in
 * r->skipped (*ret_why then says why; r->line_no is its number);
 * -EBADMSG (the first line is not a header) or -EPROTONOSUPPORT (another
 * version): the file must not be used; -E2BIG past STATE_SESSIONS_MAX
 * lines; -ENOMEM.
 */
int state_reader_line(struct state_reader *r, const char *p, size_t n,
                      enum state_line_end end, const char **ret_why);

#endif
