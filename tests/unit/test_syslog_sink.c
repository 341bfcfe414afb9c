/*
 * test_syslog_sink.c - the "syslog" sink (sinks/syslog.c) on a real libuv
 * loop against real receivers on loopback: a UDP socket and a TCP listener
 * in the same loop, which parse what arrives (RFC 6587 octet counting or
 * LF framing) and can go away and come back on the same port.
 *
 * Checked: one datagram per record, whole and stamped; framing on TCP;
 * records queued while the receiver is down arrive in order once it is
 * back, none cut, each frame complete on its connection; drops past
 * queue_max counted and said once; a UDP destination that refuses counts
 * errors and the sink goes on; records too large for UDP dropped, not cut;
 * flush and close bounded while the destination is down; the counters.
 * Every test ends with uv_loop_close() == 0.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "../../model/render_syslog.h"
#include "../../sinks/sink.h"
#include "../../sinks/syslog.h"

#define MSGS_MAX 4096
#define CONNS_MAX 16
#define DIAGS_MAX 32
#define TICK_MS 5
#define WAIT_MS 8000
#define BIG_FIELD 70000

/* One accepted connection of the TCP receiver. */
struct conn {
    uv_tcp_t h;
    struct buf in; /* bytes not yet framed */
    struct tctx *t;
};

struct tctx {
    uv_loop_t loop;
    uv_timer_t tick;
    struct config_sink cfg;
    char address[64];
    struct sink *sink;
    bool closed;
    /* receiver */
    int port;
    bool lf;
    bool stall; /* accept connections but read nothing */
    uv_tcp_t server;
    bool server_open;
    uv_udp_t udp;
    bool udp_open;
    struct conn *conns[CONNS_MAX];
    size_t n_conns, open_conns;
    char *msgs[MSGS_MAX];
    size_t n_msgs;
    unsigned bad;     /* frames that did not parse */
    unsigned partial; /* connections that ended inside a frame */
    char *diags[DIAGS_MAX];
    size_t n_diags;
    unsigned drained; /* sink_env.drained calls */
};

static void
diag_cb(void *ctx, struct sink *sink, int prio, const char *msg)
{
    struct tctx *t = ctx;

    (void)sink;
    (void)prio;
    if (t->n_diags < DIAGS_MAX)
        t->diags[t->n_diags++] = strdup(msg);
}

/* How many diagnostics contain `text`. */
static size_t
diags_with(const struct tctx *t, const char *text)
{
    size_t n = 0;

    for (size_t i = 0; i < t->n_diags; i++)
        n += strstr(t->diags[i], text) != NULL;
    return n;
}

static void
drained_cb(void *ctx, struct sink *sink)
{
    (void)sink;
    ((struct tctx *)ctx)->drained++;
}

static void
tick_cb(uv_timer_t *tm)
{
    (void)tm; /* only wakes the loop, so run_until sees the time pass */
}

static struct tctx *
tctx_new(const char *protocol, const char *framing, int64_t queue_max)
{
    struct tctx *t = calloc(1, sizeof(*t));

    assert_non_null(t);
    assert_int_equal(uv_loop_init(&t->loop), 0);
    uv_timer_init(&t->loop, &t->tick);
    uv_timer_start(&t->tick, tick_cb, TICK_MS, TICK_MS);
    t->lf = framing != NULL && strcmp(framing, "lf") == 0;
    t->cfg = (struct config_sink){.name = "t",
                                  .type = "syslog",
                                  .format = "rfc5424",
                                  .queue_max = queue_max,
                                  .address = t->address,
                                  .protocol = (char *)protocol,
                                  .facility = "local0",
                                  .framing = (char *)framing};
    return t;
}

/* ---- receivers -------------------------------------------------------- */

static void
got_msg(struct tctx *t, const char *p, size_t n)
{
    char *m = malloc(n + 1);

    assert_non_null(m);
    memcpy(m, p, n);
    m[n] = '\0';
    assert_true(t->n_msgs < MSGS_MAX);
    t->msgs[t->n_msgs++] = m;
}

/* Take the whole frames at the start of c->in (RFC 6587 3.4). */
static void
deframe(struct conn *c)
{
    struct tctx *t = c->t;
    size_t off = 0;

    while (off < c->in.len) {
        const char *p = c->in.data + off;
        size_t avail = c->in.len - off, len = 0, d = 0;

        if (t->lf) {
            const char *nl = memchr(p, '\n', avail);

            if (nl == NULL)
                break;
            got_msg(t, p, (size_t)(nl - p));
            off += (size_t)(nl - p) + 1;
            continue;
        }
        while (d < avail && p[d] >= '0' && p[d] <= '9')
            len = len * 10 + (size_t)(p[d++] - '0');
        if (d == avail)
            break;
        if (d == 0 || p[d] != ' ' || p[0] == '0') {
            t->bad++; /* not a frame start: a cut frame before it */
            off = c->in.len;
            break;
        }
        if (avail - d - 1 < len)
            break;
        got_msg(t, p + d + 1, len);
        off += d + 1 + len;
    }
    memmove(c->in.data, c->in.data + off, c->in.len - off);
    c->in.len -= off;
}

