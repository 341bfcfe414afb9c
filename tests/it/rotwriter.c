/*
 * rotwriter.c - a log writer for the rotation tests: appends numbered sshd
 * lines to PATH at RATE lines per second (0: as fast as it can) and
 * rotates it after every EVERY lines (0: never), the way logrotate does:
 *
 *   rename        PATH is renamed to PATH.<k>; the writer keeps writing
 *                 to the old file for LATE more lines (a daemon that has
 *                 not reopened yet), then creates PATH anew.
 *   copytruncate  PATH is copied to PATH.<k>, then truncated to 0; the
 *                 writer goes on through its O_APPEND descriptor.
 *
 * k counts from 1, so every rotated file keeps its lines.  Line n (from
 * FIRST on) names user u<n> (7 digits) and has the same length as every
 * other.  Pacing: every millisecond the lines due so far are written in
 * one write(2).  Prints "wrote N lines, R rotations in S s" at the end.
 *
 *   rotwriter /tmp/x/auth.log rename 50000 200000 20000 1
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_LEN 128
#define SLICE_NS 1000000L /* pacing step: 1 ms */
#define LATE 100          /* lines still written to a renamed file */
#define BATCH_MAX 4096    /* lines per write(2) */
#define COPY_BUF (1 << 16)

static char batch[BATCH_MAX * LINE_MAX_LEN];

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
open_log(const char *path)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

    if (fd < 0)
        perror(path);
    return fd;
}

static int
write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            perror("write");
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Lines first..first+n-1 in one write. */
static int
put_lines(int fd, long first, long n)
{
    size_t len = 0;

    for (long i = first; i < first + n; i++)
        len += (size_t)snprintf(batch + len, LINE_MAX_LEN,
                                "Mar 14 13:54:19 web01 sshd[%07ld]: Accepted "
                                "password for u%07ld from 10.0.0.1 port 22222 "
                                "ssh2\n",
                                1000000 + i % 9000000, i);
    return write_all(fd, batch, len);
}

/* Copy path to dst (as logrotate's copytruncate does before truncating). */
static int
copy_file(const char *path, const char *dst)
{
    char buf[COPY_BUF];
    int in = open(path, O_RDONLY | O_CLOEXEC), out, r = 0;
    ssize_t n;

    out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (in < 0 || out < 0) {
        perror(dst);
        r = -1;
    }
    while (r == 0 && (n = read(in, buf, sizeof(buf))) > 0)
        r = write_all(out, buf, (size_t)n);
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    return r;
}

/* Rotate once: the k-th rotated file is path.k; at most `late` lines go
 * to a renamed file after the rename.  Returns the fd to go on writing to,
 * or -1. */
static int
rotate(const char *path, const char *mode, int fd, int k, long *next, long late)
{
    char dst[4096];

    snprintf(dst, sizeof(dst), "%s.%d", path, k);
    if (strcmp(mode, "copytruncate") == 0) {
        if (copy_file(path, dst) < 0 || ftruncate(fd, 0) < 0)
            return -1;
        return fd;
    }
    if (late > LATE)
        late = LATE;
    if (rename(path, dst) < 0 || put_lines(fd, *next, late) < 0) {
        perror("rename");
        return -1;
    }
    *next += late;
    close(fd);
    return open_log(path);
}

int
main(int argc, char **argv)
{
    long rate, total, every, next, first, since = 0;
    double t0;
    int fd, k = 0;

    if (argc != 7 || (strcmp(argv[2], "rename") != 0 &&
                      strcmp(argv[2], "copytruncate") != 0)) {
        fprintf(stderr, "usage: rotwriter PATH rename|copytruncate RATE "
                        "TOTAL EVERY FIRST\n");
        return 2;
    }
    rate = strtol(argv[3], NULL, 10);
    total = strtol(argv[4], NULL, 10);
    every = strtol(argv[5], NULL, 10);
    first = next = strtol(argv[6], NULL, 10);
    if ((fd = open_log(argv[1])) < 0)
        return 1;
    t0 = now_s();
    while (next < first + total) {
        long due = rate > 0 ? (long)((now_s() - t0) * (double)rate) + first
                            : first + total;
        long n = due - next;

        if (n > first + total - next)
            n = first + total - next;
        if (n > BATCH_MAX)
            n = BATCH_MAX;
        if (every > 0 && n > every - since)
            n = every - since;
        if (n <= 0) {
            struct timespec ts = {0, SLICE_NS};

            nanosleep(&ts, NULL);
            continue;
        }
        if (put_lines(fd, next, n) < 0)
            return 1;
        next += n;
        since += n;
        if (every > 0 && since >= every && next < first + total) {
            /* the LATE lines written to a renamed file count as its own */
            fd = rotate(argv[1], argv[2], fd, ++k, &next, first + total - next);
            if (fd < 0)
                return 1;
            since = 0;
        }
    }
    close(fd);
    printf("wrote %ld lines, %d rotations in %.2f s\n", next - first, k,
           now_s() - t0);
    return 0;
}
