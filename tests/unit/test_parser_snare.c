/*
 * test_parser_snare.c - the English-text Windows forms: the section reader
 * of wintext.c (every layout, aliases, hostile text), the Snare
 * MSWinEventLog parser, NXLog's to_syslog_bsd text ("windows-text") and
 * RFC 5424 with [NXLOG@14506] structured data ("nxlog-sd"), plus an
 * allocation-failure pass.
 *
 * Sample line: "<14>Mar 14 09:00:00 WKS-ALPHA MSWinEventLog<TAB>1<TAB>
 * Security<TAB>1001<TAB>Thu Mar 14 09:00:00 2024<TAB>4624<TAB>...".
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

#include "../../model/render.h"
#include "../../parsers/winrec.h"
#include "../../parsers/wintext.h"
#include "parsetest.h"
#include "testutil.h"

#define T_LINE_MAX 8192
#define T_MSG_MAX 4096

/* 4624 as Windows renders it (tabs and CR LF), our own accounts. */
static const char msg_4624[] =
    "An account was successfully logged on.\r\n\r\n"
    "Subject:\r\n\tSecurity ID:\t\tS-1-5-18\r\n"
    "\tAccount Name:\t\tWKS-ALPHA$\r\n\tAccount Domain:\t\tEXAMPLE\r\n"
    "\tLogon ID:\t\t0x3E7\r\n\r\n"
    "Logon Information:\r\n\tLogon Type:\t\t10\r\n"
    "\tRestricted Admin Mode:\tNo\r\n\tVirtual Account:\t\tNo\r\n"
    "\tElevated Token:\t\tYes\r\n\r\n"
    "Impersonation Level:\t\tImpersonation\r\n\r\n"
    "New Logon:\r\n\tSecurity ID:\t\tS-1-5-21-1-2-3-1104\r\n"
    "\tAccount Name:\t\talice\r\n\tAccount Domain:\t\tEXAMPLE\r\n"
    "\tLogon ID:\t\t0x7C0D11\r\n\tLinked Logon ID:\t\t0x0\r\n"
    "\tNetwork Account Name:\t-\r\n\tNetwork Account Domain:\t-\r\n"
    "\tLogon GUID:\t\t{00000000-0000-0000-0000-000000000000}\r\n\r\n"
    "Process Information:\r\n\tProcess ID:\t\t0x2c4\r\n"
    "\tProcess Name:\t\tC:\\Windows\\System32\\svchost.exe\r\n\r\n"
    "Network Information:\r\n\tWorkstation Name:\tLAPTOP-ALICE\r\n"
    "\tSource Network Address:\t192.0.2.45\r\n\tSource Port:\t\t50100\r\n"
    "\r\nDetailed Authentication Information:\r\n"
    "\tLogon Process:\t\tUser32 \r\n\tAuthentication Package:\tNegotiate\r\n"
    "\tTransited Services:\t-\r\n\tPackage Name (NTLM only):\t-\r\n"
    "\tKey Length:\t\t0\r\n\r\n"
    "This event is generated when a logon session is created: see below.";

/* The fields every layout of msg_4624 must give. */
static const char *const want_4624[][2] = {
    {"SubjectUserSid", "S-1-5-18"},
    {"SubjectUserName", "WKS-ALPHA$"},
    {"SubjectDomainName", "EXAMPLE"},
    {"SubjectLogonId", "0x3E7"},
    {"LogonType", "10"},
    {"RestrictedAdminMode", "No"},
    {"VirtualAccount", "No"},
    {"ElevatedToken", "Yes"},
    {"ImpersonationLevel", "Impersonation"},
    {"TargetUserSid", "S-1-5-21-1-2-3-1104"},
    {"TargetUserName", "alice"},
    {"TargetDomainName", "EXAMPLE"},
    {"TargetLogonId", "0x7C0D11"},
    {"TargetLinkedLogonId", "0x0"},
    {"LogonGuid", "{00000000-0000-0000-0000-000000000000}"},
    {"ProcessId", "0x2c4"},
    {"ProcessName", "C:\\Windows\\System32\\svchost.exe"},
    {"WorkstationName", "LAPTOP-ALICE"},
    {"IpAddress", "192.0.2.45"},
    {"IpPort", "50100"},
    {"LogonProcessName", "User32"},
    {"AuthenticationPackageName", "Negotiate"},
    {"TransmittedServices", "-"},
    {"LmPackageName", "-"},
    {"KeyLength", "0"},
};

