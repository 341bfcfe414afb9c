/*
 * udp_flood.c - send sshd syslog lines over UDP to 127.0.0.1:PORT with
 * sendmmsg(2), paced at RATE messages per second (0: as fast as it can)
 * for SECONDS seconds, or until COUNT were sent; prints how many were sent
 * (accepted by the kernel) and the seconds it took.  Every message is
 * unique (its number, from FIRST on, is the sshd pid and the user), so the
 * receiver's output can be counted exactly.  For tests/bench/bench_udp.sh
 * and tests/it/test_udp_overload.sh.
 *
 *   udp_flood PORT RATE SECONDS [FIRST [COUNT]]
 *   <38>Mar 14 13:54:19 web01 sshd[1000001]: Accepted password for b1 from
 *   10.0.0.1 port 40001 ssh2
 */
#define _GNU_SOURCE /* sendmmsg */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64 /* datagrams per sendmmsg */
#define MSG_MAX 160
#define TICK_NS 1000000L /* pacing: check the budget every millisecond */

static int64_t
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static char bufs[BATCH][MSG_MAX];
static struct iovec iov[BATCH];
static struct mmsghdr msgs[BATCH];

/* Fill n messages numbered from `seq`. */
static void
fill(uint64_t seq, int n)
{
    for (int i = 0; i < n; i++) {
        uint64_t k = seq + (uint64_t)i;
        int len =
            snprintf(bufs[i], MSG_MAX,
                     "<38>Mar 14 13:54:19 web01 sshd[%llu]: Accepted "
                     "password for b%llu from 10.%u.%u.%u port %u ssh2",
                     (unsigned long long)(1000000 + k), (unsigned long long)k,
                     (unsigned)(k >> 16) & 255, (unsigned)(k >> 8) & 255,
                     (unsigned)k & 255, (unsigned)(1024 + k % 60000));

        iov[i].iov_base = bufs[i];
        iov[i].iov_len = (size_t)len;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
}

int
main(int argc, char **argv)
{
    struct sockaddr_in sin = {.sin_family = AF_INET};
    uint64_t sent = 0, rate, first = 0, count = UINT64_MAX;
    int64_t start, end, t;
    int fd, secs;

    if (argc < 4 || argc > 6) {
        fprintf(stderr, "usage: udp_flood PORT RATE SECONDS [FIRST [COUNT]]\n");
        return 2;
    }
    sin.sin_port = htons((uint16_t)strtoul(argv[1], NULL, 10));
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    rate = strtoull(argv[2], NULL, 10);
    secs = (int)strtol(argv[3], NULL, 10);
    if (argc > 4)
        first = strtoull(argv[4], NULL, 10);
    if (argc > 5)
        count = strtoull(argv[5], NULL, 10);
    fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
        perror("udp_flood");
        return 1;
    }
    start = now_ns();
    end = start + (int64_t)secs * 1000000000;
    while (sent < count && (t = now_ns()) < end) {
        uint64_t due =
            rate ? (uint64_t)((double)(t - start) * 1e-9 * (double)rate)
                 : sent + BATCH;
        int n, r;

        if (due <= sent) {
            struct timespec ts = {0, TICK_NS / 4};

            nanosleep(&ts, NULL);
            continue;
        }
        if (due > count)
            due = count;
        n = due - sent > BATCH ? BATCH : (int)(due - sent);
        fill(first + sent, n);
        r = sendmmsg(fd, msgs, (unsigned)n, 0);
        if (r < 0) {
            if (errno == ENOBUFS || errno == EAGAIN || errno == ECONNREFUSED)
                continue;
            perror("udp_flood: sendmmsg");
            return 1;
        }
        sent += (uint64_t)r;
    }
    printf("%llu %.3f\n", (unsigned long long)sent,
           (double)(now_ns() - start) * 1e-9);
    close(fd);
    return 0;
}
