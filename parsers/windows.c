/*
 * windows.c - the one Windows semantic table (DESIGN 2): a neutral record
 * (struct winrec, decoded by any wire form) in, one user-session event out.
 *
 * The events, as Microsoft documents them (learn.microsoft.com, "Windows
 * security auditing", "Advanced security audit policy settings"):
 *   Security 4624 "An account was successfully logged on"
 *   Security 4625 "An account failed to log on"
 *   Security 4634 "An account was logged off"
 *   Security 4647 "User initiated logoff"
 *   Security 4648 "A logon was attempted using explicit credentials"
 *   Security 4672 "Special privileges assigned to new logon"
 *   Security 4778 "A session was reconnected to a Window Station"
 *   Security 4779 "A session was disconnected from a Window Station"
 *   Security 4800/4801 "The workstation was locked / unlocked"
 *   Security 4802/4803 "The screen saver was invoked / dismissed"
 *   Security 4608 "Windows is starting up"
 *   Eventlog 1100 "The event logging service has shut down"
 *   TerminalServices-LocalSessionManager/Operational 21 "Session logon
 *     succeeded", 22 "Shell start notification received", 23 "Session
 *     logoff succeeded", 24 "Session has been disconnected", 25 "Session
 *     reconnection succeeded", 39 "Session X has been disconnected by
 *     session Y", 40 "Session X has been disconnected, reason code Z"
 *   TerminalServices-RemoteConnectionManager/Operational 1149 "User
 *     authentication succeeded" (network level: an attempt, not a logon)
 *   System Winlogon 7001/7002 "User Logon / Logoff Notification for
 *     Customer Experience Improvement Program"
 * Logon types and the Status/SubStatus codes follow the 4624 and 4625
 * pages; the NTSTATUS values are those of MS-ERREF 2.3.1.
 *
 * A 4624 as Event XML, for orientation:
 *   <Data Name='TargetUserSid'>S-1-5-21-...-1104</Data>
 *   <Data Name='TargetUserName'>alice</Data>
 *   <Data Name='TargetDomainName'>CORP</Data>
 *   <Data Name='TargetLogonId'>0x00000000003E7</Data>
 *   <Data Name='LogonType'>10</Data> ... <Data Name='IpAddress'>10.0.0.5</Data>
 *
 * Everything is table driven: win_rules maps (provider kind, event id) to
 * the action, the result, the data names that carry the user, SID, logon
 * id, address... and a few flags.  Pure: no I/O, no allocation, no
 * mutable globals; derived strings go into the event's scratch area and
 * are simply absent when it is full.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../model/identity.h"
#include "parser.h"
#include "winrec.h"

/* Longest address text looked at (an IPv6 literal with a zone fits). */
#define WIN_ADDR_MAX 64
/* Longest result_details this file builds. */
#define WIN_DETAILS_MAX 128

/* Which provider an event comes from: event ids repeat across them. */
enum win_kind {
    WIN_KIND_NONE = 0,
    WIN_KIND_SECURITY, /* Microsoft-Windows-Security-Auditing */
    WIN_KIND_EVENTLOG, /* Microsoft-Windows-Eventlog */
    WIN_KIND_LSM,      /* TerminalServices-LocalSessionManager */
    WIN_KIND_RCM,      /* TerminalServices-RemoteConnectionManager */
    WIN_KIND_WINLOGON, /* Microsoft-Windows-Winlogon (System) */
};

/* The parts of an event the rules name data fields for. */
enum win_role {
    ROLE_USER = 0,
    ROLE_DOMAIN,
    ROLE_SID,
    ROLE_LOGON_ID,
    ROLE_ADDR,
    ROLE_PORT,
    ROLE_ACTOR_USER,
    ROLE_ACTOR_DOMAIN,
    ROLE_LOGON_TYPE,
    ROLE_SESSION_NAME,
    _ROLE_MAX,
};

