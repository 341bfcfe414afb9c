/*
 * nxlog.c - NXLog im_msvistalog events written with to_json(), decoded
 * into the neutral Windows record (winrec.h).
 *
 * Format: https://docs.nxlog.co/refman/current/im/msvistalog.html#fields
 * (Enterprise) and the Community Edition reference manual's
 * im_msvistalog section.  One flat object: the System part under NXLog's
 * names, then every EventData value under its own name:
 *
 *   {"EventTime":"2024-03-14 10:02:11","Hostname":"WKS01.corp.example",
 *    "EventID":4624,"SourceName":"Microsoft-Windows-Security-Auditing",
 *    "Channel":"Security","RecordNumber":8812,"ExecutionProcessID":640,
 *    "TargetUserName":"alice","LogonType":"2","Message":"An account ..."}
 *
 * Spellings accepted: EventTime as "Y-m-d H:M:S" in the sender's local
 * time (the record's zone offset is applied) or RFC 3339 (OpenWEC's
 * "Nxlog" format, NXLog Enterprise with a date format set); EventID and
 * RecordNumber as numbers or strings; ProcessID (CE, OpenWEC) or
 * ExecutionProcessID (Enterprise) for the System process id; Channel in
 * any case (passed on as written).  AccountName, Domain and AccountType
 * are NXLog's names for the System UserID when UserID is there; without
 * it they are event data (4778 and 4779 carry an AccountName of their
 * own).  Keys added on the way (Logstash "@timestamp", "host", "tags",
 * OpenWEC's "OpenWEC" object) are not data.
 *
 * TerminalServices events: NXLog does not flatten UserData, so their
 * user, session id and address survive only in the English Message
 * ("User: CORP\\alice\r\nSession ID: 2\r\nSource Network Address: ...");
 * those lines are read back into the names the Event XML uses (User,
 * SessionID, Address; Param1..3 for RemoteConnectionManager 1149).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "winjson.h"
#include "winrec.h"

enum nx_key {
    NX_DATA = 0, /* not a system key: event data */
    NX_IGNORE,
    NX_ACCOUNT, /* system when UserID is present, data otherwise */
    NX_CHANNEL,
    NX_EVENT_ID,
    NX_EVENT_TIME,
    NX_HOSTNAME,
    NX_MESSAGE,
    NX_PROCESS_ID,
    NX_RECORD_NUMBER,
    NX_SOURCE_NAME,
    NX_USER_DATA,
    NX_USER_ID,
};

#define NX_SYS(name, key)                                                      \
    {                                                                          \
        name, sizeof(name) - 1, key                                            \
    }

/* NXLog's own fields and what transports add (Logstash "@timestamp",
 * "host"...; OpenWEC's "OpenWEC").  Matched by length first: most keys
 * of an event are data and are rejected without a string compare. */
static const struct nx_sys {
    const char *name;
    size_t len;
    enum nx_key key;
} nx_sys[] = {
    NX_SYS("@timestamp", NX_IGNORE),
    NX_SYS("@version", NX_IGNORE),
    NX_SYS("AccountName", NX_ACCOUNT),
    NX_SYS("AccountType", NX_ACCOUNT),
    NX_SYS("ActivityID", NX_IGNORE),
    NX_SYS("Category", NX_IGNORE),
    NX_SYS("Channel", NX_CHANNEL),
    NX_SYS("Domain", NX_ACCOUNT),
    NX_SYS("ERROR_EVT_UNRESOLVED", NX_IGNORE),
    NX_SYS("EventData", NX_IGNORE),
    NX_SYS("EventID", NX_EVENT_ID),
    NX_SYS("EventReceivedTime", NX_IGNORE),
    NX_SYS("EventTime", NX_EVENT_TIME),
    NX_SYS("EventType", NX_IGNORE),
    NX_SYS("EventXML", NX_IGNORE),
    NX_SYS("ExecutionProcessID", NX_PROCESS_ID),
    NX_SYS("ExecutionThreadID", NX_IGNORE),
    NX_SYS("Hostname", NX_HOSTNAME),
    NX_SYS("Keywords", NX_IGNORE),
    NX_SYS("Message", NX_MESSAGE),
    NX_SYS("MessageSourceAddress", NX_IGNORE),
    NX_SYS("Opcode", NX_IGNORE),
    NX_SYS("OpcodeValue", NX_IGNORE),
    NX_SYS("OpenWEC", NX_IGNORE),
    NX_SYS("ProcessID", NX_PROCESS_ID),
    NX_SYS("ProviderGuid", NX_IGNORE),
    NX_SYS("RecordNumber", NX_RECORD_NUMBER),
    NX_SYS("RelatedActivityID", NX_IGNORE),
    NX_SYS("Severity", NX_IGNORE),
    NX_SYS("SeverityValue", NX_IGNORE),
    NX_SYS("SourceModuleName", NX_IGNORE),
    NX_SYS("SourceModuleType", NX_IGNORE),
    NX_SYS("SourceName", NX_SOURCE_NAME),
    NX_SYS("Task", NX_IGNORE),
    NX_SYS("ThreadID", NX_IGNORE),
    NX_SYS("UserData", NX_USER_DATA),
    NX_SYS("UserID", NX_USER_ID),
    NX_SYS("Version", NX_IGNORE),
    NX_SYS("host", NX_IGNORE),
    NX_SYS("port", NX_IGNORE),
    NX_SYS("tags", NX_IGNORE),
    NX_SYS("type", NX_IGNORE),
};

