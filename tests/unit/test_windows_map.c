/*
 * test_windows_map.c - the Windows semantic table (parsers/windows.c):
 * neutral records built by hand, no wire form involved.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../model/identity.h"
#include "../../model/render.h"
#include "../../parsers/parser.h"
#include "../../parsers/winrec.h"
#include "testutil.h"

#define T0 1710424459000000LL /* 2024-03-14T13:54:19Z */

/* One record for the whole file: it is large (WINREC_TEXT_MAX). */
static struct winrec rec;

static void
begin(const char *provider, const char *channel, uint32_t id)
{
    winrec_reset(&rec);
    rec.provider = strv_from_cstr(provider);
    rec.channel = strv_from_cstr(channel);
    rec.computer = STRV_LIT("ws01.corp.example");
    rec.record_id = STRV_LIT("4242");
    rec.time_us = T0;
    rec.event_id = id;
    rec.has_event_id = true;
}

static void
sec(uint32_t id)
{
    begin("Microsoft-Windows-Security-Auditing", "Security", id);
}

static void
lsm(uint32_t id)
{
    begin("Microsoft-Windows-TerminalServices-LocalSessionManager",
          "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
          id);
    rec.user_sid = STRV_LIT("S-1-5-18"); /* the LSM service itself */
}

static void
put(const char *name, const char *value)
{
    struct strv v = winrec_store(&rec, value, strlen(value));

    assert_int_equal(winrec_add(&rec, strv_from_cstr(name), v), 0);
}

/* A typical RDP logon, alice from 10.0.0.5. */
static void
put_4624(const char *logon_type, const char *ip)
{
    sec(4624);
    put("SubjectUserSid", "S-1-5-18");
    put("SubjectUserName", "WS01$");
    put("SubjectDomainName", "CORP");
    put("SubjectLogonId", "0x3e7");
    put("TargetUserSid", "S-1-5-21-3648566514-1342408385-4134854909-1104");
    put("TargetUserName", "alice");
    put("TargetDomainName", "CORP");
    put("TargetLogonId", "0x00000000003E7A1");
    put("LogonType", logon_type);
    put("LogonProcessName", "User32 ");
    put("AuthenticationPackageName", "Negotiate");
    put("WorkstationName", "WS01");
    put("LogonGuid", "{00000000-0000-0000-0000-000000000000}");
    put("TransmittedServices", "-");
    put("LmPackageName", "-");
    put("KeyLength", "0");
    put("ProcessId", "0x1f4");
    put("ProcessName", "C:\\Windows\\System32\\svchost.exe");
    put("IpAddress", ip);
    put("IpPort", "0");
    put("ImpersonationLevel", "%%1833");
    put("RestrictedAdminMode", "%%1843");
    put("TargetOutboundUserName", "-");
    put("VirtualAccount", "%%1843");
    put("TargetLinkedLogonId", "0x00000000003E7A2");
    put("ElevatedToken", "%%1842");
}

static int
map(struct event *ev)
{
    event_init(ev);
    ev->format = STRV_LIT("windows-xml");
    ev->record_id = STRV_LIT("123"); /* file offset, overridden */
    return windows_map(&rec, ev);
}

static void
assert_strv(struct strv v, const char *want)
{
    if (want == NULL) {
        assert_false(strv_present(v));
        return;
    }
    assert_true(strv_present(v));
    assert_int_equal(v.n, strlen(want));
    assert_memory_equal(v.p, want, v.n);
}

static void
test_4624_fields(void **state)
{
    struct event ev;

    (void)state;
    put_4624("10", "10.0.0.5");
    put("IpPort", "50438"); /* a second IpPort: the first ("0") counts */
    assert_int_equal(map(&ev), PARSE_EVENT);
    assert_int_equal(ev.action, EV_ACTION_LOGIN);
    assert_int_equal(ev.result, EV_RESULT_SUCCESS);
    assert_int_equal(ev.time_us, T0);
    assert_strv(ev.hostname, "ws01.corp.example");
    assert_strv(ev.record_id, "4242");
    assert_strv(ev.format, "windows-xml");
    assert_strv(ev.user, "CORP\\alice");
    assert_strv(ev.user_name, "alice");
    assert_strv(ev.user_domain, "CORP");
    assert_int_equal(ev.username_type, EV_USERNAME_TYPE_WINDOWS);
    assert_strv(ev.uid, "S-1-5-21-3648566514-1342408385-4134854909-1104");
    assert_int_equal(ev.user_id_type, EV_USER_ID_TYPE_SID);
    assert_int_equal(ev.user_type, EV_USER_TYPE_REGULAR);
    assert_strv(ev.actor_user, "CORP\\WS01$");
    assert_strv(ev.login_id, "0x3e7a1");
    assert_int_equal(ev.logon_type, 10);
    assert_int_equal(ev.login_type, EV_LOGIN_TYPE_RDP);
    assert_strv(ev.src_ip, "10.0.0.5");
    assert_int_equal(ev.src_port, 0);
    assert_strv(ev.auth_method, "Negotiate");
    assert_strv(ev.result_details, NULL);
    assert_strv(ev.logon[EV_LOGON_PROCESS_NAME], "User32");
    assert_strv(ev.logon[EV_LOGON_AUTHENTICATION_PACKAGE_NAME], "Negotiate");
    assert_strv(ev.logon[EV_LOGON_AUTHENTICATION_LAN_PACKAGE_NAME], NULL);
    assert_strv(ev.logon[EV_LOGON_KEY_LENGTH], "0");
    assert_strv(ev.logon[EV_LOGON_GUID],
                "{00000000-0000-0000-0000-000000000000}");
    assert_strv(ev.logon[EV_LOGON_ELEVATED_TOKEN], "Yes");
    assert_strv(ev.logon[EV_LOGON_IMPERSONATION_LEVEL], "Impersonation");
    assert_strv(ev.logon[EV_LOGON_RESTRICTED_ADMIN_MODE], "No");
    assert_strv(ev.logon[EV_LOGON_VIRTUAL_ACCOUNT], "No");
    assert_strv(ev.logon[EV_LOGON_USER_LINKED_ID], "0x3e7a2");
    assert_strv(ev.logon[EV_LOGON_TRANSMITTED_SERVICES], NULL);
    assert_strv(ev.event_code, "4624");
    assert_false(ev.admin);
}