/* Rule flags. */
enum {
    WF_HEX_ID = 1 << 0,    /* logon id is a LUID: normalise to 0x... */
    WF_DETAIL = 1 << 1,    /* OSSEM logon_* fields and auth_method */
    WF_STATUS = 1 << 2,    /* result_details from Status/SubStatus */
    WF_UNLOCK = 1 << 3,    /* logon type 7/13: unlock or reconnect */
    WF_ADMIN = 1 << 4,     /* the logon has administrative rights */
    WF_NEED_USER = 1 << 5, /* malformed without a user name or SID */
    WF_NEED_ID = 1 << 6,   /* malformed without a logon/session id */
    WF_LT_ADDR = 1 << 7,   /* login_type: Address "LOCAL" or a client */
    WF_LT_RDP = 1 << 8,    /* login_type is always rdp */
    WF_LT_SESS = 1 << 9,   /* login_type from SessionName */
    WF_SYS_SID = 1 << 10,  /* uid may come from System/Security UserID */
};

struct win_fields {
    const char *name[_ROLE_MAX];
};

/* Security events about the logon session itself (4624, 4625, 4634,
 * 4647, 4800-4803): the Target* names, the Subject as the actor. */
static const struct win_fields f_target = {{
    [ROLE_USER] = "TargetUserName",
    [ROLE_DOMAIN] = "TargetDomainName",
    [ROLE_SID] = "TargetUserSid",
    [ROLE_LOGON_ID] = "TargetLogonId",
    [ROLE_ADDR] = "IpAddress",
    [ROLE_PORT] = "IpPort",
    [ROLE_ACTOR_USER] = "SubjectUserName",
    [ROLE_ACTOR_DOMAIN] = "SubjectDomainName",
    [ROLE_LOGON_TYPE] = "LogonType",
}};

/* 4648: the explicit account is the user, the Subject the actor; the
 * SubjectLogonId is the actor's session, not a new one, so no login_id. */
static const struct win_fields f_explicit = {{
    [ROLE_USER] = "TargetUserName",
    [ROLE_DOMAIN] = "TargetDomainName",
    [ROLE_ADDR] = "IpAddress",
    [ROLE_PORT] = "IpPort",
    [ROLE_ACTOR_USER] = "SubjectUserName",
    [ROLE_ACTOR_DOMAIN] = "SubjectDomainName",
}};

/* 4672: the Subject is the new logon. */
static const struct win_fields f_subject = {{
    [ROLE_USER] = "SubjectUserName",
    [ROLE_DOMAIN] = "SubjectDomainName",
    [ROLE_SID] = "SubjectUserSid",
    [ROLE_LOGON_ID] = "SubjectLogonId",
}};

/* 4778/4779. */
static const struct win_fields f_station = {{
    [ROLE_USER] = "AccountName",
    [ROLE_DOMAIN] = "AccountDomain",
    [ROLE_LOGON_ID] = "LogonID",
    [ROLE_ADDR] = "ClientAddress",
    [ROLE_SESSION_NAME] = "SessionName",
}};

/* LSM 21-25: UserData/EventXML User, SessionID, Address. */
static const struct win_fields f_lsm = {{
    [ROLE_USER] = "User",
    [ROLE_LOGON_ID] = "SessionID",
    [ROLE_ADDR] = "Address",
}};

static const struct win_fields f_lsm39 = {{[ROLE_LOGON_ID] = "TargetSession"}};
static const struct win_fields f_lsm40 = {{[ROLE_LOGON_ID] = "Session"}};

/* RCM 1149: Param1 user, Param2 domain, Param3 client address. */
static const struct win_fields f_rcm = {{
    [ROLE_USER] = "Param1",
    [ROLE_DOMAIN] = "Param2",
    [ROLE_ADDR] = "Param3",
}};

/* Winlogon 7001/7002: the terminal-services session id and the SID. */
static const struct win_fields f_winlogon = {{
    [ROLE_SID] = "UserSid",
    [ROLE_LOGON_ID] = "TSId",
}};

static const struct win_fields f_none = {{NULL}};

struct win_rule {
    enum win_kind kind;
    uint32_t id;
    enum ev_action action;
    enum ev_result result;
    unsigned flags;
    const char *code; /* event_code */
    const struct win_fields *fields;
};

#define SEC_SESSION (WF_HEX_ID | WF_NEED_USER)
#define LSM_USER (WF_LT_ADDR | WF_NEED_ID | WF_SYS_SID)

