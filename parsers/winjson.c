/*
 * winjson.c - Windows events as JSON: one parse with cJSON, the flavour
 * picked by the keys, one decoder per flavour into the neutral record
 * (winrec.h), then the one Windows table, windows_map() (DESIGN 2).
 *
 * Flavours and the `format` their events carry:
 *
 *   root has "winlog" (an object)          -> winlogbeat-json
 *       Winlogbeat / ECS: https://www.elastic.co/guide/en/beats/winlogbeat/
 *       current/exported-fields-winlog.html
 *   root has "System" (an object)          -> openwec-json
 *       OpenWEC "Json" format: https://github.com/cea-sec/openwec/blob/main/
 *       doc/formats.md ("Json format")
 *   root has "meta" and "data" (a string)  -> openwec-json
 *       OpenWEC "RawJson": the Event XML as Windows sent it, in "data"
 *   root has "EventID"                     -> nxlog-json
 *       NXLog im_msvistalog to_json(), CE and Enterprise:
 *       https://docs.nxlog.co/refman/current/im/msvistalog.html#fields;
 *       also OpenWEC's "Nxlog" format, which mimics it (doc/formats.md
 *       "Nxlog format"): same decoder, so same format name.
 *   anything else                          -> no event (PARSE_NONE)
 *
 * Sample: {"EventTime":"2024-03-14 10:02:11","Hostname":"WKS01",
 * "EventID":4624,"SourceName":"Microsoft-Windows-Security-Auditing",
 * "Channel":"Security","TargetUserName":"alice","LogonType":"2",...}
 *
 * Registration: the registry routes every message starting with "{" to
 * the "windows-json" ops, which accepts every flavour.  "nxlog-json",
 * "openwec-json" and "winlogbeat-json" share the parse function and the
 * state and accept only their own flavour, for `--format NAME`.  The
 * parse function tells them apart by the format the registry wrote into
 * the event before calling it.
 *
 * Limits: WINJSON_SIZE_MAX bytes, WINJSON_DEPTH_MAX levels of nesting
 * (checked with a byte scan before cJSON sees the text, so its own limit
 * of 1000 is never reached), WINREC_DATA_MAX fields and WINREC_TEXT_MAX
 * bytes of text per event (winrec.h).  A value of the wrong type is a
 * malformed record (-EBADMSG).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../model/mem.h"
#include "parser.h"
#include "timeparse.h"
#include "winjson.h"
#include "winrec.h"

#define US_PER_SEC INT64_C(1000000)
/* Doubles up to 2^53 hold every integer exactly. */
#define WINJSON_EXACT_INT 9007199254740992.0

enum winjson_flavour {
    WINJSON_ANY = -1,
    WINJSON_NXLOG = 0,
    WINJSON_OPENWEC,
    WINJSON_OPENWEC_RAW,
    WINJSON_WINLOGBEAT,
    _WINJSON_FLAVOUR_MAX,
};

static const struct {
    const char *format; /* the events' `format` */
    winjson_decode_fn *decode;
} winjson_flavours[_WINJSON_FLAVOUR_MAX] = {
    [WINJSON_NXLOG] = {"nxlog-json", parser_nxlog_decode},
    [WINJSON_OPENWEC] = {"openwec-json", parser_openwec_decode},
    [WINJSON_OPENWEC_RAW] = {"openwec-json", parser_openwec_raw_decode},
    [WINJSON_WINLOGBEAT] = {"winlogbeat-json", parser_winlogbeat_decode},
};

/* --- time ------------------------------------------------------------- */

/*
 * Parse "Y-m-d H:M:S" or "Y-m-dTH:M:S[.f][zone]" (see winjson.h).
 */
int
winjson_time(struct strv s, int32_t tz_offset_s, int64_t *ret_us)
{
    return time_parse_iso(s, tz_offset_s, ret_us, NULL);
}

/*
 * True when v contains s, ignoring ASCII case.
 */
bool
winjson_case_contains(struct strv v, const char *s)
{
    size_t n = strlen(s);

    for (size_t i = 0; n <= v.n && i <= v.n - n; i++)
        if (strv_case_eq(strv_make(v.p + i, n), s))
            return true;
    return false;
}