static struct winrec *
rec_new(void)
{
    struct winrec *r = malloc(sizeof(*r));

    assert_non_null(r);
    winrec_reset(r);
    return r;
}

/* Snare/NXLog: every tab, CR and LF becomes a space. */
static void
collapse(const char *in, char *out, size_t cap)
{
    size_t i;

    for (i = 0; in[i] != '\0' && i + 1 < cap; i++)
        out[i] = in[i] == '\t' || in[i] == '\r' || in[i] == '\n' ? ' ' : in[i];
    out[i] = '\0';
}

/* A relay that squeezes every run of blanks to one space. */
static void
squeeze(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    int blank = 0;

    for (size_t i = 0; in[i] != '\0' && o + 1 < cap; i++) {
        int b = in[i] == ' ' || in[i] == '\t' || in[i] == '\r' || in[i] == '\n';

        if (b && blank)
            continue;
        out[o++] = b ? ' ' : in[i];
        blank = b;
    }
    out[o] = '\0';
}

static void
assert_4624_fields(const char *text)
{
    struct winrec *r = rec_new();
    size_t n = sizeof(want_4624) / sizeof(want_4624[0]);

    assert_int_equal(wintext_read(strv_from_cstr(text), 4624, r), (int)n + 2);
    for (size_t i = 0; i < n; i++) {
        print_message("%s\n", want_4624[i][0]);
        assert_strv(winrec_get(r, want_4624[i][0]), want_4624[i][1]);
    }
    /* the outbound names are kept too; nothing else */
    assert_strv(winrec_get(r, "TargetOutboundUserName"), "-");
    assert_int_equal(r->n_data, n + 2);
    free(r);
}

static void
test_reader_windows_layout(void **state)
{
    (void)state;
    assert_4624_fields(msg_4624);
}

static void
test_reader_collapsed_layout(void **state)
{
    char buf[T_LINE_MAX];

    (void)state;
    collapse(msg_4624, buf, sizeof(buf));
    assert_4624_fields(buf);
}

static void
test_reader_squeezed_layout(void **state)
{
    char buf[T_LINE_MAX];

    (void)state;
    squeeze(msg_4624, buf, sizeof(buf));
    assert_4624_fields(buf);
}

/* The older 4625 layout: "Logon Type:" at top level, after Subject. */
static void
test_reader_4625(void **state)
{
    static const char m[] =
        "An account failed to log on.    Subject:   Security ID:  S-1-5-18  "
        " Account Name:  WKS-ALPHA$   Account Domain:  EXAMPLE   Logon ID:  "
        "0x3E7    Logon Type:   3    Account For Which Logon Failed:   "
        "Security ID:  S-1-0-0   Account Name:  mallory   Account Domain:  "
        "EXAMPLE    Failure Information:   Failure Reason:  Unknown user "
        "name or bad password.   Status:   0xC000006D   Sub Status:  "
        "0xC000006A    Process Information:   Caller Process ID: 0x0   "
        "Caller Process Name: -    Network Information:   Workstation Name: "
        "KALI   Source Network Address: 203.0.113.9   Source Port:  51515";
    struct winrec *r = rec_new();

    (void)state;
    wintext_read(strv_from_cstr(m), 4625, r);
    assert_strv(winrec_get(r, "LogonType"), "3");
    assert_strv(winrec_get(r, "SubjectUserName"), "WKS-ALPHA$");
    assert_strv(winrec_get(r, "TargetUserSid"), "S-1-0-0");
    assert_strv(winrec_get(r, "TargetUserName"), "mallory");
    assert_strv(winrec_get(r, "FailureReason"),
                "Unknown user name or bad password.");
    assert_strv(winrec_get(r, "Status"), "0xC000006D");
    assert_strv(winrec_get(r, "SubStatus"), "0xC000006A");
    assert_strv(winrec_get(r, "ProcessName"), "-");
    assert_strv(winrec_get(r, "WorkstationName"), "KALI");
    assert_strv(winrec_get(r, "IpAddress"), "203.0.113.9");
    assert_strv(winrec_get(r, "IpPort"), "51515");
    free(r);
}