/* The table.  Order does not matter: (kind, id) is unique. */
static const struct win_rule win_rules[] = {
    {WIN_KIND_SECURITY, 4624, EV_ACTION_LOGIN, EV_RESULT_SUCCESS,
     SEC_SESSION | WF_DETAIL | WF_UNLOCK, "4624", &f_target},
    {WIN_KIND_SECURITY, 4625, EV_ACTION_LOGIN, EV_RESULT_FAILURE,
     SEC_SESSION | WF_DETAIL | WF_STATUS, "4625", &f_target},
    {WIN_KIND_SECURITY, 4634, EV_ACTION_LOGOUT, EV_RESULT_NONE, SEC_SESSION,
     "4634", &f_target},
    {WIN_KIND_SECURITY, 4647, EV_ACTION_LOGOUT, EV_RESULT_NONE, SEC_SESSION,
     "4647", &f_target},
    {WIN_KIND_SECURITY, 4648, EV_ACTION_LOGIN, EV_RESULT_SUCCESS, WF_NEED_USER,
     "4648", &f_explicit},
    {WIN_KIND_SECURITY, 4672, EV_ACTION_NONE, EV_RESULT_NONE,
     SEC_SESSION | WF_ADMIN, "4672", &f_subject},
    {WIN_KIND_SECURITY, 4778, EV_ACTION_RECONNECT, EV_RESULT_SUCCESS,
     SEC_SESSION | WF_LT_SESS, "4778", &f_station},
    {WIN_KIND_SECURITY, 4779, EV_ACTION_DISCONNECT, EV_RESULT_NONE,
     SEC_SESSION | WF_LT_SESS, "4779", &f_station},
    {WIN_KIND_SECURITY, 4800, EV_ACTION_LOCK, EV_RESULT_NONE, SEC_SESSION,
     "4800", &f_target},
    {WIN_KIND_SECURITY, 4801, EV_ACTION_UNLOCK, EV_RESULT_SUCCESS, SEC_SESSION,
     "4801", &f_target},
    {WIN_KIND_SECURITY, 4802, EV_ACTION_LOCK, EV_RESULT_NONE, SEC_SESSION,
     "4802", &f_target},
    {WIN_KIND_SECURITY, 4803, EV_ACTION_UNLOCK, EV_RESULT_SUCCESS, SEC_SESSION,
     "4803", &f_target},
    {WIN_KIND_SECURITY, 4608, EV_ACTION_RESTART, EV_RESULT_NONE, 0, "4608",
     &f_none},
    {WIN_KIND_EVENTLOG, 1100, EV_ACTION_RESTART, EV_RESULT_NONE, 0, "1100",
     &f_none},
    {WIN_KIND_LSM, 21, EV_ACTION_LOGIN, EV_RESULT_SUCCESS, LSM_USER, "LSM-21",
     &f_lsm},
    {WIN_KIND_LSM, 22, EV_ACTION_LOGIN, EV_RESULT_SUCCESS, LSM_USER, "LSM-22",
     &f_lsm},
    {WIN_KIND_LSM, 23, EV_ACTION_LOGOUT, EV_RESULT_NONE, LSM_USER, "LSM-23",
     &f_lsm},
    {WIN_KIND_LSM, 24, EV_ACTION_DISCONNECT, EV_RESULT_NONE, LSM_USER, "LSM-24",
     &f_lsm},
    {WIN_KIND_LSM, 25, EV_ACTION_RECONNECT, EV_RESULT_SUCCESS, LSM_USER,
     "LSM-25", &f_lsm},
    {WIN_KIND_LSM, 39, EV_ACTION_DISCONNECT, EV_RESULT_NONE, WF_NEED_ID,
     "LSM-39", &f_lsm39},
    {WIN_KIND_LSM, 40, EV_ACTION_DISCONNECT, EV_RESULT_NONE, WF_NEED_ID,
     "LSM-40", &f_lsm40},
    {WIN_KIND_RCM, 1149, EV_ACTION_LOGIN, EV_RESULT_NONE,
     WF_LT_RDP | WF_SYS_SID, "RCM-1149", &f_rcm},
    {WIN_KIND_WINLOGON, 7001, EV_ACTION_LOGIN, EV_RESULT_SUCCESS, WF_NEED_ID,
     "7001", &f_winlogon},
    {WIN_KIND_WINLOGON, 7002, EV_ACTION_LOGOUT, EV_RESULT_NONE, WF_NEED_ID,
     "7002", &f_winlogon},
};

/* Provider (first) or channel names, matched as case-insensitive
 * substrings, to the kind of event id they define. */
struct win_source {
    const char *needle;
    enum win_kind kind;
};

