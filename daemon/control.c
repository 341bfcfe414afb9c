/*
 * control.c - the control socket server (see control.h for the protocol).
 *
 * Sample exchange:
 *   > {"cmd":"sessions","user":"alice"}
 *   < {"record":"session","session_id":"8c0e...","state":"open",...,
 *      "last_activity":"2026-11-24T10:15:02.000000Z","idle_s":312}
 *   < {"end":true,"count":1}
 *
 * Requests are bounded like the syslog source's TCP clients: one line of
 * CONTROL_REQUEST_MAX bytes, CONTROL_CLIENTS_MAX connections, and a client
 * that neither sends nor reads for CONTROL_IDLE_MS is closed.  The socket
 * is mode 0660: fchmod before bind keeps the file from ever being wider,
 * chmod after bind undoes what the umask took away.
 */
#include <errno.h>
#include <grp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <uv.h>

#include "../model/mem.h"
#include "../model/render.h"
#include "../model/session.h"
#include "../parsers/registry.h"
#include "../sinks/sink.h"
#include "control.h"
#include "log.h"
#include "loopstat.h"
#include "pipeline.h"
#include "source.h"

#define container_of(ptr, type, member)                                        \
    ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#define SOCKET_MODE 0660
#define SWEEP_MS 1000
/* getgrnam_r scratch space (as in config.c's group check). */
#define GROUP_LOOKUP_BUF (64 * 1024)

struct control_counters {
    uint64_t clients;     /* connections served */
    uint64_t requests;    /* well-formed requests */
    uint64_t malformed;   /* requests answered with an error */
    uint64_t refused;     /* connections past CONTROL_CLIENTS_MAX */
    uint64_t idle_closed; /* clients closed by CONTROL_IDLE_MS */
    uint64_t errors;      /* accept, read and write errors */
};

struct control_client {
    struct control *ctl; /* borrowed: the server outlives its clients */
    struct control_client *prev, *next;
    uv_pipe_t pipe;
    uv_write_t wr;
    struct buf out; /* owned: what the write in flight holds */
    struct control_request rq;
    size_t pos;     /* session_table_next() position */
    uint64_t count; /* sessions sent */
    uint64_t last_ms;
    bool last; /* close once the write in flight completes */
    bool closing;
    size_t req_len;
    char req[CONTROL_REQUEST_MAX];
};

struct control {
    uv_loop_t *loop;
    uv_pipe_t pipe;
    uv_timer_t sweep;
    size_t handles; /* open handles, clients included; freed at 0 */
    bool closing;
    char *path;  /* owned; the socket file, unlinked at close */
    char *group; /* owned; NULL: the daemon's own */
    struct control_env env;
    struct control_client *clients;
    size_t n_clients;
    struct control_counters c;
};

/* ---- counters as JSON: one table per struct --------------------------- */

struct counter_field {
    const char *name;
    size_t offset;
    size_t size;
};

#define FIELD(type, f)                                                         \
    {                                                                          \
#f, offsetof(type, f), sizeof(((type *)0)->f)                          \
    }

static const struct counter_field session_fields[] = {
    FIELD(struct session_stats, opened),
    FIELD(struct session_stats, closed),
    FIELD(struct session_stats, failed),
    FIELD(struct session_stats, expired),
    FIELD(struct session_stats, evicted),
    FIELD(struct session_stats, rebooted),
    FIELD(struct session_stats, merged),
    FIELD(struct session_stats, reconnects),
    FIELD(struct session_stats, orphans),
    FIELD(struct session_stats, restored),
    FIELD(struct session_stats, open_now),
    {NULL, 0, 0},
};

static const struct counter_field source_fields[] = {
    FIELD(struct source_counters, records),
    FIELD(struct source_counters, bytes),
    FIELD(struct source_counters, truncated),
    FIELD(struct source_counters, errors),
    FIELD(struct source_counters, dropped),
    {NULL, 0, 0},
};

static const struct counter_field parse_fields[] = {
    FIELD(struct parse_counters, records),
    FIELD(struct parse_counters, events),
    FIELD(struct parse_counters, ignored),
    FIELD(struct parse_counters, malformed),
    {NULL, 0, 0},
};

