/*
 * snare.c - Snare for Windows "MSWinEventLog" records (format "snare"),
 * as the Snare agent sends them over syslog and rsyslog stores them:
 *
 *   <14>Sep 17 16:37:25 WKS01 MSWinEventLog<TAB>1<TAB>Security<TAB>6863
 *   <TAB>Fri Sep 17 16:37:25 2021<TAB>4624<TAB>Microsoft-Windows-Security-
 *   Auditing<TAB>N/A<TAB>N/A<TAB>Success Audit<TAB>WKS01<TAB>Logon<TAB>
 *   <TAB>An account was successfully logged on.    Subject: ...<TAB>16
 *
 * Columns after the literal "MSWinEventLog" (Snare for Windows manual,
 * "Event Output Format"; the LogLogic/TIBCO and Trellix field lists):
 * criticality, log (channel), Snare counter, DateTime (local time, no
 * zone), EventID, SourceName (provider), UserName, SIDType, EventLogType,
 * ComputerName, CategoryString, DataString, ExpandedString, and an
 * optional checksum/counter.  Some relays repeat the criticality column;
 * that is recognised by a number where the channel should be.  Snare
 * replaces the tabs and line ends of the message by spaces, so the event
 * data survives only as the English "Label: value" text, read by
 * wintext_read().  The host is ComputerName (not the syslog HOSTNAME, which
 * a relay may have rewritten), the time DateTime minus the record's UTC
 * offset.  The Snare counter is not the EventRecordID and is not used.
 *
 * Allocation-free: memchr over the columns, views into the record.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "parser.h"
#include "winrec.h"
#include "wintext.h"

/* Columns after "MSWinEventLog": 13 required, a checksum may follow, and
 * one repeated criticality; a 16th tab starts text we do not read. */
#define SNARE_COLS_MIN 13
#define SNARE_COLS_MAX 15
/* Digits of an event id ("4624", at most 65535 in practice). */
#define SNARE_EVENTID_MAX UINT32_MAX

enum snare_col {
    SNARE_CRITICALITY = 0,
    SNARE_CHANNEL,
    SNARE_COUNTER,
    SNARE_DATETIME,
    SNARE_EVENTID,
    SNARE_PROVIDER,
    SNARE_USER,
    SNARE_SIDTYPE,
    SNARE_EVENTTYPE,
    SNARE_COMPUTER,
    SNARE_CATEGORY,
    SNARE_DATA,
    SNARE_EXPANDED,
};

static const char snare_tag[] = "MSWinEventLog";
static const char snare_magic[] = "MSWinEventLog\t";

/*
 * Split msg (after the magic) at tabs into cols; returns how many there
 * are (at most SNARE_COLS_MAX, the last one running to the end).
 */
static size_t
snare_split(struct strv msg, struct strv *cols)
{
    const char *p = msg.p, *e = msg.p + msg.n;
    size_t n = 0;

    while (n < SNARE_COLS_MAX - 1) {
        const char *t = memchr(p, '\t', (size_t)(e - p));

        if (t == NULL)
            break;
        cols[n++] = strv_make(p, (size_t)(t - p));
        p = t + 1;
    }
    cols[n++] = strv_make(p, (size_t)(e - p));
    return n;
}