static const struct win_source win_providers[] = {
    {"Security-Auditing", WIN_KIND_SECURITY},
    {"LocalSessionManager", WIN_KIND_LSM},
    {"RemoteConnectionManager", WIN_KIND_RCM},
    {"Winlogon", WIN_KIND_WINLOGON},
    {"Eventlog", WIN_KIND_EVENTLOG},
};

static const struct win_source win_channels[] = {
    {"LocalSessionManager", WIN_KIND_LSM},
    {"RemoteConnectionManager", WIN_KIND_RCM},
    {"Security", WIN_KIND_SECURITY},
};

/*
 * Logon type (4624 "Logon types and descriptions") -> CAR login_type:
 * 2 Interactive, 3 Network, 4 Batch, 5 Service, 7 Unlock, 8
 * NetworkCleartext, 9 NewCredentials, 10 RemoteInteractive, 11
 * CachedInteractive, 12 CachedRemoteInteractive, 13 CachedUnlock.
 */
#define WIN_LOGON_TYPE_MAX 13
static const enum ev_login_type win_login_types[WIN_LOGON_TYPE_MAX + 1] = {
    [2] = EV_LOGIN_TYPE_INTERACTIVE,  [3] = EV_LOGIN_TYPE_REMOTE,
    [7] = EV_LOGIN_TYPE_INTERACTIVE,  [8] = EV_LOGIN_TYPE_REMOTE,
    [9] = EV_LOGIN_TYPE_LOCAL,        [10] = EV_LOGIN_TYPE_RDP,
    [11] = EV_LOGIN_TYPE_INTERACTIVE, [12] = EV_LOGIN_TYPE_RDP,
    [13] = EV_LOGIN_TYPE_INTERACTIVE,
};

struct win_code {
    uint32_t code;
    const char *text;
};

/*
 * %%NNNN insertion strings, from the parameter message file msobjs.dll
 * (message ids 0x0728-0x0739, 0x0790-0x0792 and 0x0900-0x090b of Windows
 * 10.0.19041 as listed by libyal/winevt-kb,
 * docs/sources/message-files/MessageFile-msobjs.dll.md; %%N is decimal).
 * Event Viewer renders the same words.  Trailing periods are dropped.
 */
static const struct win_code win_insertions[] = {
    {1832, "Identification"},
    {1833, "Impersonation"},
    {1840, "Delegation"},
    {1841, "Denied by Process Trust Label ACE"},
    {1842, "Yes"},
    {1843, "No"},
    {1844, "System"},
    {1845, "Not Available"},
    {1846, "Default"},
    {1847, "DisallowMmConfig"},
    {1848, "Off"},
    {1849, "Auto"},
    {1936, "TokenElevationTypeDefault (1)"},
    {1937, "TokenElevationTypeFull (2)"},
    {1938, "TokenElevationTypeLimited (3)"},
    {2304, "An Error occured during Logon"},
    {2305, "The specified user account has expired"},
    {2306, "The NetLogon component is not active"},
    {2307, "Account locked out"},
    {2308, "The user has not been granted the requested logon type at this "
           "machine"},
    {2309, "The specified account's password has expired"},
    {2310, "Account currently disabled"},
    {2311, "Account logon time restriction violation"},
    {2312, "User not allowed to logon at this computer"},
    {2313, "Unknown user name or bad password"},
    {2314, "Domain sid inconsistent"},
    {2315, "Smartcard logon is required and was not used"},
};

/* 4625 Status / SubStatus (NTSTATUS, MS-ERREF 2.3.1), ASIM-style words. */
static const struct win_code win_statuses[] = {
    {0xC000005E, "No logon servers available"},
    {0xC0000064, "No such user"},
    {0xC000006A, "Incorrect password"},
    {0xC000006D, "Unknown user name or bad password"},
    {0xC000006E, "Account restriction"},
    {0xC000006F, "Outside allowed logon hours"},
    {0xC0000070, "Workstation restriction"},
    {0xC0000071, "Password expired"},
    {0xC0000072, "Account disabled"},
    {0xC000009A, "Insufficient system resources"},
    {0xC00000DC, "SAM server in wrong state"},
    {0xC0000133, "Clock skew too great"},
    {0xC000015B, "Logon type not granted"},
    {0xC000018C, "Trust relationship failed"},
    {0xC0000192, "NetLogon service not started"},
    {0xC0000193, "Account expired"},
    {0xC0000224, "Password must change"},
    {0xC0000234, "Account locked out"},
    {0xC00002EE, "An error occurred during logon"},
    {0xC0000413, "Authentication firewall"},
};

