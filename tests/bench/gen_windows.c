/*
 * gen_windows.c - write N Windows logon events in one wire form for the
 * benchmark: a deterministic mix of 4624 (logon types 2, 3, 5, 10), 4625,
 * 4634, 4672, 4688 (not a session event), and TerminalServices
 * LocalSessionManager 21/24/25, with the sizes real collectors see (a
 * 4624 in Event XML is about 1.5 KiB, with NXLog's Message about 3 KiB).
 *
 *   gen_windows xml|nxlog|openwec|winlogbeat|snare N > file
 *
 * Every form is rendered from the same event description, so the same N
 * events come out in each.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DATA_MAX 32

struct kv {
    const char *k;
    char v[96];
};

struct wev {
    unsigned id;
    const char *provider;
    const char *channel;
    char computer[64];
    char time[40]; /* 2024-03-14T13:54:19.3628662Z */
    unsigned long record;
    int n;
    struct kv d[DATA_MAX];
    int user_data;   /* data lives in UserData/EventXML */
    const char *msg; /* English opening sentence */
};

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint32_t
rnd(uint32_t n)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (uint32_t)((rng * 0x2545f4914f6cdd1dull) >> 33) % n;
}

static void
add(struct wev *e, const char *k, const char *fmt, unsigned long a)
{
    struct kv *kv = &e->d[e->n++];

    kv->k = k;
    snprintf(kv->v, sizeof(kv->v), fmt, a);
}

static void
adds(struct wev *e, const char *k, const char *v)
{
    struct kv *kv = &e->d[e->n++];

    kv->k = k;
    snprintf(kv->v, sizeof(kv->v), "%s", v);
}

static const char *const users[] = {"alice", "bob",           "svc_backup",
                                    "carol", "Administrator", "dave"};

static void
security_common(struct wev *e, const char *user, unsigned long logon)
{
    adds(e, "SubjectUserSid", "S-1-5-18");
    adds(e, "SubjectUserName", "WKS-0042$");
    adds(e, "SubjectDomainName", "CORP");
    adds(e, "SubjectLogonId", "0x3e7");
    add(e, "TargetUserSid", "S-1-5-21-1430380458-3079459327-630937868-%lu",
        1100 + (unsigned long)(user[0]));
    adds(e, "TargetUserName", user);
    adds(e, "TargetDomainName", "CORP");
    add(e, "TargetLogonId", "0x%lx", logon);
}