/* --- values ----------------------------------------------------------- */

/*
 * The scalar text of it (see winjson.h).
 */
int
winjson_scalar(struct winrec *r, const cJSON *it, struct strv *ret)
{
    char num[32];
    const char *p;
    size_t n;

    if (cJSON_IsString(it)) {
        p = it->valuestring;
        n = strlen(p);
    } else if (cJSON_IsNumber(it)) {
        double v = it->valuedouble;
        int k;

        if (v >= -WINJSON_EXACT_INT && v <= WINJSON_EXACT_INT &&
            v == (double)(int64_t)v)
            k = snprintf(num, sizeof(num), "%" PRId64, (int64_t)v);
        else
            k = snprintf(num, sizeof(num), "%.17g", v);
        if (k < 0 || (size_t)k >= sizeof(num))
            return -EBADMSG;
        p = num;
        n = (size_t)k;
    } else if (cJSON_IsBool(it)) {
        p = cJSON_IsTrue(it) ? "true" : "false";
        n = strlen(p);
    } else {
        return 1;
    }
    *ret = winrec_store(r, p, n); /* empty when r is full: truncated */
    return 0;
}

/*
 * An object member (see winjson.h).
 */
int
winjson_object(const cJSON *obj, const char *key, const cJSON **ret)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

    *ret = NULL;
    if (it == NULL || cJSON_IsNull(it))
        return 0;
    if (!cJSON_IsObject(it))
        return -EBADMSG;
    *ret = it;
    return 0;
}

/*
 * A string member (see winjson.h).
 */
int
winjson_get_str(struct winrec *r, const cJSON *obj, const char *key,
                struct strv *ret)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

    if (it == NULL || cJSON_IsNull(it))
        return 0;
    if (!cJSON_IsString(it))
        return -EBADMSG;
    return winjson_scalar(r, it, ret) < 0 ? -EBADMSG : 0;
}

/*
 * A numeric id member (see winjson.h).
 */
int
winjson_get_id(struct winrec *r, const cJSON *obj, const char *key,
               struct strv *ret)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

    if (it == NULL || cJSON_IsNull(it))
        return 0;
    if (cJSON_IsNumber(it)) {
        if (!(it->valuedouble >= 0 && it->valuedouble <= WINJSON_EXACT_INT))
            return -EBADMSG;
    } else if (!cJSON_IsString(it) ||
               !strv_all_digits(strv_from_cstr(it->valuestring))) {
        return -EBADMSG;
    }
    return winjson_scalar(r, it, ret) < 0 ? -EBADMSG : 0;
}

/*
 * The event id (see winjson.h).
 */
int
winjson_event_id(struct winrec *r, const cJSON *it)
{
    uint64_t v;

    if (cJSON_IsNumber(it)) {
        double d = it->valuedouble;

        if (!(d >= 0 && d <= WINJSON_EVENT_ID_MAX) || d != (double)(int)d)
            return -EBADMSG;
        v = (uint64_t)d;
    } else if (cJSON_IsString(it)) {
        if (strv_to_u64(strv_from_cstr(it->valuestring), WINJSON_EVENT_ID_MAX,
                        &v) < 0)
            return -EBADMSG;
    } else {
        return -EBADMSG;
    }
    r->event_id = (uint32_t)v;
    r->has_event_id = true;
    return 0;
}

/*
 * A time member (see winjson.h).
 */
int
winjson_get_time(struct winrec *r, const cJSON *it, const struct envelope *env)
{
    if (it == NULL || cJSON_IsNull(it))
        return 0;
    if (!cJSON_IsString(it))
        return -EBADMSG;
    return winjson_time(strv_from_cstr(it->valuestring), env->tz_offset_s,
                        &r->time_us);
}

static bool
skipped(const char *name, const char *const *skip)
{
    for (; skip != NULL && *skip != NULL; skip++)
        if (strcmp(name, *skip) == 0)
            return true;
    return false;
}

