/*
 * test_parser_winjson.c - the Windows JSON parsers (parsers/winjson.c,
 * nxlog.c, openwec.c, winlogbeat.c): what each flavour decoder puts into
 * the neutral record, the time forms, flavour detection and --format
 * restriction, hostile input (wrong types, truncation, nesting, sizes) and
 * an allocation-failure pass.
 *
 * The decoders are called on a cJSON tree that is freed before the record
 * is read, so a view left pointing into the tree shows up under ASan.
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

#include <cjson/cJSON.h>

#include "../../model/render.h"
#include "../../parsers/registry.h"
#include "../../parsers/winjson.h"
#include "../../parsers/winrec.h"
#include "parsetest.h"
#include "testutil.h"

#define SEC_PROV "Microsoft-Windows-Security-Auditing"
#define LSM_PROV "Microsoft-Windows-TerminalServices-LocalSessionManager"
#define LSM_CHAN LSM_PROV "/Operational"
#define RCM_PROV "Microsoft-Windows-TerminalServices-RemoteConnectionManager"
#define RCM_CHAN RCM_PROV "/Operational"

/* 2024-03-14T09:02:11Z */
#define T_0902 INT64_C(1710406931000000)

static struct win_state *st;

static int
setup(void **state)
{
    (void)state;
    st = win_state_new();
    return st == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
    (void)state;
    win_state_free(st);
    st = NULL;
    return 0;
}

/* Decode json with fn into st->rec; the tree is gone when this returns. */
static int
decode(winjson_decode_fn *fn, const char *json, int32_t tz)
{
    cJSON *root = cJSON_Parse(json);
    struct envelope env = {.time_us = EVENT_TIME_UNSET, .tz_offset_s = tz};
    int r;

    assert_non_null(root);
    winrec_reset(&st->rec);
    r = fn(st, root, &env);
    cJSON_Delete(root);
    return r;
}

static void
assert_field(const char *name, const char *want)
{
    assert_strv(winrec_get(&st->rec, name), want);
}

/* --- time ------------------------------------------------------------- */

static void
assert_time(const char *s, int32_t tz, int64_t want)
{
    int64_t got = 0;

    print_message("%s\n", s);
    assert_int_equal(winjson_time(strv_from_cstr(s), tz, &got), 0);
    assert_true(got == want);
}

static void
test_time_forms(void **state)
{
    static const char *const bad[] = {
        "",
        "2024-03-14",
        "2024-03-14 09:02",
        "2024-13-14 09:02:11",
        "2023-02-29 09:02:11",
        "2024-03-14 24:00:00",
        "2024-03-14T09:02:11+25:00",
        "2024-03-14T09:02:11Zjunk",
        "2024-03-14T09:02:11.Z",
        "1600-01-01 00:00:00",
        "20240314T090211Z",
        "2024-03-14 09:02:11 ",
        NULL,
    };
    int64_t t = 7;

    (void)state;
    /* NXLog local time: the record's offset east of UTC is taken off. */
    assert_time("2024-03-14 09:02:11", 0, T_0902);
    assert_time("2024-03-14 10:02:11", 3600, T_0902);
    assert_time("2024-03-14 04:02:11", -5 * 3600, T_0902);
    /* RFC 3339: the zone wins over the record's offset. */
    assert_time("2024-03-14T09:02:11Z", 3600, T_0902);
    assert_time("2024-03-14T11:02:11+02:00", 0, T_0902);
    assert_time("2024-03-14T11:02:11+0200", 0, T_0902);
    assert_time("2024-03-14T08:32:11-00:30", 0, T_0902);
    assert_time("2024-03-14T09:02:11.3628662Z", 0, T_0902 + 362866);
    assert_time("2024-03-14T09:02:11.5", 0, T_0902 + 500000);
    assert_time("2024-02-29T00:00:00Z", 0, INT64_C(1709164800000000));
    assert_time("2016-12-31T23:59:60Z", 0, INT64_C(1483228799000000));
    for (size_t i = 0; bad[i] != NULL; i++) {
        print_message("bad: '%s'\n", bad[i]);
        assert_int_equal(winjson_time(strv_from_cstr(bad[i]), 0, &t), -EBADMSG);
    }
    assert_true(t == 7); /* untouched on failure */
}

/* --- NXLog ------------------------------------------------------------ */

