/*
 * winjson.h - private to the Windows JSON parsers (winjson.c, nxlog.c,
 * openwec.c, winlogbeat.c): the flavour decoders and the helpers they
 * share.
 *
 * winjson.c parses a JSON payload once with cJSON, picks the flavour by
 * its keys and calls one decoder, which fills the shared Windows state's
 * neutral record (winrec.h) from the cJSON tree.  Decoders copy every
 * string they keep into the record (winrec_store): the tree is freed as
 * soon as the event is mapped.  Pure: no I/O, no globals.
 */
#ifndef SESSIONTAIL_WINJSON_H
#define SESSIONTAIL_WINJSON_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "parser.h"
#include "winrec.h"

/* The largest JSON payload looked at (bytes). */
#define WINJSON_SIZE_MAX PARSER_LINE_MAX
/* Deepest object/array nesting accepted; checked before cJSON parses. */
#define WINJSON_DEPTH_MAX 16
/* A top-level "Message"/"message" string at least this long (bytes, with
 * quotes) is cut before cJSON parses the text (winjson.c, scan_json). */
#define WINJSON_CUT_MIN 256
/* Largest Windows event id (EventID is a 16-bit value). */
#define WINJSON_EVENT_ID_MAX 65535

/*
 * A flavour decoder: fill st->rec (reset by the caller) from the parsed
 * object root.  env gives the record's zone offset for zone-less times.
 * Returns 0, or -EBADMSG for a value of the wrong type or form.
 */
typedef int winjson_decode_fn(struct win_state *st, const cJSON *root,
                              const struct envelope *env);

winjson_decode_fn parser_nxlog_decode;
winjson_decode_fn parser_openwec_decode;
winjson_decode_fn parser_openwec_raw_decode;
winjson_decode_fn parser_winlogbeat_decode;

/*
 * Parse a timestamp: "Y-m-d H:M:S" (NXLog's local time) or RFC 3339
 * ("2024-03-14T13:54:19.3628662Z", "...+02:00"), fraction cut to µs.
 * A time without a zone is local: tz_offset_s (east of UTC) is
 * subtracted.  Writes *ret_us (µs since the epoch, UTC) and returns 0, or
 * -EBADMSG.
 */
int winjson_time(struct strv s, int32_t tz_offset_s, int64_t *ret_us);

/* True when v contains s, ignoring ASCII case. */
bool winjson_case_contains(struct strv v, const char *s);

/*
 * The text of a scalar: a string as is, a number in decimal (integers
 * exactly, others with 17 significant digits), true/false.  Copied into
 * r's text (an empty view, r->truncated set, when it is full).  Returns 0,
 * or 1 when the item is null, an object or an array (no text).
 */
int winjson_scalar(struct winrec *r, const cJSON *it, struct strv *ret);

/* An object member that may be absent (*ret NULL, returns 0); -EBADMSG
 * when it is there but not an object. */
int winjson_object(const cJSON *obj, const char *key, const cJSON **ret);

/*
 * A string member copied into r: 0 when absent or null (*ret untouched),
 * -EBADMSG when present with another type.
 */
int winjson_get_str(struct winrec *r, const cJSON *obj, const char *key,
                    struct strv *ret);

/*
 * An id that is a number or a string of digits (EventRecordID,
 * ProcessID...), copied into r as decimal text: 0 (absent or null leaves
 * *ret untouched), -EBADMSG for another type.
 */
int winjson_get_id(struct winrec *r, const cJSON *obj, const char *key,
                   struct strv *ret);

/*
 * The event id of item (a number or a string of digits, at most
 * WINJSON_EVENT_ID_MAX) into r.  Returns 0 or -EBADMSG (absent too).
 */
int winjson_event_id(struct winrec *r, const cJSON *it);

/* A time member (a string) into r->time_us: 0 when absent, -EBADMSG for
 * another type or an unreadable time. */
int winjson_get_time(struct winrec *r, const cJSON *it,
                     const struct envelope *env);

/*
 * Add every scalar member of obj as a data field (name and value copied
 * into r).  Members named in skip (NULL-terminated, may be NULL) and
 * members that are objects, arrays or null are left out.  When nest is
 * true, the scalars of member objects are added too (one level).
 * Returns 0 (fields past the record's limits are counted there).
 */
int winjson_add_members(struct winrec *r, const cJSON *obj,
                        const char *const *skip, bool nest);

/*
 * Decode an XML fragment carried as a JSON string (OpenWEC's UserData:
 * "<EventXML ...>...</EventXML>"; NXLog's UserData): it is copied into
 * r's text wrapped in <UserData>...</UserData> unless it already starts
 * with "<UserData", and handed to winxml_decode().  Returns 0 or -EBADMSG.
 */
int winjson_userdata_xml(struct win_state *st, struct strv xml);

#endif
