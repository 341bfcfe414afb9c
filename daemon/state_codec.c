/*
 * state_codec.c - the open-session state file: one JSON line per session,
 * written with the renderers' JSON writer and read back with cJSON (see
 * state_codec.h for the format and why each value is spelled as it is).
 *
 *   {"session_id":"9f3a0c1d2e3f4a5b","start_us":"1710424459000000",...}
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../model/render.h"
#include "state_codec.h"

/* The largest integer a double holds exactly (IEEE 754 binary64). */
#define EXACT_DOUBLE_MAX (1ULL << 53)
#define PORT_MAX 65535

/* ---- writing ---- */

/* `key` is the literal text ,"name": */
#define KEY(b, k) buf_append((b), k, sizeof(k) - 1)
#define MEMBER(k) ",\"" k "\":"

static void
put_hex64(struct buf *b, uint64_t v)
{
    char s[HEX64_LEN + 2];

    s[0] = '"';
    hex64_format(v, s + 1);
    s[HEX64_LEN + 1] = '"';
    buf_append(b, s, sizeof(s));
}

/* An int64 as a quoted decimal string: exact, unlike a JSON number read
 * as a double. */
static void
put_dec(struct buf *b, int64_t v)
{
    buf_putc(b, '"');
    buf_put_i64(b, v);
    buf_putc(b, '"');
}

#define STR_M(b, k, v)                                                         \
    json_put_str_member((b), MEMBER(k), sizeof(MEMBER(k)) - 1, (v))
#define NAME_M(b, k, v)                                                        \
    json_put_name_member((b), MEMBER(k), sizeof(MEMBER(k)) - 1, (v))
#define NUM_M(b, k, v)                                                         \
    do {                                                                       \
        KEY((b), MEMBER(k));                                                   \
        buf_put_u64((b), (v));                                                 \
    } while (0)
#define BOOL_M(b, k, v)                                                        \
    do {                                                                       \
        KEY((b), MEMBER(k));                                                   \
        buf_puts((b), (v) ? "true" : "false");                                 \
    } while (0)

void
state_format_header(struct buf *b, int64_t saved_us, uint64_t count)
{
    size_t digits = b->len;

    KEY(b, "{\"sessiontail_state\":");
    buf_put_u64(b, STATE_VERSION);
    KEY(b, ",\"saved\":\"");
    render_time_rfc3339(b, saved_us);
    KEY(b, "\",\"count\":");
    digits = b->len;
    buf_put_u64(b, count);
    for (size_t w = b->len - digits; w < STATE_COUNT_WIDTH; w++)
        buf_putc(b, ' ');
    KEY(b, "}\n");
}

/* The string fields of a view, for the length check. */
static bool
strings_fit(const struct session_view *v)
{
    const struct strv s[] = {v->hostname,    v->login_id,    v->user,
                             v->user_name,   v->user_domain, v->uid,
                             v->auth_method, v->src_ip,      v->result_details};

    if (v->n_sources > SESSION_SOURCES_MAX)
        return false;
    for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
        if (s[i].n > STATE_STR_MAX)
            return false;
    for (size_t i = 0; i < v->n_sources; i++)
        if (v->sources[i].format.n > STATE_STR_MAX ||
            v->sources[i].event_code.n > STATE_STR_MAX ||
            v->sources[i].record_id.n > STATE_STR_MAX)
            return false;
    return true;
}

static void
put_sources(struct buf *b, const struct session_view *v)
{
    KEY(b, MEMBER("sources") "[");
    for (size_t i = 0; i < v->n_sources; i++) {
        const struct session_source *src = &v->sources[i];

        if (i > 0)
            buf_putc(b, ',');
        KEY(b, "{\"time_us\":");
        put_dec(b, src->time_us);
        STR_M(b, "format", src->format);
        STR_M(b, "event_code", src->event_code);
        STR_M(b, "record_id", src->record_id);
        buf_putc(b, '}');
    }
    buf_putc(b, ']');
}

/* The engine words.  Keys are positional (the engine gives the first and
 * the last slot a meaning of their own), so zeros before the last key in
 * use are written too. */
static void
put_engine(struct buf *b, const struct session_view *v)
{
    size_t n = SESSION_KEYS_MAX;

    while (n > 0 && v->keys[n - 1] == 0)
        n--;
    KEY(b, MEMBER("keys") "[");
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            buf_putc(b, ',');
        put_hex64(b, v->keys[i]);
    }
    buf_putc(b, ']');
    if (v->boot != 0) {
        KEY(b, MEMBER("boot"));
        put_hex64(b, v->boot);
    }
    NUM_M(b, "flags", v->flags);
}

/*
 * Append the state line of the open session v (see state_codec.h).  v is
 * borrowed.  Returns 0, -E2BIG (not appended) or -ENOMEM.
 */
