/*
 * filter.c - a sink's optional "filter" (DESIGN 5, config "filter" keys).
 *
 * Every present part must match; an absent part matches everything.  The
 * comparisons are exact (byte for byte), on the event's own views, with
 * no allocation: this runs once per event per sink.
 *
 * Sample: "filter": {"actions": ["login"], "successful": false}
 *   passes failed logins only.
 */
#include "sink.h"

/* True when v equals one of the NULL-terminated list, or there is no
 * list. */
static bool
any_eq(char *const *list, struct strv v)
{
    char *const *p;

    if (list == NULL)
        return true;
    for (p = list; *p != NULL; p++)
        if (strv_eq_cstr(v, *p))
            return true;
    return false;
}

/*
 * True when the event passes the filter f (or f is NULL).  "successful"
 * compares with the event's login_successful: an event without one (a
 * logout, a lock) matches neither true nor false.  Pure; f and ev are
 * borrowed.
 */
bool
sink_filter_match(const struct config_filter *f, const struct event *ev)
{
    const char *action;

    if (f == NULL)
        return true;
    if (f->successful >= 0) {
        if (ev->result == EV_RESULT_NONE)
            return false;
        if ((ev->result == EV_RESULT_SUCCESS) != (f->successful == 1))
            return false;
    }
    if (f->actions != NULL) {
        action = event_action_name(ev->action);
        if (action == NULL || !any_eq(f->actions, strv_from_cstr(action)))
            return false;
    }
    return any_eq(f->hosts, ev->hostname) && any_eq(f->users, ev->user) &&
           any_eq(f->formats, ev->format);
}
