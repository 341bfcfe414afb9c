/*
 * syslog.c - the "syslog" source: a syslog listener on UDP, TCP or a unix
 * datagram socket (DESIGN 4).
 *
 *   listen: "udp://0.0.0.0:514", "tcp://[::]:514", "unix-dgram:///run/x.sock"
 *
 *   <38>Mar 14 13:54:19 web01 sshd[4242]: Accepted password for alice ...
 *
 * UDP (RFC 5426): one datagram is one message (RFC 5426 3.1), whatever it
 * holds: a datagram with an LF inside stays ONE record, so a sender cannot
 * forge a second event; one trailing NUL and one trailing LF are removed.
 * Datagrams are read in batches with recvmmsg(2) through libuv's
 * UV_UDP_RECVMMSG (one alloc of UDP_MMSG_SLOTS * 64 KiB, handed back to us
 * chunk by chunk), and the socket gets a large receive buffer
 * (UDP_RCVBUF; SO_RCVBUFFORCE first, which root may use past
 * net.core.rmem_max).  Datagrams wait in a bounded in-memory queue and
 * reach the pipeline a few per loop turn, between reads, so a burst faster
 * than the pipeline waits in memory instead of overflowing the socket.
 * The kernel's drop count for the socket is read from
 * /proc/self/net/udp{,6} (the "drops" column of the line with its inode;
 * /proc/net is hidden under systemd's ProcSubset=pid) and reported with
 * the other counters.
 *
 * TCP (RFC 6587): many concurrent clients, each a struct syslog_client
 * owning its uv_tcp_t (freed in the close callback).  Framing is decided
 * per message (RFC 6587 3.4): a frame starting with a digit followed by
 * more digits and a space is octet counting ("LEN SP MSG", 3.4.1), anything
 * else is LF-terminated (non-transparent framing, 3.4.2; a CR before the
 * LF is removed).  A frame longer than max_message is cut, emitted once and
 * counted; the rest of it is skipped: by its count, or up to the next LF.
 * Silent clients are closed after idle_timeout; connections past
 * max_clients are accepted and closed at once (counted as refused).
 *
 * unix-dgram: a unix datagram socket, what OpenWEC's UnixDatagram output
 * writes to: one datagram one record, as for UDP.  A stale socket file is
 * removed first (only a socket: anything else is an error), the new one
 * gets mode 0660 and is removed again on close.
 *
 * Socket activation (sd_listen_fds(3)): a socket systemd passed that is
 * named after the source (FileDescriptorName=) or bound where `listen`
 * says is used instead of binding (a copy: a reload adopts it again), so
 * sessiontail.socket can hold port 514 and the daemon needs no capability.
 * Matching and the passed-socket table live in ../listen_fds.c.
 *
 * Flow control: a socket cannot wait.  Records are always handed to the
 * pipeline; the sinks queue within their bound and count what they drop.
 * emit's congestion answer is only counted ("congested").
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "../../model/buf.h"
#include "../../model/mem.h"
#include "../listen_fds.h"
#include "../source.h"
#include "source_util.h"
#include "sources.h"

#define UDP_DGRAM_SLOT (64 * 1024)   /* libuv's recvmmsg chunk size */
#define UDP_MMSG_SLOTS 20            /* datagrams per recvmmsg (libuv's max) */
#define UDP_RCVBUF (4 * 1024 * 1024) /* wanted socket receive buffer */
#define TCP_READ_MAX (64 * 1024)     /* bytes per read of a client */
/* UDP datagrams wait in a queue of blocks between receive and pipeline */
#define UDP_QUEUE_BLOCK (1024 * 1024)
#define UDP_QUEUE_MAX (64 * 1024 * 1024) /* bytes queued; then dropped */
#define UDP_DRAIN_BATCH 16 /* records to the pipeline per loop turn */
#define TCP_BACKLOG 128
#define UNIX_BATCH_MAX 256 /* datagrams read per wakeup of a unix socket */
#define FRAME_DIGITS_MAX 9 /* octet count: at most 999,999,999 */
#define PEER_MAX INET6_ADDRSTRLEN
#define SUN_PATH_LEN (sizeof(((struct sockaddr_un *)0)->sun_path))
#define SWEEP_MS_MAX 1000 /* idle check interval, at most */
#define SWEEP_MS_MIN 50   /* and at least */
#define PROC_LINE_MAX 512 /* a line of /proc/net/udp */
#define US_PER_S 1000000
#define MS_PER_S 1000

#define container_of(ptr, type, member)                                        \
    ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

enum listen_kind {
    LISTEN_UDP,
    LISTEN_TCP,
    LISTEN_UNIX_DGRAM,
};

/* A parsed `listen` value. */
struct listen_addr {
    enum listen_kind kind;
    struct sockaddr_storage ss; /* udp, tcp */
    socklen_t sslen;
    char path[SUN_PATH_LEN]; /* unix-dgram */
};

/* Where a TCP client is in its current frame (RFC 6587 3.4). */
enum frame_state {
    FRAME_START,       /* before the first byte of a frame */
    FRAME_COUNT,       /* reading the digits of an octet count */
    FRAME_OCTETS,      /* reading `remain` counted octets */
    FRAME_LINE,        /* reading up to LF */
    FRAME_SKIP_OCTETS, /* a cut counted frame: dropping `remain` octets */
    FRAME_SKIP_LINE,   /* a cut line: dropping up to LF */
};

struct src_syslog;

/*
 * A block of the UDP queue: records back to back, each a struct qhdr, the
 * peer text and the message.  Owned by the source.
 */
struct qblock {
    struct qblock *next;
    size_t head, fill;
    char data[UDP_QUEUE_BLOCK];
};

struct qhdr {
    uint32_t len;
    uint8_t peer_len;
    bool cut; /* truncated */
};

