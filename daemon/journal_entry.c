/*
 * journal_entry.c - copy one journal entry's fields out of sd-journal
 * (sd-journal(3), sd_journal_enumerate_available_data(3),
 * sd_journal_get_realtime_usec(3), sd_journal_get_cursor(3)).
 *
 * One pass over the entry's data objects (enumerate_available_data skips
 * objects compressed with an algorithm this libsystemd lacks instead of
 * failing the entry), each "FIELD=value" matched against a small table by
 * length and name; getting each field with sd_journal_get_data() would
 * scan the entry's items once per field.  Values are copied: libsystemd's
 * pointers are valid only until its next data call.
 *
 *   _BOOT_ID=5b4c1f2e8a9d4c3b9e2f1a0b7c6d5e4f
 *   MESSAGE=Accepted publickey for alice from 10.0.0.5 port 50438 ssh2
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "journal_entry.h"

/* Digits of a cursor's hexadecimal seqnum ("i=") we accept. */
#define CURSOR_SEQNUM_DIGITS_MAX 16

/*
 * The value of "key=" in a ';'-separated cursor, or NULL; *ret_n is its
 * length.
 */
static const char *
cursor_part(const char *cursor, const char *key, size_t *ret_n)
{
    size_t kn = strlen(key);
    const char *p = cursor;

    while (p != NULL && *p != '\0') {
        const char *end = strchr(p, ';');
        size_t n = end != NULL ? (size_t)(end - p) : strlen(p);

        if (n > kn && memcmp(p, key, kn) == 0 && p[kn] == '=') {
            *ret_n = n - kn - 1;
            return p + kn + 1;
        }
        p = end != NULL ? end + 1 : NULL;
    }
    return NULL;
}

/* See journal_entry.h. */
int
journal_cursor_seqnum(const char *cursor, char *ret_id, size_t idlen,
                      uint64_t *ret_seqnum)
{
    const char *s, *i;
    size_t sn = 0, in = 0;
    uint64_t v = 0;

    if (cursor == NULL)
        return -EINVAL;
    s = cursor_part(cursor, "s", &sn);
    i = cursor_part(cursor, "i", &in);
    if (s == NULL || i == NULL || sn == 0 || sn >= idlen || in == 0 ||
        in > CURSOR_SEQNUM_DIGITS_MAX)
        return -EINVAL;
    for (size_t k = 0; k < in; k++) {
        char c = i[k];
        unsigned d;

        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else
            return -EINVAL;
        v = v << 4 | d;
    }
    memcpy(ret_id, s, sn);
    ret_id[sn] = '\0';
    *ret_seqnum = v;
    return 0;
}

#ifdef HAVE_SYSTEMD

/* Field names copied into slots, with their lengths. */
static const struct {
    const char *name;
    size_t len;
    enum journal_slot slot;
} entry_fields[] = {
#define F(n, s)                                                                \
    {                                                                          \
        n, sizeof(n) - 1, s                                                    \
    }
    F("SYSLOG_IDENTIFIER", JSLOT_IDENTIFIER),
    F("_COMM", JSLOT_COMM),
    F("SYSLOG_PID", JSLOT_SYSLOG_PID),
    F("_PID", JSLOT_PID),
    F("_HOSTNAME", JSLOT_HOSTNAME),
    F("_BOOT_ID", JSLOT_BOOT_ID),
    F("MESSAGE_ID", JSLOT_MESSAGE_ID),
    F("SESSION_ID", JSLOT_SESSION_ID),
    F("USER_ID", JSLOT_USER_ID),
    F("LEADER", JSLOT_LEADER),
#undef F
};

static void
copy_message(struct journal_entry *e, const char *v, size_t n)
{
    e->truncated = n > JOURNAL_MESSAGE_MAX;
    if (e->truncated)
        n = JOURNAL_MESSAGE_MAX;
    memcpy(e->msg, v, n);
    e->message = e->msg;
    e->message_len = n;
}

/* Copy one "NAME=value" data object when it is one of ours. */
static void
take_field(struct journal_entry *e, const char *d, size_t l)
{
    const char *eq = memchr(d, '=', l);
    size_t nl, vl;

    if (eq == NULL)
        return;
    nl = (size_t)(eq - d);
    vl = l - nl - 1;
    if (nl == 7 && memcmp(d, "MESSAGE", 7) == 0) {
        copy_message(e, eq + 1, vl);
        return;
    }
    for (size_t i = 0; i < sizeof(entry_fields) / sizeof(entry_fields[0]);
         i++) {
        if (entry_fields[i].len != nl || memcmp(entry_fields[i].name, d, nl))
            continue;
        if (vl > JOURNAL_FIELD_MAX)
            vl = JOURNAL_FIELD_MAX;
        memcpy(e->slot[entry_fields[i].slot], eq + 1, vl);
        e->slot_len[entry_fields[i].slot] = vl;
        return;
    }
}

static struct strv
slot(const struct journal_entry *e, enum journal_slot s)
{
    return e->slot_len[s] > 0 ? strv_make(e->slot[s], e->slot_len[s])
                              : STRV_NULL;
}

static struct strv
slot_or(const struct journal_entry *e, enum journal_slot a, enum journal_slot b)
{
    return e->slot_len[a] > 0 ? slot(e, a) : slot(e, b);
}

static void
fill_fields(struct journal_entry *e, uint64_t realtime)
{
    struct journal_fields *f = &e->fields;

    f->identifier = slot_or(e, JSLOT_IDENTIFIER, JSLOT_COMM);
    f->pid = slot_or(e, JSLOT_SYSLOG_PID, JSLOT_PID);
    f->hostname = slot(e, JSLOT_HOSTNAME);
    f->boot_id = slot(e, JSLOT_BOOT_ID);
    f->message_id = slot(e, JSLOT_MESSAGE_ID);
    f->session_id = slot(e, JSLOT_SESSION_ID);
    f->user_id = slot(e, JSLOT_USER_ID);
    f->leader = slot(e, JSLOT_LEADER);
    f->cursor = strv_from_cstr(e->cursor);
    f->realtime_us = realtime > INT64_MAX ? INT64_MAX : (int64_t)realtime;
}

/* See journal_entry.h. */
int
journal_entry_read(sd_journal *j, struct journal_entry *e)
{
    const void *d;
    size_t l;
    uint64_t rt = 0;
    char *cursor = NULL;
    int r;

    memset(e->slot_len, 0, sizeof(e->slot_len));
    e->message = NULL;
    e->message_len = 0;
    e->truncated = false;
    r = sd_journal_get_cursor(j, &cursor);
    if (r < 0)
        return r;
    if (strlen(cursor) >= sizeof(e->cursor)) {
        free(cursor);
        return -ENAMETOOLONG;
    }
    memcpy(e->cursor, cursor, strlen(cursor) + 1);
    free(cursor);
    r = sd_journal_get_realtime_usec(j, &rt);
    if (r < 0)
        return r;
    sd_journal_restart_data(j);
    while ((r = sd_journal_enumerate_available_data(j, &d, &l)) > 0)
        take_field(e, d, l);
    if (r < 0)
        return r;
    fill_fields(e, rt);
    return 0;
}

/* See journal_entry.h. */
void
journal_entry_record(const struct journal_entry *e, struct raw_record *rec)
{
    rec->kind = RECORD_JOURNAL;
    rec->data = e->message != NULL ? e->message : "";
    rec->len = e->message_len;
    rec->journal = &e->fields;
    rec->has_offset = false;
    rec->truncated = e->truncated;
}

#endif
