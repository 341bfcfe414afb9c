/*
 * render.c - JSON and one-line text renderings of events (DESIGN 2) and
 * session records (DESIGN 3).
 *
 * JSON (RFC 8259): strings are escaped through a 256-entry class table;
 * runs of bytes that need nothing are copied with one memcpy.  UTF-8 is
 * validated per RFC 3629 section 4 (no overlong forms, no surrogates
 * D800-DFFF, nothing past U+10FFFF, no truncated sequences); each byte of
 * an invalid sequence is written as \u00XX (its Latin-1 reading), so no
 * byte is lost and the output is always valid JSON.  U+2028 and U+2029 are
 * escaped too: they end a line in JavaScript; and so are the C1 controls
 * (U+0080-U+009F, U+009B is CSI) and the bidirectional overrides, which
 * must not reach a terminal that shows a JSON file (DESIGN 9).
 *
 *   {"record":"event","time":"2024-03-14T13:54:19.000000Z","action":"login",
 *    "login_successful":true,"hostname":"web01","user":"alice",...}
 *
 * Text is for a terminal: every control byte, DEL, the C1 controls, the
 * bidirectional overrides and invalid UTF-8 are written as \xHH, so a
 * hostile value cannot move the cursor or recolour the screen.
 *
 *   2024-03-14 13:54:19  web01  login ok      alice  from 10.0.0.5:50438
 *   sshd/publickey
 *
 * Times are rendered with days-from-civil arithmetic (H. Hinnant,
 * "chrono-Compatible Low-Level Date Algorithms"), UTC, no libc calls.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "render.h"
#include "session.h"

/* Width of the action column of the text rendering ("login failed"). */
#define TEXT_ACTION_WIDTH 12
/* Width of the record column of the session text ("session closed"). */
#define TEXT_SESSION_WIDTH 14

/* Byte classes for the JSON writer. */
enum {
    C_OK = 0, /* copied as is */
    C_ESC,    /* a short escape or \u00XX */
    C_HIGH,   /* 0x80-0xFF: start of a UTF-8 sequence, to validate */
};

#define C_ESC8 C_ESC, C_ESC, C_ESC, C_ESC, C_ESC, C_ESC, C_ESC, C_ESC
#define C_OK8 C_OK, C_OK, C_OK, C_OK, C_OK, C_OK, C_OK, C_OK
#define C_HIGH8 C_HIGH, C_HIGH, C_HIGH, C_HIGH, C_HIGH, C_HIGH, C_HIGH, C_HIGH
#define C_HIGH64                                                               \
    C_HIGH8, C_HIGH8, C_HIGH8, C_HIGH8, C_HIGH8, C_HIGH8, C_HIGH8, C_HIGH8

/* clang-format off */
static const unsigned char json_class[256] = {
    /* 0x00-0x1F: control characters */
    C_ESC8, C_ESC8, C_ESC8, C_ESC8,
    /* 0x20-0x2F: '"' (0x22) */
    C_OK, C_OK, C_ESC, C_OK, C_OK, C_OK, C_OK, C_OK, C_OK8,
    /* 0x30-0x5F: '\\' (0x5C) */
    C_OK8, C_OK8, C_OK8, C_OK8, C_OK8,
    C_OK, C_OK, C_OK, C_OK, C_ESC, C_OK, C_OK, C_OK,
    /* 0x60-0x7F: DEL (0x7F) */
    C_OK8, C_OK8, C_OK8,
    C_OK, C_OK, C_OK, C_OK, C_OK, C_OK, C_OK, C_ESC,
    /* 0x80-0xFF */
    C_HIGH64, C_HIGH64,
};
/* clang-format on */

static const char hex_digits[] = "0123456789abcdef";

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* Nonzero when some byte of w is zero (exact for "none": a false
 * positive needs a true one below it). */
static inline uint64_t
has_zero(uint64_t w)
{
    return (w - ONES) & ~w & HIGHS;
}

