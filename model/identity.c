/*
 * identity.c - typing of user identities (ASIM user entity, DESIGN 2).
 *
 * Splits the user as the source wrote it ("CORP\alice", "alice@corp.example",
 * "CN=Alice,OU=Staff,DC=corp,DC=example", "alice") into user_name and
 * user_domain with the ASIM UsernameType, types the uid (SID "S-1-5-21-...",
 * decimal uid) and derives the ASIM UserType from well-known SIDs
 * (MS-DTYP 2.4.2.4), well-known account names and Linux uid ranges.
 *
 * Every rule only fills a field the parser left unset.  Pure: no allocation;
 * a derived DN domain ("corp.example") goes into the event's scratch area.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "identity.h"

/* Longest user_domain this file builds from a DN's DC= components. */
#define IDENTITY_DN_DOMAIN_MAX 255

/* A SID and its parts after "S-1-": authority and subauthorities. */
#define SID_SUB_MAX 16

struct sid {
    uint64_t sub[SID_SUB_MAX + 1]; /* [0] = identifier authority */
    size_t n;
};

static char
lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool
case_prefix(struct strv v, const char *p)
{
    size_t i;

    for (i = 0; p[i] != '\0'; i++)
        if (i >= v.n || lower(v.p[i]) != lower(p[i]))
            return false;
    return true;
}

/* Parse "S-1-<authority>-<sub>-..." into its numbers.  false if malformed. */
static bool
sid_parse(struct strv v, struct sid *ret)
{
    struct sid s = {.n = 0};
    size_t i = 4, start;

    if (!case_prefix(v, "S-1-"))
        return false;
    for (;;) {
        start = i;
        while (i < v.n && v.p[i] != '-')
            i++;
        if (s.n > SID_SUB_MAX || strv_to_u64(strv_make(v.p + start, i - start),
                                             UINT64_MAX, &s.sub[s.n]) < 0)
            return false;
        s.n++;
        if (i >= v.n)
            break;
        i++; /* '-' */
    }
    *ret = s;
    return true;
}

/* MS-DTYP 2.4.2.4 well-known SIDs, and the domain RIDs 500/501. */
static enum ev_user_type
type_from_sid(struct strv uid)
{
    struct sid s;

    if (!sid_parse(uid, &s) || s.n < 2 || s.sub[0] != 5)
        return EV_USER_TYPE_NONE;
    switch (s.sub[1]) {
    case 7:
        return s.n == 2 ? EV_USER_TYPE_ANONYMOUS : EV_USER_TYPE_NONE;
    case 18:
    case 19:
    case 20:
        return s.n == 2 ? EV_USER_TYPE_SYSTEM : EV_USER_TYPE_NONE;
    case 32: /* BUILTIN\Administrators */
        return (s.n == 3 && s.sub[2] == 544) ? EV_USER_TYPE_ADMIN
                                             : EV_USER_TYPE_NONE;
    case 80: /* NT SERVICE\... */
    case 82: /* IIS APPPOOL\... */
        return s.n > 2 ? EV_USER_TYPE_SERVICE : EV_USER_TYPE_NONE;
    case 90: /* Window Manager\DWM-n */
    case 96: /* Font Driver Host\UMFD-n */
        return (s.n > 3 && s.sub[2] == 0) ? EV_USER_TYPE_SYSTEM
                                          : EV_USER_TYPE_NONE;
    case 21: /* domain or machine account: the RID decides */
        if (s.n < 3)
            return EV_USER_TYPE_NONE;
        if (s.sub[s.n - 1] == 500)
            return EV_USER_TYPE_ADMIN;
        if (s.sub[s.n - 1] == 501)
            return EV_USER_TYPE_GUEST;
        return EV_USER_TYPE_NONE;
    default:
        return EV_USER_TYPE_NONE;
    }
}