static void
make_event(struct wev *e, unsigned long i)
{
    const char *user = users[rnd(6)];
    unsigned long logon = 0x100000 + rnd(0xfffff);
    unsigned k = rnd(100), lt;

    memset(e, 0, sizeof(*e));
    e->provider = "Microsoft-Windows-Security-Auditing";
    e->channel = "Security";
    snprintf(e->computer, sizeof(e->computer), "WKS-%04u.corp.example",
             rnd(3000));
    snprintf(e->time, sizeof(e->time), "2024-03-%02luT%02lu:%02lu:%02lu.%07uZ",
             1 + i / 86400 % 28, i / 3600 % 24, i / 60 % 60, i % 60,
             rnd(10000000));
    e->record = 1000 + i;
    if (k < 40) {
        static const unsigned types[] = {2, 3, 3, 3, 5, 10};

        lt = types[rnd(6)];
        e->id = 4624;
        e->msg = "An account was successfully logged on.";
        security_common(e, user, logon);
        add(e, "LogonType", "%lu", lt);
        adds(e, "LogonProcessName", lt == 3 ? "Kerberos" : "User32 ");
        adds(e, "AuthenticationPackageName",
             lt == 3 ? "Kerberos" : "Negotiate");
        adds(e, "WorkstationName", "WKS-0042");
        adds(e, "LogonGuid", "{3f1c8a55-2a1e-4b7c-9d1a-5f0e2c7b9a11}");
        adds(e, "TransmittedServices", "-");
        adds(e, "LmPackageName", "-");
        adds(e, "KeyLength", "0");
        adds(e, "ProcessId", "0x2f4");
        adds(e, "ProcessName", "C:\\Windows\\System32\\lsass.exe");
        add(e, "IpAddress", "10.20.%lu.7", rnd(250));
        add(e, "IpPort", "%lu", 49152 + rnd(16000));
        adds(e, "ImpersonationLevel", "%%1833");
        adds(e, "RestrictedAdminMode", "-");
        adds(e, "VirtualAccount", "%%1843");
        adds(e, "TargetLinkedLogonId", "0x0");
        adds(e, "ElevatedToken", "%%1842");
    } else if (k < 55) {
        e->id = 4625;
        e->msg = "An account failed to log on.";
        security_common(e, user, 0);
        e->n -= 4; /* a failed logon has the NULL SID and no logon id */
        adds(e, "TargetUserSid", "S-1-0-0");
        adds(e, "TargetUserName", user);
        adds(e, "TargetDomainName", "CORP");
        adds(e, "Status", "0xc000006d");
        adds(e, "FailureReason", "%%2313");
        adds(e, "SubStatus", rnd(2) ? "0xc000006a" : "0xc0000064");
        adds(e, "LogonType", "3");
        adds(e, "LogonProcessName", "NtLmSsp ");
        adds(e, "AuthenticationPackageName", "NTLM");
        adds(e, "WorkstationName", "KALI");
        add(e, "IpAddress", "198.51.100.%lu", 1 + rnd(250));
        add(e, "IpPort", "%lu", 1024 + rnd(60000));
    } else if (k < 70) {
        e->id = 4634;
        e->msg = "An account was logged off.";
        add(e, "TargetUserSid", "S-1-5-21-1430380458-3079459327-630937868-%lu",
            1100 + (unsigned long)user[0]);
        adds(e, "TargetUserName", user);
        adds(e, "TargetDomainName", "CORP");
        add(e, "TargetLogonId", "0x%lx", logon);
        adds(e, "LogonType", "3");
    } else if (k < 78) {
        e->id = 4672;
        e->msg = "Special privileges assigned to new logon.";
        adds(e, "SubjectUserSid",
             "S-1-5-21-1430380458-3079459327-630937868-500");
        adds(e, "SubjectUserName", "Administrator");
        adds(e, "SubjectDomainName", "CORP");
        add(e, "SubjectLogonId", "0x%lx", logon);
        adds(e, "PrivilegeList",
             "SeSecurityPrivilege SeBackupPrivilege "
             "SeRestorePrivilege SeDebugPrivilege");
    } else if (k < 90) {
        e->id = 4688;
        e->msg = "A new process has been created.";
        security_common(e, user, logon);
        adds(e, "NewProcessId", "0x1a2c");
        adds(e, "NewProcessName", "C:\\Windows\\System32\\cmd.exe");
        adds(e, "TokenElevationType", "%%1936");
        adds(e, "CommandLine", "cmd.exe /c whoami");
    } else {
        static const unsigned lsm[] = {21, 24, 25};
        static const char *const lsm_msg[] = {
            "Remote Desktop Services: Session logon succeeded:",
            "Remote Desktop Services: Session has been disconnected:",
            "Remote Desktop Services: Session reconnection succeeded:"};
        unsigned j = rnd(3);

        e->id = lsm[j];
        e->msg = lsm_msg[j];
        e->provider = "Microsoft-Windows-TerminalServices-LocalSessionManager";
        e->channel = "Microsoft-Windows-TerminalServices-LocalSessionManager/"
                     "Operational";
        e->user_data = 1;
        adds(e, "User", "CORP\\");
        snprintf(e->d[0].v, sizeof(e->d[0].v), "CORP\\%s", user);
        add(e, "SessionID", "%lu", 2 + rnd(30));
        add(e, "Address", "10.30.%lu.9", rnd(250));
    }
}

static void
put_json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            putchar('\\');
        if (*s == '\r')
            fputs("\\r", stdout);
        else if (*s == '\n')
            fputs("\\n", stdout);
        else if (*s == '\t')
            fputs("\\t", stdout);
        else
            putchar(*s);
    }
    putchar('"');
}

/* Where a data field appears in the English message: section and label
 * (the message text of the Security events, as Event Viewer shows it). */
struct label {
    unsigned id; /* 0: any event */
    const char *name, *section, *label;
};

