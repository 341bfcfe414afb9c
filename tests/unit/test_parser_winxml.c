/*
 * test_parser_winxml.c - the Windows Event XML decoder (winxml_decode)
 * and the "windows-xml" parser: fields of the WEF one-line form and of the
 * pretty export form, UserData/EventXML, entities, control characters,
 * fragments, times; hostile input (truncation, DOCTYPE and entities, deep
 * nesting, huge attributes and values, too many fields), each refused
 * with the next good event still decoded by the same state; and an
 * allocation-failure pass.
 *
 * Sample input: "<Event xmlns='http://schemas.microsoft.com/win/2004/08/
 * events/event'><System>...<EventID>4624</EventID>...</Event>".
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../model/buf.h"
#include "../../parsers/registry.h"
#include "../../parsers/winrec.h"
#include "testutil.h"

#define NS "http://schemas.microsoft.com/win/2004/08/events/event"

/* WEF "Raw": one line, single quotes, RenderingInfo at the end. */
static const char wef_4624[] =
    "<Event xmlns='" NS "'><System><Provider "
    "Name='Microsoft-Windows-Security-Auditing' "
    "Guid='{54849625-5478-4994-a5ba-3e3b0328c30d}'/><EventID>4624</EventID>"
    "<Version>2</Version><Level>0</Level><Task>12544</Task><Opcode>0</Opcode>"
    "<Keywords>0x8020000000000000</Keywords><TimeCreated "
    "SystemTime='2024-06-03T08:10:00.1234567Z'/>"
    "<EventRecordID>1000</EventRecordID><Correlation/><Execution "
    "ProcessID='780' ThreadID='1044'/><Channel>Security</Channel>"
    "<Computer>WKS01.corp.example</Computer><Security/></System><EventData>"
    "<Data Name='TargetUserName'>alice</Data>"
    "<Data Name='TargetDomainName'>CORP</Data>"
    "<Data Name='TargetLogonId'>0x1a2b3c</Data>"
    "<Data Name='LogonType'>10</Data>"
    "<Data Name='LogonProcessName'>User32 </Data>"
    "<Data Name='WorkstationName'/>"
    "<Data Name='IpAddress'>192.0.2.44</Data></EventData>"
    "<RenderingInfo Culture='en-US'><Message>An account was successfully "
    "logged on.&#13;&#10;&#9;Subject:</Message><Level>Information</Level>"
    "</RenderingInfo></Event>";

/* An export tool's form: pretty, padded ids, nine fraction digits. */
static const char pretty_4634[] =
    "<Event xmlns=\"" NS "\">\n"
    "  <System>\n"
    "    <Provider Name=\"Microsoft-Windows-Security-Auditing\" "
    "Guid=\"{54849625-5478-4994-A5BA-3E3B0328C30D}\"/>\n"
    "    <EventID Qualifiers=\"0\">4634</EventID>\n"
    "    <TimeCreated SystemTime=\"2022-05-01T04:40:18.084003900Z\"/>\n"
    "    <EventRecordID>5278</EventRecordID>\n"
    "    <Correlation/>\n"
    "    <Execution ProcessID=\"480\" ThreadID=\"1716\"/>\n"
    "    <Channel>Security</Channel>\n"
    "    <Computer>PC02.example.corp</Computer>\n"
    "    <Security UserID=\"S-1-5-18\"/>\n"
    "  </System>\n"
    "  <EventData>\n"
    "    <Data Name=\"TargetUserName\">bob</Data>\n"
    "    <Data Name=\"TargetLogonId\">0x00000000000003e7</Data>\n"
    "    <Data Name=\"LogonType\">3</Data>\n"
    "  </EventData>\n"
    "</Event>";

static const char lsm_21[] =
    "<Event xmlns='" NS "'><System><Provider "
    "Name='Microsoft-Windows-TerminalServices-LocalSessionManager'/>"
    "<EventID>21</EventID><TimeCreated SystemTime='2021-02-12T12:33:52Z'/>"
    "<EventRecordID>169</EventRecordID><Channel>Microsoft-Windows-"
    "TerminalServices-LocalSessionManager/Operational</Channel>"
    "<Computer>dc.windomain.local</Computer><Security UserID='S-1-5-18'/>"
    "</System><UserData><EventXML xmlns='Event_NS'><User>WINDOMAIN\\vagrant"
    "</User><SessionID>3</SessionID><Address>192.0.2.9</Address></EventXML>"
    "</UserData></Event>";