int
state_format_session(const struct session_view *v, struct buf *b)
{
    if (!strings_fit(v))
        return -E2BIG;
    KEY(b, "{\"session_id\":");
    json_put_str(b, v->session_id);
    STR_M(b, "previous_session_id", v->previous_session_id);
    KEY(b, MEMBER("start_us"));
    put_dec(b, v->start_us);
    KEY(b, MEMBER("last_us"));
    put_dec(b, v->last_us);
    STR_M(b, "hostname", v->hostname);
    STR_M(b, "login_id", v->login_id);
    STR_M(b, "user", v->user);
    STR_M(b, "user_name", v->user_name);
    STR_M(b, "user_domain", v->user_domain);
    NAME_M(b, "username_type", event_username_type_name(v->username_type));
    STR_M(b, "uid", v->uid);
    NAME_M(b, "user_id_type", event_user_id_type_name(v->user_id_type));
    NAME_M(b, "user_type", event_user_type_name(v->user_type));
    NAME_M(b, "login_type", event_login_type_name(v->login_type));
    if (v->logon_type >= 0)
        NUM_M(b, "logon_type", (uint64_t)v->logon_type);
    BOOL_M(b, "login_successful", v->login_successful);
    STR_M(b, "auth_method", v->auth_method);
    STR_M(b, "src_ip", v->src_ip);
    if (v->src_port > 0)
        NUM_M(b, "src_port", (uint64_t)v->src_port);
    BOOL_M(b, "admin", v->admin);
    if (v->locked)
        BOOL_M(b, "locked", true);
    NUM_M(b, "lock_count", v->lock_count);
    NUM_M(b, "failure_count", v->failure_count);
    STR_M(b, "result_details", v->result_details);
    NUM_M(b, "event_count", v->event_count);
    put_sources(b, v);
    put_engine(b, v);
    KEY(b, "}\n");
    return b->oom ? -ENOMEM : 0;
}

/* ---- reading: every get_* returns false after writing r->why ---- */

/* Why the line last fed was skipped; a static reason names no member. */
static bool
bad(struct state_reader *r, const char *why)
{
    r->why = why;
    return false;
}

static bool
bad_member(struct state_reader *r, const char *name, const char *what)
{
    snprintf(r->why_buf, sizeof(r->why_buf), "\"%s\": %s", name, what);
    r->why = r->why_buf;
    return false;
}

static const cJSON *
member(const cJSON *o, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(o, name);
}

/* A string member copied into the record's store; absent: empty view. */
static bool
get_str(struct state_reader *r, const cJSON *o, const char *name,
        struct strv *ret)
{
    const cJSON *it = member(o, name);
    size_t n;

    *ret = STRV_NULL;
    if (it == NULL)
        return true;
    if (!cJSON_IsString(it))
        return bad_member(r, name, "expected a string");
    n = strlen(it->valuestring);
    if (n > STATE_STR_READ_MAX || n > sizeof(r->rec.store) - r->rec.used)
        return bad_member(r, name, "too long");
    memcpy(r->rec.store + r->rec.used, it->valuestring, n);
    *ret = strv_make(r->rec.store + r->rec.used, n);
    r->rec.used += n;
    return true;
}

static bool
get_hex64(struct state_reader *r, const cJSON *it, const char *name,
          uint64_t *ret)
{
    if (!cJSON_IsString(it) ||
        !strv_to_hex64(strv_from_cstr(it->valuestring), ret))
        return bad_member(r, name, "expected 16 lower-case hex digits");
    return true;
}

/* A session id (SESSION_ID_LEN hex digits) into buf. */
static bool
get_id(struct state_reader *r, const cJSON *o, const char *name, bool required,
       char *buf, struct strv *ret)
{
    const cJSON *it = member(o, name);
    uint64_t id;

    *ret = STRV_NULL;
    if (it == NULL && !required)
        return true;
    if (!cJSON_IsString(it) ||
        !strv_to_hex64(strv_from_cstr(it->valuestring), &id))
        return bad_member(r, name, "expected a session id");
    memcpy(buf, it->valuestring, SESSION_ID_LEN);
    *ret = strv_make(buf, SESSION_ID_LEN);
    return true;
}

/* A required int64 written as a decimal string ("-12", "1710424459"). */
static bool
get_time(struct state_reader *r, const cJSON *o, const char *name, int64_t *ret)
{
    const cJSON *it = member(o, name);
    struct strv s;
    bool neg;
    uint64_t u;

    if (!cJSON_IsString(it))
        return bad_member(r, name, "expected a decimal string");
    s = strv_from_cstr(it->valuestring);
    neg = s.n > 0 && s.p[0] == '-';
    if (neg)
        s = strv_make(s.p + 1, s.n - 1);
    if (strv_to_u64(s, neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX,
                    &u) < 0)
        return bad_member(r, name, "expected a decimal string");
    /* -(INT64_MAX + 1) is INT64_MIN: negate in unsigned arithmetic. */
    *ret = neg ? (int64_t)(0 - u) : (int64_t)u;
    return true;
}

