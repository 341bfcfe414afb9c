/*
 * listen_fds.c - sockets passed by systemd socket activation (see
 * listen_fds.h).
 *
 *   LISTEN_PID=812 LISTEN_FDS=1 LISTEN_FDNAMES=sessiontail.socket
 *   fd 3: SOCK_DGRAM bound to [::]:514
 *
 * sd_listen_fds_with_names(3) reads the variables; sd_is_socket(3) and
 * sd_is_socket_inet(3) check type, listening state and port.  The passed
 * sockets stay open (systemd keeps its own copy too) and listeners get
 * F_DUPFD_CLOEXEC copies, so closing a listener at reload leaves the socket
 * for the next configuration.
 */
#ifdef HAVE_SYSTEMD

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "listen_fds.h"
#include "log.h"

/* Passed sockets kept; systemd passes one per Listen*= line. */
#define LISTEN_FDS_MAX 64
/* FileDescriptorName= is at most 255 characters (systemd.socket(5)). */
#define LISTEN_FDNAME_MAX 255
#define ADDR_TEXT_MAX (INET6_ADDRSTRLEN + 16)

struct passed_fd {
    int fd;
    bool taken;
    char name[LISTEN_FDNAME_MAX + 1];
};

static struct passed_fd passed[LISTEN_FDS_MAX];
static size_t n_passed;

/* Take over the passed sockets; see listen_fds.h. */
int
listen_fds_init(void)
{
    char **names = NULL;
    int n = sd_listen_fds_with_names(1, &names), i;

    n_passed = 0;
    for (i = 0; i < n; i++) {
        int fd = SD_LISTEN_FDS_START + i;

        /* systemd passes them without O_CLOEXEC, for us to keep */
        (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
        if (i >= LISTEN_FDS_MAX) {
            log_warn("passed socket %d: more than %d passed, closed", fd,
                     LISTEN_FDS_MAX);
            close(fd);
            continue;
        }
        passed[n_passed] = (struct passed_fd){.fd = fd};
        if (names != NULL && names[i] != NULL)
            snprintf(passed[n_passed].name, sizeof(passed[n_passed].name), "%s",
                     names[i]);
        n_passed++;
    }
    for (i = 0; names != NULL && names[i] != NULL; i++)
        free(names[i]);
    free(names);
    return n < 0 ? n : (int)n_passed;
}

static bool
is_any(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return ((const struct sockaddr_in *)(const void *)sa)
                   ->sin_addr.s_addr == htonl(INADDR_ANY);
    return IN6_IS_ADDR_UNSPECIFIED(
        &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr);
}

static bool
same_addr(const struct sockaddr *a, const struct sockaddr *b)
{
    if (a->sa_family != b->sa_family)
        return false;
    if (a->sa_family == AF_INET)
        return ((const struct sockaddr_in *)(const void *)a)->sin_addr.s_addr ==
               ((const struct sockaddr_in *)(const void *)b)->sin_addr.s_addr;
    return memcmp(&((const struct sockaddr_in6 *)(const void *)a)->sin6_addr,
                  &((const struct sockaddr_in6 *)(const void *)b)->sin6_addr,
                  sizeof(struct in6_addr)) == 0;
}

/* Does fd, of the right type and port already, receive what `want` would?
 * The same address, or [::] without IPV6_V6ONLY for 0.0.0.0 (ipv6(7)). */
static bool
inet_serves(int fd, const struct sockaddr *want)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    int v6only = 1;
    socklen_t olen = sizeof(v6only);

    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        return false;
    if (same_addr(want, (const struct sockaddr *)&ss))
        return true;
    return want->sa_family == AF_INET && is_any(want) &&
           ss.ss_family == AF_INET6 && is_any((const struct sockaddr *)&ss) &&
           getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &olen) == 0 &&
           v6only == 0;
}

static bool
matches_addr(int fd, int type, const struct sockaddr *want)
{
    int listening = type == SOCK_STREAM ? 1 : -1;

    if (want->sa_family == AF_UNIX)
        return sd_is_socket_unix(
                   fd, type, listening,
                   ((const struct sockaddr_un *)(const void *)want)->sun_path,
                   0) > 0;
    if (want->sa_family != AF_INET && want->sa_family != AF_INET6)
        return false;
    return sd_is_socket_inet(
               fd, 0, type, listening,
               ntohs(((const struct sockaddr_in *)(const void *)want)
                         ->sin_port)) > 0 &&
           inet_serves(fd, want);
}

static int
take(struct passed_fd *p)
{
    int fd = fcntl(p->fd, F_DUPFD_CLOEXEC, SD_LISTEN_FDS_START);

    if (fd < 0)
        return -errno;
    p->taken = true;
    return fd;
}

/* A copy of the socket for a listener; see listen_fds.h. */
int
listen_fds_take(const char *name, int type, const struct sockaddr *want)
{
    int listening = type == SOCK_STREAM ? 1 : -1;
    size_t i;

    for (i = 0; name != NULL && i < n_passed; i++)
        if (strcmp(passed[i].name, name) == 0 &&
            sd_is_socket(passed[i].fd, AF_UNSPEC, type, listening) > 0)
            return take(&passed[i]);
    for (i = 0; want != NULL && i < n_passed; i++)
        if (matches_addr(passed[i].fd, type, want))
            return take(&passed[i]);
    return -ENOENT;
}

/* "udp [::]:514", "tcp 0.0.0.0:514", "unix /run/x.sock" for a warning. */
static void
describe(int fd, char *dst, size_t dstlen)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    char host[INET6_ADDRSTRLEN] = "?";
    const char *kind = sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, -1) > 0
                           ? "stream"
                           : "datagram";
    unsigned port = 0;

    memset(&ss, 0, sizeof(ss));
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
        snprintf(dst, dstlen, "%s", kind);
        return;
    }
    if (ss.ss_family == AF_UNIX) {
        /* A path longer than the message's room ends in "..." rather
         * than looking whole. */
        if (snprintf(dst, dstlen, "unix %s %.108s", kind,
                     ((struct sockaddr_un *)&ss)->sun_path) >= (int)dstlen &&
            dstlen > 4)
            memcpy(dst + dstlen - 4, "...", 4);
        return;
    }
    if (ss.ss_family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)&ss;

        inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
        port = ntohs(in->sin_port);
    } else if (ss.ss_family == AF_INET6) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
        port = ntohs(in6->sin6_port);
    }
    snprintf(dst, dstlen, "%s %s%s%s:%u",
             strcmp(kind, "stream") == 0 ? "tcp" : "udp",
             ss.ss_family == AF_INET6 ? "[" : "", host,
             ss.ss_family == AF_INET6 ? "]" : "", port);
}

/* Close what no listener took; see listen_fds.h. */
void
listen_fds_close_unused(void)
{
    char what[ADDR_TEXT_MAX + 32];
    size_t i, kept = 0;

    for (i = 0; i < n_passed; i++) {
        if (passed[i].taken) {
            passed[kept++] = passed[i];
            continue;
        }
        describe(passed[i].fd, what, sizeof(what));
        log_warn("socket passed by systemd (fd %d, %s, name '%s') matches "
                 "no syslog source: closed",
                 passed[i].fd, what, passed[i].name);
        close(passed[i].fd);
    }
    n_passed = kept;
}

#endif