static struct win_state *
state_new(void)
{
    struct win_state *st = win_state_new();

    assert_non_null(st);
    return st;
}

/* Decode s (NUL-terminated) into st->rec from scratch. */
static int
decode(struct win_state *st, const char *s)
{
    winrec_reset(&st->rec);
    return winxml_decode(st, strv_make(s, strlen(s)), &st->rec);
}

static void
assert_strv(struct strv v, const char *want)
{
    if (!strv_eq_cstr(v, want)) {
        fprintf(stderr, "got '%.*s', want '%s'\n", (int)v.n, v.p ? v.p : "",
                want);
        fail();
    }
}

static void
assert_field(const struct winrec *r, const char *name, const char *want)
{
    assert_strv(winrec_get(r, name), want);
}

/* The good event still decodes after whatever came before. */
static void
assert_good_after(struct win_state *st)
{
    assert_int_equal(decode(st, wef_4624), 0);
    assert_int_equal(st->rec.event_id, 4624);
    assert_field(&st->rec, "TargetUserName", "alice");
}

static void
test_wef_one_line(void **state)
{
    struct win_state *st = state_new();
    struct winrec *r = &st->rec;

    (void)state;
    assert_int_equal(decode(st, wef_4624), 0);
    assert_strv(r->provider, "Microsoft-Windows-Security-Auditing");
    assert_true(r->has_event_id);
    assert_int_equal(r->event_id, 4624);
    assert_strv(r->channel, "Security");
    assert_strv(r->computer, "WKS01.corp.example");
    assert_strv(r->record_id, "1000");
    assert_strv(r->process_id, "780");
    assert_int_equal(r->user_sid.n, 0);
    /* 2024-06-03T08:10:00.1234567Z: the 7th digit is dropped */
    assert_int_equal(r->time_us, INT64_C(1717402200123456));
    assert_int_equal(r->n_data, 7);
    assert_field(r, "TargetLogonId", "0x1a2b3c");
    assert_field(r, "LogonType", "10");
    assert_field(r, "LogonProcessName", "User32 "); /* verbatim */
    assert_field(r, "WorkstationName", "");
    assert_field(r, "IpAddress", "192.0.2.44");
    /* RenderingInfo is not data */
    assert_int_equal(winrec_get(r, "Message").n, 0);
    assert_int_equal(winrec_get(r, "Level").n, 0);
    assert_false(r->truncated);
    assert_int_equal(r->dropped, 0);
    win_state_free(st);
}

static void
test_pretty_export(void **state)
{
    struct win_state *st = state_new();
    struct winrec *r = &st->rec;

    (void)state;
    assert_int_equal(decode(st, pretty_4634), 0);
    assert_int_equal(r->event_id, 4634); /* Qualifiers ignored */
    assert_int_equal(r->time_us, INT64_C(1651380018084003));
    assert_strv(r->user_sid, "S-1-5-18");
    assert_strv(r->computer, "PC02.example.corp");
    assert_int_equal(r->n_data, 3);
    assert_field(r, "TargetLogonId", "0x00000000000003e7");
    win_state_free(st);
}

static void
test_prolog_and_wrapper(void **state)
{
    struct win_state *st = state_new();
    char doc[4096];

    (void)state;
    snprintf(doc, sizeof(doc),
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Events>\n%s\n%s\n"
             "</Events>\n",
             pretty_4634, wef_4624);
    /* one event per document: the first */
    assert_int_equal(decode(st, doc), 0);
    assert_int_equal(st->rec.event_id, 4634);
    assert_field(&st->rec, "TargetUserName", "bob");
    /* a declared encoding other than UTF-8 is not believed */
    snprintf(doc, sizeof(doc), "<?xml version='1.0' encoding='UTF-16'?>%s",
             wef_4624);
    assert_int_equal(decode(st, doc), 0);
    assert_int_equal(st->rec.event_id, 4624);
    win_state_free(st);
}