/* An integer number in [0, max] (max <= 2^53, so the double is exact);
 * absent: 0, or an error when required. */
static bool
get_uint(struct state_reader *r, const cJSON *o, const char *name, uint64_t max,
         uint64_t *ret)
{
    const cJSON *it = member(o, name);
    double d;

    *ret = 0;
    if (it == NULL)
        return true;
    if (!cJSON_IsNumber(it))
        return bad_member(r, name, "expected a number");
    d = it->valuedouble;
    if (!(d >= 0 && d <= (double)max) || (double)(uint64_t)d != d)
        return bad_member(r, name, "out of range");
    *ret = (uint64_t)d;
    return true;
}

static bool
get_bool(struct state_reader *r, const cJSON *o, const char *name, bool *ret)
{
    const cJSON *it = member(o, name);

    *ret = false;
    if (it == NULL)
        return true;
    if (!cJSON_IsBool(it))
        return bad_member(r, name, "expected true or false");
    *ret = cJSON_IsTrue(it);
    return true;
}

/* An enum by its name (event.h lookups); absent: 0, the "none" value. */
static bool
get_enum(struct state_reader *r, const cJSON *o, const char *name,
         int (*lookup)(struct strv), int *ret)
{
    const cJSON *it = member(o, name);
    int e;

    *ret = 0;
    if (it == NULL)
        return true;
    if (!cJSON_IsString(it))
        return bad_member(r, name, "expected a string");
    e = lookup(strv_from_cstr(it->valuestring));
    if (e < 0)
        return bad_member(r, name, "unknown name");
    *ret = e;
    return true;
}

static bool
get_strings(struct state_reader *r, const cJSON *o)
{
    struct session_view *v = &r->rec.v;

    return get_str(r, o, "hostname", &v->hostname) &&
           get_str(r, o, "login_id", &v->login_id) &&
           get_str(r, o, "user", &v->user) &&
           get_str(r, o, "user_name", &v->user_name) &&
           get_str(r, o, "user_domain", &v->user_domain) &&
           get_str(r, o, "uid", &v->uid) &&
           get_str(r, o, "auth_method", &v->auth_method) &&
           get_str(r, o, "src_ip", &v->src_ip) &&
           get_str(r, o, "result_details", &v->result_details);
}

static bool
get_enums(struct state_reader *r, const cJSON *o)
{
    struct session_view *v = &r->rec.v;
    int unt, uidt, ut, lt;

    if (!get_enum(r, o, "username_type", event_username_type_from_name, &unt) ||
        !get_enum(r, o, "user_id_type", event_user_id_type_from_name, &uidt) ||
        !get_enum(r, o, "user_type", event_user_type_from_name, &ut) ||
        !get_enum(r, o, "login_type", event_login_type_from_name, &lt))
        return false;
    v->username_type = (enum ev_username_type)unt;
    v->user_id_type = (enum ev_user_id_type)uidt;
    v->user_type = (enum ev_user_type)ut;
    v->login_type = (enum ev_login_type)lt;
    return true;
}

static bool
get_numbers(struct state_reader *r, const cJSON *o)
{
    struct session_view *v = &r->rec.v;
    uint64_t logon_type, port, locks, failures, flags;

    if (!get_uint(r, o, "logon_type", INT_MAX, &logon_type) ||
        !get_uint(r, o, "src_port", PORT_MAX, &port) ||
        !get_uint(r, o, "lock_count", UINT32_MAX, &locks) ||
        !get_uint(r, o, "failure_count", UINT32_MAX, &failures) ||
        !get_uint(r, o, "event_count", EXACT_DOUBLE_MAX, &v->event_count) ||
        !get_uint(r, o, "flags", UINT32_MAX, &flags) ||
        !get_bool(r, o, "login_successful", &v->login_successful) ||
        !get_bool(r, o, "admin", &v->admin) ||
        !get_bool(r, o, "locked", &v->locked))
        return false;
    v->logon_type = member(o, "logon_type") ? (int)logon_type : -1;
    v->src_port = (int)port;
    v->lock_count = (uint32_t)locks;
    v->failure_count = (uint32_t)failures;
    v->flags = (uint32_t)flags;
    return true;
}

