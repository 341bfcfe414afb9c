/*
 * dgram_send.c - send each line of a file as one datagram on a unix
 * datagram socket, as OpenWEC's UnixDatagram output does (one event per
 * datagram, no newline).  For tests/it/test_syslog.sh.
 *
 *   dgram_send /run/wec.sock events.jsonl
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define LINE_MAX_LEN (256 * 1024)

static char line[LINE_MAX_LEN];

int
main(int argc, char **argv)
{
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    FILE *f;
    int fd, n = 0;

    if (argc != 3 || strlen(argv[1]) >= sizeof(un.sun_path)) {
        fprintf(stderr, "usage: dgram_send SOCKET FILE\n");
        return 2;
    }
    memcpy(un.sun_path, argv[1], strlen(argv[1]) + 1);
    f = fopen(argv[2], "re");
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (f == NULL || fd < 0) {
        perror("dgram_send");
        return 1;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        size_t len = strcspn(line, "\n");

        if (sendto(fd, line, len, 0, (struct sockaddr *)&un, sizeof(un)) < 0) {
            perror("dgram_send: sendto");
            return 1;
        }
        n++;
    }
    fclose(f);
    close(fd);
    printf("%d\n", n);
    return 0;
}