/* The most AccountName/Domain/AccountType members remembered. */
#define NX_ACCOUNT_MAX 3

/* What one pass over the members found. */
struct nx_scan {
    const cJSON *message;
    const cJSON *user_data;
    const cJSON *account[NX_ACCOUNT_MAX];
    size_t n_account;
    bool has_user_id;
};

static enum nx_key
nx_key_of(const char *name)
{
    size_t n = strlen(name);

    for (size_t i = 0; i < sizeof(nx_sys) / sizeof(nx_sys[0]); i++)
        if (nx_sys[i].len == n && nx_sys[i].name[0] == name[0] &&
            memcmp(nx_sys[i].name, name, n) == 0)
            return nx_sys[i].key;
    return NX_DATA;
}

/* A string system value (wrong type: -EBADMSG). */
static int
nx_str(struct winrec *r, const cJSON *it, struct strv *ret)
{
    if (cJSON_IsNull(it))
        return 0;
    if (!cJSON_IsString(it))
        return -EBADMSG;
    return winjson_scalar(r, it, ret) < 0 ? -EBADMSG : 0;
}

/* A numeric id that may come as a string of digits. */
static int
nx_id(struct winrec *r, const cJSON *it, struct strv *ret)
{
    if (cJSON_IsNull(it))
        return 0;
    if (cJSON_IsNumber(it) && it->valuedouble >= 0)
        return winjson_scalar(r, it, ret) < 0 ? -EBADMSG : 0;
    if (!cJSON_IsString(it))
        return -EBADMSG;
    for (const char *p = it->valuestring; *p != '\0'; p++)
        if (*p < '0' || *p > '9')
            return -EBADMSG;
    return winjson_scalar(r, it, ret) < 0 ? -EBADMSG : 0;
}

/* One data member: name and value copied. */
static void
nx_add(struct winrec *r, const cJSON *it)
{
    struct strv name, value;

    if (winjson_scalar(r, it, &value) != 0)
        return; /* null, object, array: no value */
    name = winrec_store(r, it->string, strlen(it->string));
    if (name.n > 0)
        (void)winrec_add(r, name, value);
}

/* One member of the object: a system field, or data. */
static int
nx_member(struct winrec *r, const cJSON *it, const struct envelope *env,
          struct nx_scan *sc)
{
    switch (nx_key_of(it->string)) {
    case NX_DATA:
        nx_add(r, it);
        return 0;
    case NX_IGNORE:
        return 0;
    case NX_ACCOUNT:
        if (sc->n_account < NX_ACCOUNT_MAX)
            sc->account[sc->n_account++] = it;
        return 0;
    case NX_CHANNEL:
        return nx_str(r, it, &r->channel);
    case NX_EVENT_ID:
        return winjson_event_id(r, it);
    case NX_EVENT_TIME:
        return winjson_get_time(r, it, env);
    case NX_HOSTNAME:
        return nx_str(r, it, &r->computer);
    case NX_MESSAGE:
        sc->message = cJSON_IsString(it) ? it : NULL;
        return 0;
    case NX_PROCESS_ID:
        return nx_id(r, it, &r->process_id);
    case NX_RECORD_NUMBER:
        return nx_id(r, it, &r->record_id);
    case NX_SOURCE_NAME:
        return nx_str(r, it, &r->provider);
    case NX_USER_DATA:
        sc->user_data = cJSON_IsString(it) ? it : NULL;
        return 0;
    case NX_USER_ID:
        sc->has_user_id = !cJSON_IsNull(it);
        return nx_str(r, it, &r->user_sid);
    }
    return 0;
}

/* Message labels of the TerminalServices events and their XML names. */
struct nx_label {
    const char *label; /* "Session ID" in "Session ID: 2" */
    const char *name;  /* the UserData/EventXML element */
};

static const struct nx_label nx_lsm_labels[] = {
    {"User", "User"},
    {"Session ID", "SessionID"},
    {"Source Network Address", "Address"},
    {NULL, NULL},
};

static const struct nx_label nx_rcm_labels[] = {
    {"User", "Param1"},
    {"Domain", "Param2"},
    {"Source Network Address", "Param3"},
    {NULL, NULL},
};