/* The OSSEM logon_* fields and the data names they come from (4624). */
static const char *const win_logon_names[_EV_LOGON_MAX] = {
    [EV_LOGON_PROCESS_NAME] = "LogonProcessName",
    [EV_LOGON_AUTHENTICATION_PACKAGE_NAME] = "AuthenticationPackageName",
    [EV_LOGON_AUTHENTICATION_LAN_PACKAGE_NAME] = "LmPackageName",
    [EV_LOGON_KEY_LENGTH] = "KeyLength",
    [EV_LOGON_GUID] = "LogonGuid",
    [EV_LOGON_ELEVATED_TOKEN] = "ElevatedToken",
    [EV_LOGON_IMPERSONATION_LEVEL] = "ImpersonationLevel",
    [EV_LOGON_RESTRICTED_ADMIN_MODE] = "RestrictedAdminMode",
    [EV_LOGON_VIRTUAL_ACCOUNT] = "VirtualAccount",
    [EV_LOGON_USER_LINKED_ID] = "TargetLinkedLogonId",
    [EV_LOGON_TRANSMITTED_SERVICES] = "TransmittedServices",
};

/* ---- small helpers ---- */

static char
lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive substring test (short needles, short haystacks). */
static bool
case_contains(struct strv hay, const char *needle)
{
    size_t n = strlen(needle);

    for (size_t i = 0; n <= hay.n && i <= hay.n - n; i++) {
        size_t k = 0;

        while (k < n && lower(hay.p[i + k]) == lower(needle[k]))
            k++;
        if (k == n)
            return true;
    }
    return false;
}

/* A data value, trimmed; "-" (Windows' "no value") reads as absent. */
static struct strv
win_value(const struct winrec *r, const char *name)
{
    struct strv v;

    if (name == NULL)
        return STRV_NULL;
    v = strv_trim(winrec_get(r, name));
    if (v.n == 0 || (v.n == 1 && v.p[0] == '-'))
        return STRV_NULL;
    return v;
}

static int
hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = lower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* "0x1A2b" (any number of leading zeros) -> value; false if malformed or
 * wider than 64 bits. */
static bool
parse_hex(struct strv v, uint64_t *ret)
{
    uint64_t x = 0;
    size_t i = 2, sig = 0;

    if (v.n < 3 || v.p[0] != '0' || lower(v.p[1]) != 'x')
        return false;
    for (; i < v.n; i++) {
        int d = hex_digit(v.p[i]);

        if (d < 0)
            return false;
        if (x != 0 || d != 0)
            sig++;
        if (sig > 16)
            return false;
        x = (x << 4) | (uint64_t)d;
    }
    *ret = x;
    return true;
}

/* Hex "0x..." or decimal, as the forms write numbers. */
static bool
parse_number(struct strv v, uint64_t *ret)
{
    if (parse_hex(v, ret))
        return true;
    return strv_to_u64(v, UINT64_MAX, ret) == 0;
}

/* ---- lookups ---- */

static const char *
code_text(const struct win_code *t, size_t n, uint32_t code)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].code == code)
            return t[i].text;
    return NULL;
}

/* "%%1842" -> "Yes"; anything else unchanged (already words, or an
 * insertion code this table does not know). */
static struct strv
render_insertion(struct strv v)
{
    uint64_t code;
    const char *text;

    if (v.n < 3 || v.p[0] != '%' || v.p[1] != '%' ||
        strv_to_u64(strv_make(v.p + 2, v.n - 2), UINT32_MAX, &code) < 0)
        return v;
    text = code_text(win_insertions,
                     sizeof(win_insertions) / sizeof(win_insertions[0]),
                     (uint32_t)code);
    return text ? strv_from_cstr(text) : v;
}

static enum win_kind
match_source(const struct win_source *t, size_t n, struct strv name)
{
    if (!strv_present(name))
        return WIN_KIND_NONE;
    for (size_t i = 0; i < n; i++)
        if (case_contains(name, t[i].needle))
            return t[i].kind;
    return WIN_KIND_NONE;
}

/*
 * The rule for r: the kind comes from the provider, else the channel;
 * a record naming neither (some text forms) is matched on the event id
 * alone, which is unique across win_rules.
 */