/*
 * One TCP client.  Owned by its source (list), freed in the close callback
 * of `tcp`; `pend` (the frame being assembled) is owned.
 */
struct syslog_client {
    uv_tcp_t tcp;
    struct src_syslog *src;
    struct syslog_client *prev, *next;
    uint64_t last_ms; /* uv_now() of the last read */
    char peer[PEER_MAX];
    size_t peer_len;
    char *pend;
    size_t pend_len, pend_cap;
    enum frame_state state;
    uint64_t remain; /* octets of the counted frame still to come */
    unsigned digits;
    bool closing;
};

/* The source.  Owns its handles, clients and read buffer. */
struct src_syslog {
    struct source base;
    uv_loop_t *loop;
    struct source_env env;
    struct listen_addr addr;
    size_t max_message;
    uint64_t idle_ms; /* 0: never */
    size_t max_clients;
    struct source_tz tz;
    uv_udp_t udp;
    uv_tcp_t tcp;
    uv_poll_t poll;
    uv_timer_t sweep;
    uv_idle_t drain; /* UDP: feeds the queue to the pipeline */
    bool udp_init, tcp_init, poll_init, sweep_init, drain_init, draining;
    struct qblock *q_head, *q_tail, *q_spare; /* owned */
    size_t q_blocks;
    int unix_fd;
    bool unlink_path; /* we created addr.path */
    bool activated;
    char *rbuf; /* owned; read buffer of every handle */
    size_t rbuf_cap;
    struct syslog_client *clients;
    size_t n_clients;
    unsigned long sock_ino; /* UDP: to find the socket in /proc/net/udp */
    uint64_t kdrops_base;
    struct sockaddr_storage last_sa; /* UDP: peer text cache */
    char last_peer[PEER_MAX];
    size_t last_peer_len;
    bool said_recv_err, said_trunc;
    struct src_syslog_counters c;
    unsigned handles; /* initialised uv handles (clients too) not closed */
    bool closing;
    void (*done_cb)(void *arg);
    void *done_arg;
};

/* ---- small helpers ---------------------------------------------------- */

/* The address of sa as text (no port) into dst; its length, 0 if unknown. */
static size_t
peer_text(const struct sockaddr *sa, char *dst, size_t dstlen)
{
    const void *a;

    if (sa->sa_family == AF_INET)
        a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
    else if (sa->sa_family == AF_INET6)
        a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
    else
        return 0;
    if (inet_ntop(sa->sa_family, a, dst, (socklen_t)dstlen) == NULL)
        return 0;
    return strlen(dst);
}

static socklen_t
sockaddr_len(const struct sockaddr *sa)
{
    return sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                     : sizeof(struct sockaddr_in);
}

/* ---- listen addresses ------------------------------------------------- */

/* "1".."65535" (0 too: any free port, for tests) into *ret. */
static int
parse_port(const char *p, uint16_t *ret)
{
    unsigned long v = 0;

    if (*p == '\0' || strlen(p) > 5)
        return -EINVAL;
    for (; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return -EINVAL;
        v = v * 10 + (unsigned long)(*p - '0');
    }
    if (v > UINT16_MAX)
        return -EINVAL;
    *ret = (uint16_t)v;
    return 0;
}

/* HOST:PORT with HOST a numeric IPv4 address or [IPv6]. */
static int
parse_inet(const char *hp, struct listen_addr *a, const char **ret_why)
{
    char host[INET6_ADDRSTRLEN + 1];
    const char *colon, *hs = hp, *he;
    uint16_t port;

    if (hp[0] == '[') {
        hs = hp + 1;
        he = strchr(hs, ']');
        if (he == NULL || he[1] != ':') {
            *ret_why = "expected [IPV6]:PORT after the scheme";
            return -EINVAL;
        }
        colon = he + 1;
    } else {
        colon = strrchr(hp, ':');
        if (colon == NULL) {
            *ret_why = "expected HOST:PORT after the scheme";
            return -EINVAL;
        }
        he = colon;
        if (memchr(hp, ':', (size_t)(colon - hp)) != NULL) {
            *ret_why = "an IPv6 address goes in brackets: udp://[::]:514";
            return -EINVAL;
        }
    }
    if (parse_port(colon + 1, &port) < 0) {
        *ret_why = "expected a port number 0-65535 after the last ':'";
        return -EINVAL;
    }
    if ((size_t)(he - hs) == 0 || (size_t)(he - hs) >= sizeof(host)) {
        *ret_why = "expected a numeric IPv4 address or [IPv6] address";
        return -EINVAL;
    }
    memcpy(host, hs, (size_t)(he - hs));
    host[he - hs] = '\0';
    memset(&a->ss, 0, sizeof(a->ss));
    if (hp[0] != '[' &&
        uv_ip4_addr(host, port, (struct sockaddr_in *)&a->ss) == 0) {
        a->sslen = sizeof(struct sockaddr_in);
        return 0;
    }
    if (hp[0] == '[' &&
        uv_ip6_addr(host, port, (struct sockaddr_in6 *)&a->ss) == 0) {
        a->sslen = sizeof(struct sockaddr_in6);
        return 0;
    }
    *ret_why = "expected a numeric IPv4 address or [IPv6] address (names "
               "are not resolved)";
    return -EINVAL;
}

