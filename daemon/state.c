/*
 * state.c - the open-session state file: restore at start, periodic saves
 * in slices, the final save at stop (see state.h; format in
 * state_codec.h).
 *
 *   {"sessiontail_state":1,"saved":"2024-03-14T13:54:19.000000Z",...}
 *   {"session_id":"9f3a0c1d2e3f4a5b","start_us":"1710424459000000",...}
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "../model/mem.h"
#include "fileio.h"
#include "log.h"
#include "sources/source_util.h"
#include "state.h"
#include "state_codec.h"

/* ---- loading ---- */

struct load {
    struct session_table *t; /* borrowed */
    const char *path;
    struct state_reader rd;
    uint64_t restored;
    uint64_t refused; /* valid lines the table would not take */
    uint64_t shown;   /* bad lines logged */
};

static uint64_t
load_skipped(const struct load *l)
{
    return l->rd.skipped + l->refused;
}

static void
load_diag(struct load *l, const char *why)
{
    if (l->shown++ < STATE_DIAG_MAX)
        log_warn("%s: line %" PRIu64 " skipped: %s", l->path, l->rd.line_no,
                 why);
}

/* One line: parse, restore.  Returns 0, or what stops the load. */
static int
load_line(struct load *l, const char *p, size_t n, enum state_line_end end)
{
    const char *why = NULL;
    int r = state_reader_line(&l->rd, p, n, end, &why);

    if (r == 1) {
        r = session_table_restore(l->t, &l->rd.rec.v);
        if (r == 0) {
            l->restored++;
            return 0;
        }
        if (r == -ENOMEM)
            return r;
        l->refused++;
        why = r == -EEXIST ? "a session with its id or key is already open"
                           : "the session table refused it";
        r = 0;
    }
    if (r == 0 && why != NULL)
        load_diag(l, why);
    return r;
}

/*
 * Read fd line by line through one buffer of STATE_LINE_MAX + 1 bytes, so
 * a file of any size needs no more memory than its longest line.  A line
 * that does not fit is reported once as overlong and skipped up to its
 * LF.  Returns 0, or the first error of load_line() or read(2).
 */
static int
load_fd(struct load *l, int fd, char *buf, size_t cap)
{
    size_t fill = 0;
    uint64_t total = 0;
    bool overlong = false;
    int r = 0;

    while (r == 0) {
        ssize_t n = read(fd, buf + fill, cap - fill);
        size_t start = 0;
        char *nl;

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0 || (total += (size_t)n) > STATE_FILE_MAX)
            break;
        fill += (size_t)n;
        while (r == 0 && (nl = memchr(buf + start, '\n', fill - start))) {
            if (!overlong)
                r = load_line(l, buf + start, (size_t)(nl - (buf + start)),
                              STATE_LINE_LF);
            overlong = false;
            start = (size_t)(nl - buf) + 1;
        }
        memmove(buf, buf + start, fill - start);
        fill -= start;
        if (r == 0 && fill == cap) {
            if (!overlong)
                r = load_line(l, buf, fill, STATE_LINE_OVERLONG);
            overlong = true;
            fill = 0;
        }
    }
    if (total > STATE_FILE_MAX)
        log_warn("%s: larger than %llu bytes, the rest ignored", l->path,
                 STATE_FILE_MAX);
    if (r == 0 && fill > 0 && !overlong)
        r = load_line(l, buf, fill, STATE_LINE_EOF);
    return r;
}

/* Move an unusable file out of the way of the next save, keeping it. */
static void
set_aside(const char *path, const char *what)
{
    char bad[STATE_PATH_MAX + 8];

    snprintf(bad, sizeof(bad), "%s.bad", path);
    if (rename(path, bad) < 0)
        log_warn("%s: %s; ignored (cannot rename it to %s: %s)", path, what,
                 bad, strerror(errno));
    else
        log_warn("%s: %s; ignored and kept as %s", path, what, bad);
}

static void
load_report(struct load *l)
{
    uint64_t lines = l->rd.sessions + l->rd.skipped;

    if (l->shown > STATE_DIAG_MAX)
        log_warn("%s: %" PRIu64 " more bad lines not shown", l->path,
                 l->shown - STATE_DIAG_MAX);
    if (lines != l->rd.count)
        log_warn("%s: the header announces %" PRIu64 " sessions, %" PRIu64
                 " lines follow (the file was cut or edited)",
                 l->path, l->rd.count, lines);
    log_info("restored %" PRIu64 " open sessions from %s (%" PRIu64 " skipped)",
             l->restored, l->path, load_skipped(l));
}