/* Freed: its slot in t->conns is cleared, so nothing closes it again. */
static void
conn_closed_cb(uv_handle_t *h)
{
    struct conn *c = h->data;

    for (size_t i = 0; i < c->t->n_conns; i++)
        if (c->t->conns[i] == c)
            c->t->conns[i] = NULL;
    c->t->open_conns--;
    buf_done(&c->in);
    free(c);
}

static void
conn_close(struct conn *c)
{
    if (!uv_is_closing((uv_handle_t *)&c->h))
        uv_close((uv_handle_t *)&c->h, conn_closed_cb);
}

static void
alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
    (void)h;
    b->base = malloc(suggested);
    b->len = suggested;
}

static void
conn_read_cb(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
    struct conn *c = st->data;

    if (n > 0) {
        buf_append(&c->in, b->base, (size_t)n);
        deframe(c);
    } else if (n < 0) {
        if (c->in.len > 0)
            c->t->partial++;
        conn_close(c);
    }
    free(b->base);
}

static void
server_conn_cb(uv_stream_t *server, int status)
{
    struct tctx *t = server->data;
    struct conn *c = calloc(1, sizeof(*c));

    assert_int_equal(status, 0);
    assert_non_null(c);
    c->t = t;
    buf_init(&c->in, 0);
    uv_tcp_init(&t->loop, &c->h);
    c->h.data = c;
    assert_int_equal(uv_accept(server, (uv_stream_t *)&c->h), 0);
    if (!t->stall)
        assert_int_equal(
            uv_read_start((uv_stream_t *)&c->h, alloc_cb, conn_read_cb), 0);
    assert_true(t->n_conns < CONNS_MAX);
    t->conns[t->n_conns++] = c;
    t->open_conns++;
}

static int
bound_port(const uv_handle_t *h, bool tcp)
{
    struct sockaddr_storage ss;
    int len = sizeof(ss);

    if (tcp)
        assert_int_equal(uv_tcp_getsockname((const uv_tcp_t *)h,
                                            (struct sockaddr *)&ss, &len),
                         0);
    else
        assert_int_equal(uv_udp_getsockname((const uv_udp_t *)h,
                                            (struct sockaddr *)&ss, &len),
                         0);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* Listen on 127.0.0.1:port (0: a free port, remembered in t->port). */
static void
tcp_listen(struct tctx *t, int port)
{
    struct sockaddr_in sa;

    assert_int_equal(uv_ip4_addr("127.0.0.1", port, &sa), 0);
    uv_tcp_init(&t->loop, &t->server);
    t->server.data = t;
    assert_int_equal(uv_tcp_bind(&t->server, (struct sockaddr *)&sa, 0), 0);
    if (t->stall) {
        int small = 4096; /* inherited by accepted sockets: no autotuning */

        assert_int_equal(uv_recv_buffer_size((uv_handle_t *)&t->server, &small),
                         0);
    }
    assert_int_equal(uv_listen((uv_stream_t *)&t->server, 16, server_conn_cb),
                     0);
    t->server_open = true;
    t->port = bound_port((uv_handle_t *)&t->server, true);
    snprintf(t->address, sizeof(t->address), "127.0.0.1:%d", t->port);
}

static void
handle_closed_cb(uv_handle_t *h)
{
    *(bool *)h->data = false;
}

/* Close a receiver handle and wait for it, so it can be set up again. */
static void
close_and_wait(struct tctx *t, uv_handle_t *h, bool *open)
{
    if (!*open)
        return;
    h->data = open;
    uv_close(h, handle_closed_cb);
    while (*open)
        uv_run(&t->loop, UV_RUN_ONCE);
}

/* The receiver goes away: the listener and every connection. */
static void
tcp_unlisten(struct tctx *t)
{
    close_and_wait(t, (uv_handle_t *)&t->server, &t->server_open);
    for (size_t i = 0; i < t->n_conns; i++)
        if (t->conns[i] != NULL)
            conn_close(t->conns[i]);
    t->n_conns = 0;
}

static void
udp_recv_cb(uv_udp_t *h, ssize_t n, const uv_buf_t *b,
            const struct sockaddr *from, unsigned flags)
{
    struct tctx *t = h->data;

    (void)flags;
    if (n > 0 && from != NULL)
        got_msg(t, b->base, (size_t)n);
    free(b->base);
}

static void
udp_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
    (void)h;
    (void)suggested;
    b->base = malloc(BIG_FIELD * 2);
    b->len = BIG_FIELD * 2;
}