/* Parse `listen`: 0 and *a, or -EINVAL and a static reason. */
static int
listen_parse(const char *s, struct listen_addr *a, const char **ret_why)
{
    static const char udp[] = "udp://", tcp[] = "tcp://",
                      unx[] = "unix-dgram://";
    size_t n;

    memset(a, 0, sizeof(*a));
    if (strncmp(s, udp, sizeof(udp) - 1) == 0) {
        a->kind = LISTEN_UDP;
        return parse_inet(s + sizeof(udp) - 1, a, ret_why);
    }
    if (strncmp(s, tcp, sizeof(tcp) - 1) == 0) {
        a->kind = LISTEN_TCP;
        return parse_inet(s + sizeof(tcp) - 1, a, ret_why);
    }
    if (strncmp(s, unx, sizeof(unx) - 1) == 0) {
        a->kind = LISTEN_UNIX_DGRAM;
        s += sizeof(unx) - 1;
        n = strlen(s);
        if (s[0] != '/' || n >= SUN_PATH_LEN) {
            *ret_why = "expected unix-dgram:///absolute/path (at most 107 "
                       "bytes)";
            return -EINVAL;
        }
        memcpy(a->path, s, n + 1);
        return 0;
    }
    *ret_why = "expected udp://HOST:PORT, tcp://HOST:PORT or "
               "unix-dgram:///path";
    return -EINVAL;
}

/*
 * Check a `listen` value for the config loader: 0, or -EINVAL and a
 * static reason in *ret_why.  Pure; nothing is resolved or bound.
 */
int
src_syslog_listen_check(const char *s, const char **ret_why)
{
    struct listen_addr a;

    return listen_parse(s, &a, ret_why);
}

/* ---- socket activation (sd_listen_fds(3)) ----------------------------- */

/* The socket systemd passed for this listener (listen_fds.h): a copy that
 * the source owns, or -ENOENT. */
static int
activation_adopt(const struct src_syslog *s)
{
    const struct listen_addr *a = &s->addr;
    struct sockaddr_un un = {.sun_family = AF_UNIX};

    if (a->kind != LISTEN_UNIX_DGRAM)
        return listen_fds_take(s->base.cfg->name,
                               a->kind == LISTEN_TCP ? SOCK_STREAM : SOCK_DGRAM,
                               (const struct sockaddr *)&a->ss);
    memcpy(un.sun_path, a->path, sizeof(un.sun_path));
    return listen_fds_take(s->base.cfg->name, SOCK_DGRAM,
                           (const struct sockaddr *)&un);
}

/* ---- records ---------------------------------------------------------- */

/* Hand one message to the pipeline; borrowed for the call. */
static void
src_emit(struct src_syslog *s, const char *p, size_t n, bool cut,
         const char *peer, size_t peer_len)
{
    struct raw_record rec = {
        .kind = RECORD_TEXT,
        .data = p,
        .len = n,
        .source = strv_from_cstr(s->base.cfg->name),
        .ref_time_us = source_now_us(),
        .peer = peer_len > 0 ? strv_make(peer, peer_len) : STRV_NULL,
        .truncated = cut,
    };

    rec.tz_offset_s = source_tz_offset(&s->tz, rec.ref_time_us);
    s->c.received++;
    s->c.bytes += n;
    if (s->env.emit(s->env.ctx, &s->base, &rec))
        s->c.congested++;
}

static void
src_say_truncated(struct src_syslog *s)
{
    s->c.truncated++;
    if (s->said_trunc)
        return;
    s->said_trunc = true;
    source_diagf(&s->env, &s->base, LOG_WARNING,
                 "message longer than %zu bytes truncated (reported once)",
                 s->max_message);
}

/*
 * One datagram (UDP, unix-dgram) = one record (RFC 5426 3.1): one trailing
 * NUL and one trailing LF are removed, nothing is split; longer than
 * max_message (or cut by the kernel: `*cut` on entry) is truncated, counted
 * and marked (*cut), so it is not parsed.
 */
static size_t
datagram_trim(struct src_syslog *s, const char *p, size_t n, bool *cut)
{
    if (n > 0 && p[n - 1] == '\0')
        n--;
    if (n > 0 && p[n - 1] == '\n')
        n--;
    if (n > s->max_message) {
        n = s->max_message;
        *cut = true;
    }
    if (*cut)
        src_say_truncated(s);
    if (n == 0)
        s->c.empty++;
    return n;
}

static void
src_datagram(struct src_syslog *s, const char *p, size_t n, bool cut,
             const char *peer, size_t peer_len)
{
    n = datagram_trim(s, p, n, &cut);
    if (n > 0)
        src_emit(s, p, n, cut, peer, peer_len);
}

/* ---- UDP (RFC 5426) --------------------------------------------------- */

/*
 * The pipeline takes a few microseconds per record, more than a datagram
 * takes to arrive in a burst; a kernel buffer of UDP_RCVBUF holds only some
 * thousand of them.  So the loop reads every datagram as it comes into a
 * queue (a copy, well under a microsecond) and feeds the pipeline from the
 * queue UDP_DRAIN_BATCH records per loop turn, between reads: a burst
 * waits in the queue (up to UDP_QUEUE_MAX bytes, then counted as dropped)
 * instead of overflowing the socket.
 */

static struct qblock *
qblock_new(struct src_syslog *s)
{
    struct qblock *b = s->q_spare;

    if (s->q_blocks >= UDP_QUEUE_MAX / UDP_QUEUE_BLOCK)
        return NULL;
    if (b != NULL)
        s->q_spare = NULL;
    else if ((b = mem_malloc(sizeof(*b))) == NULL)
        return NULL;
    b->next = NULL;
    b->head = b->fill = 0;
    if (s->q_tail != NULL)
        s->q_tail->next = b;
    else
        s->q_head = b;
    s->q_tail = b;
    s->q_blocks++;
    return b;
}

static bool
queue_empty(const struct src_syslog *s)
{
    return s->q_head == NULL ||
           (s->q_head == s->q_tail && s->q_head->head == s->q_head->fill);
}

static void drain_cb(uv_idle_t *h);