/* Events whose labels mean another account than 4624's. */
static void
test_reader_aliases(void **state)
{
    static const struct {
        uint32_t id;
        const char *msg, *name, *value;
    } cases[] = {
        {4634,
         "An account was logged off.  Subject:  Security ID:  S-1-5-21-9  "
         "Account Name:  bob  Account Domain:  EXAMPLE  Logon ID:  0x6B2A01",
         "TargetUserName", "bob"},
        {4647, "User initiated logoff:  Subject:  Logon ID:  0x5A1F3C",
         "TargetLogonId", "0x5A1F3C"},
        {4800,
         "The workstation was locked.  Subject:  Account Name:  alice  "
         "Session ID:  2",
         "SessionId", "2"},
        {4778,
         "A session was reconnected to a Window Station.  Subject:  Account "
         "Name:  alice  Account Domain:  EXAMPLE  Logon ID:  0x7C0D11  "
         "Session:  Session Name:  RDP-Tcp#5  Additional Information:  "
         "Client Name:  PHONE  Client Address:  192.0.2.77",
         "ClientAddress", "192.0.2.77"},
        {4778,
         "A session was reconnected to a Window Station.  Subject:  Account "
         "Name:  alice  Session:  Session Name:  RDP-Tcp#5",
         "AccountName", "alice"},
        {4648,
         "A logon was attempted using explicit credentials.  Subject:  "
         "Account Name:  alice  Account Whose Credentials Were Used:  "
         "Account Name:  svc-backup  Target Server:  Target Server Name:  "
         "fs1  Additional Information:  cifs/fs1  Network Information:  "
         "Network Address:  192.0.2.80  Port:  445",
         "TargetInfo", "cifs/fs1"},
        {21,
         "Remote Desktop Services: Session logon succeeded:\r\n\r\nUser: "
         "EXAMPLE\\alice\r\nSession ID: 3\r\nSource Network Address: "
         "192.0.2.45",
         "Address", "192.0.2.45"},
        {1149,
         "Remote Desktop Services: User authentication succeeded:  User: "
         "alice  Domain: EXAMPLE  Source Network Address: 192.0.2.45",
         "Param2", "EXAMPLE"},
        {40, "Session 3 has been disconnected, reason code 5", "Reason", "5"},
        {39, "Session 3 has been disconnected by session 1", "TargetSession",
         "3"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct winrec *r = rec_new();

        print_message("%u %s\n", cases[i].id, cases[i].name);
        assert_true(wintext_read(strv_from_cstr(cases[i].msg), cases[i].id, r) >
                    0);
        assert_strv(winrec_get(r, cases[i].name), cases[i].value);
        if (cases[i].id != 4648) /* its Subject is the actor */
            assert_strv(winrec_get(r, "SubjectUserName"), NULL);
        free(r);
    }
}

static void
test_titles(void **state)
{
    static const struct {
        const char *text;
        uint32_t id;
    } cases[] = {
        {"An account was successfully logged on.", 4624},
        {"An account failed to log on.", 4625},
        {"An account was logged off.", 4634},
        {"User initiated logoff:", 4647},
        {"A logon was attempted using explicit credentials.", 4648},
        {"Special privileges assigned to new logon.", 4672},
        {"A session was reconnected to a Window Station.", 4778},
        {"A session was disconnected from a Window Station.", 4779},
        {"The workstation was locked.", 4800},
        {"The workstation was unlocked.", 4801},
        {"The screen saver was invoked.", 4802},
        {"The screen saver was dismissed.", 4803},
        {"Windows is starting up.", 4608},
        {"The event logging service has shut down.", 1100},
        {"Remote Desktop Services: Session logon succeeded:", 21},
        {"Remote Desktop Services: Shell start notification received:", 22},
        {"Remote Desktop Services: Session logoff succeeded:", 23},
        {"Remote Desktop Services: Session has been disconnected:", 24},
        {"Remote Desktop Services: Session reconnection succeeded:", 25},
        {"Remote Desktop Services: User authentication succeeded:", 1149},
        {"  Session 12 has been disconnected, reason code 0", 40},
        {"Session 2 has been disconnected by session 1", 39},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct wintext_title *t =
            wintext_title_find(strv_from_cstr(cases[i].text));

        assert_non_null(t);
        assert_int_equal(t->event_id, cases[i].id);
    }
    assert_null(wintext_title_find(strv_from_cstr("A new process has been "
                                                  "created.")));
    assert_null(wintext_title_find(strv_from_cstr("Session x has been")));
    assert_null(wintext_title_find(strv_from_cstr("Session 1")));
    assert_null(wintext_title_find(STRV_NULL));
}

/* Colons everywhere, giant labels, more pairs than a record holds. */
/*
 * A name the client chose carrying a label of its own (samples/hostile/
 * windows.rec): the address it spoofs and the real one are both dropped,
 * the fields around them kept.
 */
static void
test_reader_spoofed_label(void **state)
{
    static const char *const texts[] = {
        /* the failed account's name brings a network section */
        "An account failed to log on.    Account For Which Logon Failed:   "
        "Security ID:  S-1-0-0   Account Name:  mallory    Network "
        "Information:   Source Network Address:  6.6.6.6   Source Port:  22"
        "    Network Information:   Workstation Name: KALI   Source Network "
        "Address: 10.0.2.21   Source Port:  51515",
        /* the workstation name (NTLM's, the client's) */
        "An account failed to log on.    Network Information:   Workstation "
        "Name: KALI   Source Network Address: 6.6.6.6   Source Network "
        "Address: 10.0.2.22   Source Port:  51516",
    };
    struct winrec *r = rec_new();

    (void)state;
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        winrec_reset(r);
        assert_true(wintext_read(strv_from_cstr(texts[i]), 4625, r) > 0);
        assert_int_equal(winrec_get(r, "IpAddress").n, 0);
        assert_strv(winrec_get(r, "WorkstationName"), "KALI");
    }
    free(r);
}

