/*
 * replay.h - the readers of `sessiontail replay`.
 *
 * A reader turns one input file into raw records.  replay.c picks the
 * reader by the file's content (the first bytes, or that it is a
 * directory): a journal file or directory, a wtmp/btmp file, or text.
 * Adding a kind of file is one reader file and one line in replay.c's
 * table.
 */
#ifndef SESSIONTAIL_REPLAY_H
#define SESSIONTAIL_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "../model/event.h"
#include "../parsers/registry.h"

/* Bytes of the file's start the readers' detect() look at. */
#define REPLAY_HEAD_MAX 4096

struct replay_reader;

/* One input of a replay.  The reader keeps its own state in `rs`. */
struct replay_input {
    const char *path;
    const char *format; /* --format, or NULL */
    int fd;             /* open read-only (replay.c closes it) */
    int64_t ref_time_us;
    int32_t tz_offset_s;
    uint64_t truncated; /* records cut by a limit, counted by the reader */
    const struct replay_reader *reader;
    void *rs; /* the reader's state; owned by the reader */
    struct parse_ctx *pctx;
    struct event ev; /* the look-ahead event; views into the reader's data */
    bool has_ev;
};

struct replay_reader {
    const char *name;
    /* Parse its records with this format (NULL: the user's --format). */
    const char *format;
    /* True when the reader takes this file: its stat and first bytes (n is
     * 0 for a directory, a pipe or an empty file). */
    bool (*detect)(const struct stat *st, const unsigned char *head, size_t n);
    /* Set up in->rs.  Returns 0 or -errno. */
    int (*open)(struct replay_input *in);
    /*
     * Fill the next record (data, len, kind, offset/has_offset, journal
     * fields...; replay.c has set source, ref_time_us and tz_offset_s).
     * What it points to stays valid until the next call.  False at the end.
     */
    bool (*next)(struct replay_input *in, struct raw_record *rec);
    /* Free in->rs (accepts a reader that failed to open). */
    void (*close)(struct replay_input *in);
};

extern const struct replay_reader replay_text_reader;
/* A wtmp or btmp file: 384-byte utmp records (replay_utmp.c). */
extern const struct replay_reader replay_utmp_reader;
/* A systemd journal file or directory (replay_journal.c). */
extern const struct replay_reader replay_journal_reader;

#endif