static const struct label labels[] = {
    {4625, "TargetUserSid", "Account For Which Logon Failed", "Security ID"},
    {4625, "TargetUserName", "Account For Which Logon Failed", "Account Name"},
    {4625, "TargetDomainName", "Account For Which Logon Failed",
     "Account Domain"},
    {4634, "TargetUserSid", "Subject", "Security ID"},
    {4634, "TargetUserName", "Subject", "Account Name"},
    {4634, "TargetDomainName", "Subject", "Account Domain"},
    {4634, "TargetLogonId", "Subject", "Logon ID"},
    {4634, "LogonType", "", "Logon Type"},
    {4688, "TargetUserSid", "Target Subject", "Security ID"},
    {4688, "TargetUserName", "Target Subject", "Account Name"},
    {4688, "TargetDomainName", "Target Subject", "Account Domain"},
    {4688, "TargetLogonId", "Target Subject", "Logon ID"},
    {0, "SubjectUserSid", "Subject", "Security ID"},
    {0, "SubjectUserName", "Subject", "Account Name"},
    {0, "SubjectDomainName", "Subject", "Account Domain"},
    {0, "SubjectLogonId", "Subject", "Logon ID"},
    {0, "LogonType", "Logon Information", "Logon Type"},
    {0, "RestrictedAdminMode", "Logon Information", "Restricted Admin Mode"},
    {0, "VirtualAccount", "Logon Information", "Virtual Account"},
    {0, "ElevatedToken", "Logon Information", "Elevated Token"},
    {0, "ImpersonationLevel", "", "Impersonation Level"},
    {0, "TargetUserSid", "New Logon", "Security ID"},
    {0, "TargetUserName", "New Logon", "Account Name"},
    {0, "TargetDomainName", "New Logon", "Account Domain"},
    {0, "TargetLogonId", "New Logon", "Logon ID"},
    {0, "TargetLinkedLogonId", "New Logon", "Linked Logon ID"},
    {0, "LogonGuid", "New Logon", "Logon GUID"},
    {0, "FailureReason", "Failure Information", "Failure Reason"},
    {0, "Status", "Failure Information", "Status"},
    {0, "SubStatus", "Failure Information", "Sub Status"},
    {0, "ProcessId", "Process Information", "Process ID"},
    {0, "ProcessName", "Process Information", "Process Name"},
    {0, "NewProcessId", "Process Information", "New Process ID"},
    {0, "NewProcessName", "Process Information", "New Process Name"},
    {0, "TokenElevationType", "Process Information", "Token Elevation Type"},
    {0, "CommandLine", "Process Information", "Process Command Line"},
    {0, "WorkstationName", "Network Information", "Workstation Name"},
    {0, "IpAddress", "Network Information", "Source Network Address"},
    {0, "IpPort", "Network Information", "Source Port"},
    {0, "LogonProcessName", "Detailed Authentication Information",
     "Logon Process"},
    {0, "AuthenticationPackageName", "Detailed Authentication Information",
     "Authentication Package"},
    {0, "TransmittedServices", "Detailed Authentication Information",
     "Transited Services"},
    {0, "LmPackageName", "Detailed Authentication Information",
     "Package Name (NTLM only)"},
    {0, "KeyLength", "Detailed Authentication Information", "Key Length"},
    {0, "PrivilegeList", "", "Privileges"},
    {0, "User", "", "User"},
    {0, "SessionID", "", "Session ID"},
    {0, "Address", "", "Source Network Address"},
};

/* Insertion strings as the rendered message spells them. */
static const char *
words(const char *v)
{
    static const char *const codes[][2] = {
        {"%%1833", "Impersonation"},
        {"%%1842", "Yes"},
        {"%%1843", "No"},
        {"%%2313", "Unknown user name or bad password."},
        {"%%1936", "TokenElevationTypeDefault (1)"}};

    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        if (strcmp(v, codes[i][0]) == 0)
            return codes[i][1];
    return v;
}

static const struct label *
label_of(unsigned id, const char *name)
{
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
        if ((labels[i].id == 0 || labels[i].id == id) &&
            strcmp(labels[i].name, name) == 0)
            return &labels[i];
    return NULL;
}

static const char *
value_of(const struct wev *e, const char *name)
{
    for (int i = 0; i < e->n; i++)
        if (strcmp(e->d[i].k, name) == 0)
            return e->d[i].v;
    return NULL;
}

/* The English message NXLog and Snare carry: "Label:\tvalue" lines grouped
 * under their section headings, in the order of the label table. */