static const struct win_rule *
find_rule(const struct winrec *r)
{
    size_t n = sizeof(win_rules) / sizeof(win_rules[0]);
    enum win_kind kind;
    bool any = !strv_present(r->provider) && !strv_present(r->channel);

    kind = match_source(win_providers,
                        sizeof(win_providers) / sizeof(win_providers[0]),
                        r->provider);
    if (kind == WIN_KIND_NONE)
        kind = match_source(win_channels,
                            sizeof(win_channels) / sizeof(win_channels[0]),
                            r->channel);
    if (kind == WIN_KIND_NONE && !any)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (win_rules[i].id == r->event_id &&
            (any || win_rules[i].kind == kind))
            return &win_rules[i];
    return NULL;
}

/* ---- field builders ---- */

/* a + sep + b into scratch in one piece, or an empty view. */
static struct strv
scratch_join(struct event *ev, struct strv a, char sep, struct strv b)
{
    char *d;

    if (a.n + b.n + 1 > EVENT_SCRATCH_MAX - ev->scratch_len)
        return STRV_NULL;
    d = ev->scratch + ev->scratch_len;
    memcpy(d, a.p, a.n);
    d[a.n] = sep;
    memcpy(d + a.n + 1, b.p, b.n);
    ev->scratch_len += a.n + 1 + b.n;
    return strv_make(d, a.n + 1 + b.n);
}

/* A LUID as "0x3e7": lower case, no padding; decimal input converted.
 * Unparsable values are kept as written. */
static struct strv
logon_id_hex(struct event *ev, struct strv v)
{
    static const char digits[] = "0123456789abcdef";
    char tmp[18];
    size_t i = sizeof(tmp);
    uint64_t x;

    if (!parse_number(v, &x))
        return v;
    do {
        tmp[--i] = digits[x & 0xF];
        x >>= 4;
    } while (x);
    tmp[--i] = 'x';
    tmp[--i] = '0';
    return event_scratch_copy(ev, tmp + i, sizeof(tmp) - i);
}

/* "DOMAIN\name" unless the name is a UPN or already qualified. */
static void
set_user(struct event *ev, struct strv name, struct strv domain)
{
    bool plain = name.n > 0 && memchr(name.p, '\\', name.n) == NULL &&
                 memchr(name.p, '@', name.n) == NULL;

    ev->user = name;
    if (!plain || !strv_present(domain))
        return;
    ev->user_name = name;
    ev->user_domain = domain;
    ev->username_type = EV_USERNAME_TYPE_WINDOWS;
    ev->user = scratch_join(ev, domain, '\\', name);
    if (!strv_present(ev->user))
        ev->user = name; /* scratch full: the split form still tells */
}

static bool
case_eq(struct strv a, struct strv b)
{
    if (a.n != b.n)
        return false;
    for (size_t i = 0; i < a.n; i++)
        if (lower(a.p[i]) != lower(b.p[i]))
            return false;
    return true;
}

/* actor_user: "SubjectDomain\SubjectName", unless absent or the user. */
static void
set_actor(struct event *ev, struct strv name, struct strv domain,
          struct strv user, struct strv user_domain)
{
    if (!strv_present(name) ||
        (case_eq(name, user) && case_eq(domain, user_domain)))
        return;
    ev->actor_user = name;
    if (strv_present(domain) && memchr(name.p, '\\', name.n) == NULL &&
        memchr(name.p, '@', name.n) == NULL) {
        struct strv joined = scratch_join(ev, domain, '\\', name);

        if (strv_present(joined))
            ev->actor_user = joined;
    }
}

/* S-1-5-18/19/20: the service that wrote an event, not its user. */
static bool
service_sid(struct strv sid)
{
    return strv_case_eq(sid, "S-1-5-18") || strv_case_eq(sid, "S-1-5-19") ||
           strv_case_eq(sid, "S-1-5-20");
}

/*
 * A literal IP address as the event wrote it, "::ffff:" removed from an
 * IPv4-mapped one; empty for "-", "LOCAL", host names and anything else.
 * *ret_loopback tells 127.0.0.0/8 and ::1 apart (written in any case).
 */