/*
 * End of the run of bytes from i that JSON copies as is, eight bytes at a
 * time (SWAR): a word is safe when no byte is < 0x20, '"', '\\', DEL or
 * >= 0x80; a word that is not goes byte by byte through json_class.
 */
static size_t
json_safe_run(const unsigned char *p, size_t i, size_t n)
{
    while (i + 8 <= n) {
        uint64_t w;

        memcpy(&w, p + i, 8);
        if (((w | (w + ONES)) & HIGHS) != 0 ||            /* >= 0x7F */
            ((w - 0x2020202020202020ULL) & ~w & HIGHS) || /* < 0x20 */
            has_zero(w ^ (ONES * '"')) || has_zero(w ^ (ONES * '\\')))
            break;
        i += 8;
    }
    while (i < n && json_class[p[i]] == C_OK)
        i++;
    return i;
}

/*
 * Length of the valid UTF-8 sequence at p (2-4), or 0 when the bytes there
 * are not one (RFC 3629 section 4, "UTF8-2" to "UTF8-4").  *ret_cp gets the
 * code point.
 */
size_t
render_utf8_seq(const unsigned char *p, size_t n, uint32_t *ret_cp)
{
    unsigned char c = p[0], lo = 0x80, hi = 0xBF;
    size_t len;
    uint32_t cp;

    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0Fu;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07u;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* past U+10FFFF */
    } else {
        return 0;
    }
    if (n < len || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if (i > 1 && (p[i] < 0x80 || p[i] > 0xBF))
            return 0;
        cp = (cp << 6) | (p[i] & 0x3Fu);
    }
    *ret_cp = cp;
    return len;
}

static void
json_put_u00(struct buf *b, unsigned c)
{
    char e[6] = {
        '\\', 'u', '0', '0', hex_digits[(c >> 4) & 0xF], hex_digits[c & 0xF]};

    buf_append(b, e, sizeof(e));
}

/* A BMP code point as \\uXXXX. */
static void
json_put_u(struct buf *b, uint32_t cp)
{
    char e[6] = {'\\',
                 'u',
                 hex_digits[(cp >> 12) & 0xF],
                 hex_digits[(cp >> 8) & 0xF],
                 hex_digits[(cp >> 4) & 0xF],
                 hex_digits[cp & 0xF]};

    buf_append(b, e, sizeof(e));
}

/*
 * Valid characters that are written as \\u escapes all the same: U+2028 and
 * U+2029 (line ends in JavaScript) and what must not reach a terminal raw
 * (render_text_unsafe_cp: C1 controls, bidirectional overrides), so that
 * `tail -f` on a JSON file cannot be steered by a value (DESIGN 9).
 */
static bool
json_cp_escaped(uint32_t cp)
{
    return cp == 0x2028 || cp == 0x2029 || render_text_unsafe_cp(cp);
}

static void
json_put_esc(struct buf *b, unsigned char c)
{
    char e[2] = {'\\', 0};

    switch (c) {
    case '"':
    case '\\':
        e[1] = (char)c;
        break;
    case '\n':
        e[1] = 'n';
        break;
    case '\r':
        e[1] = 'r';
        break;
    case '\t':
        e[1] = 't';
        break;
    case '\b':
        e[1] = 'b';
        break;
    case '\f':
        e[1] = 'f';
        break;
    default:
        json_put_u00(b, c);
        return;
    }
    buf_append(b, e, sizeof(e));
}

/*
 * Append v as a quoted JSON string (RFC 8259 section 7), escaping as the
 * file header says.  v is borrowed; b receives the bytes.
 */
