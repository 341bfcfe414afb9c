/*
 * test_src_syslog.c - the "syslog" source on a real libuv loop, with real
 * clients on loopback (127.0.0.1, ::1) and a unix datagram socket in a
 * temporary directory.
 *
 * The test sends with plain sockets between loop runs: write, run the loop
 * until the expected records arrived (or a timeout fails the test), check
 * the records, their peers and the counters.  Every test ends with
 * uv_loop_close() == 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "../../daemon/listen_fds.h"
#include "../../daemon/source.h"
#include "../../daemon/sources/sources.h"
#include "testutil.h"

#define RECS_MAX 64
#define TIMEOUT_MS 5000
#define PAUSE_MS 30
#define LISTEN_MAX 160

struct rec {
    char *data;
    size_t len;
    char peer[64];
};

struct tctx {
    uv_loop_t loop;
    uv_timer_t timeout;
    struct config_source cfg;
    struct source_env env;
    struct source *src;
    char listen[LISTEN_MAX];
    char *dir;
    struct rec recs[RECS_MAX];
    size_t n, want;
    bool timed_out, closed, activated;
    unsigned diags;
    char last[64];
};

static bool
emit_cb(void *ctx, struct source *src, const struct raw_record *rec)
{
    struct tctx *t = ctx;
    struct rec *r;

    (void)src;
    assert_true(strv_eq_cstr(rec->source, "net"));
    assert_true(rec->ref_time_us > 0);
    if (t->n >= RECS_MAX) { /* a burst: counted, the last one kept */
        t->n++;
        snprintf(t->last, sizeof(t->last), "%.*s", (int)rec->len, rec->data);
        if (t->want != 0 && t->n >= t->want)
            uv_stop(&t->loop);
        return false;
    }
    r = &t->recs[t->n++];
    r->data = malloc(rec->len + 1);
    assert_non_null(r->data);
    memcpy(r->data, rec->data, rec->len);
    r->data[rec->len] = '\0';
    r->len = rec->len;
    if (rec->peer.n > 0 && rec->peer.n < sizeof(r->peer))
        memcpy(r->peer, rec->peer.p, rec->peer.n);
    if (t->want != 0 && t->n >= t->want)
        uv_stop(&t->loop);
    return false;
}

static void
diag_cb(void *ctx, struct source *src, int prio, const char *msg)
{
    struct tctx *t = ctx;

    (void)src;
    (void)prio;
    t->diags++;
    if (strstr(msg, "socket from systemd") != NULL)
        t->activated = true;
}

static struct tctx *
tctx_new(const char *listen)
{
    struct tctx *t = calloc(1, sizeof(*t));

    assert_non_null(t);
    assert_int_equal(uv_loop_init(&t->loop), 0);
    uv_timer_init(&t->loop, &t->timeout);
    t->timeout.data = t;
    t->dir = test_tmpdir();
    assert_non_null(t->dir);
    if (strncmp(listen, "unix-dgram://", 13) == 0)
        snprintf(t->listen, sizeof(t->listen), "unix-dgram://%s/in.sock",
                 t->dir);
    else
        snprintf(t->listen, sizeof(t->listen), "%s", listen);
    t->cfg = (struct config_source){.name = "net",
                                    .type = "syslog",
                                    .listen = t->listen,
                                    .format = "auto",
                                    .max_message = 480,
                                    .idle_timeout = 3600,
                                    .max_clients = 8,
                                    .timezone = "UTC"};
    t->env = (struct source_env){.emit = emit_cb, .ctx = t, .diag = diag_cb};
    return t;
}

static void
src_open(struct tctx *t)
{
    assert_int_equal(src_syslog_ops.open(&t->loop, &t->cfg, &t->env, &t->src),
                     0);
}

static void
closed_cb(void *arg)
{
    ((struct tctx *)arg)->closed = true;
}

static void
src_close(struct tctx *t)
{
    t->closed = false;
    t->src->ops->close(t->src, closed_cb, t);
    while (!t->closed)
        uv_run(&t->loop, UV_RUN_ONCE);
    t->src = NULL;
}

static void
tctx_free(struct tctx *t)
{
    if (t->src != NULL)
        src_close(t);
    uv_close((uv_handle_t *)&t->timeout, NULL);
    uv_run(&t->loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&t->loop), 0);
    for (size_t i = 0; i < t->n && i < RECS_MAX; i++)
        free(t->recs[i].data);
    test_rmtree(t->dir);
    free(t->dir);
    free(t);
}