static void
udp_listen(struct tctx *t, const char *ip, int port)
{
    struct sockaddr_storage ss;

    if (strchr(ip, ':') != NULL)
        assert_int_equal(uv_ip6_addr(ip, port, (struct sockaddr_in6 *)&ss), 0);
    else
        assert_int_equal(uv_ip4_addr(ip, port, (struct sockaddr_in *)&ss), 0);
    uv_udp_init(&t->loop, &t->udp);
    t->udp.data = t;
    assert_int_equal(uv_udp_bind(&t->udp, (struct sockaddr *)&ss, 0), 0);
    assert_int_equal(uv_udp_recv_start(&t->udp, udp_alloc_cb, udp_recv_cb), 0);
    t->udp_open = true;
    t->port = bound_port((uv_handle_t *)&t->udp, false);
    snprintf(t->address, sizeof(t->address),
             strchr(ip, ':') ? "[%s]:%d" : "%s:%d", ip, t->port);
}

static void
udp_unlisten(struct tctx *t)
{
    close_and_wait(t, (uv_handle_t *)&t->udp, &t->udp_open);
}

/* ---- the sink --------------------------------------------------------- */

static void
sink_open(struct tctx *t)
{
    const struct sink_env env = {
        .diag = diag_cb, .drained = drained_cb, .ctx = t};

    assert_int_equal(
        sink_type_find("syslog")->open(&t->loop, &t->cfg, &env, &t->sink), 0);
    t->sink->ops = sink_type_find("syslog");
    t->sink->cfg = &t->cfg;
    t->sink->format = sink_format_find("rfc5424");
}

static struct sink_counters
counters(const struct tctx *t)
{
    struct sink_counters c;

    t->sink->ops->counters(t->sink, &c);
    return c;
}

/* Write records u<from> .. u<from + n - 1>, each `pad` bytes of
 * result_details longer; returns how many the sink took. */
static size_t
send_n(struct tctx *t, int from, int n, size_t pad)
{
    static char big[BIG_FIELD];
    size_t taken = 0;
    char user[32];
    struct event ev;
    struct buf b;

    memset(big, 'x', sizeof(big));
    buf_init(&b, 0);
    for (int i = from; i < from + n; i++) {
        event_init(&ev);
        ev.time_us = 1710424459000000LL + i;
        ev.action = EV_ACTION_LOGIN;
        ev.result = EV_RESULT_SUCCESS;
        ev.hostname = STRV_LIT("web01");
        snprintf(user, sizeof(user), "u%d", i);
        ev.user = strv_from_cstr(user);
        ev.result_details = strv_make(big, pad < sizeof(big) ? pad : 0);
        buf_reset(&b);
        t->sink->format->event(&ev, &b);
        taken += t->sink->ops->write(t->sink, strv_make(b.data, b.len)) == 0;
    }
    buf_done(&b);
    return taken;
}

typedef bool pred_fn(struct tctx *t, size_t arg);

static bool
have_msgs(struct tctx *t, size_t n)
{
    return t->n_msgs >= n;
}

static bool
never(struct tctx *t, size_t n)
{
    (void)t;
    (void)n;
    return false;
}

/* Run the loop until pred holds or ms pass; the result of pred. */
static bool
run_until(struct tctx *t, pred_fn *pred, size_t arg, unsigned ms)
{
    uint64_t deadline;

    uv_update_time(&t->loop);
    deadline = uv_now(&t->loop) + ms;
    while (!pred(t, arg) && uv_now(&t->loop) < deadline)
        uv_run(&t->loop, UV_RUN_ONCE);
    return pred(t, arg);
}

static void
closed_cb(void *arg)
{
    ((struct tctx *)arg)->closed = true;
}

/* Close the sink; returns the milliseconds it took. */
static uint64_t
sink_close(struct tctx *t)
{
    uint64_t start;

    uv_update_time(&t->loop);
    start = uv_now(&t->loop);
    t->closed = false;
    t->sink->ops->close(t->sink, closed_cb, t);
    while (!t->closed)
        uv_run(&t->loop, UV_RUN_ONCE);
    t->sink = NULL;
    return uv_now(&t->loop) - start;
}

static void
tctx_free(struct tctx *t)
{
    if (t->sink != NULL)
        sink_close(t);
    tcp_unlisten(t);
    udp_unlisten(t);
    uv_close((uv_handle_t *)&t->tick, NULL);
    uv_run(&t->loop, UV_RUN_DEFAULT);
    assert_int_equal(t->open_conns, 0);
    assert_int_equal(uv_loop_close(&t->loop), 0);
    for (size_t i = 0; i < t->n_msgs; i++)
        free(t->msgs[i]);
    for (size_t i = 0; i < t->n_diags; i++)
        free(t->diags[i]);
    free(t);
}

/* The record number of a received message (its user u<N>), -1 if none. */
static int
msg_user(const char *m)
{
    const char *u = strstr(m, " user=\"u");

    return u != NULL ? (int)strtol(u + 8, NULL, 10) : -1;
}

/* Every message is a stamped RFC 5424 line: local0.info, our pid, the
 * collector's name, the MSG JSON whole. */
