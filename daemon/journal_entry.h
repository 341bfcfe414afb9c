/*
 * journal_entry.h - read one systemd journal entry into the fields the
 * parsers take (struct journal_fields, parsers/parser.h); shared by the
 * journal source (daemon/sources/journal.c) and the replay reader
 * (daemon/replay_journal.c).  See sd-journal(3),
 * sd_journal_enumerate_available_data(3), sd_journal_get_cursor(3).
 *
 * Built only with HAVE_SYSTEMD; the cursor helpers are pure and always
 * built (the checkpoint code and its tests use them).
 */
#ifndef SESSIONTAIL_JOURNAL_ENTRY_H
#define SESSIONTAIL_JOURNAL_ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../parsers/parser.h"

/* Bytes kept of one small field (identifier, host, ids); longer: cut. */
#define JOURNAL_FIELD_MAX 256
/* Bytes kept of MESSAGE; longer ones are cut and counted. */
#define JOURNAL_MESSAGE_MAX PARSER_LINE_MAX
/* Longest cursor we keep (libsystemd's are about 140 bytes). */
#define JOURNAL_CURSOR_MAX 512

/* The small fields copied per entry, in struct journal_entry's slots. */
enum journal_slot {
    JSLOT_IDENTIFIER = 0,
    JSLOT_COMM,
    JSLOT_SYSLOG_PID,
    JSLOT_PID,
    JSLOT_HOSTNAME,
    JSLOT_BOOT_ID,
    JSLOT_MESSAGE_ID,
    JSLOT_SESSION_ID,
    JSLOT_USER_ID,
    JSLOT_LEADER,
    _JSLOT_MAX,
};

/*
 * One entry, copied out of the journal (libsystemd's data pointers are
 * valid only until the next data call).  Owned by its reader; `fields`
 * and `message` point into it and stay valid until the next read.
 */
struct journal_entry {
    struct journal_fields fields;
    const char *message;
    size_t message_len;
    bool truncated; /* MESSAGE was longer than JOURNAL_MESSAGE_MAX */
    char cursor[JOURNAL_CURSOR_MAX];
    size_t slot_len[_JSLOT_MAX];
    char slot[_JSLOT_MAX][JOURNAL_FIELD_MAX];
    char msg[JOURNAL_MESSAGE_MAX];
};

/*
 * A cursor's sequence number id ("s=") and number ("i="), for the size of
 * a gap (libsystemd 252 has no sd_journal_get_seqnum(); it came in 254).
 * Returns 0, or -EINVAL when the cursor does not hold them.  Pure.
 */
int journal_cursor_seqnum(const char *cursor, char *ret_id, size_t idlen,
                          uint64_t *ret_seqnum);

#ifdef HAVE_SYSTEMD
#include <systemd/sd-journal.h>

/*
 * Read the current entry of j into e (fields, MESSAGE, cursor, realtime).
 * Returns 0, or a negative errno from libsystemd (the entry is then
 * skipped by the caller).  e is owned by the caller.
 */
int journal_entry_read(sd_journal *j, struct journal_entry *e);

/* Fill rec (kind, data, fields) from e; rec's other members are kept. */
void journal_entry_record(const struct journal_entry *e,
                          struct raw_record *rec);
#endif

#endif