static void
test_nxlog_ce(void **state)
{
    (void)state;
    assert_int_equal(
        decode(parser_nxlog_decode,
               "{\"EventTime\":\"2024-03-14 10:02:11\",\"Hostname\":"
               "\"WKS01.corp.example\",\"Keywords\":-9214364837600034816,"
               "\"EventType\":\"AUDIT_SUCCESS\",\"EventID\":\"4624\","
               "\"SourceName\":\"" SEC_PROV "\",\"RecordNumber\":\"8812\","
               "\"ProcessID\":\"640\",\"Channel\":\"security\","
               "\"Message\":\"An account was successfully logged on.\","
               "\"TargetUserName\":\"alice\",\"TargetDomainName\":\"CORP\","
               "\"LogonType\":\"2\",\"KeyLength\":0,\"Flag\":true,"
               "\"Big\":1e300,\"Nothing\":null,\"List\":[1,2],"
               "\"Obj\":{\"a\":1},\"EventReceivedTime\":\"2024-03-14 "
               "10:02:12\",\"@timestamp\":\"2024-03-14T09:02:12.000Z\","
               "\"host\":\"wec\",\"tags\":[\"x\"],\"AccountName\":\"x\"}",
               3600),
        0);
    assert_int_equal(st->rec.event_id, 4624);
    assert_true(st->rec.has_event_id);
    assert_strv(st->rec.provider, SEC_PROV);
    assert_strv(st->rec.channel, "security"); /* as written */
    assert_strv(st->rec.computer, "WKS01.corp.example");
    assert_strv(st->rec.record_id, "8812");
    assert_strv(st->rec.process_id, "640");
    assert_true(st->rec.time_us == T_0902);
    assert_field("TargetUserName", "alice");
    assert_field("LogonType", "2");
    assert_field("KeyLength", "0");
    assert_field("Flag", "true");
    assert_field("Big", "1.0000000000000001e+300");
    /* Without UserID, AccountName is the event's own (4778/4779). */
    assert_field("AccountName", "x");
    /* System keys, transport keys, null/array/object values: not data. */
    assert_field("Message", NULL);
    assert_field("EventReceivedTime", NULL);
    assert_field("Keywords", NULL);
    assert_field("@timestamp", NULL);
    assert_field("host", NULL);
    assert_field("Nothing", NULL);
    assert_field("List", NULL);
    assert_field("Obj", NULL);
    assert_int_equal(st->rec.n_data, 7);
}

static void
test_nxlog_enterprise(void **state)
{
    (void)state;
    assert_int_equal(
        decode(
            parser_nxlog_decode,
            "{\"EventTime\":\"2024-03-14T11:02:11.250+02:00\","
            "\"Hostname\":\"WKS01\",\"EventID\":4625,\"SourceName\":\"" SEC_PROV
            "\",\"RecordNumber\":17,\"ExecutionProcessID\":700,"
            "\"Channel\":\"Security\",\"UserID\":\"S-1-5-18\","
            "\"AccountName\":\"SYSTEM\",\"Domain\":\"NT AUTHORITY\","
            "\"AccountType\":\"User\",\"TargetUserName\":\"bob\","
            "\"Status\":\"0xc000006d\",\"ProcessId\":\"0x2a4\"}",
            -7200),
        0);
    assert_int_equal(st->rec.event_id, 4625);
    assert_true(st->rec.time_us == T_0902 + 250000);
    assert_strv(st->rec.process_id, "700");
    assert_strv(st->rec.record_id, "17");
    assert_strv(st->rec.user_sid, "S-1-5-18");
    /* With UserID, AccountName/Domain/AccountType name its account. */
    assert_field("AccountName", NULL);
    assert_field("Domain", NULL);
    assert_field("AccountType", NULL);
    /* "ProcessId" (event data) is not "ProcessID" (System). */
    assert_field("ProcessId", "0x2a4");
    assert_field("Status", "0xc000006d");
}

