/*
 * file.c - the "file" source: follow text files like `tail -F` (DESIGN 4).
 *
 * `path` is a file or a glob (glob(3), braces too); every match is
 * followed and files that match later are picked up and read from their
 * start.  Lines end at LF; a CR before it is removed; a line longer than
 * max_line is cut to max_line, counted and reported once per file, marked
 * truncated (so it is counted malformed, not parsed), and the rest of it is
 * skipped up to its LF.  A last line without LF waits for
 * it, and is emitted when its file is rotated away, deleted or truncated.
 * With format auto or windows-xml, lines go through a framer
 * (parsers/framing.h) that joins a pretty-printed <Event>...</Event> into
 * one record at the offset of its first line; while a frame is open the
 * checkpoint position stays at that first line, so a restart reads the
 * whole event again, never half of it.
 *
 *   Mar  3 10:15:01 host sshd[4242]: Accepted publickey for alice ...
 *
 * Reading: one uv_fs_read of up to READ_CHUNK bytes at a time per file
 * into a per-file buffer that keeps FINGERPRINT_LEN bytes before the
 * current line (for checkpoints); lines are borrowed views into it.
 *
 * Changes are noticed three ways: uv_fs_event on each file and on the
 * directories holding them (inotify), a POLL_MS timer that stat()s every
 * path, and a glob rescan every RESCAN_TICKS polls.  A path that now names
 * another inode is a rename rotation: the old file becomes an "orphan"
 * that is read to its end first (and watched for ROTATE_GRACE_MS more, as
 * a writer may still append to it) while the new file is read from 0.  A
 * file smaller than our offset was truncated (copytruncate): restart at 0,
 * after the rest of the copy whose bytes before our offset are ours.  A
 * file truncated and written again past our offset is as long as before:
 * every read checks the bytes before its offset (tfile_check_read()).  A
 * path gone is a deletion; the file is read to its end and closed, and
 * picked up from 0 when it appears again.
 *
 * Checkpoints keep (dev, ino, offset, fingerprint) per file; on start a
 * file resumes at its offset only when dev, inode and the FNV-1a 64 of the
 * FINGERPRINT_LEN bytes before the offset all match, else it is read from
 * 0: better a duplicate than a loss.  What was rotated while the daemon
 * was stopped is read from the saved offset first: a file renamed away is
 * found by its inode in its directory, a copytruncate's copy by that
 * fingerprint.
 *
 * stat/open/glob and the short history reads run on the loop thread; they
 * happen per file and per poll, never per line.
 *
 * Fixed-record framing (src_file_open_records(), daemon/sources/file.h;
 * the utmp source): records of record_len bytes at offsets k * record_len
 * from the start of the file, as utmpdump(1) reads wtmp.  A partial last
 * record is not emitted: it waits for the rest of its bytes, and its bytes
 * are read again from the record boundary at each read, because glibc's
 * updwtmp() cuts a partial record off before it appends (a file shrinking
 * back to the boundary is not a truncation).  done_off, and so the
 * checkpoint, is always a record boundary.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "../../model/buf.h"
#include "../../model/mem.h"
#include "../../parsers/framing.h"
#include "../checkpoint.h"
#include "../source.h"
#include "file.h"
#include "source_util.h"
#include "sources.h"

/* Bytes per uv_fs_read.  64 KiB of short sshd lines (about 540, each
 * opening a session and evicting another: three records) fits in a loop
 * turn of TURN_SLICE_MS in a debug build; 256 KiB took 50 ms, 90 under
 * ASan, and its longer turns and larger buffer cost more than the round
 * trips through the thread pool it saves. */
#define READ_CHUNK (64 * 1024)
#define FINGERPRINT_LEN CHECKPOINT_FINGERPRINT_LEN
#define POLL_MS 250          /* stat every followed path */
#define RESCAN_TICKS 4       /* glob again every 4 polls (1 s) */
#define CHECK_DELAY_MS 10    /* coalesce inotify bursts */
#define ROTATE_GRACE_MS 1000 /* keep a rotated file open this long */
#define FILES_MAX 1024       /* followed files per source */
#define DIRS_MAX 64          /* watched directories per source */
#define COPY_SCAN_MAX 4096   /* directory entries looked at for a copy */
#define COPY_MAX_AGE_S 60    /* a copy is at most this old */
#define PATHBUF_MAX 4096
#define US_PER_S 1000000
#define NS_PER_MS 1000000
/* A scan stops once the loop turn it runs in has taken this long and goes
 * on in the next turn, so sinks, other sources and clients are served in
 * between whatever a line costs (a debug or ASan build, a slow machine,
 * many files read at once). */
#define TURN_SLICE_MS 20

#define container_of(ptr, type, member)                                        \
    ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

enum start_mode {
    START_INITIAL, /* at open: checkpoint, from_beginning or the end */
    START_ZERO,    /* found later: new data, from its start */
    START_COPY,    /* a copytruncate copy: as src->copy says */
};

struct src_file;
struct find_spec;

/*
 * One followed file.  Owned by its source (list `next`); the buffer and
 * path are owned.  `live` files are reached by `path`; orphans (rotated or
 * deleted) only through their fd until they are drained.
 */
struct tfile {
    struct src_file *src;
    struct tfile *next;
    struct tfile *pred; /* orphan of the same path to drain first */
    char *path;
    int fd;
    uint64_t dev, ino;
    char *buf;
    size_t cap;          /* bytes at buf */
    size_t fill;         /* valid bytes */
    size_t scan;         /* start of the line not yet complete */
    size_t search;       /* where the LF search goes on */
    uint64_t base_off;   /* file offset of buf[0] */
    uint64_t done_off;   /* after the last complete record: a line, or the
                            first line of the open frame */
    uint64_t fp, fp_off; /* cached fingerprint of done_off when fp_valid */
    uint64_t orphan_since;
    /* Waiting behind pred with nothing read: the largest size seen and
     * the fingerprint of its first wait_len bytes (tfile_check_waiting) */
    uint64_t wait_size, wait_fp;
    size_t wait_len;
    struct frame frame; /* multi-line Event XML (src->framing); owned */
    uv_fs_t req;
    uv_fs_event_t ev;
    bool ev_init, live, reading, busy, at_eof, skipping, restart_due, fp_valid;
    bool drained, has_succ, unlinked, truncated_said;
};

struct dwatch {
    uv_fs_event_t ev;
    struct src_file *src;
    struct dwatch *next;
    char *path;  /* owned */
    bool linked; /* in src->dirs; else freed by its close callback */
};

/* The source.  Owns its files, directory watches, timers and snapshot. */
struct src_file {
    struct source base;
    uv_loop_t *loop;
    struct source_env env;
    const char *pattern; /* borrowed from cfg */
    size_t max_line;
    bool framing; /* frame multi-line Event XML (format auto/windows-xml) */
    /* fixed-record framing: record_len > 0 (see the file comment) */
    size_t record_len;
    enum record_kind kind;
    bool failed_logins;
    char hostname[SRC_FILE_HOSTNAME_MAX];
    struct source_tz tz;
    uv_timer_t tick, check;
    uv_idle_t slice; /* goes on with scans stopped by TURN_SLICE_MS */
    unsigned ticks;
    struct tfile *files;
    size_t n_files;
    struct dwatch *dirs;
    size_t n_dirs;
    struct checkpoint_entry *ckpt; /* loaded at open, used by the 1st scan */
    const struct find_spec *copy;  /* src_find_in_dir()'s, for START_COPY */
    size_t n_ckpt;
    bool have_ckpt, paused, closing;
    int mark_state; /* 0: no mark yet, 1: marked, < 0: mark failed */
    bool said_watch, said_glob, said_full;
    struct checkpoint_entry *marked;
    size_t n_marked, cap_marked;
    struct buf marked_paths;
    struct source_counters counters;
    unsigned handles; /* initialised uv handles not yet closed */
    unsigned reads;   /* uv_fs_read in flight */
    void (*done_cb)(void *arg);
    void *done_arg;
};

