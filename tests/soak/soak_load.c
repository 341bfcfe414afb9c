/*
 * soak_load.c - the load of tests/soak/soak.sh: numbered sshd "stories"
 * (a login, and LAG stories later its logout) written to a file, sent over
 * UDP or TCP as RFC 3164 syslog messages, or printed in the journal export
 * format for systemd-journal-remote.  Story k is user u<k>, sshd pid
 * 100000 + k on host HOST, and gives five lines:
 *
 *   Accepted password for uK from IP port P ssh2           event
 *   pam_unix(sshd:session): session opened for user uK...  event
 *   Received disconnect from IP port P:11: ...             (ignored)
 *   Disconnected from user uK IP port P                    event
 *   pam_unix(sshd:session): session closed for user uK     event
 *
 * so every story is four events and one session opened and closed.  The
 * sender paces itself to RATE stories a second for SECONDS, then sends the
 * logouts still owed, and prints "STORIES MESSAGES" (messages counted when
 * the kernel took them).
 *
 *   soak_load file PATH SECONDS RATE ROTATE_LINES HOST
 *   soak_load udp IP PORT SECONDS RATE HOST
 *   soak_load tcp IP PORT SECONDS RATE RECONNECT HOST
 *   soak_load journal FIRST END HOST LAST
 *
 * file: appends, and every ROTATE_LINES lines renames PATH to PATH.1 and
 * starts a new PATH (logrotate's default, create mode).  tcp: a new
 * connection every RECONNECT stories, framing alternating between LF and
 * octet counting (RFC 6587 3.4.2, 3.4.1).  journal: the entries of stories
 * FIRST..END-1 (logins, and the logouts of the stories LAG before), and
 * with LAST=1 the logouts still owed after END.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define LAG 50              /* stories open at once per sender */
#define LINE_MAX_LEN 512    /* one message */
#define TICK_NS 20000000L   /* pace: every 20 ms */
#define BATCH_MAX (1 << 20) /* bytes written at once (file, tcp) */
#define PID_BASE 100000
#define PRI_AUTH 38     /* auth.info */
#define PRI_AUTHPRIV 86 /* authpriv.info */

enum kind { K_FILE, K_UDP, K_TCP };

struct out {
    enum kind kind;
    const char *host;
    const char *path;
    int fd;
    long rotate_lines, lines_in_file;
    struct sockaddr_in sa;
    long reconnect, stories_on_conn;
    int conn; /* connections made: even ones use octet counting */
    char batch[BATCH_MAX];
    size_t len;
    long messages;
};

static void
die(const char *what)
{
    perror(what);
    exit(1);
}

static long
arg_long(const char *s)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < 0) {
        fprintf(stderr, "soak_load: bad number '%s'\n", s);
        exit(2);
    }
    return v;
}

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The five texts of story k: the login (lines 0-1) and the logout (2-4). */
static void
story_text(long k, int line, char *b, size_t n)
{
    char ip[32];
    long port = 1024 + k % 60000;

    snprintf(ip, sizeof(ip), "10.%ld.%ld.%ld", k / 62500 % 250, k / 250 % 250,
             k % 250 + 1);
    switch (line) {
    case 0:
        snprintf(b, n, "Accepted password for u%ld from %s port %ld ssh2", k,
                 ip, port);
        break;
    case 1:
        snprintf(b, n,
                 "pam_unix(sshd:session): session opened for user u%ld(uid="
                 "%ld) by (uid=0)",
                 k, 10000 + k % 50000);
        break;
    case 2:
        snprintf(b, n,
                 "Received disconnect from %s port %ld:11: disconnected by "
                 "user",
                 ip, port);
        break;
    case 3:
        snprintf(b, n, "Disconnected from user u%ld %s port %ld", k, ip, port);
        break;
    default:
        snprintf(b, n, "pam_unix(sshd:session): session closed for user u%ld",
                 k);
        break;
    }
}

static void
write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t r = write(fd, p, n);

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            die("write");
        p += r;
        n -= (size_t)r;
    }
}

static void
tcp_open(struct out *o)
{
    o->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (o->fd < 0)
        die("socket");
    if (connect(o->fd, (struct sockaddr *)&o->sa, sizeof(o->sa)) < 0)
        die("connect");
    o->conn++;
    o->stories_on_conn = 0;
}

static void
flush_out(struct out *o)
{
    if (o->len == 0)
        return;
    write_all(o->fd, o->batch, o->len);
    o->len = 0;
}

/* A new file (logrotate's create): PATH -> PATH.1, PATH again. */
static void
file_open(struct out *o)
{
    o->fd = open(o->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (o->fd < 0)
        die(o->path);
    o->lines_in_file = 0;
}

static void
file_rotate(struct out *o)
{
    char old[4096];

    flush_out(o);
    snprintf(old, sizeof(old), "%s.1", o->path);
    if (rename(o->path, old) < 0)
        die("rename");
    close(o->fd);
    file_open(o);
}

/* One line of story k, with the header of its transport: a file line
 * (RFC 3164 without PRI, as rsyslog writes auth.log) or a syslog message. */
static void
emit(struct out *o, long k, int line)
{
    char text[LINE_MAX_LEN], msg[LINE_MAX_LEN + 128], stamp[32], pri[8] = "";
    time_t t = time(NULL);
    struct tm tm;
    int n;

    story_text(k, line, text, sizeof(text));
    gmtime_r(&t, &tm);
    strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm);
    if (o->kind != K_FILE)
        snprintf(pri, sizeof(pri), "<%d>",
                 line == 1 || line == 4 ? PRI_AUTHPRIV : PRI_AUTH);
    n = snprintf(msg, sizeof(msg), "%s%s %s sshd[%ld]: %s", pri, stamp, o->host,
                 PID_BASE + k, text);
    if (o->kind == K_UDP) {
        if (sendto(o->fd, msg, (size_t)n, 0, (struct sockaddr *)&o->sa,
                   sizeof(o->sa)) == n)
            o->messages++;
        return;
    }
    if (o->len + (size_t)n + 32 > sizeof(o->batch))
        flush_out(o);
    if (o->kind == K_TCP && o->conn % 2 == 0)
        o->len += (size_t)snprintf(o->batch + o->len, sizeof(o->batch) - o->len,
                                   "%d %s", n, msg);
    else
        o->len += (size_t)snprintf(o->batch + o->len, sizeof(o->batch) - o->len,
                                   "%s\n", msg);
    o->messages++;
    if (o->kind == K_FILE && ++o->lines_in_file >= o->rotate_lines)
        file_rotate(o);
}

