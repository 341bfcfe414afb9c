/*
 * winxml.c - the "windows-xml" format: Windows Event XML, as Windows
 * Event Forwarding (WEF/OpenWEC "Raw") delivers it and as export tools
 * (wevtutil, evtxexport, Event Viewer) write it.
 *
 * Schema: the Windows Event schema, http://schemas.microsoft.com/win/2004/
 * 08/events/event (event.xsd; "EventType Complex Type", "SystemPropertiesType
 * Complex Type", "EventDataType Complex Type" in the Windows Event Log
 * reference).  From System we take Provider@Name, EventID (its text; the
 * Qualifiers attribute is ignored), TimeCreated@SystemTime (xs:dateTime,
 * UTC, 0-9 fraction digits -> µs), EventRecordID, Channel, Computer,
 * Security@UserID and Execution@ProcessID; from EventData every
 * Data@Name -> text (a Data without Name becomes Data1, Data2...); from
 * UserData the children of its one element (TerminalServices' EventXML:
 * User, SessionID, Address; Param1..3 of RCM 1149).  RenderingInfo (the
 * message text WEF may add), Correlation, Level, Task... are ignored.
 *
 *   <Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>
 *   <System><Provider Name='Microsoft-Windows-Security-Auditing'/>
 *   <EventID>4624</EventID>...<Computer>WKS1</Computer></System>
 *   <EventData><Data Name='TargetUserName'>alice</Data>...</EventData>
 *   </Event>
 *
 * One expat parser per state, reset between documents (XML_ParserReset,
 * which also clears the handlers, so they are set again each time).  The
 * input is copied once into expat's own buffer (XML_GetBuffer) and raw C0
 * control characters other than TAB, LF and CR - which evtxexport writes
 * verbatim and XML 1.0 forbids - become spaces in that copy.
 *
 * Hostile input (DESIGN 9) is refused, never fatal: any DOCTYPE (so no
 * entity can be declared: no billion laughs, no external entities), an
 * undeclared entity, nesting deeper than WINXML_DEPTH_MAX, an attribute
 * longer than WINXML_ATTR_MAX, a document longer than WINXML_INPUT_MAX,
 * more Data fields than the record holds: -EBADMSG.  Values longer than
 * WINXML_VALUE_MAX are cut there (the record is marked truncated).
 *
 * Pure: no I/O, no logging, no globals; allocation (expat's too) goes
 * through model/mem.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <expat.h>

#include "../model/mem.h"
#include "parser.h"
#include "timeparse.h"
#include "winrec.h"

/* Elements deeper than this: the document is refused. */
#define WINXML_DEPTH_MAX 32
/* Longest attribute value accepted (Name, SystemTime, UserID...). */
#define WINXML_ATTR_MAX 1024
/* Longest element text kept; past it the value is cut. */
#define WINXML_VALUE_MAX (16 * 1024)
/* Longest document decoded (a framed event with a big RenderingInfo). */
#define WINXML_INPUT_MAX (256 * 1024)
/* Room for a generated field name: "Data" + a number. */
#define WINXML_NAME_MAX 24

/* What an element is, by its place in the document. */
enum wx_kind {
    WX_OTHER = 0, /* ignored, with everything inside */
    WX_DOC,       /* above the root */
    WX_EVENTS,    /* <Events> wrapper */
    WX_EVENT,     /* <Event> */
    WX_SYSTEM,    /* <System> */
    WX_EVENTDATA, /* <EventData> */
    WX_USERDATA,  /* <UserData> */
    WX_USERROOT,  /* UserData's element: <EventXML>, <LogFileCleared>... */
    WX_CAPTURE,   /* an element whose text we keep */
};

/* What a captured element's text becomes. */
enum wx_cap {
    WX_CAP_NONE = 0,
    WX_CAP_EVENTID,
    WX_CAP_RECORDID,
    WX_CAP_CHANNEL,
    WX_CAP_COMPUTER,
    WX_CAP_FIELD, /* a named field: Data@Name or a UserData child */
};