static void tfile_read(struct tfile *f);
static void src_schedule_check(struct src_file *s);
static void slice_cb(uv_idle_t *h);

/* ---- small helpers ---------------------------------------------------- */

static uint64_t
min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

static uint64_t
tfile_read_off(const struct tfile *f)
{
    return f->base_off + f->fill;
}

/* pread exactly n bytes (short only at end of file). */
static ssize_t
pread_full(int fd, char *p, size_t n, uint64_t off)
{
    size_t got = 0;

    while (got < n) {
        ssize_t r = pread(fd, p + got, n - got, (off_t)(off + got));

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

/* ---- lines ------------------------------------------------------------ */

static void
tfile_say_truncated(struct tfile *f)
{
    struct src_file *s = f->src;

    s->counters.truncated++;
    if (f->truncated_said)
        return;
    f->truncated_said = true;
    source_diagf(
        &s->env, &s->base, LOG_WARNING,
        "%s: line longer than %zu bytes truncated (reported once per file)",
        f->path, s->max_line);
}

/* Emit buf[start, start + len) with `rec` as template. */
static void
tfile_emit(struct tfile *f, struct raw_record *rec, size_t start, size_t len)
{
    struct src_file *s = f->src;

    rec->data = f->buf + start;
    rec->len = len;
    rec->offset = f->base_off + start;
    s->counters.records++;
    if (s->env.emit(s->env.ctx, &s->base, rec))
        s->paused = true;
}

/* Emit the frame the framer just closed. */
static void
tfile_emit_frame(struct tfile *f, struct raw_record *rec)
{
    struct src_file *s = f->src;

    rec->data = frame_data(&f->frame);
    rec->len = frame_len(&f->frame);
    rec->offset = frame_offset(&f->frame);
    s->counters.records++;
    if (s->env.emit(s->env.ctx, &s->base, rec))
        s->paused = true;
}

/* Give the line buf[start, start + len) to the framer (when framing) and
 * emit what it says: the line, a frame, or nothing yet.  cut: the line was
 * cut at max_line; a frame that holds it, or that the framer cut, is
 * marked truncated too. */
static void
tfile_deliver(struct tfile *f, struct raw_record *rec, size_t start, size_t len,
              bool cut)
{
    uint64_t overlong = f->frame.overlong;
    enum frame_result r;

    rec->truncated = cut;
    if (!f->src->framing) {
        tfile_emit(f, rec, start, len);
        return;
    }
    do {
        uint64_t before = f->frame.overlong;

        r = frame_line(&f->frame, f->buf + start, len, f->base_off + start);
        rec->truncated = cut || f->frame.overlong != before;
        if (r == FRAME_PASS)
            tfile_emit(f, rec, start, len);
        else if (r != FRAME_HOLD)
            tfile_emit_frame(f, rec);
    } while (r == FRAME_EMIT_AGAIN && !f->src->closing);
    f->src->counters.truncated += f->frame.overlong - overlong;
}

/* The offset to resume at once the line ending at `off` is consumed: the
 * start of an open frame, else off. */
static uint64_t
tfile_safe_off(const struct tfile *f, uint64_t off)
{
    return frame_is_open(&f->frame) ? frame_offset(&f->frame) : off;
}

/* An open frame at the end of its file for good: emitted as it is. */
static void
tfile_flush_frame(struct tfile *f, struct raw_record *rec)
{
    rec->truncated = false;
    if (f->src->framing && frame_flush(&f->frame))
        tfile_emit_frame(f, rec);
}

/* Emit the complete line buf[start, end) (end: its LF or end of data). */
static void
tfile_emit_line(struct tfile *f, struct raw_record *rec, size_t start,
                size_t end)
{
    size_t len = end - start;
    bool cut = false;

    if (len > 0 && f->buf[end - 1] == '\r')
        len--;
    if (len > f->src->max_line) {
        len = f->src->max_line;
        cut = true;
        tfile_say_truncated(f);
    }
    tfile_deliver(f, rec, start, len, cut);
}

static void
tfile_record(struct tfile *f, struct raw_record *rec)
{
    struct src_file *s = f->src;

    *rec = (struct raw_record){
        .source = strv_from_cstr(s->base.cfg->name),
        .ref_time_us = source_now_us(),
        .has_offset = true,
        .kind = s->kind,
        .failed_logins = s->failed_logins,
    };
    if (s->record_len > 0)
        rec->hostname = strv_from_cstr(s->hostname);
    rec->tz_offset_s = source_tz_offset(&s->tz, rec->ref_time_us);
}

/*
 * Fingerprint of `off`: FNV-1a 64 of the min(off, FINGERPRINT_LEN) bytes
 * before it, from the buffer when they are there, else read from the file.
 */
static int
tfile_fingerprint(struct tfile *f, uint64_t off, uint64_t *ret)
{
    char tmp[FINGERPRINT_LEN];
    size_t h = (size_t)min_u64(off, FINGERPRINT_LEN);
    ssize_t n;

    if (f->fp_valid && f->fp_off == off) {
        *ret = f->fp;
        return 0;
    }
    if (off >= f->base_off + h && off <= tfile_read_off(f)) {
        size_t idx = (size_t)(off - f->base_off);

        *ret = checkpoint_fnv1a(CHECKPOINT_FNV_INIT, f->buf + idx - h, h);
        return 0;
    }
    n = pread_full(f->fd, tmp, h, off - h);
    if (n < 0)
        return (int)n;
    if ((size_t)n != h)
        return -ESTALE;
    *ret = checkpoint_fnv1a(CHECKPOINT_FNV_INIT, tmp, h);
    return 0;
}

/* The pending line passed max_line (+1 for a CR): emit its head, skip the
 * rest up to its LF.  done_off stays at the line start, whose fingerprint
 * is cached now because the skipped bytes leave the buffer. */
static void
tfile_begin_skip(struct tfile *f, struct raw_record *rec)
{
    uint64_t fp;

    if (tfile_fingerprint(f, f->done_off, &fp) == 0) {
        f->fp = fp;
        f->fp_off = f->done_off;
        f->fp_valid = true;
    }
    tfile_say_truncated(f);
    tfile_deliver(f, rec, f->scan, f->src->max_line, true);
    f->skipping = true;
}

/* Emit every complete fixed-size record in the buffer; true when one was
 * emitted.  A partial one stays after f->scan until the next read. */
static bool
tfile_scan_records(struct tfile *f)
{
    struct raw_record rec;
    size_t rl = f->src->record_len;
    bool any = false;

    tfile_record(f, &rec);
    f->busy = true;
    while (f->fill - f->scan >= rl && !f->src->closing) {
        tfile_emit(f, &rec, f->scan, rl);
        f->scan += rl;
        f->done_off = f->base_off + f->scan;
        any = true;
    }
    f->search = f->fill;
    f->busy = false;
    return any;
}

/* The loop turn has run TURN_SLICE_MS: uv_now() is the loop's time when
 * the turn began (libuv takes it again after polling). */
static bool
turn_spent(const struct src_file *s)
{
    return uv_hrtime() / NS_PER_MS >= uv_now(s->loop) + TURN_SLICE_MS;
}

/*
 * Emit the complete lines in the buffer, up to its end, until the
 * pipeline is congested (the rest waits in the buffer for resume(): a read
 * of short lines that each open a session and evict another makes 14
 * times its size in records, more than a sink takes past its high mark
 * before it drops), or until the loop turn is spent (the slice handle goes
 * on in the next turn).  `all` goes on regardless, for a file's last lines
 * before it is closed or read again from 0.
 */
static void
tfile_scan(struct tfile *f, bool all)
{
    struct src_file *s = f->src;
    struct raw_record rec;
    size_t pos = f->search;
    bool stopped = false;

    tfile_record(f, &rec);
    f->busy = true;
    while (pos < f->fill && !s->closing) {
        char *nl;
        size_t i;

        if (!all && (s->paused || turn_spent(s))) {
            if (!s->paused)
                uv_idle_start(&s->slice, slice_cb);
            stopped = true;
            break;
        }
        nl = memchr(f->buf + pos, '\n', f->fill - pos);
        if (nl == NULL)
            break;
        i = (size_t)(nl - f->buf);
        if (f->skipping)
            f->skipping = false;
        else
            tfile_emit_line(f, &rec, f->scan, i);
        f->scan = pos = i + 1;
        f->done_off = tfile_safe_off(f, f->base_off + pos);
    }
    f->search = stopped ? pos : f->fill;
    if (!stopped && !f->skipping && f->fill - f->scan > s->max_line + 1)
        tfile_begin_skip(f, &rec);
    f->busy = false;
}

/* Lines a scan left (paused or out of time) wait for it to go on. */
static bool
tfile_lines_wait(const struct tfile *f)
{
    return f->src->record_len == 0 && f->search < f->fill;
}

/* A last line without LF: emitted when its file ends for good. */
static void
tfile_flush_partial(struct tfile *f)
{
    struct raw_record rec;

    if (f->src->record_len > 0) {
        /* a partial record is no record (utmpdump skips it too) */
        f->fill = f->search = f->scan;
        f->done_off = tfile_read_off(f);
        return;
    }
    if (f->search < f->fill)
        tfile_scan(f, true); /* complete lines a scan left first */
    tfile_record(f, &rec);
    f->busy = true;
    if (!f->skipping && f->fill > f->scan)
        tfile_emit_line(f, &rec, f->scan, f->fill);
    tfile_flush_frame(f, &rec);
    f->busy = false;
    f->skipping = false;
    f->scan = f->search = f->fill;
    f->done_off = tfile_read_off(f);
}

/* Drop consumed bytes, keeping FINGERPRINT_LEN before the pending line. */
static void
tfile_compact(struct tfile *f)
{
    size_t from;

    if (f->skipping)
        from = f->fill > FINGERPRINT_LEN ? f->fill - FINGERPRINT_LEN : 0;
    else
        from = f->scan > FINGERPRINT_LEN ? f->scan - FINGERPRINT_LEN : 0;
    if (from == 0)
        return;
    memmove(f->buf, f->buf + from, f->fill - from);
    f->base_off += from;
    f->fill -= from;
    f->scan = f->skipping ? f->fill : f->scan - from;
    f->search = f->skipping ? f->fill : f->search - from;
}

/* ---- reading ---------------------------------------------------------- */

/* Set the file position to `off` with no pending bytes. */
static void
tfile_reset(struct tfile *f, uint64_t off)
{
    f->base_off = f->done_off = off;
    f->fill = f->scan = f->search = 0;
    frame_reset(&f->frame);
    f->skipping = false;
    f->fp_valid = off == 0;
    f->fp = CHECKPOINT_FNV_INIT;
    f->fp_off = 0;
}

/* f is read only once pred is drained. */
static void
tfile_wait_for(struct tfile *f, struct tfile *pred)
{
    f->pred = pred;
    pred->has_succ = true;
}

static void
tfile_release_successors(struct tfile *f)
{
    if (!f->has_succ)
        return;
    f->has_succ = false;
    for (struct tfile *g = f->src->files; g != NULL; g = g->next)
        if (g->pred == f) {
            g->pred = NULL;
            tfile_read(g);
        }
}

/* A rotated-away file reached its end: its last line, if it has no LF,
 * is emitted now, and the new file of the same path may be read. */
static void
tfile_set_drained(struct tfile *f)
{
    if (f->drained)
        return;
    f->drained = true;
    tfile_flush_partial(f);
    tfile_release_successors(f);
}

static struct tfile *tfile_find_copy(struct tfile *f);

/* What src_find_in_dir() looks for. */
struct find_spec {
    uint64_t off, fp;   /* the bytes before off hash to fp */
    bool head;          /* off is the whole head: read the copy from 0 */
    struct tfile *pred; /* the copy waits for this file, or NULL */
    uint64_t dev, ino;  /* ino != 0: this file, under any name */
    bool any_age;       /* else modified at most COPY_MAX_AGE_S ago */
};

static struct tfile *src_find_in_dir(struct src_file *s, const char *path,
                                     const struct find_spec *w);

/*
 * The file is smaller than our offset: copytruncate.  What the writer
 * added after our last read is only in the copy, so when a recent copy in
 * the same directory has our fingerprint at done_off, it is read from
 * there first; then the file again from 0.
 */
static void
tfile_restart(struct tfile *f)
{
    struct tfile *copy = tfile_find_copy(f);

    if (copy != NULL) {
        source_diagf(
            &f->src->env, &f->src->base, LOG_NOTICE,
            "%s: truncated; reading its rest from %s, then it from the "
            "start",
            f->path, copy->path);
    } else {
        source_diagf(&f->src->env, &f->src->base, LOG_NOTICE,
                     "%s: truncated, reading again from the start", f->path);
        tfile_flush_partial(f);
    }
    tfile_reset(f, 0);
    f->at_eof = false;
    if (copy != NULL) {
        tfile_wait_for(f, copy);
    }
    tfile_read(f);
}

static void
tfile_truncated(struct tfile *f)
{
    if (f->reading)
        f->restart_due = true;
    else
        tfile_restart(f);
}

static void tfile_finalize(struct tfile *f);

/* Where a file of `size` bytes was truncated under us: below the consumed
 * offset.  In record mode that is the last record boundary: a partial
 * record after it may shrink (updwtmp cuts it) without a truncation. */
static bool
tfile_shrunk(const struct tfile *f, uint64_t size)
{
    if (f->src->record_len > 0)
        return size < f->base_off + f->scan;
    return size < tfile_read_off(f);
}

/* Is there something to read in a file of `size` bytes?  In record mode
 * also a partial record that changed size (read again from its start). */
static bool
tfile_changed(const struct tfile *f, uint64_t size)
{
    return size != tfile_read_off(f) &&
           (f->src->record_len > 0 || size > tfile_read_off(f));
}

/* A read found the end (or failed): look for truncation, let successors
 * go, and close a rotated file whose grace time is over. */
static void
tfile_eof(struct tfile *f)
{
    struct stat st;

    f->at_eof = true;
    if (fstat(f->fd, &st) == 0) {
        if (tfile_shrunk(f, (uint64_t)st.st_size)) {
            tfile_truncated(f);
            return;
        }
        if (tfile_changed(f, (uint64_t)st.st_size)) {
            tfile_read(f);
            return;
        }
    }
    if (!f->live) {
        tfile_set_drained(f);
        if (uv_now(f->src->loop) - f->orphan_since >= ROTATE_GRACE_MS)
            tfile_finalize(f);
    }
}

static void src_maybe_free(struct src_file *s);

/* What a read of the file found before its offset (tfile_check_read). */
enum read_check {
    READ_OURS,     /* the bytes we hold: what came continues them */
    READ_REFILLED, /* truncated and written again before the read */
    READ_THEN_CUT, /* truncated and written again after the read */
};

/*
 * A file truncated and written again past our offset between two reads
 * (copytruncate with a fast writer, or the daemon stopped with SIGSTOP
 * or slowed down meanwhile) is as long as before or longer: its size
 * does not show the truncation, its bytes do.  The FINGERPRINT_LEN bytes
 * before the offset of a read that returned n bytes are compared with
 * ours; when they differ, the first bytes the read returned, compared
 * with the file's there now, say whether it read the new content (to be
 * dropped and read again from the start) or ours, before the truncation.
 */
static enum read_check
tfile_check_read(struct tfile *f, size_t n)
{
    char tmp[2 * FINGERPRINT_LEN];
    size_t k = (size_t)min_u64(f->fill, FINGERPRINT_LEN);
    size_t m = (size_t)min_u64(n, FINGERPRINT_LEN);
    ssize_t r;

    if (k == 0)
        return READ_OURS;
    r = pread_full(f->fd, tmp, k + m, tfile_read_off(f) - k);
    if (r < 0 || ((size_t)r >= k && memcmp(tmp, f->buf + f->fill - k, k) == 0))
        return READ_OURS; /* an error: the next read tells */
    if ((size_t)r == k + m && memcmp(tmp + k, f->buf + f->fill, m) == 0)
        return READ_REFILLED;
    return READ_THEN_CUT;
}

static void
tfile_read_cb(uv_fs_t *req)
{
    struct tfile *f = container_of(req, struct tfile, req);
    struct src_file *s = f->src;
    ssize_t n = req->result;
    enum read_check check;

    uv_fs_req_cleanup(req);
    f->reading = false;
    s->reads--;
    if (s->closing) {
        src_maybe_free(s);
        return;
    }
    if (f->restart_due) {
        f->restart_due = false;
        tfile_restart(f);
        return;
    }
    if (n < 0) {
        /* retried by the next poll, not at once */
        s->counters.errors++;
        source_diagf(&s->env, &s->base, LOG_ERR, "%s: read: %s", f->path,
                     uv_strerror((int)n));
        f->at_eof = true;
        if (!f->live)
            tfile_set_drained(f);
        return;
    }
    if (n == 0) {
        tfile_eof(f);
        return;
    }
    check = tfile_check_read(f, (size_t)n);
    if (check == READ_REFILLED) {
        tfile_restart(f);
        return;
    }
    /* What came is ours; the file is read again from the start when the
     * next read returns. */
    f->restart_due = check == READ_THEN_CUT;
    f->at_eof = false;
    f->fill += (size_t)n;
    s->counters.bytes += (uint64_t)n;
    if (s->record_len > 0) {
        /* only a partial record came: the end, for now */
        if (tfile_scan_records(f))
            tfile_read(f);
        else
            tfile_eof(f);
        return;
    }
    tfile_scan(f, false);
    tfile_read(f);
}

/* Start the next read unless one runs, the pipeline is congested or an
 * orphan of the same path must be drained first. */
static void
tfile_read(struct tfile *f)
{
    struct src_file *s = f->src;
    uv_buf_t b;
    int r;

    if (f->reading || f->busy || f->pred != NULL || f->unlinked || s->paused ||
        s->closing || tfile_lines_wait(f))
        return;
    if (s->record_len > 0) /* a partial record is read again, whole */
        f->fill = f->search = f->scan;
    tfile_compact(f);
    b = uv_buf_init(f->buf + f->fill,
                    (unsigned)min_u64(READ_CHUNK, f->cap - f->fill));
    r = uv_fs_read(s->loop, &f->req, f->fd, &b, 1, (int64_t)tfile_read_off(f),
                   tfile_read_cb);
    if (r < 0) {
        s->counters.errors++;
        source_diagf(&s->env, &s->base, LOG_ERR, "%s: read: %s", f->path,
                     uv_strerror(r));
        return;
    }
    f->reading = true;
    s->reads++;
}

/* ---- positions at start ---------------------------------------------- */

/* Resume at off when the fingerprint there still matches (and the file is
 * that long).  Returns 0 or -ESTALE. */
static int
tfile_seek_checked(struct tfile *f, uint64_t off, uint64_t want_fp)
{
    size_t h = (size_t)min_u64(off, FINGERPRINT_LEN);
    ssize_t n = pread_full(f->fd, f->buf, h, off - h);

    if (n < 0 || (size_t)n != h ||
        checkpoint_fnv1a(CHECKPOINT_FNV_INIT, f->buf, h) != want_fp)
        return -ESTALE;
    tfile_reset(f, off - h);
    f->fill = f->scan = f->search = h;
    f->done_off = off;
    return 0;
}

/* Start after the last complete line: the line being written now is
 * read whole.  A last line too long to back up over is skipped. */
/* Record mode: start at the last record boundary (a record being written
 * is read whole). */
static int
tfile_seek_end_records(struct tfile *f, uint64_t size)
{
    uint64_t end = size - size % f->src->record_len;
    size_t h = (size_t)min_u64(end, FINGERPRINT_LEN);
    ssize_t n = pread_full(f->fd, f->buf, h, end - h);

    if (n < 0)
        return (int)n;
    if ((size_t)n != h)
        return -ESTALE;
    tfile_reset(f, end - h);
    f->fill = f->scan = f->search = h;
    f->done_off = end;
    return 0;
}

static int
tfile_seek_end(struct tfile *f, uint64_t size)
{
    size_t h = (size_t)min_u64(size, f->src->max_line + 1 + FINGERPRINT_LEN);
    uint64_t base = size - h;
    ssize_t n = pread_full(f->fd, f->buf, h, base);
    char *nl;

    if (n < 0)
        return (int)n;
    h = (size_t)n;
    tfile_reset(f, base);
    f->fill = f->search = h;
    nl = h ? memrchr(f->buf, '\n', h) : NULL;
    if (nl != NULL && (base == 0 || nl - f->buf + 1 >= FINGERPRINT_LEN))
        f->scan = (size_t)(nl - f->buf) + 1;
    else if (nl == NULL && base == 0)
        f->scan = 0;
    else {
        f->scan = h;
        f->skipping = true;
    }
    f->done_off = base + f->scan;
    if (f->skipping) {
        size_t k = h < FINGERPRINT_LEN ? h : FINGERPRINT_LEN;

        f->fp = checkpoint_fnv1a(CHECKPOINT_FNV_INIT, f->buf + h - k, k);
        f->fp_off = f->done_off;
        f->fp_valid = true;
    }
    return 0;
}

static const struct checkpoint_entry *
src_ckpt_find(const struct src_file *s, uint64_t dev, uint64_t ino)
{
    for (size_t i = 0; i < s->n_ckpt; i++)
        if (s->ckpt[i].dev == dev && s->ckpt[i].ino == ino)
            return &s->ckpt[i];
    return NULL;
}

/*
 * f holds other bytes before its checkpointed offset than it did, or is
 * shorter: truncated (and maybe written again) while the daemon was
 * stopped.  A copytruncate's copy, of any age, with our bytes before the
 * offset is read from there first; then f from its start.
 */
static void
tfile_changed_while_stopped(struct tfile *f, const struct checkpoint_entry *e)
{
    struct src_file *s = f->src;
    struct find_spec w = {
        .off = e->offset, .fp = e->fingerprint, .any_age = true};
    struct tfile *copy = e->offset > 0 ? src_find_in_dir(s, f->path, &w) : NULL;

    if (copy == NULL) {
        source_diagf(&s->env, &s->base, LOG_NOTICE,
                     "%s: changed since the checkpoint, reading from the start",
                     f->path);
        return;
    }
    source_diagf(&s->env, &s->base, LOG_NOTICE,
                 "%s: changed since the checkpoint; reading its rest from "
                 "%s, then it from the start",
                 f->path, copy->path);
    tfile_wait_for(f, copy);
}

/* Where a file found at open starts (DESIGN 4); 0 unless told otherwise. */
static int
tfile_start(struct tfile *f, enum start_mode mode, uint64_t size)
{
    struct src_file *s = f->src;
    const struct checkpoint_entry *e;

    tfile_reset(f, 0);
    if (mode == START_ZERO)
        return 0;
    if (mode == START_COPY) {
        int r = tfile_seek_checked(f, s->copy->off, s->copy->fp);

        if (r == 0 && s->copy->head)
            tfile_reset(f, 0);
        f->pred = s->copy->pred;
        return r;
    }
    if (s->have_ckpt) {
        e = src_ckpt_find(s, f->dev, f->ino);
        if (e != NULL && e->offset <= size &&
            (s->record_len == 0 || e->offset % s->record_len == 0) &&
            tfile_seek_checked(f, e->offset, e->fingerprint) == 0)
            return 0;
        tfile_reset(f, 0);
        if (e != NULL)
            tfile_changed_while_stopped(f, e);
        return 0;
    }
    if (s->base.cfg->from_beginning)
        return 0;
    if (s->record_len > 0)
        return tfile_seek_end_records(f, size);
    return tfile_seek_end(f, size);
}

/* ---- files and directories -------------------------------------------- */

static void
tfile_free(struct tfile *f)
{
    if (f == NULL)
        return;
    if (f->fd >= 0)
        close(f->fd);
    mem_free(f->buf);
    frame_done(&f->frame);
    mem_free(f->path);
    mem_free(f);
}

static void
tfile_ev_close_cb(uv_handle_t *h)
{
    struct tfile *f = container_of(h, struct tfile, ev);
    struct src_file *s = f->src;

    if (f->unlinked)
        tfile_free(f);
    s->handles--;
    src_maybe_free(s);
}

/* A rotated or deleted file is drained: emit its last partial line, let
 * whoever waits go, close it. */
static void
tfile_finalize(struct tfile *f)
{
    struct src_file *s = f->src;

    tfile_flush_partial(f);
    for (struct tfile **pp = &s->files; *pp != NULL; pp = &(*pp)->next)
        if (*pp == f) {
            *pp = f->next;
            break;
        }
    s->n_files--;
    f->unlinked = true;
    tfile_release_successors(f);
    if (f->ev_init)
        uv_close((uv_handle_t *)&f->ev, tfile_ev_close_cb);
    else
        tfile_free(f);
}

static void
tfile_ev_cb(uv_fs_event_t *h, const char *name, int events, int status)
{
    struct tfile *f = container_of(h, struct tfile, ev);

    (void)name;
    if (f->unlinked || f->src->closing || status < 0)
        return;
    tfile_read(f);
    if (events & UV_RENAME)
        src_schedule_check(f->src);
}

static void
tfile_watch(struct tfile *f)
{
    struct src_file *s = f->src;
    int r;

    r = uv_fs_event_init(s->loop, &f->ev);
    if (r == 0) {
        f->ev_init = true;
        s->handles++;
        r = uv_fs_event_start(&f->ev, tfile_ev_cb, f->path, 0);
    }
    if (r < 0 && !s->said_watch) {
        s->said_watch = true;
        source_diagf(&s->env, &s->base, LOG_WARNING,
                     "%s: cannot watch (%s), polling every %d ms", f->path,
                     uv_strerror(r), POLL_MS);
    }
}

static void
dwatch_cb(uv_fs_event_t *h, const char *name, int events, int status)
{
    struct dwatch *d = container_of(h, struct dwatch, ev);

    (void)name;
    /* creations, deletions, renames; writes are seen by the file watch */
    if (status == 0 && (events & UV_RENAME))
        src_schedule_check(d->src);
}

static void
dwatch_close_cb(uv_handle_t *h)
{
    struct dwatch *d = container_of(h, struct dwatch, ev);
    struct src_file *s = d->src;

    if (!d->linked) { /* a failed start */
        mem_free(d->path);
        mem_free(d);
    }
    s->handles--;
    src_maybe_free(s);
}

/* Watch the directory dir[0, len) unless already watched or too many. */
static void
src_watch_dir(struct src_file *s, const char *dir, size_t len)
{
    struct dwatch *d;
    int r;

    for (d = s->dirs; d != NULL; d = d->next)
        if (strlen(d->path) == len && memcmp(d->path, dir, len) == 0)
            return;
    if (s->n_dirs >= DIRS_MAX || (d = mem_calloc(1, sizeof(*d))) == NULL)
        return;
    d->src = s;
    d->path = mem_strndup(dir, len);
    if (d->path == NULL) {
        mem_free(d);
        return;
    }
    uv_fs_event_init(s->loop, &d->ev);
    s->handles++;
    r = uv_fs_event_start(&d->ev, dwatch_cb, d->path, 0);
    if (r < 0) {
        if (r != UV_ENOENT && !s->said_watch) {
            s->said_watch = true;
            source_diagf(&s->env, &s->base, LOG_WARNING,
                         "%s: cannot watch (%s), polling every %d ms", d->path,
                         uv_strerror(r), POLL_MS);
        }
        uv_close((uv_handle_t *)&d->ev, dwatch_close_cb);
        return;
    }
    d->linked = true;
    d->next = s->dirs;
    s->dirs = d;
    s->n_dirs++;
}

/* Watch the directory of path[0, n): the part before its last '/'. */
static void
src_watch_dir_of(struct src_file *s, const char *path, size_t n)
{
    const char *slash = memrchr(path, '/', n);

    if (slash == NULL)
        src_watch_dir(s, ".", 1);
    else if (slash == path)
        src_watch_dir(s, "/", 1);
    else
        src_watch_dir(s, path, (size_t)(slash - path));
}

static struct tfile *
src_find_live(const struct src_file *s, const char *path)
{
    for (struct tfile *f = s->files; f != NULL; f = f->next)
        if (f->live && strcmp(f->path, path) == 0)
            return f;
    return NULL;
}

/* The inode is followed already: true.  An orphan found again under a
 * new name matching the glob (auth.log -> auth.log.1 with "auth.log*") is
 * live again under that name, so it is neither closed nor read twice. */
static bool
src_adopt(struct src_file *s, const char *path, const struct stat *st)
{
    for (struct tfile *g = s->files; g != NULL; g = g->next) {
        char *p;

        if (g->dev != (uint64_t)st->st_dev || g->ino != (uint64_t)st->st_ino)
            continue;
        if (!g->live && (p = mem_strndup(path, strlen(path))) != NULL) {
            mem_free(g->path);
            g->path = p;
            g->live = true;
            tfile_release_successors(g);
            src_watch_dir_of(s, p, strlen(p));
        }
        return true;
    }
    return false;
}

/* Link f and wait for an undrained orphan of the same path, if any. */
static void
src_link(struct src_file *s, struct tfile *f)
{
    for (struct tfile *g = s->files; g != NULL; g = g->next)
        if (!g->live && !g->drained && strcmp(g->path, f->path) == 0) {
            tfile_wait_for(f, g);
            break;
        }
    f->next = s->files;
    s->files = f;
    s->n_files++;
}

static bool tfile_check_waiting(struct tfile *f, uint64_t size);

/*
 * Follow path from the position `mode` says.  Returns 0 (also when the
 * inode is followed already; *ret, when given, is set only for a new
 * file), -EISDIR for what is not a regular file, -EMFILE past FILES_MAX,
 * -ESTALE (START_COPY: another file), or -errno.
 */
static int
src_add(struct src_file *s, const char *path, enum start_mode mode,
        struct tfile **ret)
{
    struct tfile *f = NULL;
    struct stat st;
    int fd, r = 0;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) < 0) {
        r = -errno;
        goto out;
    }
    if (!S_ISREG(st.st_mode))
        r = -EISDIR;
    else if (src_adopt(s, path, &st))
        r = 0;
    else if (s->n_files >= FILES_MAX)
        r = -EMFILE;
    else if ((f = mem_calloc(1, sizeof(*f))) == NULL)
        r = -ENOMEM;
    if (r < 0 || f == NULL)
        goto out;
    f->fd = -1;
    f->src = s;
    f->cap = READ_CHUNK + FINGERPRINT_LEN + s->max_line + 2;
    f->buf = mem_malloc(f->cap);
    f->path = mem_strndup(path, strlen(path));
    if (f->buf == NULL || f->path == NULL) {
        r = -ENOMEM;
        goto out;
    }
    f->fd = fd;
    fd = -1;
    f->dev = (uint64_t)st.st_dev;
    f->ino = (uint64_t)st.st_ino;
    f->live = true;
    r = tfile_start(f, mode, (uint64_t)st.st_size);
    if (r < 0)
        goto out;
    src_link(s, f);
    tfile_check_waiting(f, (uint64_t)st.st_size);
    tfile_watch(f);
    src_watch_dir_of(s, path, strlen(path));
    tfile_read(f);
    if (ret != NULL)
        *ret = f;
    f = NULL;
out:
    if (fd >= 0)
        close(fd);
    tfile_free(f);
    return r;
}