static void
test_nxlog_terminal_services_message(void **state)
{
    (void)state;
    assert_int_equal(
        decode(parser_nxlog_decode,
               "{\"EventID\":21,\"SourceName\":\"" LSM_PROV "\","
               "\"Channel\":\"" LSM_CHAN "\",\"UserID\":\"S-1-5-18\","
               "\"AccountName\":\"SYSTEM\",\"Message\":\"Remote Desktop "
               "Services: Session logon succeeded:\\r\\n\\r\\nUser: "
               "CORP\\\\alice\\r\\nSession ID: 2\\r\\nSource Network "
               "Address: 192.0.2.7\"}",
               0),
        0);
    assert_field("User", "CORP\\alice");
    assert_field("SessionID", "2");
    assert_field("Address", "192.0.2.7");
    assert_field("AccountName", NULL);

    /* A flattened value wins over the Message. */
    assert_int_equal(
        decode(parser_nxlog_decode,
               "{\"EventID\":24,\"SourceName\":\"" LSM_PROV "\","
               "\"Channel\":\"" LSM_CHAN "\",\"SessionID\":\"5\","
               "\"Message\":\"x:\\r\\n\\r\\nUser: CORP\\\\alice\\r\\n"
               "Session ID: 2\"}",
               0),
        0);
    assert_field("SessionID", "5");
    assert_field("User", "CORP\\alice");

    assert_int_equal(
        decode(parser_nxlog_decode,
               "{\"EventID\":1149,\"SourceName\":\"" RCM_PROV "\","
               "\"Channel\":\"" RCM_CHAN "\",\"Message\":\"Remote Desktop "
               "Services: User authentication succeeded:\\r\\n\\r\\nUser: "
               "alice\\r\\nDomain: CORP\\r\\nSource Network Address: "
               "2001:db8::7\"}",
               0),
        0);
    assert_field("Param1", "alice");
    assert_field("Param2", "CORP");
    assert_field("Param3", "2001:db8::7");

    assert_int_equal(decode(parser_nxlog_decode,
                            "{\"EventID\":40,\"SourceName\":\"" LSM_PROV "\","
                            "\"Channel\":\"" LSM_CHAN
                            "\",\"Message\":\"Session 3 has "
                            "been disconnected, reason code 11\"}",
                            0),
                     0);
    assert_field("Session", "3");
    assert_field("Reason", "11");

    assert_int_equal(decode(parser_nxlog_decode,
                            "{\"EventID\":39,\"SourceName\":\"" LSM_PROV "\","
                            "\"Channel\":\"" LSM_CHAN
                            "\",\"Message\":\"Session 4 has "
                            "been disconnected by session 6\"}",
                            0),
                     0);
    assert_field("TargetSession", "4");
    assert_field("Source", "6");

    /* Security events never read the Message. */
    assert_int_equal(decode(parser_nxlog_decode,
                            "{\"EventID\":4624,\"SourceName\":\"" SEC_PROV
                            "\",\"Channel\":\"Security\",\"Message\":\"User: "
                            "mallory\"}",
                            0),
                     0);
    assert_field("User", NULL);
}

static void
test_nxlog_wrong_types(void **state)
{
    static const char *const bad[] = {
        "{\"EventID\":{\"x\":1}}",
        "{\"EventID\":[4624]}",
        "{\"EventID\":4624.5}",
        "{\"EventID\":65536}",
        "{\"EventID\":-4624}",
        "{\"EventID\":\"\"}",
        "{\"EventID\":\"4624 \"}",
        "{\"EventID\":null}",
        "{\"EventID\":4624,\"EventTime\":1710406931}",
        "{\"EventID\":4624,\"EventTime\":\"14/03/2024 09:02:11\"}",
        "{\"EventID\":4624,\"Hostname\":[\"a\"]}",
        "{\"EventID\":4624,\"Channel\":7}",
        "{\"EventID\":4624,\"SourceName\":{}}",
        "{\"EventID\":4624,\"RecordNumber\":\"-1\"}",
        "{\"EventID\":4624,\"RecordNumber\":true}",
        "{\"EventID\":4624,\"ProcessID\":-3}",
        "{\"EventID\":4624,\"UserID\":5}",
        "{\"SourceName\":\"x\"}",
        NULL,
    };

    (void)state;
    for (size_t i = 0; bad[i] != NULL; i++) {
        print_message("%s\n", bad[i]);
        assert_int_equal(decode(parser_nxlog_decode, bad[i], 0), -EBADMSG);
    }
}

/* --- OpenWEC ---------------------------------------------------------- */