void
json_put_str(struct buf *b, struct strv v)
{
    const unsigned char *p = (const unsigned char *)v.p;
    size_t i = 0, run;

    /* Fast path, the common case: room for the plain string reserved once,
     * the leading run of safe bytes copied straight into the buffer. */
    if (buf_reserve(b, v.n + 2) < 0)
        return;
    b->data[b->len++] = '"';
    i = json_safe_run(p, 0, v.n);
    if (i > 0) {
        memcpy(b->data + b->len, p, i);
        b->len += i;
    }
    while (i < v.n) {
        uint32_t cp = 0;
        size_t len;

        run = i;
        i = json_safe_run(p, i, v.n);
        if (i > run)
            buf_append(b, p + run, i - run);
        if (i >= v.n)
            break;
        if (json_class[p[i]] == C_ESC) {
            json_put_esc(b, p[i++]);
            continue;
        }
        len = render_utf8_seq(p + i, v.n - i, &cp);
        if (len == 0) {
            json_put_u00(b, p[i++]);
        } else if (json_cp_escaped(cp)) {
            json_put_u(b, cp);
            i += len;
        } else {
            /* Copy this and any following valid multi-byte sequences. */
            run = i;
            do {
                i += len;
                len = (i < v.n && p[i] >= 0x80)
                          ? render_utf8_seq(p + i, v.n - i, &cp)
                          : 0;
            } while (len != 0 && !json_cp_escaped(cp));
            buf_append(b, p + run, i - run);
        }
    }
    buf_putc(b, '"');
}

/* Code points that must not reach a terminal raw: C1 controls (U+0080 to
 * U+009F, 0x9B is CSI) and the bidirectional embeddings/overrides/isolates
 * ("Trojan Source", CVE-2021-42574). */
bool
render_text_unsafe_cp(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F;
}

static void
text_put_hex(struct buf *b, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char e[4] = {'\\', 'x', hex_digits[p[i] >> 4], hex_digits[p[i] & 0xF]};

        buf_append(b, e, sizeof(e));
    }
}

/*
 * Append v for a terminal: printable ASCII and valid, harmless UTF-8 as is;
 * everything else as \xHH per byte.  v is borrowed.
 */
void
render_put_text_safe(struct buf *b, struct strv v)
{
    const unsigned char *p = (const unsigned char *)v.p;
    size_t i = 0, run;

    while (i < v.n) {
        uint32_t cp = 0;
        size_t len;

        run = i;
        while (i < v.n && p[i] >= 0x20 && p[i] < 0x7F)
            i++;
        if (i > run)
            buf_append(b, p + run, i - run);
        if (i >= v.n)
            break;
        len = p[i] >= 0x80 ? render_utf8_seq(p + i, v.n - i, &cp) : 0;
        if (len == 0) {
            text_put_hex(b, p + i, 1);
            i++;
        } else {
            if (render_text_unsafe_cp(cp))
                text_put_hex(b, p + i, len);
            else
                buf_append(b, p + i, len);
            i += len;
        }
    }
}

/* Days since 1970-01-01 -> civil date (Hinnant's civil_from_days). */
static void
civil_from_days(int64_t z, int64_t *ret_y, unsigned *ret_m, unsigned *ret_d)
{
    int64_t era, y;
    unsigned doe, yoe, doy, mp, d, m;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = (int64_t)yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    *ret_y = y + (m <= 2);
    *ret_m = m;
    *ret_d = d;
}

/* The range RFC 3339 can express (four-digit years). */
#define TIME_MIN_US (-62167219200LL * 1000000)     /* 0000-01-01 */
#define TIME_MAX_US (253402300800LL * 1000000 - 1) /* 9999-12-31 */

static void
put2(char *d, unsigned v)
{
    d[0] = (char)('0' + v / 10 % 10);
    d[1] = (char)('0' + v % 10);
}

/*
 * Format "YYYY-MM-DDTHH:MM:SS" into d (19 bytes), with `sep` between date
 * and time; returns the microseconds left over.  Out-of-range times are
 * clamped to years 0000 and 9999.
 */