static void
stop_cb(uv_timer_t *tm)
{
    struct tctx *t = tm->data;

    t->timed_out = true;
    uv_stop(&t->loop);
}

/* Run until `want` records in all arrived; fails on timeout. */
static void
run_until(struct tctx *t, size_t want)
{
    if (t->n < want) {
        t->want = want;
        uv_timer_start(&t->timeout, stop_cb, TIMEOUT_MS, 0);
        uv_run(&t->loop, UV_RUN_DEFAULT);
        uv_timer_stop(&t->timeout);
        t->want = 0;
    }
    if (t->n < want)
        fail_msg("%zu records, want %zu", t->n, want);
}

/* Run the loop for ms milliseconds. */
static void
settle(struct tctx *t, unsigned ms)
{
    t->want = 0;
    uv_timer_start(&t->timeout, stop_cb, ms, 0);
    uv_run(&t->loop, UV_RUN_DEFAULT);
}

static void
expect_rec(struct tctx *t, size_t i, const char *want)
{
    assert_true(i < t->n);
    assert_int_equal(t->recs[i].len, strlen(want));
    assert_memory_equal(t->recs[i].data, want, strlen(want));
}

static struct src_syslog_counters
counters(struct tctx *t)
{
    struct src_syslog_counters c;

    src_syslog_counters_get(t->src, &c);
    return c;
}

/* A client socket connected to the source's address. */
static int
client(struct tctx *t, int type)
{
    struct sockaddr_storage ss;
    int fd;

    assert_int_equal(src_syslog_address(t->src, &ss), 0);
    fd = socket(ss.ss_family, type | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&ss,
                             ss.ss_family == AF_INET6
                                 ? sizeof(struct sockaddr_in6)
                                 : sizeof(struct sockaddr_in)),
                     0);
    return fd;
}

static void
send_str(int fd, const char *s, size_t n)
{
    assert_int_equal(send(fd, s, n, MSG_NOSIGNAL), (ssize_t)n);
}

#define SEND(fd, lit) send_str((fd), (lit), sizeof(lit) - 1)

/* ---- UDP -------------------------------------------------------------- */

static void
udp_datagrams(const char *listen, const char *peer)
{
    struct tctx *t = tctx_new(listen);
    char big[1000];
    int fd;

    src_open(t);
    fd = client(t, SOCK_DGRAM);
    SEND(fd, "<13>Mar 14 13:54:19 web01 sshd[1]: hello");
    /* an LF inside: still ONE record (RFC 5426 3.1) */
    SEND(fd, "<13>Mar 14 13:54:19 web01 sshd[2]: one\n"
             "Mar 14 13:54:19 forged sshd[3]: two");
    SEND(fd, "trailing lf\n");
    send_str(fd, "trailing nul\0", 13);
    memset(big, 'x', sizeof(big));
    send_str(fd, big, sizeof(big));
    SEND(fd, "last");
    run_until(t, 5);
    expect_rec(t, 0, "<13>Mar 14 13:54:19 web01 sshd[1]: hello");
    expect_rec(t, 1,
               "<13>Mar 14 13:54:19 web01 sshd[2]: one\n"
               "Mar 14 13:54:19 forged sshd[3]: two");
    expect_rec(t, 2, "trailing lf");
    expect_rec(t, 3, "trailing nul");
    assert_int_equal(t->recs[4].len, 480);
    run_until(t, 6);
    expect_rec(t, 5, "last");
    for (size_t i = 0; i < t->n; i++)
        assert_string_equal(t->recs[i].peer, peer);
    settle(t, PAUSE_MS);
    assert_int_equal(t->n, 6);
    assert_int_equal(counters(t).received, 6);
    assert_int_equal(counters(t).truncated, 1);
    assert_int_equal(counters(t).kernel_drops, 0);
    close(fd);
    tctx_free(t);
}

static void
test_udp4(void **state)
{
    udp_datagrams("udp://127.0.0.1:0", "127.0.0.1");
}

static void
test_udp6(void **state)
{
    udp_datagrams("udp://[::1]:0", "::1");
}

/* A burst sent while the loop does not run waits in the socket, then in
 * the source's queue: every datagram arrives, in order. */