static void
message(const struct wev *e, char *out, size_t cap, const char *nl)
{
    const char *section = NULL;
    size_t o = 0;

    o += (size_t)snprintf(out + o, cap - o, "%s%s", e->msg, nl);
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]) && o < cap; i++) {
        const struct label *l = &labels[i];
        const char *v = value_of(e, l->name);

        if (v == NULL || label_of(e->id, l->name) != l)
            continue;
        if (section == NULL || strcmp(l->section, section) != 0 ||
            l->section[0] == '\0') {
            section = l->section;
            o += (size_t)snprintf(out + o, cap - o, "%s%s%s", nl, section,
                                  section[0] ? ":" : "");
            if (section[0])
                o += (size_t)snprintf(out + o, cap - o, "%s", nl);
        }
        o += (size_t)snprintf(out + o, cap - o, "%s%s:\t\t%s%s",
                              section[0] ? "\t" : "", l->label, words(v), nl);
    }
    if (o < cap)
        snprintf(out + o, cap - o,
                 "%sThis event is generated when a logon session is "
                 "created. It is generated on the computer that was "
                 "accessed.",
                 nl);
}

static void
out_xml(const struct wev *e)
{
    printf("<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/"
           "event'><System><Provider Name='%s' "
           "Guid='{54849625-5478-4994-a5ba-3e3b0328c30d}'/><EventID>%u</"
           "EventID><Version>2</Version><Level>0</Level><Task>12544</"
           "Task><Opcode>0</Opcode><Keywords>0x8020000000000000</"
           "Keywords><TimeCreated SystemTime='%s'/><EventRecordID>%lu</"
           "EventRecordID><Correlation/><Execution ProcessID='780' "
           "ThreadID='2832'/><Channel>%s</Channel><Computer>%s</"
           "Computer><Security/></System>",
           e->provider, e->id, e->time, e->record, e->channel, e->computer);
    if (e->user_data) {
        fputs("<UserData><EventXML xmlns='Event_NS'>", stdout);
        for (int i = 0; i < e->n; i++)
            printf("<%s>%s</%s>", e->d[i].k, e->d[i].v, e->d[i].k);
        fputs("</EventXML></UserData></Event>\n", stdout);
        return;
    }
    fputs("<EventData>", stdout);
    for (int i = 0; i < e->n; i++)
        printf("<Data Name='%s'>%s</Data>", e->d[i].k, e->d[i].v);
    fputs("</EventData></Event>\n", stdout);
}

static void
out_nxlog(const struct wev *e)
{
    char msg[4096];

    printf("{\"EventTime\":\"%.10s %.8s\",\"Hostname\":\"%s\",\"Keywords\":"
           "-9214364837600034816,\"EventType\":\"AUDIT_SUCCESS\","
           "\"SeverityValue\":2,\"Severity\":\"INFO\",\"EventID\":%u,"
           "\"SourceName\":\"%s\",\"ProviderGuid\":\"{54849625-5478-4994-"
           "A5BA-3E3B0328C30D}\",\"Version\":2,\"Task\":12544,"
           "\"OpcodeValue\":0,\"RecordNumber\":%lu,\"ProcessID\":780,"
           "\"ThreadID\":2832,\"Channel\":\"%s\",",
           e->time, e->time + 11, e->computer, e->id, e->provider, e->record,
           e->channel);
    message(e, msg, sizeof(msg), "\r\n");
    fputs("\"Message\":", stdout);
    put_json_str(msg);
    for (int i = 0; i < e->n; i++) {
        printf(",\"%s\":", e->d[i].k);
        put_json_str(e->d[i].v);
    }
    fputs(",\"EventReceivedTime\":\"2024-03-14 13:54:20\","
          "\"SourceModuleName\":\"eventlog\",\"SourceModuleType\":"
          "\"im_msvistalog\"}\n",
          stdout);
}

