/*
 * fileio.c - bounded whole-file reads (see fileio.h).
 */
#include <errno.h>
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
