/*
 * wintext.c - Windows event messages as English text: the section reader
 * shared by the Snare parser, and the "windows-text" parser for NXLog's
 * to_syslog_bsd output (xm_syslog), where only the rendered message is
 * left:
 *
 *   <13>Mar 14 13:54:19 WKS10001 Microsoft-Windows-Security-Auditing[780]:
 *   An account was successfully logged on.  Subject:  Security ID:  S-1-0-0
 *   ...  New Logon:  Security ID:  S-1-5-21-1-2-3-1104  Account Name:
 *   alice  ...  Network Information:  Source Network Address:  192.0.2.7
 *
 * The message texts are those of the Security auditing, TerminalServices
 * LocalSessionManager and RemoteConnectionManager manifests as Microsoft
 * documents them (learn.microsoft.com, "4624(S): An account was
 * successfully logged on." and siblings): a title sentence that names the
 * event, then "Label:<TAB><TAB>value" lines grouped under section lines
 * ("New Logon:").  The title gives the event id (NXLog's to_syslog_bsd
 * keeps no EventID); a table of (section, label) gives the EventData name
 * windows_map() expects.  A few events put the same labels under another
 * heading (4634's "Subject" is the account logged off, XML TargetUserName;
 * 4778's "Subject" is AccountName): a per-event section alias says so.
 *
 * Layouts: Windows writes CR LF and tabs; Snare and NXLog replace each by
 * a space, so pairs are separated by runs of two or more spaces; some
 * relays squeeze runs to one space, and then labels are found by name.
 * Pure, allocation-free: field values are views into the message.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "parser.h"
#include "timeparse.h"
#include "winrec.h"
#include "wintext.h"

/* Digits of a session number in the LSM 39/40 sentences. */
#define WINTEXT_NUM_MAX 10

/* A string literal and its length, for the tables. */
#define TXT(s) s, sizeof(s) - 1

#define SEC_AUDIT "Microsoft-Windows-Security-Auditing"
#define LSM "Microsoft-Windows-TerminalServices-LocalSessionManager"
#define RCM "Microsoft-Windows-TerminalServices-RemoteConnectionManager"

/* Titles of the session events (DESIGN 2), first sentence of each. */
static const struct wintext_title wintext_titles[] = {
    {TXT("An account was successfully logged on."), 4624, SEC_AUDIT,
     "Security"},
    {TXT("An account failed to log on."), 4625, SEC_AUDIT, "Security"},
    {TXT("An account was logged off."), 4634, SEC_AUDIT, "Security"},
    {TXT("User initiated logoff:"), 4647, SEC_AUDIT, "Security"},
    {TXT("A logon was attempted using explicit credentials."), 4648, SEC_AUDIT,
     "Security"},
    {TXT("Special privileges assigned to new logon."), 4672, SEC_AUDIT,
     "Security"},
    {TXT("A session was reconnected to a Window Station."), 4778, SEC_AUDIT,
     "Security"},
    {TXT("A session was disconnected from a Window Station."), 4779, SEC_AUDIT,
     "Security"},
    {TXT("The workstation was locked."), 4800, SEC_AUDIT, "Security"},
    {TXT("The workstation was unlocked."), 4801, SEC_AUDIT, "Security"},
    {TXT("The screen saver was invoked."), 4802, SEC_AUDIT, "Security"},
    {TXT("The screen saver was dismissed."), 4803, SEC_AUDIT, "Security"},
    {TXT("Windows is starting up."), 4608, SEC_AUDIT, "Security"},
    {TXT("The event logging service has shut down."), 1100,
     "Microsoft-Windows-Eventlog", "Security"},
    {TXT("Remote Desktop Services: Session logon succeeded:"), 21, LSM,
     LSM "/Operational"},
    {TXT("Remote Desktop Services: Shell start notification received:"), 22,
     LSM, LSM "/Operational"},
    {TXT("Remote Desktop Services: Session logoff succeeded:"), 23, LSM,
     LSM "/Operational"},
    {TXT("Remote Desktop Services: Session has been disconnected:"), 24, LSM,
     LSM "/Operational"},
    {TXT("Remote Desktop Services: Session reconnection succeeded:"), 25, LSM,
     LSM "/Operational"},
    {TXT("Remote Desktop Services: User authentication succeeded:"), 1149, RCM,
     RCM "/Operational"},
};