/* "DWM-3", "UMFD-0": prefix followed by one or more digits. */
static bool
numbered_account(struct strv name, const char *prefix)
{
    size_t n = strlen(prefix);

    return case_prefix(name, prefix) &&
           strv_all_digits(strv_make(name.p + n, name.n - n));
}

static enum ev_user_type
type_from_name(struct strv name)
{
    if (name.n == 0)
        return EV_USER_TYPE_NONE;
    if (strv_case_eq(name, "root"))
        return EV_USER_TYPE_ADMIN;
    if (strv_case_eq(name, "SYSTEM") || strv_case_eq(name, "LOCAL SERVICE") ||
        strv_case_eq(name, "NETWORK SERVICE") || strv_case_eq(name, "nobody") ||
        numbered_account(name, "DWM-") || numbered_account(name, "UMFD-"))
        return EV_USER_TYPE_SYSTEM;
    if (strv_case_eq(name, "ANONYMOUS LOGON"))
        return EV_USER_TYPE_ANONYMOUS;
    if (name.p[name.n - 1] == '$')
        return EV_USER_TYPE_MACHINE;
    return EV_USER_TYPE_NONE;
}

/* Linux: 0 root, 1-999 system accounts, 65534 nobody (useradd defaults). */
static enum ev_user_type
type_from_uid(struct strv uid)
{
    uint64_t u;

    if (strv_to_u64(uid, UINT32_MAX, &u) < 0)
        return EV_USER_TYPE_NONE;
    if (u == 0)
        return EV_USER_TYPE_ADMIN;
    if (u < 1000 || u == 65534)
        return EV_USER_TYPE_SYSTEM;
    return EV_USER_TYPE_REGULAR;
}

/* The value of the first RDN of a DN, up to the first unescaped ','. */
static struct strv
dn_first_value(struct strv dn)
{
    size_t i, eq = 0;

    while (eq < dn.n && dn.p[eq] != '=')
        eq++;
    if (eq >= dn.n)
        return STRV_NULL;
    for (i = eq + 1; i < dn.n && dn.p[i] != ','; i++)
        if (dn.p[i] == '\\')
            i++; /* RFC 4514 2.4: "\," is part of the value */
    if (i > dn.n)
        i = dn.n;
    return strv_make(dn.p + eq + 1, i - eq - 1);
}

/* "DC=corp,DC=example" -> "corp.example" in scratch; empty when none. */
static struct strv
dn_domain(struct event *ev, struct strv dn)
{
    char tmp[IDENTITY_DN_DOMAIN_MAX];
    size_t n = 0, i = 0;

    while (i < dn.n) {
        size_t start = i;

        while (i < dn.n && dn.p[i] != ',')
            i += (dn.p[i] == '\\') ? 2 : 1;
        if (i > dn.n)
            i = dn.n;
        while (start < i && dn.p[start] == ' ')
            start++;
        if (i - start > 3 &&
            case_prefix(strv_make(dn.p + start, i - start), "DC=")) {
            size_t len = i - start - 3;

            if (n + len + 1 > sizeof(tmp))
                return STRV_NULL;
            if (n > 0)
                tmp[n++] = '.';
            memcpy(tmp + n, dn.p + start + 3, len);
            n += len;
        }
        i++;
    }
    return n ? event_scratch_copy(ev, tmp, n) : STRV_NULL;
}

static bool
is_dn(struct strv u)
{
    return (case_prefix(u, "CN=") || case_prefix(u, "UID=")) &&
           memchr(u.p, ',', u.n) != NULL;
}