/*
 * The expat parser and the decoding state of one document.  Owned by the
 * win_state (st->xml, freed by winxml_free).  `r` is borrowed for the
 * duration of one winxml_decode().
 */
struct winxml {
    XML_Parser p;
    struct winrec *r;
    unsigned long salt; /* expat's hash salt, fixed per parser */
    int err;            /* first error of this document, or 0 */
    bool done;          /* the first <Event> ended: stop */
    bool saw_event;     /* an <Event> (or fragment root) started */
    unsigned depth;     /* open elements */
    unsigned char kind[WINXML_DEPTH_MAX + 1];
    enum wx_cap cap; /* the capture in progress, at depth cap_depth */
    unsigned cap_depth;
    struct strv cap_name;
    unsigned n_unnamed; /* Data elements without Name so far */
    size_t val_len;
    bool val_cut;
    char val[WINXML_VALUE_MAX];
};

/* ---- helpers ----------------------------------------------------------- */

/* The local part of an element name ("e:Event" -> "Event"). */
static const char *
local_name(const char *name)
{
    const char *c = strrchr(name, ':');

    return c != NULL ? c + 1 : name;
}

static bool
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * TimeCreated@SystemTime, an RFC 3339 / xs:dateTime time with 0 to 9
 * fraction digits ("2022-05-01T04:40:18.084003900Z"), as µs since the
 * epoch; without a zone it is UTC, as Windows writes it.  Returns 0 or
 * -EINVAL.
 */
static int
parse_system_time(struct strv v, int64_t *ret)
{
    return time_parse_iso(v, 0, ret, NULL) < 0 ? -EINVAL : 0;
}

static void
fail(struct winxml *x, int err)
{
    if (x->err == 0)
        x->err = err;
    XML_StopParser(x->p, XML_FALSE);
}

/* An attribute's value by local name, or NULL. */
static const char *
attr(const XML_Char **atts, const char *name)
{
    for (size_t i = 0; atts[i] != NULL; i += 2)
        if (strcmp(local_name(atts[i]), name) == 0)
            return atts[i + 1];
    return NULL;
}

/* Keep an attribute's value in the record; empty when absent. */
static struct strv
store_attr(struct winxml *x, const XML_Char **atts, const char *name)
{
    const char *v = attr(atts, name);

    if (v == NULL)
        return STRV_NULL;
    return winrec_store(x->r, v, strlen(v));
}

/* ---- elements ---------------------------------------------------------- */

static void
begin_capture(struct winxml *x, enum wx_cap cap, struct strv name)
{
    x->cap = cap;
    x->cap_depth = x->depth;
    x->cap_name = name;
    x->val_len = 0;
    x->val_cut = false;
}

/* A System child: its attributes now, its text later. */
static enum wx_kind
system_child(struct winxml *x, const char *name, const XML_Char **atts)
{
    struct winrec *r = x->r;
    const char *t;

    if (strcmp(name, "Provider") == 0 && !strv_present(r->provider)) {
        r->provider = store_attr(x, atts, "Name");
    } else if (strcmp(name, "TimeCreated") == 0) {
        t = attr(atts, "SystemTime");
        if (t != NULL && parse_system_time(strv_from_cstr(t), &r->time_us) < 0)
            fail(x, -EBADMSG);
    } else if (strcmp(name, "Security") == 0) {
        r->user_sid = store_attr(x, atts, "UserID");
    } else if (strcmp(name, "Execution") == 0) {
        r->process_id = store_attr(x, atts, "ProcessID");
    } else {
        static const struct {
            const char *name;
            enum wx_cap cap;
        } texts[] = {
            {"EventID", WX_CAP_EVENTID},
            {"EventRecordID", WX_CAP_RECORDID},
            {"Channel", WX_CAP_CHANNEL},
            {"Computer", WX_CAP_COMPUTER},
        };

        for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
            if (strcmp(name, texts[i].name) == 0) {
                begin_capture(x, texts[i].cap, STRV_NULL);
                return WX_CAPTURE;
            }
    }
    return WX_OTHER;
}