static void
out_openwec(const struct wev *e)
{
    printf("{\"System\":{\"Provider\":{\"Name\":\"%s\",\"Guid\":"
           "\"{54849625-5478-4994-a5ba-3e3b0328c30d}\"},\"EventID\":%u,"
           "\"Version\":2,\"Level\":0,\"Task\":12544,\"Opcode\":0,"
           "\"Keywords\":\"0x8020000000000000\",\"TimeCreated\":"
           "{\"SystemTime\":\"%s\"},\"EventRecordID\":%lu,\"Execution\":"
           "{\"ProcessID\":780,\"ThreadID\":2832},\"Channel\":\"%s\","
           "\"Computer\":\"%s\"},",
           e->provider, e->id, e->time, e->record, e->channel, e->computer);
    if (e->user_data) {
        char xml[1024];
        size_t o = 0;

        o += (size_t)snprintf(xml, sizeof(xml), "<EventXML xmlns='Event_NS'>");
        for (int i = 0; i < e->n && o < sizeof(xml); i++)
            o += (size_t)snprintf(xml + o, sizeof(xml) - o, "<%s>%s</%s>",
                                  e->d[i].k, e->d[i].v, e->d[i].k);
        if (o < sizeof(xml))
            snprintf(xml + o, sizeof(xml) - o, "</EventXML>");
        fputs("\"UserData\":", stdout);
        put_json_str(xml);
    } else {
        fputs("\"EventData\":{", stdout);
        for (int i = 0; i < e->n; i++) {
            printf("%s\"%s\":", i ? "," : "", e->d[i].k);
            put_json_str(e->d[i].v);
        }
        fputs("}", stdout);
    }
    printf(",\"OpenWEC\":{\"IpAddress\":\"192.0.2.44\",\"TimeReceived\":"
           "\"2024-03-14T13:54:20.1234567+00:00\",\"Principal\":\"%s@CORP."
           "EXAMPLE\",\"Subscription\":{\"Uuid\":\"8c1f1f5e-4d5b-4a6f-9a2e-"
           "3b7c1d9e0f21\",\"Version\":\"1\",\"Name\":\"logons\"}}}\n",
           e->computer);
}

static void
out_winlogbeat(const struct wev *e)
{
    printf("{\"@timestamp\":\"%.23sZ\",\"event\":{\"code\":\"%u\",\"kind\":"
           "\"event\",\"provider\":\"%s\"},\"host\":{\"name\":\"%s\"},"
           "\"winlog\":{\"channel\":\"%s\",\"computer_name\":\"%s\","
           "\"event_id\":\"%u\",\"provider_name\":\"%s\",\"record_id\":%lu,"
           "\"process\":{\"pid\":780,\"thread\":{\"id\":2832}},\"%s\":{",
           e->time, e->id, e->provider, e->computer, e->channel, e->computer,
           e->id, e->provider, e->record,
           e->user_data ? "user_data" : "event_data");
    for (int i = 0; i < e->n; i++) {
        printf("%s\"%s\":", i ? "," : "", e->d[i].k);
        put_json_str(e->d[i].v);
    }
    printf("}},\"agent\":{\"type\":\"winlogbeat\",\"version\":\"8.12.0\"},"
           "\"ecs\":{\"version\":\"8.0.0\"}}\n");
}

/* Snare's local-time column, "Thu Mar 14 13:54:19 2024", from the event's
 * time (the generator's events are all in March 2024; March 1 was a
 * Friday). */
static void
snare_time(const struct wev *e, char *out, size_t cap)
{
    static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed",
                                     "Thu", "Fri", "Sat"};
    int day = (int)strtol(e->time + 8, NULL, 10);

    snprintf(out, cap, "%s Mar %2d %.8s 2024", wd[(5 + day - 1) % 7], day,
             e->time + 11);
}

static void
out_snare(const struct wev *e)
{
    char msg[4096], when[32];
    int day = (int)strtol(e->time + 8, NULL, 10);

    message(e, msg, sizeof(msg), "   ");
    for (char *p = msg; *p; p++)
        if (*p == '\t')
            *p = ' ';
    snare_time(e, when, sizeof(when));
    printf("<14>Mar %2d %.8s %s MSWinEventLog\t1\t%s\t%lu\t%s\t%u\t%s\tN/A\t"
           "N/A\t%s\t%s\tLogon\t\t%s\t%lu\n",
           day, e->time + 11, e->computer, e->channel, e->record, when, e->id,
           e->provider, e->id == 4625 ? "Failure Audit" : "Success Audit",
           e->computer, msg, e->record % 97);
}

int
main(int argc, char **argv)
{
    static const struct {
        const char *name;
        void (*out)(const struct wev *);
    } forms[] = {{"xml", out_xml},
                 {"nxlog", out_nxlog},
                 {"openwec", out_openwec},
                 {"winlogbeat", out_winlogbeat},
                 {"snare", out_snare}};
    unsigned long n;
    struct wev e;

    if (argc != 3) {
        fprintf(stderr, "usage: gen_windows xml|nxlog|openwec|winlogbeat|"
                        "snare N\n");
        return 64;
    }
    n = strtoul(argv[2], NULL, 10);
    for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
        if (strcmp(argv[1], forms[f].name) != 0)
            continue;
        for (unsigned long i = 0; i < n; i++) {
            make_event(&e, i);
            forms[f].out(&e);
        }
        return 0;
    }
    fprintf(stderr, "gen_windows: unknown form %s\n", argv[1]);
    return 64;
}