/* ---- copytruncate copies --------------------------------------------- */

static bool
src_follows(const struct src_file *s, const struct stat *st)
{
    for (const struct tfile *g = s->files; g != NULL; g = g->next)
        if (g->dev == (uint64_t)st->st_dev && g->ino == (uint64_t)st->st_ino)
            return true;
    return false;
}

/* Is path a regular file not followed yet that may be what w says? */
static bool
find_candidate(const struct src_file *s, const char *path,
               const struct find_spec *w)
{
    struct stat st;

    if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || src_follows(s, &st))
        return false;
    if (w->ino != 0)
        return (uint64_t)st.st_dev == w->dev && (uint64_t)st.st_ino == w->ino &&
               (uint64_t)st.st_size >= w->off;
    return ((uint64_t)st.st_size > w->off ||
            (w->head && (uint64_t)st.st_size == w->off)) &&
           (w->any_age || time(NULL) - st.st_mtime <= COPY_MAX_AGE_S);
}

/*
 * Look in the directory of `path` for the file w describes whose
 * FINGERPRINT_LEN bytes before w->off are ours (START_COPY checks them).
 * Follow it as an orphan from w->off (read to its end, then closed) and
 * return it, or NULL.
 */
static struct tfile *
src_find_in_dir(struct src_file *s, const char *path, const struct find_spec *w)
{
    char dir[PATHBUF_MAX], cand[PATHBUF_MAX];
    const char *slash = strrchr(path, '/');
    struct tfile *g = NULL;
    struct dirent *de;
    unsigned seen = 0;
    DIR *d;
    int n;

    s->copy = w;
    n = slash == NULL ? snprintf(dir, sizeof(dir), ".")
        : slash == path
            ? snprintf(dir, sizeof(dir), "/")
            : snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
    if (n < 0 || (size_t)n >= sizeof(dir) || (d = opendir(dir)) == NULL)
        return NULL;
    while (g == NULL && seen++ < COPY_SCAN_MAX && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        n = snprintf(cand, sizeof(cand), "%s/%s", dir, de->d_name);
        if (n < 0 || (size_t)n >= sizeof(cand) || !find_candidate(s, cand, w))
            continue;
        if (src_add(s, cand, START_COPY, &g) < 0 || g == NULL) {
            g = NULL;
            continue;
        }
        g->live = false;
        g->drained = false;
        g->orphan_since = uv_now(s->loop);
    }
    closedir(d);
    s->copy = NULL;
    return g;
}

