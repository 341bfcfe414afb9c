/*
 * winrec.c - the neutral Windows event record and the parser state every
 * Windows wire form shares (DESIGN 2, winrec.h).
 *
 * Each form (Event XML, NXLog/OpenWEC/Winlogbeat JSON, Snare, NXLog text,
 * RFC 5424 structured data) decodes into one struct winrec: the System
 * part of the event (Provider Name, Channel, EventID, Computer,
 * TimeCreated SystemTime, EventRecordID, Security UserID) plus the named
 * EventData/UserData values, e.g. for
 *
 *   <Data Name='TargetUserName'>alice</Data>
 *
 * the field {"TargetUserName", "alice"}.  The record owns a fixed text
 * area for values that had to be decoded (XML entities, JSON escapes);
 * views into the input are fine too as long as it lives.  Nothing here
 * allocates except win_state_new(); lookups are a linear scan, cheap for
 * the 10 to 30 fields a logon event carries.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "../model/mem.h"
#include "winrec.h"

/*
 * Forget everything the record holds: views, counters, the text area's
 * length (its bytes are left as they are).  r is owned by the caller.
 */
void
winrec_reset(struct winrec *r)
{
    /* Clear the header only: data[] and text[] are written before read. */
    memset(r, 0, offsetof(struct winrec, data));
    r->time_us = EVENT_TIME_UNSET;
    r->text_len = 0;
}

/*
 * Copy n bytes into r's text area and return a view of the copy, valid
 * until the next winrec_reset().  When the bytes do not fit, sets
 * r->truncated and returns an empty view.
 */
struct strv
winrec_store(struct winrec *r, const char *p, size_t n)
{
    char *d;

    if (n > WINREC_TEXT_MAX - r->text_len) {
        r->truncated = true;
        return STRV_NULL;
    }
    if (n == 0)
        return strv_make(r->text + r->text_len, 0);
    d = r->text + r->text_len;
    memcpy(d, p, n);
    r->text_len += n;
    return strv_make(d, n);
}

/*
 * Append the field name=value (both borrowed views that must outlive the
 * record's current contents).  Returns 0, or -E2BIG when WINREC_DATA_MAX
 * fields are already held (the field is counted in r->dropped).
 */
int
winrec_add(struct winrec *r, struct strv name, struct strv value)
{
    if (r->n_data >= WINREC_DATA_MAX) {
        r->dropped++;
        return -E2BIG;
    }
    r->data[r->n_data].name = name;
    r->data[r->n_data].value = value;
    r->n_data++;
    return 0;
}

/*
 * The value of the first field named exactly `name`, or an empty view when
 * there is none.  The view is borrowed from r.
 */
struct strv
winrec_get(const struct winrec *r, const char *name)
{
    size_t n = strlen(name);

    for (size_t i = 0; i < r->n_data; i++) {
        const struct strv *k = &r->data[i].name;

        if (k->n == n && memcmp(k->p, name, n) == 0)
            return r->data[i].value;
    }
    return STRV_NULL;
}

/*
 * Allocate the shared Windows parser state (zeroed, record reset).
 * Returns the owned state, or NULL on ENOMEM; free with win_state_free().
 */
void *
win_state_new(void)
{
    struct win_state *st = mem_calloc(1, sizeof(*st));

    if (st == NULL)
        return NULL;
    winrec_reset(&st->rec);
    return st;
}

/*
 * Free the state made by win_state_new() and the XML parser it holds, if
 * any.  Accepts NULL.
 */
void
win_state_free(void *state)
{
    struct win_state *st = state;

    if (st == NULL)
        return;
    if (st->xml != NULL && st->xml_free != NULL)
        st->xml_free(st->xml);
    mem_free(st);
}