static const struct counter_field sink_fields[] = {
    FIELD(struct sink_counters, written),
    FIELD(struct sink_counters, dropped),
    FIELD(struct sink_counters, errors),
    FIELD(struct sink_counters, queued_bytes),
    {NULL, 0, 0},
};

static const struct counter_field pipeline_fields[] = {
    FIELD(struct pipeline_counters, records),
    FIELD(struct pipeline_counters, events),
    FIELD(struct pipeline_counters, sessions),
    FIELD(struct pipeline_counters, malformed),
    {NULL, 0, 0},
};

static const struct counter_field loop_fields[] = {
    FIELD(struct loopstat_counters, turns),
    FIELD(struct loopstat_counters, busy_max_us),
    FIELD(struct loopstat_counters, stalls),
    FIELD(struct loopstat_counters, busy_total_us),
    {NULL, 0, 0},
};

static const struct counter_field control_fields[] = {
    FIELD(struct control_counters, clients),
    FIELD(struct control_counters, requests),
    FIELD(struct control_counters, malformed),
    FIELD(struct control_counters, refused),
    FIELD(struct control_counters, idle_closed),
    FIELD(struct control_counters, errors),
    {NULL, 0, 0},
};

/* The counters are uint64_t or size_t; read either by its size. */
static uint64_t
field_value(const void *base, const struct counter_field *f)
{
    const char *p = (const char *)base + f->offset;
    uint64_t v64;
    uint32_t v32;

    if (f->size == sizeof(uint32_t)) {
        memcpy(&v32, p, sizeof(v32));
        return v32;
    }
    memcpy(&v64, p, sizeof(v64));
    return v64;
}

/* Append "name":value for every field of the table, each after a comma
 * but the first when it opens an object. */
static void
put_fields(struct buf *b, const struct counter_field *t, const void *base,
           bool first)
{
    for (; t->name != NULL; t++, first = false) {
        if (!first)
            buf_putc(b, ',');
        json_put_str(b, strv_from_cstr(t->name));
        buf_putc(b, ':');
        buf_put_u64(b, field_value(base, t));
    }
}

/* {"stats":"kind" and, when given, ,"name":..,"type":.. */
static void
put_head(struct buf *b, const char *kind, const char *name, const char *type)
{
    buf_puts(b, "{\"stats\":");
    json_put_str(b, strv_from_cstr(kind));
    if (name != NULL) {
        buf_puts(b, ",\"name\":");
        json_put_str(b, strv_from_cstr(name));
    }
    if (type != NULL) {
        buf_puts(b, ",\"type\":");
        json_put_str(b, strv_from_cstr(type));
    }
}

void
control_stats_source(struct buf *b, const char *name, const char *type,
                     const struct source_counters *sc,
                     const struct parse_counters *pc)
{
    put_head(b, "source", name, type);
    if (sc != NULL)
        put_fields(b, source_fields, sc, false);
    if (pc != NULL) {
        /* The parser's counters nest: their names repeat the source's. */
        buf_puts(b, ",\"parser\":{");
        put_fields(b, parse_fields, pc, true);
        buf_putc(b, '}');
    }
    buf_puts(b, "}\n");
}

void
control_stats_sink(struct buf *b, const char *name, const char *type,
                   const struct sink_counters *c)
{
    put_head(b, "sink", name, type);
    put_fields(b, sink_fields, c, false);
    buf_puts(b, "}\n");
}

void
control_stats_pipeline(struct buf *b, const struct pipeline_counters *c)
{
    put_head(b, "pipeline", NULL, NULL);
    put_fields(b, pipeline_fields, c, false);
    buf_puts(b, "}\n");
}

void
control_stats_sessions(struct buf *b, const struct session_stats *st)
{
    put_head(b, "sessions", NULL, NULL);
    put_fields(b, session_fields, st, false);
    buf_puts(b, "}\n");
}

void
control_stats_loop(struct buf *b, const struct loopstat_counters *c)
{
    put_head(b, "loop", NULL, NULL);
    put_fields(b, loop_fields, c, false);
    buf_puts(b, "}\n");
}

/* ---- requests ----------------------------------------------------------- */

static const char *const cmd_names[_CONTROL_CMD_MAX] = {
    [CONTROL_CMD_SESSIONS] = "sessions",
    [CONTROL_CMD_STATS] = "stats",
};