static void
test_userdata(void **state)
{
    struct win_state *st = state_new();
    struct winrec *r = &st->rec;
    static const char rcm[] =
        "<Event xmlns='" NS "'><System><Provider Name='Microsoft-Windows-"
        "TerminalServices-RemoteConnectionManager'/><EventID>1149</EventID>"
        "</System><UserData><EventXML xmlns:auto-ns3='http://schemas."
        "microsoft.com/win/2004/08/events' xmlns='Event_NS'><Param1>alice"
        "</Param1><Param2>CORP</Param2><Param3>192.0.2.44</Param3></EventXML>"
        "</UserData></Event>";
    static const char lsm_40[] =
        "<Event><System><EventID>40</EventID></System><UserData><EventXML>"
        "<Session>3</Session><Reason>5</Reason></EventXML></UserData></Event>";

    (void)state;
    assert_int_equal(decode(st, lsm_21), 0);
    assert_int_equal(r->event_id, 21);
    assert_strv(r->user_sid, "S-1-5-18");
    assert_int_equal(r->n_data, 3);
    assert_field(r, "User", "WINDOMAIN\\vagrant");
    assert_field(r, "SessionID", "3");
    assert_field(r, "Address", "192.0.2.9");
    assert_int_equal(r->time_us, INT64_C(1613133232000000));
    assert_int_equal(decode(st, rcm), 0);
    assert_field(r, "Param1", "alice");
    assert_field(r, "Param2", "CORP");
    assert_field(r, "Param3", "192.0.2.44");
    assert_int_equal(decode(st, lsm_40), 0);
    assert_field(r, "Session", "3");
    assert_field(r, "Reason", "5");
    win_state_free(st);
}

static void
test_values(void **state)
{
    struct win_state *st = state_new();
    struct winrec *r = &st->rec;
    static const char doc[] =
        "<Event><System><EventID>\n 4688 \n</EventID><Computer> h1 </Computer>"
        "</System><EventData><Data>first</Data><Data>second</Data>"
        "<Data Name='Esc'>a&amp;b &lt;c&gt; &quot;d&quot; &apos;e&apos; "
        "&#65;&#x42;</Data><Data Name='CData'><![CDATA[<x>&amp;]]></Data>"
        "<Data Name='Lines'>one&#13;&#10;two</Data>"
        "<Data Name='Nested'>a<b>ignored</b>c</Data>"
        "<Data Name='Utf8'>J\xc3\xbcrgen</Data>"
        "<!-- a comment --><?pi x?><Binary>00FF</Binary></EventData></Event>";

    (void)state;
    assert_int_equal(decode(st, doc), 0);
    assert_int_equal(r->event_id, 4688); /* blanks around it */
    assert_strv(r->computer, "h1");
    assert_int_equal(r->time_us, EVENT_TIME_UNSET);
    assert_field(r, "Data1", "first");
    assert_field(r, "Data2", "second");
    assert_field(r, "Esc", "a&b <c> \"d\" 'e' AB");
    assert_field(r, "CData", "<x>&amp;");
    assert_field(r, "Lines", "one\r\ntwo");
    assert_field(r, "Nested", "ac");
    assert_field(r, "Utf8", "J\xc3\xbcrgen");
    assert_int_equal(winrec_get(r, "Binary").n, 0);
    assert_int_equal(r->n_data, 7);
    win_state_free(st);
}

static void
test_control_characters(void **state)
{
    struct win_state *st = state_new();
    char doc[2048];

    (void)state;
    /* evtxexport writes a raw 0x03 it found in the data */
    snprintf(doc, sizeof(doc),
             "<Event>\n\t<System><EventID>4739</EventID></System>\r\n"
             "<EventData><Data Name='MinPasswordAge'>\x03</Data>"
             "<Data Name='X'>a\x01\x1f"
             "b</Data></EventData>\n</Event>");
    assert_int_equal(decode(st, doc), 0);
    assert_int_equal(st->rec.event_id, 4739);
    assert_field(&st->rec, "MinPasswordAge", " ");
    assert_field(&st->rec, "X", "a  b");
    /* a character reference to one is still not XML 1.0 */
    assert_int_equal(decode(st, "<Event><System><EventID>1</EventID>"
                                "</System><EventData><Data>&#1;</Data>"
                                "</EventData></Event>"),
                     -EBADMSG);
    assert_good_after(st);
    win_state_free(st);
}