static void
test_udp_burst(void **state)
{
    struct tctx *t = tctx_new("udp://127.0.0.1:0");
    char msg[32];
    int fd, n = 3000;

    src_open(t);
    fd = client(t, SOCK_DGRAM);
    for (int i = 0; i < n; i++) {
        int len = snprintf(msg, sizeof(msg), "burst %d", i);

        send_str(fd, msg, (size_t)len);
    }
    run_until(t, (size_t)n);
    expect_rec(t, 0, "burst 0");
    expect_rec(t, RECS_MAX - 1, "burst 63");
    assert_string_equal(t->last, "burst 2999");
    assert_int_equal(counters(t).kernel_drops, 0);
    assert_int_equal(counters(t).queue_drops, 0);
    close(fd);
    tctx_free(t);
}

/* ---- TCP -------------------------------------------------------------- */

/* Send each piece, letting the loop read it before the next. */
static void
send_pieces(struct tctx *t, int fd, const char *const *pieces)
{
    for (; *pieces != NULL; pieces++) {
        send_str(fd, *pieces, strlen(*pieces));
        settle(t, 5);
    }
}

static void
tcp_framing(const char *listen, const char *peer)
{
    struct tctx *t = tctx_new(listen);
    /* RFC 6587: octet counting and LF framing mixed on one connection,
     * cut inside counts, inside messages, between CR and LF. */
    static const char *const pieces[] = {
        "1",
        "1 hello w",
        "orld",
        "<13>first line\r",
        "\n<13>sec",
        "ond line\n2",
        "8 <13>Mar 14 13:54:19 h a: c\n",
        "d",
        "2024-03-14T13:54:19Z host app: digits then not a count\n",
        "5 a\nb c",
        "tail without lf",
        NULL,
    };
    int fd;

    src_open(t);
    fd = client(t, SOCK_STREAM);
    send_pieces(t, fd, pieces);
    run_until(t, 5);
    expect_rec(t, 0, "hello world");
    expect_rec(t, 1, "<13>first line");
    expect_rec(t, 2, "<13>second line");
    /* 28 octets, an LF inside */
    expect_rec(t, 3, "<13>Mar 14 13:54:19 h a: c\nd");
    expect_rec(t, 4, "2024-03-14T13:54:19Z host app: digits then not a count");
    run_until(t, 6);
    expect_rec(t, 5, "a\nb c"); /* a counted frame keeps its LF */
    close(fd);                  /* the last line ends with the stream */
    run_until(t, 7);
    expect_rec(t, 6, "tail without lf");
    for (size_t i = 0; i < t->n; i++)
        assert_string_equal(t->recs[i].peer, peer);
    assert_int_equal(counters(t).clients, 1);
    assert_int_equal(counters(t).truncated, 0);
    tctx_free(t);
}

static void
test_tcp4_framing(void **state)
{
    tcp_framing("tcp://127.0.0.1:0", "127.0.0.1");
}

static void
test_tcp6_framing(void **state)
{
    tcp_framing("tcp://[::1]:0", "::1");
}

/* Frames past max_message are cut once and the stream resyncs. */
static void
test_tcp_too_long(void **state)
{
    struct tctx *t = tctx_new("tcp://127.0.0.1:0");
    char big[700];
    int fd;

    src_open(t);
    fd = client(t, SOCK_STREAM);
    SEND(fd, "600 ");
    memset(big, 'c', 600);
    send_str(fd, big, 600);
    SEND(fd, "5 after");
    memset(big, 'l', sizeof(big));
    send_str(fd, big, 300);
    settle(t, 5);
    send_str(fd, big, 400);
    SEND(fd, "\nnext line\n");
    run_until(t, 4);
    assert_int_equal(t->recs[0].len, 480);
    assert_int_equal(t->recs[0].data[479], 'c');
    expect_rec(t, 1, "after");
    assert_int_equal(t->recs[2].len, 480);
    assert_int_equal(t->recs[2].data[0], 'l');
    expect_rec(t, 3, "next line");
    settle(t, PAUSE_MS);
    assert_int_equal(t->n, 4);
    assert_int_equal(counters(t).truncated, 2);
    close(fd);
    tctx_free(t);
}