static void
udp_enqueue(struct src_syslog *s, const char *p, size_t n, bool cut,
            const char *peer, size_t peer_len)
{
    struct qhdr h = {
        .len = (uint32_t)n, .peer_len = (uint8_t)peer_len, .cut = cut};
    size_t need = sizeof(h) + peer_len + n;
    struct qblock *b = s->q_tail;

    if (b == NULL || b->fill + need > UDP_QUEUE_BLOCK) {
        b = qblock_new(s);
        if (b == NULL) {
            s->c.queue_drops++;
            return;
        }
    }
    memcpy(b->data + b->fill, &h, sizeof(h));
    memcpy(b->data + b->fill + sizeof(h), peer, peer_len);
    memcpy(b->data + b->fill + sizeof(h) + peer_len, p, n);
    b->fill += need;
    if (!s->draining && !s->closing) {
        uv_idle_start(&s->drain, drain_cb);
        s->draining = true;
    }
}

/* Hand up to `max` queued records to the pipeline. */
static void
udp_drain(struct src_syslog *s, size_t max)
{
    for (size_t k = 0; k < max && s->q_head != NULL;) {
        struct qblock *b = s->q_head;
        struct qhdr h;
        const char *peer;

        if (b->head == b->fill) {
            if (b == s->q_tail) {
                b->head = b->fill = 0;
                return;
            }
            s->q_head = b->next;
            s->q_blocks--;
            if (s->q_spare == NULL)
                s->q_spare = b;
            else
                mem_free(b);
            continue;
        }
        memcpy(&h, b->data + b->head, sizeof(h));
        peer = b->data + b->head + sizeof(h);
        b->head += sizeof(h) + h.peer_len + h.len;
        src_emit(s, peer + h.peer_len, h.len, h.cut, peer, h.peer_len);
        k++;
    }
}

static void
drain_cb(uv_idle_t *h)
{
    struct src_syslog *s = container_of(h, struct src_syslog, drain);

    udp_drain(s, UDP_DRAIN_BATCH);
    if (queue_empty(s)) {
        uv_idle_stop(h);
        s->draining = false;
    }
}

static void
udp_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct src_syslog *s = container_of(h, struct src_syslog, udp);

    (void)suggested;
    /* One buffer for every receive: libuv reads into it and hands it back
     * (chunk by chunk with recvmmsg) before it asks again. */
    *buf = uv_buf_init(s->rbuf, (unsigned)s->rbuf_cap);
}

static void
udp_recv_cb(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf,
            const struct sockaddr *addr, unsigned flags)
{
    struct src_syslog *s = container_of(h, struct src_syslog, udp);
    size_t n;
    bool cut = (flags & UV_UDP_PARTIAL) != 0;

    if (flags & UV_UDP_MMSG_FREE)
        return; /* the end of a batch: the buffer is ours and kept */
    if (nread < 0) {
        s->c.errors++;
        if (!s->said_recv_err)
            source_diagf(&s->env, &s->base, LOG_WARNING,
                         "receive failed: %s (reported once)",
                         uv_strerror((int)nread));
        s->said_recv_err = true;
        return;
    }
    if (addr == NULL)
        return; /* nothing more to read */
    if (memcmp(addr, &s->last_sa, sockaddr_len(addr)) != 0) {
        memcpy(&s->last_sa, addr, sockaddr_len(addr));
        s->last_peer_len = peer_text(addr, s->last_peer, sizeof(s->last_peer));
    }
    n = datagram_trim(s, buf->base, (size_t)nread, &cut);
    if (n > 0)
        udp_enqueue(s, buf->base, n, cut, s->last_peer, s->last_peer_len);
}

/* Ask for UDP_RCVBUF; root may pass net.core.rmem_max (SO_RCVBUFFORCE).
 * A passed socket may have it already (ReceiveBuffer= in the socket unit,
 * set by systemd as root): asking again without the privilege would cut
 * it down to rmem_max. */
static void
set_rcvbuf(struct src_syslog *s, int fd)
{
    int want = UDP_RCVBUF, got = 0;
    socklen_t len = sizeof(got);

    /* Linux reports twice the size asked for (socket(7)) */
    if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len) == 0 &&
        got / 2 >= want)
        return;
    len = sizeof(got);
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof(want)) < 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof(want));
    if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len) == 0 &&
        got < want) /* Linux reports twice the size asked for */
        source_diagf(&s->env, &s->base, LOG_WARNING,
                     "receive buffer is %d bytes, not %d: raise "
                     "net.core.rmem_max, or expect losses in bursts",
                     got / 2, want);
}

/*
 * The kernel's drops for the socket with inode `ino` (the last column of
 * its /proc/net/udp or udp6 line), or 0 when it cannot be read.
 */
static uint64_t
kernel_drops(unsigned long ino)
{
    static const char *const files[] = {"/proc/self/net/udp",
                                        "/proc/self/net/udp6"};
    char line[PROC_LINE_MAX];

    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]) && ino != 0; i++) {
        FILE *f = fopen(files[i], "re");

        if (f == NULL)
            continue;
        while (fgets(line, sizeof(line), f) != NULL) {
            unsigned long inode;
            unsigned long long drops;
            char *last;

            if (sscanf(line, "%*s %*s %*s %*s %*s %*s %*s %*s %*s %lu",
                       &inode) != 1 ||
                inode != ino)
                continue;
            /* the last column; the line ends in spaces and LF */
            last = line + strlen(line);
            while (last > line && (last[-1] == ' ' || last[-1] == '\n'))
                last--;
            *last = '\0';
            last = strrchr(line, ' ');
            fclose(f);
            if (last == NULL || sscanf(last, "%llu", &drops) != 1)
                return 0;
            return drops;
        }
        fclose(f);
    }
    return 0;
}

static void handle_close_cb(uv_handle_t *h);