static void
test_openwec_json(void **state)
{
    (void)state;
    assert_int_equal(
        decode(parser_openwec_decode,
               "{\"System\":{\"Provider\":{\"Name\":\"" SEC_PROV
               "\",\"Guid\":\"{x}\"},\"EventID\":4624,\"Version\":2,"
               "\"TimeCreated\":\"2024-03-14T09:02:11.0000001Z\","
               "\"EventRecordID\":114689,\"Correlation\":{},\"Execution\":"
               "{\"ProcessID\":4,\"ThreadID\":196},\"Channel\":\"Security\","
               "\"Computer\":\"win10.corp.example\",\"UserID\":\"S-1-5-18\"},"
               "\"EventData\":{\"TargetUserName\":\"alice\",\"LogonType\":"
               "\"10\",\"Data\":[\"u1\",\"u2\"],\"Binary\":\"00FF\"},"
               "\"RenderingInfo\":{\"Message\":\"An account ...\"},"
               "\"OpenWEC\":{\"IpAddress\":\"192.0.2.5\",\"Principal\":"
               "\"WIN10$@CORP\"}}",
               3600),
        0);
    assert_int_equal(st->rec.event_id, 4624);
    assert_strv(st->rec.provider, SEC_PROV);
    assert_strv(st->rec.channel, "Security");
    assert_strv(st->rec.computer, "win10.corp.example");
    assert_strv(st->rec.record_id, "114689");
    assert_strv(st->rec.process_id, "4");
    assert_strv(st->rec.user_sid, "S-1-5-18");
    assert_true(st->rec.time_us == T_0902);
    assert_field("TargetUserName", "alice");
    assert_field("LogonType", "10");
    assert_field("Data", NULL);
    assert_field("Binary", NULL);
    assert_field("IpAddress", NULL); /* the collector's, not the event's */
    assert_int_equal(st->rec.n_data, 2);

    /* The XML's shapes: TimeCreated.SystemTime, Security.UserID. */
    assert_int_equal(
        decode(parser_openwec_decode,
               "{\"System\":{\"Provider\":{\"Name\":\"" SEC_PROV
               "\"},\"EventID\":4634,\"TimeCreated\":{\"SystemTime\":"
               "\"2024-03-14T09:02:11Z\"},\"Security\":{\"UserID\":"
               "\"S-1-5-21-1-2-3-1104\"},\"Computer\":\"W\"}}",
               0),
        0);
    assert_true(st->rec.time_us == T_0902);
    assert_strv(st->rec.user_sid, "S-1-5-21-1-2-3-1104");
}

static void
test_openwec_user_data(void **state)
{
    (void)state;
    assert_int_equal(
        decode(parser_openwec_decode,
               "{\"System\":{\"Provider\":{\"Name\":\"" LSM_PROV
               "\"},\"EventID\":21,\"TimeCreated\":\"2024-03-14T09:02:11Z\","
               "\"Channel\":\"" LSM_CHAN "\",\"Computer\":\"TS01\"},"
               "\"UserData\":\"<EventXML xmlns='Event_NS'><User>CORP\\\\alice"
               "</User><SessionID>2</SessionID><Address>192.0.2.7</Address>"
               "</EventXML>\"}",
               0),
        0);
    assert_field("User", "CORP\\alice");
    assert_field("SessionID", "2");
    assert_field("Address", "192.0.2.7");
    assert_strv(st->rec.computer, "TS01");
}

static void
test_openwec_raw(void **state)
{
    (void)state;
    assert_int_equal(
        decode(parser_openwec_raw_decode,
               "{\"meta\":{\"IpAddress\":\"192.0.2.5\"},\"data\":\"<Event "
               "xmlns='http://schemas.microsoft.com/win/2004/08/events/"
               "event'><System><Provider Name='" SEC_PROV "'/><EventID>4624"
               "</EventID><TimeCreated SystemTime='2024-03-14T09:02:11.5Z'/>"
               "<EventRecordID>99</EventRecordID><Channel>Security</Channel>"
               "<Computer>W1</Computer></System><EventData><Data "
               "Name='TargetUserName'>bob &amp; co</Data></EventData>"
               "</Event>\"}",
               0),
        0);
    assert_int_equal(st->rec.event_id, 4624);
    assert_strv(st->rec.computer, "W1");
    assert_strv(st->rec.record_id, "99");
    assert_true(st->rec.time_us == T_0902 + 500000);
    assert_field("TargetUserName", "bob & co");
}

