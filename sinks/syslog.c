/*
 * syslog.c - the "syslog" sink: every record as one syslog message to a
 * collector over UDP (RFC 5426) or TCP (RFC 6587), formatted as RFC 5424 or
 * RFC 3164 (model/render_syslog.h).
 *
 *   {"name": "siem", "type": "syslog", "address": "siem.example:514",
 *    "protocol": "tcp", "format": "rfc5424", "facility": "authpriv"}
 *
 * Every line the pipeline renders is stamped for this sink (facility, our
 * pid as PROCID, this machine's name as the "collector" SD-PARAM) while it
 * is copied into the queue.  Names are resolved with uv_getaddrinfo() on
 * the thread pool, never on the loop; IPv4 and IPv6 alike.
 *
 * UDP: the address is resolved once (retried with back-off until it
 * resolves) and the socket connected to it, so the kernel reports an ICMP
 * port unreachable as ECONNREFUSED on a later send (udp(7)): counted as an
 * error, and the datagram that met it is sent again (the refusal was for
 * an earlier one).  One record is one datagram (RFC 5426 3.1), sent with
 * uv_udp_try_send(); only when the socket buffer is full does it wait in
 * the queue for uv_udp_send().  A record past UDP_PAYLOAD_MAX is dropped
 * and counted, never cut in the middle of its JSON.
 *
 * TCP: octet counting ("LEN SP MSG", RFC 6587 3.4.1) or LF framing ("MSG
 * LF", 3.4.2; a rendered message holds no LF).  The connection is made
 * with exponential back-off (BACKOFF_MIN_MS doubling to BACKOFF_MAX_MS),
 * the name resolved again before every attempt, each resolved address
 * tried in turn.  While it is down records queue up to queue_max bytes,
 * then are dropped and counted; both are said once, and so is the
 * recovery.  The queue goes out in order once connected.  A broken
 * connection (reset, EOF from the receiver, a write that made no progress
 * for WRITE_TIMEOUT_MS: the bytes not yet acknowledged, libuv's and the
 * kernel's, are checked every PROGRESS_CHECK_MS, so a slow receiver that
 * keeps reading keeps its connection however large the batch) sends the
 * whole batch that was being written again on the next connection: frames
 * stay whole, and a record may arrive twice but is not lost (at least
 * once, as the checkpoints are).  Syslog over TCP has no acknowledgements
 * of its own, so what the kernel had accepted before a break is taken as
 * written.
 *
 * Flow control: while connected, or connecting with no failure since the
 * last connection (the start, a replay), a queue above 3/4 of queue_max
 * reports congestion so the sources pause.  A destination that is down
 * does not, nor does a connection that sent nothing for SEND_STALL_MS (a
 * receiver that stopped reading; said once): the sink drops at its bound
 * instead of stalling every other sink.  A replay's sink (lossless) keeps
 * the sources waiting for a stalled connection.  A flush waits for the
 * records queued before it; while the destination is down or stalled for
 * at most FLUSH_WAIT_MS, so checkpoints go on (the records stay queued).
 * Close sends what is queued within STOP_WAIT_MS, then counts the rest as
 * dropped.
 */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include <linux/sockios.h>
#include <uv.h>

#include "../model/mem.h"
#include "../model/render_syslog.h"
#include "sink.h"
#include "syslog.h"

/* The largest UDP payload over IPv4: 65535 minus the IP (20) and UDP (8)
 * headers.  Larger records are dropped whole. */
#define UDP_PAYLOAD_MAX 65507
#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 30000
#define CONNECT_TIMEOUT_MS 10000
/* A write that makes no progress for this long means a dead receiver. */
#define WRITE_TIMEOUT_MS 30000
/* How often the progress of a TCP write is checked. */
#define PROGRESS_CHECK_MS 1000
/* A connection that sent nothing for this long no longer pauses the
 * sources (as FDOUT_STALL_MS for files). */
#define SEND_STALL_MS 5000
/* How long a flush waits while the destination is down. */
#define FLUSH_WAIT_MS 2000
/* How long close waits for the queue to go out. */
#define STOP_WAIT_MS 5000
#define ADDRS_MAX 8   /* resolved addresses tried per attempt */
#define WAITERS_MAX 8 /* flushes waiting at once */
#define READ_BUF 256  /* what a receiver sends back is read and ignored */
#define KEEPALIVE_S 60
#define QUEUE_MAX_DEFAULT (8u << 20)
#define FRAME_LEN_TEXT 24 /* "18446744073709551615 " */
#define PORT_TEXT 8
#define DEST_TEXT (SYSLOG_HOST_MAX + 24)
#define MSG_MAX 320
#define UDP_LEN_SIZE sizeof(uint32_t) /* length before a queued datagram */

#define container_of(ptr, type, member)                                        \
    ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

enum conn_state {
    CONN_WAITING = 0, /* for the back-off timer */
    CONN_RESOLVING,
    CONN_CONNECTING, /* TCP */
    CONN_UP,
    CONN_DROPPING, /* TCP: the handle closes before the next attempt */
};

struct flush_waiter {
    void (*cb)(void *arg);
    void *arg;
    uint64_t seq; /* done once seq_done reaches it */
};