/* Copy an optional string member into dst; false when it is present but
 * not a string, or too long. */
static bool
copy_filter(const cJSON *item, char *dst, size_t dstlen)
{
    size_t n;

    dst[0] = '\0';
    if (item == NULL || cJSON_IsNull(item))
        return true;
    if (!cJSON_IsString(item))
        return false;
    n = strlen(item->valuestring);
    if (n >= dstlen)
        return false;
    memcpy(dst, item->valuestring, n + 1);
    return true;
}

static enum control_cmd
cmd_find(const cJSON *item)
{
    if (!cJSON_IsString(item))
        return _CONTROL_CMD_INVALID;
    for (int i = 0; i < _CONTROL_CMD_MAX; i++)
        if (strcmp(item->valuestring, cmd_names[i]) == 0)
            return (enum control_cmd)i;
    return _CONTROL_CMD_INVALID;
}

int
control_request_parse(const char *line, size_t len, struct control_request *ret,
                      const char **ret_why)
{
    struct control_request rq;
    cJSON *doc = NULL, *item;
    const char *why = NULL, *end = NULL;

    if (len > CONTROL_REQUEST_MAX) {
        why = "request too long";
        goto fail;
    }
    doc = cJSON_ParseWithLengthOpts(line, len, &end, false);
    if (doc != NULL)
        while (end < line + len && memchr(" \t\r", *end, 3) != NULL)
            end++;
    if (!cJSON_IsObject(doc) || end != line + len) {
        why = "expected one JSON object";
        goto fail;
    }
    rq.cmd = cmd_find(cJSON_GetObjectItemCaseSensitive(doc, "cmd"));
    if (rq.cmd < 0) {
        why = "\"cmd\": expected \"sessions\" or \"stats\"";
        goto fail;
    }
    cJSON_ArrayForEach(item, doc)
    {
        bool filter = strcmp(item->string, "host") == 0 ||
                      strcmp(item->string, "user") == 0;

        /* The filters belong to "sessions"; anything else is a typo the
         * client should hear about rather than an unfiltered answer. */
        if (strcmp(item->string, "cmd") != 0 &&
            (!filter || rq.cmd != CONTROL_CMD_SESSIONS)) {
            why = "unknown key";
            goto fail;
        }
    }
    if (!copy_filter(cJSON_GetObjectItemCaseSensitive(doc, "host"), rq.host,
                     sizeof(rq.host)) ||
        !copy_filter(cJSON_GetObjectItemCaseSensitive(doc, "user"), rq.user,
                     sizeof(rq.user))) {
        why = "\"host\" and \"user\": expected strings of at most 255 bytes";
        goto fail;
    }
    cJSON_Delete(doc);
    *ret = rq;
    return 0;
fail:
    cJSON_Delete(doc);
    *ret_why = why;
    return -EINVAL;
}

/* ---- the answer to "sessions" ------------------------------------------ */

/* Windows and UPN names are case-insensitive (ALICE, corp\alice); Linux
 * names are not. */
static bool
user_matches(const struct session_view *v, const char *user)
{
    if (v->username_type == EV_USERNAME_TYPE_WINDOWS ||
        v->username_type == EV_USERNAME_TYPE_UPN)
        return strv_case_eq(v->user, user) || strv_case_eq(v->user_name, user);
    return strv_eq_cstr(v->user, user) || strv_eq_cstr(v->user_name, user);
}

static bool
session_matches(const struct session_view *v, const struct control_request *rq)
{
    if (rq->host[0] != '\0' && !strv_eq_cstr(v->hostname, rq->host))
        return false;
    return rq->user[0] == '\0' || user_matches(v, rq->user);
}

/* session_to_json() plus the last activity and the idle seconds. */
static void
put_session(struct buf *b, const struct session *s,
            const struct session_view *v, int64_t now)
{
    int64_t idle = now > v->last_us ? (now - v->last_us) / 1000000 : 0;

    session_to_json(s, b);
    if (b->oom || b->len == 0 || b->data[b->len - 1] != '}')
        return;
    b->len--; /* reopen the object */
    buf_puts(b, ",\"last_activity\":\"");
    render_time_rfc3339(b, v->last_us);
    buf_puts(b, "\",\"idle_s\":");
    buf_put_i64(b, idle);
    buf_puts(b, "}\n");
}