static void
test_openwec_wrong_types(void **state)
{
    static const char *const bad[] = {
        "{\"System\":{\"EventID\":{\"Qualifiers\":0}}}",
        "{\"System\":{\"EventID\":\"x\"}}",
        "{\"System\":{}}",
        "{\"System\":{\"EventID\":1,\"TimeCreated\":1710406931}}",
        "{\"System\":{\"EventID\":1,\"TimeCreated\":{\"SystemTime\":5}}}",
        "{\"System\":{\"EventID\":1,\"Provider\":\"x\"}}",
        "{\"System\":{\"EventID\":1,\"Provider\":{\"Name\":1}}}",
        "{\"System\":{\"EventID\":1,\"Execution\":[]}}",
        "{\"System\":{\"EventID\":1,\"Execution\":{\"ProcessID\":\"x\"}}}",
        "{\"System\":{\"EventID\":1,\"EventRecordID\":-1}}",
        "{\"System\":{\"EventID\":1,\"Computer\":{}}}",
        "{\"System\":{\"EventID\":1,\"Security\":\"S-1-5-18\"}}",
        "{\"System\":{\"EventID\":1},\"EventData\":[\"a\"]}",
        "{\"System\":{\"EventID\":1},\"EventData\":\"a\"}",
        "{\"System\":{\"EventID\":1},\"UserData\":42}",
        "{\"System\":{\"EventID\":1},\"UserData\":\"<EventXML><User>\"}",
        NULL,
    };

    (void)state;
    for (size_t i = 0; bad[i] != NULL; i++) {
        print_message("%s\n", bad[i]);
        assert_int_equal(decode(parser_openwec_decode, bad[i], 0), -EBADMSG);
    }
    assert_int_equal(decode(parser_openwec_raw_decode,
                            "{\"meta\":{},\"data\":\"<Event><System>\"}", 0),
                     -EBADMSG);
    assert_int_equal(
        decode(parser_openwec_raw_decode, "{\"meta\":{},\"data\":\"\"}", 0),
        -EBADMSG);
}

/* --- Winlogbeat ------------------------------------------------------- */

static void
test_winlogbeat(void **state)
{
    (void)state;
    assert_int_equal(
        decode(parser_winlogbeat_decode,
               "{\"@timestamp\":\"2024-03-14T09:02:11.123Z\",\"host\":"
               "{\"name\":\"wec01\"},\"message\":\"An account ...\","
               "\"winlog\":{\"event_id\":\"4624\",\"provider_name\":\"" SEC_PROV
               "\",\"channel\":\"Security\",\"computer_name\":\"WKS01\","
               "\"record_id\":\"8812\",\"process\":{\"pid\":640,\"thread\":"
               "{\"id\":8}},\"user\":{\"identifier\":\"S-1-5-18\"},"
               "\"event_data\":{\"TargetUserName\":\"alice\",\"LogonType\":"
               "\"3\"},\"keywords\":[\"Audit Success\"]}}",
               3600),
        0);
    assert_int_equal(st->rec.event_id, 4624);
    assert_strv(st->rec.provider, SEC_PROV);
    assert_strv(st->rec.computer, "WKS01"); /* never host.name */
    assert_strv(st->rec.record_id, "8812");
    assert_strv(st->rec.process_id, "640");
    assert_strv(st->rec.user_sid, "S-1-5-18");
    assert_true(st->rec.time_us == T_0902 + 123000);
    assert_field("TargetUserName", "alice");
    assert_field("LogonType", "3");
    assert_int_equal(st->rec.n_data, 2);

    /* user_data: the element's children; xml_name is not data. */
    assert_int_equal(
        decode(parser_winlogbeat_decode,
               "{\"winlog\":{\"event_id\":25,\"provider_name\":\"" LSM_PROV
               "\",\"channel\":\"" LSM_CHAN "\",\"time_created\":"
               "\"2024-03-14T09:02:11Z\",\"user_data\":{\"User\":"
               "\"CORP\\\\alice\",\"SessionID\":\"2\",\"Address\":"
               "\"192.0.2.7\",\"xml_name\":\"EventXML\"}}}",
               0),
        0);
    assert_true(st->rec.time_us == T_0902);
    assert_field("User", "CORP\\alice");
    assert_field("SessionID", "2");
    assert_field("Address", "192.0.2.7");
    assert_field("xml_name", NULL);
}

static void
test_winlogbeat_wrong_types(void **state)
{
    static const char *const bad[] = {
        "{\"winlog\":{}}",
        "{\"winlog\":{\"event_id\":{\"id\":1}}}",
        "{\"winlog\":{\"event_id\":1,\"event_data\":[\"a\"]}}",
        "{\"winlog\":{\"event_id\":1,\"user_data\":7}}",
        "{\"winlog\":{\"event_id\":1,\"record_id\":{}}}",
        "{\"winlog\":{\"event_id\":1,\"process\":{\"pid\":\"x\"}}}",
        "{\"winlog\":{\"event_id\":1,\"process\":3}}",
        "{\"winlog\":{\"event_id\":1,\"user\":{\"identifier\":9}}}",
        "{\"winlog\":{\"event_id\":1,\"computer_name\":true}}",
        "{\"winlog\":{\"event_id\":1},\"@timestamp\":1710406931}",
        "{\"winlog\":{\"event_id\":1},\"@timestamp\":\"yesterday\"}",
        NULL,
    };

    (void)state;
    for (size_t i = 0; bad[i] != NULL; i++) {
        print_message("%s\n", bad[i]);
        assert_int_equal(decode(parser_winlogbeat_decode, bad[i], 0), -EBADMSG);
    }
}

