/*
 * ckpt_check.c - an independent reader of the checkpoint format
 * (daemon/checkpoint.h) for the crash tests: FILE must be whole and valid
 * (version line, entry lines "dev ino offset fingerprint path", the
 * FNV-1a 64 checksum line over every byte before it).  Prints one line
 * per entry, "ino offset path" with the path decoded; exits 0 when valid,
 * 1 with the reason on stderr when not, 2 when FILE cannot be read.
 *
 *   ckpt_check state/auth.pos
 *   1835021 48213 /tmp/x/in/auth.log
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FILE_MAX (8u << 20) /* CHECKPOINT_FILE_MAX */
#define HEX64 16

static char data[FILE_MAX + 1];

static int
bad(const char *why, size_t line)
{
    fprintf(stderr, "ckpt_check: line %zu: %s\n", line, why);
    return 1;
}

/* Decimal digits only, at least one, no overflow past 20 digits. */
static const char *
num(const char *p, const char *end, uint64_t *v)
{
    const char *s = p;

    *v = 0;
    while (p < end && *p >= '0' && *p <= '9' && p - s < 20)
        *v = *v * 10 + (uint64_t)(*p++ - '0');
    return p > s && p < end && *p == ' ' ? p + 1 : NULL;
}

/* A lower-case hex digit's value, -1 for anything else. */
static int
hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                  : -1;
}

/* 16 lower-case hex digits. */
static int
hex64(const char *p, uint64_t *v)
{
    *v = 0;
    for (int i = 0; i < HEX64; i++) {
        if (hexval(p[i]) < 0)
            return -1;
        *v = *v << 4 | (uint64_t)hexval(p[i]);
    }
    return 0;
}

static int
entry(const char *p, const char *end, size_t line)
{
    uint64_t dev, ino, off, fp;

    if ((p = num(p, end, &dev)) == NULL || (p = num(p, end, &ino)) == NULL ||
        (p = num(p, end, &off)) == NULL)
        return bad("bad dev, inode or offset", line);
    if (end - p < HEX64 + 2 || hex64(p, &fp) < 0 || p[HEX64] != ' ')
        return bad("bad fingerprint", line);
    p += HEX64 + 1;
    printf("%" PRIu64 " %" PRIu64 " ", ino, off);
    for (; p < end; p++) {
        unsigned char c = (unsigned char)*p;

        if (c < 0x20 || c == 0x7f)
            return bad("raw control byte in the path", line);
        if (c == '%') {
            if (end - p < 3 || hexval(p[1]) < 0 || hexval(p[2]) < 0)
                return bad("bad %HH escape", line);
            c = (unsigned char)(hexval(p[1]) << 4 | hexval(p[2]));
            p += 2;
        }
        putchar(c);
    }
    putchar('\n');
    return 0;
}

int
main(int argc, char **argv)
{
    uint64_t h = 0xcbf29ce484222325ULL, want;
    const char *magic = "sessiontail-checkpoint 1\n", *p, *last, *end;
    size_t len = 0, line = 2;
    ssize_t n;
    int fd;

    if (argc != 2) {
        fprintf(stderr, "usage: ckpt_check FILE\n");
        return 2;
    }
    fd = open(argv[1], O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        perror(argv[1]);
        return 2;
    }
    while ((n = read(fd, data + len, FILE_MAX + 1 - len)) > 0)
        len += (size_t)n;
    close(fd);
    if (n < 0 || len > FILE_MAX)
        return bad(n < 0 ? strerror(errno) : "too large", 0);
    end = data + len;
    if (len == 0 || end[-1] != '\n')
        return bad("torn: no final newline", 0);
    for (last = end - 1; last > data && last[-1] != '\n'; last--)
        ;
    if (end - last != 9 + HEX64 + 1 || memcmp(last, "checksum ", 9) != 0 ||
        hex64(last + 9, &want) < 0)
        return bad("no checksum line last", 0);
    for (p = data; p < last; p++) {
        h ^= (unsigned char)*p;
        h *= 0x100000001b3ULL;
    }
    if (h != want)
        return bad("checksum mismatch", 0);
    if ((size_t)(last - data) < strlen(magic) ||
        memcmp(data, magic, strlen(magic)) != 0)
        return bad("not a version 1 checkpoint", 1);
    for (p = data + strlen(magic); p < last; line++) {
        const char *nl = memchr(p, '\n', (size_t)(last - p));

        if (entry(p, nl, line) != 0)
            return 1;
        p = nl + 1;
    }
    return 0;
}