static void put_end(struct buf *b, uint64_t count);

/* Render the next slice of matching sessions into c->out; c->last when the
 * table is exhausted. */
static void
sessions_slice(struct control_client *c)
{
    struct control *ctl = c->ctl;
    int64_t now = ctl->env.now_us(ctl->env.ctx);
    const struct session *s;
    struct session_view v;

    for (size_t n = 0; n < CONTROL_SLICE && c->out.len < CONTROL_SLICE_BYTES;
         n++) {
        s = session_table_next(ctl->env.sessions, &c->pos);
        if (s == NULL) {
            put_end(&c->out, c->count);
            c->last = true;
            return;
        }
        session_view(s, &v);
        if (!session_matches(&v, &c->rq))
            continue;
        put_session(&c->out, s, &v, now);
        c->count++;
    }
}

/* ---- clients ------------------------------------------------------------ */

static void
put_end(struct buf *b, uint64_t count)
{
    buf_puts(b, "{\"end\":true,\"count\":");
    buf_put_u64(b, count);
    buf_puts(b, "}\n");
}

static void
put_error(struct buf *b, const char *why)
{
    buf_puts(b, "{\"error\":");
    json_put_str(b, strv_from_cstr(why));
    buf_puts(b, "}\n");
}

static void
handle_closed(struct control *ctl)
{
    if (--ctl->handles > 0)
        return;
    mem_free(ctl->path);
    mem_free(ctl->group);
    mem_free(ctl);
}

static void
handle_close_cb(uv_handle_t *h)
{
    handle_closed(h->data);
}

static void
client_close_cb(uv_handle_t *h)
{
    struct control_client *c = container_of(h, struct control_client, pipe);
    struct control *ctl = c->ctl;

    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        ctl->clients = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    ctl->n_clients--;
    buf_done(&c->out);
    mem_free(c);
    handle_closed(ctl);
}

static void
client_close(struct control_client *c)
{
    if (c->closing)
        return;
    c->closing = true;
    uv_close((uv_handle_t *)&c->pipe, client_close_cb);
}

static void client_send(struct control_client *c);

static void
write_cb(uv_write_t *req, int status)
{
    struct control_client *c = container_of(req, struct control_client, wr);

    if (status < 0 || c->last || c->closing) {
        if (status < 0 && status != UV_ECANCELED)
            c->ctl->c.errors++;
        client_close(c);
        return;
    }
    c->last_ms = uv_now(c->ctl->loop);
    client_send(c);
}

/* Write c->out; a "sessions" answer renders its next slice first. */
static void
client_send(struct control_client *c)
{
    uv_buf_t ub;

    if (!c->last) {
        buf_reset(&c->out);
        sessions_slice(c);
    }
    if (c->out.oom) {
        c->ctl->c.errors++;
        client_close(c);
        return;
    }
    ub = uv_buf_init(c->out.data, (unsigned)c->out.len);
    if (uv_write(&c->wr, (uv_stream_t *)&c->pipe, &ub, 1, write_cb) < 0) {
        c->ctl->c.errors++;
        client_close(c);
        return;
    }
}

/* Answer with one rendered buffer (an error, or the stats) and close. */
static void
client_reply_once(struct control_client *c)
{
    c->last = true;
    client_send(c);
}

static void
client_request(struct control_client *c, size_t len)
{
    struct control *ctl = c->ctl;
    const char *why = NULL;

    uv_read_stop((uv_stream_t *)&c->pipe);
    if (control_request_parse(c->req, len, &c->rq, &why) < 0) {
        ctl->c.malformed++;
        put_error(&c->out, why);
        client_reply_once(c);
        return;
    }
    ctl->c.requests++;
    if (c->rq.cmd == CONTROL_CMD_SESSIONS) {
        client_send(c);
        return;
    }
    ctl->env.stats(ctl->env.ctx, &c->out);
    put_head(&c->out, "control", NULL, NULL);
    put_fields(&c->out, control_fields, &ctl->c, false);
    buf_puts(&c->out, "}\n");
    put_end(&c->out, 0);
    client_reply_once(c);
}

static void
client_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct control_client *c = container_of(h, struct control_client, pipe);

    (void)suggested;
    *buf = uv_buf_init(c->req + c->req_len,
                       (unsigned)(sizeof(c->req) - c->req_len));
}

