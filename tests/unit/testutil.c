/*
 * testutil.c - helpers shared by the cmocka tests.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

const char *
test_source_dir(void)
{
    const char *d = getenv("ST_SOURCE_DIR");

    return d ? d : ".";
}

const char *
test_corpus_dir(void)
{
    const char *d = getenv("ST_CORPUS_DIR");
    struct stat st;

    if (d == NULL || stat(d, &st) < 0 || !S_ISDIR(st.st_mode))
        return NULL;
    return d;
}

char *
test_read_file(const char *path, size_t *ret_len)
{
    FILE *f = fopen(path, "rbe");
    char *data = NULL;
    size_t len = 0, cap = 0, n;

    if (f == NULL)
        return NULL;
    for (;;) {
        if (cap - len < 65536) {
            char *p = realloc(data, cap + 65536 + 1);

            if (p == NULL) {
                free(data);
                fclose(f);
                return NULL;
            }
            data = p;
            cap += 65536;
        }
        n = fread(data + len, 1, cap - len, f);
        if (n == 0)
            break;
        len += n;
    }
    fclose(f);
    if (data == NULL)
        data = calloc(1, 1);
    if (data != NULL)
        data[len] = '\0';
    if (ret_len)
        *ret_len = len;
    return data;
}

char *
test_tmpdir(void)
{
    char tmpl[] = "/tmp/sessiontail-test-XXXXXX";

    if (mkdtemp(tmpl) == NULL)
        return NULL;
    return strdup(tmpl);
}

static int
rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void
test_rmtree(const char *path)
{
    if (path != NULL)
        nftw(path, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}
