/*
 * registry.h - the table of payload parsers and the one entry point the
 * daemon, replay, the golden tests and the fuzzers use.
 */
#ifndef SESSIONTAIL_REGISTRY_H
#define SESSIONTAIL_REGISTRY_H

#include "parser.h"

/* Per-source parsing context: correlation state of every parser, and the
 * counters the daemon reports. Owned by the caller of parse_ctx_new(). */
struct parse_ctx;

struct parse_counters {
    uint64_t records;   /* records seen */
    uint64_t events;    /* events produced (a repeat counts N) */
    uint64_t ignored;   /* valid records that carry no session event */
    uint64_t malformed; /* records counted as skipped (-EBADMSG) */
};

/* `format` restricts parsing to one parser name, or NULL / "auto". Returns
 * NULL on ENOMEM or -EINVAL via *ret_err for an unknown format. */
struct parse_ctx *parse_ctx_new(const char *format, int *ret_err);
struct parse_ctx *parse_ctx_free(struct parse_ctx *ctx);

/*
 * Parse one record into ev.  Returns PARSE_EVENT (ev->repeat tells how many
 * times the fact was reported), PARSE_NONE, or -EBADMSG.  Counters in the
 * context are updated.  ev is valid while rec is.
 */
int parse_record(struct parse_ctx *ctx, const struct raw_record *rec,
                 struct event *ev);

void parse_ctx_counters(const struct parse_ctx *ctx,
                        struct parse_counters *ret);

/* True when `name` is a known format (or "auto"). */
bool parser_format_known(const char *name);

#endif