static struct strv
literal_ip(struct strv v, bool *ret_loopback)
{
    char tmp[WIN_ADDR_MAX];
    unsigned char bin[16];
    char *zone;

    *ret_loopback = false;
    if (v.n > 7 && strv_case_eq(strv_make(v.p, 7), "::ffff:") &&
        memchr(v.p + 7, '.', v.n - 7) != NULL) {
        v.p += 7;
        v.n -= 7;
    }
    if (v.n == 0 || v.n >= sizeof(tmp))
        return STRV_NULL;
    memcpy(tmp, v.p, v.n);
    tmp[v.n] = '\0';
    if (inet_pton(AF_INET, tmp, bin) == 1) {
        *ret_loopback = bin[0] == 127;
        return v;
    }
    zone = strchr(tmp, '%'); /* fe80::1%12: the scope is kept as written */
    if (zone != NULL)
        *zone = '\0';
    if (inet_pton(AF_INET6, tmp, bin) != 1)
        return STRV_NULL;
    *ret_loopback = memcmp(bin, &in6addr_loopback, sizeof(bin)) == 0;
    return v;
}

/* login_type of an RDP/console session name: "RDP-Tcp#3", "Console". */
static enum ev_login_type
session_name_type(struct strv name)
{
    if (name.n >= 3 && strv_case_eq(strv_make(name.p, 3), "RDP"))
        return EV_LOGIN_TYPE_RDP;
    if (strv_case_eq(name, "Console"))
        return EV_LOGIN_TYPE_INTERACTIVE;
    return EV_LOGIN_TYPE_NONE;
}

/* The values a rule's field names select, trimmed, "-" as absent. */
struct win_vals {
    struct strv f[_ROLE_MAX];
    bool loopback;
};

/* login_id, logon_type, login_type, src_ip, src_port. */
static void
set_session(struct event *ev, const struct win_rule *rule,
            const struct win_vals *v, bool *ret_loopback)
{
    struct strv id = v->f[ROLE_LOGON_ID], addr = v->f[ROLE_ADDR];
    uint64_t n;

    if (strv_present(id))
        ev->login_id = (rule->flags & WF_HEX_ID) ? logon_id_hex(ev, id) : id;
    if (strv_to_u64(v->f[ROLE_LOGON_TYPE], WIN_LOGON_TYPE_MAX, &n) == 0) {
        ev->logon_type = (int)n;
        ev->login_type = win_login_types[n];
    }
    if (rule->flags & WF_LT_RDP)
        ev->login_type = EV_LOGIN_TYPE_RDP;
    if ((rule->flags & WF_LT_ADDR) && strv_present(addr))
        ev->login_type = strv_case_eq(addr, "LOCAL") ? EV_LOGIN_TYPE_INTERACTIVE
                                                     : EV_LOGIN_TYPE_RDP;
    if (rule->flags & WF_LT_SESS)
        ev->login_type = session_name_type(v->f[ROLE_SESSION_NAME]);
    ev->src_ip = literal_ip(addr, ret_loopback);
    if (strv_to_u64(v->f[ROLE_PORT], 65535, &n) == 0 && n > 0)
        ev->src_port = (int)n;
}

/* user, split names, uid, actor_user. */
static void
set_identity(struct event *ev, const struct winrec *r, unsigned flags,
             const struct win_vals *v)
{
    struct strv sid = v->f[ROLE_SID];

    set_user(ev, v->f[ROLE_USER], v->f[ROLE_DOMAIN]);
    /* TerminalServices events carry no SID of their own; their System
     * UserID is the service that wrote them (S-1-5-18 for LSM, S-1-5-20
     * for RCM), so it is used only when it is something else. */
    if (!strv_present(sid) && (flags & WF_SYS_SID) &&
        strv_present(r->user_sid) && !service_sid(r->user_sid))
        sid = r->user_sid;
    if (strv_present(sid) && !strv_eq_cstr(sid, "S-1-0-0"))
        ev->uid = sid; /* S-1-0-0 is the NULL SID: nobody */
    set_actor(ev, v->f[ROLE_ACTOR_USER], v->f[ROLE_ACTOR_DOMAIN],
              v->f[ROLE_USER], v->f[ROLE_DOMAIN]);
}

/* The OSSEM logon_* fields, %% codes as words, and auth_method. */
static void
set_detail(struct event *ev, const struct winrec *r)
{
    for (int f = 0; f < _EV_LOGON_MAX; f++) {
        struct strv val = win_value(r, win_logon_names[f]);

        if (!strv_present(val))
            continue;
        ev->logon[f] = f == EV_LOGON_USER_LINKED_ID ? logon_id_hex(ev, val)
                                                    : render_insertion(val);
    }
    ev->auth_method = ev->logon[EV_LOGON_AUTHENTICATION_PACKAGE_NAME];
}