static void
assert_stamped(const struct tctx *t)
{
    char head[64], coll[UV_MAXHOSTNAMESIZE + 32], host[UV_MAXHOSTNAMESIZE];
    size_t n = sizeof(host);

    assert_int_equal(uv_os_gethostname(host, &n), 0);
    snprintf(coll, sizeof(coll), "[sessiontail@32473 collector=\"%s\" ", host);
    for (size_t i = 0; i < t->n_msgs; i++) {
        const char *m = t->msgs[i];

        snprintf(head, sizeof(head), "web01 sessiontail %d event ",
                 (int)getpid());
        assert_int_equal(strncmp(m, "<134>1 2024-03-14T13:54:19.", 27), 0);
        assert_non_null(strstr(m, head));
        assert_non_null(strstr(m, coll));
        assert_int_equal(m[strlen(m) - 1], '}');
        assert_non_null(strstr(m, "] {\"record\":\"event\""));
    }
}

/* ---- tests ------------------------------------------------------------ */

static void
test_address_parse(void **state)
{
    struct syslog_address a;
    const char *why = NULL;
    static const char *const bad[] = {
        "",          ":514",        "host:",     "host:0",  "host:65536",
        "host:12a",  "::1",         "::1:514",   "[::1",    "[::1]x",
        "[::1]:",    "[1.2.3.4]:5", "a b:514",   "a/b:514", "[]:514",
        "h:514:514", "host:-1",     "h\xc3\xa9", "[::1]:0",
    };

    (void)state;
    assert_int_equal(sink_syslog_address_parse("siem.example:6514", &a, &why),
                     0);
    assert_string_equal(a.host, "siem.example");
    assert_int_equal(a.port, 6514);
    assert_int_equal(sink_syslog_address_parse("siem", &a, &why), 0);
    assert_string_equal(a.host, "siem");
    assert_int_equal(a.port, 514);
    assert_int_equal(sink_syslog_address_parse("10.1.2.3:1", &a, &why), 0);
    assert_string_equal(a.host, "10.1.2.3");
    assert_int_equal(a.port, 1);
    assert_int_equal(sink_syslog_address_parse("[2001:db8::9]:65535", &a, &why),
                     0);
    assert_string_equal(a.host, "2001:db8::9");
    assert_int_equal(a.port, 65535);
    assert_int_equal(sink_syslog_address_parse("[::1]", &a, &why), 0);
    assert_string_equal(a.host, "::1");
    assert_int_equal(a.port, 514);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why = NULL;
        if (sink_syslog_address_parse(bad[i], &a, &why) != -EINVAL)
            fail_msg("'%s' accepted", bad[i]);
        assert_non_null(why);
    }
}

static void
test_udp(void **state)
{
    struct tctx *t = tctx_new("udp", NULL, 0);
    struct sink_counters c;

    (void)state;
    udp_listen(t, "127.0.0.1", 0);
    sink_open(t);
    assert_int_equal(send_n(t, 0, 100, 0), 100);
    assert_true(run_until(t, have_msgs, 100, WAIT_MS));
    assert_stamped(t);
    for (size_t i = 0; i < 100; i++)
        assert_int_equal(msg_user(t->msgs[i]), (int)i);
    c = counters(t);
    assert_int_equal(c.written, 100);
    assert_int_equal(c.dropped, 0);
    assert_int_equal(c.errors, 0);
    assert_int_equal(c.queued_bytes, 0);
    assert_false(t->sink->ops->congested(t->sink));
    /* A record past the UDP limit is dropped whole, said once; the next
     * ones go on. */
    assert_int_equal(send_n(t, 100, 2, BIG_FIELD - 10), 0);
    assert_int_equal(send_n(t, 102, 1, 60000), 1);
    assert_true(run_until(t, have_msgs, 101, WAIT_MS));
    assert_int_equal(msg_user(t->msgs[100]), 102);
    assert_true(strlen(t->msgs[100]) > 60000);
    c = counters(t);
    assert_int_equal(c.dropped, 2);
    assert_int_equal(diags_with(t, "past the UDP limit"), 1);
    assert_true(sink_close(t) < 100);
    tctx_free(t);
}

static void
test_udp_ipv6(void **state)
{
    struct tctx *t = tctx_new("udp", NULL, 0);
    uv_udp_t probe;
    struct sockaddr_in6 sa;
    int r;

    (void)state;
    uv_udp_init(&t->loop, &probe);
    assert_int_equal(uv_ip6_addr("::1", 0, &sa), 0);
    r = uv_udp_bind(&probe, (struct sockaddr *)&sa, 0);
    uv_close((uv_handle_t *)&probe, NULL);
    if (r != 0) {
        tctx_free(t);
        skip(); /* no IPv6 loopback here */
    }
    udp_listen(t, "::1", 0);
    assert_string_equal(t->address + strlen(t->address) -
                            strlen(strchr(t->address, ']')),
                        strchr(t->address, ']'));
    sink_open(t);
    assert_int_equal(send_n(t, 0, 3, 0), 3);
    assert_true(run_until(t, have_msgs, 3, WAIT_MS));
    assert_stamped(t);
    tctx_free(t);
}