/*
 * Look in f's directory for the copy a copytruncate made: a recent file
 * whose FINGERPRINT_LEN bytes before done_off are ours.  Follow it as an
 * orphan from done_off and return it, or NULL.
 */
static struct tfile *
tfile_find_copy(struct tfile *f)
{
    struct find_spec w = {.off = f->done_off};

    if (f->done_off == 0 || tfile_fingerprint(f, f->done_off, &w.fp) < 0)
        return NULL;
    return src_find_in_dir(f->src, f->path, &w);
}

/*
 * A checkpointed file rotated by rename while the daemon was stopped,
 * whose lines after the checkpoint would be lost: its path names another
 * inode, or none.  It is looked for by its inode in its directory and,
 * with our bytes before the saved offset, read from there to its end
 * first, as one renamed while running; the new file of its path waits
 * for it.  Runs before the first scan.
 */
static void
src_find_moved(struct src_file *s)
{
    for (size_t i = 0; i < s->n_ckpt && !s->closing; i++) {
        const struct checkpoint_entry *e = &s->ckpt[i];
        struct find_spec w = {.off = e->offset,
                              .fp = e->fingerprint,
                              .dev = e->dev,
                              .ino = e->ino};
        struct tfile *g;
        struct stat st;
        char *p;

        if (e->offset == 0 ||
            (stat(e->path, &st) == 0 && (uint64_t)st.st_dev == e->dev &&
             (uint64_t)st.st_ino == e->ino))
            continue; /* nothing read yet, or still there */
        g = src_find_in_dir(s, e->path, &w);
        if (g == NULL)
            continue;
        source_diagf(&s->env, &s->base, LOG_NOTICE,
                     "%s: rotated while stopped; reading the rest of %s",
                     e->path, g->path);
        if ((p = mem_strndup(e->path, strlen(e->path))) != NULL) {
            mem_free(g->path);
            g->path = p; /* as an orphan of its old path */
        }
    }
}