/* The whole JSON rendering of one 4624, as a consumer sees it. */
static void
test_4624_json(void **state)
{
    struct event ev;
    struct buf b;

    (void)state;
    put_4624("2", "127.0.0.1");
    assert_int_equal(map(&ev), PARSE_EVENT);
    buf_init(&b, 0);
    event_to_json(&ev, &b);
    buf_putc(&b, '\0');
    assert_string_equal(
        b.data,
        "{\"record\":\"event\",\"time\":\"2024-03-14T13:54:19.000000Z\","
        "\"action\":\"login\",\"login_successful\":true,"
        "\"hostname\":\"ws01.corp.example\",\"user\":\"CORP\\\\alice\","
        "\"user_name\":\"alice\",\"user_domain\":\"CORP\","
        "\"username_type\":\"Windows\","
        "\"uid\":\"S-1-5-21-3648566514-1342408385-4134854909-1104\","
        "\"user_id_type\":\"SID\",\"user_type\":\"Regular\","
        "\"actor_user\":\"CORP\\\\WS01$\",\"login_id\":\"0x3e7a1\","
        "\"login_type\":\"interactive\",\"logon_type\":2,"
        "\"src_ip\":\"127.0.0.1\",\"auth_method\":\"Negotiate\","
        "\"logon_process_name\":\"User32\","
        "\"logon_authentication_package_name\":\"Negotiate\","
        "\"logon_key_length\":\"0\","
        "\"logon_guid\":\"{00000000-0000-0000-0000-000000000000}\","
        "\"logon_elevated_token\":\"Yes\","
        "\"logon_impersonation_level\":\"Impersonation\","
        "\"logon_restricted_admin_mode\":\"No\","
        "\"logon_virtual_account\":\"No\","
        "\"logon_user_linked_id\":\"0x3e7a2\",\"event_code\":\"4624\","
        "\"format\":\"windows-xml\",\"record_id\":\"4242\"}");
    buf_done(&b);
}

static void
test_4624_logon_types(void **state)
{
    static const struct {
        const char *type;
        int logon_type;
        enum ev_login_type login_type;
        enum ev_action action;
    } cases[] = {
        {"0", 0, EV_LOGIN_TYPE_NONE, EV_ACTION_LOGIN},
        {"1", 1, EV_LOGIN_TYPE_NONE, EV_ACTION_LOGIN},
        {"2", 2, EV_LOGIN_TYPE_INTERACTIVE, EV_ACTION_LOGIN},
        {"3", 3, EV_LOGIN_TYPE_REMOTE, EV_ACTION_LOGIN},
        {"4", 4, EV_LOGIN_TYPE_NONE, EV_ACTION_LOGIN},
        {"5", 5, EV_LOGIN_TYPE_NONE, EV_ACTION_LOGIN},
        {"6", 6, EV_LOGIN_TYPE_NONE, EV_ACTION_LOGIN},
        {"7", 7, EV_LOGIN_TYPE_INTERACTIVE, EV_ACTION_UNLOCK},
        {"8", 8, EV_LOGIN_TYPE_REMOTE, EV_ACTION_LOGIN},
        {"9", 9, EV_LOGIN_TYPE_LOCAL, EV_ACTION_LOGIN},
        {"10", 10, EV_LOGIN_TYPE_RDP, EV_ACTION_LOGIN},
        {"11", 11, EV_LOGIN_TYPE_INTERACTIVE, EV_ACTION_LOGIN},
        {"12", 12, EV_LOGIN_TYPE_RDP, EV_ACTION_LOGIN},
        {"13", 13, EV_LOGIN_TYPE_INTERACTIVE, EV_ACTION_UNLOCK},
        {"14", -1, EV_LOGIN_TYPE_NONE, EV_ACTION_LOGIN},
        {"x", -1, EV_LOGIN_TYPE_NONE, EV_ACTION_LOGIN},
        {"-", -1, EV_LOGIN_TYPE_NONE, EV_ACTION_LOGIN},
    };
    struct event ev;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        put_4624(cases[i].type, "-");
        assert_int_equal(map(&ev), PARSE_EVENT);
        assert_int_equal(ev.logon_type, cases[i].logon_type);
        assert_int_equal(ev.login_type, cases[i].login_type);
        assert_int_equal(ev.action, cases[i].action);
        assert_int_equal(ev.result, EV_RESULT_SUCCESS);
        assert_strv(ev.src_ip, NULL);
    }
}

/* 7 and 13 are an unlock at the console, or an RDP reconnect from a
 * remote address. */
static void
test_unlock_or_reconnect(void **state)
{
    static const struct {
        const char *type, *ip;
        enum ev_action action;
    } cases[] = {
        {"7", "-", EV_ACTION_UNLOCK},
        {"7", "", EV_ACTION_UNLOCK},
        {"7", "127.0.0.1", EV_ACTION_UNLOCK},
        {"7", "127.1.2.3", EV_ACTION_UNLOCK},
        {"7", "::1", EV_ACTION_UNLOCK},
        {"7", "::ffff:127.0.0.1", EV_ACTION_UNLOCK},
        {"7", "10.0.0.5", EV_ACTION_RECONNECT},
        {"13", "2001:db8::5", EV_ACTION_RECONNECT},
        {"13", "::ffff:192.0.2.7", EV_ACTION_RECONNECT},
        {"13", "WS02", EV_ACTION_UNLOCK},
    };
    struct event ev;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        put_4624(cases[i].type, cases[i].ip);
        assert_int_equal(map(&ev), PARSE_EVENT);
        assert_int_equal(ev.action, cases[i].action);
        assert_int_equal(ev.result, EV_RESULT_SUCCESS);
        assert_strv(ev.event_code, "4624");
    }
}

static void
put_4625(const char *status, const char *sub, const char *reason)
{
    sec(4625);
    put("SubjectUserSid", "S-1-0-0");
    put("SubjectUserName", "-");
    put("SubjectDomainName", "-");
    put("SubjectLogonId", "0x0");
    put("TargetUserSid", "S-1-0-0");
    put("TargetUserName", "administrator");
    put("TargetDomainName", "");
    if (status)
        put("Status", status);
    if (reason)
        put("FailureReason", reason);
    if (sub)
        put("SubStatus", sub);
    put("LogonType", "3");
    put("LogonProcessName", "NtLmSsp ");
    put("AuthenticationPackageName", "NTLM");
    put("WorkstationName", "kali");
    put("TransmittedServices", "-");
    put("LmPackageName", "-");
    put("KeyLength", "0");
    put("IpAddress", "203.0.113.50");
    put("IpPort", "49152");
}

