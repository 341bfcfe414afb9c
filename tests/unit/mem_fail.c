/*
 * mem_fail.c - test allocator: the mem.h wrappers with a countdown that
 * fails the Nth allocation, for the allocation-failure passes (STYLE 7).
 */
#include <stdlib.h>
#include <string.h>

#include "../../model/mem.h"
#include "testutil.h"

static unsigned long fail_at;
static unsigned long count;

unsigned long
mem_fail_set(unsigned long nth)
{
    unsigned long n = count;

    fail_at = nth;
    count = 0;
    return n;
}

static int
should_fail(void)
{
    count++;
    return fail_at != 0 && count == fail_at;
}

void *
mem_malloc(size_t n)
{
    return should_fail() ? NULL : malloc(n);
}

void *
mem_calloc(size_t nmemb, size_t size)
{
    return should_fail() ? NULL : calloc(nmemb, size);
}

void *
mem_realloc(void *p, size_t n)
{
    return should_fail() ? NULL : realloc(p, n);
}

char *
mem_strndup(const char *s, size_t n)
{
    char *d;

    if (should_fail())
        return NULL;
    d = malloc(n + 1);
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