/* ---- change detection ------------------------------------------------- */

/* The path no longer names f (renamed or deleted): f becomes an orphan,
 * read to its end and kept ROTATE_GRACE_MS for late writers. */
static void
tfile_detach(struct tfile *f)
{
    struct src_file *s = f->src;
    struct stat st;

    f->live = false;
    f->drained = false;
    f->orphan_since = uv_now(s->loop);
    if (fstat(f->fd, &st) < 0)
        return;
    if (st.st_nlink == 0) {
        s->counters.errors++;
        source_diagf(&s->env, &s->base, LOG_WARNING,
                     "%s: deleted, reading what is left of it", f->path);
    }
    if (!f->reading && (uint64_t)st.st_size == tfile_read_off(f))
        tfile_set_drained(f);
    else
        tfile_read(f);
}

static void
tfile_check_orphan(struct tfile *f)
{
    struct stat st;

    if (f->reading)
        return;
    if (fstat(f->fd, &st) == 0 && (tfile_shrunk(f, (uint64_t)st.st_size) ||
                                   tfile_changed(f, (uint64_t)st.st_size))) {
        if (tfile_shrunk(f, (uint64_t)st.st_size))
            tfile_truncated(f);
        else
            tfile_read(f);
        return;
    }
    tfile_set_drained(f);
    if (uv_now(f->src->loop) - f->orphan_since >= ROTATE_GRACE_MS)
        tfile_finalize(f);
}