/* A host name, resolved on the thread pool; every address it has is
 * tried in turn ("localhost" may be ::1 first, where nothing listens). */
static void
test_tcp_name(void **state)
{
    struct tctx *t = tctx_new("tcp", NULL, 0);

    (void)state;
    tcp_listen(t, 0);
    snprintf(t->address, sizeof(t->address), "localhost:%d", t->port);
    sink_open(t);
    assert_int_equal(send_n(t, 0, 3, 0), 3);
    assert_true(run_until(t, have_msgs, 3, WAIT_MS));
    assert_stamped(t);
    assert_int_equal(counters(t).written, 3);
    assert_int_equal(t->n_diags, 0); /* a refused address of several */
    tctx_free(t);
}

/* Nothing listens: ICMP port unreachable comes back as ECONNREFUSED. */
static void
test_udp_refused(void **state)
{
    struct tctx *t = tctx_new("udp", NULL, 0);
    struct sink_counters c;
    int port;

    (void)state;
    udp_listen(t, "127.0.0.1", 0);
    port = t->port;
    udp_unlisten(t);
    run_until(t, never, 0, 20);
    sink_open(t);
    run_until(t, never, 0, 50);
    for (int i = 0; i < 20; i++) {
        send_n(t, i, 1, 0);
        run_until(t, never, 0, 5);
    }
    c = counters(t);
    assert_true(c.errors > 0);
    assert_int_equal(c.written + c.dropped, 20);
    assert_int_equal(diags_with(t, "refuses datagrams"), 1);
    /* The receiver comes up on the port: records arrive again. */
    udp_listen(t, "127.0.0.1", port);
    assert_int_equal(send_n(t, 100, 5, 0), 5);
    assert_true(run_until(t, have_msgs, 5, WAIT_MS));
    assert_int_equal(msg_user(t->msgs[0]), 100);
    tctx_free(t);
}

static void
tcp_basic(const char *framing)
{
    struct tctx *t = tctx_new("tcp", framing, 0);
    struct sink_counters c;

    tcp_listen(t, 0);
    sink_open(t);
    assert_int_equal(send_n(t, 0, 500, 0), 500);
    assert_int_equal(send_n(t, 500, 3, 30000), 3);
    assert_true(run_until(t, have_msgs, 503, WAIT_MS));
    assert_stamped(t);
    for (size_t i = 0; i < 503; i++)
        assert_int_equal(msg_user(t->msgs[i]), (int)i);
    assert_true(strlen(t->msgs[502]) > 30000);
    assert_int_equal(t->bad, 0);
    c = counters(t);
    assert_int_equal(c.written, 503);
    assert_int_equal(c.dropped, 0);
    assert_int_equal(c.errors, 0);
    assert_int_equal(c.queued_bytes, 0);
    assert_int_equal(t->n_diags, 0);
    assert_true(sink_close(t) < 100);
    run_until(t, never, 0, 20);
    assert_int_equal(t->partial, 0);
    tctx_free(t);
}

static void
test_tcp_octet_counting(void **state)
{
    (void)state;
    tcp_basic("octet-counting");
}

static void
test_tcp_lf(void **state)
{
    (void)state;
    tcp_basic("lf");
}

/* Down at the start: records queue, arrive in order once it listens. */
static void
test_tcp_down_then_up(void **state)
{
    struct tctx *t = tctx_new("tcp", NULL, 0);
    struct sink_counters c;
    int port;

    (void)state;
    tcp_listen(t, 0);
    port = t->port;
    tcp_unlisten(t);
    sink_open(t);
    assert_int_equal(send_n(t, 0, 50, 0), 50);
    run_until(t, never, 0, 700);
    c = counters(t);
    assert_int_equal(c.written, 0);
    assert_true(c.queued_bytes > 50 * 100);
    assert_true(c.errors >= 1);
    assert_false(t->sink->ops->congested(t->sink)); /* down: no backpressure */
    assert_int_equal(diags_with(t, "cannot send to 127.0.0.1:"), 1);
    tcp_listen(t, port);
    assert_int_equal(send_n(t, 50, 10, 0), 10);
    assert_true(run_until(t, have_msgs, 60, WAIT_MS));
    for (size_t i = 0; i < 60; i++)
        assert_int_equal(msg_user(t->msgs[i]), (int)i);
    c = counters(t);
    assert_int_equal(c.written, 60);
    assert_int_equal(c.queued_bytes, 0);
    assert_int_equal(diags_with(t, "again after"), 1);
    assert_int_equal(diags_with(t, "0 records dropped meanwhile"), 1);
    tctx_free(t);
}