/*
 * LSM 39 and 40 have no labels: "Session 3 has been disconnected by
 * session 1", "Session 2 has been disconnected, reason code 5".  Each is
 * "Session N<middle>M" with N and M put under the UserData names.
 */
static const struct {
    const char *middle;
    uint32_t event_id;
    const char *first, *second;
} wintext_sentences[] = {
    {" has been disconnected by session ", 39, "TargetSession", "Source"},
    {" has been disconnected, reason code ", 40, "Session", "Reason"},
};

static const struct wintext_title wintext_lsm_39 = {TXT("Session "), 39, LSM,
                                                    LSM "/Operational"};
static const struct wintext_title wintext_lsm_40 = {TXT("Session "), 40, LSM,
                                                    LSM "/Operational"};

enum wt_section {
    WT_TOP = 0, /* before any section line */
    WT_SUBJECT,
    WT_NEW_LOGON,
    WT_FAILED_ACCOUNT,
    WT_LOGON_INFO,
    WT_NETWORK,
    WT_AUTH,
    WT_FAILURE,
    WT_CREDS,
    WT_TARGET_SERVER,
    WT_SESSION,
    WT_ADDITIONAL,
    WT_PROCESS,
    WT_LSM, /* LocalSessionManager labels (no sections) */
    WT_RCM, /* RemoteConnectionManager 1149 labels */
    WT_ANY, /* label table only: in whatever section */
    _WT_SECTION_MAX,
};

/* Section lines, as Windows writes them (without the colon). */
static const struct {
    const char *name;
    size_t len;
    enum wt_section section;
} wintext_sections[] = {
    {TXT("Subject"), WT_SUBJECT},
    {TXT("New Logon"), WT_NEW_LOGON},
    {TXT("Account For Which Logon Failed"), WT_FAILED_ACCOUNT},
    {TXT("Logon Information"), WT_LOGON_INFO},
    {TXT("Network Information"), WT_NETWORK},
    {TXT("Detailed Authentication Information"), WT_AUTH},
    {TXT("Failure Information"), WT_FAILURE},
    {TXT("Account Whose Credentials Were Used"), WT_CREDS},
    {TXT("Target Server"), WT_TARGET_SERVER},
    {TXT("Session"), WT_SESSION},
    {TXT("Additional Information"), WT_ADDITIONAL},
    {TXT("Process Information"), WT_PROCESS},
};

/* Events whose labels sit under another heading than 4624's. */
static const struct {
    uint32_t event_id;
    enum wt_section from, to;
} wintext_aliases[] = {
    /* the "Subject" of a logoff or lock is the account it is about */
    {4634, WT_SUBJECT, WT_NEW_LOGON},
    {4647, WT_SUBJECT, WT_NEW_LOGON},
    {4800, WT_SUBJECT, WT_NEW_LOGON},
    {4801, WT_SUBJECT, WT_NEW_LOGON},
    {4802, WT_SUBJECT, WT_NEW_LOGON},
    {4803, WT_SUBJECT, WT_NEW_LOGON},
    /* 4778/4779: AccountName, AccountDomain, LogonID */
    {4778, WT_SUBJECT, WT_SESSION},
    {4779, WT_SUBJECT, WT_SESSION},
    {21, WT_TOP, WT_LSM},
    {22, WT_TOP, WT_LSM},
    {23, WT_TOP, WT_LSM},
    {24, WT_TOP, WT_LSM},
    {25, WT_TOP, WT_LSM},
    {1149, WT_TOP, WT_RCM},
};

/*
 * (section, label) -> EventData name of the XML form.  A NULL name is a
 * label we know but do not keep (it still ends the value before it).
 */
