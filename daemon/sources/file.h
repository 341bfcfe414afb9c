/*
 * file.h - what the file source (daemon/sources/file.c) offers to other
 * sources built on it: fixed-size record framing instead of lines, with
 * the same following of rotation, copytruncate and checkpoints.  The utmp
 * source (daemon/sources/utmp.c) is such a wrapper: wtmp/btmp records of
 * 384 bytes, utmp(5).
 */
#ifndef SESSIONTAIL_SOURCES_FILE_H
#define SESSIONTAIL_SOURCES_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

#include "../source.h"

/* Longest hostname a record-framed source passes along (with its NUL). */
#define SRC_FILE_HOSTNAME_MAX 256

/* How the records of a record-framed file source look; copied at open. */
struct src_file_records {
    size_t record_len;     /* bytes per record, > 0 */
    enum record_kind kind; /* raw_record.kind of every record */
    bool failed_logins;    /* raw_record.failed_logins (btmp) */
    const char *hostname;  /* raw_record.hostname; copied, cut at the max */
};

/*
 * Open a file source (cfg->path, from_beginning, checkpoints: as "file")
 * that emits records of recs->record_len bytes at offsets that are
 * multiples of it, counted from the start of each file; a partial last
 * record waits for the rest of its bytes and is never emitted.  The
 * returned source has src_file_ops; a wrapper may set its own ops that
 * call src_file_ops.  Returns 0 and *ret (freed by close()), or -errno.
 */
int src_file_open_records(uv_loop_t *loop, const struct config_source *cfg,
                          const struct source_env *env,
                          const struct src_file_records *recs,
                          struct source **ret);

#endif
