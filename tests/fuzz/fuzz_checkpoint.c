/*
 * fuzz_checkpoint.c - libFuzzer target for checkpoint_parse().
 *
 * Any input must be rejected cleanly or parse; whatever parses must render
 * back (checkpoint_format) to the very same bytes, since the format has one
 * spelling per value.  Seed: a file written by checkpoint_save(), e.g.
 *
 *   sessiontail-checkpoint 1
 *   64769 1835021 48213 9f3a0c1d2e3f4a5b /var/log/auth.log
 *   checksum <16 hex digits>
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../daemon/checkpoint.h"
#include "../../model/buf.h"
#include "../../model/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parse; whatever parses must render back to equal entries. */
static void
check_one(const char *data, size_t size)
{
    struct checkpoint_entry *e = NULL;
    struct buf out;
    size_t n = 0;

    if (checkpoint_parse(data, size, &e, &n) < 0)
        return;
    buf_init(&out, 0);
    if (checkpoint_format(e, n, &out) == 0 &&
        (out.len != size || memcmp(out.data, data, size) != 0)) {
        /* leading zeros in numbers are the one allowed second spelling */
        struct checkpoint_entry *again = NULL;
        size_t n2 = 0;

        if (checkpoint_parse(out.data, out.len, &again, &n2) < 0 || n2 != n)
            abort();
        for (size_t i = 0; i < n; i++)
            if (again[i].dev != e[i].dev || again[i].ino != e[i].ino ||
                again[i].offset != e[i].offset ||
                again[i].fingerprint != e[i].fingerprint ||
                strcmp(again[i].path, e[i].path) != 0)
                abort();
        mem_free(again);
    }
    buf_done(&out);
    mem_free(e);
}

/*
 * Parse the input as it is, then again with a valid checksum line appended
 * so the fuzzer reaches the entry parser without having to solve FNV-1a.
 * abort() on a round-trip mismatch.  Owns nothing past the call.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct buf framed;
    char line[32];
    uint64_t sum;

    check_one((const char *)data, size);
    if (size > CHECKPOINT_FILE_MAX)
        return 0;
    buf_init(&framed, 0);
    buf_append(&framed, data, size);
    sum = checkpoint_fnv1a(CHECKPOINT_FNV_INIT, data, size);
    snprintf(line, sizeof(line), "checksum %016llx\n", (unsigned long long)sum);
    buf_puts(&framed, line);
    if (!framed.oom)
        check_one(framed.data, framed.len);
    buf_done(&framed);
    return 0;
}
