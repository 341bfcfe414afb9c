/*
 * openwec.c - OpenWEC's "Json" and "RawJson" output formats, decoded into
 * the neutral Windows record (winrec.h).
 *
 * Format: https://github.com/cea-sec/openwec/blob/main/doc/formats.md and
 * server/src/formats/json.rs, raw_json.rs.  Json is the Event XML turned
 * into objects:
 *
 *   {"System":{"Provider":{"Name":"Microsoft-Windows-Security-Auditing"},
 *    "EventID":4624,"TimeCreated":"2024-03-14T13:54:19.3628662Z",
 *    "EventRecordID":1446,"Execution":{"ProcessID":780,"ThreadID":2832},
 *    "Channel":"Security","Computer":"WKS01"},
 *    "EventData":{"TargetUserName":"alice","LogonType":"2",...},
 *    "OpenWEC":{"IpAddress":"192.0.2.5","TimeReceived":...}}
 *
 * EventData holds the named Data as members ("Data" is the array of
 * unnamed ones, "Binary" a hex string: neither is a named value);
 * UserData is the XML inside <UserData> as one string, decoded with
 * winxml_decode().  OpenWEC writes TimeCreated as a string and the
 * security UserID as System.UserID; the XML's shapes
 * (TimeCreated.SystemTime, Security.UserID) are read too.  The OpenWEC
 * object (the collector's view: client address, principal, subscription)
 * is not about the event and is left out.
 *
 * RawJson is {"meta":{...},"data":"<Event xmlns=...>...</Event>"}: the
 * XML as Windows sent it, decoded with winxml_decode().
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "winjson.h"
#include "winrec.h"

/* EventData members that are not named values. */
static const char *const owc_unnamed[] = {"Data", "Binary", NULL};

/* TimeCreated: a string, or {"SystemTime": string}. */
static int
owc_time(struct winrec *r, const cJSON *sys, const struct envelope *env)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(sys, "TimeCreated");

    if (cJSON_IsObject(it))
        it = cJSON_GetObjectItemCaseSensitive(it, "SystemTime");
    return winjson_get_time(r, it, env);
}

/* System.UserID, or System.Security.UserID. */
static int
owc_user_id(struct winrec *r, const cJSON *sys)
{
    const cJSON *sec;

    if (winjson_get_str(r, sys, "UserID", &r->user_sid) < 0 ||
        winjson_object(sys, "Security", &sec) < 0)
        return -EBADMSG;
    if (sec != NULL && !strv_present(r->user_sid))
        return winjson_get_str(r, sec, "UserID", &r->user_sid);
    return 0;
}

/* The System object. */
static int
owc_system(struct winrec *r, const cJSON *sys, const struct envelope *env)
{
    const cJSON *prov, *exec, *id;

    id = cJSON_GetObjectItemCaseSensitive(sys, "EventID");
    if (id == NULL || winjson_event_id(r, id) < 0)
        return -EBADMSG;
    if (winjson_object(sys, "Provider", &prov) < 0 ||
        winjson_object(sys, "Execution", &exec) < 0)
        return -EBADMSG;
    if (prov != NULL && winjson_get_str(r, prov, "Name", &r->provider) < 0)
        return -EBADMSG;
    if (exec != NULL &&
        winjson_get_id(r, exec, "ProcessID", &r->process_id) < 0)
        return -EBADMSG;
    if (owc_time(r, sys, env) < 0 ||
        winjson_get_id(r, sys, "EventRecordID", &r->record_id) < 0 ||
        winjson_get_str(r, sys, "Channel", &r->channel) < 0 ||
        winjson_get_str(r, sys, "Computer", &r->computer) < 0 ||
        owc_user_id(r, sys) < 0)
        return -EBADMSG;
    return 0;
}

/*
 * Decode an OpenWEC Json object into st->rec (see winjson.h).  Returns 0,
 * or -EBADMSG when System, EventData or UserData has the wrong type, the
 * event id is missing, or the UserData XML does not decode.
 */
int
parser_openwec_decode(struct win_state *st, const cJSON *root,
                      const struct envelope *env)
{
    struct winrec *r = &st->rec;
    const cJSON *sys, *data, *user;

    if (winjson_object(root, "System", &sys) < 0 || sys == NULL ||
        owc_system(r, sys, env) < 0)
        return -EBADMSG;
    if (winjson_object(root, "EventData", &data) < 0)
        return -EBADMSG;
    if (data != NULL && winjson_add_members(r, data, owc_unnamed, false) < 0)
        return -EBADMSG;
    user = cJSON_GetObjectItemCaseSensitive(root, "UserData");
    if (user == NULL || cJSON_IsNull(user))
        return 0;
    if (!cJSON_IsString(user))
        return -EBADMSG;
    return winjson_userdata_xml(st, strv_from_cstr(user->valuestring));
}

/*
 * Decode an OpenWEC RawJson object into st->rec: its "data" string is a
 * whole Event XML, copied into the record and decoded with
 * winxml_decode().  Returns 0 or -EBADMSG.
 */
int
parser_openwec_raw_decode(struct win_state *st, const cJSON *root,
                          const struct envelope *env)
{
    struct winrec *r = &st->rec;
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
    struct strv xml;

    (void)env;
    if (!cJSON_IsString(data))
        return -EBADMSG;
    xml = winrec_store(r, data->valuestring, strlen(data->valuestring));
    if (xml.p == NULL || xml.n == 0)
        return -EBADMSG;
    return winxml_decode(st, xml, r) < 0 ? -EBADMSG : 0;
}