static void
test_4625_status(void **state)
{
    static const struct {
        const char *status, *sub, *reason, *want;
    } cases[] = {
        {"0xC000006D", "0xC000006A", "%%2313",
         "Incorrect password (0xC000006A)"},
        {"0xc000006d", "0xc0000064", "%%2313", "No such user (0xC0000064)"},
        {"0xC0000234", "0x0", "%%2307", "Account locked out (0xC0000234)"},
        {"0xC000006E", "0xC0000072", "%%2310", "Account disabled (0xC0000072)"},
        {"0xC000006E", "0x0", NULL, "Account restriction (0xC000006E)"},
        {"0xC0000193", NULL, NULL, "Account expired (0xC0000193)"},
        {"0xC000006D", "0xC0000071", NULL, "Password expired (0xC0000071)"},
        {"0xC000006D", "0xC0000224", NULL, "Password must change (0xC0000224)"},
        {"0xC000015B", "0x0", NULL, "Logon type not granted (0xC000015B)"},
        {"0xC000006D", "0xC000006F", NULL,
         "Outside allowed logon hours (0xC000006F)"},
        {"0xC000006D", "0xC0000070", NULL,
         "Workstation restriction (0xC0000070)"},
        {"0xC0000133", NULL, NULL, "Clock skew too great (0xC0000133)"},
        {"0xC000006D", "0x0", NULL,
         "Unknown user name or bad password (0xC000006D)"},
        {"0xC000006D", NULL, NULL,
         "Unknown user name or bad password (0xC000006D)"},
        {"0xC0000999", "0x0", NULL, "Logon failure (0xC0000999)"},
        {"0xC000006D", "0xC0000999", NULL, "Logon failure (0xC0000999)"},
        {"-1073741718", NULL, NULL, "Incorrect password (0xC000006A)"},
        {"3221225578", NULL, NULL, "Incorrect password (0xC000006A)"},
        {NULL, NULL, "%%2313", "Unknown user name or bad password"},
        {NULL, NULL, "%%2304", "An Error occured during Logon"},
        {"junk", NULL, "Unknown user name or bad password.",
         "Unknown user name or bad password."},
        {NULL, NULL, "%%9999", "%%9999"},
        {NULL, NULL, NULL, NULL},
    };
    struct event ev;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        put_4625(cases[i].status, cases[i].sub, cases[i].reason);
        assert_int_equal(map(&ev), PARSE_EVENT);
        assert_int_equal(ev.action, EV_ACTION_LOGIN);
        assert_int_equal(ev.result, EV_RESULT_FAILURE);
        assert_strv(ev.result_details, cases[i].want);
    }
    /* The rest of a typical failure. */
    assert_strv(ev.user, "administrator");
    assert_strv(ev.uid, NULL); /* S-1-0-0, the NULL SID */
    assert_strv(ev.actor_user, NULL);
    assert_strv(ev.login_id, NULL);
    assert_int_equal(ev.logon_type, 3);
    assert_int_equal(ev.login_type, EV_LOGIN_TYPE_REMOTE);
    assert_strv(ev.src_ip, "203.0.113.50");
    assert_int_equal(ev.src_port, 49152);
    assert_strv(ev.auth_method, "NTLM");
    assert_strv(ev.logon[EV_LOGON_PROCESS_NAME], "NtLmSsp");
    assert_strv(ev.event_code, "4625");
}

static void
test_insertion_codes(void **state)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"%%1832", "Identification"},
        {"%%1833", "Impersonation"},
        {"%%1840", "Delegation"},
        {"%%1841", "Denied by Process Trust Label ACE"},
        {"%%1842", "Yes"},
        {"%%1843", "No"},
        {"%%1936", "TokenElevationTypeDefault (1)"},
        {"Delegation", "Delegation"},
        {"%%12345", "%%12345"},
        {"%%", "%%"},
        {"%%18x2", "%%18x2"},
        {" %%1842 ", "Yes"},
        {"-", NULL},
        {"", NULL},
    };
    struct event ev;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sec(4624);
        put("TargetUserName", "alice");
        put("ImpersonationLevel", cases[i].in);
        put("ElevatedToken", cases[i].in);
        assert_int_equal(map(&ev), PARSE_EVENT);
        assert_strv(ev.logon[EV_LOGON_IMPERSONATION_LEVEL], cases[i].want);
        assert_strv(ev.logon[EV_LOGON_ELEVATED_TOKEN], cases[i].want);
    }
}

static void
test_logon_ids(void **state)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"0x00000000003E7", "0x3e7"},
        {"0x3e7", "0x3e7"},
        {"0X00ABCDEF", "0xabcdef"},
        {"0x0000000000000000", "0x0"},
        {"0x0", "0x0"},
        {"999", "0x3e7"},
        {"0", "0x0"},
        {"0xFFFFFFFFFFFFFFFF", "0xffffffffffffffff"},
        {"0x0000FFFFFFFFFFFFFFFF", "0xffffffffffffffff"},
        {"0x1FFFFFFFFFFFFFFFF", "0x1FFFFFFFFFFFFFFFF"}, /* kept as written */
        {"0xZZ", "0xZZ"},
        {"-", NULL},
    };
    struct event ev;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sec(4634);
        put("TargetUserSid", "S-1-5-21-1-2-3-1104");
        put("TargetUserName", "alice");
        put("TargetDomainName", "CORP");
        put("TargetLogonId", cases[i].in);
        put("LogonType", "2");
        assert_int_equal(map(&ev), PARSE_EVENT);
        assert_int_equal(ev.action, EV_ACTION_LOGOUT);
        assert_int_equal(ev.result, EV_RESULT_NONE);
        assert_strv(ev.login_id, cases[i].want);
    }
}