/* An EventData child: <Data Name='X'>, or an unnamed <Data> (DataN). */
static enum wx_kind
eventdata_child(struct winxml *x, const char *name, const XML_Char **atts)
{
    const char *n;
    char gen[WINXML_NAME_MAX];
    struct strv nv;

    if (strcmp(name, "Data") != 0)
        return WX_OTHER;
    n = attr(atts, "Name");
    if (n != NULL) {
        nv = winrec_store(x->r, n, strlen(n));
    } else {
        int w = snprintf(gen, sizeof(gen), "Data%u", ++x->n_unnamed);

        nv = winrec_store(x->r, gen, (size_t)w);
    }
    begin_capture(x, WX_CAP_FIELD, nv);
    return WX_CAPTURE;
}

/* An element at the top, inside <Events> or inside <Event>. */
static enum wx_kind
event_level(struct winxml *x, enum wx_kind parent, const char *name)
{
    if (parent == WX_DOC && strcmp(name, "Events") == 0)
        return WX_EVENTS;
    if (strcmp(name, "Event") == 0 && parent != WX_EVENT) {
        x->saw_event = true;
        return WX_EVENT;
    }
    if (strcmp(name, "System") == 0)
        return WX_SYSTEM;
    /* a bare <EventData> or <UserData> fragment is a document too */
    if (strcmp(name, "EventData") == 0) {
        x->saw_event = true;
        return WX_EVENTDATA;
    }
    if (strcmp(name, "UserData") == 0) {
        x->saw_event = true;
        return WX_USERDATA;
    }
    return WX_OTHER;
}

/* The kind of a new element under `parent`. */
static enum wx_kind
classify(struct winxml *x, enum wx_kind parent, const char *name,
         const XML_Char **atts)
{
    switch (parent) {
    case WX_DOC:
    case WX_EVENTS:
    case WX_EVENT:
        return event_level(x, parent, name);
    case WX_SYSTEM:
        return system_child(x, name, atts);
    case WX_EVENTDATA:
        return eventdata_child(x, name, atts);
    case WX_USERDATA:
        return WX_USERROOT;
    case WX_USERROOT:
        begin_capture(x, WX_CAP_FIELD, winrec_store(x->r, name, strlen(name)));
        return WX_CAPTURE;
    default:
        return WX_OTHER;
    }
}

static void XMLCALL
on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct winxml *x = ud;
    enum wx_kind parent = x->depth == 0 ? WX_DOC : x->kind[x->depth - 1];

    if (x->depth >= WINXML_DEPTH_MAX) {
        fail(x, -EBADMSG);
        return;
    }
    for (size_t i = 1; atts[i - 1] != NULL; i += 2)
        if (strlen(atts[i]) > WINXML_ATTR_MAX) {
            fail(x, -EBADMSG);
            return;
        }
    x->kind[x->depth] = (unsigned char)WX_OTHER;
    x->depth++;
    if (parent != WX_OTHER && parent != WX_CAPTURE)
        x->kind[x->depth - 1] =
            (unsigned char)classify(x, parent, local_name(name), atts);
}

static void XMLCALL
on_text(void *ud, const XML_Char *s, int len)
{
    struct winxml *x = ud;
    size_t n = (size_t)len;

    if (x->cap == WX_CAP_NONE || x->depth != x->cap_depth)
        return;
    if (n > WINXML_VALUE_MAX - x->val_len) {
        n = WINXML_VALUE_MAX - x->val_len;
        x->val_cut = true;
    }
    memcpy(x->val + x->val_len, s, n);
    x->val_len += n;
}