/* Restore what <dir>/sessions.state holds (see state.h). */
int64_t
state_load(struct session_table *t, const char *dir)
{
    char path[STATE_PATH_MAX];
    struct session_stats before, after;
    struct load *l = NULL;
    char *buf = NULL;
    int fd = -1, w;
    int64_t r;

    w = snprintf(path, sizeof(path), "%s/%s", dir, STATE_FILE);
    if (w < 0 || (size_t)w >= sizeof(path)) {
        log_warn("%s/%s: path too long; open sessions not restored", dir,
                 STATE_FILE);
        return 0;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno != ENOENT)
            set_aside(path, strerror(errno));
        return 0;
    }
    l = mem_calloc(1, sizeof(*l));
    buf = mem_malloc(STATE_LINE_MAX + 1);
    if (l == NULL || buf == NULL) {
        r = -ENOMEM;
        goto fail;
    }
    *l = (struct load){.t = t, .path = path};
    state_reader_init(&l->rd);
    session_table_stats(t, &before);
    r = load_fd(l, fd, buf, STATE_LINE_MAX + 1);
    session_table_stats(t, &after);
    /* A max_open lowered since the save: the sinks are not open yet, so
     * the sessions that did not fit go without a closed record. */
    if (after.evicted > before.evicted)
        log_warn("%s: %" PRIu64 " sessions more than max_open dropped, the "
                 "least recently active first, without a closed record",
                 path, after.evicted - before.evicted);
    if (r == -ENOMEM)
        goto fail;
    if (r == -EPROTONOSUPPORT) {
        set_aside(path, "written by another version");
    } else if ((r < 0 && r != -E2BIG) || !l->rd.header) {
        set_aside(path, r == -EBADMSG || r == 0 ? "not a session state file"
                                                : strerror((int)-r));
    } else {
        if (r == -E2BIG)
            log_warn("%s: more than %llu lines, the rest ignored", path,
                     STATE_SESSIONS_MAX);
        load_report(l);
    }
    r = (int64_t)l->restored;
fail:
    if (r == -ENOMEM)
        log_err("%s: out of memory restoring open sessions", path);
    close(fd);
    mem_free(buf);
    mem_free(l);
    return r;
}

/* ---- saving ---- */

/* What the signature of "something changed" is: every event, and every
 * session closed without one (expiry). */
static uint64_t
activity_sig(const struct state_saver *s)
{
    struct session_stats st;

    session_table_stats(s->t, &st);
    return *s->activity + st.closed + st.restored;
}

static void
report(struct state_saver *s, int r)
{
    if (r < 0 && r != s->last_err)
        log_err("cannot save open sessions to %s: %s", s->path, strerror(-r));
    if (r == 0 && s->too_long > 0 && s->too_long != s->too_long_shown)
        log_warn("%s: %" PRIu64 " open sessions not saved (a value longer "
                 "than %d bytes)",
                 s->path, s->too_long, STATE_STR_MAX);
    s->last_err = r;
    if (r == 0)
        s->too_long_shown = s->too_long;
}

/* Give up the save being written: the temporary goes. */
static void
save_drop(struct state_saver *s)
{
    if (s->fd >= 0) {
        close(s->fd);
        unlink(s->tmp);
        s->fd = -1;
    }
    uv_idle_stop(&s->idle);
    s->phase = STATE_IDLE;
}

/* Open the temporary and write the header with a count to fill in. */
static int
save_begin(struct state_saver *s)
{
    int w;

    memcpy(s->sdir, s->dir, sizeof(s->sdir));
    w = snprintf(s->path, sizeof(s->path), "%s/%s", s->sdir, STATE_FILE);
    if (w < 0 || (size_t)w >= sizeof(s->path))
        return -ENAMETOOLONG;
    w = snprintf(s->tmp, sizeof(s->tmp), "%s/%s.tmp", s->sdir, STATE_FILE);
    if (w < 0 || (size_t)w >= sizeof(s->tmp))
        return -ENAMETOOLONG;
    s->fd = fileio_tmp_open(s->tmp);
    if (s->fd < 0) {
        int r = s->fd;

        s->fd = -1;
        return r;
    }
    s->phase = STATE_WRITING;
    s->sig = activity_sig(s);
    s->saved_us = source_now_us();
    s->pos = 0;
    s->count = 0;
    s->too_long = 0;
    buf_reset(&s->out);
    state_format_header(&s->out, s->saved_us, 0);
    return s->out.oom ? -ENOMEM : 0;
}

static int
save_flush(struct state_saver *s)
{
    int r =
        s->out.oom ? -ENOMEM : fileio_write_all(s->fd, s->out.data, s->out.len);

    buf_reset(&s->out);
    return r;
}

/*
 * Write up to max more sessions.  Returns 1 when every open session has
 * been visited (and the header now has the count), 0 when more are left,
 * or -errno.
 */
