/*
 * fileio.c - bounded whole-file reads and atomic replaces (see fileio.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "../model/mem.h"
#include "fileio.h"

/* First allocation; it doubles up to max + 2. */
#define FILEIO_CHUNK 4096

int
fileio_read(int fd, size_t max, char **ret, size_t *ret_len)
{
    size_t cap = 0, len = 0;
    char *data = NULL;
    int r;

    for (;;) {
        ssize_t n;

        if (len + 1 >= cap) { /* full, but for the NUL */
            size_t ncap = cap ? cap * 2 : FILEIO_CHUNK;
            char *nd;

            if (ncap > max + 2)
                ncap = max + 2;
            if (ncap <= cap)
                break; /* max + 1 bytes read: the caller sees "too large" */
            nd = mem_realloc(data, ncap);
            if (nd == NULL) {
                r = -ENOMEM;
                goto fail;
            }
            data = nd;
            cap = ncap;
        }
        n = read(fd, data + len, cap - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            r = -errno;
            goto fail;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    data[len] = '\0';
    *ret = data;
    *ret_len = len;
    return 0;
fail:
    mem_free(data);
    return r;
}

/* Write n bytes, resuming after short writes and EINTR. */
int
fileio_write_all(int fd, const void *p, size_t n)
{
    const char *s = p;

    while (n > 0) {
        ssize_t w = write(fd, s, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -errno;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The temporary of an atomic replace: 0600, O_CLOEXEC, O_NOFOLLOW. */
int
fileio_tmp_open(const char *tmp)
{
    int fd =
        open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);

    return fd < 0 ? -errno : fd;
}

/* fsync, close, rename tmp over path; tmp removed on failure. */
int
fileio_tmp_commit(int fd, const char *tmp, const char *path)
{
    int r = 0;

    if (fsync(fd) < 0)
        r = -errno;
    if (close(fd) < 0 && r == 0)
        r = -errno;
    if (r == 0 && rename(tmp, path) < 0)
        r = -errno;
    if (r < 0)
        unlink(tmp);
    return r;
}

/* fsync a directory opened read-only. */
int
fileio_fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int r = 0;

    if (fd < 0)
        return -errno;
    if (fsync(fd) < 0)
        r = -errno;
    close(fd);
    return r;
}
