/*
 * wintext.h - the English message text of Windows logon events, read back
 * into named EventData fields (shared by snare.c and the "windows-text"
 * parser in wintext.c).
 *
 * Forms that keep only the rendered message (Snare's ExpandedString, NXLog
 * to_syslog_bsd) still say everything in "Label: value" pairs grouped in
 * sections:
 *
 *   An account was successfully logged on.  Subject:  Security ID:  S-1-5-18
 *   ...  New Logon:  Security ID:  S-1-5-21-...-1104  Account Name:  alice
 *
 * wintext_read() turns (section, label) into the EventData name the XML
 * form would carry (New Logon / Account Name -> TargetUserName), so
 * windows_map() sees the same record whatever the form.  Pure: no I/O, no
 * allocation; the values are views into the message.
 */
#ifndef SESSIONTAIL_WINTEXT_H
#define SESSIONTAIL_WINTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../model/buf.h"
#include "winrec.h"

/* Longest label or section name looked at ("Detailed Authentication
 * Information" is 35 bytes); a longer "...:" is prose. */
#define WINTEXT_LABEL_MAX 48

/* A message title: the first sentence, which names the event. */
struct wintext_title {
    const char *text;     /* "An account was successfully logged on." */
    size_t len;           /* strlen(text) */
    uint32_t event_id;    /* 4624 */
    const char *provider; /* Microsoft-Windows-Security-Auditing */
    const char *channel;  /* Security */
};

/*
 * The title msg starts with (after leading spaces), or NULL when the text
 * is not one of the session events' messages.  The entry is static.
 */
const struct wintext_title *wintext_title_find(struct strv msg);

/*
 * Read the "Label: value" pairs of msg, the message of event event_id,
 * into r as EventData names (the field views point into msg, which must
 * outlive r's use).  Sections are recognised by name; the text may have
 * its tabs and line ends as Windows wrote them, or collapsed to spaces
 * (Snare, NXLog), or squeezed to single spaces.  Returns the number of
 * fields added (>= 0); fields past WINREC_DATA_MAX are counted in
 * r->dropped.
 */
int wintext_read(struct strv msg, uint32_t event_id, struct winrec *r);

/*
 * As wintext_read(), but a field whose name r already holds (from a
 * structured form) is left as it is.  Returns the number of fields added.
 */
int wintext_read_missing(struct strv msg, uint32_t event_id, struct winrec *r);

/* A broken-down civil time, as the text forms write it. */
struct wintext_tm {
    int year, mon, day, hour, min, sec, usec;
};

/*
 * Microseconds since the epoch of tm taken as UTC.  Returns true, or
 * false (ret untouched) when a part is out of range.  Pure.
 */
bool wintext_civil_us(const struct wintext_tm *tm, int64_t *ret);

#endif