static void
src_report_add(struct src_file *s, const char *path, int r)
{
    if (r == -EMFILE) {
        if (!s->said_full)
            source_diagf(&s->env, &s->base, LOG_ERR,
                         "%s: not followed, already %d files", path, FILES_MAX);
        s->said_full = true;
        return;
    }
    if (r < 0 && r != -EISDIR && r != -ENOENT) {
        s->counters.errors++;
        source_diagf(&s->env, &s->base, LOG_ERR, "%s: cannot open: %s", path,
                     strerror(-r));
    }
}

/*
 * A file waiting behind its predecessor (renamed away, still being read)
 * has read nothing, so a copytruncate of it shrinks no offset of ours and
 * tfile_shrunk() cannot see it.  Its head is fingerprinted as it grows
 * instead: when the file is shorter than it was, or its head changed, the
 * copy with that head (the bytes of the lines it had) is read first, from
 * its start, after the predecessor.  Without a copy those lines are gone,
 * and that is said.  False when f is not such a file.
 */
static bool
tfile_check_waiting(struct tfile *f, uint64_t size)
{
    struct src_file *s = f->src;
    struct find_spec w = {.off = f->wait_len, .fp = f->wait_fp, .head = true};
    size_t h = (size_t)min_u64(size, FINGERPRINT_LEN);
    struct tfile *copy;
    uint64_t fp;

    if (f->pred == NULL || tfile_read_off(f) != 0)
        return false;
    if (f->wait_len > 0 &&
        (size < f->wait_size || tfile_fingerprint(f, f->wait_len, &fp) < 0 ||
         fp != f->wait_fp)) {
        w.pred = f->pred;
        copy = src_find_in_dir(s, f->path, &w);
        if (copy != NULL) {
            source_diagf(&s->env, &s->base, LOG_NOTICE,
                         "%s: truncated before it was read; reading %s "
                         "first",
                         f->path, copy->path);
            tfile_wait_for(f, copy);
        } else {
            s->counters.errors++;
            source_diagf(&s->env, &s->base, LOG_WARNING,
                         "%s: truncated before it was read, and no copy of "
                         "its %" PRIu64 " bytes found: they are lost",
                         f->path, f->wait_size);
        }
        f->wait_size = 0;
        f->wait_len = 0;
    }
    if (size > f->wait_size)
        f->wait_size = size;
    if (h > f->wait_len && tfile_fingerprint(f, h, &fp) == 0) {
        f->wait_len = h;
        f->wait_fp = fp;
    }
    return true;
}