/* The captured text is complete: put it where it belongs. */
static void
end_capture(struct winxml *x)
{
    struct winrec *r = x->r;
    struct strv v = strv_make(x->val, x->val_len);
    uint64_t id;

    if (x->val_cut)
        r->truncated = true;
    switch (x->cap) {
    case WX_CAP_EVENTID:
        if (strv_to_u64(strv_trim(v), UINT32_MAX, &id) < 0) {
            fail(x, -EBADMSG);
            break;
        }
        r->event_id = (uint32_t)id;
        r->has_event_id = true;
        break;
    case WX_CAP_RECORDID:
        v = strv_trim(v);
        r->record_id = winrec_store(r, v.p, v.n);
        break;
    case WX_CAP_CHANNEL:
        v = strv_trim(v);
        r->channel = winrec_store(r, v.p, v.n);
        break;
    case WX_CAP_COMPUTER:
        v = strv_trim(v);
        r->computer = winrec_store(r, v.p, v.n);
        break;
    case WX_CAP_FIELD:
        /* a full record counts the field in r->dropped */
        (void)winrec_add(r, x->cap_name, winrec_store(r, v.p, v.n));
        break;
    case WX_CAP_NONE:
        break;
    }
    x->cap = WX_CAP_NONE;
}

static void XMLCALL
on_end(void *ud, const XML_Char *name)
{
    struct winxml *x = ud;

    (void)name;
    if (x->depth == 0)
        return;
    if (x->cap != WX_CAP_NONE && x->depth == x->cap_depth)
        end_capture(x);
    x->depth--;
    if (x->kind[x->depth] == WX_EVENT) {
        /* one event per document; what follows is not ours */
        x->done = true;
        XML_StopParser(x->p, XML_FALSE);
    }
}

/* A DOCTYPE or an entity declaration: refused (no entity ever expands). */
static void XMLCALL
on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
           const XML_Char *pubid, int has_internal_subset)
{
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal_subset;
    fail(ud, -EBADMSG);
}

static void XMLCALL
on_entity_decl(void *ud, const XML_Char *name, int is_param,
               const XML_Char *value, int value_len, const XML_Char *base,
               const XML_Char *sysid, const XML_Char *pubid,
               const XML_Char *notation)
{
    (void)name;
    (void)is_param;
    (void)value;
    (void)value_len;
    (void)base;
    (void)sysid;
    (void)pubid;
    (void)notation;
    fail(ud, -EBADMSG);
}

/* ---- the parser object ------------------------------------------------- */

static void
winxml_free(void *p)
{
    struct winxml *x = p;

    if (x == NULL)
        return;
    if (x->p != NULL)
        XML_ParserFree(x->p);
    mem_free(x);
}

static void *
mm_malloc(size_t n)
{
    return mem_malloc(n);
}

static void *
mm_realloc(void *p, size_t n)
{
    return mem_realloc(p, n);
}

static void
mm_free(void *p)
{
    mem_free(p);
}

/* The state's parser, made on first use; NULL on ENOMEM. */
static struct winxml *
winxml_get(struct win_state *st)
{
    static const XML_Memory_Handling_Suite mm = {mm_malloc, mm_realloc,
                                                 mm_free};
    struct winxml *x = st->xml;

    if (x != NULL)
        return x;
    x = mem_calloc(1, sizeof(*x));
    if (x == NULL)
        return NULL;
    x->p = XML_ParserCreate_MM("UTF-8", &mm, NULL);
    if (x->p == NULL) {
        mem_free(x);
        return NULL;
    }
    x->salt = (unsigned long)(uintptr_t)x * UINT64_C(0x9e3779b97f4a7c15) ^
              (unsigned long)(uintptr_t)&winxml_get;
    st->xml = x;
    st->xml_free = winxml_free;
    return x;
}