/* Story k starts: its login, and the logout of story k - LAG. */
static void
tick_story(struct out *o, long k)
{
    emit(o, k, 0);
    emit(o, k, 1);
    if (k - LAG >= 1)
        for (int l = 2; l < 5; l++)
            emit(o, k - LAG, l);
    if (o->kind == K_TCP && ++o->stories_on_conn >= o->reconnect) {
        flush_out(o);
        close(o->fd);
        tcp_open(o);
    }
}

static int
run(struct out *o, double seconds, double rate)
{
    double t0 = now_s();
    struct timespec tick = {0, TICK_NS};
    long k = 0;

    for (;;) {
        double el = now_s() - t0;
        long want = (long)((el < seconds ? el : seconds) * rate);

        while (k < want)
            tick_story(o, ++k);
        flush_out(o);
        if (el >= seconds)
            break;
        nanosleep(&tick, NULL);
    }
    for (long j = k - LAG + 1 > 1 ? k - LAG + 1 : 1; j <= k; j++)
        for (int l = 2; l < 5; l++)
            emit(o, j, l);
    flush_out(o);
    if (o->fd >= 0)
        close(o->fd);
    printf("%ld %ld\n", k, o->messages);
    return 0;
}

/* Export format entries (systemd's Journal Export Format) of one line. */
static void
journal_entry(const char *host, long k, int line, uint64_t *usec,
              uint64_t *mono)
{
    char text[LINE_MAX_LEN];

    story_text(k, line, text, sizeof(text));
    printf("__REALTIME_TIMESTAMP=%llu\n__MONOTONIC_TIMESTAMP=%llu\n"
           "_BOOT_ID=0123456789abcdef0123456789abcdef\n_HOSTNAME=%s\n"
           "SYSLOG_IDENTIFIER=sshd\n_PID=%ld\nPRIORITY=6\nMESSAGE=%s\n\n",
           (unsigned long long)*usec, (unsigned long long)*mono, host,
           PID_BASE + k, text);
    (*usec)++;
    (*mono)++;
}

static int
journal(long first, long end, const char *host, int last)
{
    struct timeval tv;
    struct timespec ts;
    uint64_t usec, mono;

    gettimeofday(&tv, NULL);
    usec = (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    mono = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
    for (long k = first; k < end; k++) {
        journal_entry(host, k, 0, &usec, &mono);
        journal_entry(host, k, 1, &usec, &mono);
        if (k - LAG >= 1)
            for (int l = 2; l < 5; l++)
                journal_entry(host, k - LAG, l, &usec, &mono);
    }
    if (last)
        for (long j = end - LAG > 1 ? end - LAG : 1; j < end; j++)
            for (int l = 2; l < 5; l++)
                journal_entry(host, j, l, &usec, &mono);
    return fflush(stdout) == 0 ? 0 : 1;
}

static void
set_addr(struct out *o, const char *ip, const char *port)
{
    o->sa.sin_family = AF_INET;
    o->sa.sin_port = htons((uint16_t)arg_long(port));
    if (inet_pton(AF_INET, ip, &o->sa.sin_addr) != 1) {
        fprintf(stderr, "soak_load: bad address '%s'\n", ip);
        exit(2);
    }
}

int
main(int argc, char **argv)
{
    static struct out o = {.fd = -1};

    if (argc == 7 && strcmp(argv[1], "file") == 0) {
        o.kind = K_FILE;
        o.path = argv[2];
        o.rotate_lines = arg_long(argv[5]);
        o.host = argv[6];
        file_open(&o);
        return run(&o, (double)arg_long(argv[3]), (double)arg_long(argv[4]));
    }
    if (argc == 7 && strcmp(argv[1], "udp") == 0) {
        o.kind = K_UDP;
        set_addr(&o, argv[2], argv[3]);
        o.host = argv[6];
        o.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (o.fd < 0)
            die("socket");
        return run(&o, (double)arg_long(argv[4]), (double)arg_long(argv[5]));
    }
    if (argc == 8 && strcmp(argv[1], "tcp") == 0) {
        o.kind = K_TCP;
        set_addr(&o, argv[2], argv[3]);
        o.reconnect = arg_long(argv[6]);
        o.host = argv[7];
        tcp_open(&o);
        return run(&o, (double)arg_long(argv[4]), (double)arg_long(argv[5]));
    }
    if (argc == 6 && strcmp(argv[1], "journal") == 0)
        return journal(arg_long(argv[2]), arg_long(argv[3]), argv[4],
                       (int)arg_long(argv[5]));
    fprintf(stderr, "usage: soak_load file PATH SECONDS RATE ROTATE HOST\n"
                    "       soak_load udp IP PORT SECONDS RATE HOST\n"
                    "       soak_load tcp IP PORT SECONDS RATE RECONNECT HOST\n"
                    "       soak_load journal FIRST END HOST LAST\n");
    return 2;
}
