/*
 * mem.c - production allocation wrappers: plain libc.
 */
#include <stdlib.h>
#include <string.h>

#include "mem.h"

void *
mem_malloc(size_t n)
{
    return malloc(n);
}

void *
mem_calloc(size_t nmemb, size_t size)
{
    return calloc(nmemb, size);
}

void *
mem_realloc(void *p, size_t n)
{
    return realloc(p, n);
}

/*
 * Copy at most n bytes of s into a new NUL-terminated string.  Returns NULL
 * on ENOMEM; the caller frees with mem_free().
 */
char *
mem_strndup(const char *s, size_t n)
{
    char *d = malloc(n + 1);

    if (d == NULL)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

void
mem_free(void *p)
{
    free(p);
}