static void
test_addresses(void **state)
{
    static const struct {
        const char *ip, *port, *want;
        int want_port;
    } cases[] = {
        {"10.0.0.5", "50438", "10.0.0.5", 50438},
        {"2001:db8::1", "3389", "2001:db8::1", 3389},
        {"::ffff:10.0.0.5", "1", "10.0.0.5", 1},
        {"::FFFF:192.0.2.1", "65535", "192.0.2.1", 65535},
        {"fe80::1%12", "0", "fe80::1%12", 0},
        {"::1", "-", "::1", 0},
        {"-", "-", NULL, 0},
        {"", "", NULL, 0},
        {"LOCAL", "0", NULL, 0},
        {"WS02", "65536", NULL, 0},
        {"10.0.0.256", "x", NULL, 0},
        {"10.0.0", "12", NULL, 12},
        {" 10.0.0.5 ", " 22 ", "10.0.0.5", 22},
    };
    struct event ev;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sec(4624);
        put("TargetUserName", "alice");
        put("LogonType", "3");
        put("IpAddress", cases[i].ip);
        put("IpPort", cases[i].port);
        assert_int_equal(map(&ev), PARSE_EVENT);
        assert_strv(ev.src_ip, cases[i].want);
        assert_int_equal(ev.src_port, cases[i].want_port);
    }
}

static void
test_user_composition(void **state)
{
    static const struct {
        const char *name, *domain, *user, *uname, *udomain;
        enum ev_username_type type;
    } cases[] = {
        {"alice", "CORP", "CORP\\alice", "alice", "CORP",
         EV_USERNAME_TYPE_WINDOWS},
        {"alice", "-", "alice", "alice", NULL, EV_USERNAME_TYPE_SIMPLE},
        {"alice", "", "alice", "alice", NULL, EV_USERNAME_TYPE_SIMPLE},
        {"alice@corp.example", "CORP", "alice@corp.example", "alice",
         "corp.example", EV_USERNAME_TYPE_UPN},
        {"CORP\\bob", "OTHER", "CORP\\bob", "bob", "CORP",
         EV_USERNAME_TYPE_WINDOWS},
        {"DWM-1", "Window Manager", "Window Manager\\DWM-1", "DWM-1",
         "Window Manager", EV_USERNAME_TYPE_WINDOWS},
    };
    struct event ev;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sec(4624);
        put("TargetUserName", cases[i].name);
        put("TargetDomainName", cases[i].domain);
        assert_int_equal(map(&ev), PARSE_EVENT);
        assert_strv(ev.user, cases[i].user);
        assert_strv(ev.user_name, cases[i].uname);
        assert_strv(ev.user_domain, cases[i].udomain);
        assert_int_equal(ev.username_type, cases[i].type);
    }
}

/* The actor is the Subject when it is someone else. */
static void
test_actor(void **state)
{
    struct event ev;

    (void)state;
    sec(4624);
    put("SubjectUserName", "alice");
    put("SubjectDomainName", "CORP");
    put("TargetUserName", "ALICE");
    put("TargetDomainName", "corp");
    assert_int_equal(map(&ev), PARSE_EVENT);
    assert_strv(ev.actor_user, NULL);

    sec(4624);
    put("SubjectUserName", "bob@corp.example");
    put("SubjectDomainName", "CORP");
    put("TargetUserName", "alice");
    assert_int_equal(map(&ev), PARSE_EVENT);
    assert_strv(ev.actor_user, "bob@corp.example");

    sec(4624);
    put("SubjectUserName", "-");
    put("SubjectDomainName", "-");
    put("TargetUserName", "alice");
    assert_int_equal(map(&ev), PARSE_EVENT);
    assert_strv(ev.actor_user, NULL);
}

static void
test_noise_accounts(void **state)
{
    static const struct {
        const char *name, *domain, *sid, *type;
        enum ev_user_type want;
        bool system;
    } cases[] = {
        {"SYSTEM", "NT AUTHORITY", "S-1-5-18", "5", EV_USER_TYPE_SYSTEM, true},
        {"LOCAL SERVICE", "NT AUTHORITY", "S-1-5-19", "5", EV_USER_TYPE_SYSTEM,
         true},
        {"NETWORK SERVICE", "NT AUTHORITY", "S-1-5-20", "5",
         EV_USER_TYPE_SYSTEM, true},
        {"DWM-2", "Window Manager", "S-1-5-90-0-2", "2", EV_USER_TYPE_SYSTEM,
         true},
        {"UMFD-0", "Font Driver Host", "S-1-5-96-0-0", "2", EV_USER_TYPE_SYSTEM,
         true},
        {"WS01$", "CORP", "S-1-5-21-1-2-3-1105", "3", EV_USER_TYPE_MACHINE,
         true},
        {"WS01$", "CORP", "S-1-5-21-1-2-3-1105", "5", EV_USER_TYPE_MACHINE,
         true},
        {"WS01$", "CORP", "S-1-5-21-1-2-3-1105", "2", EV_USER_TYPE_MACHINE,
         false},
        {"ANONYMOUS LOGON", "NT AUTHORITY", "S-1-5-7", "3",
         EV_USER_TYPE_ANONYMOUS, true},
        {"Administrator", "CORP", "S-1-5-21-1-2-3-500", "10",
         EV_USER_TYPE_ADMIN, false},
        {"Guest", "WS01", "S-1-5-21-1-2-3-501", "3", EV_USER_TYPE_GUEST, false},
        {"alice", "CORP", "S-1-5-21-1-2-3-1104", "10", EV_USER_TYPE_REGULAR,
         false},
    };
    struct event ev;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sec(4624);
        put("TargetUserSid", cases[i].sid);
        put("TargetUserName", cases[i].name);
        put("TargetDomainName", cases[i].domain);
        put("TargetLogonId", "0x1234");
        put("LogonType", cases[i].type);
        assert_int_equal(map(&ev), PARSE_EVENT);
        assert_int_equal(ev.action, EV_ACTION_LOGIN);
        assert_int_equal(ev.user_type, cases[i].want);
        assert_int_equal(identity_is_system(&ev), cases[i].system);
    }
}