/*
 * Add obj's scalar members as data fields (see winjson.h).
 */
int
winjson_add_members(struct winrec *r, const cJSON *obj, const char *const *skip,
                    bool nest)
{
    for (const cJSON *it = obj->child; it != NULL; it = it->next) {
        struct strv name, value;
        int k;

        if (it->string == NULL || skipped(it->string, skip))
            continue;
        if (nest && cJSON_IsObject(it)) {
            if (winjson_add_members(r, it, skip, false) < 0)
                return -EBADMSG;
            continue;
        }
        k = winjson_scalar(r, it, &value);
        if (k < 0)
            return -EBADMSG;
        if (k > 0)
            continue;
        name = winrec_store(r, it->string, strlen(it->string));
        if (name.n == 0)
            continue; /* r's text is full (truncated is set) */
        (void)winrec_add(r, name, value); /* past the limit: counted */
    }
    return 0;
}

/*
 * Decode an XML fragment from a JSON string (see winjson.h).  The copy
 * lives in the record's text, so views the XML decoder keeps into its
 * input stay valid as long as the record.
 */
int
winjson_userdata_xml(struct win_state *st, struct strv xml)
{
    static const char open[] = "<UserData>", close[] = "</UserData>";
    struct winrec *r = &st->rec;
    bool wrap = !strv_starts_with(xml, "<UserData");
    struct strv a = STRV_NULL, b, c = STRV_NULL;

    if (wrap)
        a = winrec_store(r, open, sizeof(open) - 1);
    b = winrec_store(r, xml.p, xml.n);
    if (wrap)
        c = winrec_store(r, close, sizeof(close) - 1);
    if (r->truncated || b.p == NULL)
        return -EBADMSG;
    if (wrap)
        b = strv_make(a.p, a.n + b.n + c.n); /* stored back to back */
    return winxml_decode(st, b, r) < 0 ? -EBADMSG : 0;
}

/* --- parse ------------------------------------------------------------ */

/*
 * What the byte scan before cJSON finds: whether the nesting stays within
 * the limit, and the span (quotes included) of a long top-level
 * "Message"/"message" string that no decoder reads, so cJSON need not
 * copy and unescape it (it is most of an NXLog or Winlogbeat line).  The
 * TerminalServices events of NXLog carry their data only in Message: a
 * top-level Channel or SourceName naming TerminalServices keeps it.
 */
struct winjson_scan {
    struct strv cut; /* empty: nothing to cut */
    bool keep;       /* a TerminalServices event: Message is read */
};

enum scan_key { KEY_OTHER, KEY_MESSAGE, KEY_SOURCE };

/* Which top-level key the string p..q (without quotes) is. */
static enum scan_key
scan_key(const char *p, const char *q)
{
    size_t n = (size_t)(q - p);

    if (n == 7 &&
        (memcmp(p, "Message", 7) == 0 || memcmp(p, "message", 7) == 0))
        return KEY_MESSAGE;
    if ((n == 7 && memcmp(p, "Channel", 7) == 0) ||
        (n == 10 && memcmp(p, "SourceName", 10) == 0))
        return KEY_SOURCE;
    return KEY_OTHER;
}

/* The closing quote of the string whose body starts at p, or NULL. */
static const char *
string_end(const char *p, const char *end)
{
    for (;;) {
        const char *q = memchr(p, '"', (size_t)(end - p));
        size_t bs = 0;

        if (q == NULL)
            return NULL;
        while (q - bs > p && q[-1 - (ptrdiff_t)bs] == '\\')
            bs++;
        if (bs % 2 == 0)
            return q;
        p = q + 1;
    }
}

/* A string at depth 1: a key, or the value of the pending key. */
static void
scan_string(struct winjson_scan *sc, const char *open, const char *close,
            bool *key_pos, enum scan_key *pending)
{
    if (*key_pos) {
        *pending = scan_key(open + 1, close);
        *key_pos = false;
        return;
    }
    if (*pending == KEY_MESSAGE && sc->cut.n == 0 &&
        (size_t)(close - open) + 1 >= WINJSON_CUT_MIN)
        sc->cut = strv_make(open, (size_t)(close - open) + 1);
    if (*pending == KEY_SOURCE &&
        winjson_case_contains(strv_make(open + 1, (size_t)(close - open - 1)),
                              "TerminalServices"))
        sc->keep = true;
    *pending = KEY_OTHER;
}