/* One syslog sink; owns its handles, freed when the last one closed. */
struct sink_syslog {
    struct sink sink; /* must be first: the sink handle */
    uv_loop_t *loop;
    struct sink_env env;
    struct syslog_address addr;
    char port_text[PORT_TEXT];
    char dest[DEST_TEXT]; /* "host:port over tcp", for messages */
    bool tcp;
    bool lf; /* TCP LF framing instead of octet counting */
    char collector[UV_MAXHOSTNAMESIZE];
    struct syslog_stamp stamp;
    size_t queue_max;
    enum conn_state state;
    struct sockaddr_storage addrs[ADDRS_MAX];
    size_t n_addrs, next_addr;
    bool try_next;       /* a closed attempt goes on with the next address */
    unsigned backoff_ms; /* the next retry's delay */
    uint64_t failures;   /* failed attempts since the last connection */
    uv_getaddrinfo_t gai;
    bool gai_active;
    uv_tcp_t tcp_h;
    bool tcp_open;
    uv_udp_t udp_h;
    bool udp_open;
    uv_connect_t connect_req;
    uv_write_t write_req;
    uv_udp_send_t send_req;
    bool writing; /* write_req or send_req in flight */
    /* TCP: when the write in flight last made progress (uv_now), and the
     * bytes not acknowledged then; stalled after SEND_STALL_MS without. */
    uint64_t progress_ms;
    size_t progress_left;
    bool stalled;
    uv_timer_t timer;      /* back-off, connect and write timeouts */
    uv_timer_t wait_timer; /* bound of a flush while down, and of close */
    int handles;           /* handles not closed yet */
    struct buf scratch;    /* the record being stamped */
    /* Queued records, framed (TCP), or each behind its length (UDP). */
    struct buf pending;
    size_t pending_off; /* UDP: bytes of pending already sent */
    uint64_t pending_records;
    /* TCP: the batch being written (kept until written, resent whole after
     * a break); UDP: the datagram uv_udp_send() holds. */
    struct buf inflight;
    uint64_t inflight_records;
    uint64_t seq_queued, seq_done; /* records ever queued, ever done */
    struct flush_waiter waiters[WAITERS_MAX];
    size_t n_waiters;
    bool down_said, full_said, big_said, refused_said, failed_said, stall_said;
    uint64_t dropped_before; /* counters.dropped when trouble was said */
    bool closing, finished;
    void (*close_cb)(void *arg);
    void *close_arg;
    char rbuf[READ_BUF];
    struct sink_counters counters;
};

static void start_resolve(struct sink_syslog *s);
static void tcp_connect(struct sink_syslog *s);
static void tcp_start_write(struct sink_syslog *s);
static void udp_drain(struct sink_syslog *s);
static void finish(struct sink_syslog *s);
static void wait_cb(uv_timer_t *t);

/* ---- addresses -------------------------------------------------------- */

static bool
host_name_ok(const char *h, size_t n)
{
    if (n == 0 || n > SYSLOG_HOST_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((h[i] >= 'a' && h[i] <= 'z') || (h[i] >= 'A' && h[i] <= 'Z') ||
              (h[i] >= '0' && h[i] <= '9') || h[i] == '.' || h[i] == '-' ||
              h[i] == '_'))
            return false;
    return true;
}

/* "1".."65535" into *ret. */
static int
parse_port(const char *p, uint16_t *ret)
{
    unsigned long v = 0;
    size_t n = strlen(p);

    if (n == 0 || n > 5 || strspn(p, "0123456789") != n)
        return -EINVAL;
    for (; *p != '\0'; p++)
        v = v * 10 + (unsigned long)(*p - '0');
    if (v == 0 || v > UINT16_MAX)
        return -EINVAL;
    *ret = (uint16_t)v;
    return 0;
}

/* Parse `address`; see syslog.h. */
int
sink_syslog_address_parse(const char *s, struct syslog_address *ret,
                          const char **ret_why)
{
    struct syslog_address a = {.port = SYSLOG_DEFAULT_PORT};
    const char *hs = s, *he, *port = NULL;
    unsigned char v6[16];

    if (s[0] == '[') {
        hs = s + 1;
        he = strchr(hs, ']');
        if (he == NULL || (he[1] != '\0' && he[1] != ':')) {
            *ret_why = "expected [IPV6]:PORT or [IPV6]";
            return -EINVAL;
        }
        port = he[1] == ':' ? he + 2 : NULL;
    } else {
        he = strchr(s, ':');
        if (he != NULL && strchr(he + 1, ':') != NULL) {
            *ret_why = "an IPv6 address goes in brackets: [2001:db8::9]:514";
            return -EINVAL;
        }
        port = he != NULL ? he + 1 : NULL;
        he = he != NULL ? he : s + strlen(s);
    }
    if ((size_t)(he - hs) > SYSLOG_HOST_MAX) {
        *ret_why = "expected a host name of at most 253 characters";
        return -EINVAL;
    }
    memcpy(a.host, hs, (size_t)(he - hs));
    a.host[he - hs] = '\0';
    if (s[0] == '[' ? uv_inet_pton(AF_INET6, a.host, v6) != 0
                    : !host_name_ok(hs, (size_t)(he - hs))) {
        *ret_why = s[0] == '['
                       ? "expected an IPv6 address in the brackets"
                       : "expected HOST:PORT with a host name or "
                         "IPv4 address (letters, digits, '.', '-', '_')";
        return -EINVAL;
    }
    if (port != NULL && parse_port(port, &a.port) < 0) {
        *ret_why = "expected a port number 1-65535 after the ':'";
        return -EINVAL;
    }
    *ret = a;
    return 0;
}