static void
test_4634_4647(void **state)
{
    static const uint32_t ids[] = {4634, 4647};
    struct event ev;

    (void)state;
    for (size_t i = 0; i < 2; i++) {
        sec(ids[i]);
        put("TargetUserSid", "S-1-5-21-1-2-3-1104");
        put("TargetUserName", "alice");
        put("TargetDomainName", "CORP");
        put("TargetLogonId", "0x00000000000513DA");
        assert_int_equal(map(&ev), PARSE_EVENT);
        assert_int_equal(ev.action, EV_ACTION_LOGOUT);
        assert_int_equal(ev.result, EV_RESULT_NONE);
        assert_strv(ev.user, "CORP\\alice");
        assert_strv(ev.login_id, "0x513da");
        assert_strv(ev.event_code, ids[i] == 4634 ? "4634" : "4647");
    }
}

/* 4648: a login with explicit credentials; the Subject acted. */
static void
test_4648(void **state)
{
    struct event ev;

    (void)state;
    sec(4648);
    put("SubjectUserSid", "S-1-5-21-1-2-3-1104");
    put("SubjectUserName", "alice");
    put("SubjectDomainName", "CORP");
    put("SubjectLogonId", "0x513da");
    put("LogonGuid", "{00000000-0000-0000-0000-000000000000}");
    put("TargetUserName", "admin-bob");
    put("TargetDomainName", "CORP");
    put("TargetServerName", "srv01");
    put("ProcessId", "0x204");
    put("IpAddress", "::1");
    put("IpPort", "0");
    assert_int_equal(map(&ev), PARSE_EVENT);
    assert_int_equal(ev.action, EV_ACTION_LOGIN);
    assert_int_equal(ev.result, EV_RESULT_SUCCESS);
    assert_strv(ev.user, "CORP\\admin-bob");
    assert_strv(ev.actor_user, "CORP\\alice");
    assert_strv(ev.uid, NULL);
    assert_strv(ev.login_id, NULL);
    assert_strv(ev.src_ip, "::1");
    assert_strv(ev.logon[EV_LOGON_GUID], NULL);
    assert_strv(ev.event_code, "4648");
}

static void
test_4672_admin(void **state)
{
    struct event ev;
    struct buf b;

    (void)state;
    sec(4672);
    put("SubjectUserSid", "S-1-5-21-1-2-3-1104");
    put("SubjectUserName", "alice");
    put("SubjectDomainName", "CORP");
    put("SubjectLogonId", "0x00000000003E7A1");
    put("PrivilegeList", "SeSecurityPrivilege\n\t\t\tSeBackupPrivilege");
    assert_int_equal(map(&ev), PARSE_EVENT);
    assert_int_equal(ev.action, EV_ACTION_NONE);
    assert_int_equal(ev.result, EV_RESULT_NONE);
    assert_true(ev.admin);
    assert_strv(ev.user, "CORP\\alice");
    assert_strv(ev.uid, "S-1-5-21-1-2-3-1104");
    assert_strv(ev.login_id, "0x3e7a1");
    assert_strv(ev.actor_user, NULL);
    assert_strv(ev.event_code, "4672");
    buf_init(&b, 0);
    event_to_json(&ev, &b);
    buf_putc(&b, '\0');
    assert_non_null(
        strstr(b.data, "\"user_type\":\"Regular\",\"admin\":true,"));
    buf_done(&b);
}

static void
test_4778_4779(void **state)
{
    struct event ev;

    (void)state;
    sec(4778);
    put("AccountName", "vagrant");
    put("AccountDomain", "WINDOMAIN");
    put("LogonID", "0x00000000000513da");
    put("SessionName", "RDP-Tcp#0");
    put("ClientName", "silversurfer");
    put("ClientAddress", "192.168.38.1");
    assert_int_equal(map(&ev), PARSE_EVENT);
    assert_int_equal(ev.action, EV_ACTION_RECONNECT);
    assert_int_equal(ev.result, EV_RESULT_SUCCESS);
    assert_strv(ev.user, "WINDOMAIN\\vagrant");
    assert_strv(ev.login_id, "0x513da");
    assert_int_equal(ev.login_type, EV_LOGIN_TYPE_RDP);
    assert_strv(ev.src_ip, "192.168.38.1");
    assert_strv(ev.event_code, "4778");

    sec(4779);
    put("AccountName", "vagrant");
    put("AccountDomain", "WINDOMAIN");
    put("LogonID", "0x513da");
    put("SessionName", "Console");
    put("ClientName", "Unknown");
    put("ClientAddress", "Unknown");
    assert_int_equal(map(&ev), PARSE_EVENT);
    assert_int_equal(ev.action, EV_ACTION_DISCONNECT);
    assert_int_equal(ev.result, EV_RESULT_NONE);
    assert_int_equal(ev.login_type, EV_LOGIN_TYPE_INTERACTIVE);
    assert_strv(ev.src_ip, NULL);
    assert_strv(ev.event_code, "4779");
}

static void
test_lock_unlock(void **state)
{
    static const struct {
        uint32_t id;
        enum ev_action action;
        enum ev_result result;
        const char *code;
    } cases[] = {
        {4800, EV_ACTION_LOCK, EV_RESULT_NONE, "4800"},
        {4801, EV_ACTION_UNLOCK, EV_RESULT_SUCCESS, "4801"},
        {4802, EV_ACTION_LOCK, EV_RESULT_NONE, "4802"},
        {4803, EV_ACTION_UNLOCK, EV_RESULT_SUCCESS, "4803"},
    };
    struct event ev;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sec(cases[i].id);
        put("TargetUserSid", "S-1-5-21-1-2-3-1104");
        put("TargetUserName", "alice");
        put("TargetDomainName", "CORP");
        put("TargetLogonId", "0x3E7A1");
        put("SessionId", "2");
        assert_int_equal(map(&ev), PARSE_EVENT);
        assert_int_equal(ev.action, cases[i].action);
        assert_int_equal(ev.result, cases[i].result);
        assert_strv(ev.login_id, "0x3e7a1");
        assert_strv(ev.event_code, cases[i].code);
    }
}

