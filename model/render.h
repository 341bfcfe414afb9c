/*
 * render.h - JSON and one-line text renderings of events and sessions.
 *
 * The JSON writer is ours because it is on the hot path and must never emit
 * invalid JSON whatever the input bytes: every control character, CR/LF,
 * DEL, '"' and '\\' is escaped, and invalid UTF-8 (overlong forms,
 * surrogates, code points past U+10FFFF, truncated sequences) is written as
 * \u escapes of the raw bytes' Latin-1 reading (\u00XX), so a byte that was
 * in the log is never lost and never forges structure (RFC 8259 section 7).
 * Absent values are omitted, never written as "" or "-" (DESIGN 2).
 */
#ifndef SESSIONTAIL_RENDER_H
#define SESSIONTAIL_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "event.h"

struct session;

/* Append v as a quoted, escaped JSON string. */
void json_put_str(struct buf *b, struct strv v);
/* Append a member whose key is the literal text `,"name":` (keylen bytes)
 * and whose value is v as a JSON string; nothing when v is absent. */
void json_put_str_member(struct buf *b, const char *key, size_t keylen,
                         struct strv v);
/* The same for a static name (an enum's); nothing when NULL. */
void json_put_name_member(struct buf *b, const char *key, size_t keylen,
                          const char *name);
/* Append an RFC 3339 UTC time with microseconds, unquoted:
 * 2024-03-14T13:54:19.000000Z */
void render_time_rfc3339(struct buf *b, int64_t time_us);
/* Append "2024-03-14 13:54:19" (UTC), for the text rendering. */
void render_time_text(struct buf *b, int64_t time_us);
/* Append v with every byte below 0x20, DEL and invalid UTF-8 replaced by
 * a visible escape (\xHH), for text meant for a terminal. */
void render_put_text_safe(struct buf *b, struct strv v);

/* Length (2-4) of the valid UTF-8 sequence at p (n bytes available), or 0
 * when the bytes there are not one (RFC 3629 section 4); *ret_cp gets its
 * code point.  Shared with the syslog renderer. */
size_t render_utf8_seq(const unsigned char *p, size_t n, uint32_t *ret_cp);
/* True for a code point a terminal must not get raw: C1 controls and the
 * bidirectional overrides (what render_put_text_safe() escapes). */
bool render_text_unsafe_cp(uint32_t cp);

/* One JSON object per event, no trailing newline ({"record":"event",...}). */
void event_to_json(const struct event *ev, struct buf *b);
/* One line for a person, no trailing newline:
 * 2024-03-14 13:54:19  web01  login ok   alice  from 10.0.0.5:50438
 * ssh/publickey */
void event_to_text(const struct event *ev, struct buf *b);

/* The session record of DESIGN 3 ({"record":"session",...}). */
void session_to_json(const struct session *s, struct buf *b);
void session_to_text(const struct session *s, struct buf *b);

#endif