static void
test_reader_hostile(void **state)
{
    static const char *const texts[] = {
        "",
        ":",
        ": : : : :",
        "An account was successfully logged on.",
        "An account was successfully logged on.:::::  :  :",
        "Subject:",
        "Subject:  Security ID:",
        "New Logon: Account Name: Account Name: Account Name:",
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx: v",
        "  \t\r\n  Account Name:\t",
        "Session 9999999999999999999 has been disconnected, reason code 1",
    };
    char *big;
    size_t n = 0;
    struct winrec *r = rec_new();

    (void)state;
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        winrec_reset(r);
        assert_true(wintext_read(strv_from_cstr(texts[i]), 4624, r) >= 0);
    }
    big = malloc(64 * 1024);
    assert_non_null(big);
    n += (size_t)snprintf(big, 64, "New Logon: ");
    while (n + 32 < 64 * 1024)
        n += (size_t)snprintf(big + n, 32, "  Account Name:  u%zu", n);
    winrec_reset(r);
    /* Windows writes a label once: thousands of "Account Name" are one
     * field, kept empty (which of them is real cannot be told). */
    assert_int_equal(wintext_read(strv_make(big, n), 4624, r), 1);
    assert_int_equal(r->n_data, 1);
    assert_int_equal(r->dropped, 0);
    assert_int_equal(winrec_get(r, "TargetUserName").n, 0);
    free(big);
    free(r);
}