static int
save_slice(struct state_saver *s, size_t max)
{
    const struct session *sess = NULL;
    struct session_view v;
    ssize_t w;
    int r = 0;

    for (size_t i = 0; i < max && r == 0; i++) {
        sess = session_table_next(s->t, &s->pos);
        if (sess == NULL)
            break;
        session_view(sess, &v);
        r = state_format_session(&v, &s->out);
        if (r == -E2BIG) {
            s->too_long++;
            r = 0;
        } else if (r == 0) {
            s->count++;
        }
        if (r == 0 && s->out.len >= STATE_WRITE_CHUNK)
            r = save_flush(s);
    }
    if (r == 0)
        r = save_flush(s);
    if (r < 0 || sess != NULL)
        return r;
    state_format_header(&s->out, s->saved_us, s->count);
    if (s->out.oom)
        return -ENOMEM;
    /* Same length as the header written first: it goes over it. */
    w = pwrite(s->fd, s->out.data, s->out.len, 0);
    if (w < 0)
        return -errno;
    if ((size_t)w != s->out.len)
        return -EIO;
    buf_reset(&s->out);
    return 1;
}

static void
fsync_cb(uv_fs_t *req)
{
    struct state_saver *s = req->data;
    int r = (int)req->result;

    uv_fs_req_cleanup(req);
    if (s->abandoned) {
        close(s->sync_fd);
        s->abandoned = false;
    } else {
        /* fsync again inside the commit: nothing is dirty any more, so it
         * returns at once, and there is one commit path for both saves. */
        if (r == 0) {
            r = fileio_tmp_commit(s->sync_fd, s->tmp, s->path);
        } else {
            close(s->sync_fd);
            unlink(s->tmp);
        }
        if (r == 0)
            r = fileio_fsync_dir(s->sdir);
        if (r == 0) {
            s->saved_sig = s->sig;
            s->saved_once = true;
        }
        report(s, r);
    }
    s->sync_fd = -1;
    s->phase = STATE_IDLE;
}

/* One slice per loop turn; then the fsync goes to the pool. */
static void
idle_cb(uv_idle_t *h)
{
    struct state_saver *s = h->data;
    int r = save_slice(s, STATE_SAVE_SLICE);

    if (r == 0)
        return;
    if (r < 0) {
        save_drop(s);
        report(s, r);
        return;
    }
    uv_idle_stop(&s->idle);
    s->phase = STATE_SYNCING;
    s->sync_fd = s->fd;
    s->fd = -1;
    r = uv_fs_fsync(s->loop, &s->fsync_req, s->sync_fd, fsync_cb);
    if (r < 0) {
        s->fd = s->sync_fd;
        s->sync_fd = -1;
        save_drop(s);
        report(s, r);
    }
}

static void
timer_cb(uv_timer_t *h)
{
    struct state_saver *s = h->data;
    int r;

    if (s->phase != STATE_IDLE ||
        (s->saved_once && activity_sig(s) == s->saved_sig))
        return;
    r = save_begin(s);
    if (r < 0) {
        save_drop(s);
        report(s, r);
        return;
    }
    uv_idle_start(&s->idle, idle_cb);
}

int
state_saver_init(struct state_saver *s, uv_loop_t *loop,
                 const struct session_table *t, const uint64_t *activity,
                 const char *dir)
{
    const char *env = getenv(STATE_INTERVAL_ENV);
    uint64_t interval = STATE_SAVE_INTERVAL_MS;

    *s = (struct state_saver){
        .loop = loop, .t = t, .activity = activity, .fd = -1, .sync_fd = -1};
    buf_init(&s->out, 0);
    state_saver_set_dir(s, dir);
    if (env != NULL &&
        strv_to_u64(strv_from_cstr(env), UINT32_MAX, &interval) < 0)
        interval = STATE_SAVE_INTERVAL_MS;
    if (interval == 0)
        interval = STATE_SAVE_INTERVAL_MS;
    /* Both inits only fill the handle in (libuv always returns 0). */
    uv_timer_init(loop, &s->timer);
    uv_idle_init(loop, &s->idle);
    s->timer.data = s->idle.data = s->fsync_req.data = s;
    return uv_timer_start(&s->timer, timer_cb, interval, interval);
}

void
state_saver_set_dir(struct state_saver *s, const char *dir)
{
    snprintf(s->dir, sizeof(s->dir), "%s", dir);
}

/* Everything in one go (see state.h). */
int
state_save_final(struct state_saver *s)
{
    int r;

    if (s->phase == STATE_WRITING) {
        save_drop(s);
    } else if (s->phase == STATE_SYNCING) {
        /* The pool still has the fd: fsync_cb only closes it.  The
         * temporary's name is free for the save below. */
        s->abandoned = true;
        unlink(s->tmp);
    }
    s->last_err = 0;
    r = save_begin(s);
    while (r == 0)
        r = save_slice(s, STATE_SAVE_SLICE);
    if (r == 1) {
        r = fileio_tmp_commit(s->fd, s->tmp, s->path);
        s->fd = -1;
        if (r == 0)
            r = fileio_fsync_dir(s->sdir);
    }
    save_drop(s);
    report(s, r < 0 ? r : 0);
    return r < 0 ? r : 0;
}

void
state_saver_close(struct state_saver *s)
{
    save_drop(s);
    buf_done(&s->out);
    uv_close((uv_handle_t *)&s->timer, NULL);
    uv_close((uv_handle_t *)&s->idle, NULL);
}