static void
test_restart(void **state)
{
    struct event ev;

    (void)state;
    sec(4608);
    assert_int_equal(map(&ev), PARSE_EVENT);
    assert_int_equal(ev.action, EV_ACTION_RESTART);
    assert_strv(ev.hostname, "ws01.corp.example");
    assert_strv(ev.user, NULL);
    assert_strv(ev.event_code, "4608");

    begin("Microsoft-Windows-Eventlog", "Security", 1100);
    assert_int_equal(map(&ev), PARSE_EVENT);
    assert_int_equal(ev.action, EV_ACTION_RESTART);
    assert_strv(ev.event_code, "1100");

    /* 1100 from another provider is something else. */
    begin("Microsoft-Windows-Security-Auditing", "Security", 1100);
    assert_int_equal(map(&ev), PARSE_NONE);
}

static void
test_lsm(void **state)
{
    static const struct {
        uint32_t id;
        const char *addr;
        enum ev_action action;
        enum ev_result result;
        enum ev_login_type type;
        const char *ip, *code;
    } cases[] = {
        {21, "192.168.38.1", EV_ACTION_LOGIN, EV_RESULT_SUCCESS,
         EV_LOGIN_TYPE_RDP, "192.168.38.1", "LSM-21"},
        {21, "LOCAL", EV_ACTION_LOGIN, EV_RESULT_SUCCESS,
         EV_LOGIN_TYPE_INTERACTIVE, NULL, "LSM-21"},
        {22, "2001:db8::7", EV_ACTION_LOGIN, EV_RESULT_SUCCESS,
         EV_LOGIN_TYPE_RDP, "2001:db8::7", "LSM-22"},
        {23, NULL, EV_ACTION_LOGOUT, EV_RESULT_NONE, EV_LOGIN_TYPE_NONE, NULL,
         "LSM-23"},
        {24, "192.168.38.1", EV_ACTION_DISCONNECT, EV_RESULT_NONE,
         EV_LOGIN_TYPE_RDP, "192.168.38.1", "LSM-24"},
        {25, "::ffff:192.168.38.1", EV_ACTION_RECONNECT, EV_RESULT_SUCCESS,
         EV_LOGIN_TYPE_RDP, "192.168.38.1", "LSM-25"},
    };
    struct event ev;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        lsm(cases[i].id);
        put("User", "WINDOMAIN\\vagrant");
        put("SessionID", "3");
        if (cases[i].addr)
            put("Address", cases[i].addr);
        assert_int_equal(map(&ev), PARSE_EVENT);
        assert_int_equal(ev.action, cases[i].action);
        assert_int_equal(ev.result, cases[i].result);
        assert_int_equal(ev.login_type, cases[i].type);
        assert_strv(ev.src_ip, cases[i].ip);
        assert_strv(ev.event_code, cases[i].code);
        assert_strv(ev.user, "WINDOMAIN\\vagrant");
        assert_strv(ev.user_name, "vagrant");
        assert_strv(ev.user_domain, "WINDOMAIN");
        assert_strv(ev.uid, NULL); /* S-1-5-18 wrote it, not the user */
        assert_int_equal(ev.user_type, EV_USER_TYPE_REGULAR);
        assert_strv(ev.login_id, "3");
        assert_int_equal(ev.logon_type, -1);
    }

    lsm(39);
    put("TargetSession", "4");
    put("Source", "5");
    assert_int_equal(map(&ev), PARSE_EVENT);
    assert_int_equal(ev.action, EV_ACTION_DISCONNECT);
    assert_strv(ev.login_id, "4");
    assert_strv(ev.user, NULL);
    assert_strv(ev.event_code, "LSM-39");

    lsm(40);
    put("Session", "4");
    put("Reason", "5");
    assert_int_equal(map(&ev), PARSE_EVENT);
    assert_int_equal(ev.action, EV_ACTION_DISCONNECT);
    assert_strv(ev.login_id, "4");
    assert_strv(ev.event_code, "LSM-40");

    /* A user SID in System/Security is used when it is not the service. */
    lsm(21);
    rec.user_sid = STRV_LIT("S-1-5-21-1-2-3-1000");
    put("User", "WINDOMAIN\\vagrant");
    put("SessionID", "3");
    assert_int_equal(map(&ev), PARSE_EVENT);
    assert_strv(ev.uid, "S-1-5-21-1-2-3-1000");
}

/* 1149: an authenticated connection, the outcome comes later. */
static void
test_rcm_1149(void **state)
{
    struct event ev;

    (void)state;
    begin("Microsoft-Windows-TerminalServices-RemoteConnectionManager",
          "Microsoft-Windows-TerminalServices-RemoteConnectionManager/"
          "Operational",
          1149);
    rec.user_sid = STRV_LIT("S-1-5-20");
    put("Param1", "vagrant");
    put("Param2", "");
    put("Param3", "192.168.38.1");
    assert_int_equal(map(&ev), PARSE_EVENT);
    assert_int_equal(ev.action, EV_ACTION_LOGIN);
    assert_int_equal(ev.result, EV_RESULT_NONE);
    assert_int_equal(ev.login_type, EV_LOGIN_TYPE_RDP);
    assert_strv(ev.user, "vagrant");
    assert_strv(ev.uid, NULL);
    assert_int_equal(ev.user_type, EV_USER_TYPE_REGULAR);
    assert_strv(ev.src_ip, "192.168.38.1");
    assert_strv(ev.login_id, NULL);
    assert_strv(ev.event_code, "RCM-1149");

    put("Param2", "WINDOMAIN"); /* the first Param2 (empty) wins */
    assert_int_equal(map(&ev), PARSE_EVENT);
    assert_strv(ev.user, "vagrant");
}

static void
test_winlogon(void **state)
{
    struct event ev;

    (void)state;
    begin("Microsoft-Windows-Winlogon", "System", 7001);
    rec.user_sid = STRV_LIT("S-1-5-18");
    put("TSId", "1");
    put("UserSid", "S-1-5-21-3648566514-1342408385-4134854909-1000");
    assert_int_equal(map(&ev), PARSE_EVENT);
    assert_int_equal(ev.action, EV_ACTION_LOGIN);
    assert_int_equal(ev.result, EV_RESULT_SUCCESS);
    assert_strv(ev.uid, "S-1-5-21-3648566514-1342408385-4134854909-1000");
    assert_int_equal(ev.user_id_type, EV_USER_ID_TYPE_SID);
    assert_int_equal(ev.user_type, EV_USER_TYPE_REGULAR);
    assert_strv(ev.user, NULL);
    assert_strv(ev.login_id, "1");
    assert_strv(ev.event_code, "7001");

    begin("Microsoft-Windows-Winlogon", "System", 7002);
    put("TSId", "3");
    put("UserSid", "S-1-5-21-1-2-3-1000");
    assert_int_equal(map(&ev), PARSE_EVENT);
    assert_int_equal(ev.action, EV_ACTION_LOGOUT);
    assert_strv(ev.login_id, "3");
    assert_strv(ev.event_code, "7002");
}

