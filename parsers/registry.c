/*
 * registry.c - the table of payload parsers and parse_record(), the one
 * entry point of the parsing pipeline (DESIGN 1): envelope first, then
 * the payload parser chosen by content rules or by program name.
 *
 * Routing is table-driven: content rules first (a message starting with
 * "pam_unix(" is pam's whatever the program; old Linux-PAM's
 * "sshd(pam_unix)" program names too), then each parser's `programs`.
 * Later formats detected by content (Windows "{", "<Event") add rules.
 *
 * Example: "Dec 10 09:32:20 LabSZ sshd[24680]: Accepted password for fztu
 * from 119.137.62.142 port 49116 ssh2" -> envelope (time, LabSZ, sshd,
 * 24680) -> sshd parser -> login ok.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "../model/mem.h"
#include "registry.h"

extern const struct parser_ops parser_sshd_ops;
extern const struct parser_ops parser_pam_ops;
extern const struct parser_ops parser_login_ops;
extern const struct parser_ops parser_su_ops;
extern const struct parser_ops parser_windows_json_ops;
extern const struct parser_ops parser_nxlog_json_ops;
extern const struct parser_ops parser_openwec_json_ops;
extern const struct parser_ops parser_winlogbeat_json_ops;
extern const struct parser_ops parser_winxml_ops;
extern const struct parser_ops parser_snare_ops;
extern const struct parser_ops parser_wintext_ops;
extern const struct parser_ops parser_nxlog_sd_ops;
extern const struct parser_ops parser_logind_ops;
extern const struct parser_ops parser_utmp_ops;

/* Room for the parser table (the NULL-terminated array below). */
#define REGISTRY_PARSERS_MAX 16

static const struct parser_ops *const registry_parsers[] = {
    &parser_sshd_ops,
    &parser_pam_ops,
    &parser_login_ops,
    &parser_su_ops,
    &parser_windows_json_ops,
    &parser_nxlog_json_ops,
    &parser_openwec_json_ops,
    &parser_winlogbeat_json_ops,
    &parser_winxml_ops,
    &parser_snare_ops,
    &parser_wintext_ops,
    &parser_nxlog_sd_ops,
    &parser_logind_ops,
    &parser_utmp_ops,
    NULL,
};

_Static_assert(sizeof(registry_parsers) / sizeof(registry_parsers[0]) <=
                   REGISTRY_PARSERS_MAX,
               "raise REGISTRY_PARSERS_MAX");

enum route_kind {
    ROUTE_MSG_PREFIX, /* the message starts with `text` */
    ROUTE_APP_SUFFIX, /* the program name ends with `text` */
    ROUTE_SD_ELEMENT, /* the RFC 5424 STRUCTURED-DATA holds `text` */
};

/* Content rules, tried before the program names. */
static const struct {
    enum route_kind kind;
    const char *text;
    const struct parser_ops *ops;
} registry_routes[] = {
    {ROUTE_MSG_PREFIX, "pam_unix(", &parser_pam_ops},
    {ROUTE_MSG_PREFIX, "pam_unix: ", &parser_pam_ops},
    {ROUTE_MSG_PREFIX, "(pam_unix) ", &parser_pam_ops},
    {ROUTE_APP_SUFFIX, "(pam_unix)", &parser_pam_ops},
    /* Windows JSON (NXLog, OpenWEC, Winlogbeat): the flavour by its keys */
    {ROUTE_MSG_PREFIX, "{", &parser_windows_json_ops},
    /* Windows Event XML: <Event ...> (also <Events>), or behind a prolog */
    {ROUTE_MSG_PREFIX, "<Event", &parser_winxml_ops},
    {ROUTE_MSG_PREFIX, "<?xml", &parser_winxml_ops},
    /* ...and one with a DOCTYPE, to be refused there (billion laughs) */
    {ROUTE_MSG_PREFIX, "<!DOCTYPE", &parser_winxml_ops},
    /* Snare for Windows: "MSWinEventLog<TAB>criticality<TAB>..." */
    {ROUTE_MSG_PREFIX, "MSWinEventLog", &parser_snare_ops},
    /* NXLog to_syslog_ietf: every field an SD-PARAM of [NXLOG@14506 ...] */
    {ROUTE_SD_ELEMENT, "[NXLOG@", &parser_nxlog_sd_ops},
};

/* Owned by the caller of parse_ctx_new(); freed by parse_ctx_free(). */
struct parse_ctx {
    const struct parser_ops *only; /* NULL: every parser */
    void *state[REGISTRY_PARSERS_MAX];
    struct parse_counters counters;
};