/*
 * Scan s (see struct winjson_scan).  Returns false when an object or
 * array nests deeper than max.  Strings are skipped with memchr, so the
 * scan costs little next to the parse.
 */
static bool
scan_json(struct strv s, unsigned max, struct winjson_scan *sc)
{
    unsigned depth = 0;
    const char *p = s.p, *end = s.p + s.n;
    bool key_pos = false;
    enum scan_key pending = KEY_OTHER;

    *sc = (struct winjson_scan){STRV_NULL, false};
    while (p < end) {
        char c = *p++;

        if (c == '"') {
            const char *q = string_end(p, end);

            if (q == NULL)
                return true; /* unterminated: cJSON refuses it */
            if (depth == 1)
                scan_string(sc, p - 1, q, &key_pos, &pending);
            p = q + 1;
        } else if (c == '{' || c == '[') {
            if (++depth > max)
                return false;
            key_pos = depth == 1 && c == '{';
            pending = KEY_OTHER;
        } else if ((c == '}' || c == ']') && depth > 0) {
            depth--;
        } else if (c == ',' && depth == 1) {
            key_pos = true;
            pending = KEY_OTHER;
        }
    }
    return true;
}

/*
 * Parse msg with cJSON, the cut span (if any) replaced by "".  The copy
 * is freed as soon as cJSON has built its tree (which owns its strings);
 * without memory for it, the whole text is parsed.  Returns the tree or
 * NULL (malformed, trailing bytes, or cJSON out of memory).
 */
static cJSON *
parse_cut(struct strv msg, struct strv cut)
{
    const char *end = NULL;
    char *copy = NULL;
    size_t head, n = msg.n;
    const char *p = msg.p;
    cJSON *root;

    if (cut.n > 0 && (copy = mem_malloc(msg.n - cut.n + 2)) != NULL) {
        head = (size_t)(cut.p - msg.p);
        memcpy(copy, msg.p, head);
        memcpy(copy + head, "\"\"", 2);
        memcpy(copy + head + 2, cut.p + cut.n, msg.n - head - cut.n);
        p = copy;
        n = msg.n - cut.n + 2;
    }
    root = cJSON_ParseWithLengthOpts(p, n, &end, 0);
    if (root != NULL && end != p + n)
        root = (cJSON_Delete(root), NULL);
    mem_free(copy);
    return root;
}

/* The top-level keys that tell the flavours apart. */
struct winjson_keys {
    const cJSON *winlog, *system, *meta, *data, *event_id;
};

/* One pass over root's members (a first-byte switch spares most string
 * compares: an NXLog object has 30 to 60 members). */
static void
find_keys(const cJSON *root, struct winjson_keys *k)
{
    for (const cJSON *it = root->child; it != NULL; it = it->next) {
        const char *s = it->string;

        if (s == NULL)
            continue;
        switch (s[0]) {
        case 'w':
            if (strcmp(s, "winlog") == 0)
                k->winlog = it;
            break;
        case 'S':
            if (strcmp(s, "System") == 0)
                k->system = it;
            break;
        case 'm':
            if (strcmp(s, "meta") == 0)
                k->meta = it;
            break;
        case 'd':
            if (strcmp(s, "data") == 0)
                k->data = it;
            break;
        case 'E':
            if (strcmp(s, "EventID") == 0)
                k->event_id = it;
            break;
        default:
            break;
        }
    }
}

/* The flavour of root: 1 with *ret set, PARSE_NONE (not a Windows event)
 * or -EBADMSG (the flavour's key has the wrong type). */