/* The JSON forms hand over bare fragments and add to their own record. */
static void
test_fragments(void **state)
{
    struct win_state *st = state_new();
    struct winrec *r = &st->rec;
    static const char ud[] =
        "<UserData><EventXML xmlns='Event_NS'><User>CORP\\alice</User>"
        "<SessionID>2</SessionID></EventXML></UserData>";
    static const char ed[] = "<EventData><Data Name='A'>1</Data></EventData>";
    struct strv name = STRV_LIT("Before");

    (void)state;
    winrec_reset(r);
    assert_int_equal(winrec_add(r, name, STRV_LIT("kept")), 0);
    r->event_id = 24;
    r->has_event_id = true;
    assert_int_equal(winxml_decode(st, strv_make(ud, sizeof(ud) - 1), r), 0);
    assert_int_equal(winxml_decode(st, strv_make(ed, sizeof(ed) - 1), r), 0);
    assert_int_equal(r->event_id, 24);
    assert_int_equal(r->n_data, 4);
    assert_field(r, "Before", "kept");
    assert_field(r, "User", "CORP\\alice");
    assert_field(r, "SessionID", "2");
    assert_field(r, "A", "1");
    /* neither an event nor a fragment */
    assert_int_equal(decode(st, "<Foo><Bar/></Foo>"), -EBADMSG);
    assert_int_equal(decode(st, "<System><EventID>1</EventID></System>"),
                     -EBADMSG);
    win_state_free(st);
}

static void
test_times(void **state)
{
    static const struct {
        const char *t;
        int64_t us;
    } ok[] = {
        {"2024-06-03T08:10:00Z", INT64_C(1717402200000000)},
        {"2024-06-03T08:10:00.5Z", INT64_C(1717402200500000)},
        {"2024-06-03T08:10:00.123Z", INT64_C(1717402200123000)},
        {"2024-06-03T08:10:00.123456789Z", INT64_C(1717402200123456)},
        {"2024-06-03T10:10:00.000001+02:00", INT64_C(1717402200000001)},
        {"2024-06-03T08:10:00", INT64_C(1717402200000000)},
        {"1969-12-31T23:59:59Z", INT64_C(-1000000)},
    };
    static const char *const bad[] = {
        "2024-06-03",
        "2024-13-03T08:10:00Z",
        "2024-06-03T25:10:00Z",
        "2024-06-03T08:10:00.Z",
        "2024-06-03T08:10:00+2",
        "x",
    };
    struct win_state *st = state_new();
    char doc[512];

    (void)state;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        snprintf(doc, sizeof(doc),
                 "<Event><System><EventID>1</EventID><TimeCreated "
                 "SystemTime='%s'/></System></Event>",
                 ok[i].t);
        assert_int_equal(decode(st, doc), 0);
        assert_int_equal(st->rec.time_us, ok[i].us);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(doc, sizeof(doc),
                 "<Event><System><EventID>1</EventID><TimeCreated "
                 "SystemTime='%s'/></System></Event>",
                 bad[i]);
        assert_int_equal(decode(st, doc), -EBADMSG);
    }
    win_state_free(st);
}

/* Build wef_4624 with `find` replaced by `repl` into an owned string. */
static char *
variant(const char *find, const char *repl)
{
    const char *at = strstr(wef_4624, find);
    size_t head, n;
    char *s;

    assert_non_null(at);
    head = (size_t)(at - wef_4624);
    n = head + strlen(repl) + strlen(at + strlen(find));
    s = malloc(n + 1);
    assert_non_null(s);
    memcpy(s, wef_4624, head);
    memcpy(s + head, repl, strlen(repl));
    memcpy(s + head + strlen(repl), at + strlen(find),
           strlen(at + strlen(find)) + 1);
    return s;
}

/* Decode s: it must be refused, and the good event must follow. */
static void
assert_refused(struct win_state *st, char *s)
{
    assert_int_equal(decode(st, s), -EBADMSG);
    free(s);
    assert_good_after(st);
}