/* Add name=value (value copied) unless the record has name already. */
static void
nx_add_missing(struct winrec *r, const char *name, struct strv value)
{
    if (strv_present(winrec_get(r, name)))
        return;
    value = winrec_store(r, value.p, value.n);
    (void)winrec_add(r, strv_from_cstr(name), value);
}

/* The digits at the start of v (empty view when none). */
static struct strv
nx_number(struct strv v)
{
    size_t n = 0;

    while (n < v.n && v.p[n] >= '0' && v.p[n] <= '9')
        n++;
    return strv_make(v.p, n);
}

/*
 * LocalSessionManager 39 and 40 say it in a sentence:
 *   "Session 3 has been disconnected by session 5"     (39)
 *   "Session 2 has been disconnected, reason code 5"   (40)
 */
static void
nx_lsm_sentence(struct winrec *r, struct strv line)
{
    static const char by[] = " has been disconnected by session ";
    static const char reason[] = " has been disconnected, reason code ";
    struct strv sess, rest;

    if (!strv_starts_with(line, "Session "))
        return;
    rest = strv_make(line.p + 8, line.n - 8);
    sess = nx_number(rest);
    if (sess.n == 0)
        return;
    rest = strv_make(rest.p + sess.n, rest.n - sess.n);
    if (strv_starts_with(rest, by)) {
        rest = strv_make(rest.p + sizeof(by) - 1, rest.n - (sizeof(by) - 1));
        nx_add_missing(r, "TargetSession", sess);
        nx_add_missing(r, "Source", nx_number(rest));
    } else if (strv_starts_with(rest, reason)) {
        rest = strv_make(rest.p + sizeof(reason) - 1,
                         rest.n - (sizeof(reason) - 1));
        nx_add_missing(r, "Session", sess);
        nx_add_missing(r, "Reason", nx_number(rest));
    }
}

/* One "Label: value" line against the table. */
static void
nx_label_line(struct winrec *r, struct strv line, const struct nx_label *t)
{
    for (; t->label != NULL; t++) {
        size_t n = strlen(t->label);
        struct strv v;

        if (line.n <= n || memcmp(line.p, t->label, n) != 0 || line.p[n] != ':')
            continue;
        v = strv_make(line.p + n + 1, line.n - n - 1);
        while (v.n > 0 && (v.p[0] == ' ' || v.p[0] == '\t'))
            v = strv_make(v.p + 1, v.n - 1);
        nx_add_missing(r, t->name, v);
        return;
    }
}

/*
 * Read the TerminalServices fields back from the Message (see the file
 * comment).  Lines end in "\r\n"; values are trimmed.
 */
static void
nx_ts_message(struct winrec *r, struct strv msg)
{
    const struct nx_label *labels;

    if (winjson_case_contains(r->channel,
                              "TerminalServices-LocalSessionManager"))
        labels = nx_lsm_labels;
    else if (winjson_case_contains(r->channel,
                                   "TerminalServices-RemoteConnectionManager"))
        labels = nx_rcm_labels;
    else
        return;
    while (msg.n > 0) {
        const char *nl = memchr(msg.p, '\n', msg.n);
        size_t n = nl != NULL ? (size_t)(nl - msg.p) : msg.n;
        struct strv line = strv_make(msg.p, n);

        while (line.n > 0 &&
               (line.p[line.n - 1] == '\r' || line.p[line.n - 1] == ' ' ||
                line.p[line.n - 1] == '\t'))
            line.n--;
        while (line.n > 0 && (line.p[0] == ' ' || line.p[0] == '\t'))
            line = strv_make(line.p + 1, line.n - 1);
        nx_label_line(r, line, labels);
        if (labels == nx_lsm_labels)
            nx_lsm_sentence(r, line);
        msg = nl != NULL ? strv_make(nl + 1, msg.n - n - 1) : STRV_NULL;
    }
}

/*
 * Decode an NXLog to_json() object into st->rec (see winjson.h).  Every
 * string is copied into the record.  Returns 0 or -EBADMSG (EventID
 * missing or not a number, a system value of the wrong type, a time that
 * does not read).
 */
int
parser_nxlog_decode(struct win_state *st, const cJSON *root,
                    const struct envelope *env)
{
    struct winrec *r = &st->rec;
    struct nx_scan sc = {0};

    for (const cJSON *it = root->child; it != NULL; it = it->next) {
        if (it->string == NULL)
            continue;
        if (nx_member(r, it, env, &sc) < 0)
            return -EBADMSG;
    }
    if (!r->has_event_id)
        return -EBADMSG;
    for (size_t i = 0; !sc.has_user_id && i < sc.n_account; i++)
        nx_add(r, sc.account[i]);
    if (sc.user_data != NULL &&
        winjson_userdata_xml(st, strv_from_cstr(sc.user_data->valuestring)) < 0)
        return -EBADMSG;
    if (sc.message != NULL)
        nx_ts_message(r, strv_from_cstr(sc.message->valuestring));
    return 0;
}
