/*
 * testutil.h - helpers shared by the cmocka tests.
 */
#ifndef SESSIONTAIL_TESTUTIL_H
#define SESSIONTAIL_TESTUTIL_H

#include <stddef.h>

/* $ST_SOURCE_DIR (the checkout) or "." */
const char *test_source_dir(void);
/* $ST_CORPUS_DIR, or NULL when the corpus is not there. */
const char *test_corpus_dir(void);
/* Read a whole file into a NUL-terminated owned buffer; NULL when absent.
 * *ret_len gets the length. */
char *test_read_file(const char *path, size_t *ret_len);
/* Make a fresh temporary directory; caller frees the string. */
char *test_tmpdir(void);
/* rm -r of a test tmpdir. */
void test_rmtree(const char *path);

/* Allocation failure injection (tests/unit/mem_fail.c): fail the nth
 * allocation from now on (1 = the next one); 0 turns it off.  Returns how
 * many allocations happened since the last call. */
unsigned long mem_fail_set(unsigned long nth);

#endif