/* Split ev->user into name, domain and username_type. */
static void
split_user(struct event *ev)
{
    struct strv u = ev->user, name = u, domain = STRV_NULL;
    enum ev_username_type type = EV_USERNAME_TYPE_SIMPLE;
    const char *p;

    if (is_dn(u)) {
        type = EV_USERNAME_TYPE_DN;
        name = dn_first_value(u);
        if (!strv_present(ev->user_domain))
            domain = dn_domain(ev, u);
    } else if ((p = memchr(u.p, '\\', u.n)) != NULL) {
        type = EV_USERNAME_TYPE_WINDOWS;
        domain = strv_make(u.p, (size_t)(p - u.p));
        name = strv_make(p + 1, u.n - domain.n - 1);
    } else if ((p = memchr(u.p, '@', u.n)) != NULL && p != u.p &&
               p != u.p + u.n - 1) {
        type = EV_USERNAME_TYPE_UPN;
        name = strv_make(u.p, (size_t)(p - u.p));
        domain = strv_make(p + 1, u.n - name.n - 1);
    }
    if (ev->username_type == EV_USERNAME_TYPE_NONE)
        ev->username_type = type;
    if (!strv_present(ev->user_name) && strv_present(name))
        ev->user_name = name;
    if (!strv_present(ev->user_domain) && strv_present(domain))
        ev->user_domain = domain;
}

/*
 * Fill user_name, user_domain, username_type, user_id_type and user_type
 * from ev->user and ev->uid, leaving every field the parser set alone.
 * Views point into ev->user or ev->uid (borrowed like them) or into the
 * event's scratch area.
 */
void
identity_type_user(struct event *ev)
{
    enum ev_user_type t = EV_USER_TYPE_NONE;
    bool sid = false;

    if (strv_present(ev->user))
        split_user(ev);
    else if (strv_present(ev->user_name) &&
             ev->username_type == EV_USERNAME_TYPE_NONE)
        ev->username_type = strv_present(ev->user_domain)
                                ? EV_USERNAME_TYPE_WINDOWS
                                : EV_USERNAME_TYPE_SIMPLE;

    if (strv_present(ev->uid)) {
        sid = case_prefix(ev->uid, "S-1-");
        if (ev->user_id_type == EV_USER_ID_TYPE_NONE)
            ev->user_id_type = sid ? EV_USER_ID_TYPE_SID
                               : strv_all_digits(ev->uid)
                                   ? EV_USER_ID_TYPE_UID
                                   : EV_USER_ID_TYPE_OTHER;
    }
    if (ev->user_type != EV_USER_TYPE_NONE)
        return;
    if (sid)
        t = type_from_sid(ev->uid);
    if (t == EV_USER_TYPE_NONE)
        t = type_from_name(strv_present(ev->user_name) ? ev->user_name
                                                       : ev->user);
    if (t == EV_USER_TYPE_NONE && !sid && strv_present(ev->uid))
        t = type_from_uid(ev->uid);
    if (t == EV_USER_TYPE_NONE &&
        (strv_present(ev->uid) || strv_present(ev->user) ||
         strv_present(ev->user_name)))
        t = EV_USER_TYPE_REGULAR;
    ev->user_type = t;
}

/*
 * Windows logon types on which a machine account (NAME$) is a person at a
 * console or an RDP client: 2 Interactive, 7 Unlock, 10 RemoteInteractive,
 * 11 CachedInteractive, 12 CachedRemoteInteractive, 13 CachedUnlock.
 * Everything else (3 Network, 4 Batch, 5 Service, unknown) is noise.
 */
static bool
interactive_logon_type(int t)
{
    return t == 2 || t == 7 || t == 10 || t == 11 || t == 12 || t == 13;
}

/*
 * True when the typed event belongs to an account kept out of session
 * tracking unless include_system_accounts: System, Anonymous and Service
 * accounts always, Machine accounts unless the logon is interactive.
 * Call after identity_type_user().  `ev` is borrowed.
 */
bool
identity_is_system(const struct event *ev)
{
    switch (ev->user_type) {
    case EV_USER_TYPE_SYSTEM:
    case EV_USER_TYPE_ANONYMOUS:
    case EV_USER_TYPE_SERVICE:
        return true;
    case EV_USER_TYPE_MACHINE:
        return !interactive_logon_type(ev->logon_type);
    default:
        return false;
    }
}