/* Two clients with frames cut at the same time: each has its own. */
static void
test_tcp_two_clients(void **state)
{
    struct tctx *t = tctx_new("tcp://127.0.0.1:0");
    int a, b;

    src_open(t);
    a = client(t, SOCK_STREAM);
    b = client(t, SOCK_STREAM);
    SEND(a, "from a, par");
    SEND(b, "9 from b, ");
    settle(t, PAUSE_MS);
    SEND(b, "1from b, 2\n");
    SEND(a, "t one\nfrom a, 2\n");
    run_until(t, 4);
    settle(t, PAUSE_MS);
    assert_int_equal(t->n, 4);
    for (size_t i = 0, na = 0, nb = 0; i < t->n; i++) {
        if (t->recs[i].data[5] == 'a')
            expect_rec(t, i, na++ ? "from a, 2" : "from a, part one");
        else
            expect_rec(t, i, nb++ ? "from b, 2" : "from b, 1");
    }
    assert_int_equal(counters(t).clients, 2);
    close(a);
    close(b);
    tctx_free(t);
}

/* A silent client is closed after idle_timeout; its partial line is
 * flushed. */
static void
test_tcp_idle(void **state)
{
    struct tctx *t = tctx_new("tcp://127.0.0.1:0");
    char c;
    int fd;

    t->cfg.idle_timeout = 1;
    src_open(t);
    fd = client(t, SOCK_STREAM);
    SEND(fd, "partial");
    settle(t, 1500);
    assert_int_equal(counters(t).idle_closed, 1);
    expect_rec(t, 0, "partial");
    assert_int_equal(recv(fd, &c, 1, MSG_DONTWAIT), 0); /* closed: EOF */
    close(fd);
    tctx_free(t);
}

/* Past max_clients a connection is closed at once and counted. */
static void
test_tcp_max_clients(void **state)
{
    struct tctx *t = tctx_new("tcp://127.0.0.1:0");
    char c;
    int a, b;

    t->cfg.max_clients = 1;
    src_open(t);
    a = client(t, SOCK_STREAM);
    settle(t, PAUSE_MS);
    b = client(t, SOCK_STREAM);
    settle(t, PAUSE_MS);
    assert_int_equal(counters(t).refused, 1);
    assert_int_equal(counters(t).clients, 1);
    assert_int_equal(recv(b, &c, 1, MSG_DONTWAIT), 0);
    SEND(a, "still served\n");
    run_until(t, 1);
    expect_rec(t, 0, "still served");
    close(a);
    close(b);
    tctx_free(t);
}

/* ---- unix-dgram ------------------------------------------------------- */

static void
test_unix_dgram(void **state)
{
    struct tctx *t = tctx_new("unix-dgram://");
    const char *path = t->listen + strlen("unix-dgram://");
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    struct stat st;
    char big[600];
    int fd;

    /* a stale socket from an earlier run is replaced */
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    snprintf(un.sun_path, sizeof(un.sun_path), "%s", path);
    assert_int_equal(bind(fd, (struct sockaddr *)&un, sizeof(un)), 0);
    close(fd);
    src_open(t);
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISSOCK(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0660);
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&un, sizeof(un)), 0);
    /* OpenWEC's UnixDatagram output: one JSON event per datagram */
    SEND(fd,
         "{\"System\":{\"EventID\":4624},\"EventData\":{\"a\":\"b\\nc\"}}\n");
    memset(big, 'u', sizeof(big));
    send_str(fd, big, sizeof(big));
    SEND(fd, "two\nlines");
    run_until(t, 3);
    expect_rec(t, 0,
               "{\"System\":{\"EventID\":4624},\"EventData\":{\"a\":"
               "\"b\\nc\"}}");
    assert_int_equal(t->recs[1].len, 480);
    expect_rec(t, 2, "two\nlines");
    assert_string_equal(t->recs[0].peer, "");
    assert_int_equal(counters(t).truncated, 1);
    close(fd);
    src_close(t);
    assert_int_equal(stat(path, &st), -1); /* removed on close */
    tctx_free(t);
}

/* Something that is not a socket in the way is an error, kept. */
static void
test_unix_not_a_socket(void **state)
{
    struct tctx *t = tctx_new("unix-dgram://");
    const char *path = t->listen + strlen("unix-dgram://");
    struct stat st;
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(src_syslog_ops.open(&t->loop, &t->cfg, &t->env, &t->src),
                     -EEXIST);
    t->src = NULL;
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    tctx_free(t);
}

/* ---- activation, errors, config -------------------------------------- */

/* LISTEN_FDS (sd_listen_fds(3)): the inherited socket whose address
 * matches is used, and stays open for a reload after close; the other one
 * is closed as unused. */