static void
client_read_cb(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
    struct control_client *c = container_of(st, struct control_client, pipe);
    const char *nl;

    (void)buf;
    if (nread < 0) {
        /* A request without its newline still counts at EOF. */
        if (nread == UV_EOF && c->req_len > 0) {
            client_request(c, c->req_len);
            return;
        }
        if (nread != UV_EOF)
            c->ctl->c.errors++;
        client_close(c);
        return;
    }
    c->last_ms = uv_now(c->ctl->loop);
    nl = memchr(c->req + c->req_len, '\n', (size_t)nread);
    c->req_len += (size_t)nread;
    if (nl != NULL) {
        client_request(c, (size_t)(nl - c->req));
    } else if (c->req_len == sizeof(c->req)) {
        uv_read_stop(st);
        c->ctl->c.malformed++;
        put_error(&c->out, "request too long");
        client_reply_once(c);
    }
}

static void
conn_cb(uv_stream_t *server, int status)
{
    struct control *ctl = container_of(server, struct control, pipe);
    struct control_client *c;

    if (status < 0 || ctl->closing) {
        ctl->c.errors++;
        return;
    }
    /* Without memory the connection waits in the backlog. */
    c = mem_calloc(1, sizeof(*c));
    if (c == NULL) {
        ctl->c.errors++;
        return;
    }
    c->ctl = ctl;
    buf_init(&c->out, 0);
    uv_pipe_init(ctl->loop, &c->pipe, 0);
    ctl->handles++;
    ctl->n_clients++;
    c->next = ctl->clients;
    if (ctl->clients != NULL)
        ctl->clients->prev = c;
    ctl->clients = c;
    c->last_ms = uv_now(ctl->loop);
    if (uv_accept(server, (uv_stream_t *)&c->pipe) < 0) {
        ctl->c.errors++;
        client_close(c);
        return;
    }
    if (ctl->n_clients > CONTROL_CLIENTS_MAX) {
        ctl->c.refused++;
        put_error(&c->out, "too many clients");
        client_reply_once(c);
        return;
    }
    ctl->c.clients++;
    if (uv_read_start((uv_stream_t *)&c->pipe, client_alloc_cb,
                      client_read_cb) < 0)
        client_close(c);
}

/* Close the clients that neither sent a request nor read the answer. */
static void
sweep_cb(uv_timer_t *t)
{
    struct control *ctl = container_of(t, struct control, sweep);
    uint64_t now = uv_now(ctl->loop);

    for (struct control_client *c = ctl->clients; c != NULL; c = c->next)
        if (!c->closing && now - c->last_ms >= CONTROL_IDLE_MS) {
            ctl->c.idle_closed++;
            client_close(c);
        }
}

/* ---- the socket --------------------------------------------------------- */

static int
group_id(const char *group, gid_t *ret)
{
    char scratch[GROUP_LOOKUP_BUF];
    struct group gr, *found = NULL;
    int r;

    r = getgrnam_r(group, &gr, scratch, sizeof(scratch), &found);
    if (r != 0)
        return -r;
    if (found == NULL)
        return -ENOENT;
    *ret = gr.gr_gid;
    return 0;
}

/*
 * Make room at path: nothing there is fine; a socket nobody listens on is
 * a leftover of a crash and is removed; a live socket (another daemon) or
 * anything else is left alone: -EADDRINUSE, -EEXIST.
 */
static int
clear_stale(const struct sockaddr_un *sa)
{
    struct stat st;
    int fd, r = 0;

    if (lstat(sa->sun_path, &st) < 0)
        return errno == ENOENT ? 0 : -errno;
    if (!S_ISSOCK(st.st_mode))
        return -EEXIST;
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -errno;
    if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
        r = -EADDRINUSE;
    else if (errno != ECONNREFUSED)
        r = errno == EAGAIN ? -EADDRINUSE : -errno;
    close(fd);
    if (r == 0 && unlink(sa->sun_path) < 0 && errno != ENOENT)
        r = -errno;
    return r;
}

/* A listening socket at path with SOCKET_MODE and group gid ((gid_t)-1:
 * unchanged).  Returns the fd or -errno. */