static const struct parser_ops *
registry_find(const char *name)
{
    for (size_t i = 0; registry_parsers[i] != NULL; i++)
        if (strcmp(registry_parsers[i]->name, name) == 0)
            return registry_parsers[i];
    return NULL;
}

static bool
format_is_auto(const char *format)
{
    return format == NULL || strcmp(format, "auto") == 0;
}

/* True when `name` is a parser name or "auto" (NULL counts as auto). */
bool
parser_format_known(const char *name)
{
    return format_is_auto(name) || registry_find(name) != NULL;
}

/*
 * Parsers whose ops share a state_new share one state (pam, su and login
 * correlate their failures): index of the first parser with the same
 * constructor, or i itself.
 */
static size_t
state_owner(size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (registry_parsers[j]->state_new == registry_parsers[i]->state_new)
            return j;
    return i;
}

/*
 * Make a parsing context for `format` (NULL or "auto": all parsers).
 * Returns NULL with *ret_err = -EINVAL for an unknown format or -ENOMEM.
 * The caller frees it with parse_ctx_free().
 */
struct parse_ctx *
parse_ctx_new(const char *format, int *ret_err)
{
    struct parse_ctx *ctx;
    const struct parser_ops *only = NULL;
    int dummy;

    if (ret_err == NULL)
        ret_err = &dummy;
    if (!format_is_auto(format) && (only = registry_find(format)) == NULL) {
        *ret_err = -EINVAL;
        return NULL;
    }
    ctx = mem_calloc(1, sizeof(*ctx));
    if (ctx == NULL)
        goto fail;
    ctx->only = only;
    for (size_t i = 0; registry_parsers[i] != NULL; i++) {
        size_t o = state_owner(i);

        if (registry_parsers[i]->state_new == NULL || o != i)
            continue;
        ctx->state[i] = registry_parsers[i]->state_new();
        if (ctx->state[i] == NULL)
            goto fail;
    }
    return ctx;
fail:
    parse_ctx_free(ctx);
    *ret_err = -ENOMEM;
    return NULL;
}

/* Free ctx and every parser state; accepts NULL; returns NULL. */
struct parse_ctx *
parse_ctx_free(struct parse_ctx *ctx)
{
    if (ctx == NULL)
        return NULL;
    for (size_t i = 0; registry_parsers[i] != NULL; i++)
        if (ctx->state[i] != NULL && registry_parsers[i]->state_free)
            registry_parsers[i]->state_free(ctx->state[i]);
    mem_free(ctx);
    return NULL;
}

static bool
route_matches(size_t r, const struct envelope *env)
{
    struct strv t = strv_from_cstr(registry_routes[r].text);

    switch (registry_routes[r].kind) {
    case ROUTE_MSG_PREFIX:
        return env->msg.n >= t.n && memcmp(env->msg.p, t.p, t.n) == 0;
    case ROUTE_APP_SUFFIX:
        return env->app.n >= t.n &&
               memcmp(env->app.p + env->app.n - t.n, t.p, t.n) == 0;
    case ROUTE_SD_ELEMENT:
        return env->sd.n >= t.n && memmem(env->sd.p, env->sd.n, t.p, t.n);
    }
    return false;
}

/* The parser index for env, or -1 when no parser wants it. */
static int
route(const struct envelope *env)
{
    const struct parser_ops *ops = NULL;

    for (size_t r = 0; r < sizeof(registry_routes) / sizeof(registry_routes[0]);
         r++)
        if (route_matches(r, env)) {
            ops = registry_routes[r].ops;
            break;
        }
    for (int i = 0; registry_parsers[i] != NULL; i++) {
        const char *const *prog = registry_parsers[i]->programs;

        if (ops != NULL) {
            if (registry_parsers[i] == ops)
                return i;
            continue;
        }
        for (; prog != NULL && *prog != NULL; prog++)
            if (strv_eq_cstr(env->app, *prog))
                return i;
    }
    return -1;
}

static int
index_of(const struct parser_ops *ops)
{
    for (int i = 0; registry_parsers[i] != NULL; i++)
        if (registry_parsers[i] == ops)
            return i;
    return -1;
}

/*
 * A record with no syslog header that is a payload by itself: a JSON
 * object or an XML element (NXLog, OpenWEC and Winlogbeat write files of
 * bare JSON lines; export tools write bare Event XML).  The payload carries
 * its own time and host.  Returns 0 with env set, or -EBADMSG.
 */