static int
udp_start(struct src_syslog *s, int fd)
{
    struct stat st;
    uv_os_fd_t ufd;
    int r;

    uv_idle_init(s->loop, &s->drain);
    s->drain_init = true;
    s->handles++;
    r = uv_udp_init_ex(s->loop, &s->udp, AF_UNSPEC | UV_UDP_RECVMMSG);
    if (r < 0)
        return r;
    s->udp_init = true;
    s->handles++;
    if (fd >= 0 && (r = uv_udp_open(&s->udp, fd)) < 0)
        close(fd); /* not the handle's: ours to close */
    if (fd < 0)
        r = uv_udp_bind(&s->udp, (const struct sockaddr *)&s->addr.ss, 0);
    if (r < 0)
        return r;
    if (uv_fileno((uv_handle_t *)&s->udp, &ufd) == 0) {
        set_rcvbuf(s, ufd);
        if (fstat(ufd, &st) == 0)
            s->sock_ino = (unsigned long)st.st_ino;
    }
    s->kdrops_base = kernel_drops(s->sock_ino);
    s->rbuf_cap = (size_t)UDP_MMSG_SLOTS * UDP_DGRAM_SLOT;
    s->rbuf = mem_malloc(s->rbuf_cap);
    if (s->rbuf == NULL)
        return -ENOMEM;
    return uv_udp_recv_start(&s->udp, udp_alloc_cb, udp_recv_cb);
}

/* ---- TCP (RFC 6587) --------------------------------------------------- */

/* Append to the frame being assembled (bounded by max_message). */
static int
client_append(struct syslog_client *c, const char *p, size_t n)
{
    size_t need = c->pend_len + n;

    if (need > c->pend_cap) {
        size_t cap = c->pend_cap ? c->pend_cap : 256;
        char *b;

        while (cap < need)
            cap *= 2;
        if (cap > c->src->max_message)
            cap = c->src->max_message;
        b = mem_realloc(c->pend, cap);
        if (b == NULL)
            return -ENOMEM;
        c->pend = b;
        c->pend_cap = cap;
    }
    memcpy(c->pend + c->pend_len, p, n);
    c->pend_len += n;
    return 0;
}

/* Emit the assembled frame (a CR before a removed LF goes too). */
static void
client_emit(struct syslog_client *c, bool line, bool cut)
{
    size_t n = c->pend_len;

    if (line && n > 0 && c->pend[n - 1] == '\r')
        n--;
    if (!line && n > 0 && c->pend[n - 1] == '\n')
        n--;
    if (n > 0)
        src_emit(c->src, c->pend, n, cut, c->peer, c->peer_len);
    else
        c->src->c.empty++;
    c->pend_len = 0;
}

/* Keep up to `avail` bytes of the frame, never more than max_message in
 * all; returns how many were kept (fewer: the frame is too long). */
static size_t
client_keep(struct syslog_client *c, const char *p, size_t avail)
{
    size_t room = c->src->max_message - c->pend_len;
    size_t n = avail < room ? avail : room;

    if (n > 0 && client_append(c, p, n) < 0) {
        c->src->c.errors++;
        return 0; /* no memory: cut here */
    }
    return n;
}

/* Octet counting, RFC 6587 3.4.1: "LEN SP MSG".  Consumes bytes. */
static size_t
feed_count(struct syslog_client *c, const char *p, size_t n)
{
    size_t i = 0;

    while (i < n && p[i] >= '0' && p[i] <= '9' &&
           c->digits < FRAME_DIGITS_MAX) {
        c->remain = c->remain * 10 + (uint64_t)(p[i] - '0');
        c->digits++;
        i++;
    }
    if (client_append(c, p, i) < 0)
        c->src->c.errors++;
    if (i == n)
        return i; /* more digits may come */
    if (p[i] == ' ') {
        c->pend_len = 0;
        c->state = c->remain > 0 ? FRAME_OCTETS : FRAME_START;
        return i + 1;
    }
    /* Not a count after all (a time such as 2024-03-14T...): the digits
     * start an LF-terminated frame (RFC 6587 3.4.2). */
    c->state = FRAME_LINE;
    return i;
}

static size_t
feed_octets(struct syslog_client *c, const char *p, size_t n)
{
    size_t take = c->remain < n ? (size_t)c->remain : n;
    size_t kept = client_keep(c, p, take);

    c->remain -= take;
    if (kept < take) {
        /* too long: its head now, the rest is skipped by its count */
        src_say_truncated(c->src);
        client_emit(c, false, true);
        c->state = c->remain > 0 ? FRAME_SKIP_OCTETS : FRAME_START;
    } else if (c->remain == 0) {
        client_emit(c, false, false);
        c->state = FRAME_START;
    }
    return take;
}

/* LF framing, RFC 6587 3.4.2.  Consumes bytes. */
static size_t
feed_line(struct syslog_client *c, const char *p, size_t n)
{
    const char *lf = memchr(p, '\n', n);
    size_t seg = lf != NULL ? (size_t)(lf - p) : n;
    size_t kept = client_keep(c, p, seg);

    if (kept < seg) {
        /* too long: its head now, the rest is skipped up to the LF */
        src_say_truncated(c->src);
        client_emit(c, true, true);
        c->state = lf != NULL ? FRAME_START : FRAME_SKIP_LINE;
        return lf != NULL ? seg + 1 : n;
    }
    if (lf == NULL)
        return n;
    client_emit(c, true, false);
    c->state = FRAME_START;
    return seg + 1;
}