static bool
read_num(const char **p, const char *e, int digits_max, int *ret)
{
    int v = 0, n = 0;

    while (*p < e && n < digits_max && (unsigned)(**p - '0') <= 9) {
        v = v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    *ret = v;
    return n > 0;
}

/* "Jan".."Dec" -> 1..12, 0 when not a month. */
static int
month_of(const char *p, const char *e)
{
    static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

    if (e - p < 3)
        return 0;
    for (int i = 0; i < 12; i++)
        if (memcmp(p, names + 3 * i, 3) == 0)
            return i + 1;
    return 0;
}

static bool
skip_char(const char **p, const char *e, char c)
{
    if (*p < e && **p == c) {
        (*p)++;
        return true;
    }
    return false;
}

/*
 * Snare's DateTime, "Fri Sep 17 16:37:25 2021" (ctime layout, day maybe
 * space-padded), local time: returns UTC µs in *ret, or false.
 */
static bool
snare_time(struct strv v, int32_t tz_offset_s, int64_t *ret)
{
    const char *p = v.p, *e = v.p + v.n;
    struct wintext_tm tm = {0};
    int64_t t;

    if (v.n < 4 || p[3] != ' ')
        return false;
    p += 4; /* weekday */
    if ((tm.mon = month_of(p, e)) == 0)
        return false;
    p += 3;
    if (!skip_char(&p, e, ' '))
        return false;
    skip_char(&p, e, ' ');
    if (!read_num(&p, e, 2, &tm.day) || !skip_char(&p, e, ' ') ||
        !read_num(&p, e, 2, &tm.hour) || !skip_char(&p, e, ':') ||
        !read_num(&p, e, 2, &tm.min) || !skip_char(&p, e, ':') ||
        !read_num(&p, e, 2, &tm.sec) || !skip_char(&p, e, ' ') ||
        !read_num(&p, e, 4, &tm.year) || p != e)
        return false;
    if (!wintext_civil_us(&tm, &t))
        return false;
    *ret = t - (int64_t)tz_offset_s * INT64_C(1000000);
    return true;
}

/* A relay that writes the criticality twice: a number as the channel. */
static bool
is_small_number(struct strv v)
{
    return v.n == 1 && (unsigned)(v.p[0] - '0') <= 9;
}

/* Fill r's header from the columns; -EBADMSG when one is unusable. */
static int
snare_header(const struct envelope *env, const struct strv *c, struct winrec *r)
{
    uint64_t id;

    if (strv_to_u64(c[SNARE_EVENTID], SNARE_EVENTID_MAX, &id) < 0)
        return -EBADMSG;
    if (!snare_time(c[SNARE_DATETIME], env->tz_offset_s, &r->time_us))
        return -EBADMSG;
    r->event_id = (uint32_t)id;
    r->has_event_id = true;
    r->channel = c[SNARE_CHANNEL];
    r->provider = c[SNARE_PROVIDER];
    r->computer = c[SNARE_COMPUTER];
    if (!strv_present(r->computer))
        r->computer = env->hostname;
    return 0;
}

/*
 * One Snare record: columns, header, the message's pairs, then the one
 * Windows table.  A record with fewer than 13 columns is malformed.
 */
static int
snare_parse(const struct envelope *env, struct event *ev, void *state)
{
    struct win_state *st = state;
    struct winrec *r = &st->rec;
    struct strv all[SNARE_COLS_MAX], *c = all;
    struct strv msg = env->msg;
    size_t n;
    int err;

    if (!strv_starts_with(msg, snare_magic)) {
        /* "MSWinEventLog" cut before its first column is still Snare's */
        return strv_eq_cstr(msg, snare_tag) ? -EBADMSG : PARSE_NONE;
    }
    msg.p += sizeof(snare_magic) - 1;
    msg.n -= sizeof(snare_magic) - 1;
    n = snare_split(msg, all);
    if (n > SNARE_COLS_MIN && is_small_number(all[SNARE_CHANNEL])) {
        c++; /* criticality twice */
        n--;
    }
    if (n < SNARE_COLS_MIN)
        return -EBADMSG;
    winrec_reset(r);
    if ((err = snare_header(env, c, r)) < 0)
        return err;
    wintext_read(c[SNARE_EXPANDED], r->event_id, r);
    return windows_map(r, ev);
}

/* Routed by content (the message starts with "MSWinEventLog"). */
const struct parser_ops parser_snare_ops = {
    .name = "snare",
    .programs = NULL,
    .state_new = win_state_new,
    .state_free = win_state_free,
    .parse = snare_parse,
};
