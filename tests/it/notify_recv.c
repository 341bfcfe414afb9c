/*
 * notify_recv.c - the service manager's end of sd_notify(3) for tests: a
 * unix datagram socket at PATH; every message received is written to
 * stdout as one line, its newline-separated fields joined by '|'.  Runs
 * until killed.  For tests/it/test_notify.sh.
 *
 *   notify_recv /tmp/x/notify.sock >notify.log
 *   READY=1|STATUS=records 0, events 0, open sessions 0, dropped 0
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MSG_MAX 4096 /* sd_notify messages are short */

int
main(int argc, char **argv)
{
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    char msg[MSG_MAX + 1];
    int fd;

    if (argc != 2 || strlen(argv[1]) >= sizeof(un.sun_path)) {
        fprintf(stderr, "usage: notify_recv SOCKET\n");
        return 2;
    }
    memcpy(un.sun_path, argv[1], strlen(argv[1]) + 1);
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&un, sizeof(un)) < 0) {
        perror("notify_recv");
        return 1;
    }
    for (;;) {
        ssize_t n = recv(fd, msg, MSG_MAX, 0);

        if (n < 0) {
            perror("notify_recv");
            return 1;
        }
        while (n > 0 && msg[n - 1] == '\n')
            n--;
        for (ssize_t i = 0; i < n; i++)
            if (msg[i] == '\n')
                msg[i] = '|';
        msg[n] = '\n';
        if (fwrite(msg, 1, (size_t)n + 1, stdout) != (size_t)n + 1 ||
            fflush(stdout) != 0)
            return 1;
    }
}