static const char snare_4624_fmt[] =
    "<14>Mar 14 09:00:00 %s MSWinEventLog\t1\tSecurity\t1001\t"
    "Thu Mar 14 09:00:00 2024\t4624\tMicrosoft-Windows-Security-Auditing\t"
    "N/A\tN/A\tSuccess Audit\t%s\tLogon\t\t%s\t77";

static void
snare_line(char *out, size_t cap, const char *host, const char *computer)
{
    char msg[T_MSG_MAX];

    collapse(msg_4624, msg, sizeof(msg));
    snprintf(out, cap, snare_4624_fmt, host, computer, msg);
}

static void
test_snare_fields(void **state)
{
    char line[T_LINE_MAX];
    struct event ev;

    (void)state;
    snare_line(line, sizeof(line), "relay01", "WKS-ALPHA");
    assert_int_equal(parse1("auto", line, &ev), PARSE_EVENT);
    assert_strv(ev.format, "snare");
    assert_strv(ev.hostname, "WKS-ALPHA"); /* ComputerName, not HOSTNAME */
    assert_int_equal(ev.time_us, INT64_C(1710406800000000));
    assert_int_equal(ev.action, EV_ACTION_LOGIN);
    assert_int_equal(ev.result, EV_RESULT_SUCCESS);
    assert_strv(ev.user_name, "alice");
    assert_strv(ev.user_domain, "EXAMPLE");
    assert_strv(ev.uid, "S-1-5-21-1-2-3-1104");
    assert_strv(ev.login_id, "0x7c0d11");
    assert_int_equal(ev.logon_type, 10);
    assert_int_equal(ev.login_type, EV_LOGIN_TYPE_RDP);
    assert_strv(ev.src_ip, "192.0.2.45");
    assert_int_equal(ev.src_port, 50100);
    assert_strv(ev.event_code, "4624");
    assert_strv(ev.logon[EV_LOGON_IMPERSONATION_LEVEL], "Impersonation");
    assert_strv(ev.logon[EV_LOGON_ELEVATED_TOKEN], "Yes");
    assert_strv(ev.logon[EV_LOGON_PROCESS_NAME], "User32");
}

/* DateTime is local time: the record's UTC offset is subtracted. */
static void
test_snare_local_time(void **state)
{
    char line[T_LINE_MAX];
    struct parse_ctx *ctx;
    struct raw_record rec = {0};
    struct event ev;
    int err = 0;

    (void)state;
    snare_line(line, sizeof(line), "WKS-ALPHA", "WKS-ALPHA");
    rec.data = line;
    rec.len = strlen(line);
    rec.ref_time_us = REF_US;
    rec.tz_offset_s = 3600; /* UTC+1 */
    ctx = parse_ctx_new("snare", &err);
    assert_non_null(ctx);
    assert_int_equal(parse_record(ctx, &rec, &ev), PARSE_EVENT);
    assert_int_equal(ev.time_us,
                     INT64_C(1710406800000000) - INT64_C(3600000000));
    parse_ctx_free(ctx);
}

/* Every prefix of the columns: missing columns are malformed, no crash. */
static void
test_snare_missing_columns(void **state)
{
    char line[T_LINE_MAX], cut[T_LINE_MAX];
    struct parse_ctx *ctx;
    struct parse_counters c;
    struct event ev;
    int err = 0, tabs = 0;

    (void)state;
    snare_line(line, sizeof(line), "WKS-ALPHA", "WKS-ALPHA");
    ctx = parse_ctx_new("auto", &err);
    assert_non_null(ctx);
    for (size_t i = 0; line[i] != '\0'; i++) {
        if (line[i] != '\t')
            continue;
        tabs++;
        memcpy(cut, line, i);
        cut[i] = '\0';
        /* 13 columns after MSWinEventLog need 13 tabs */
        assert_int_equal(parse_in(ctx, cut, &ev),
                         tabs <= 13 ? -EBADMSG : PARSE_EVENT);
    }
    parse_ctx_counters(ctx, &c);
    assert_int_equal(c.malformed, 13);
    parse_ctx_free(ctx);
}