/* The config loader's check of `address`; see syslog.h. */
int
sink_syslog_address_check(const char *s, const char **ret_why)
{
    struct syslog_address a;

    return sink_syslog_address_parse(s, &a, ret_why);
}

/* ---- small helpers ---------------------------------------------------- */

static void __attribute__((format(printf, 3, 4)))
say(struct sink_syslog *s, int prio, const char *fmt, ...)
{
    char msg[MSG_MAX];
    va_list ap;

    if (s->env.diag == NULL)
        return;
    va_start(ap, fmt);
    /* A cut message still says what happened: no truncation check. */
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    s->env.diag(s->env.ctx, &s->sink, prio, msg);
}

static const char *
err_text(int err)
{
    return err == UV_EOF ? "connection closed by the receiver"
                         : uv_strerror(err);
}

static size_t
queued(const struct sink_syslog *s)
{
    return s->pending.len - s->pending_off + s->inflight.len;
}

static int
drop(struct sink_syslog *s)
{
    s->counters.dropped++;
    return -ENOBUFS;
}

/* Wake the flush waiters whose records are done (all of them: `all`). */
static void
wake_waiters(struct sink_syslog *s, bool all)
{
    struct flush_waiter due[WAITERS_MAX];
    size_t n_due = 0, k = 0;

    for (size_t i = 0; i < s->n_waiters; i++) {
        if (all || s->waiters[i].seq <= s->seq_done)
            due[n_due++] = s->waiters[i];
        else
            s->waiters[k++] = s->waiters[i];
    }
    s->n_waiters = k;
    if (k == 0 && !s->closing)
        uv_timer_stop(&s->wait_timer);
    for (size_t i = 0; i < n_due; i++)
        due[i].cb(due[i].arg);
}

/* n queued records went out (or were dropped for good). */
static void
records_done(struct sink_syslog *s, uint64_t n)
{
    s->seq_done += n;
    if (s->n_waiters > 0)
        wake_waiters(s, false);
}

/* After records went out (called from libuv callbacks only, never inside
 * write(), so sources are not resumed from within their own emit): resume
 * the sources, end a queue-full episode, finish a close whose queue is
 * empty. */
static void
after_progress(struct sink_syslog *s)
{
    size_t q = queued(s);

    if (s->env.drained != NULL && q < s->queue_max / 4)
        s->env.drained(s->env.ctx, &s->sink);
    if (s->full_said && q < s->queue_max / 4 && !s->down_said) {
        say(s, LOG_NOTICE,
            "queue below %zu bytes again; %llu records dropped while it was "
            "full",
            s->queue_max / 4,
            (unsigned long long)(s->counters.dropped - s->dropped_before));
        s->full_said = false;
    }
    if (s->stall_said && !s->stalled && q < s->queue_max / 4)
        s->stall_said = false;
    if (s->closing && q == 0)
        finish(s);
}

/* Room for `need` more bytes within queue_max, else drop and say so once. */
static bool
admit(struct sink_syslog *s, size_t need)
{
    if (queued(s) + need <= s->queue_max)
        return true;
    if (!s->full_said) {
        if (!s->down_said)
            s->dropped_before = s->counters.dropped;
        say(s, LOG_WARNING, "queue full (%zu bytes): dropping records",
            queued(s));
        s->full_said = true;
    }
    drop(s);
    return false;
}

/* ---- connection state ------------------------------------------------- */

/* An attempt failed or a connection broke: count it, say so once, let a
 * flush waiting for this destination go after FLUSH_WAIT_MS. */
static void
went_down(struct sink_syslog *s, int err)
{
    s->counters.errors++;
    s->failures++;
    if (!s->down_said) {
        say(s, LOG_WARNING,
            "cannot send to %s: %s; queueing up to %zu bytes, retrying",
            s->dest, err_text(err), s->queue_max);
        if (!s->full_said)
            s->dropped_before = s->counters.dropped;
        s->down_said = true;
    }
    if (s->n_waiters > 0 && !s->closing &&
        !uv_is_active((uv_handle_t *)&s->wait_timer))
        uv_timer_start(&s->wait_timer, wait_cb, FLUSH_WAIT_MS, 0);
}

static void
went_up(struct sink_syslog *s)
{
    s->state = CONN_UP;
    s->stalled = false;
    s->backoff_ms = BACKOFF_MIN_MS;
    if (s->down_said) {
        say(s, LOG_NOTICE,
            "sending to %s again after %llu failed attempts; %llu records "
            "dropped meanwhile",
            s->dest, (unsigned long long)s->failures,
            (unsigned long long)(s->counters.dropped - s->dropped_before));
        s->down_said = false;
        s->full_said = false;
    }
    s->failures = 0;
}