/* --- through the registry -------------------------------------------- */

static const char nx_line[] =
    "{\"EventTime\":\"2024-03-14 09:02:11\",\"Hostname\":\"WKS01\","
    "\"EventID\":4624,\"SourceName\":\"" SEC_PROV "\",\"Channel\":"
    "\"Security\",\"RecordNumber\":5,\"TargetUserName\":\"alice\","
    "\"TargetDomainName\":\"CORP\",\"TargetLogonId\":\"0x1f2a3b\","
    "\"LogonType\":\"2\"}";
static const char ow_line[] =
    "{\"System\":{\"Provider\":{\"Name\":\"" SEC_PROV "\"},\"EventID\":4624,"
    "\"TimeCreated\":\"2024-03-14T09:02:11Z\",\"EventRecordID\":5,"
    "\"Channel\":\"Security\",\"Computer\":\"WKS01\"},\"EventData\":"
    "{\"TargetUserName\":\"alice\",\"TargetDomainName\":\"CORP\","
    "\"TargetLogonId\":\"0x1f2a3b\",\"LogonType\":\"2\"}}";
static const char wb_line[] =
    "{\"@timestamp\":\"2024-03-14T09:02:11Z\",\"winlog\":{\"event_id\":4624,"
    "\"provider_name\":\"" SEC_PROV "\",\"channel\":\"Security\","
    "\"computer_name\":\"WKS01\",\"record_id\":5,\"event_data\":"
    "{\"TargetUserName\":\"alice\",\"TargetDomainName\":\"CORP\","
    "\"TargetLogonId\":\"0x1f2a3b\",\"LogonType\":\"2\"}}}";

static void
assert_parsed(const char *fmt, const char *line, const char *want_format)
{
    struct event ev;

    print_message("%s: %.60s\n", fmt, line);
    assert_int_equal(parse1(fmt, line, &ev), PARSE_EVENT);
    assert_strv(ev.format, want_format);
    assert_int_equal(ev.action, EV_ACTION_LOGIN);
    assert_strv(ev.user, "CORP\\alice");
    assert_strv(ev.hostname, "WKS01");
    assert_strv(ev.record_id, "5");
    assert_strv(ev.login_id, "0x1f2a3b");
    assert_int_equal(ev.logon_type, 2);
    assert_true(ev.time_us == T_0902);
}

static void
test_flavours_and_formats(void **state)
{
    const char *lines[] = {nx_line, ow_line, wb_line};
    const char *names[] = {"nxlog-json", "openwec-json", "winlogbeat-json"};
    struct event ev;

    (void)state;
    for (int i = 0; i < 3; i++) {
        assert_parsed("auto", lines[i], names[i]);
        assert_parsed("windows-json", lines[i], names[i]);
        assert_parsed(names[i], lines[i], names[i]);
        for (int j = 0; j < 3; j++)
            if (j != i)
                assert_int_equal(parse1(names[j], lines[i], &ev), PARSE_NONE);
    }
    /* Behind a syslog header: the payload's host, not the header's. */
    {
        char line[2048];

        snprintf(line, sizeof(line), "<14>Mar 14 09:02:12 relay01 nxlog[7]: %s",
                 nx_line);
        assert_parsed("auto", line, "nxlog-json");
        snprintf(line, sizeof(line),
                 "<14>1 2024-03-14T09:02:12Z relay01 winlogbeat - - - %s",
                 wb_line);
        assert_parsed("auto", line, "winlogbeat-json");
    }
    /* JSON that is no Windows event: no event, not malformed. */
    assert_int_equal(parse1("auto", "{\"level\":\"info\",\"msg\":\"x\"}", &ev),
                     PARSE_NONE);
    assert_int_equal(parse1("auto", "{}", &ev), PARSE_NONE);
    /* An event id the table ignores (4688). */
    assert_int_equal(parse1("auto",
                            "{\"EventID\":4688,\"SourceName\":\"" SEC_PROV
                            "\",\"Channel\":\"Security\"}",
                            &ev),
                     PARSE_NONE);
    /* Forced format on a line that is not JSON at all. */
    assert_int_equal(parse1("nxlog-json", "hello", &ev), -EBADMSG);
}