static bool
get_sources(struct state_reader *r, const cJSON *o)
{
    const cJSON *arr = member(o, "sources"), *it;
    struct session_view *v = &r->rec.v;

    if (arr == NULL)
        return true;
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > SESSION_SOURCES_MAX)
        return bad_member(r, "sources", "expected an array, not too long");
    cJSON_ArrayForEach(it, arr)
    {
        struct session_source *src = &v->sources[v->n_sources];

        if (!cJSON_IsObject(it))
            return bad_member(r, "sources", "expected objects");
        if (!get_str(r, it, "format", &src->format) ||
            !get_str(r, it, "event_code", &src->event_code) ||
            !get_str(r, it, "record_id", &src->record_id) ||
            !get_time(r, it, "time_us", &src->time_us))
            return false;
        v->n_sources++;
    }
    return true;
}

/* Keys by position (unused ones zero), boot; which keys a session may
 * have is the session table's to judge. */
static bool
get_engine(struct state_reader *r, const cJSON *o)
{
    const cJSON *arr = member(o, "keys"), *it;
    struct session_view *v = &r->rec.v;
    size_t n = 0;

    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > SESSION_KEYS_MAX)
        return bad_member(r, "keys", "expected a short array");
    cJSON_ArrayForEach(it, arr)
    {
        if (!get_hex64(r, it, "keys", &v->keys[n++]))
            return false;
    }
    it = member(o, "boot");
    return it == NULL || get_hex64(r, it, "boot", &v->boot);
}

/* Fill r->rec from one parsed session object; false: skipped. */
static bool
get_session(struct state_reader *r, const cJSON *o)
{
    struct session_view *v = &r->rec.v;

    *v = (struct session_view){.state = SESSION_STATE_OPEN,
                               .end_reason = SESSION_END_NONE,
                               .end_us = EVENT_TIME_UNSET};
    r->rec.used = 0;
    if (!cJSON_IsObject(o))
        return bad(r, "not a JSON object");
    return get_id(r, o, "session_id", true, v->id_buf, &v->session_id) &&
           get_id(r, o, "previous_session_id", false, v->prev_buf,
                  &v->previous_session_id) &&
           get_time(r, o, "start_us", &v->start_us) &&
           get_time(r, o, "last_us", &v->last_us) && get_strings(r, o) &&
           get_enums(r, o) && get_numbers(r, o) && get_sources(r, o) &&
           get_engine(r, o);
}

/* The header line: -EBADMSG, -EPROTONOSUPPORT or 0. */
static int
get_header(struct state_reader *r, const cJSON *o)
{
    const cJSON *ver = member(o, "sessiontail_state");
    uint64_t count;

    if (!cJSON_IsObject(o) || !cJSON_IsNumber(ver))
        return -EBADMSG;
    if (ver->valuedouble != STATE_VERSION)
        return -EPROTONOSUPPORT;
    if (!cJSON_IsString(member(o, "saved")) ||
        !get_uint(r, o, "count", STATE_SESSIONS_MAX, &count) ||
        member(o, "count") == NULL)
        return -EBADMSG;
    r->count = count;
    r->header = true;
    return 0;
}

void
state_reader_init(struct state_reader *r)
{
    r->line_no = 0;
    r->count = 0;
    r->sessions = 0;
    r->skipped = 0;
    r->header = false;
    r->why = NULL;
}

/* Parse the line as one JSON value; NULL (r->why set) when it is not. */
static cJSON *
parse_json(struct state_reader *r, const char *p, size_t n,
           enum state_line_end end)
{
    const char *stop = NULL;
    cJSON *o;

    if (end == STATE_LINE_OVERLONG || n > STATE_LINE_MAX) {
        bad(r, "line longer than STATE_LINE_MAX");
        return NULL;
    }
    if (end == STATE_LINE_EOF) {
        bad(r, "last line cut short (no newline)");
        return NULL;
    }
    /* cJSON also returns NULL when it runs out of memory: that line is
     * then reported as "not JSON", and skipped like one. */
    o = cJSON_ParseWithLengthOpts(p, n, &stop, 0);
    if (o == NULL) {
        bad(r, "not JSON");
    } else if (stop != p + n) {
        bad(r, "bytes after the JSON value");
        o = (cJSON_Delete(o), NULL);
    }
    return o;
}

/*
 * Feed one line (see state_codec.h).  The header must be the first line
 * and whole; any other line that is not one valid session is counted and
 * skipped, so one damaged line costs one session, not the file.
 */
int
state_reader_line(struct state_reader *r, const char *p, size_t n,
                  enum state_line_end end, const char **ret_why)
{
    cJSON *o;
    int rc = 0;

    r->why = NULL;
    if (r->line_no >= STATE_SESSIONS_MAX)
        return -E2BIG;
    r->line_no++;
    o = parse_json(r, p, n, end);
    if (!r->header)
        rc = o != NULL ? get_header(r, o) : -EBADMSG;
    else if (o != NULL && get_session(r, o))
        rc = 1;
    if (rc == 1)
        r->sessions++;
    else if (rc == 0 && r->why != NULL)
        r->skipped++;
    *ret_why = r->why;
    cJSON_Delete(o);
    return rc;
}