/* An NTSTATUS as the forms write it: 0xC000006A, or signed/unsigned
 * decimal (-1073741718). */
static bool
parse_status(struct strv v, uint32_t *ret)
{
    uint64_t x;

    if (v.n > 1 && v.p[0] == '-') {
        if (strv_to_u64(strv_make(v.p + 1, v.n - 1), 0x80000000u, &x) < 0)
            return false;
        *ret = (uint32_t)(0x100000000ull - x);
        return true;
    }
    if (!parse_number(v, &x) || x > UINT32_MAX)
        return false;
    *ret = (uint32_t)x;
    return true;
}

/*
 * result_details of a 4625: "Incorrect password (0xC000006A)".  The
 * generic Status 0xC000006D ("bad user name or password") and 0xC000006E
 * ("account restriction") defer to a non-zero SubStatus, which says which
 * one (4625 page, "Status and Sub Status codes").  Without a Status the
 * FailureReason is used (%%2313 -> "Unknown user name or bad password").
 */
static void
set_status(struct event *ev, const struct winrec *r)
{
    char tmp[WIN_DETAILS_MAX];
    uint32_t st, sub;
    const char *text;
    int n;

    if (!parse_status(win_value(r, "Status"), &st)) {
        ev->result_details = render_insertion(win_value(r, "FailureReason"));
        return;
    }
    if ((st == 0xC000006D || st == 0xC000006E) &&
        parse_status(win_value(r, "SubStatus"), &sub) && sub != 0)
        st = sub;
    text = code_text(win_statuses,
                     sizeof(win_statuses) / sizeof(win_statuses[0]), st);
    n = snprintf(tmp, sizeof(tmp), "%s (0x%08X)", text ? text : "Logon failure",
                 (unsigned)st);
    if (n > 0 && (size_t)n < sizeof(tmp))
        ev->result_details = event_scratch_copy(ev, tmp, (size_t)n);
}

/*
 * Map the neutral Windows record r to one event (see winrec.h).  r is
 * borrowed; ev's views point into r (valid until its next reset), into
 * the static tables of this file or into ev's scratch area.  Returns
 * PARSE_EVENT, PARSE_NONE for an event id that is not about sessions, or
 * -EBADMSG for a session event without an id, a user or a session id
 * that it needs.
 */
int
windows_map(const struct winrec *r, struct event *ev)
{
    const struct win_rule *rule;
    struct win_vals v;

    if (!r->has_event_id)
        return -EBADMSG;
    rule = find_rule(r);
    if (rule == NULL)
        return PARSE_NONE;
    for (int i = 0; i < _ROLE_MAX; i++)
        v.f[i] = win_value(r, rule->fields->name[i]);
    if ((rule->flags & WF_NEED_USER) && !strv_present(v.f[ROLE_USER]) &&
        !strv_present(v.f[ROLE_SID]))
        return -EBADMSG;
    if ((rule->flags & WF_NEED_ID) && !strv_present(v.f[ROLE_LOGON_ID]))
        return -EBADMSG;

    if (r->time_us != EVENT_TIME_UNSET)
        ev->time_us = r->time_us;
    if (strv_present(r->computer))
        ev->hostname = r->computer;
    if (strv_present(r->record_id))
        ev->record_id = r->record_id;
    ev->action = rule->action;
    ev->result = rule->result;
    ev->event_code = strv_from_cstr(rule->code);
    ev->admin = (rule->flags & WF_ADMIN) != 0;

    set_identity(ev, r, rule->flags, &v);
    set_session(ev, rule, &v, &v.loopback);
    if (rule->flags & WF_DETAIL)
        set_detail(ev, r);
    if (rule->flags & WF_STATUS)
        set_status(ev, r);
    /* 4624 type 7 (Unlock) / 13 (CachedUnlock): an unlock at the console,
     * or an RDP client reconnecting to its session when it came from a
     * remote address. */
    if ((rule->flags & WF_UNLOCK) &&
        (ev->logon_type == 7 || ev->logon_type == 13))
        ev->action = strv_present(ev->src_ip) && !v.loopback
                         ? EV_ACTION_RECONNECT
                         : EV_ACTION_UNLOCK;
    identity_type_user(ev);
    return PARSE_EVENT;
}