static void
test_snare_bad_columns(void **state)
{
    static const char *const lines[] = {
        "<14>Mar 14 09:00:00 W MSWinEventLog\t1\tSecurity\t1\tThu Mar 14 "
        "09:00:00 2024\t4x\tP\tN/A\tN/A\tSuccess Audit\tW\tLogon\t\tAn "
        "account was logged off.\t1",
        "<14>Mar 14 09:00:00 W MSWinEventLog\t1\tSecurity\t1\tThu Feb 30 "
        "09:00:00 2024\t4634\tP\tN/A\tN/A\tSuccess Audit\tW\tLogon\t\tAn "
        "account was logged off.\t1",
        "<14>Mar 14 09:00:00 W MSWinEventLog\t1\tSecurity\t1\t\t4634\tP\tN/"
        "A\tN/A\tSuccess Audit\tW\tLogon\t\tAn account was logged off.\t1",
        "<14>Mar 14 09:00:00 W MSWinEventLog\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t",
        NULL,
    };

    (void)state;
    assert_lines_parse(lines, -EBADMSG);
}

static void
test_snare_ignored(void **state)
{
    static const char *const lines[] = {
        "<14>Mar 14 09:00:00 W MSWinEventLog\t1\tSecurity\t1\tThu Mar 14 "
        "09:00:00 2024\t4688\tMicrosoft-Windows-Security-Auditing\tN/A\tN/"
        "A\tSuccess Audit\tW\tProcess Creation\t\tA new process has been "
        "created.    Creator Subject:   Account Name:  alice\t1",
        NULL,
    };

    (void)state;
    assert_lines_parse(lines, PARSE_NONE);
}

/* NXLog to_syslog_bsd: the same message after a BSD header. */
static void
test_text_form(void **state)
{
    char msg[T_MSG_MAX], line[T_LINE_MAX];
    struct event ev;

    (void)state;
    collapse(msg_4624, msg, sizeof(msg));
    snprintf(line, sizeof(line),
             "<13>Mar 14 09:00:00 WKS-ALPHA "
             "Microsoft-Windows-Security-Auditing[780]: %s",
             msg);
    assert_int_equal(parse1("auto", line, &ev), PARSE_EVENT);
    assert_strv(ev.format, "windows-text");
    assert_strv(ev.hostname, "WKS-ALPHA");
    assert_strv(ev.user_name, "alice");
    assert_strv(ev.src_ip, "192.0.2.45");
    assert_int_equal(ev.logon_type, 10);
    assert_int_equal(parse1("auto",
                            "<13>Mar 14 09:00:00 WKS-ALPHA "
                            "Microsoft-Windows-Security-Auditing[780]: A new "
                            "process has been created.  Subject: x",
                            &ev),
                     PARSE_NONE);
    assert_int_equal(parse1("auto",
                            "<13>Mar 14 09:00:00 WKS-ALPHA "
                            "Microsoft-Windows-TerminalServices-"
                            "LocalSessionManager[1020]: Session 4 has been "
                            "disconnected, reason code 5",
                            &ev),
                     PARSE_EVENT);
    assert_strv(ev.event_code, "LSM-40");
    assert_strv(ev.login_id, "4");
}

