/*
 * checkpoint.h - per-source position files in state_dir (DESIGN 4).
 *
 * One file per source, `<state_dir>/<name>.pos` (name sanitised to
 * [A-Za-z0-9._-], a leading dot replaced), in a text format a person can
 * read and that is validated on load:
 *
 *   sessiontail-checkpoint 1
 *   64769 1835021 48213 9f3a0c1d2e3f4a5b /var/log/auth.log
 *   checksum 0d6b1c7e2f3a4b5c
 *
 * The first line names the format and its version.  Each entry line is
 * "dev ino offset fingerprint path": three decimal numbers, 16 lower-case
 * hex digits, then the rest of the line is the path, with '%', control
 * bytes and DEL written as %HH.  The last line is the FNV-1a 64 hash of
 * every byte before it, so a torn or damaged file is detected (-EBADMSG)
 * and never trusted.  Files are written atomically: `<file>.tmp` (0600,
 * O_CLOEXEC), fsync, rename, fsync of the directory.
 *
 * The fingerprint is opaque here; the file source stores the FNV-1a 64 of
 * the (up to) CHECKPOINT_FINGERPRINT_LEN bytes before the offset.
 *
 * Nothing in this module logs: callers report the returned -errno once.
 */
#ifndef SESSIONTAIL_CHECKPOINT_H
#define SESSIONTAIL_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "../model/buf.h"

#define CHECKPOINT_VERSION 1
#define CHECKPOINT_ENTRIES_MAX 4096    /* entries per file */
#define CHECKPOINT_LINE_MAX 16384      /* bytes per line, LF included */
#define CHECKPOINT_PATH_MAX 4096       /* decoded path bytes, NUL excluded */
#define CHECKPOINT_FILE_MAX (8u << 20) /* a larger file is refused */
#define CHECKPOINT_FINGERPRINT_LEN 256 /* bytes hashed before the offset */

#define CHECKPOINT_FNV_INIT 0xcbf29ce484222325ULL

/* One followed file.  `path` is NUL-terminated; who owns it is said by the
 * function that hands the entry out. */
struct checkpoint_entry {
    uint64_t dev;
    uint64_t ino;
    uint64_t offset;
    uint64_t fingerprint;
    const char *path;
};

/*
 * Continue an FNV-1a 64 hash `h` (start with CHECKPOINT_FNV_INIT) over n
 * bytes.  Pure.
 */
uint64_t checkpoint_fnv1a(uint64_t h, const void *p, size_t n);

/*
 * Render entries in the file format (version line, entries, checksum) and
 * append to out.  Returns 0, -E2BIG (more than CHECKPOINT_ENTRIES_MAX, a
 * path longer than CHECKPOINT_PATH_MAX or empty), or -ENOMEM (out->oom).
 * Pure.
 */
int checkpoint_format(const struct checkpoint_entry *entries, size_t n,
                      struct buf *out);

/*
 * Parse a whole checkpoint file held in memory (a pure function, the fuzz
 * target's subject).  On success returns 0 and *ret_entries / *ret_n: one
 * allocation holding the array and its paths, freed by the caller with
 * mem_free() (*ret_entries may be non-NULL with *ret_n == 0).  Returns
 * -EBADMSG (torn, bad checksum, bad syntax), -EPROTONOSUPPORT (another
 * version), -E2BIG (over a named limit) or -ENOMEM.
 */
int checkpoint_parse(const char *data, size_t len,
                     struct checkpoint_entry **ret_entries, size_t *ret_n);

/*
 * Write "<state_dir>/<sanitised name>.pos" into out.  Returns 0, -EINVAL
 * (empty name) or -ENAMETOOLONG.
 */
int checkpoint_path(const char *state_dir, const char *name, char *out,
                    size_t outlen);

/*
 * Replace the checkpoint of source `name` atomically with the n entries
 * (borrowed).  Returns 0 or -errno; on failure the previous file is left
 * as it was and no temporary file remains.
 */
int checkpoint_save(const char *state_dir, const char *name,
                    const struct checkpoint_entry *entries, size_t n);

/*
 * Read and validate the checkpoint of source `name`.  Returns 0 and the
 * entries as checkpoint_parse() does (caller mem_free()s *ret_entries),
 * -ENOENT when there is none, or the errors of checkpoint_parse() and
 * read(2).
 */
int checkpoint_load(const char *state_dir, const char *name,
                    struct checkpoint_entry **ret_entries, size_t *ret_n);

#endif
