/*
 * identity.h - typing of user identities (ASIM user entity).
 *
 * From what a parser found (ev->user as written, ev->uid when known) this
 * fills the split and typed fields: user_name, user_domain, username_type
 * (Windows "DOMAIN\name", UPN "name@domain", DN "CN=...,DC=...", Simple),
 * user_id_type (SID "S-1-...", UID for a decimal uid) and user_type:
 *   Admin     uid 0 / "root", RID 500, S-1-5-32-544
 *   System    S-1-5-18/19/20, DWM-n, UMFD-n, uid 1..999 (Linux system uids)
 *   Machine   a name ending in '$'
 *   Anonymous S-1-5-7, "ANONYMOUS LOGON"
 *   Guest     RID 501
 *   Service   S-1-5-80-..., S-1-5-82-... (service / app-pool SIDs)
 *   Regular   everything else with a name or id
 * Fields already set by the parser are left alone.  Pure.
 */
#ifndef SESSIONTAIL_IDENTITY_H
#define SESSIONTAIL_IDENTITY_H

#include <stdbool.h>

#include "event.h"

void identity_type_user(struct event *ev);

/* True for the noise accounts kept out of session tracking unless
 * include_system_accounts: System, Machine on service/batch logons,
 * Anonymous... (decided from the typed event). */
bool identity_is_system(const struct event *ev);

#endif