static bool
have_users(struct tctx *t, size_t n)
{
    bool seen[MSGS_MAX] = {false};
    size_t k = 0;

    for (size_t i = 0; i < t->n_msgs; i++) {
        int u = msg_user(t->msgs[i]);

        if (u >= 0 && u < MSGS_MAX && !seen[u]) {
            seen[u] = true;
            k++;
        }
    }
    return k >= n;
}

/* The receiver goes away while connected and comes back: what was sent
 * meanwhile arrives, in order after what came before, and no frame is
 * cut (a cut frame would not parse on the new connection). */
static void
test_tcp_receiver_gone_and_back(void **state)
{
    struct tctx *t = tctx_new("tcp", NULL, 0);
    int port;

    (void)state;
    tcp_listen(t, 0);
    port = t->port;
    sink_open(t);
    assert_int_equal(send_n(t, 0, 20, 0), 20);
    assert_true(run_until(t, have_msgs, 20, WAIT_MS));
    tcp_unlisten(t);
    run_until(t, never, 0, 100); /* the sink sees EOF */
    assert_int_equal(send_n(t, 20, 200, 2000), 200);
    run_until(t, never, 0, 300);
    assert_true(counters(t).queued_bytes > 200 * 2000);
    tcp_listen(t, port);
    assert_true(run_until(t, have_users, 220, WAIT_MS));
    assert_int_equal(t->bad, 0);
    assert_int_equal(t->partial, 0);
    for (size_t i = 0; i < 20; i++)
        assert_int_equal(msg_user(t->msgs[i]), (int)i);
    for (size_t i = 20; i < 220; i++)
        assert_int_equal(msg_user(t->msgs[t->n_msgs - 220 + i]), (int)i);
    assert_int_equal(counters(t).dropped, 0);
    assert_int_equal(diags_with(t, "connection closed by the receiver"), 1);
    assert_int_equal(diags_with(t, "again after"), 1);
    tctx_free(t);
}

/* The receiver closed, its FIN not yet read by the loop: the next batch
 * must not go into the closed connection (it would be lost, yet counted
 * written); it waits for the next one. */
static void
test_tcp_closed_before_write(void **state)
{
    struct tctx *t = tctx_new("tcp", NULL, 0);
    int port;

    (void)state;
    tcp_listen(t, 0);
    port = t->port;
    sink_open(t);
    assert_int_equal(send_n(t, 0, 5, 0), 5);
    assert_true(run_until(t, have_msgs, 5, WAIT_MS));
    tcp_unlisten(t); /* the connections close last, the loop not run */
    assert_int_equal(send_n(t, 5, 10, 0), 10);
    tcp_listen(t, port);
    assert_true(run_until(t, have_users, 15, WAIT_MS));
    assert_int_equal(t->n_msgs, 15);
    assert_int_equal(counters(t).written, 15);
    tctx_free(t);
}

/* Past queue_max while down: drops counted and said once; what was
 * queued arrives whole. */
static void
test_tcp_queue_full(void **state)
{
    struct tctx *t = tctx_new("tcp", NULL, 16384);
    struct sink_counters c;
    char text[64];
    size_t taken;
    int port;

    (void)state;
    tcp_listen(t, 0);
    port = t->port;
    tcp_unlisten(t);
    sink_open(t);
    taken = send_n(t, 0, 400, 0);
    assert_true(taken > 10 && taken < 400);
    c = counters(t);
    assert_int_equal(c.dropped, 400 - taken);
    assert_true(c.queued_bytes <= 16384);
    assert_int_equal(diags_with(t, "queue full"), 1);
    /* Congested while the first attempt is under way (a replay waits for
     * it), no longer once the destination is found down. */
    assert_true(t->sink->ops->congested(t->sink));
    assert_int_equal(t->drained, 0);
    run_until(t, never, 0, 300); /* refused at least once */
    assert_false(t->sink->ops->congested(t->sink));
    assert_true(t->drained > 0); /* paused sources may go on */
    tcp_listen(t, port);
    assert_true(run_until(t, have_msgs, taken, WAIT_MS));
    run_until(t, never, 0, 50);
    assert_int_equal(t->n_msgs, taken);
    for (size_t i = 0; i < taken; i++)
        assert_int_equal(msg_user(t->msgs[i]), (int)i);
    assert_int_equal(t->bad, 0);
    c = counters(t);
    assert_int_equal(c.written, taken);
    assert_int_equal(c.queued_bytes, 0);
    snprintf(text, sizeof(text), "; %zu records dropped meanwhile",
             400 - taken);
    assert_int_equal(diags_with(t, text), 1);
    tctx_free(t);
}

/* A receiver that stops reading, then resets the connection while a large
 * batch is being written: the batch goes again, whole, on the next
 * connection (frames parse from its first byte), nothing is lost. */