/* Feed received bytes through the framing state machine. */
static void
client_feed(struct syslog_client *c, const char *p, size_t n)
{
    size_t i = 0;

    while (i < n && !c->closing) {
        const char *lf;

        switch (c->state) {
        case FRAME_START:
            if (p[i] == '\n' || p[i] == '\r' || p[i] == '\0') {
                i++; /* an empty frame between frames */
                break;
            }
            c->remain = 0;
            c->digits = 0;
            c->pend_len = 0;
            c->state = p[i] >= '1' && p[i] <= '9' ? FRAME_COUNT : FRAME_LINE;
            break;
        case FRAME_COUNT:
            i += feed_count(c, p + i, n - i);
            break;
        case FRAME_OCTETS:
            i += feed_octets(c, p + i, n - i);
            break;
        case FRAME_LINE:
            i += feed_line(c, p + i, n - i);
            break;
        case FRAME_SKIP_OCTETS: {
            size_t skip = c->remain < n - i ? (size_t)c->remain : n - i;

            c->remain -= skip;
            i += skip;
            if (c->remain == 0)
                c->state = FRAME_START;
            break;
        }
        case FRAME_SKIP_LINE:
            lf = memchr(p + i, '\n', n - i);
            i = lf != NULL ? (size_t)(lf - p) + 1 : n;
            if (lf != NULL)
                c->state = FRAME_START;
            break;
        }
    }
}

/* At end of stream: a last line without LF is a message; an incomplete
 * counted frame is emitted as far as it came, and counted as truncated. */
static void
client_flush(struct syslog_client *c)
{
    if (c->state == FRAME_LINE && c->pend_len > 0) {
        client_emit(c, true, false);
    } else if (c->state == FRAME_OCTETS || c->state == FRAME_COUNT) {
        if (c->pend_len > 0) {
            src_say_truncated(c->src);
            client_emit(c, false, true);
        }
    }
    c->state = FRAME_START;
}

static void
client_close_cb(uv_handle_t *h)
{
    struct syslog_client *c = container_of(h, struct syslog_client, tcp);
    struct src_syslog *s = c->src;

    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        s->clients = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    s->n_clients--;
    mem_free(c->pend);
    mem_free(c);
    handle_close_cb((uv_handle_t *)&s->tcp);
}

static void
client_close(struct syslog_client *c)
{
    if (c->closing)
        return;
    c->closing = true;
    uv_close((uv_handle_t *)&c->tcp, client_close_cb);
}

static void
client_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct syslog_client *c = container_of(h, struct syslog_client, tcp);

    (void)suggested;
    /* Shared by every client: each read is framed before the next. */
    *buf = uv_buf_init(c->src->rbuf, (unsigned)c->src->rbuf_cap);
}

static void
client_read_cb(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
    struct syslog_client *c = container_of(st, struct syslog_client, tcp);

    if (nread > 0) {
        c->last_ms = uv_now(c->src->loop);
        client_feed(c, buf->base, (size_t)nread);
        return;
    }
    if (nread == 0)
        return;
    if (nread != UV_EOF)
        c->src->c.errors++;
    client_flush(c);
    client_close(c);
}

static void
server_conn_cb(uv_stream_t *server, int status)
{
    struct src_syslog *s = container_of(server, struct src_syslog, tcp);
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    struct syslog_client *c;

    if (status < 0 || s->closing) {
        s->c.errors++;
        return;
    }
    /* Without memory the connection waits in the backlog. */
    c = mem_calloc(1, sizeof(*c));
    if (c == NULL) {
        s->c.errors++;
        return;
    }
    c->src = s;
    uv_tcp_init(s->loop, &c->tcp);
    s->handles++;
    s->n_clients++;
    c->next = s->clients;
    if (s->clients != NULL)
        s->clients->prev = c;
    s->clients = c;
    c->last_ms = uv_now(s->loop);
    if (uv_accept(server, (uv_stream_t *)&c->tcp) < 0) {
        s->c.errors++;
        client_close(c);
        return;
    }
    if (s->n_clients > s->max_clients) {
        s->c.refused++;
        client_close(c);
        return;
    }
    s->c.clients++;
    memset(&ss, 0, sizeof(ss));
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0)
        c->peer_len =
            peer_text((struct sockaddr *)&ss, c->peer, sizeof(c->peer));
    if (uv_read_start((uv_stream_t *)&c->tcp, client_alloc_cb, client_read_cb) <
        0)
        client_close(c);
}

/* Close the clients silent for idle_timeout. */
static void
sweep_cb(uv_timer_t *t)
{
    struct src_syslog *s = container_of(t, struct src_syslog, sweep);
    uint64_t now = uv_now(s->loop);

    for (struct syslog_client *c = s->clients; c != NULL; c = c->next)
        if (!c->closing && now - c->last_ms >= s->idle_ms) {
            s->c.idle_closed++;
            client_flush(c);
            client_close(c);
        }
}

static int
tcp_start(struct src_syslog *s, int fd)
{
    int r = uv_tcp_init(s->loop, &s->tcp);

    if (r < 0)
        return r;
    s->tcp_init = true;
    s->handles++;
    if (fd >= 0 && (r = uv_tcp_open(&s->tcp, fd)) < 0)
        close(fd); /* not the handle's: ours to close */
    if (fd < 0)
        r = uv_tcp_bind(&s->tcp, (const struct sockaddr *)&s->addr.ss, 0);
    if (r < 0)
        return r;
    s->rbuf_cap = TCP_READ_MAX;
    s->rbuf = mem_malloc(s->rbuf_cap);
    if (s->rbuf == NULL)
        return -ENOMEM;
    r = uv_listen((uv_stream_t *)&s->tcp, TCP_BACKLOG, server_conn_cb);
    if (r < 0 || s->idle_ms == 0)
        return r;
    uv_timer_init(s->loop, &s->sweep);
    s->sweep_init = true;
    s->handles++;
    {
        uint64_t every = s->idle_ms / 4;

        if (every > SWEEP_MS_MAX)
            every = SWEEP_MS_MAX;
        if (every < SWEEP_MS_MIN)
            every = SWEEP_MS_MIN;
        uv_timer_start(&s->sweep, sweep_cb, every, every);
    }
    return 0;
}