static int
bind_socket(const char *path, gid_t gid)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    bool bound = false;
    int fd = -1, r;

    if (strlen(path) >= sizeof(sa.sun_path))
        return -ENAMETOOLONG;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    r = clear_stale(&sa);
    if (r < 0)
        return r;
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -errno;
    /* Linux creates the file with the socket inode's mode minus the
     * umask: never wider than SOCKET_MODE, even for an instant. */
    if (fchmod(fd, SOCKET_MODE) < 0 ||
        bind(fd, (const struct sockaddr *)&sa, sizeof(sa)) < 0)
        goto fail;
    bound = true;
    if (chmod(path, SOCKET_MODE) < 0 ||
        (gid != (gid_t)-1 && lchown(path, (uid_t)-1, gid) < 0) ||
        listen(fd, CONTROL_BACKLOG) < 0)
        goto fail;
    return fd;
fail:
    r = -errno;
    if (bound)
        unlink(path);
    close(fd);
    return r;
}

/* Create the socket and the server around it; -errno and a reason. */
static int
control_start(struct control *ctl, const char **ret_what)
{
    gid_t gid = (gid_t)-1;
    int fd, r;

    if (ctl->group != NULL) {
        r = group_id(ctl->group, &gid);
        if (r < 0) {
            *ret_what = "cannot find control_group";
            return r;
        }
    }
    fd = bind_socket(ctl->path, gid);
    if (fd < 0) {
        *ret_what = fd == -EADDRINUSE ? "another daemon listens on it"
                    : fd == -EEXIST   ? "a file that is not a socket is there"
                                      : "cannot create it";
        return fd;
    }
    r = uv_pipe_open(&ctl->pipe, fd);
    if (r < 0) {
        close(fd);
    } else {
        r = uv_listen((uv_stream_t *)&ctl->pipe, CONTROL_BACKLOG, conn_cb);
    }
    if (r < 0) {
        unlink(ctl->path);
        *ret_what = "cannot listen";
    }
    return r;
}

static char *
dup_or_null(const char *s, bool *ret_oom)
{
    char *d;

    if (s == NULL)
        return NULL;
    d = mem_strndup(s, strlen(s));
    if (d == NULL)
        *ret_oom = true;
    return d;
}

int
control_open(uv_loop_t *loop, const char *path, const char *group,
             const struct control_env *env, struct control **ret)
{
    const char *what = "out of memory";
    struct control *ctl;
    bool oom = false;
    int r = -ENOMEM;

    ctl = mem_calloc(1, sizeof(*ctl));
    if (ctl == NULL)
        goto fail;
    ctl->loop = loop;
    ctl->env = *env;
    ctl->path = dup_or_null(path, &oom);
    ctl->group = dup_or_null(group, &oom);
    uv_pipe_init(loop, &ctl->pipe, 0);
    uv_timer_init(loop, &ctl->sweep);
    ctl->pipe.data = ctl->sweep.data = ctl;
    ctl->handles = 2;
    r = oom ? -ENOMEM : control_start(ctl, &what);
    if (r < 0) {
        ctl->closing = true;
        uv_close((uv_handle_t *)&ctl->pipe, handle_close_cb);
        uv_close((uv_handle_t *)&ctl->sweep, handle_close_cb);
        goto fail;
    }
    uv_timer_start(&ctl->sweep, sweep_cb, SWEEP_MS, SWEEP_MS);
    *ret = ctl;
    return 0;
fail:
    log_warn("control socket %s: %s: %s; running without it (no sessions "
             "or stats commands)",
             path, what, uv_strerror(r));
    return r;
}

bool
control_same(const struct control *ctl, const char *path, const char *group)
{
    if (ctl == NULL || strcmp(ctl->path, path) != 0)
        return false;
    if (ctl->group == NULL || group == NULL)
        return ctl->group == group;
    return strcmp(ctl->group, group) == 0;
}

void
control_close(struct control *ctl)
{
    if (ctl == NULL || ctl->closing)
        return;
    ctl->closing = true;
    unlink(ctl->path);
    for (struct control_client *c = ctl->clients; c != NULL; c = c->next)
        client_close(c);
    uv_close((uv_handle_t *)&ctl->pipe, handle_close_cb);
    uv_close((uv_handle_t *)&ctl->sweep, handle_close_cb);
}