/* Ready x for a new document into r: reset, handlers, limits. */
static int
winxml_begin(struct winxml *x, struct winrec *r)
{
    /* XML_ParserReset clears the handlers and the user data too. */
    if (!XML_ParserReset(x->p, "UTF-8"))
        return -ENOMEM;
    XML_SetUserData(x->p, x);
    XML_SetElementHandler(x->p, on_start, on_end);
    XML_SetCharacterDataHandler(x->p, on_text);
    XML_SetStartDoctypeDeclHandler(x->p, on_doctype);
    XML_SetEntityDeclHandler(x->p, on_entity_decl);
    /* No DTD is ever read, so no entity exists to expand (billion laughs)
     * and no external entity is loaded; expat's own amplification guard
     * (XML_SetBillionLaughsAttackProtection*, under XML_DTD) is moot. */
    XML_SetParamEntityParsing(x->p, XML_PARAM_ENTITY_PARSING_NEVER);
    /* A salt of our own: expat would otherwise ask the kernel for one
     * (getrandom) per document.  Per parser, unpredictable through ASLR. */
    XML_SetHashSalt(x->p, x->salt);
    x->r = r;
    x->err = 0;
    x->done = x->saw_event = false;
    x->depth = 0;
    x->cap = WX_CAP_NONE;
    x->n_unnamed = 0;
    return 0;
}

#define ONES UINT64_C(0x0101010101010101)

/*
 * Replace C0 controls other than TAB, LF and CR by spaces (XML 1.0 2.2
 * forbids them; evtxexport writes them raw).  Eight bytes at a time: a
 * word is looked at byte by byte only when one of its bytes may be below
 * 0x20 (LF and TAB, frequent in pretty-printed XML, come this way too).
 */
static void
sanitise(char *b, size_t n)
{
    size_t i = 0;

    for (; i + 8 <= n; i += 8) {
        uint64_t w;

        memcpy(&w, b + i, 8);
        if (((w - ONES * 0x20) & ~w & ONES * 0x80) == 0)
            continue;
        for (size_t j = i; j < i + 8; j++) {
            unsigned char c = (unsigned char)b[j];

            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
                b[j] = ' ';
        }
    }
    for (; i < n; i++) {
        unsigned char c = (unsigned char)b[i];

        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            b[i] = ' ';
    }
}

/* v without trailing blanks ends with `tail`: v before it, else n = 0. */
static struct strv
cut_tail(struct strv v, const char *tail)
{
    size_t t = strlen(tail);

    while (v.n > 0 && is_space(v.p[v.n - 1]))
        v.n--;
    if (v.n < t || memcmp(v.p + v.n - t, tail, t) != 0)
        return STRV_NULL;
    return strv_make(v.p, v.n - t);
}

/*
 * Where a trailing RenderingInfo starts, or 0.  WEF appends the rendered
 * message as Event's last child: "...</EventData><RenderingInfo ...>
 * ...</RenderingInfo></Event>"; it can be bigger than the event and is
 * full of character references, so it is not parsed.  Only a start found
 * before a "</RenderingInfo></Event>" ending counts; whether it really is
 * Event's last child is proven by the parse of the rest (see winxml_run).
 */
static size_t
rendering_start(struct strv xml)
{
    static const char tag[] = "<RenderingInfo";
    struct strv body = cut_tail(cut_tail(xml, "</Event>"), "</RenderingInfo>");
    const char *p;

    if (body.n == 0)
        return 0;
    p = memmem(body.p, body.n, tag, sizeof(tag) - 1);
    return p != NULL ? (size_t)(p - xml.p) : 0;
}

/*
 * Copy the document (its first `keep` bytes and a closing "</Event>",
 * when keep > 0) into expat's buffer, sanitise it and parse it.  Returns
 * 0 or -EBADMSG / -ENOMEM.
 */