/* ---- unix datagram socket (OpenWEC UnixDatagram) ---------------------- */

static void
unix_poll_cb(uv_poll_t *h, int status, int events)
{
    struct src_syslog *s = container_of(h, struct src_syslog, poll);

    (void)events;
    if (status < 0) {
        s->c.errors++;
        return;
    }
    for (int k = 0; k < UNIX_BATCH_MAX && !s->closing; k++) {
        struct sockaddr_un from;
        socklen_t flen = sizeof(from);
        ssize_t n;
        size_t plen = 0;

        memset(&from, 0, sizeof(from));
        /* MSG_TRUNC: the real length, also of a datagram cut to fit */
        n = recvfrom(s->unix_fd, s->rbuf, s->rbuf_cap, MSG_TRUNC,
                     (struct sockaddr *)&from, &flen);
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                s->c.errors++;
            return;
        }
        if (flen > offsetof(struct sockaddr_un, sun_path) &&
            from.sun_path[0] != '\0')
            plen = strnlen(from.sun_path, sizeof(from.sun_path) - 1);
        src_datagram(s, s->rbuf,
                     (size_t)n < s->rbuf_cap ? (size_t)n : s->rbuf_cap,
                     (size_t)n > s->rbuf_cap, from.sun_path, plen);
    }
}

/* A new socket at addr.path: a stale socket there is removed first. */
static int
unix_bind(struct src_syslog *s)
{
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    struct stat st;
    int fd;

    if (lstat(s->addr.path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return -EEXIST;
        if (unlink(s->addr.path) < 0)
            return -errno;
    }
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    memcpy(un.sun_path, s->addr.path, strlen(s->addr.path) + 1);
    if (bind(fd, (struct sockaddr *)&un, sizeof(un)) < 0 ||
        chmod(s->addr.path, 0660) < 0) {
        int e = -errno;

        close(fd);
        return e;
    }
    s->unlink_path = true;
    return fd;
}

static int
unix_start(struct src_syslog *s, int fd)
{
    int r;

    if (fd < 0) {
        fd = unix_bind(s);
        if (fd < 0)
            return fd;
    } else {
        int fl = fcntl(fd, F_GETFL);

        if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
            r = -errno;
            close(fd);
            return r;
        }
    }
    s->unix_fd = fd;
    set_rcvbuf(s, fd);
    s->rbuf_cap = s->max_message + 2; /* room for a trailing LF and NUL */
    s->rbuf = mem_malloc(s->rbuf_cap);
    if (s->rbuf == NULL)
        return -ENOMEM;
    r = uv_poll_init(s->loop, &s->poll, fd);
    if (r < 0)
        return r;
    s->poll_init = true;
    s->handles++;
    return uv_poll_start(&s->poll, UV_READABLE, unix_poll_cb);
}

/* ---- the ops ---------------------------------------------------------- */

static void
src_maybe_free(struct src_syslog *s)
{
    void (*done_cb)(void *arg);
    void *arg;

    if (!s->closing || s->handles > 0)
        return;
    if (s->unix_fd >= 0)
        close(s->unix_fd);
    while (s->q_head != NULL) {
        struct qblock *b = s->q_head;

        s->q_head = b->next;
        mem_free(b);
    }
    mem_free(s->q_spare);
    mem_free(s->rbuf);
    done_cb = s->done_cb;
    arg = s->done_arg;
    mem_free(s);
    if (done_cb != NULL)
        done_cb(arg);
}

/* Close callback of every handle of the source (clients included). */
static void
handle_close_cb(uv_handle_t *h)
{
    struct src_syslog *s;

    if (h->type == UV_UDP)
        s = container_of(h, struct src_syslog, udp);
    else if (h->type == UV_POLL)
        s = container_of(h, struct src_syslog, poll);
    else if (h->type == UV_TIMER)
        s = container_of(h, struct src_syslog, sweep);
    else if (h->type == UV_IDLE)
        s = container_of(h, struct src_syslog, drain);
    else
        s = container_of(h, struct src_syslog, tcp);
    s->handles--;
    src_maybe_free(s);
}

/* Close every handle; the source is freed when the last one is closed. */
static void
src_close_all(struct src_syslog *s)
{
    s->closing = true;
    if (s->udp_init)
        uv_close((uv_handle_t *)&s->udp, handle_close_cb);
    if (s->tcp_init)
        uv_close((uv_handle_t *)&s->tcp, handle_close_cb);
    if (s->sweep_init)
        uv_close((uv_handle_t *)&s->sweep, handle_close_cb);
    if (s->drain_init)
        uv_close((uv_handle_t *)&s->drain, handle_close_cb);
    if (s->poll_init)
        uv_close((uv_handle_t *)&s->poll, handle_close_cb);
    for (struct syslog_client *c = s->clients; c != NULL; c = c->next)
        client_close(c);
    if (s->unlink_path)
        (void)unlink(s->addr.path);
    s->unlink_path = false;
    /* nothing was initialised: free now, as a close callback would */
    if (s->handles == 0) {
        s->handles = 1;
        handle_close_cb((uv_handle_t *)&s->tcp);
    }
}

static const char *
kind_name(enum listen_kind k)
{
    return k == LISTEN_UDP ? "udp" : k == LISTEN_TCP ? "tcp" : "unix-dgram";
}

/* Bind (or adopt) and start reading. */
static int
src_start(struct src_syslog *s)
{
    int fd = activation_adopt(s), r;

    s->activated = fd >= 0;
    if (fd < 0 && fd != -ENOENT)
        return fd;
    switch (s->addr.kind) {
    case LISTEN_UDP:
        r = udp_start(s, fd);
        break;
    case LISTEN_TCP:
        r = tcp_start(s, fd);
        break;
    default:
        r = unix_start(s, fd);
        break;
    }
    if (r < 0 && fd >= 0 && !s->udp_init && !s->tcp_init && s->unix_fd < 0 &&
        s->addr.kind != LISTEN_UNIX_DGRAM)
        close(fd); /* the handle could not even be made */
    return r;
}

