/*
 * fuzz_journal.c - the journal envelope and the payload parsers behind it
 * (parsers/journal.c, parsers/logind.c): the input is split at NUL bytes
 * into the fields of a struct journal_fields (identifier, pid, hostname,
 * boot id, MESSAGE_ID, SESSION_ID, USER_ID, LEADER, cursor) and the rest
 * is MESSAGE; the record goes through parse_record() like a journal
 * source's, and the event is rendered.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../model/render.h"
#include "../../parsers/registry.h"

/* Fields taken from the front of the input before MESSAGE. */
#define FUZZ_JOURNAL_FIELDS 9

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Split off the next NUL-terminated field; the rest stays in *p, *n. */
static struct strv
take(const char **p, size_t *n)
{
    const char *z = memchr(*p, '\0', *n);
    struct strv v;

    if (z == NULL)
        return STRV_NULL;
    v = strv_make(*p, (size_t)(z - *p));
    *n -= v.n + 1;
    *p = z + 1;
    return v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct parse_ctx *ctx;
    struct journal_fields jf = {.realtime_us = 1710424459000000};
    struct strv *slots[FUZZ_JOURNAL_FIELDS] = {
        &jf.identifier, &jf.pid,     &jf.hostname, &jf.boot_id, &jf.message_id,
        &jf.session_id, &jf.user_id, &jf.leader,   &jf.cursor,
    };
    const char *p = (const char *)data;
    size_t n = size;
    struct raw_record rec;
    struct event ev;
    struct buf b;

    if (ctx == NULL)
        ctx = parse_ctx_new(NULL, NULL);
    if (ctx == NULL)
        return 0;
    for (size_t i = 0; i < FUZZ_JOURNAL_FIELDS; i++)
        *slots[i] = take(&p, &n);
    rec = (struct raw_record){
        .kind = RECORD_JOURNAL,
        .data = p,
        .len = n,
        .source = STRV_LIT("fuzz"),
        .ref_time_us = jf.realtime_us,
        .journal = &jf,
    };
    buf_init(&b, 0);
    if (parse_record(ctx, &rec, &ev) == PARSE_EVENT)
        event_to_json(&ev, &b);
    buf_done(&b);
    return 0;
}