static void
retry_cb(uv_timer_t *t)
{
    start_resolve(container_of(t, struct sink_syslog, timer));
}

/* Wait for the back-off delay, then resolve and connect again. */
static void
schedule_retry(struct sink_syslog *s)
{
    if (s->closing) {
        finish(s); /* no retries on the way out */
        return;
    }
    s->state = CONN_WAITING;
    uv_timer_start(&s->timer, retry_cb, s->backoff_ms, 0);
    s->backoff_ms = s->backoff_ms >= BACKOFF_MAX_MS / 2 ? BACKOFF_MAX_MS
                                                        : s->backoff_ms * 2;
}

/* Never called from within write(): see after_progress(). */
static void
attempt_failed(struct sink_syslog *s, int err)
{
    went_down(s, err);
    /* Down: no longer congested, sources paused for it may go on. */
    if (s->env.drained != NULL)
        s->env.drained(s->env.ctx, &s->sink);
    schedule_retry(s);
}

/* ---- TCP -------------------------------------------------------------- */

static void
tcp_closed_cb(uv_handle_t *h)
{
    struct sink_syslog *s = h->data;

    s->tcp_open = false;
    s->handles--;
    if (s->finished) {
        finish(s);
        return;
    }
    /* Not congested while down: sources paused for it may go on. */
    if (s->env.drained != NULL)
        s->env.drained(s->env.ctx, &s->sink);
    if (s->try_next && s->next_addr + 1 < s->n_addrs) {
        s->next_addr++;
        tcp_connect(s);
        return;
    }
    schedule_retry(s);
}

/* Close the connection (or the attempt); tcp_closed_cb goes on.  The batch
 * being written stays in inflight and is sent again, whole. */
static void
tcp_drop(struct sink_syslog *s, int err, bool try_next)
{
    if (s->state != CONN_UP && s->state != CONN_CONNECTING)
        return;
    uv_timer_stop(&s->timer);
    if (try_next && s->next_addr + 1 < s->n_addrs)
        s->counters.errors++; /* said only when no address is left */
    else
        went_down(s, err);
    s->state = CONN_DROPPING;
    s->stalled = false;
    s->try_next = try_next;
    s->tcp_h.data = s;
    uv_close((uv_handle_t *)&s->tcp_h, tcp_closed_cb);
}

static void
connect_timeout_cb(uv_timer_t *t)
{
    struct sink_syslog *s = container_of(t, struct sink_syslog, timer);

    tcp_drop(s, UV_ETIMEDOUT, true);
}

/* The connection sent nothing for SEND_STALL_MS: stop pausing the sources
 * (they resume; what does not fit is dropped), let flushes go after
 * FLUSH_WAIT_MS.  It stays up: the receiver may read again. */
static void
stall(struct sink_syslog *s, uint64_t idle_ms)
{
    s->stalled = true;
    if (!s->stall_said) {
        say(s, LOG_WARNING,
            "nothing sent to %s for %llu s (the receiver does not read); "
            "no longer pausing the sources",
            s->dest, (unsigned long long)(idle_ms / 1000));
        if (!s->full_said)
            s->dropped_before = s->counters.dropped;
        s->stall_said = true;
    }
    if (s->n_waiters > 0 && !uv_is_active((uv_handle_t *)&s->wait_timer))
        uv_timer_start(&s->wait_timer, wait_cb, FLUSH_WAIT_MS, 0);
    if (s->env.drained != NULL)
        s->env.drained(s->env.ctx, &s->sink);
}

/*
 * Bytes written but not yet taken by the receiver: what libuv still holds
 * plus what the kernel sent without an acknowledgement or not at all
 * (SIOCOUTQ, tcp(7)).  libuv calls back only once a whole batch is in the
 * kernel, and the kernel asks for more only once a third of its buffer is
 * free, so neither alone sees a slow receiver's progress.
 */
static size_t
unacked(struct sink_syslog *s)
{
    size_t n = uv_stream_get_write_queue_size((uv_stream_t *)&s->tcp_h);
    uv_os_fd_t fd;
    int outq;

    if (uv_fileno((uv_handle_t *)&s->tcp_h, &fd) == 0 &&
        ioctl(fd, SIOCOUTQ, &outq) == 0 && outq > 0)
        n += (size_t)outq;
    return n;
}

/*
 * Every PROGRESS_CHECK_MS while a batch is written: progress is unacked()
 * going down.  No progress for SEND_STALL_MS: stalled; for
 * WRITE_TIMEOUT_MS: the receiver is taken for dead.
 */
static void
write_check_cb(uv_timer_t *t)
{
    struct sink_syslog *s = container_of(t, struct sink_syslog, timer);
    size_t left = unacked(s);
    uint64_t now = uv_now(s->loop), idle;

    if (left < s->progress_left) {
        s->progress_left = left;
        s->progress_ms = now;
        s->stalled = false;
        return;
    }
    idle = now - s->progress_ms;
    if (idle >= WRITE_TIMEOUT_MS)
        tcp_drop(s, UV_ETIMEDOUT, false);
    else if (idle >= SEND_STALL_MS && !s->stalled && !s->env.lossless)
        stall(s, idle);
}