static int
src_syslog_open(uv_loop_t *loop, const struct config_source *cfg,
                const struct source_env *env, struct source **ret)
{
    struct sockaddr_storage ss;
    struct src_syslog *s;
    const char *why;
    char where[PEER_MAX + 8] = "";
    int r;

    if (cfg == NULL || cfg->listen == NULL || cfg->name == NULL ||
        env == NULL || env->emit == NULL)
        return -EINVAL;
    s = mem_calloc(1, sizeof(*s));
    if (s == NULL)
        return -ENOMEM;
    s->base.ops = &src_syslog_ops;
    s->base.cfg = cfg;
    s->loop = loop;
    s->env = *env;
    s->unix_fd = -1;
    s->max_message = cfg->max_message > 0 && cfg->max_message < PARSER_LINE_MAX
                         ? (size_t)cfg->max_message
                         : PARSER_LINE_MAX;
    s->idle_ms =
        cfg->idle_timeout > 0 ? (uint64_t)cfg->idle_timeout * MS_PER_S : 0;
    s->max_clients = cfg->max_clients > 0 ? (size_t)cfg->max_clients
                                          : SRC_SYSLOG_MAX_CLIENTS;
    if (listen_parse(cfg->listen, &s->addr, &why) < 0 ||
        source_tz_init(&s->tz, cfg->timezone) < 0) {
        mem_free(s);
        return -EINVAL;
    }
    r = src_start(s);
    if (r < 0) {
        source_diagf(&s->env, &s->base, LOG_ERR, "cannot listen on %s: %s",
                     cfg->listen, uv_strerror(r));
        src_close_all(s); /* freed by the close callbacks */
        return r;
    }
    if (src_syslog_address(&s->base, &ss) == 0 && ss.ss_family != AF_UNIX)
        snprintf(where, sizeof(where), " (port %u)",
                 ntohs(((struct sockaddr_in *)&ss)->sin_port));
    source_diagf(&s->env, &s->base, LOG_INFO, "listening on %s%s%s%s",
                 cfg->listen, where,
                 s->activated ? ", socket from systemd" : "",
                 s->addr.kind == LISTEN_UDP && uv_udp_using_recvmmsg(&s->udp)
                     ? ", recvmmsg"
                     : "");
    *ret = &s->base;
    return 0;
}

static void
src_syslog_close(struct source *src, void (*done_cb)(void *arg), void *arg)
{
    struct src_syslog *s = (struct src_syslog *)src;
    struct src_syslog_counters c;

    udp_drain(s, SIZE_MAX); /* what is still queued goes to the sinks */
    src_syslog_counters_get(src, &c);
    source_diagf(
        &s->env, &s->base, LOG_NOTICE,
        "%s: received %llu messages (%llu bytes), truncated %llu, "
        "while sinks congested %llu, kernel drops %llu, queue drops %llu, "
        "clients %llu, "
        "refused %llu, errors %llu",
        kind_name(s->addr.kind), (unsigned long long)c.received,
        (unsigned long long)c.bytes, (unsigned long long)c.truncated,
        (unsigned long long)c.congested, (unsigned long long)c.kernel_drops,
        (unsigned long long)c.queue_drops, (unsigned long long)c.clients,
        (unsigned long long)c.refused, (unsigned long long)c.errors);
    s->done_cb = done_cb;
    s->done_arg = arg;
    src_close_all(s);
}

static void
src_syslog_counters(const struct source *src, struct source_counters *ret)
{
    struct src_syslog_counters c;

    src_syslog_counters_get(src, &c);
    *ret = (struct source_counters){.records = c.received,
                                    .bytes = c.bytes,
                                    .truncated = c.truncated,
                                    .errors = c.errors,
                                    .dropped = c.kernel_drops + c.queue_drops};
}

/*
 * The counters of a "syslog" source (src must be one); kernel_drops is
 * read now from /proc/net/udp{,6} (UDP only).
 */
void
src_syslog_counters_get(const struct source *src,
                        struct src_syslog_counters *ret)
{
    const struct src_syslog *s = (const struct src_syslog *)src;
    uint64_t k;

    *ret = s->c;
    if (s->addr.kind == LISTEN_UDP && s->sock_ino != 0) {
        k = kernel_drops(s->sock_ino);
        ret->kernel_drops = k >= s->kdrops_base ? k - s->kdrops_base : 0;
    }
}

/*
 * The local address the source listens on (the port chosen by the kernel
 * for port 0), for tests and the startup message: 0 and *ret, or -errno.
 */
int
src_syslog_address(const struct source *src, struct sockaddr_storage *ret)
{
    const struct src_syslog *s = (const struct src_syslog *)src;
    int len = sizeof(*ret);

    memset(ret, 0, sizeof(*ret));
    if (s->udp_init)
        return uv_udp_getsockname(&s->udp, (struct sockaddr *)ret, &len);
    if (s->tcp_init)
        return uv_tcp_getsockname(&s->tcp, (struct sockaddr *)ret, &len);
    ret->ss_family = AF_UNIX;
    return 0;
}

/*
 * The "syslog" source type.  open() returns an owned source (freed by
 * close(), whose done_cb runs once every handle, clients included, is
 * closed); records passed to env->emit are borrowed for the call.
 */
const struct source_ops src_syslog_ops = {
    .name = "syslog",
    .open = src_syslog_open,
    .close = src_syslog_close,
    .counters = src_syslog_counters,
};