static int
detect(const cJSON *root, enum winjson_flavour *ret)
{
    struct winjson_keys k = {0};

    find_keys(root, &k);
    if (k.winlog != NULL) {
        *ret = WINJSON_WINLOGBEAT;
        return cJSON_IsObject(k.winlog) ? 1 : -EBADMSG;
    }
    if (k.system != NULL) {
        *ret = WINJSON_OPENWEC;
        return cJSON_IsObject(k.system) ? 1 : -EBADMSG;
    }
    if (k.meta != NULL && k.data != NULL) {
        *ret = WINJSON_OPENWEC_RAW;
        return cJSON_IsString(k.data) ? 1 : -EBADMSG;
    }
    if (k.event_id != NULL) {
        *ret = WINJSON_NXLOG;
        return 1;
    }
    return PARSE_NONE;
}

extern const struct parser_ops parser_nxlog_json_ops;
extern const struct parser_ops parser_openwec_json_ops;
extern const struct parser_ops parser_winlogbeat_json_ops;

/* Which flavour the calling ops accepts (the registry wrote its name). */
static bool
flavour_wanted(const struct event *ev, enum winjson_flavour f)
{
    if (strv_eq_cstr(ev->format, parser_nxlog_json_ops.name))
        return f == WINJSON_NXLOG;
    if (strv_eq_cstr(ev->format, parser_openwec_json_ops.name))
        return f == WINJSON_OPENWEC || f == WINJSON_OPENWEC_RAW;
    if (strv_eq_cstr(ev->format, parser_winlogbeat_json_ops.name))
        return f == WINJSON_WINLOGBEAT;
    return true;
}

/*
 * Parse one Windows JSON payload (env->msg) into ev: the parse function
 * of every Windows JSON ops.  state is the shared struct win_state.
 * Returns PARSE_EVENT, PARSE_NONE (not a Windows event, another flavour
 * than the ops accepts, or an event id windows_map ignores) or -EBADMSG.
 * ev's views point into the state's record: valid until the next parse.
 */
static int
parser_winjson_parse(const struct envelope *env, struct event *ev, void *state)
{
    struct win_state *st = state;
    struct strv msg = strv_trim(env->msg);
    enum winjson_flavour f = WINJSON_ANY;
    struct winjson_scan sc;
    cJSON *root;
    int r;

    if (msg.n == 0 || msg.n > WINJSON_SIZE_MAX || msg.p[0] != '{' ||
        !scan_json(msg, WINJSON_DEPTH_MAX, &sc))
        return -EBADMSG;
    root = parse_cut(msg, sc.keep ? STRV_NULL : sc.cut);
    if (root == NULL)
        return -EBADMSG;
    r = -EBADMSG;
    if (!cJSON_IsObject(root))
        goto done;
    r = detect(root, &f);
    if (r <= 0)
        goto done;
    if (!flavour_wanted(ev, f)) {
        r = PARSE_NONE;
        goto done;
    }
    winrec_reset(&st->rec);
    r = winjson_flavours[f].decode(st, root, env);
    if (r < 0)
        goto done;
    ev->format = strv_from_cstr(winjson_flavours[f].format);
    r = windows_map(&st->rec, ev);
done:
    cJSON_Delete(root);
    return r;
}

/* Every Windows JSON flavour, detected per record (the "{" route). */
const struct parser_ops parser_windows_json_ops = {
    .name = "windows-json",
    .state_new = win_state_new,
    .state_free = win_state_free,
    .parse = parser_winjson_parse,
};

/* NXLog im_msvistalog to_json() only (and OpenWEC's Nxlog format). */
const struct parser_ops parser_nxlog_json_ops = {
    .name = "nxlog-json",
    .state_new = win_state_new,
    .state_free = win_state_free,
    .parse = parser_winjson_parse,
};

/* OpenWEC Json and RawJson only. */
const struct parser_ops parser_openwec_json_ops = {
    .name = "openwec-json",
    .state_new = win_state_new,
    .state_free = win_state_free,
    .parse = parser_winjson_parse,
};

/* Winlogbeat / ECS only. */
const struct parser_ops parser_winlogbeat_json_ops = {
    .name = "winlogbeat-json",
    .state_new = win_state_new,
    .state_free = win_state_free,
    .parse = parser_winjson_parse,
};