static void
read_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct sink_syslog *s = container_of(h, struct sink_syslog, tcp_h);

    (void)suggested;
    *buf = uv_buf_init(s->rbuf, sizeof(s->rbuf));
}

/* A syslog receiver sends nothing (RFC 6587); reading only notices EOF and
 * resets at once, not at the next write. */
static void
read_cb(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
    struct sink_syslog *s = container_of(st, struct sink_syslog, tcp_h);

    (void)buf;
    if (nread < 0)
        tcp_drop(s, (int)nread, false);
}

static void
write_cb(uv_write_t *req, int status)
{
    struct sink_syslog *s = container_of(req, struct sink_syslog, write_req);
    uint64_t n = s->inflight_records;

    s->writing = false;
    if (status < 0) {
        /* ECANCELED: the handle is closing (tcp_drop or finish). */
        if (status != UV_ECANCELED)
            tcp_drop(s, status, false);
        return;
    }
    uv_timer_stop(&s->timer);
    s->stalled = false;
    s->counters.written += n;
    s->inflight_records = 0;
    buf_reset(&s->inflight);
    records_done(s, n);
    if (s->finished)
        return;
    tcp_start_write(s);
    after_progress(s);
}

/*
 * True when the receiver has closed its end (its FIN is queued): a write
 * would still succeed and the batch go into the void, the reset coming
 * only after the data.  Peeked before each batch, as rsyslog's omfwd does
 * (tcpclt's CheckConnection).
 */
