/*
 * control.h - the control socket (DESIGN 7): `sessiontail sessions` and
 * `sessiontail stats` ask the running daemon over a Unix stream socket.
 *
 * Protocol: the client sends one JSON request line, the server answers
 * with JSON lines and closes the connection.
 *
 *   {"cmd":"sessions","host":"web01","user":"alice"}
 *     -> one session record per open session (session_to_json() plus
 *        "last_activity" and "idle_s"), then {"end":true,"count":N}
 *   {"cmd":"stats"}
 *     -> one object per source, sink, the pipeline, the session engine,
 *        the event loop's turns (loopstat.h) and the control socket
 *        ({"stats":"source","name":"auth",...}), then {"end":true,"count":N}
 *   anything else
 *     -> {"error":"..."} and close
 *
 * Open sessions are sent in slices, one slice per loop turn and client,
 * each written before the next is rendered: a million open sessions cost
 * a few milliseconds per turn and one slice of memory per client.
 */
#ifndef SESSIONTAIL_CONTROL_H
#define SESSIONTAIL_CONTROL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "../model/buf.h"

#define CONTROL_REQUEST_MAX 4096 /* bytes of one request line */
#define CONTROL_FILTER_MAX 256   /* bytes of a host or user filter + NUL */
#define CONTROL_CLIENTS_MAX 16   /* connections served at once */
#define CONTROL_IDLE_MS                                                        \
    10000                  /* a client silent (or not reading) longer          \
                              is closed */
#define CONTROL_SLICE 1000 /* sessions rendered per loop turn */
#define CONTROL_SLICE_BYTES (256 * 1024) /* ... or this many bytes */
#define CONTROL_BACKLOG 16

enum control_cmd {
    CONTROL_CMD_SESSIONS = 0,
    CONTROL_CMD_STATS,
    _CONTROL_CMD_MAX,
    _CONTROL_CMD_INVALID = -EINVAL,
};

/* A parsed request; an empty filter matches everything. */
struct control_request {
    enum control_cmd cmd;
    char host[CONTROL_FILTER_MAX];
    char user[CONTROL_FILTER_MAX];
};

/*
 * Parse one request line (without its newline).  Pure.  Returns 0 and
 * fills *ret, or -EINVAL with *ret_why set to a static reason (not JSON,
 * unknown command, unknown key, a filter that is not a string or too long).
 */
int control_request_parse(const char *line, size_t len,
                          struct control_request *ret, const char **ret_why);

struct session_table;
struct session_stats;
struct source_counters;
struct parse_counters;
struct sink_counters;
struct pipeline_counters;

/* What the daemon lends the control server; everything outlives it. */
struct control_env {
    struct session_table *sessions;
    /* The session clock (event time advanced by the wall clock), so that
     * idle times agree with expiry. */
    int64_t (*now_us)(void *ctx);
    /* Append the daemon's stats lines with control_stats_*() below. */
    void (*stats)(void *ctx, struct buf *b);
    void *ctx;
};

struct control;

/*
 * Create the socket at path (mode 0660, group `group` or, when NULL, the
 * daemon's own) and serve it on loop.  A stale socket file is replaced; a
 * path held by a listening daemon or by something that is not a socket is
 * left alone.  On failure logs one warning and returns -errno: the daemon
 * runs on without the socket.  *ret is owned; stop with control_close().
 */
int control_open(uv_loop_t *loop, const char *path, const char *group,
                 const struct control_env *env, struct control **ret);

/* True when ctl serves path with group (NULL: own): no re-bind needed. */
bool control_same(const struct control *ctl, const char *path,
                  const char *group);

/* Stop listening, drop the clients and remove the socket file; the memory
 * is freed once libuv closed the handles.  Accepts NULL. */
void control_close(struct control *ctl);

/* Stats lines for the env's stats callback: one JSON object and a newline
 * each; every field of the counter structs through one table per struct. */
void control_stats_source(struct buf *b, const char *name, const char *type,
                          const struct source_counters *sc,
                          const struct parse_counters *pc);
void control_stats_sink(struct buf *b, const char *name, const char *type,
                        const struct sink_counters *c);
void control_stats_pipeline(struct buf *b, const struct pipeline_counters *c);
void control_stats_sessions(struct buf *b, const struct session_stats *st);
struct loopstat_counters;
/* The event loop's turns (loopstat.h). */
void control_stats_loop(struct buf *b, const struct loopstat_counters *c);

#endif
