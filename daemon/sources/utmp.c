/*
 * utmp.c - the "utmp" source: follow wtmp or btmp (DESIGN 4): 384-byte
 * glibc x86-64 `struct utmp` records (utmp(5), parsers/utmp.c).
 *
 *   { "name": "wtmp", "type": "utmp", "path": "/var/log/wtmp" }
 *   { "name": "btmp", "type": "utmp", "path": "/var/log/btmp", "failed": true }
 *
 * A thin wrapper of the file source in fixed-record mode
 * (daemon/sources/file.h): rotation, copytruncate and checkpoints are the
 * file source's.  Records are read at offsets k * 384 from the start of the
 * file, as utmpdump(1) reads them, so a file whose size is not a multiple
 * of 384 never shifts the records after a stray byte; a partial last record
 * waits for the rest of its bytes (glibc's updwtmp cuts one off before it
 * appends, which is no truncation).  The checkpoint is a record boundary.
 *
 * A wtmp record does not name its host: events carry the configured
 * `hostname`, by default this machine's name (gethostname(2)).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "../source.h"
#include "file.h"
#include "sources.h"

static int
src_utmp_open(uv_loop_t *loop, const struct config_source *cfg,
              const struct source_env *env, struct source **ret)
{
    char host[SRC_FILE_HOSTNAME_MAX] = "";
    struct src_file_records recs = {
        .record_len = PARSER_UTMP_RECORD,
        .kind = RECORD_UTMP,
        .failed_logins = cfg != NULL && cfg->failed,
        .hostname = host,
    };
    int r;

    if (cfg == NULL)
        return -EINVAL;
    if (cfg->hostname != NULL && cfg->hostname[0] != '\0')
        recs.hostname = cfg->hostname;
    else if (gethostname(host, sizeof(host) - 1) < 0)
        return -errno;
    r = src_file_open_records(loop, cfg, env, &recs, ret);
    if (r == 0)
        (*ret)->ops = &src_utmp_ops;
    return r;
}

static void
src_utmp_close(struct source *src, void (*done_cb)(void *arg), void *arg)
{
    src_file_ops.close(src, done_cb, arg);
}

static void
src_utmp_resume(struct source *src)
{
    src_file_ops.resume(src);
}

static void
src_utmp_mark(struct source *src)
{
    src_file_ops.mark(src);
}

static int
src_utmp_commit(struct source *src)
{
    return src_file_ops.commit(src);
}

static void
src_utmp_counters(const struct source *src, struct source_counters *ret)
{
    src_file_ops.counters(src, ret);
}

/*
 * The "utmp" source type: open() returns an owned source, freed by
 * close() (done_cb once every handle is closed); records passed to
 * env->emit (RECORD_UTMP, 384 bytes) are borrowed for the call.
 */
const struct source_ops src_utmp_ops = {
    .name = "utmp",
    .open = src_utmp_open,
    .close = src_utmp_close,
    .resume = src_utmp_resume,
    .mark = src_utmp_mark,
    .commit = src_utmp_commit,
    .counters = src_utmp_counters,
};