static const char sd_line[] =
    "<13>1 2024-03-14T09:00:00.250000Z WKS-ALPHA "
    "Microsoft-Windows-Security-Auditing 780 - [timeQuality tzKnown=\"1\" "
    "note=\"a ] b\"][NXLOG@14506 EventReceivedTime=\"2024-03-14 10:00:01\" "
    "Hostname=\"WKS-BETA\" EventID=\"4624\" RecordNumber=\"1446\" "
    "Channel=\"Security\" EventTime=\"2024-03-14 10:00:00\" "
    "TargetUserSid=\"S-1-5-21-1-2-3-1104\" TargetUserName=\"al\\\"ice\" "
    "TargetDomainName=\"EX\\]AMPLE\" TargetLogonId=\"0x7c0d11\" "
    "LogonType=\"10\" IpAddress=\"192.0.2.45\" IpPort=\"50100\" "
    "LogonProcessName=\"Us\\\\er32\" ElevatedToken=\"%%1842\"] An "
    "account was successfully logged on.";

static void
test_nxlog_sd(void **state)
{
    struct event ev;

    (void)state;
    assert_int_equal(parse1("auto", sd_line, &ev), PARSE_EVENT);
    assert_strv(ev.format, "nxlog-sd");
    assert_strv(ev.hostname, "WKS-BETA"); /* the Hostname param */
    assert_int_equal(ev.time_us, INT64_C(1710406800250000)); /* header */
    assert_strv(ev.user_name, "al\"ice"); /* RFC 5424 6.3.3 */
    assert_strv(ev.logon[EV_LOGON_PROCESS_NAME], "Us\\er32");
    assert_strv(ev.user_domain, "EX]AMPLE");
    assert_strv(ev.record_id, "1446");
    assert_strv(ev.login_id, "0x7c0d11");
    assert_strv(ev.src_ip, "192.0.2.45");
    assert_strv(ev.logon[EV_LOGON_ELEVATED_TOKEN], "Yes");
}

static void
test_nxlog_sd_hostile(void **state)
{
    static const char *const bad[] = {
        "<13>1 - H A - - [NXLOG@1 Channel=\"Security\"] no id",
        "<13>1 - H A - - [NXLOG@1 EventID=4624] unquoted",
        "<13>1 - H A - - [NXLOG@1 EventID=\"4624\"x] junk",
        "<13>1 - H A - - [NXLOG@1 =\"4624\"]",
        "<13>1 - H A - - [NXLOG@1 EventID=\"4624\" "
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx=\"1\"]",
        NULL,
    };
    struct event ev;

    (void)state;
    assert_lines_parse(bad, -EBADMSG);
    /* not NXLog's structured data: not this parser's */
    assert_int_equal(
        parse1("nxlog-sd", "<13>1 - H A - - [other@1 EventID=\"4624\"] x", &ev),
        PARSE_NONE);
    /* zoned EventTime wins over the header; local EventTime alone */
    assert_int_equal(parse1("auto",
                            "<13>1 2024-03-14T09:00:00Z H A - - [NXLOG@1 "
                            "EventID=\"4634\" Channel=\"Security\" "
                            "EventTime=\"2024-03-14T11:00:05+02:00\" "
                            "TargetUserName=\"bob\" TargetDomainName=\"D\" "
                            "TargetLogonId=\"0x1\" LogonType=\"3\"]",
                            &ev),
                     PARSE_EVENT);
    assert_int_equal(ev.time_us, INT64_C(1710406805000000));
    assert_int_equal(parse1("auto",
                            "<13>1 - H A - - [NXLOG@1 EventID=\"4634\" "
                            "Channel=\"Security\" EventTime=\"2024-03-14 "
                            "09:00:05\" TargetUserName=\"bob\" "
                            "TargetDomainName=\"D\" TargetLogonId=\"0x1\"]",
                            &ev),
                     PARSE_EVENT);
    assert_int_equal(ev.time_us, INT64_C(1710406805000000));
    assert_strv(ev.hostname, "H");
}

/* Render ev without the fields that differ by form. */
static void
render_common(struct event *ev, struct buf *b)
{
    ev->format = STRV_NULL;
    ev->record_id = STRV_NULL;
    ev->time_us = 0;
    buf_reset(b);
    event_to_json(ev, b);
}

