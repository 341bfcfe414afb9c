/*
 * state.h - open sessions survive a restart (DESIGN 3): saved to
 * `<state_dir>/sessions.state` at stop and every STATE_SAVE_INTERVAL_MS,
 * restored at start before any source is opened, so the first events find
 * their sessions.  The format is in state_codec.h.
 *
 * Saving never stalls the loop: a periodic save writes STATE_SAVE_SLICE
 * sessions per loop turn into `sessions.state.tmp` (session_table_next()
 * may be called between feeds), fsyncs it on libuv's thread pool, then
 * renames it over the file and fsyncs the directory (fileio.h).  A thread
 * working on a snapshot was the other way; it needs a deep copy of every
 * session made on the loop anyway, twice the memory with 1,000,000 open
 * sessions, and the table is not safe to read from another thread.  The
 * save at stop is done in one go after the sinks' final flush, when nothing
 * feeds the table any more; a periodic save still running is abandoned
 * (its temporary removed) first.
 *
 * This module is a daemon boundary: it logs (once per load, once per
 * failing save, not once per bad line: the first STATE_DIAG_MAX bad lines
 * are named, the rest counted).
 */
#ifndef SESSIONTAIL_STATE_H
#define SESSIONTAIL_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "../model/buf.h"
#include "../model/session.h"

#define STATE_FILE "sessions.state"
/* Periodic save: at most this often, and only when something changed. */
#define STATE_SAVE_INTERVAL_MS 30000
/* Test-only: the periodic interval in ms instead of the constant above
 * (the whole-daemon test cannot wait 30 s per crash); not a config key. */
#define STATE_INTERVAL_ENV "SESSIONTAIL_TEST_STATE_INTERVAL_MS"
/* Sessions serialised per loop turn by a periodic save (a few ms). */
#define STATE_SAVE_SLICE 5000
/* Output is written whenever this much is buffered. */
#define STATE_WRITE_CHUNK (1u << 20)
/* A state file is read up to this size; the rest is ignored. */
#define STATE_FILE_MAX (64ULL << 30)
/* Bad lines named one by one in the diagnostics at start. */
#define STATE_DIAG_MAX 10
#define STATE_PATH_MAX 4096

enum state_phase {
    STATE_IDLE = 0,
    STATE_WRITING, /* slices going to the temporary file */
    STATE_SYNCING, /* the temporary is being fsynced on the pool */
};

/*
 * The periodic and final saver.  Embedded in its owner (the daemon); its
 * handles are closed by state_saver_close(), and the owner must outlive
 * the loop run (a pool fsync may still complete after the close).
 */
struct state_saver {
    uv_loop_t *loop;               /* borrowed */
    const struct session_table *t; /* borrowed */
    const uint64_t *activity;      /* borrowed: grows with every event */
    uv_timer_t timer;
    uv_idle_t idle; /* runs the slices, one per loop turn */
    uv_fs_t fsync_req;
    enum state_phase phase;
    bool abandoned;          /* the save being fsynced was dropped at stop */
    bool saved_once;         /* saved_sig is valid */
    uint64_t saved_sig;      /* activity at the start of the last good save */
    uint64_t sig;            /* activity at the start of the save running */
    int fd;                  /* the temporary being written, -1 */
    int sync_fd;             /* the temporary being fsynced, -1 */
    size_t pos;              /* session_table_next() position */
    uint64_t count;          /* sessions written to the temporary */
    uint64_t too_long;       /* sessions left out (a string over the limit) */
    uint64_t too_long_shown; /* the too_long last reported */
    int64_t saved_us;        /* wall time the save started */
    int last_err; /* last error logged, so a failing disk logs once */
    struct buf out;
    char dir[STATE_PATH_MAX];  /* configured state_dir */
    char sdir[STATE_PATH_MAX]; /* state_dir of the save running */
    char path[STATE_PATH_MAX];
    char tmp[STATE_PATH_MAX];
};

/*
 * Restore the sessions saved in `<dir>/sessions.state` into t (borrowed)
 * and log "restored N open sessions from PATH (M skipped)".  A file that
 * cannot be used at all (not a state file, another version, unreadable)
 * is renamed to `sessions.state.bad` - kept for a person to look at, and
 * out of the way of the next save - and the daemon starts without it.
 * Returns the number of sessions restored (0 when there is no file), or
 * -ENOMEM.
 */
int64_t state_load(struct session_table *t, const char *dir);

/*
 * Set the saver up and start its timer.  t and activity are borrowed and
 * must outlive the saver.  dir is copied; state_saver_set_dir() changes it
 * (a reload).  Returns 0 or a negative libuv error.
 */
int state_saver_init(struct state_saver *s, uv_loop_t *loop,
                     const struct session_table *t, const uint64_t *activity,
                     const char *dir);
void state_saver_set_dir(struct state_saver *s, const char *dir);

/* Save every open session now, in one go, abandoning a periodic save in
 * progress.  Logs a failure.  Returns 0 or -errno. */
int state_save_final(struct state_saver *s);

/* Close the saver's handles (a pool fsync in flight completes later and
 * only closes its file). */
void state_saver_close(struct state_saver *s);

#endif
