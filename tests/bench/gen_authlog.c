/*
 * gen_authlog.c - write a realistic, deterministic auth.log for the
 * benchmark: about 60% sshd and PAM lines in all the forms the parsers
 * know (connection stories with consistent pids: failures, invalid users,
 * repeats, accepts, sessions opened and closed, preauth disconnects), the
 * rest cron, kernel and systemd noise.
 *
 *   gen_authlog LINES [OPEN] > auth.log
 *
 * With OPEN, the log starts with OPEN sshd sessions (2 * OPEN more lines),
 * so the stream after them runs against a session table of that size
 * (bench_sessions.sh).  CHURN_PCT of the stream's stories log off one of
 * them, picked at random, and log on another: the table stays at OPEN
 * sessions and logoffs land all over it.  The stream after the opening
 * lines is the same whatever OPEN is, but for the sessions churn picks.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(uint32_t n)
{
    /* xorshift64*: deterministic across runs and machines. */
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (uint32_t)((rng * 0x2545f4914f6cdd1dull) >> 33) % n;
}

static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *const hosts[] = {"web01",   "web02", "db01",
                                    "bastion", "mail",  "ci-runner-3"};
static const char *const users[] = {"alice", "bob",    "carol", "deploy",
                                    "root",  "backup", "dave",  "erin"};
static const char *const bad_users[] = {"admin", "test",     "oracle", "ubuntu",
                                        "pi",    "postgres", "user1",  "guest"};

static unsigned long lines, target;
static long clock_s = 3600 * 24 * 60; /* seconds into the year */
static char ip_buf[64];

static const char *
rand_ip(void)
{
    if (rnd(10) == 0)
        snprintf(ip_buf, sizeof(ip_buf), "2001:db8:%x::%x", rnd(0xffff),
                 rnd(0xffff) + 1);
    else
        snprintf(ip_buf, sizeof(ip_buf), "%u.%u.%u.%u", 1 + rnd(223), rnd(256),
                 rnd(256), 1 + rnd(254));
    return ip_buf;
}