static void
test_tz_offset_from_record(void **state)
{
    struct parse_ctx *ctx = parse_ctx_new("auto", NULL);
    struct raw_record rec = {.data = nx_line,
                             .len = strlen(nx_line),
                             .ref_time_us = REF_US,
                             .tz_offset_s = -5 * 3600};
    struct event ev;

    (void)state;
    assert_non_null(ctx);
    assert_int_equal(parse_record(ctx, &rec, &ev), PARSE_EVENT);
    assert_true(ev.time_us == T_0902 + INT64_C(5) * 3600 * 1000000);
    parse_ctx_free(ctx);
}

/* A line of n copies of open, then "1", then n copies of close. */
static char *
nested(const char *prefix, const char *open, const char *close, int n)
{
    size_t len = strlen(prefix) + (strlen(open) + strlen(close)) * n + 8;
    char *s = malloc(len);
    size_t k;

    assert_non_null(s);
    k = (size_t)snprintf(s, len, "%s", prefix);
    for (int i = 0; i < n; i++)
        k += (size_t)snprintf(s + k, len - k, "%s", open);
    k += (size_t)snprintf(s + k, len - k, "1");
    for (int i = 0; i < n; i++)
        k += (size_t)snprintf(s + k, len - k, "%s", close);
    snprintf(s + k, len - k, "}");
    return s;
}

static void
test_hostile(void **state)
{
    static const char *const bad[] = {
        "{",
        "{\"EventID\":4624",
        "{\"EventID\":4624,\"SourceName\":\"Micro",
        "{\"EventID\":4624} trailing",
        "{\"EventID\":4624}{\"EventID\":4625}",
        "{\"EventID\":4624,}",
        "{\"EventID\":4624,\"x\":\"\\u12\"}",
        "{\"EventID\":4624,\"x\":\"\\q\"}",
        "{\"System\":\"Security\"}",
        "{\"winlog\":[1]}",
        "{\"meta\":{},\"data\":42}",
        NULL,
    };
    struct event ev;
    char *s, *big;

    (void)state;
    for (size_t i = 0; bad[i] != NULL; i++) {
        print_message("%s\n", bad[i]);
        assert_int_equal(parse1("auto", bad[i], &ev), -EBADMSG);
    }
    /* Nesting: WINJSON_DEPTH_MAX levels pass the scan, one more does not
     * (the root object is level 1). */
    s = nested("{\"EventID\":4688,\"a\":", "[", "]", WINJSON_DEPTH_MAX - 1);
    assert_int_equal(parse1("auto", s, &ev), PARSE_NONE);
    free(s);
    s = nested("{\"EventID\":4688,\"a\":", "[", "]", WINJSON_DEPTH_MAX);
    assert_int_equal(parse1("auto", s, &ev), -EBADMSG);
    free(s);
    s = nested("{\"EventID\":4688,\"a\":", "{\"b\":", "}", 5000);
    assert_int_equal(parse1("auto", s, &ev), -EBADMSG);
    free(s);
    /* Brackets inside strings do not count, escaped quotes do not end one. */
    assert_int_equal(parse1("auto",
                            "{\"EventID\":4688,\"x\":\"[[[[[[[[[[[[[[[[[[[["
                            "\\\"{{{{{{{{{{{{{{{{{{{{\\\\\"}",
                            &ev),
                     PARSE_NONE);
    /* Larger than WINJSON_SIZE_MAX: refused before parsing. */
    big = malloc(WINJSON_SIZE_MAX + 64);
    assert_non_null(big);
    memset(big, ' ', WINJSON_SIZE_MAX + 63);
    memcpy(big, "{\"EventID\":4688,\"x\":\"", 21);
    memcpy(big + WINJSON_SIZE_MAX + 60, "\"}", 3);
    assert_int_equal(parse1("auto", big, &ev), -EBADMSG);
    free(big);
}

/* A long top-level Message is cut before cJSON parses the line; the
 * event is the same, and a TerminalServices event keeps its Message. */