static unsigned
format_time(char *d, int64_t t, char sep)
{
    int64_t secs, days, y;
    unsigned m, day, sod, us;

    if (t < TIME_MIN_US)
        t = TIME_MIN_US;
    if (t > TIME_MAX_US)
        t = TIME_MAX_US;
    secs = t / 1000000;
    if (t % 1000000 < 0)
        secs--;
    us = (unsigned)(t - secs * 1000000);
    days = secs / 86400;
    if (secs % 86400 < 0)
        days--;
    sod = (unsigned)(secs - days * 86400);
    civil_from_days(days, &y, &m, &day);
    put2(d, (unsigned)(y / 100));
    put2(d + 2, (unsigned)(y % 100));
    d[4] = '-';
    put2(d + 5, m);
    d[7] = '-';
    put2(d + 8, day);
    d[10] = sep;
    put2(d + 11, sod / 3600);
    d[13] = ':';
    put2(d + 14, sod / 60 % 60);
    d[16] = ':';
    put2(d + 17, sod % 60);
    return us;
}

/*
 * Append time_us as "2024-03-14T13:54:19.000000Z" (RFC 3339 section 5.6,
 * UTC, microseconds), unquoted; clamped to years 0000-9999.
 */
void
render_time_rfc3339(struct buf *b, int64_t time_us)
{
    char d[27];
    unsigned us = format_time(d, time_us, 'T');

    d[19] = '.';
    for (int i = 25; i >= 20; i--) {
        d[i] = (char)('0' + us % 10);
        us /= 10;
    }
    d[26] = 'Z';
    buf_append(b, d, sizeof(d));
}

/* Append time_us as "2024-03-14 13:54:19" (UTC, seconds). */
void
render_time_text(struct buf *b, int64_t time_us)
{
    char d[19];

    format_time(d, time_us, ' ');
    buf_append(b, d, sizeof(d));
}

/* ---- JSON members ---- */

/* `key` is the literal text ,"name": */
#define KEY(b, k) buf_append((b), k, sizeof(k) - 1)

/* Append the member `key` (the literal text ,"name":) with v as a JSON
 * string, unless v is absent. */
void
json_put_str_member(struct buf *b, const char *key, size_t keylen,
                    struct strv v)
{
    if (!strv_present(v))
        return;
    buf_append(b, key, keylen);
    json_put_str(b, v);
}

/* The same for a static name (an enum's), unless NULL. */
void
json_put_name_member(struct buf *b, const char *key, size_t keylen,
                     const char *name)
{
    if (name != NULL)
        json_put_str_member(b, key, keylen, strv_from_cstr(name));
}

static void
put_time_m(struct buf *b, const char *key, size_t keylen, int64_t t)
{
    if (t == EVENT_TIME_UNSET)
        return;
    buf_append(b, key, keylen);
    buf_putc(b, '"');
    render_time_rfc3339(b, t);
    buf_putc(b, '"');
}

static void
put_bool_m(struct buf *b, const char *key, size_t keylen, bool v)
{
    buf_append(b, key, keylen);
    if (v)
        buf_append(b, "true", 4);
    else
        buf_append(b, "false", 5);
}

#define STR_M(b, k, v)                                                         \
    json_put_str_member((b), ",\"" k "\":", sizeof(k) + 3, (v))
#define NAME_M(b, k, v)                                                        \
    json_put_name_member((b), ",\"" k "\":", sizeof(k) + 3, (v))
#define TIME_M(b, k, v) put_time_m((b), ",\"" k "\":", sizeof(k) + 3, (v))
#define BOOL_M(b, k, v) put_bool_m((b), ",\"" k "\":", sizeof(k) + 3, (v))
#define INT_M(b, k, v)                                                         \
    do {                                                                       \
        KEY((b), ",\"" k "\":");                                               \
        buf_put_i64((b), (v));                                                 \
    } while (0)