static void emit(const char *host, const char *prog, unsigned pid,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
emit(const char *host, const char *prog, unsigned pid, const char *fmt, ...)
{
    long day = clock_s / 86400, s = clock_s % 86400;
    int month = (int)(day / 31) % 12, mday = (int)(day % 28) + 1;
    va_list ap;

    if (lines >= target)
        return;
    clock_s += rnd(3);
    printf("%s %2d %02ld:%02ld:%02ld %s %s", months[month], mday, s / 3600,
           s / 60 % 60, s % 60, host, prog);
    if (pid)
        printf("[%u]", pid);
    fputs(": ", stdout);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    lines++;
}

static void
ssh_story(const char *host, unsigned pid)
{
    char ip[64];
    const char *u = users[rnd(8)];
    unsigned port = 1024 + rnd(60000), fails = rnd(4), logind = rnd(5000);

    snprintf(ip, sizeof(ip), "%s", rand_ip());
    emit(host, "sshd", pid, "Connection from %s port %u on 192.0.2.10 port 22",
         ip, port);
    for (unsigned i = 0; i < fails; i++)
        emit(host, "sshd", pid, "Failed password for %s from %s port %u ssh2",
             u, ip, port);
    if (fails == 3) {
        emit(host, "sshd", pid,
             "message repeated 2 times: [ Failed password for %s from %s "
             "port %u ssh2]",
             u, ip, port);
        emit(host, "sshd", pid,
             "Connection closed by authenticating user %s %s port %u "
             "[preauth]",
             u, ip, port);
        return;
    }
    if (rnd(2))
        emit(host, "sshd", pid,
             "Accepted publickey for %s from %s port %u ssh2: ED25519 "
             "SHA256:Xk3pZ0aVw1uT5sQ8rY2bN6mC4dE7fG9hJ0kL1mN2oP3",
             u, ip, port);
    else
        emit(host, "sshd", pid, "Accepted password for %s from %s port %u ssh2",
             u, ip, port);
    emit(host, "sshd", pid,
         "pam_unix(sshd:session): session opened for user %s(uid=%u) by "
         "(uid=0)",
         u, strcmp(u, "root") ? 1000 + rnd(20) : 0);
    emit(host, "systemd-logind", 612, "New session %u of user %s.", logind, u);
    emit(host, "sshd", pid,
         "Received disconnect from %s port %u:11: "
         "disconnected by user",
         ip, port);
    emit(host, "sshd", pid, "Disconnected from user %s %s port %u", u, ip,
         port);
    emit(host, "sshd", pid,
         "pam_unix(sshd:session): session closed for user %s", u);
    emit(host, "systemd-logind", 612, "Removed session %u.", logind);
}

static void
ssh_attack(const char *host, unsigned pid)
{
    char ip[64];
    const char *u = bad_users[rnd(8)];
    unsigned port = 1024 + rnd(60000);

    snprintf(ip, sizeof(ip), "%s", rand_ip());
    emit(host, "sshd", pid, "Invalid user %s from %s port %u", u, ip, port);
    emit(host, "sshd", pid, "pam_unix(sshd:auth): check pass; user unknown");
    emit(host, "sshd", pid,
         "pam_unix(sshd:auth): authentication failure; logname= uid=0 "
         "euid=0 tty=ssh ruser= rhost=%s",
         ip);
    emit(host, "sshd", pid,
         "Failed password for invalid user %s from %s port %u ssh2", u, ip,
         port);
    emit(host, "sshd", pid,
         "Received disconnect from %s port %u:11: Bye Bye [preauth]", ip, port);
    emit(host, "sshd", pid,
         "Disconnected from invalid user %s %s port %u [preauth]", u, ip, port);
}

static void
su_story(const char *host, unsigned pid)
{
    const char *u = users[rnd(8)];

    if (rnd(5) == 0) {
        emit(host, "su", pid,
             "pam_unix(su:auth): authentication failure; logname=%s "
             "uid=1000 euid=0 tty=/dev/pts/1 ruser=%s rhost=  user=root",
             u, u);
        emit(host, "su", pid, "FAILED SU (to root) %s on pts/1", u);
        return;
    }
    emit(host, "su", pid, "(to root) %s on pts/1", u);
    emit(host, "su", pid,
         "pam_unix(su:session): session opened for user root(uid=0) by "
         "%s(uid=1000)",
         u);
    emit(host, "su", pid, "pam_unix(su:session): session closed for user root");
}

static void
noise(const char *host, unsigned pid)
{
    switch (rnd(6)) {
    case 0:
        emit(host, "CRON", pid,
             "pam_unix(cron:session): session opened for user root(uid=0) "
             "by (uid=0)");
        emit(host, "CRON", pid,
             "(root) CMD (command -v debian-sa1 > "
             "/dev/null && debian-sa1 1 1)");
        emit(host, "CRON", pid,
             "pam_unix(cron:session): session closed for user root");
        break;
    case 1:
        emit(host, "kernel", 0,
             "[%u.%06u] [UFW BLOCK] IN=eth0 OUT= MAC=00:16:3e:aa:bb:cc "
             "SRC=%s DST=192.0.2.10 LEN=40 TOS=0x00 PROTO=TCP SPT=%u "
             "DPT=23 WINDOW=1024 SYN URGP=0",
             rnd(900000), rnd(1000000), rand_ip(), 1024 + rnd(60000));
        break;
    case 2:
        emit(host, "systemd", 1,
             "Started session-%u.scope - Session %u of User alice.", rnd(9000),
             rnd(9000));
        break;
    case 3:
        emit(host, "systemd", 1,
             "Starting sysstat-collect.service - system activity "
             "accounting tool...");
        break;
    case 4:
        emit(host, "sudo", pid,
             "   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; "
             "COMMAND=/usr/bin/systemctl restart nginx");
        break;
    default:
        emit(host, "sshd", pid, "Connection closed by %s port %u", rand_ip(),
             1024 + rnd(60000));
        break;
    }
}

/* Hosts the OPEN sessions are spread over: "web0000".."web4999", apart
 * from the stream's own hosts. */
#define OPEN_HOSTS 5000

/* Percent of the stream's stories that end one of the OPEN sessions and
 * open another in its place: at a steady state of OPEN sessions, logoffs
 * land on sessions spread over the whole table, not only on recent ones. */
#define CHURN_PCT 20

/* One long-lived session: its key (host, pid) and what its lines repeat. */
struct open_session {
    unsigned host, pid, port;
    uint8_t user;
    char ip[40];
};

static struct open_session *open_tab;
static unsigned long n_open;
static unsigned next_pid[OPEN_HOSTS];

static void
open_one(struct open_session *o, unsigned host)
{
    char name[16];

    o->host = host;
    o->pid = next_pid[host]++;
    o->port = 1024 + rnd(60000);
    o->user = (uint8_t)rnd(8);
    snprintf(o->ip, sizeof(o->ip), "%s", rand_ip());
    snprintf(name, sizeof(name), "web%04u", host);
    emit(name, "sshd", o->pid,
         "Accepted publickey for %s from %s port %u ssh2: ED25519 "
         "SHA256:Xk3pZ0aVw1uT5sQ8rY2bN6mC4dE7fG9hJ0kL1mN2oP3",
         users[o->user], o->ip, o->port);
    emit(name, "sshd", o->pid,
         "pam_unix(sshd:session): session opened for user %s(uid=%u) by "
         "(uid=0)",
         users[o->user], strcmp(users[o->user], "root") ? 1000 + rnd(20) : 0);
}

/* Accepted publickey and the PAM session on distinct (host, pid) keys. */
static void
open_sessions(void)
{
    for (unsigned h = 0; h < OPEN_HOSTS; h++)
        next_pid[h] = 1000;
    open_tab = calloc(n_open ? n_open : 1, sizeof(*open_tab));
    if (open_tab == NULL)
        exit(1);
    for (unsigned long i = 0; i < n_open; i++)
        open_one(&open_tab[i], (unsigned)(i % OPEN_HOSTS));
}

/* Log off a random one of the OPEN sessions and log on a new one. */
static void
churn(void)
{
    struct open_session *o = &open_tab[rnd((uint32_t)n_open)];
    const char *u = users[o->user];
    char name[16];

    snprintf(name, sizeof(name), "web%04u", o->host);
    emit(name, "sshd", o->pid,
         "Received disconnect from %s port %u:11: disconnected by user", o->ip,
         o->port);
    emit(name, "sshd", o->pid, "Disconnected from user %s %s port %u", u, o->ip,
         o->port);
    emit(name, "sshd", o->pid,
         "pam_unix(sshd:session): session closed for user %s", u);
    open_one(o, rnd(OPEN_HOSTS));
}

int
main(int argc, char **argv)
{
    unsigned pid = 20000;

    n_open = argc > 2 ? strtoul(argv[2], NULL, 10) : 0;
    target = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
    target += 2 * n_open;
    open_sessions();
    /* The same stream whatever OPEN was: only the sessions churn picks
     * differ. */
    rng = 0x9e3779b97f4a7c15ull;
    while (lines < target) {
        const char *host = hosts[rnd(6)];
        unsigned k = rnd(100);

        if (n_open && rnd(100) < CHURN_PCT) {
            churn();
            continue;
        }
        pid = pid >= 4000000 ? 20000 : pid + 1 + rnd(7);
        if (k < 12)
            ssh_story(host, pid);
        else if (k < 22)
            ssh_attack(host, pid);
        else if (k < 26)
            su_story(host, pid);
        else
            noise(host, pid);
    }
    return 0;
}
