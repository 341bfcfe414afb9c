/*
 * file.c - the file sink: JSON (or text) lines appended to a file.
 *
 * The file is opened O_APPEND so that several writers and logrotate's
 * copytruncate never leave holes; SIGHUP reopens it after a rename
 * rotation.  Lines are written whole (fdout.c continues short writes).
 *
 * Only a crash in the middle of a write can leave part of a line behind.
 * The record it belonged to was not yet behind a checkpoint, so it is sent
 * again after the restart; at open the torn tail is therefore cut off, and
 * every line of the file stays one whole JSON object.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "../model/mem.h"
#include "fdout.h"

/* How far back a torn last line is looked for; a longer tail is left. */
#define TORN_TAIL_MAX (1024 * 1024)
#define TORN_CHUNK 4096

/* Bytes after the last LF of a regular file, or 0; -errno on error. */
static off_t
torn_tail(int fd)
{
    char chunk[TORN_CHUNK];
    struct stat st;
    off_t end, pos;

    if (fstat(fd, &st) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode) || st.st_size == 0)
        return 0;
    end = st.st_size;
    for (pos = end; pos > 0 && end - pos < TORN_TAIL_MAX;) {
        size_t n = pos >= TORN_CHUNK ? TORN_CHUNK : (size_t)pos;
        ssize_t r = pread(fd, chunk, n, pos - (off_t)n);

        if (r != (ssize_t)n)
            return r < 0 ? -errno : -EIO;
        for (size_t i = n; i > 0; i--)
            if (chunk[i - 1] == '\n')
                return end - (pos - (off_t)n + (off_t)i);
        pos -= (off_t)n;
    }
    /* No LF at all in a small file: it is one torn line. */
    return pos == 0 ? end : 0;
}

static void
cut_torn_tail(int fd, const struct config_sink *cfg, const struct sink_env *env,
              struct sink *sink)
{
    off_t torn = torn_tail(fd);
    struct stat st;
    char msg[160];

    if (torn <= 0 || fstat(fd, &st) < 0)
        return;
    if (ftruncate(fd, st.st_size - torn) < 0)
        return;
    snprintf(msg, sizeof(msg),
             "removed a partial last line (%lld bytes) left by a crash in %s",
             (long long)torn, cfg->path);
    if (env->diag)
        env->diag(env->ctx, sink, LOG_NOTICE, msg);
}

static int
sink_file_open(uv_loop_t *loop, const struct config_sink *cfg,
               const struct sink_env *env, struct sink **ret)
{
    struct fdout *w;
    int fd;

    fd = fdout_open_path(cfg->path);
    if (fd < 0)
        return fd;
    w = mem_calloc(1, sizeof(*w));
    if (w == NULL) {
        close(fd);
        return -ENOMEM;
    }
    w->path = mem_strndup(cfg->path, strlen(cfg->path));
    if (w->path == NULL) {
        close(fd);
        mem_free(w);
        return -ENOMEM;
    }
    fdout_init(w, loop, cfg, env, fd, true);
    cut_torn_tail(fd, cfg, env, &w->sink);
    *ret = &w->sink;
    return 0;
}

const struct sink_ops sink_file_ops = {
    .name = "file",
    .open = sink_file_open,
    .write = fdout_write,
    .congested = fdout_congested,
    .flush = fdout_flush,
    .reopen = fdout_reopen,
    .close = fdout_close,
    .counters = fdout_counters,
};