static void
test_ignored(void **state)
{
    static const struct {
        const char *provider, *channel;
        uint32_t id;
    } cases[] = {
        {"Microsoft-Windows-Security-Auditing", "Security", 4688},
        {"Microsoft-Windows-Security-Auditing", "Security", 4627},
        {"Microsoft-Windows-Security-Auditing", "Security", 21},
        {"Microsoft-Windows-Security-Auditing", "Security", 7001},
        {"Microsoft-Windows-TerminalServices-LocalSessionManager", "", 54},
        {"Microsoft-Windows-TerminalServices-LocalSessionManager", "", 4624},
        {"Microsoft-Windows-TerminalServices-RemoteConnectionManager", "", 261},
        {"Microsoft-Windows-Kernel-General", "System", 4624},
        {"Service Control Manager", "System", 7036},
        {"Service Control Manager", "System", 7001},
        {"EventLog", "System", 6005},
    };
    struct event ev;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        begin(cases[i].provider, cases[i].channel, cases[i].id);
        put("TargetUserName", "alice");
        put("User", "CORP\\alice");
        put("SessionID", "1");
        assert_int_equal(map(&ev), PARSE_NONE);
    }
}

/* Forms that name only the channel, or neither provider nor channel. */
static void
test_provider_fallback(void **state)
{
    struct event ev;

    (void)state;
    begin("", "Security", 4624);
    put("TargetUserName", "alice");
    assert_int_equal(map(&ev), PARSE_EVENT);
    assert_strv(ev.event_code, "4624");

    begin("Security", "security", 4634); /* XP-era source name */
    put("TargetUserName", "alice");
    assert_int_equal(map(&ev), PARSE_EVENT);
    assert_int_equal(ev.action, EV_ACTION_LOGOUT);

    begin("", "", 4625);
    put("TargetUserName", "alice");
    assert_int_equal(map(&ev), PARSE_EVENT);
    assert_int_equal(ev.result, EV_RESULT_FAILURE);

    begin("", "", 1149);
    put("Param1", "alice");
    assert_int_equal(map(&ev), PARSE_EVENT);
    assert_strv(ev.event_code, "RCM-1149");

    begin("",
          "microsoft-windows-terminalservices-localsessionmanager/"
          "operational",
          21);
    put("User", "CORP\\alice");
    put("SessionID", "2");
    assert_int_equal(map(&ev), PARSE_EVENT);
    assert_strv(ev.event_code, "LSM-21");

    begin("EventLog", "Security", 1100);
    assert_int_equal(map(&ev), PARSE_EVENT);
    assert_int_equal(ev.action, EV_ACTION_RESTART);

    begin("", "", 4688);
    assert_int_equal(map(&ev), PARSE_NONE);
}

static void
test_malformed(void **state)
{
    struct event ev;

    (void)state;
    sec(4624);
    rec.has_event_id = false;
    put("TargetUserName", "alice");
    assert_int_equal(map(&ev), -EBADMSG);

    put_4624("2", "-");
    rec.n_data = 0; /* nothing at all */
    assert_int_equal(map(&ev), -EBADMSG);

    sec(4624);
    put("TargetUserName", "-");
    put("TargetUserSid", "");
    put("TargetLogonId", "0x3e7");
    assert_int_equal(map(&ev), -EBADMSG);

    /* A SID alone is enough. */
    sec(4624);
    put("TargetUserSid", "S-1-5-18");
    assert_int_equal(map(&ev), PARSE_EVENT);
    assert_int_equal(ev.user_type, EV_USER_TYPE_SYSTEM);

    sec(4672);
    put("PrivilegeList", "SeDebugPrivilege");
    assert_int_equal(map(&ev), -EBADMSG);

    lsm(21);
    put("User", "CORP\\alice");
    put("Address", "10.0.0.5");
    assert_int_equal(map(&ev), -EBADMSG);

    lsm(40);
    put("Reason", "5");
    assert_int_equal(map(&ev), -EBADMSG);

    begin("Microsoft-Windows-Winlogon", "System", 7001);
    put("UserSid", "S-1-5-21-1-2-3-1000");
    assert_int_equal(map(&ev), -EBADMSG);

    /* Not a session event: no judgement on its content. */
    sec(4688);
    assert_int_equal(map(&ev), PARSE_NONE);
}

/* Record-level fields: the payload's, else what the caller set. */
static void
test_record_fields(void **state)
{
    struct event ev;

    (void)state;
    sec(4634);
    rec.computer = STRV_NULL;
    rec.record_id = STRV_NULL;
    rec.time_us = EVENT_TIME_UNSET;
    put("TargetUserName", "alice");
    event_init(&ev);
    ev.hostname = STRV_LIT("from-envelope");
    ev.record_id = STRV_LIT("123");
    ev.time_us = 5;
    assert_int_equal(windows_map(&rec, &ev), PARSE_EVENT);
    assert_strv(ev.hostname, "from-envelope");
    assert_strv(ev.record_id, "123");
    assert_int_equal(ev.time_us, 5);

    sec(4634);
    put("TargetUserName", "alice");
    event_init(&ev);
    ev.hostname = STRV_LIT("collector");
    assert_int_equal(windows_map(&rec, &ev), PARSE_EVENT);
    assert_strv(ev.hostname, "ws01.corp.example");
    assert_strv(ev.record_id, "4242");
    assert_int_equal(ev.time_us, T0);
}

static void
fill(char *p, size_t n, char c)
{
    memset(p, c, n);
    p[n] = '\0';
}

