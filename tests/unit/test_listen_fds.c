/*
 * test_listen_fds.c - daemon/listen_fds: sockets passed the way systemd
 * passes them (real sockets at fd 3 and up, LISTEN_PID, LISTEN_FDS,
 * LISTEN_FDNAMES), matched to listeners by name, type and address, copies
 * handed out, the rest closed.
 *
 * main() closes every inherited descriptor from 3 up first (ctest leaves
 * some open), so the sockets made here land where systemd would put them.
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
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../daemon/listen_fds.h"
#include "testutil.h"

#ifdef HAVE_SYSTEMD

/* A socket of `type` at exactly fd `at`, bound to addr (IPV6_V6ONLY as
 * given for [::]), listening when it is a stream. */
static int
sock_at(int at, int type, const struct sockaddr *addr, socklen_t len,
        int v6only)
{
    int fd = socket(addr->sa_family, type, 0);

    assert_true(fd >= 0);
    if (addr->sa_family == AF_INET6)
        assert_int_equal(
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)),
            0);
    assert_int_equal(bind(fd, addr, len), 0);
    if (type == SOCK_STREAM)
        assert_int_equal(listen(fd, 4), 0);
    if (fd != at) {
        assert_int_equal(dup2(fd, at), at);
        close(fd);
    }
    return at;
}

static struct sockaddr_in
in4(const char *ip, uint16_t port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};

    assert_int_equal(inet_pton(AF_INET, ip, &a.sin_addr), 1);
    return a;
}

static struct sockaddr_in6
in6(const char *ip, uint16_t port)
{
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port)};

    assert_int_equal(inet_pton(AF_INET6, ip, &a.sin6_addr), 1);
    return a;
}

/* The port the kernel gave fd. */
static uint16_t
port_of(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
    return ntohs(ss.ss_family == AF_INET6
                     ? ((struct sockaddr_in6 *)&ss)->sin6_port
                     : ((struct sockaddr_in *)&ss)->sin_port);
}

/* Set LISTEN_* for n sockets from fd 3 and take them over. */
static void
pass(int n, const char *names)
{
    char num[32];

    snprintf(num, sizeof(num), "%ld", (long)getpid());
    setenv("LISTEN_PID", num, 1);
    snprintf(num, sizeof(num), "%d", n);
    setenv("LISTEN_FDS", num, 1);
    if (names != NULL)
        setenv("LISTEN_FDNAMES", names, 1);
    else
        unsetenv("LISTEN_FDNAMES");
    assert_int_equal(listen_fds_init(), n);
    /* the variables are for us alone: a child must not see them */
    assert_null(getenv("LISTEN_FDS"));
    assert_null(getenv("LISTEN_PID"));
}

static bool
is_open(int fd)
{
    return fcntl(fd, F_GETFD) >= 0;
}

/* ListenDatagram=514 binds [::] dual-stack: it serves udp://0.0.0.0:P; a
 * copy is handed out, the original kept; type and address must match; what
 * nothing took is closed. */
static void
test_match_by_address(void **state)
{
    struct sockaddr_in6 any6 = in6("::", 0);
    struct sockaddr_in lo = in4("127.0.0.1", 0), want;
    int udp6, tcp, udp4, c1, c2;

    udp6 = sock_at(3, SOCK_DGRAM, (struct sockaddr *)&any6, sizeof(any6), 0);
    tcp = sock_at(4, SOCK_STREAM, (struct sockaddr *)&lo, sizeof(lo), 0);
    udp4 = sock_at(5, SOCK_DGRAM, (struct sockaddr *)&lo, sizeof(lo), 0);
    pass(3, NULL);

    want = in4("0.0.0.0", port_of(udp6));
    c1 = listen_fds_take("net", SOCK_DGRAM, (struct sockaddr *)&want);
    assert_true(c1 > udp4);
    assert_int_equal(port_of(c1), port_of(udp6));
    assert_true(fcntl(c1, F_GETFD) & FD_CLOEXEC);
    want = in4("127.0.0.1", port_of(tcp));
    c2 = listen_fds_take("net", SOCK_STREAM, (struct sockaddr *)&want);
    assert_true(c2 >= 0);
    assert_int_equal(port_of(c2), port_of(tcp));
    /* the UDP socket on 127.0.0.1 is no stream, nor on 127.0.0.2 */
    want = in4("127.0.0.1", port_of(udp4));
    assert_int_equal(
        listen_fds_take(NULL, SOCK_STREAM, (struct sockaddr *)&want), -ENOENT);
    want = in4("127.0.0.2", port_of(udp4));
    assert_int_equal(
        listen_fds_take(NULL, SOCK_DGRAM, (struct sockaddr *)&want), -ENOENT);

    listen_fds_close_unused();
    assert_false(is_open(udp4));
    assert_true(is_open(udp6));
    assert_true(is_open(tcp));
    close(c1);
    close(c2);
    close(udp6);
    close(tcp);
}