static void
test_activation(void **state)
{
    struct sockaddr_in sin = {.sin_family = AF_INET};
    socklen_t len = sizeof(sin);
    char num[16], listen[64];
    struct tctx *t;
    int fd, other;

#ifndef HAVE_SYSTEMD
    skip(); /* no socket activation without libsystemd */
    return;
#endif
    if (fcntl(3, F_GETFD) >= 0 || fcntl(4, F_GETFD) >= 0) {
        skip(); /* fd 3 and 4 are taken (libuv keeps a pipe) */
        return;
    }
    /* fd 3: a TCP socket (no match), fd 4: the UDP socket to adopt */
    other = socket(AF_INET, SOCK_STREAM, 0);
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    assert_int_equal(other, 3);
    assert_int_equal(fd, 4);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
    snprintf(listen, sizeof(listen), "udp://127.0.0.1:%u", ntohs(sin.sin_port));
    snprintf(num, sizeof(num), "%ld", (long)getpid());
    setenv("LISTEN_PID", num, 1);
    setenv("LISTEN_FDS", "2", 1);
    assert_int_equal(listen_fds_init(), 2);
    t = tctx_new(listen);
    src_open(t);
    assert_true(t->activated);
    {
        int c = client(t, SOCK_DGRAM);

        SEND(c, "via systemd");
        run_until(t, 1);
        expect_rec(t, 0, "via systemd");
        close(c);
    }
    tctx_free(t);
    assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC); /* still open, CLOEXEC */
    listen_fds_close_unused();
    assert_true(fcntl(other, F_GETFD) < 0);
    assert_true(fcntl(fd, F_GETFD) >= 0);
    close(fd);
}

/* A port in use: open fails with the error and leaves nothing behind. */
static void
test_port_in_use(void **state)
{
    struct tctx *a = tctx_new("tcp://127.0.0.1:0"), *b;
    struct sockaddr_storage ss;
    char listen[64];

    src_open(a);
    assert_int_equal(src_syslog_address(a->src, &ss), 0);
    snprintf(listen, sizeof(listen), "tcp://127.0.0.1:%u",
             ntohs(((struct sockaddr_in *)&ss)->sin_port));
    b = tctx_new(listen);
    assert_int_equal(src_syslog_ops.open(&b->loop, &b->cfg, &b->env, &b->src),
                     UV_EADDRINUSE);
    b->src = NULL;
    tctx_free(b);
    tctx_free(a);
}

static void
test_listen_check(void **state)
{
    static const char *const good[] = {
        "udp://0.0.0.0:514",
        "udp://[::]:514",
        "tcp://127.0.0.1:6514",
        "tcp://[::1]:1",
        "unix-dgram:///run/openwec/out.sock",
        "udp://10.0.0.1:0",
    };
    static const char *const bad[] = {
        "udp://0.0.0.0",   "udp://:::514",       "udp://[::]514",
        "tcp://host:514",  "tcp://1.2.3.4:x",    "tcp://1.2.3.4:70000",
        "unix-dgram://a",  "unix:///run/x",      "udp://[1.2.3.4]:5",
        "udp://1.2.3:514", "udp://127.0.0.1:-1", "",
    };
    const char *why;

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_int_equal(src_syslog_listen_check(good[i], &why), 0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why = NULL;
        assert_int_equal(src_syslog_listen_check(bad[i], &why), -EINVAL);
        assert_non_null(why);
    }
}

static void
test_registry(void **state)
{
    assert_ptr_equal(source_type_find("syslog"), &src_syslog_ops);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        /* first: libuv's first loop takes fds 3 and 4 for good */
        cmocka_unit_test(test_activation),
        cmocka_unit_test(test_udp4),
        cmocka_unit_test(test_udp6),
        cmocka_unit_test(test_udp_burst),
        cmocka_unit_test(test_tcp4_framing),
        cmocka_unit_test(test_tcp6_framing),
        cmocka_unit_test(test_tcp_too_long),
        cmocka_unit_test(test_tcp_two_clients),
        cmocka_unit_test(test_tcp_idle),
        cmocka_unit_test(test_tcp_max_clients),
        cmocka_unit_test(test_unix_dgram),
        cmocka_unit_test(test_unix_not_a_socket),
        cmocka_unit_test(test_port_in_use),
        cmocka_unit_test(test_listen_check),
        cmocka_unit_test(test_registry),
    };

    /* descriptors inherited from the test runner are none of ours */
    close_range(3, ~0U, 0);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