static const struct {
    enum wt_section section;
    const char *label;
    size_t len;
    const char *name;
} wintext_labels[] = {
    {WT_SUBJECT, TXT("Security ID"), "SubjectUserSid"},
    {WT_SUBJECT, TXT("Account Name"), "SubjectUserName"},
    {WT_SUBJECT, TXT("Account Domain"), "SubjectDomainName"},
    {WT_SUBJECT, TXT("Logon ID"), "SubjectLogonId"},
    {WT_SUBJECT, TXT("Logon GUID"), "LogonGuid"},
    {WT_ANY, TXT("Logon Type"), "LogonType"},
    {WT_ANY, TXT("Impersonation Level"), "ImpersonationLevel"},
    {WT_ANY, TXT("Privileges"), "PrivilegeList"},
    {WT_LOGON_INFO, TXT("Restricted Admin Mode"), "RestrictedAdminMode"},
    {WT_LOGON_INFO, TXT("Remote Credential Guard"), "RemoteCredentialGuard"},
    {WT_LOGON_INFO, TXT("Virtual Account"), "VirtualAccount"},
    {WT_LOGON_INFO, TXT("Elevated Token"), "ElevatedToken"},
    {WT_NEW_LOGON, TXT("Security ID"), "TargetUserSid"},
    {WT_NEW_LOGON, TXT("Account Name"), "TargetUserName"},
    {WT_NEW_LOGON, TXT("Account Domain"), "TargetDomainName"},
    {WT_NEW_LOGON, TXT("Logon ID"), "TargetLogonId"},
    {WT_NEW_LOGON, TXT("Linked Logon ID"), "TargetLinkedLogonId"},
    {WT_NEW_LOGON, TXT("Network Account Name"), "TargetOutboundUserName"},
    {WT_NEW_LOGON, TXT("Network Account Domain"), "TargetOutboundDomainName"},
    {WT_NEW_LOGON, TXT("Logon GUID"), "LogonGuid"},
    {WT_NEW_LOGON, TXT("Session ID"), "SessionId"},
    {WT_FAILED_ACCOUNT, TXT("Security ID"), "TargetUserSid"},
    {WT_FAILED_ACCOUNT, TXT("Account Name"), "TargetUserName"},
    {WT_FAILED_ACCOUNT, TXT("Account Domain"), "TargetDomainName"},
    {WT_FAILURE, TXT("Failure Reason"), "FailureReason"},
    {WT_FAILURE, TXT("Status"), "Status"},
    {WT_FAILURE, TXT("Sub Status"), "SubStatus"},
    {WT_PROCESS, TXT("Process ID"), "ProcessId"},
    {WT_PROCESS, TXT("Process Name"), "ProcessName"},
    {WT_PROCESS, TXT("Caller Process ID"), "ProcessId"},
    {WT_PROCESS, TXT("Caller Process Name"), "ProcessName"},
    {WT_NETWORK, TXT("Workstation Name"), "WorkstationName"},
    {WT_NETWORK, TXT("Source Network Address"), "IpAddress"},
    {WT_NETWORK, TXT("Source Port"), "IpPort"},
    {WT_NETWORK, TXT("Network Address"), "IpAddress"},
    {WT_NETWORK, TXT("Port"), "IpPort"},
    {WT_AUTH, TXT("Logon Process"), "LogonProcessName"},
    {WT_AUTH, TXT("Authentication Package"), "AuthenticationPackageName"},
    {WT_AUTH, TXT("Transited Services"), "TransmittedServices"},
    {WT_AUTH, TXT("Package Name (NTLM only)"), "LmPackageName"},
    {WT_AUTH, TXT("Key Length"), "KeyLength"},
    {WT_CREDS, TXT("Account Name"), "TargetUserName"},
    {WT_CREDS, TXT("Account Domain"), "TargetDomainName"},
    {WT_CREDS, TXT("Logon GUID"), "TargetLogonGuid"},
    {WT_TARGET_SERVER, TXT("Target Server Name"), "TargetServerName"},
    {WT_TARGET_SERVER, TXT("Additional Information"), "TargetInfo"},
    {WT_SESSION, TXT("Account Name"), "AccountName"},
    {WT_SESSION, TXT("Account Domain"), "AccountDomain"},
    {WT_SESSION, TXT("Logon ID"), "LogonID"},
    {WT_SESSION, TXT("Session Name"), "SessionName"},
    {WT_ADDITIONAL, TXT("Client Name"), "ClientName"},
    {WT_ADDITIONAL, TXT("Client Address"), "ClientAddress"},
    {WT_LSM, TXT("User"), "User"},
    {WT_LSM, TXT("Session ID"), "SessionID"},
    {WT_LSM, TXT("Source Network Address"), "Address"},
    {WT_RCM, TXT("User"), "Param1"},
    {WT_RCM, TXT("Domain"), "Param2"},
    {WT_RCM, TXT("Source Network Address"), "Param3"},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The reader's position: one pending label waiting for its value. */
struct wt_reader {
    const char *start, *end; /* the text after the title */
    const char *floor;       /* just after the last label's colon */
    enum wt_section section;
    uint32_t event_id;
    struct strv label;  /* pending label; p == NULL: none */
    const char *vstart; /* where its value starts */
    struct winrec *r;
    bool only_missing; /* keep fields r already has */
    size_t first;      /* r->data[first..]: the fields read from this text */
    int added;
    size_t hint; /* label table index after the last match */
};

static bool
is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A separator between pairs: a tab or line end, or a second blank. */
static bool
is_hard(char c)
{
    return c == '\t' || c == '\r' || c == '\n';
}

static struct strv
trim(const char *s, const char *e)
{
    while (s < e && is_ws(*s))
        s++;
    while (e > s && is_ws(e[-1]))
        e--;
    return strv_make(s, (size_t)(e - s));
}

/* v equals the n bytes at s (first byte checked before memcmp). */
static bool
eq_len(struct strv v, const char *s, size_t n)
{
    return v.n == n && (n == 0 || (v.p[0] == s[0] && memcmp(v.p, s, n) == 0));
}

/*
 * The title msg starts with (leading blanks skipped), or NULL.  The LSM
 * 39/40 sentences count as titles too (they are the whole message).
 */
const struct wintext_title *
wintext_title_find(struct strv msg)
{
    struct strv t;

    if (msg.n == 0)
        return NULL;
    t = trim(msg.p, msg.p + msg.n);

    for (size_t i = 0; i < NELEM(wintext_titles); i++)
        if (t.n >= wintext_titles[i].len &&
            t.p[0] == wintext_titles[i].text[0] &&
            memcmp(t.p, wintext_titles[i].text, wintext_titles[i].len) == 0)
            return &wintext_titles[i];
    if (!strv_starts_with(t, "Session "))
        return NULL;
    for (size_t i = 0; i < NELEM(wintext_sentences); i++) {
        const char *m = wintext_sentences[i].middle;
        size_t mn = strlen(m), k = 8;

        while (k < t.n && k < 8 + WINTEXT_NUM_MAX &&
               (unsigned)(t.p[k] - '0') <= 9)
            k++;
        if (k > 8 && t.n - k > mn && memcmp(t.p + k, m, mn) == 0)
            return wintext_sentences[i].event_id == 39 ? &wintext_lsm_39
                                                       : &wintext_lsm_40;
    }
    return NULL;
}

/* The index of r's field called name, or -1. */
static int
field_of(const struct winrec *r, const char *name)
{
    size_t n = strlen(name);

    for (size_t i = 0; i < r->n_data; i++)
        if (eq_len(r->data[i].name, name, n))
            return (int)i;
    return -1;
}

/* True when r already holds a field called name. */
static bool
has_name(const struct winrec *r, const char *name)
{
    return field_of(r, name) >= 0;
}

/* Add name=v unless v is empty or (only_missing) r has it; 1 if added. */
static int
add_field(struct winrec *r, const char *name, struct strv v, bool only_missing)
{
    if (v.n == 0 || (only_missing && has_name(r, name)))
        return 0;
    return winrec_add(r, strv_from_cstr(name), v) == 0;
}

/* Digits at p (the numbers of the LSM 39/40 sentences). */
static struct strv
lead_digits(const char *p, const char *e)
{
    const char *s = p;

    while (p < e && p - s < WINTEXT_NUM_MAX && (unsigned)(*p - '0') <= 9)
        p++;
    return strv_make(s, (size_t)(p - s));
}

/* LSM 39/40: "Session N<middle>M" -> two fields.  Returns fields added. */
static int
read_sentence(struct strv t, uint32_t event_id, bool only_missing,
              struct winrec *r)
{
    const char *e = t.p + t.n;

    for (size_t i = 0; i < NELEM(wintext_sentences); i++) {
        const char *m = wintext_sentences[i].middle;
        struct strv n1, n2;
        size_t mn = strlen(m);

        if (wintext_sentences[i].event_id != event_id || t.n < 8)
            continue;
        n1 = lead_digits(t.p + 8, e);
        if (n1.n == 0 || (size_t)(e - (n1.p + n1.n)) < mn ||
            memcmp(n1.p + n1.n, m, mn) != 0)
            return 0;
        n2 = lead_digits(n1.p + n1.n + mn, e);
        return add_field(r, wintext_sentences[i].first, n1, only_missing) +
               add_field(r, wintext_sentences[i].second, n2, only_missing);
    }
    return 0;
}

static int
section_of(struct strv label)
{
    for (size_t i = 0; i < NELEM(wintext_sections); i++)
        if (eq_len(label, wintext_sections[i].name, wintext_sections[i].len))
            return (int)wintext_sections[i].section;
    return -1;
}

static enum wt_section
alias(uint32_t event_id, enum wt_section s)
{
    for (size_t i = 0; i < NELEM(wintext_aliases); i++)
        if (wintext_aliases[i].event_id == event_id &&
            wintext_aliases[i].from == s)
            return wintext_aliases[i].to;
    return s;
}

/* The EventData name of label in section s, or NULL. */
static bool
label_matches(size_t i, enum wt_section s, struct strv label)
{
    return (wintext_labels[i].section == s ||
            wintext_labels[i].section == WT_ANY) &&
           eq_len(label, wintext_labels[i].label, wintext_labels[i].len);
}

/*
 * The EventData name of a label in section s.  Messages list their labels
 * in the order of the table, so the search starts after the last match
 * and usually hits at once; a section-specific entry wins over a WT_ANY
 * one wherever it stands.
 */
static const char *
name_of(struct wt_reader *rd, enum wt_section s, struct strv label)
{
    const size_t n = NELEM(wintext_labels);
    const char *any = NULL;

    for (size_t k = 0, i = rd->hint < n ? rd->hint : 0; k < n;
         k++, i = i + 1 < n ? i + 1 : 0) {
        if (!label_matches(i, s, label))
            continue;
        if (wintext_labels[i].section == s) {
            rd->hint = i + 1;
            return wintext_labels[i].name;
        }
        any = wintext_labels[i].name;
    }
    return any;
}

/* True when v ends with the word(s) s, on a word boundary. */
static bool
ends_with_word(struct strv v, const char *s, size_t n)
{
    return v.n >= n && memcmp(v.p + v.n - n, s, n) == 0 &&
           (v.n == n || v.p[v.n - n - 1] == ' ');
}

/*
 * Single-spaced text ("S-1-5-18 Account Name:"): the longest known label
 * or section name that ends t on a word boundary, or an empty view.
 */
static struct strv
known_suffix(struct strv t)
{
    struct strv best = STRV_NULL;

    for (size_t i = 0; i < NELEM(wintext_labels); i++) {
        size_t n = wintext_labels[i].len;

        if (n > best.n && ends_with_word(t, wintext_labels[i].label, n))
            best = strv_make(t.p + t.n - n, n);
    }
    for (size_t i = 0; i < NELEM(wintext_sections); i++) {
        size_t n = wintext_sections[i].len;

        if (n > best.n && ends_with_word(t, wintext_sections[i].name, n))
            best = strv_make(t.p + t.n - n, n);
    }
    return best;
}

/*
 * The label that ends at colon c, or an empty view.  Walking back from c
 * (at most WINTEXT_LABEL_MAX bytes, never before the last label's colon):
 * a separator (tab, line end, two blanks, or the start of the text) before
 * it means the whole run is the label; otherwise the text is single-spaced
 * and only a known label name counts.
 */
static struct strv
label_before(const struct wt_reader *rd, const char *c)
{
    const char *lo = rd->floor, *q = c;
    bool at_sep = false;

    if (c - lo > WINTEXT_LABEL_MAX + 1)
        lo = c - WINTEXT_LABEL_MAX - 1;
    while (q > lo) {
        if (is_hard(q[-1]) || (q[-1] == ' ' && q - 1 > lo && is_ws(q[-2]))) {
            at_sep = true;
            break;
        }
        q--;
    }
    if (q == rd->start)
        at_sep = true;
    if (at_sep) {
        struct strv t = trim(q, c);

        return t.n <= WINTEXT_LABEL_MAX ? t : STRV_NULL;
    }
    return known_suffix(trim(q, c));
}

/* Where the explanation after the pairs starts in single-spaced text. */
static const char wintext_prose[] = " This event ";

/*
 * The value of the pending label: up to a separator, the next label, or
 * (single-spaced text) the explanation sentence after the last pair.
 */
static struct strv
value_until(const char *s, const char *next)
{
    const size_t pn = sizeof(wintext_prose) - 1;
    const char *p = s;

    while (p < next && !is_hard(*p)) {
        if (*p == ' ' && p + 1 < next &&
            (is_ws(p[1]) ||
             ((size_t)(next - p) >= pn && memcmp(p, wintext_prose, pn) == 0)))
            break;
        p++;
    }
    return trim(s, p);
}

static void
finish_clear(struct wt_reader *rd)
{
    rd->label = STRV_NULL;
}

/* Settle the pending label now that the next one starts at next. */
static void
finish_pending(struct wt_reader *rd, const char *next)
{
    struct strv v;
    const char *name;
    int s;

    if (rd->label.p == NULL)
        return;
    while (rd->vstart < next && is_ws(*rd->vstart))
        rd->vstart++;
    v = rd->vstart < next ? value_until(rd->vstart, next) : STRV_NULL;
    if (v.n == 0 && (s = section_of(rd->label)) >= 0) {
        rd->section = alias(rd->event_id, (enum wt_section)s);
    } else if ((name = name_of(rd, rd->section, rd->label)) != NULL) {
        int i = field_of(rd->r, name);

        if (i >= 0 && (size_t)i < rd->first) { /* only_missing: kept */
            finish_clear(rd);
            return;
        }
        if (i >= 0) {
            /* Windows writes each label once per event: a second one
             * came inside a value the client chose (a 4625's user name,
             * an NTLM workstation name: "KALI   Source Network Address:
             * 6.6.6.6").  Which one is real cannot be told, so the field
             * is kept empty, never the forged value (DESIGN 9). */
            rd->r->data[i].value = STRV_NULL;
        } else if (winrec_add(rd->r, strv_from_cstr(name), v) == 0) {
            rd->added++;
        }
    }
    rd->label = STRV_NULL;
}

/*
 * Every ':' followed by a blank (or the end) may end a label; values run
 * to the next separator.  memchr finds the colons, so the prose after the
 * pairs costs little.
 */
static int
read_pairs(struct strv msg, uint32_t event_id, bool only_missing,
           struct winrec *r)
{
    const struct wintext_title *t = wintext_title_find(msg);
    struct wt_reader rd = {0};
    struct strv body;
    const char *c;

    if (msg.n == 0)
        return 0;
    body = trim(msg.p, msg.p + msg.n);

    if (t != NULL && t->event_id != 39 && t->event_id != 40) {
        size_t n = t->len;

        body = strv_make(body.p + n, body.n - n);
    } else if (t != NULL) {
        return read_sentence(body, event_id, only_missing, r);
    }
    rd.only_missing = only_missing;
    rd.first = r->n_data;
    rd.start = rd.floor = body.p;
    rd.end = body.p + body.n;
    rd.event_id = event_id;
    rd.section = alias(event_id, WT_TOP);
    rd.r = r;
    c = rd.start;
    while (c < rd.end && (c = memchr(c, ':', (size_t)(rd.end - c))) != NULL) {
        struct strv label;

        if (c + 1 < rd.end && !is_ws(c[1])) {
            c++;
            continue;
        }
        label = label_before(&rd, c);
        if (label.n > 0) {
            finish_pending(&rd, label.p);
            rd.label = label;
            rd.vstart = c + 1;
            rd.floor = c + 1;
        }
        c++;
    }
    finish_pending(&rd, rd.end);
    return rd.added;
}

/* Read the "Label: value" pairs of msg into r (see wintext.h). */
int
wintext_read(struct strv msg, uint32_t event_id, struct winrec *r)
{
    return read_pairs(msg, event_id, false, r);
}

/* The same, keeping the fields r already has (see wintext.h). */
int
wintext_read_missing(struct strv msg, uint32_t event_id, struct winrec *r)
{
    return read_pairs(msg, event_id, true, r);
}

static bool
is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/*
 * Microseconds since the epoch of a civil date and time taken as UTC
 * (time_days_from_civil).  Returns false, *ret untouched, when a
 * part is out of range or the day does not exist.
 */
bool
wintext_civil_us(const struct wintext_tm *tm, int64_t *ret)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t y = tm->year, days;
    int m = tm->mon;

    if (tm->year < 1601 || tm->year > 9999 || m < 1 || m > 12 || tm->day < 1 ||
        tm->day > dim[m - 1] + (m == 2 && is_leap(tm->year)) || tm->hour > 23 ||
        tm->min > 59 || tm->sec > 60 || tm->hour < 0 || tm->min < 0 ||
        tm->sec < 0 || tm->usec < 0 || tm->usec > 999999)
        return false;
    days = time_days_from_civil(y, m, tm->day);
    *ret = ((days * 86400 + tm->hour * 3600 + tm->min * 60 + tm->sec) *
                INT64_C(1000000) +
            tm->usec);
    return true;
}