static int
bare_payload(const struct raw_record *rec, struct envelope *env)
{
    size_t i = 0;

    while (i < rec->len && (rec->data[i] == ' ' || rec->data[i] == '\t'))
        i++;
    if (i == rec->len || (rec->data[i] != '{' && rec->data[i] != '<'))
        return -EBADMSG;
    *env = (struct envelope){.time_us = EVENT_TIME_UNSET, .pri = -1};
    env->msg = strv_make(rec->data + i, rec->len - i);
    return 0;
}

/* Envelope facts every event carries (DESIGN 2). */
static void
set_record_fields(struct event *ev, const struct raw_record *rec,
                  const struct envelope *env, const struct parser_ops *ops)
{
    ev->time_us =
        env->time_us != EVENT_TIME_UNSET ? env->time_us : rec->ref_time_us;
    ev->hostname = env->hostname;
    if (strv_present(rec->source))
        ev->source = rec->source;
    if (rec->has_offset)
        ev->record_id = event_scratch_u64(ev, rec->offset);
    if (rec->kind == RECORD_JOURNAL && rec->journal != NULL) {
        ev->record_id = rec->journal->cursor; /* DESIGN 2 */
        ev->boot_id = rec->journal->boot_id;
    }
    ev->format = strv_from_cstr(ops->name);
}

static int
count(struct parse_ctx *ctx, int r, const struct event *ev)
{
    if (r == PARSE_EVENT)
        ctx->counters.events += ev->repeat;
    else if (r == -EBADMSG)
        ctx->counters.malformed++;
    else
        ctx->counters.ignored++;
    return r;
}

/*
 * A wtmp/btmp record (RECORD_UTMP): no envelope, straight to the utmp
 * parser, with the host the source says the records are about.
 */
static int
parse_utmp(struct parse_ctx *ctx, const struct raw_record *rec,
           struct event *ev)
{
    struct envelope env = {.time_us = EVENT_TIME_UNSET, .pri = -1};
    int r;

    if (ctx->only != NULL && ctx->only != &parser_utmp_ops)
        return count(ctx, PARSE_NONE, ev);
    env.hostname = rec->hostname;
    set_record_fields(ev, rec, &env, &parser_utmp_ops);
    r = parser_utmp_record(rec, ev);
    if (r != PARSE_EVENT)
        event_init(ev);
    if (r < 0 && r != -EBADMSG)
        r = -EBADMSG;
    return count(ctx, r, ev);
}

/*
 * Parse one record into ev: envelope, routing, payload parser.  Returns
 * PARSE_EVENT, PARSE_NONE or -EBADMSG and updates the counters.  ev holds
 * views into rec: valid while rec is.
 */
int
parse_record(struct parse_ctx *ctx, const struct raw_record *rec,
             struct event *ev)
{
    struct envelope env;
    int i, r;

    ctx->counters.records++;
    event_init(ev);
    if (rec->truncated)
        return count(ctx, -EBADMSG, ev);
    if (rec->kind == RECORD_UTMP)
        return parse_utmp(ctx, rec, ev);
    if (rec->kind == RECORD_JOURNAL) {
        if (parser_journal_envelope(rec, &env) < 0)
            return count(ctx, -EBADMSG, ev);
    } else if (parser_syslog_envelope(rec, &env) < 0 &&
               bare_payload(rec, &env) < 0)
        return count(ctx, -EBADMSG, ev);
    env.ref_time_us = rec->ref_time_us;
    env.tz_offset_s = rec->tz_offset_s;
    i = route(&env);
    if (ctx->only != NULL) {
        /* Parsers sharing a parse function are one family (the Windows
         * JSON flavours): the one asked for takes what the route found. */
        if (i >= 0 && registry_parsers[i]->parse != ctx->only->parse)
            return count(ctx, PARSE_NONE, ev);
        i = index_of(ctx->only); /* the user said what it is */
    }
    if (i < 0)
        return count(ctx, PARSE_NONE, ev);
    set_record_fields(ev, rec, &env, registry_parsers[i]);
    r = registry_parsers[i]->parse(&env, ev, ctx->state[state_owner(i)]);
    if (r != PARSE_EVENT)
        event_init(ev);
    if (r < 0 && r != -EBADMSG)
        r = -EBADMSG;
    return count(ctx, r, ev);
}

/* Copy the counters out. */
void
parse_ctx_counters(const struct parse_ctx *ctx, struct parse_counters *ret)
{
    *ret = ctx->counters;
}