static bool
peer_closed(struct sink_syslog *s)
{
    uv_os_fd_t fd;
    ssize_t r;
    char c;

    if (uv_fileno((uv_handle_t *)&s->tcp_h, &fd) < 0)
        return false;
    r = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return r == 0 ||
           (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

/* Write the unfinished batch, or everything pending as the next one. */
static void
tcp_start_write(struct sink_syslog *s)
{
    struct buf tmp;
    uv_buf_t b;
    int r;

    if (s->writing || s->state != CONN_UP)
        return;
    if (peer_closed(s)) {
        tcp_drop(s, UV_EOF, false);
        return;
    }
    if (s->inflight.len == 0) {
        if (s->pending.len == 0)
            return;
        tmp = s->inflight;
        s->inflight = s->pending;
        s->pending = tmp;
        buf_reset(&s->pending);
        s->inflight_records = s->pending_records;
        s->pending_records = 0;
    }
    b = uv_buf_init(s->inflight.data, (unsigned)s->inflight.len);
    r = uv_write(&s->write_req, (uv_stream_t *)&s->tcp_h, &b, 1, write_cb);
    if (r < 0) {
        tcp_drop(s, r, false);
        return;
    }
    s->writing = true;
    s->progress_ms = uv_now(s->loop);
    s->progress_left = unacked(s);
    uv_timer_start(&s->timer, write_check_cb, PROGRESS_CHECK_MS,
                   PROGRESS_CHECK_MS);
}

static void
connect_cb(uv_connect_t *req, int status)
{
    struct sink_syslog *s = container_of(req, struct sink_syslog, connect_req);

    if (status == UV_ECANCELED)
        return; /* closed while connecting: tcp_closed_cb goes on */
    if (status < 0) {
        tcp_drop(s, status, true);
        return;
    }
    uv_timer_stop(&s->timer);
    went_up(s);
    /* Our own batching makes Nagle's delay useless; keepalive notices a
     * receiver that vanished while nothing was being written. */
    (void)uv_tcp_nodelay(&s->tcp_h, 1);
    (void)uv_tcp_keepalive(&s->tcp_h, 1, KEEPALIVE_S);
    if (uv_read_start((uv_stream_t *)&s->tcp_h, read_alloc_cb, read_cb) < 0) {
        tcp_drop(s, UV_EIO, false);
        return;
    }
    tcp_start_write(s);
}

static void
tcp_connect(struct sink_syslog *s)
{
    const struct sockaddr *sa =
        (const struct sockaddr *)&s->addrs[s->next_addr];
    int r;

    r = uv_tcp_init(s->loop, &s->tcp_h);
    if (r < 0) {
        attempt_failed(s, r);
        return;
    }
    s->tcp_open = true;
    s->handles++;
    s->state = CONN_CONNECTING;
    r = uv_tcp_connect(&s->connect_req, &s->tcp_h, sa, connect_cb);
    if (r < 0) {
        tcp_drop(s, r, true);
        return;
    }
    uv_timer_start(&s->timer, connect_timeout_cb, CONNECT_TIMEOUT_MS, 0);
}

/* Queue one framed record; start writing when connected. */
static int
tcp_write(struct sink_syslog *s)
{
    char len_text[FRAME_LEN_TEXT];
    size_t before = s->pending.len, pre = 0;
    int n;

    if (!s->lf) {
        n = snprintf(len_text, sizeof(len_text), "%zu ", s->scratch.len);
        if (n < 0 || (size_t)n >= sizeof(len_text))
            return drop(s); /* cannot happen: 20 digits at most */
        pre = (size_t)n;
    }
    if (!admit(s, pre + s->scratch.len + (s->lf ? 1 : 0)))
        return -ENOBUFS;
    buf_append(&s->pending, len_text, pre);
    buf_append(&s->pending, s->scratch.data, s->scratch.len);
    if (s->lf)
        buf_putc(&s->pending, '\n');
    if (s->pending.oom) {
        s->pending.oom = false;
        s->pending.len = before; /* keep only whole frames */
        return drop(s);
    }
    s->pending_records++;
    s->seq_queued++;
    tcp_start_write(s);
    return 0;
}

/* ---- UDP -------------------------------------------------------------- */

/* Send one datagram now: 0 when it is done with (sent, or failed and
 * counted), UV_EAGAIN when the socket buffer is full. */
static int
udp_send_now(struct sink_syslog *s, const char *p, size_t n)
{
    uv_buf_t b = uv_buf_init((char *)p, (unsigned)n);
    int r = uv_udp_try_send(&s->udp_h, &b, 1, NULL);

    if (r == UV_ECONNREFUSED) {
        /* The refusal is for an earlier datagram; this one was not sent. */
        s->counters.errors++;
        if (!s->refused_said) {
            say(s, LOG_WARNING,
                "%s refuses datagrams (ICMP port unreachable): is anything "
                "listening? sending on",
                s->dest);
            s->refused_said = true;
        }
        r = uv_udp_try_send(&s->udp_h, &b, 1, NULL);
    }
    if (r >= 0) {
        s->counters.written++;
        return 0;
    }
    if (r == UV_EAGAIN)
        return r;
    s->counters.errors++;
    s->counters.dropped++;
    if (!s->failed_said) {
        say(s, LOG_WARNING, "sending to %s failed: %s; dropping the record",
            s->dest, uv_strerror(r));
        s->failed_said = true;
    }
    return 0;
}

static void
udp_sent_cb(uv_udp_send_t *req, int status)
{
    struct sink_syslog *s = container_of(req, struct sink_syslog, send_req);

    s->writing = false;
    if (status == UV_ECANCELED)
        return; /* closing */
    if (status < 0) {
        s->counters.errors++;
        s->counters.dropped++;
    } else {
        s->counters.written++;
    }
    s->inflight_records = 0;
    buf_reset(&s->inflight);
    records_done(s, 1);
    if (s->finished)
        return;
    udp_drain(s);
    if (!s->finished)
        after_progress(s);
}

/* The datagram at p waits for room in the socket buffer: uv_udp_send()
 * takes a copy (pending may move while it waits). */
static void
udp_send_later(struct sink_syslog *s, const char *p, size_t n)
{
    uv_buf_t b;
    int r;

    buf_reset(&s->inflight);
    buf_append(&s->inflight, p, n);
    b = uv_buf_init(s->inflight.data, (unsigned)s->inflight.len);
    r = s->inflight.oom
            ? UV_ENOMEM
            : uv_udp_send(&s->send_req, &s->udp_h, &b, 1, NULL, udp_sent_cb);
    if (r < 0) {
        s->inflight.oom = false;
        buf_reset(&s->inflight);
        s->counters.errors++;
        s->counters.dropped++;
        return;
    }
    s->inflight_records = 1;
    s->writing = true;
}

/* Send queued datagrams until the queue is empty or the socket full. */
static void
udp_drain(struct sink_syslog *s)
{
    uint64_t done = 0;
    uint32_t n;
    const char *p;

    while (s->state == CONN_UP && !s->writing &&
           s->pending_off < s->pending.len) {
        memcpy(&n, s->pending.data + s->pending_off, UDP_LEN_SIZE);
        p = s->pending.data + s->pending_off + UDP_LEN_SIZE;
        if (udp_send_now(s, p, n) == UV_EAGAIN)
            udp_send_later(s, p, n);
        else
            done++;
        s->pending_off += UDP_LEN_SIZE + n;
        s->pending_records--;
    }
    if (s->pending_off == s->pending.len) {
        buf_reset(&s->pending);
        s->pending_off = 0;
    }
    records_done(s, done);
}

static void
udp_connect(struct sink_syslog *s)
{
    int r;

    if (!s->udp_open) {
        r = uv_udp_init(s->loop, &s->udp_h);
        if (r < 0) {
            attempt_failed(s, r);
            return;
        }
        s->udp_open = true;
        s->handles++;
    }
    r = uv_udp_connect(&s->udp_h, (const struct sockaddr *)&s->addrs[0]);
    if (r < 0) {
        attempt_failed(s, r);
        return;
    }
    went_up(s);
    udp_drain(s);
    if (!s->finished)
        after_progress(s);
}

/* Send at once when nothing waits, else queue behind the others. */
static int
udp_write(struct sink_syslog *s)
{
    uint32_t n = (uint32_t)s->scratch.len;
    size_t before = s->pending.len;

    if (s->scratch.len > UDP_PAYLOAD_MAX) {
        if (!s->big_said) {
            say(s, LOG_WARNING,
                "a record of %zu bytes is past the UDP limit of %d bytes: "
                "dropped (and so will be others, counted)",
                s->scratch.len, UDP_PAYLOAD_MAX);
            s->big_said = true;
        }
        return drop(s);
    }
    if (s->state == CONN_UP && !s->writing && queued(s) == 0 &&
        udp_send_now(s, s->scratch.data, s->scratch.len) == 0)
        return 0;
    if (!admit(s, UDP_LEN_SIZE + n))
        return -ENOBUFS;
    buf_append(&s->pending, &n, UDP_LEN_SIZE);
    buf_append(&s->pending, s->scratch.data, n);
    if (s->pending.oom) {
        s->pending.oom = false;
        s->pending.len = before;
        return drop(s);
    }
    s->pending_records++;
    s->seq_queued++;
    udp_drain(s);
    return 0;
}

/* ---- resolution ------------------------------------------------------- */

static void
resolved_cb(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    struct sink_syslog *s = container_of(req, struct sink_syslog, gai);
    const struct addrinfo *ai;

    s->gai_active = false;
    if (s->finished) {
        uv_freeaddrinfo(res);
        finish(s);
        return;
    }
    if (status < 0) {
        attempt_failed(s, status);
        return;
    }
    s->n_addrs = 0;
    for (ai = res; ai != NULL && s->n_addrs < ADDRS_MAX; ai = ai->ai_next)
        if ((ai->ai_family == AF_INET || ai->ai_family == AF_INET6) &&
            ai->ai_addrlen <= sizeof(s->addrs[0]))
            memcpy(&s->addrs[s->n_addrs++], ai->ai_addr, ai->ai_addrlen);
    uv_freeaddrinfo(res);
    if (s->n_addrs == 0) {
        attempt_failed(s, UV_EAI_NONAME);
        return;
    }
    s->next_addr = 0;
    if (s->tcp)
        tcp_connect(s);
    else
        udp_connect(s);
}

/* Resolve the address (again before every attempt: a name may have
 * moved), then connect. */
static void
start_resolve(struct sink_syslog *s)
{
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC,
        .ai_socktype = s->tcp ? SOCK_STREAM : SOCK_DGRAM,
        .ai_flags = AI_NUMERICSERV,
    };
    int r;

    s->state = CONN_RESOLVING;
    r = uv_getaddrinfo(s->loop, &s->gai, resolved_cb, s->addr.host,
                       s->port_text, &hints);
    if (r < 0) {
        attempt_failed(s, r);
        return;
    }
    s->gai_active = true;
}

/* ---- sink_ops --------------------------------------------------------- */

static int
sink_syslog_write(struct sink *sink, struct strv line)
{
    struct sink_syslog *s = (struct sink_syslog *)sink;

    if (s->closing)
        return drop(s);
    buf_reset(&s->scratch);
    if (syslog_restamp(line, &s->stamp, &s->scratch) < 0 || s->scratch.oom) {
        s->counters.errors++;
        return drop(s);
    }
    return s->tcp ? tcp_write(s) : udp_write(s);
}

/* Connected or on the way there (no failure yet), and the queue past
 * its high mark; see the file header. */
static bool
sink_syslog_congested(const struct sink *sink)
{
    const struct sink_syslog *s = (const struct sink_syslog *)sink;
    bool trying = (s->state == CONN_RESOLVING || s->state == CONN_CONNECTING) &&
                  !s->down_said;

    return ((s->state == CONN_UP && !s->stalled) || trying) &&
           queued(s) >= s->queue_max / 4 * 3;
}

static void
wait_cb(uv_timer_t *t)
{
    struct sink_syslog *s = container_of(t, struct sink_syslog, wait_timer);

    if (s->closing)
        finish(s); /* STOP_WAIT_MS is over */
    else
        wake_waiters(s, true); /* FLUSH_WAIT_MS is over */
}

/*
 * Call cb once the records queued now are written, or at most
 * FLUSH_WAIT_MS after the destination is found down (they stay queued).
 */
static void
sink_syslog_flush(struct sink *sink, void (*cb)(void *arg), void *arg)
{
    struct sink_syslog *s = (struct sink_syslog *)sink;

    if (s->seq_done >= s->seq_queued || s->n_waiters == WAITERS_MAX ||
        s->finished) {
        cb(arg);
        return;
    }
    s->waiters[s->n_waiters++] = (struct flush_waiter){cb, arg, s->seq_queued};
    if ((s->state != CONN_UP || s->stalled) &&
        !uv_is_active((uv_handle_t *)&s->wait_timer))
        uv_timer_start(&s->wait_timer, wait_cb, FLUSH_WAIT_MS, 0);
}

static void
handle_closed_cb(uv_handle_t *h)
{
    struct sink_syslog *s = h->data;

    if (h == (uv_handle_t *)&s->udp_h)
        s->udp_open = false;
    s->handles--;
    finish(s);
}

/*
 * Stop for good: what is still queued is counted as dropped, waiters are
 * woken, the handles closed.  Called again by every close callback; the
 * last frees the sink and calls the close callback.
 */
static void
finish(struct sink_syslog *s)
{
    uint64_t left;
    void (*cb)(void *arg);
    void *arg;

    if (!s->finished) {
        s->finished = true;
        left = s->pending_records + s->inflight_records;
        if (left > 0) {
            s->counters.dropped += left;
            say(s, LOG_WARNING,
                "stopping with %llu records not sent to %s: dropped",
                (unsigned long long)left, s->dest);
        }
        /* The buffers stay allocated: a cancelled write may still hold
         * inflight until its callback. */
        s->pending_records = s->inflight_records = 0;
        buf_reset(&s->pending);
        s->pending_off = 0;
        wake_waiters(s, true);
        if (s->gai_active)
            (void)uv_cancel((uv_req_t *)&s->gai);
        s->timer.data = s->wait_timer.data = s->udp_h.data = s->tcp_h.data = s;
        uv_close((uv_handle_t *)&s->timer, handle_closed_cb);
        uv_close((uv_handle_t *)&s->wait_timer, handle_closed_cb);
        if (s->udp_open)
            uv_close((uv_handle_t *)&s->udp_h, handle_closed_cb);
        if (s->tcp_open && !uv_is_closing((uv_handle_t *)&s->tcp_h))
            uv_close((uv_handle_t *)&s->tcp_h, tcp_closed_cb);
        return;
    }
    if (s->handles > 0 || s->gai_active)
        return;
    buf_done(&s->scratch);
    buf_done(&s->pending);
    buf_done(&s->inflight);
    cb = s->close_cb;
    arg = s->close_arg;
    mem_free(s);
    if (cb != NULL)
        cb(arg);
}

/* Send what is queued within STOP_WAIT_MS (a connection down gets one more
 * attempt at once), then close. */
static void
sink_syslog_close(struct sink *sink, void (*done_cb)(void *arg), void *arg)
{
    struct sink_syslog *s = (struct sink_syslog *)sink;

    s->close_cb = done_cb;
    s->close_arg = arg;
    s->closing = true;
    if (queued(s) == 0) {
        finish(s);
        return;
    }
    uv_timer_start(&s->wait_timer, wait_cb, STOP_WAIT_MS, 0);
    if (s->state == CONN_WAITING) {
        uv_timer_stop(&s->timer);
        start_resolve(s);
    }
}

static void
sink_syslog_counters(const struct sink *sink, struct sink_counters *ret)
{
    const struct sink_syslog *s = (const struct sink_syslog *)sink;

    *ret = s->counters;
    ret->queued_bytes = queued(s);
}

static bool
str_is(const char *v, const char *want)
{
    return v != NULL && strcmp(v, want) == 0;
}

/* Set up from the (already validated) configuration and start resolving;
 * the destination being down is not an error: records queue meanwhile. */
static int
sink_syslog_open(uv_loop_t *loop, const struct config_sink *cfg,
                 const struct sink_env *env, struct sink **ret)
{
    struct sink_syslog *s;
    size_t n;
    const char *why;
    int fac = cfg->facility != NULL ? syslog_facility_code(cfg->facility)
                                    : SYSLOG_FACILITY_DEFAULT;

    s = mem_calloc(1, sizeof(*s));
    if (s == NULL)
        return -ENOMEM;
    if (fac < 0 || cfg->address == NULL ||
        sink_syslog_address_parse(cfg->address, &s->addr, &why) < 0) {
        mem_free(s);
        return -EINVAL;
    }
    s->loop = loop;
    s->env = *env;
    s->sink.cfg = cfg;
    s->tcp = str_is(cfg->protocol, "tcp");
    s->lf = str_is(cfg->framing, "lf");
    (void)snprintf(s->port_text, sizeof(s->port_text), "%u", s->addr.port);
    (void)snprintf(s->dest, sizeof(s->dest), "%s%s%s:%u over %s",
                   strchr(s->addr.host, ':') ? "[" : "", s->addr.host,
                   strchr(s->addr.host, ':') ? "]" : "", s->addr.port,
                   s->tcp ? "tcp" : "udp");
    n = sizeof(s->collector);
    if (uv_os_gethostname(s->collector, &n) < 0)
        s->collector[0] = '\0';
    s->stamp = (struct syslog_stamp){
        .facility = (unsigned)fac,
        .pid = (uint32_t)getpid(),
        .collector = strv_from_cstr(s->collector),
    };
    s->queue_max =
        cfg->queue_max > 0 ? (size_t)cfg->queue_max : QUEUE_MAX_DEFAULT;
    buf_init(&s->scratch, s->queue_max);
    buf_init(&s->pending, s->queue_max);
    buf_init(&s->inflight, s->queue_max);
    s->backoff_ms = BACKOFF_MIN_MS;
    /* Neither init can fail on a live loop (libuv returns 0). */
    uv_timer_init(loop, &s->timer);
    uv_timer_init(loop, &s->wait_timer);
    s->handles = 2;
    *ret = &s->sink;
    start_resolve(s);
    return 0;
}

const struct sink_ops sink_syslog_ops = {
    .name = "syslog",
    .open = sink_syslog_open,
    .write = sink_syslog_write,
    .congested = sink_syslog_congested,
    .flush = sink_syslog_flush,
    .reopen = NULL,
    .close = sink_syslog_close,
    .counters = sink_syslog_counters,
};