static void
test_tcp_reset_mid_write(void **state)
{
    struct tctx *t = tctx_new("tcp", NULL, 24 << 20);
    struct sink_counters c;
    int port;

    (void)state;
    t->stall = true;
    tcp_listen(t, 0);
    port = t->port;
    sink_open(t);
    assert_int_equal(send_n(t, 0, 2000, 10000), 2000);
    run_until(t, never, 0, 500);
    c = counters(t);
    assert_true(c.written < 2000); /* stuck in a full socket buffer */
    assert_true(t->sink->ops->congested(t->sink));
    tcp_unlisten(t); /* closes with unread data: a reset */
    run_until(t, never, 0, 100);
    assert_false(t->sink->ops->congested(t->sink));
    t->stall = false;
    tcp_listen(t, port);
    assert_true(run_until(t, have_users, 2000, WAIT_MS * 2));
    assert_int_equal(t->bad, 0);
    assert_int_equal(t->partial, 0);
    for (size_t i = 1; i < t->n_msgs; i++)
        assert_int_equal(msg_user(t->msgs[i]), msg_user(t->msgs[i - 1]) + 1);
    c = counters(t);
    assert_int_equal(c.written, 2000);
    assert_int_equal(c.dropped, 0);
    assert_true(c.errors >= 1);
    tctx_free(t);
}

/* The receiver reads again, on every connection it holds. */
static void
resume_reading(struct tctx *t)
{
    t->stall = false;
    for (size_t i = 0; i < t->n_conns; i++)
        if (t->conns[i] != NULL)
            (void)uv_read_start((uv_stream_t *)&t->conns[i]->h, alloc_cb,
                                conn_read_cb);
}

static bool
not_congested(struct tctx *t, size_t arg)
{
    (void)arg;
    return !t->sink->ops->congested(t->sink);
}

/* A receiver that accepts but never reads: while nothing moves the sink
 * pauses the sources; after about SEND_STALL_MS (5 s) it no longer does
 * (said once, drained called) and drops past queue_max instead, keeping
 * the connection.  Once the receiver reads again, everything it took
 * arrives, in order, whole, and written + dropped = offered. */
static void
test_tcp_stalled_receiver(void **state)
{
    struct tctx *t = tctx_new("tcp", NULL, 24 << 20);
    struct sink_counters c;
    unsigned drained;
    size_t taken;
    uint64_t start;

    (void)state;
    t->stall = true;
    tcp_listen(t, 0);
    sink_open(t);
    uv_update_time(&t->loop);
    start = uv_now(&t->loop);
    assert_int_equal(send_n(t, 0, 2000, 10000), 2000);
    run_until(t, never, 0, 500);
    assert_true(t->sink->ops->congested(t->sink));
    drained = t->drained;
    assert_true(run_until(t, not_congested, 0, 8000));
    assert_true(uv_now(&t->loop) - start >= 4500);
    assert_true(t->drained > drained); /* paused sources may go on */
    assert_int_equal(diags_with(t, "nothing sent to 127.0.0.1:"), 1);
    assert_int_equal(diags_with(t, "no longer pausing the sources"), 1);
    assert_int_equal(t->n_conns, 1); /* the connection stays */
    taken = send_n(t, 2000, 1500, 10000);
    assert_true(taken < 1500);
    assert_int_equal(diags_with(t, "queue full"), 1);
    assert_int_equal(counters(t).dropped, 1500 - taken);
    assert_false(t->sink->ops->congested(t->sink));
    resume_reading(t);
    assert_true(run_until(t, have_msgs, 2000 + taken, WAIT_MS * 2));
    run_until(t, never, 0, 50);
    assert_int_equal(t->n_msgs, 2000 + taken);
    for (size_t i = 0; i < t->n_msgs; i++)
        assert_int_equal(msg_user(t->msgs[i]), (int)i);
    assert_int_equal(t->bad, 0);
    c = counters(t);
    assert_int_equal(c.written, 2000 + taken);
    assert_int_equal(c.written + c.dropped, 3500);
    assert_int_equal(c.queued_bytes, 0);
    assert_int_equal(t->n_conns, 1);
    assert_int_equal(diags_with(t, "nothing sent to"), 1);
    tctx_free(t);
}

/* Every SLOW_PERIOD_MS the slow receiver reads for SLOW_READ_MS. */
#define SLOW_PERIOD_MS 2000
#define SLOW_READ_MS 1

struct slow {
    uv_timer_t timer;
    struct tctx *t;
    bool reading;
};

static void
slow_cb(uv_timer_t *tm)
{
    struct slow *sl = (struct slow *)tm;
    struct tctx *t = sl->t;

    sl->reading = !sl->reading;
    for (size_t i = 0; i < t->n_conns; i++) {
        uv_stream_t *h;

        if (t->conns[i] == NULL)
            continue;
        h = (uv_stream_t *)&t->conns[i]->h;
        if (sl->reading)
            (void)uv_read_start(h, alloc_cb, conn_read_cb);
        else
            (void)uv_read_stop(h);
    }
    uv_timer_start(tm, slow_cb, sl->reading ? SLOW_READ_MS : SLOW_PERIOD_MS, 0);
}

