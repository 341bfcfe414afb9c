/*
 * file.c - the file sink: JSON (or text) lines appended to a file.
 *
 * The file is opened O_APPEND so that several writers and logrotate's
 * copytruncate never leave holes; SIGHUP reopens it after a rename
 * rotation.  Lines are written whole (fdout.c continues short writes).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "../model/mem.h"
#include "fdout.h"

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