static void
test_message_cut(void **state)
{
    struct buf b;
    struct event ev;

    (void)state;
    buf_init(&b, 0);
    buf_puts(&b, "{\"Message\":\"");
    for (int i = 0; i < 40; i++)
        buf_puts(&b, "An account was logged on.\\r\\n\\t\\\"x\\\" ");
    buf_puts(&b, "\",");
    buf_append(&b, nx_line + 1, strlen(nx_line) - 1);
    buf_putc(&b, '\0');
    assert_true(b.len > WINJSON_CUT_MIN + 100);
    assert_parsed("auto", b.data, "nxlog-json");
    /* Without memory for the cut copy, the whole line is parsed. */
    {
        struct parse_ctx *ctx = parse_ctx_new("auto", NULL);

        assert_non_null(ctx);
        mem_fail_set(1);
        assert_int_equal(parse_in(ctx, b.data, &ev), PARSE_EVENT);
        mem_fail_set(0);
        assert_strv(ev.user, "CORP\\alice");
        parse_ctx_free(ctx);
    }
    buf_done(&b);

    /* Channel after the Message, Message longer than the cut limit. */
    buf_init(&b, 0);
    buf_puts(&b, "{\"EventID\":21,\"Message\":\"Remote Desktop Services: "
                 "Session logon succeeded:");
    for (int i = 0; i < 20; i++)
        buf_puts(&b, "          ");
    buf_puts(&b,
             "\\r\\n\\r\\nUser: CORP\\\\alice\\r\\nSession ID: "
             "2\\r\\nSource Network Address: 192.0.2.7\",\"Hostname\":"
             "\"TS01\",\"SourceName\":\"" LSM_PROV "\",\"Channel\":\"" LSM_CHAN
             "\",\"EventTime\":\"2024-03-14 09:02:11\"}");
    buf_putc(&b, '\0');
    assert_true(b.len > WINJSON_CUT_MIN + 50);
    assert_int_equal(parse1("auto", b.data, &ev), PARSE_EVENT);
    assert_strv(ev.event_code, "LSM-21");
    assert_strv(ev.user, "CORP\\alice");
    assert_strv(ev.src_ip, "192.0.2.7");
    assert_strv(ev.login_id, "2");
    buf_done(&b);
}

/* More data fields than a record holds: the rest are counted, the event
 * is still made from the fields that fit. */
static void
test_data_limit(void **state)
{
    struct buf b;
    struct event ev;

    (void)state;
    buf_init(&b, 0);
    buf_puts(&b,
             "{\"EventID\":4624,\"SourceName\":\"" SEC_PROV "\",\"Channel\":"
             "\"Security\",\"TargetUserName\":\"alice\","
             "\"TargetDomainName\":\"CORP\",\"TargetLogonId\":\"0x5\"");
    for (int i = 0; i < WINREC_DATA_MAX + 50; i++) {
        buf_puts(&b, ",\"F");
        buf_put_u64(&b, (uint64_t)i);
        buf_puts(&b, "\":\"v\"");
    }
    buf_puts(&b, "}");
    buf_putc(&b, '\0');
    assert_false(b.oom);
    assert_int_equal(decode(parser_nxlog_decode, b.data, 0), 0);
    assert_int_equal(st->rec.n_data, WINREC_DATA_MAX);
    assert_int_equal(st->rec.dropped, 53);
    assert_int_equal(parse1("auto", b.data, &ev), PARSE_EVENT);
    assert_strv(ev.user, "CORP\\alice");
    buf_done(&b);
}

/* Fail allocation 1..N while making a context and parsing every flavour:
 * each attempt either works or fails cleanly (ASan: no leak, no crash). */
static void
test_alloc_failures(void **state)
{
    const char *lines[] = {nx_line, ow_line, wb_line};
    unsigned long n, worked = 0;

    (void)state;
    for (n = 1; n < 64; n++) {
        struct parse_ctx *ctx;
        struct event ev;
        int err = 0;

        mem_fail_set(n);
        ctx = parse_ctx_new("auto", &err);
        if (ctx == NULL) {
            assert_int_equal(err, -ENOMEM);
            continue;
        }
        for (int i = 0; i < 3; i++) {
            struct raw_record rec = {.data = lines[i],
                                     .len = strlen(lines[i]),
                                     .ref_time_us = REF_US};
            int r = parse_record(ctx, &rec, &ev);

            assert_true(r == PARSE_EVENT || r == -EBADMSG);
        }
        parse_ctx_free(ctx);
        worked++;
    }
    mem_fail_set(0);
    assert_true(worked > 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_forms),
        cmocka_unit_test(test_nxlog_ce),
        cmocka_unit_test(test_nxlog_enterprise),
        cmocka_unit_test(test_nxlog_terminal_services_message),
        cmocka_unit_test(test_nxlog_wrong_types),
        cmocka_unit_test(test_openwec_json),
        cmocka_unit_test(test_openwec_user_data),
        cmocka_unit_test(test_openwec_raw),
        cmocka_unit_test(test_openwec_wrong_types),
        cmocka_unit_test(test_winlogbeat),
        cmocka_unit_test(test_winlogbeat_wrong_types),
        cmocka_unit_test(test_flavours_and_formats),
        cmocka_unit_test(test_tz_offset_from_record),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_message_cut),
        cmocka_unit_test(test_data_limit),
        cmocka_unit_test(test_alloc_failures),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