/* [::] with IPV6_V6ONLY receives no IPv4: it does not serve 0.0.0.0, only
 * [::]; a TCP socket that does not listen is not a listener's. */
static void
test_v6only_and_not_listening(void **state)
{
    struct sockaddr_in6 any6 = in6("::", 0);
    struct sockaddr_in lo = in4("127.0.0.1", 0), want;
    struct sockaddr_in6 want6;
    int udp6, tcp, c;

    udp6 = sock_at(3, SOCK_DGRAM, (struct sockaddr *)&any6, sizeof(any6), 1);
    tcp = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(tcp, 4);
    assert_int_equal(bind(tcp, (struct sockaddr *)&lo, sizeof(lo)), 0);
    pass(2, NULL);

    want = in4("0.0.0.0", port_of(udp6));
    assert_int_equal(
        listen_fds_take(NULL, SOCK_DGRAM, (struct sockaddr *)&want), -ENOENT);
    want6 = in6("::", port_of(udp6));
    c = listen_fds_take(NULL, SOCK_DGRAM, (struct sockaddr *)&want6);
    assert_true(c >= 0);
    want = in4("127.0.0.1", port_of(tcp));
    assert_int_equal(
        listen_fds_take(NULL, SOCK_STREAM, (struct sockaddr *)&want), -ENOENT);

    listen_fds_close_unused();
    assert_false(is_open(tcp));
    close(c);
    close(udp6);
}

/* FileDescriptorName= equal to the source name wins over the address, as
 * long as the socket type fits. */
static void
test_match_by_name(void **state)
{
    struct sockaddr_in lo = in4("127.0.0.1", 0), want;
    int a, b, c;

    a = sock_at(3, SOCK_DGRAM, (struct sockaddr *)&lo, sizeof(lo), 0);
    b = sock_at(4, SOCK_DGRAM, (struct sockaddr *)&lo, sizeof(lo), 0);
    pass(2, "other:net");

    want = in4("10.9.8.7", 9); /* nowhere near b's address */
    assert_int_equal(
        listen_fds_take("net", SOCK_STREAM, (struct sockaddr *)&want), -ENOENT);
    c = listen_fds_take("net", SOCK_DGRAM, (struct sockaddr *)&want);
    assert_true(c >= 0);
    assert_int_equal(port_of(c), port_of(b));

    listen_fds_close_unused();
    assert_false(is_open(a));
    assert_true(is_open(b));
    close(c);
    close(b);
}

/* A unix datagram socket (OpenWEC's output) by path. */
static void
test_unix_dgram(void **state)
{
    struct sockaddr_un un = {.sun_family = AF_UNIX}, want = un;
    char *dir = test_tmpdir();
    int fd, c;

    assert_non_null(dir);
    snprintf(un.sun_path, sizeof(un.sun_path), "%s/wec.sock", dir);
    fd = sock_at(3, SOCK_DGRAM, (struct sockaddr *)&un, sizeof(un), 0);
    pass(1, NULL);

    snprintf(want.sun_path, sizeof(want.sun_path), "%s/other.sock", dir);
    assert_int_equal(
        listen_fds_take(NULL, SOCK_DGRAM, (struct sockaddr *)&want), -ENOENT);
    c = listen_fds_take(NULL, SOCK_DGRAM, (struct sockaddr *)&un);
    assert_true(c >= 0);

    close(c);
    close(fd);
    test_rmtree(dir);
    free(dir);
}

/* LISTEN_PID of another process: the sockets are not ours to take. */
static void
test_other_pid(void **state)
{
    struct sockaddr_in lo = in4("127.0.0.1", 0), want;
    int fd = sock_at(3, SOCK_DGRAM, (struct sockaddr *)&lo, sizeof(lo), 0);

    setenv("LISTEN_PID", "1", 1);
    setenv("LISTEN_FDS", "1", 1);
    assert_int_equal(listen_fds_init(), 0);
    want = in4("127.0.0.1", port_of(fd));
    assert_int_equal(
        listen_fds_take(NULL, SOCK_DGRAM, (struct sockaddr *)&want), -ENOENT);
    listen_fds_close_unused();
    assert_true(is_open(fd));
    close(fd);
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
}

#else

/* Without libsystemd there is never a passed socket. */
static void
test_none_without_systemd(void **state)
{
    assert_int_equal(listen_fds_init(), 0);
    assert_int_equal(listen_fds_take("net", SOCK_DGRAM, NULL), -ENOENT);
}

#endif

int
main(void)
{
    const struct CMUnitTest tests[] = {
#ifdef HAVE_SYSTEMD
        cmocka_unit_test(test_match_by_address),
        cmocka_unit_test(test_v6only_and_not_listening),
        cmocka_unit_test(test_match_by_name),
        cmocka_unit_test(test_unix_dgram),
        cmocka_unit_test(test_other_pid),
#else
        cmocka_unit_test(test_none_without_systemd),
#endif
    };

    /* descriptors inherited from the test runner are none of ours */
    close_range(3, ~0U, 0);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