/* stat the path: rotation, deletion, truncation, growth. */
static void
tfile_check(struct tfile *f)
{
    struct src_file *s = f->src;
    struct stat st;

    if (!f->live) {
        tfile_check_orphan(f);
        return;
    }
    if (stat(f->path, &st) < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            tfile_detach(f);
        return;
    }
    if ((uint64_t)st.st_dev != f->dev || (uint64_t)st.st_ino != f->ino) {
        tfile_detach(f);
        src_report_add(s, f->path, src_add(s, f->path, START_ZERO, NULL));
        return;
    }
    if (tfile_check_waiting(f, (uint64_t)st.st_size))
        return;
    if (tfile_shrunk(f, (uint64_t)st.st_size))
        tfile_truncated(f);
    else if (tfile_changed(f, (uint64_t)st.st_size))
        tfile_read(f);
}

static void
src_check_all(struct src_file *s)
{
    struct tfile *f, *next;

    for (f = s->files; f != NULL && !s->closing; f = next) {
        next = f->next;
        tfile_check(f);
    }
}

/* Glob again and follow what is new: from `mode`'s position. */
static void
src_rescan(struct src_file *s, enum start_mode mode)
{
    glob_t g;
    int r;

    memset(&g, 0, sizeof(g));
    r = glob(s->pattern, GLOB_NOSORT | GLOB_BRACE, NULL, &g);
    if (r != 0 && r != GLOB_NOMATCH) {
        if (!s->said_glob)
            source_diagf(&s->env, &s->base, LOG_ERR,
                         "%s: cannot expand (glob error %d)", s->pattern, r);
        s->said_glob = true;
    }
    for (size_t i = 0; r == 0 && i < g.gl_pathc && !s->closing; i++) {
        const char *p = g.gl_pathv[i];

        if (src_find_live(s, p) == NULL)
            src_report_add(s, p, src_add(s, p, mode, NULL));
    }
    globfree(&g);
}

static void
check_cb(uv_timer_t *t)
{
    struct src_file *s = t->data;

    src_check_all(s);
    src_rescan(s, START_ZERO);
}

/* Look at every file and the glob soon: inotify said something moved. */
static void
src_schedule_check(struct src_file *s)
{
    if (!s->closing && !uv_is_active((uv_handle_t *)&s->check))
        uv_timer_start(&s->check, check_cb, CHECK_DELAY_MS, 0);
}

static void
tick_cb(uv_timer_t *t)
{
    struct src_file *s = t->data;

    src_check_all(s);
    if (++s->ticks % RESCAN_TICKS == 0)
        src_rescan(s, START_ZERO);
}

/* ---- the ops ---------------------------------------------------------- */

static void
src_maybe_free(struct src_file *s)
{
    void (*done_cb)(void *arg);
    void *arg;

    if (!s->closing || s->handles > 0 || s->reads > 0)
        return;
    while (s->files != NULL) {
        struct tfile *f = s->files;

        s->files = f->next;
        tfile_free(f);
    }
    while (s->dirs != NULL) {
        struct dwatch *d = s->dirs;

        s->dirs = d->next;
        mem_free(d->path);
        mem_free(d);
    }
    mem_free(s->ckpt);
    mem_free(s->marked);
    buf_done(&s->marked_paths);
    done_cb = s->done_cb;
    arg = s->done_arg;
    mem_free(s);
    if (done_cb != NULL)
        done_cb(arg);
}

static void
timer_close_cb(uv_handle_t *h)
{
    struct src_file *s = h->data;

    s->handles--;
    src_maybe_free(s);
}

/* Load the checkpoint for the first scan.  One that cannot be trusted is
 * reported and counts as "no file known": every file is read from 0. */
static void
src_load_checkpoint(struct src_file *s)
{
    int r;

    if (s->env.state_dir == NULL)
        return;
    r = checkpoint_load(s->env.state_dir, s->base.cfg->name, &s->ckpt,
                        &s->n_ckpt);
    if (r == -ENOENT)
        return;
    s->have_ckpt = true;
    if (r < 0) {
        s->ckpt = NULL;
        s->n_ckpt = 0;
        s->counters.errors++;
        source_diagf(
            &s->env, &s->base, LOG_WARNING,
            "checkpoint unreadable (%s), not trusted: reading every file "
            "from its start",
            strerror(-r));
    }
}