/* A 4624 with long but real values fits in the scratch area. */
static void
test_scratch_typical(void **state)
{
    char domain[65], name[65], sdomain[65];
    struct event ev;

    (void)state;
    fill(domain, 64, 'D');
    fill(name, 64, 'n');
    fill(sdomain, 64, 'S');
    sec(4625);
    put("SubjectUserName", "svc-backup-operator");
    put("SubjectDomainName", sdomain);
    put("TargetUserSid", "S-1-5-21-3648566514-1342408385-4134854909-11041");
    put("TargetUserName", name);
    put("TargetDomainName", domain);
    put("Status", "0xC000006D");
    put("SubStatus", "0xC000006A");
    put("TargetLinkedLogonId", "0x00000000FFFFFFFF");
    put("IpAddress", "2001:db8:1234:5678:9abc:def0:1234:5678");
    assert_int_equal(map(&ev), PARSE_EVENT);
    assert_true(strv_present(ev.user));
    assert_int_equal(ev.user.n, 64 + 1 + 64);
    assert_true(strv_present(ev.actor_user));
    assert_strv(ev.result_details, "Incorrect password (0xC000006A)");
    assert_strv(ev.logon[EV_LOGON_USER_LINKED_ID], "0xffffffff");
    assert_true(ev.scratch_len < EVENT_SCRATCH_MAX);
}

/* Values past the scratch area: the derived field is absent, the rest is
 * still there, nothing overflows. */
static void
test_scratch_overflow(void **state)
{
    static char big[4001], big2[4001];
    struct event ev;

    (void)state;
    fill(big, 4000, 'a');
    fill(big2, 4000, 'b');
    sec(4625);
    put("SubjectUserName", big2);
    put("SubjectDomainName", big);
    put("TargetUserName", big);
    put("TargetDomainName", big2);
    put("TargetUserSid", big);
    put("Status", "0xC000006A");
    put("IpAddress", big);
    put("IpPort", big);
    put("LogonType", big);
    put("LogonProcessName", big);
    assert_int_equal(map(&ev), PARSE_EVENT);
    /* user falls back to the bare name, the split form still tells */
    assert_int_equal(ev.user.n, 4000);
    assert_int_equal(ev.user_domain.n, 4000);
    assert_int_equal(ev.username_type, EV_USERNAME_TYPE_WINDOWS);
    assert_int_equal(ev.actor_user.n, 4000);
    assert_strv(ev.result_details, "Incorrect password (0xC000006A)");
    assert_strv(ev.src_ip, NULL);
    assert_int_equal(ev.src_port, 0);
    assert_int_equal(ev.logon_type, -1);
    assert_int_equal(ev.logon[EV_LOGON_PROCESS_NAME].n, 4000);

    /* Scratch already full (e.g. by the envelope): derived fields go. */
    put_4624("10", "10.0.0.5");
    put("Status", "0xC000006A");
    event_init(&ev);
    ev.scratch_len = EVENT_SCRATCH_MAX - 3;
    assert_int_equal(windows_map(&rec, &ev), PARSE_EVENT);
    assert_strv(ev.user, "alice");
    assert_strv(ev.user_domain, "CORP");
    assert_strv(ev.login_id, NULL);
    assert_strv(ev.actor_user, "WS01$");
    assert_strv(ev.src_ip, "10.0.0.5");
    assert_int_equal(ev.scratch_len, EVENT_SCRATCH_MAX - 3);
}

/* The record's own limits: too many fields, too much text. */
static void
test_winrec_limits(void **state)
{
    static char big[WINREC_TEXT_MAX];
    struct strv v;

    (void)state;
    winrec_reset(&rec);
    assert_int_equal(rec.time_us, EVENT_TIME_UNSET);
    for (int i = 0; i < WINREC_DATA_MAX; i++)
        assert_int_equal(winrec_add(&rec, STRV_LIT("X"), STRV_LIT("y")), 0);
    assert_int_equal(winrec_add(&rec, STRV_LIT("Z"), STRV_LIT("z")), -E2BIG);
    assert_int_equal(rec.dropped, 1);
    assert_strv(winrec_get(&rec, "X"), "y");
    assert_strv(winrec_get(&rec, "Z"), NULL);
    assert_strv(winrec_get(&rec, "x"), NULL);

    winrec_reset(&rec);
    assert_int_equal(rec.n_data, 0);
    assert_int_equal(rec.dropped, 0);
    memset(big, 'q', sizeof(big));
    v = winrec_store(&rec, big, sizeof(big) - 1);
    assert_int_equal(v.n, sizeof(big) - 1);
    assert_false(rec.truncated);
    v = winrec_store(&rec, "ab", 2);
    assert_false(strv_present(v));
    assert_true(rec.truncated);
    v = winrec_store(&rec, "a", 1);
    assert_strv(v, "a");
    winrec_reset(&rec);
    assert_false(rec.truncated);
    assert_int_equal(rec.text_len, 0);
}

static void
test_state(void **state)
{
    struct win_state *st;

    (void)state;
    st = win_state_new();
    assert_non_null(st);
    assert_null(st->xml);
    assert_int_equal(st->rec.time_us, EVENT_TIME_UNSET);
    win_state_free(st);
    win_state_free(NULL);
    for (unsigned long n = 1; n < 3; n++) {
        mem_fail_set(n);
        st = win_state_new();
        mem_fail_set(0);
        if (st == NULL)
            continue;
        win_state_free(st);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_4624_fields),
        cmocka_unit_test(test_4624_json),
        cmocka_unit_test(test_4624_logon_types),
        cmocka_unit_test(test_unlock_or_reconnect),
        cmocka_unit_test(test_4625_status),
        cmocka_unit_test(test_insertion_codes),
        cmocka_unit_test(test_logon_ids),
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_user_composition),
        cmocka_unit_test(test_actor),
        cmocka_unit_test(test_noise_accounts),
        cmocka_unit_test(test_4634_4647),
        cmocka_unit_test(test_4648),
        cmocka_unit_test(test_4672_admin),
        cmocka_unit_test(test_4778_4779),
        cmocka_unit_test(test_lock_unlock),
        cmocka_unit_test(test_restart),
        cmocka_unit_test(test_lsm),
        cmocka_unit_test(test_rcm_1149),
        cmocka_unit_test(test_winlogon),
        cmocka_unit_test(test_ignored),
        cmocka_unit_test(test_provider_fallback),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_record_fields),
        cmocka_unit_test(test_scratch_typical),
        cmocka_unit_test(test_scratch_overflow),
        cmocka_unit_test(test_winrec_limits),
        cmocka_unit_test(test_state),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