static void
identity_members(struct buf *b, struct strv user, struct strv user_name,
                 struct strv user_domain, enum ev_username_type unt,
                 struct strv uid, enum ev_user_id_type uidt,
                 enum ev_user_type ut)
{
    STR_M(b, "user", user);
    STR_M(b, "user_name", user_name);
    STR_M(b, "user_domain", user_domain);
    NAME_M(b, "username_type", event_username_type_name(unt));
    STR_M(b, "uid", uid);
    NAME_M(b, "user_id_type", event_user_id_type_name(uidt));
    NAME_M(b, "user_type", event_user_type_name(ut));
}

/*
 * Append the event as one JSON object, members in the order of DESIGN 2,
 * absent values omitted.  ev is borrowed.
 */
void
event_to_json(const struct event *ev, struct buf *b)
{
    KEY(b, "{\"record\":\"event\"");
    TIME_M(b, "time", ev->time_us);
    NAME_M(b, "action", event_action_name(ev->action));
    if (ev->result != EV_RESULT_NONE)
        BOOL_M(b, "login_successful", ev->result == EV_RESULT_SUCCESS);
    STR_M(b, "hostname", ev->hostname);
    identity_members(b, ev->user, ev->user_name, ev->user_domain,
                     ev->username_type, ev->uid, ev->user_id_type,
                     ev->user_type);
    if (ev->admin)
        BOOL_M(b, "admin", true); /* 4672: the logon has admin rights */
    STR_M(b, "actor_user", ev->actor_user);
    STR_M(b, "login_id", ev->login_id);
    STR_M(b, "boot_id", ev->boot_id);
    NAME_M(b, "login_type", event_login_type_name(ev->login_type));
    if (ev->logon_type >= 0)
        INT_M(b, "logon_type", ev->logon_type);
    STR_M(b, "tty", ev->tty);
    STR_M(b, "src_ip", ev->src_ip);
    if (ev->src_port > 0)
        INT_M(b, "src_port", ev->src_port);
    STR_M(b, "dest_ip", ev->dest_ip);
    if (ev->dest_port > 0)
        INT_M(b, "dest_port", ev->dest_port);
    STR_M(b, "service", ev->service);
    STR_M(b, "auth_method", ev->auth_method);
    STR_M(b, "result_details", ev->result_details);
    for (int f = 0; f < _EV_LOGON_MAX; f++) {
        const char *name = event_logon_field_name((enum ev_logon_field)f);

        if (!strv_present(ev->logon[f]) || name == NULL)
            continue;
        KEY(b, ",\"");
        buf_puts(b, name);
        KEY(b, "\":");
        json_put_str(b, ev->logon[f]);
    }
    STR_M(b, "session_id", ev->session_id);
    STR_M(b, "event_code", ev->event_code);
    STR_M(b, "format", ev->format);
    STR_M(b, "source", ev->source);
    STR_M(b, "record_id", ev->record_id);
    buf_putc(b, '}');
}

/* ---- text ---- */

static void
text_sep(struct buf *b)
{
    buf_append(b, "  ", 2);
}

static void
text_field(struct buf *b, struct strv v)
{
    text_sep(b);
    if (strv_present(v))
        render_put_text_safe(b, v);
    else
        buf_putc(b, '-');
}

static void
text_pad(struct buf *b, size_t used, size_t width)
{
    while (used++ < width)
        buf_putc(b, ' ');
}

static void
text_time(struct buf *b, int64_t t)
{
    if (t == EVENT_TIME_UNSET)
        buf_putc(b, '-');
    else
        render_time_text(b, t);
}

/* "from 10.0.0.5:50438", "from [2001:db8::1]:22", "from host" */
static void
text_from(struct buf *b, struct strv ip, int port)
{
    bool v6;

    if (!strv_present(ip))
        return;
    v6 = memchr(ip.p, ':', ip.n) != NULL;
    text_sep(b);
    buf_append(b, "from ", 5);
    if (port > 0 && v6)
        buf_putc(b, '[');
    render_put_text_safe(b, ip);
    if (port > 0) {
        if (v6)
            buf_putc(b, ']');
        buf_putc(b, ':');
        buf_put_u64(b, (uint64_t)port);
    }
}