/* One 4624 in Snare, NXLog text and NXLog SD gives the same fields. */
static void
test_same_event_three_forms(void **state)
{
    char msg[T_MSG_MAX], snare[T_LINE_MAX], text[T_LINE_MAX];
    char sd[T_LINE_MAX];
    struct buf a, b;
    struct event ev;
    size_t n = sizeof(want_4624) / sizeof(want_4624[0]), o;

    (void)state;
    collapse(msg_4624, msg, sizeof(msg));
    snare_line(snare, sizeof(snare), "WKS-ALPHA", "WKS-ALPHA");
    snprintf(text, sizeof(text),
             "<13>Mar 14 09:00:00 WKS-ALPHA "
             "Microsoft-Windows-Security-Auditing[780]: %s",
             msg);
    o = (size_t)snprintf(sd, sizeof(sd),
                         "<13>1 2024-03-14T09:00:00Z WKS-ALPHA "
                         "Microsoft-Windows-Security-Auditing 780 - "
                         "[NXLOG@14506 EventID=\"4624\" Channel=\"Security\"");
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(sd + o, sizeof(sd) - o, " %s=\"%s\"",
                              want_4624[i][0], want_4624[i][1]);
    snprintf(sd + o, sizeof(sd) - o, "] %s", msg);
    buf_init(&a, 0);
    buf_init(&b, 0);
    assert_int_equal(parse1("auto", snare, &ev), PARSE_EVENT);
    render_common(&ev, &a);
    assert_int_equal(parse1("auto", text, &ev), PARSE_EVENT);
    render_common(&ev, &b);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    assert_int_equal(parse1("auto", sd, &ev), PARSE_EVENT);
    assert_strv(ev.format, "nxlog-sd");
    render_common(&ev, &b);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    buf_done(&a);
    buf_done(&b);
}

/* The only allocation is the shared state: fail each in turn. */
static void
test_alloc_failures(void **state)
{
    char line[T_LINE_MAX];
    struct event ev;
    int ok = 0;

    (void)state;
    snare_line(line, sizeof(line), "WKS-ALPHA", "WKS-ALPHA");
    for (unsigned long nth = 1; nth < 64 && !ok; nth++) {
        static const char *const fmts[] = {"snare", "windows-text", "nxlog-sd",
                                           "auto"};
        int err = 0, made = 0;

        for (size_t f = 0; f < 4; f++) {
            struct parse_ctx *ctx;

            mem_fail_set(nth);
            ctx = parse_ctx_new(fmts[f], &err);
            mem_fail_set(0);
            if (ctx == NULL) {
                assert_int_equal(err, -ENOMEM);
                continue;
            }
            made++;
            if (f == 0 || f == 3)
                assert_int_equal(parse_in(ctx, line, &ev), PARSE_EVENT);
            parse_ctx_free(ctx);
        }
        ok = made == 4;
    }
    assert_true(ok);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader_windows_layout),
        cmocka_unit_test(test_reader_collapsed_layout),
        cmocka_unit_test(test_reader_squeezed_layout),
        cmocka_unit_test(test_reader_4625),
        cmocka_unit_test(test_reader_aliases),
        cmocka_unit_test(test_titles),
        cmocka_unit_test(test_reader_hostile),
        cmocka_unit_test(test_reader_spoofed_label),
        cmocka_unit_test(test_snare_fields),
        cmocka_unit_test(test_snare_local_time),
        cmocka_unit_test(test_snare_missing_columns),
        cmocka_unit_test(test_snare_bad_columns),
        cmocka_unit_test(test_snare_ignored),
        cmocka_unit_test(test_text_form),
        cmocka_unit_test(test_nxlog_sd),
        cmocka_unit_test(test_nxlog_sd_hostile),
        cmocka_unit_test(test_same_event_three_forms),
        cmocka_unit_test(test_alloc_failures),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
