/*
 * winrec.h - the neutral Windows event record (DESIGN 2).
 *
 * Every Windows wire form (Event XML, NXLog JSON, OpenWEC JSON, Winlogbeat
 * JSON, Snare, NXLog text and RFC 5424 structured data) decodes into one
 * struct winrec: provider, channel, event id, computer, time, record id
 * and the event's named data (EventData/Data Name=..., or the children of
 * UserData/EventXML, or Snare's labels translated to those names).  Only
 * windows.c knows what an event id means: windows_map() turns a winrec
 * into an event, the same whatever form it came in.
 *
 * Ownership: a winrec owns the text its views point into (`text`), so it
 * can hold decoded XML entities or JSON escapes.  It is large: keep one per
 * parser state and reuse it (winrec_reset()); events made from it are valid
 * until the next reset.  Pure: no I/O, no globals.
 */
#ifndef SESSIONTAIL_WINREC_H
#define SESSIONTAIL_WINREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../model/buf.h"
#include "../model/event.h"

/* Named data fields kept per event; more are counted and dropped. */
#define WINREC_DATA_MAX 128
/* Bytes of decoded text one event can hold; past it values are cut. */
#define WINREC_TEXT_MAX (64 * 1024)

struct winrec_field {
    struct strv name;  /* "TargetUserName", "LogonType", "Address"... */
    struct strv value; /* as the form wrote it, unescaped */
};

struct winrec {
    struct strv provider; /* Microsoft-Windows-Security-Auditing */
    struct strv channel;  /* Security, System, Microsoft-Windows-...  */
    struct strv computer; /* the host the event happened on */
    struct strv record_id;
    struct strv user_sid; /* System/Security UserID, when present */
    struct strv process_id;
    uint32_t event_id;
    bool has_event_id;
    int64_t time_us; /* EVENT_TIME_UNSET when absent */
    size_t n_data;
    size_t dropped; /* fields past WINREC_DATA_MAX */
    bool truncated; /* text past WINREC_TEXT_MAX */
    struct winrec_field data[WINREC_DATA_MAX];
    size_t text_len;
    char text[WINREC_TEXT_MAX];
};

/*
 * The parser state every Windows form shares (one per parse context: the
 * registry gives parsers with the same state_new one state).  `rec` is the
 * record being decoded; `xml` is the expat parser of winxml.c, created on
 * first use and reset per document, freed through xml_free so this file
 * does not depend on expat.
 */
struct win_state {
    struct winrec rec;
    void *xml;
    void (*xml_free)(void *xml);
};

/* state_new / state_free of every Windows parser (NULL on ENOMEM). */
void *win_state_new(void);
void win_state_free(void *state);

/*
 * Decode one Event XML document (a whole <Event>, or a bare <UserData> /
 * <EventData> fragment) into r, adding to what r already holds (call
 * winrec_reset() first for a new event).  Implemented in winxml.c; the
 * JSON forms use it for the XML they carry (OpenWEC RawJson "data",
 * OpenWEC Json "UserData").  Returns 0 or -EBADMSG.
 */
int winxml_decode(struct win_state *st, struct strv xml, struct winrec *r);

/* Forget everything (does not touch the text buffer's bytes). */
void winrec_reset(struct winrec *r);

/* Copy n bytes into the record's text and return a view of the copy (an
 * empty view, and truncated set, when it does not fit). */
struct strv winrec_store(struct winrec *r, const char *p, size_t n);

/* Add a named field (views must stay valid as long as the record: into the
 * record's text, or into the input the caller keeps alive).  Returns 0 or
 * -E2BIG (counted in dropped). */
int winrec_add(struct winrec *r, struct strv name, struct strv value);

/* The value of a field by exact name, or an empty view. */
struct strv winrec_get(const struct winrec *r, const char *name);

/*
 * The one Windows semantic table: fill ev from r.  ev was event_init()ed
 * by the caller and carries the record-level fields (source, format,
 * record_id from the file offset); windows_map sets time, hostname (from
 * Computer, never the transport) and record_id (EventRecordID) when r has
 * them.  Returns PARSE_EVENT, PARSE_NONE (an event id that is not about
 * sessions) or -EBADMSG (a session event missing what it needs).
 */
int windows_map(const struct winrec *r, struct event *ev);

#endif
