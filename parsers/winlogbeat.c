/*
 * winlogbeat.c - Winlogbeat events (Elastic Common Schema), decoded into
 * the neutral Windows record (winrec.h).
 *
 * Format: https://www.elastic.co/guide/en/beats/winlogbeat/current/
 * exported-fields-winlog.html.  The Windows event is the "winlog" object;
 * "@timestamp" is the event's TimeCreated:
 *
 *   {"@timestamp":"2024-03-14T10:02:11.123Z","winlog":{"event_id":4624,
 *    "provider_name":"Microsoft-Windows-Security-Auditing",
 *    "channel":"Security","computer_name":"WKS01","record_id":8812,
 *    "process":{"pid":640},"event_data":{"TargetUserName":"alice",
 *    "LogonType":"2",...}},"host":{"name":"wec01"},...}
 *
 * event_id and record_id come as numbers or strings (both occur across
 * Winlogbeat versions); event_data holds the named Data values;
 * user_data the children of UserData's element (e.g. User, SessionID,
 * Address of a TerminalServices EventXML) plus "xml_name", the element's
 * name, which is not data.  The host is winlog.computer_name, never
 * host.name (the beat's own host, a collector under WEF).
 * winlog.time_created is read when @timestamp is missing.
 */
#include <errno.h>
#include <stdbool.h>

#include <cjson/cJSON.h>

#include "winjson.h"
#include "winrec.h"

/* user_data members that are not event values. */
static const char *const wlb_meta[] = {"xml_name", NULL};

/* winlog.process.pid and winlog.user.identifier. */
static int
wlb_process_user(struct winrec *r, const cJSON *wl)
{
    const cJSON *proc, *user;

    if (winjson_object(wl, "process", &proc) < 0 ||
        winjson_object(wl, "user", &user) < 0)
        return -EBADMSG;
    if (proc != NULL && winjson_get_id(r, proc, "pid", &r->process_id) < 0)
        return -EBADMSG;
    if (user != NULL &&
        winjson_get_str(r, user, "identifier", &r->user_sid) < 0)
        return -EBADMSG;
    return 0;
}

/* @timestamp, else winlog.time_created. */
static int
wlb_time(struct winrec *r, const cJSON *root, const cJSON *wl,
         const struct envelope *env)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "@timestamp");

    if (t == NULL || cJSON_IsNull(t))
        t = cJSON_GetObjectItemCaseSensitive(wl, "time_created");
    return winjson_get_time(r, t, env);
}

/*
 * Decode a Winlogbeat object into st->rec (see winjson.h).  Returns 0, or
 * -EBADMSG when winlog.event_id is missing or not a number, or a member
 * has the wrong type (event_data or user_data not an object...).
 */
int
parser_winlogbeat_decode(struct win_state *st, const cJSON *root,
                         const struct envelope *env)
{
    struct winrec *r = &st->rec;
    const cJSON *wl, *data, *user, *id;

    if (winjson_object(root, "winlog", &wl) < 0 || wl == NULL)
        return -EBADMSG;
    id = cJSON_GetObjectItemCaseSensitive(wl, "event_id");
    if (id == NULL || winjson_event_id(r, id) < 0)
        return -EBADMSG;
    if (winjson_get_str(r, wl, "provider_name", &r->provider) < 0 ||
        winjson_get_str(r, wl, "channel", &r->channel) < 0 ||
        winjson_get_str(r, wl, "computer_name", &r->computer) < 0 ||
        winjson_get_id(r, wl, "record_id", &r->record_id) < 0 ||
        wlb_process_user(r, wl) < 0 || wlb_time(r, root, wl, env) < 0)
        return -EBADMSG;
    if (winjson_object(wl, "event_data", &data) < 0 ||
        winjson_object(wl, "user_data", &user) < 0)
        return -EBADMSG;
    if (data != NULL && winjson_add_members(r, data, NULL, false) < 0)
        return -EBADMSG;
    if (user != NULL && winjson_add_members(r, user, wlb_meta, true) < 0)
        return -EBADMSG;
    return 0;
}