/* Programs (the syslog TAG NXLog writes: $SourceName) routed here. */
static const char *const wintext_programs[] = {
    SEC_AUDIT, "Security-Auditing",          LSM,
    RCM,       "Microsoft-Windows-Eventlog", NULL,
};

/*
 * NXLog to_syslog_bsd: the header gives host and time, the title gives the
 * event, the pairs give the data.  A message that is no session event's
 * (4688 "A new process has been created.") is no event.
 */
static int
wintext_parse(const struct envelope *env, struct event *ev, void *state)
{
    struct win_state *st = state;
    struct winrec *r = &st->rec;
    const struct wintext_title *t = wintext_title_find(env->msg);

    if (t == NULL)
        return PARSE_NONE;
    winrec_reset(r);
    r->event_id = t->event_id;
    r->has_event_id = true;
    r->provider = strv_from_cstr(t->provider);
    r->channel = strv_from_cstr(t->channel);
    r->computer = env->hostname;
    r->process_id = env->pid;
    r->time_us = env->time_us;
    wintext_read(env->msg, t->event_id, r);
    return windows_map(r, ev);
}

const struct parser_ops parser_wintext_ops = {
    .name = "windows-text",
    .programs = wintext_programs,
    .state_new = win_state_new,
    .state_free = win_state_free,
    .parse = wintext_parse,
};