static void
slow_closed_cb(uv_handle_t *h)
{
    ((struct slow *)h)->t = NULL;
}

/* A slow receiver that reads for a millisecond every 2 s: the batch in
 * flight takes far longer than SEND_STALL_MS, and too little is read for
 * the kernel to take more from libuv, yet the receiver's acknowledgements
 * show progress, so the sink is never taken as stalled (it keeps pausing
 * the sources, loses nothing) and the connection is kept. */
static void
test_tcp_slow_receiver(void **state)
{
    struct tctx *t = tctx_new("tcp", NULL, 24 << 20);
    struct slow sl = {.t = t};
    uint64_t until;

    (void)state;
    t->stall = true;
    tcp_listen(t, 0);
    sink_open(t);
    assert_int_equal(send_n(t, 0, 2000, 10000), 2000);
    run_until(t, never, 0, 500);
    assert_true(t->sink->ops->congested(t->sink));
    uv_timer_init(&t->loop, &sl.timer);
    uv_timer_start(&sl.timer, slow_cb, 10, 0);
    uv_update_time(&t->loop);
    until = uv_now(&t->loop) + 9000;
    while (uv_now(&t->loop) < until) {
        uv_run(&t->loop, UV_RUN_ONCE);
        assert_true(t->sink->ops->congested(t->sink) ||
                    counters(t).queued_bytes < (24u << 20) / 4 * 3);
    }
    assert_int_equal(diags_with(t, "nothing sent to"), 0);
    assert_true(t->n_msgs > 0); /* it did read */
    assert_true(t->n_msgs < 2000);
    uv_close((uv_handle_t *)&sl.timer, slow_closed_cb);
    while (sl.t != NULL)
        uv_run(&t->loop, UV_RUN_ONCE);
    resume_reading(t);
    assert_true(run_until(t, have_msgs, 2000, WAIT_MS * 2));
    assert_int_equal(t->n_conns, 1);
    assert_int_equal(t->bad, 0);
    assert_int_equal(counters(t).written, 2000);
    assert_int_equal(counters(t).dropped, 0);
    tctx_free(t);
}

static void
flushed_cb(void *arg)
{
    (*(int *)arg)++;
}

static bool
flushed(struct tctx *t, size_t arg)
{
    (void)t;
    return *(int *)(uintptr_t)arg > 0;
}

/* Flush: waits for the queue while connected, at most a bounded time
 * while down; close while down is bounded and counts what it drops. */
static void
test_tcp_flush_and_close_bounded(void **state)
{
    struct tctx *t = tctx_new("tcp", NULL, 0);
    uint64_t start;
    int done = 0;

    (void)state;
    tcp_listen(t, 0);
    sink_open(t);
    assert_int_equal(send_n(t, 0, 300, 1000), 300);
    t->sink->ops->flush(t->sink, flushed_cb, &done);
    assert_true(run_until(t, flushed, (uintptr_t)&done, WAIT_MS));
    assert_int_equal(counters(t).written, 300); /* all out by then */
    assert_int_equal(counters(t).queued_bytes, 0);
    tcp_unlisten(t);
    run_until(t, never, 0, 100);
    assert_int_equal(send_n(t, 300, 5, 0), 5);
    done = 0;
    uv_update_time(&t->loop);
    start = uv_now(&t->loop);
    t->sink->ops->flush(t->sink, flushed_cb, &done);
    assert_true(run_until(t, flushed, (uintptr_t)&done, WAIT_MS));
    uv_update_time(&t->loop);
    assert_true(uv_now(&t->loop) - start >= 1500);
    assert_true(uv_now(&t->loop) - start < 4000);
    assert_int_equal(done, 1);
    assert_true(counters(t).queued_bytes > 0); /* still queued */
    assert_true(sink_close(t) < 1000);         /* one more attempt, refused */
    assert_int_equal(diags_with(t, "stopping with 5 records not sent"), 1);
    tctx_free(t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_address_parse),
        cmocka_unit_test(test_udp),
        cmocka_unit_test(test_udp_ipv6),
        cmocka_unit_test(test_tcp_name),
        cmocka_unit_test(test_udp_refused),
        cmocka_unit_test(test_tcp_octet_counting),
        cmocka_unit_test(test_tcp_lf),
        cmocka_unit_test(test_tcp_down_then_up),
        cmocka_unit_test(test_tcp_receiver_gone_and_back),
        cmocka_unit_test(test_tcp_closed_before_write),
        cmocka_unit_test(test_tcp_queue_full),
        cmocka_unit_test(test_tcp_reset_mid_write),
        cmocka_unit_test(test_tcp_stalled_receiver),
        cmocka_unit_test(test_tcp_slow_receiver),
        cmocka_unit_test(test_tcp_flush_and_close_bounded),
    };

    /* As the daemon (main.c): a write into a reset connection is EPIPE,
     * not the end of the process. */
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