static int
winxml_run(struct winxml *x, struct strv xml, size_t keep)
{
    static const char close[] = "</Event>";
    size_t n = keep > 0 ? keep + sizeof(close) - 1 : xml.n;
    char *b = XML_GetBuffer(x->p, (int)n);
    enum XML_Status s;

    if (b == NULL)
        return -ENOMEM;
    if (keep > 0) {
        memcpy(b, xml.p, keep);
        memcpy(b + keep, close, sizeof(close) - 1);
    } else {
        memcpy(b, xml.p, n);
    }
    sanitise(b, n);
    s = XML_ParseBuffer(x->p, (int)n, XML_TRUE);
    if (x->err != 0)
        return x->err;
    if (s == XML_STATUS_OK || x->done)
        return 0;
    return XML_GetErrorCode(x->p) == XML_ERROR_NO_MEMORY ? -ENOMEM : -EBADMSG;
}

/* What a failed attempt must undo in the record: its header. */
struct winrec_mark {
    char head[offsetof(struct winrec, data)];
    size_t text_len;
};

/*
 * Decode one Event XML document into r (see winrec.h).  st owns the expat
 * parser (created on first use, freed with the state); r is the caller's.
 * Returns 0, or -EBADMSG for a document that is malformed, hostile, too
 * big, has no Event/UserData/EventData, overflows the record's fields, or
 * could not be parsed for lack of memory.  r may hold part of the event
 * after a failure.
 */
int
winxml_decode(struct win_state *st, struct strv xml, struct winrec *r)
{
    struct winrec_mark m;
    struct winxml *x;
    size_t dropped = r->dropped, keep;
    int err;

    if (xml.n == 0 || xml.n > WINXML_INPUT_MAX)
        return -EBADMSG;
    x = winxml_get(st);
    if (x == NULL || winxml_begin(x, r) < 0)
        return -EBADMSG;
    keep = rendering_start(xml);
    if (keep > 0) {
        memcpy(m.head, r, sizeof(m.head));
        m.text_len = r->text_len;
        err = winxml_run(x, xml, keep);
        if (err < 0) {
            /* not the shape we thought: the whole document, from scratch */
            memcpy(r, m.head, sizeof(m.head));
            r->text_len = m.text_len;
            keep = 0;
            if (winxml_begin(x, r) < 0)
                return -EBADMSG;
        }
    }
    if (keep == 0)
        err = winxml_run(x, xml, 0);
    x->r = NULL;
    if (err < 0 || !x->saw_event || r->dropped != dropped)
        return -EBADMSG;
    return 0;
}

/* Does v hold an <Event> start tag ("<Event" then blank, '>' or '/')? */
static bool
has_event_tag(struct strv v)
{
    const char *p = v.p, *end = v.p + v.n;

    while (p < end && (p = memchr(p, '<', (size_t)(end - p))) != NULL) {
        if (end - p > 6 && memcmp(p + 1, "Event", 5) == 0 &&
            (is_space(p[6]) || p[6] == '>' || p[6] == '/'))
            return true;
        p++;
    }
    return false;
}

/*
 * parse() of the "windows-xml" format: a record holding one <Event>
 * (possibly behind a prolog or inside <Events>).  A record without an
 * <Event> start tag (a lone prolog, "<Events>", "</Events>", other XML)
 * is not ours.  ev is filled by windows_map(); its views point into the
 * state's record, valid until the next parse with this state.
 */
static int
parser_winxml_parse(const struct envelope *env, struct event *ev, void *state)
{
    struct win_state *st = state;
    int r;

    if (!has_event_tag(env->msg))
        return PARSE_NONE;
    winrec_reset(&st->rec);
    r = winxml_decode(st, env->msg, &st->rec);
    if (r < 0)
        return r;
    if (!st->rec.has_event_id)
        return -EBADMSG;
    r = windows_map(&st->rec, ev);
    ev->format = STRV_LIT("windows-xml");
    return r;
}

/*
 * The "windows-xml" parser.  Its state is the one all Windows forms share
 * (win_state_new), which holds the expat parser this file makes.
 */
const struct parser_ops parser_winxml_ops = {
    .name = "windows-xml",
    .programs = NULL,
    .state_new = win_state_new,
    .state_free = win_state_free,
    .parse = parser_winxml_parse,
};