/*
 * Append one readable line for the event (no newline): time, host, action
 * and result, user, origin, service/method, failure reason, session.
 * Every value goes through render_put_text_safe().  ev is borrowed.
 */
void
event_to_text(const struct event *ev, struct buf *b)
{
    const char *action = event_action_name(ev->action);
    size_t start;

    text_time(b, ev->time_us);
    text_field(b, ev->hostname);
    text_sep(b);
    start = b->len;
    buf_puts(b, action ? action : "-");
    if (ev->result == EV_RESULT_SUCCESS)
        buf_append(b, " ok", 3);
    else if (ev->result == EV_RESULT_FAILURE)
        buf_append(b, " failed", 7);
    text_pad(b, b->len - start, TEXT_ACTION_WIDTH);
    text_field(b, ev->user);
    if (ev->admin)
        buf_append(b, " admin", 6);
    text_from(b, ev->src_ip, ev->src_port);
    if (strv_present(ev->service) || strv_present(ev->auth_method)) {
        text_sep(b);
        render_put_text_safe(b, ev->service);
        if (strv_present(ev->service) && strv_present(ev->auth_method))
            buf_putc(b, '/');
        render_put_text_safe(b, ev->auth_method);
    }
    if (ev->result == EV_RESULT_FAILURE && strv_present(ev->result_details)) {
        text_sep(b);
        buf_putc(b, '(');
        render_put_text_safe(b, ev->result_details);
        buf_putc(b, ')');
    }
    if (strv_present(ev->session_id)) {
        text_sep(b);
        buf_append(b, "session ", 8);
        render_put_text_safe(b, ev->session_id);
    }
}

/* ---- sessions ---- */

/* Seconds with up to six decimals, trailing zeros dropped: 3723, 0.5. */
static void
put_duration_s(struct buf *b, int64_t us)
{
    char frac[7];
    int n = 6;
    uint64_t f;

    if (us < 0)
        us = 0;
    buf_put_u64(b, (uint64_t)us / 1000000);
    f = (uint64_t)us % 1000000;
    if (f == 0)
        return;
    frac[0] = '.';
    for (int i = 6; i >= 1; i--) {
        frac[i] = (char)('0' + f % 10);
        f /= 10;
    }
    while (frac[n] == '0')
        n--;
    buf_append(b, frac, (size_t)n + 1);
}

static void
session_sources_json(struct buf *b, const struct session_view *v)
{
    KEY(b, ",\"sources\":[");
    for (size_t i = 0; i < v->n_sources; i++) {
        const struct session_source *src = &v->sources[i];
        size_t open;

        if (i > 0)
            buf_putc(b, ',');
        open = b->len;
        /* Every member is written with a leading comma; the first comma
         * then becomes the opening brace. */
        STR_M(b, "format", src->format);
        STR_M(b, "event_code", src->event_code);
        TIME_M(b, "time", src->time_us);
        STR_M(b, "record_id", src->record_id);
        if (b->len == open)
            buf_putc(b, '{');
        else if (!b->oom)
            b->data[open] = '{';
        buf_putc(b, '}');
    }
    buf_putc(b, ']');
}

/*
 * Append the session record of DESIGN 3 as one JSON object.  "duration_s"
 * is a number of seconds with up to six decimals (µs precision, trailing
 * zeros dropped).  s is borrowed.
 */