static void
test_hostile(void **state)
{
    struct win_state *st = state_new();
    struct buf b;

    (void)state;
    /* truncated anywhere */
    for (size_t n = 1; n < sizeof(wef_4624) - 1; n += 37) {
        winrec_reset(&st->rec);
        assert_int_equal(winxml_decode(st, strv_make(wef_4624, n), &st->rec),
                         -EBADMSG);
    }
    assert_good_after(st);
    /* billion laughs: refused at the DOCTYPE, nothing expands */
    assert_refused(
        st, variant("<Event ",
                    "<!DOCTYPE Event [<!ENTITY a 'aaaaaaaaaa'>"
                    "<!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>"
                    "<!ENTITY c '&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;'>]><Event "));
    /* external entity, parameter entity */
    assert_refused(st, variant("<Event ", "<!DOCTYPE Event [<!ENTITY x SYSTEM "
                                          "'file:///etc/passwd'>]><Event "));
    assert_refused(st,
                   variant("<Event ", "<!DOCTYPE Event SYSTEM 'http://x/e.dtd'>"
                                      "<Event "));
    /* undeclared entity */
    assert_refused(st, variant(">alice<", ">&boom;<"));
    /* deep nesting: 40 levels inside EventData */
    buf_init(&b, 0);
    buf_puts(&b, "<EventData>");
    for (int i = 0; i < 40; i++)
        buf_puts(&b, "<x>");
    for (int i = 0; i < 40; i++)
        buf_puts(&b, "</x>");
    buf_putc(&b, '\0');
    assert_refused(st, variant("<EventData>", b.data));
    /* a huge attribute */
    buf_reset(&b);
    buf_puts(&b, "<Data Name='");
    for (int i = 0; i < 2000; i++)
        buf_putc(&b, 'N');
    buf_puts(&b, "'>");
    buf_putc(&b, '\0');
    assert_refused(st, variant("<Data Name='TargetUserName'>", b.data));
    /* more Data than a record holds */
    buf_reset(&b);
    buf_puts(&b, "<EventData>");
    for (int i = 0; i < WINREC_DATA_MAX + 5; i++)
        buf_puts(&b, "<Data Name='F'>v</Data>");
    buf_putc(&b, '\0');
    assert_refused(st, variant("<EventData>", b.data));
    /* mismatched tags, a bad EventID, junk, nothing */
    assert_refused(st, variant("</System>", "</Sys>"));
    assert_refused(st, variant("<EventID>4624<", "<EventID>46x<"));
    assert_refused(st, variant("<EventID>4624<", "<EventID>99999999999<"));
    assert_refused(st, variant("<Event ", "\xff<Event "));
    assert_int_equal(decode(st, "not xml at all"), -EBADMSG);
    assert_int_equal(winxml_decode(st, STRV_NULL, &st->rec), -EBADMSG);
    assert_good_after(st);
    buf_done(&b);
    win_state_free(st);
}

static void
test_limits(void **state)
{
    struct win_state *st = state_new();
    struct buf b;

    (void)state;
    /* a value past WINXML_VALUE_MAX (16 KiB) is cut, not refused */
    buf_init(&b, 0);
    buf_puts(&b, "<Event><System><EventID>1</EventID></System><EventData>"
                 "<Data Name='Big'>");
    for (int i = 0; i < 20000; i++)
        buf_putc(&b, 'v');
    buf_puts(&b, "</Data><Data Name='After'>ok</Data></EventData></Event>");
    winrec_reset(&st->rec);
    assert_int_equal(winxml_decode(st, strv_make(b.data, b.len), &st->rec), 0);
    assert_int_equal(winrec_get(&st->rec, "Big").n, 16 * 1024);
    assert_field(&st->rec, "After", "ok");
    assert_true(st->rec.truncated);
    /* a document past WINXML_INPUT_MAX (256 KiB) is refused */
    buf_reset(&b);
    buf_puts(&b, "<Event><System><EventID>1</EventID></System><!--");
    while (b.len < 300 * 1024)
        buf_puts(&b, "padding padding padding ");
    buf_puts(&b, "--></Event>");
    winrec_reset(&st->rec);
    assert_int_equal(winxml_decode(st, strv_make(b.data, b.len), &st->rec),
                     -EBADMSG);
    assert_good_after(st);
    buf_done(&b);
    win_state_free(st);
}

