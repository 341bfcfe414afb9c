/*
 * mem.h - allocation wrappers.
 *
 * Every allocation in sessiontail goes through these so that the tests can
 * fail the Nth allocation (tests/unit/mem_fail.c provides a second
 * implementation of the same symbols) and check that each failure path is
 * clean.  The production implementation lives in model/mem.c.
 */
#ifndef SESSIONTAIL_MEM_H
#define SESSIONTAIL_MEM_H

#include <stddef.h>

void *mem_malloc(size_t n);
void *mem_calloc(size_t nmemb, size_t size);
void *mem_realloc(void *p, size_t n);
char *mem_strndup(const char *s, size_t n);
void mem_free(void *p);

#endif