/* Watch the directory part of the pattern before its first wildcard. */
static void
src_watch_pattern_dir(struct src_file *s)
{
    src_watch_dir_of(s, s->pattern, strcspn(s->pattern, "*?[{"));
}

static int
src_file_start(uv_loop_t *loop, const struct config_source *cfg,
               const struct source_env *env,
               const struct src_file_records *recs, struct source **ret)
{
    struct src_file *s;
    int r;

    if (cfg == NULL || cfg->path == NULL || cfg->path[0] == '\0' ||
        cfg->name == NULL || env == NULL || env->emit == NULL)
        return -EINVAL;
    s = mem_calloc(1, sizeof(*s));
    if (s == NULL)
        return -ENOMEM;
    s->base.ops = &src_file_ops;
    s->base.cfg = cfg;
    s->loop = loop;
    s->env = *env;
    s->pattern = cfg->path;
    s->framing = recs == NULL && frame_wanted(cfg->format);
    if (recs != NULL) {
        s->record_len = recs->record_len;
        s->kind = recs->kind;
        s->failed_logins = recs->failed_logins;
        snprintf(s->hostname, sizeof(s->hostname), "%s",
                 recs->hostname ? recs->hostname : "");
    }
    s->max_line = cfg->max_line > 0 && cfg->max_line < PARSER_LINE_MAX
                      ? (size_t)cfg->max_line
                      : PARSER_LINE_MAX;
    buf_init(&s->marked_paths, 0);
    r = source_tz_init(&s->tz, cfg->timezone);
    if (r < 0)
        goto fail;
    /* From here on nothing fails: handles are closed asynchronously. */
    src_load_checkpoint(s);
    uv_timer_init(loop, &s->tick);
    uv_timer_init(loop, &s->check);
    uv_idle_init(loop, &s->slice);
    s->tick.data = s->check.data = s->slice.data = s;
    s->handles += 3;
    src_watch_pattern_dir(s);
    src_find_moved(s);
    src_rescan(s, START_INITIAL);
    mem_free(s->ckpt);
    s->ckpt = NULL;
    s->n_ckpt = 0;
    uv_timer_start(&s->tick, tick_cb, POLL_MS, POLL_MS);
    *ret = &s->base;
    return 0;
fail:
    mem_free(s);
    return r;
}

static int
src_file_open(uv_loop_t *loop, const struct config_source *cfg,
              const struct source_env *env, struct source **ret)
{
    return src_file_start(loop, cfg, env, NULL, ret);
}

/*
 * Open a file source whose records are recs->record_len bytes each (see
 * daemon/sources/file.h).  Same ownership as src_file_ops.open: the
 * source is freed by its close().  Returns 0 and *ret, or -errno.
 */
int
src_file_open_records(uv_loop_t *loop, const struct config_source *cfg,
                      const struct source_env *env,
                      const struct src_file_records *recs, struct source **ret)
{
    if (recs == NULL || recs->record_len == 0 ||
        recs->record_len > PARSER_LINE_MAX)
        return -EINVAL;
    return src_file_start(loop, cfg, env, recs, ret);
}

static void
src_file_close(struct source *src, void (*done_cb)(void *arg), void *arg)
{
    struct src_file *s = (struct src_file *)src;

    s->closing = true;
    s->done_cb = done_cb;
    s->done_arg = arg;
    uv_close((uv_handle_t *)&s->tick, timer_close_cb);
    uv_close((uv_handle_t *)&s->check, timer_close_cb);
    uv_close((uv_handle_t *)&s->slice, timer_close_cb);
    for (struct dwatch *d = s->dirs; d != NULL; d = d->next)
        uv_close((uv_handle_t *)&d->ev, dwatch_close_cb);
    for (struct tfile *f = s->files; f != NULL; f = f->next)
        if (f->ev_init)
            uv_close((uv_handle_t *)&f->ev, tfile_ev_close_cb);
}

/* Go on: the lines a scan left first (a read in flight scans them
 * itself), then read on; stops again when paused or out of time. */
static void
src_go_on(struct src_file *s)
{
    for (struct tfile *f = s->files;
         f != NULL && !s->paused && !uv_is_active((uv_handle_t *)&s->slice);
         f = f->next) {
        if (!f->busy && !f->reading && tfile_lines_wait(f))
            tfile_scan(f, false);
        tfile_read(f);
    }
}

static void
slice_cb(uv_idle_t *h)
{
    struct src_file *s = h->data;

    uv_idle_stop(h);
    if (!s->closing && !s->paused)
        src_go_on(s); /* paused: resume() goes on */
}

static void
src_file_resume(struct source *src)
{
    struct src_file *s = (struct src_file *)src;

    if (s->closing)
        return;
    s->paused = false;
    src_go_on(s);
}

/* Grow the snapshot array to hold n entries. */
static int
src_marked_reserve(struct src_file *s, size_t n)
{
    struct checkpoint_entry *e;

    if (n <= s->cap_marked)
        return 0;
    e = mem_realloc(s->marked, n * sizeof(*e));
    if (e == NULL)
        return -ENOMEM;
    s->marked = e;
    s->cap_marked = n;
    return 0;
}

static void
src_file_mark(struct source *src)
{
    struct src_file *s = (struct src_file *)src;
    const char *p;
    size_t n = 0;

    s->mark_state = -ENOMEM;
    if (s->env.state_dir == NULL ||
        src_marked_reserve(s, s->n_files ? s->n_files : 1) < 0)
        return;
    buf_reset(&s->marked_paths);
    for (struct tfile *f = s->files; f != NULL; f = f->next) {
        uint64_t fp;

        /* a file without a fingerprint is left out: read from 0 later */
        if (tfile_fingerprint(f, f->done_off, &fp) < 0)
            continue;
        s->marked[n++] = (struct checkpoint_entry){.dev = f->dev,
                                                   .ino = f->ino,
                                                   .offset = f->done_off,
                                                   .fingerprint = fp};
        buf_append(&s->marked_paths, f->path, strlen(f->path) + 1);
    }
    if (s->marked_paths.oom)
        return;
    p = s->marked_paths.data;
    for (size_t i = 0; i < n; i++) {
        s->marked[i].path = p;
        p += strlen(p) + 1;
    }
    s->n_marked = n;
    s->mark_state = 1;
}

static int
src_file_commit(struct source *src)
{
    struct src_file *s = (struct src_file *)src;

    if (s->env.state_dir == NULL || s->mark_state == 0)
        return 0;
    if (s->mark_state < 0)
        return s->mark_state;
    return checkpoint_save(s->env.state_dir, s->base.cfg->name, s->marked,
                           s->n_marked);
}

static void
src_file_counters(const struct source *src, struct source_counters *ret)
{
    const struct src_file *s = (const struct src_file *)src;

    *ret = s->counters;
}

/*
 * The "file" source type.  open() returns an owned source (freed by
 * close(), whose done_cb runs once every handle is closed and every read
 * returned); records passed to env->emit are borrowed for the call.
 */
const struct source_ops src_file_ops = {
    .name = "file",
    .open = src_file_open,
    .close = src_file_close,
    .resume = src_file_resume,
    .mark = src_file_mark,
    .commit = src_file_commit,
    .counters = src_file_counters,
};