/* The RenderingInfo shortcut only applies when the parse proves it. */
static void
test_rendering_info(void **state)
{
    struct win_state *st = state_new();
    char *s;

    (void)state;
    /* "<RenderingInfo" first seen inside a comment: the whole is parsed */
    s = variant("<EventData>", "<EventData><!-- <RenderingInfo> -->");
    assert_int_equal(decode(st, s), 0);
    assert_field(&st->rec, "TargetUserName", "alice");
    assert_int_equal(st->rec.n_data, 7);
    free(s);
    /* RenderingInfo inside EventData: its Message is not ours either */
    s = variant("<Data Name='IpAddress'>",
                "<RenderingInfo><Message>m</Message></RenderingInfo>"
                "<Data Name='IpAddress'>");
    assert_int_equal(decode(st, s), 0);
    assert_field(&st->rec, "IpAddress", "192.0.2.44");
    assert_int_equal(st->rec.n_data, 7);
    free(s);
    /* broken XML before RenderingInfo is still refused */
    assert_refused(st, variant("</EventData>", "</EventDat>"));
    win_state_free(st);
}

/* parse(): what is an event, what is not ours, what is malformed. */
static void
test_parser(void **state)
{
    int err = 0;
    struct parse_ctx *ctx = parse_ctx_new("windows-xml", &err);
    struct parse_counters c;
    struct event ev;
    struct raw_record rec = {.data = wef_4624,
                             .len = sizeof(wef_4624) - 1,
                             .source = STRV_LIT("t"),
                             .offset = 7,
                             .has_offset = true};
    static const char *const none[] = {
        "<?xml version='1.0' encoding='UTF-8'?>", "<Events>",    "</Events>",
        "<EventData><Data>x</Data></EventData>",  "<Eventing/>",
    };

    (void)state;
    assert_non_null(ctx);
    assert_int_equal(parse_record(ctx, &rec, &ev), PARSE_EVENT);
    assert_strv(ev.format, "windows-xml");
    assert_strv(ev.hostname, "WKS01.corp.example");
    assert_strv(ev.record_id, "1000");
    assert_strv(ev.event_code, "4624");
    assert_int_equal(ev.time_us, INT64_C(1717402200123456));
    for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
        rec.data = none[i];
        rec.len = strlen(none[i]);
        assert_int_equal(parse_record(ctx, &rec, &ev), PARSE_NONE);
    }
    /* an Event without EventID is malformed */
    rec.data = "<Event><System><Channel>Security</Channel></System></Event>";
    rec.len = strlen(rec.data);
    assert_int_equal(parse_record(ctx, &rec, &ev), -EBADMSG);
    parse_ctx_counters(ctx, &c);
    assert_int_equal(c.events, 1);
    assert_int_equal(c.ignored, 5);
    assert_int_equal(c.malformed, 1);
    parse_ctx_free(ctx);
}

/* Fail every allocation in turn: no crash, no leak, and the state works
 * again once memory is back. */
static void
test_alloc_failures(void **state)
{
    unsigned long total;

    (void)state;
    mem_fail_set(0);
    {
        struct win_state *st = state_new();

        assert_int_equal(decode(st, pretty_4634), 0);
        win_state_free(st);
    }
    total = mem_fail_set(0);
    assert_true(total > 1);
    for (unsigned long n = 1; n <= total + 1; n++) {
        struct win_state *st;
        int r;

        mem_fail_set(n);
        st = win_state_new();
        if (st == NULL) {
            mem_fail_set(0);
            continue;
        }
        r = decode(st, pretty_4634);
        mem_fail_set(0);
        assert_true(r == 0 || r == -EBADMSG);
        assert_int_equal(decode(st, pretty_4634), 0);
        assert_int_equal(st->rec.event_id, 4634);
        win_state_free(st);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wef_one_line),
        cmocka_unit_test(test_pretty_export),
        cmocka_unit_test(test_prolog_and_wrapper),
        cmocka_unit_test(test_userdata),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_control_characters),
        cmocka_unit_test(test_fragments),
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_rendering_info),
        cmocka_unit_test(test_parser),
        cmocka_unit_test(test_alloc_failures),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