void
session_to_json(const struct session *s, struct buf *b)
{
    struct session_view v;
    bool closed;

    session_view(s, &v);
    closed = v.state == SESSION_STATE_CLOSED;
    KEY(b, "{\"record\":\"session\"");
    STR_M(b, "session_id", v.session_id);
    NAME_M(b, "state", closed ? "closed" : "open");
    TIME_M(b, "start", v.start_us);
    if (closed) {
        TIME_M(b, "end", v.end_us);
        KEY(b, ",\"duration_s\":");
        put_duration_s(b, v.end_us - v.start_us);
        NAME_M(b, "end_reason", session_end_reason_name(v.end_reason));
    }
    STR_M(b, "hostname", v.hostname);
    STR_M(b, "login_id", v.login_id);
    identity_members(b, v.user, v.user_name, v.user_domain, v.username_type,
                     v.uid, v.user_id_type, v.user_type);
    NAME_M(b, "login_type", event_login_type_name(v.login_type));
    if (v.logon_type >= 0)
        INT_M(b, "logon_type", v.logon_type);
    BOOL_M(b, "login_successful", v.login_successful);
    STR_M(b, "auth_method", v.auth_method);
    STR_M(b, "src_ip", v.src_ip);
    if (v.src_port > 0)
        INT_M(b, "src_port", v.src_port);
    BOOL_M(b, "admin", v.admin);
    if (v.locked)
        BOOL_M(b, "locked", true); /* open and locked now */
    INT_M(b, "lock_count", v.lock_count);
    if (v.failure_count > 0)
        INT_M(b, "failure_count", v.failure_count);
    STR_M(b, "result_details", v.result_details);
    KEY(b, ",\"event_count\":");
    buf_put_u64(b, v.event_count);
    STR_M(b, "previous_session_id", v.previous_session_id);
    session_sources_json(b, &v);
    buf_putc(b, '}');
}

/* One duration unit: two digits after a larger unit, else as is. */
static bool
put_unit(struct buf *b, uint64_t v, char unit, bool lead)
{
    char two[2];

    if (!lead && v == 0 && unit != 's')
        return false;
    if (lead) {
        put2(two, (unsigned)v);
        buf_append(b, two, 2);
    } else {
        buf_put_u64(b, v);
    }
    buf_putc(b, unit);
    return true;
}

/* "1h02m03s", "2m03s", "3s", "2d01h00m00s" */
static void
put_duration_text(struct buf *b, int64_t us)
{
    uint64_t s = us > 0 ? (uint64_t)us / 1000000 : 0;
    bool lead = false;

    lead = put_unit(b, s / 86400, 'd', lead) || lead;
    lead = put_unit(b, s / 3600 % 24, 'h', lead) || lead;
    lead = put_unit(b, s / 60 % 60, 'm', lead) || lead;
    put_unit(b, s % 60, 's', lead);
}

/*
 * Append one readable line for a session record (no newline): the start
 * time for an open session, the end time for a closed one.  s is borrowed.
 */
void
session_to_text(const struct session *s, struct buf *b)
{
    struct session_view v;
    bool closed;
    const char *lt;
    size_t start;

    session_view(s, &v);
    closed = v.state == SESSION_STATE_CLOSED;
    text_time(b, closed ? v.end_us : v.start_us);
    text_field(b, v.hostname);
    text_sep(b);
    start = b->len;
    buf_puts(b, closed ? "session closed" : "session open");
    text_pad(b, b->len - start, TEXT_SESSION_WIDTH);
    text_field(b, v.user);
    text_from(b, v.src_ip, v.src_port);
    lt = event_login_type_name(v.login_type);
    if (lt != NULL) {
        text_sep(b);
        buf_puts(b, lt);
    }
    if (closed) {
        const char *why = session_end_reason_name(v.end_reason);

        text_sep(b);
        put_duration_text(b, v.end_us - v.start_us);
        text_sep(b);
        buf_puts(b, why ? why : "-");
    }
    if (v.failure_count > 0) {
        text_sep(b);
        buf_put_u64(b, v.failure_count);
        buf_puts(b, v.failure_count == 1 ? " failure" : " failures");
    }
    text_sep(b);
    render_put_text_safe(b, v.session_id);
}
