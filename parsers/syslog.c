/*
 * syslog.c - the syslog envelope: RFC 3164 and RFC 5424 headers.
 *
 * Splits a line into time, HOSTNAME, APP-NAME (program), PROCID (pid) and
 * the message.  Forms accepted, with or without a leading "<PRI>":
 *
 *   RFC 3164 (BSD)   Dec 10 06:55:46 host prog[pid]: msg    ("Mar  4" too,
 *                    and the rare "2024 Mar  4 ..." with a year)
 *   rsyslog ISO      2024-03-14T13:54:19.123456+01:00 host prog[pid]: msg
 *                    (RSYSLOG_FileFormat, RFC 3339; "Z" for UTC)
 *   no timestamp     srv sshd[123]: msg  (journalctl "short" without time)
 *   RFC 5424         <34>1 2024-03-14T13:54:19.003Z host app procid msgid
 *                    [sd-id k="v"] BOM msg   ("-" is NILVALUE, 6.2)
 *
 * Times become microseconds since the epoch (UTC).  A year-less RFC 3164
 * time gets the year that puts it no later than one day after the
 * record's reference time (so a December line read in January is last
 * year's).  A time without a zone is local time: rec->tz_offset_s is
 * subtracted.  The civil-date arithmetic is our own (days from civil,
 * proleptic Gregorian), so parsing is pure, locale-free and allocation-free.
 *
 * Example: "Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster
 * from 173.234.31.186".
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "parser.h"
#include "timeparse.h"

/* Longest HOSTNAME (RFC 5424 6.2.4 allows 255) and APP-NAME we accept. */
#define SYSLOG_HOSTNAME_MAX 255
#define SYSLOG_APP_MAX 128
#define SYSLOG_PID_MAX 128
/* Digits of a fraction of a second we look at (nanoseconds). */
#define SYSLOG_FRAC_DIGITS_MAX 9
/* How many years back year inference tries (Feb 29 needs up to 8). */
#define SYSLOG_YEAR_TRIES 8

#define US_PER_SEC INT64_C(1000000)
#define SEC_PER_DAY INT64_C(86400)

/* A broken-down time as read from the header; zone_s valid if has_zone. */
struct syslog_tm {
    int year, mon, day, hour, min, sec;
    int usec;
    bool has_year;
    bool has_zone;
    int zone_s;
};

struct cursor {
    const char *p;
    const char *end;
};

/* The year (proleptic Gregorian) that a time in µs falls in (UTC). */
static int64_t
year_of(int64_t time_us)
{
    int64_t z = time_us / US_PER_SEC / SEC_PER_DAY, era, doe, yoe, y, doy;
    int64_t mp;

    if (time_us < 0 && time_us % (US_PER_SEC * SEC_PER_DAY) != 0)
        z--;
    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    return mp >= 10 ? y + 1 : y;
}

static bool
is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int64_t y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Seconds since the epoch of tm taken as UTC, for the given year. */
static int64_t
tm_to_us(const struct syslog_tm *tm, int64_t year)
{
    int64_t s = time_days_from_civil(year, tm->mon, tm->day) * SEC_PER_DAY +
                tm->hour * 3600 + tm->min * 60 + tm->sec;

    return s * US_PER_SEC + tm->usec;
}

/*
 * Turn tm into UTC µs.  Zone-less times are local (tz_offset_s east of
 * UTC); a missing year is inferred from ref_time_us (see file comment).
 * Returns -EBADMSG when the date does not exist.
 */
static int
tm_resolve(const struct syslog_tm *tm, const struct raw_record *rec,
           int64_t *ret)
{
    int64_t off = tm->has_zone ? tm->zone_s : rec->tz_offset_s;
    int64_t year, t;

    if (tm->has_year) {
        if (tm->day > days_in_month(tm->year, tm->mon))
            return -EBADMSG;
        *ret = tm_to_us(tm, tm->year) - off * US_PER_SEC;
        return 0;
    }
    year = year_of(rec->ref_time_us + off * US_PER_SEC) + 1;
    for (int i = 0; i < SYSLOG_YEAR_TRIES; i++, year--) {
        if (tm->day > days_in_month(year, tm->mon))
            continue;
        t = tm_to_us(tm, year) - off * US_PER_SEC;
        if (t <= rec->ref_time_us + SEC_PER_DAY * US_PER_SEC) {
            *ret = t;
            return 0;
        }
    }
    return -EBADMSG;
}

/* Read exactly n decimal digits; false when there are not n digits. */
static bool
read_digits(struct cursor *c, int n, int *ret)
{
    int v = 0;

    if (c->end - c->p < n)
        return false;
    for (int i = 0; i < n; i++) {
        unsigned d = (unsigned)((unsigned char)c->p[i] - '0');

        if (d > 9)
            return false;
        v = v * 10 + (int)d;
    }
    c->p += n;
    *ret = v;
    return true;
}

static bool
read_char(struct cursor *c, char ch)
{
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

/* "hh:mm:ss" with range checks (60 allowed for a leap second). */
static bool
read_hms(struct cursor *c, struct syslog_tm *tm)
{
    return read_digits(c, 2, &tm->hour) && read_char(c, ':') &&
           read_digits(c, 2, &tm->min) && read_char(c, ':') &&
           read_digits(c, 2, &tm->sec) && tm->hour < 24 && tm->min < 60 &&
           tm->sec <= 60;
}

/* Optional ".fraction": up to 9 digits are read, µs kept. */
static void
read_frac(struct cursor *c, struct syslog_tm *tm)
{
    int n = 0, us = 0;

    if (c->p >= c->end || *c->p != '.')
        return;
    c->p++;
    while (c->p < c->end && (unsigned)(*c->p - '0') <= 9) {
        if (n < 6)
            us = us * 10 + (*c->p - '0');
        if (n < SYSLOG_FRAC_DIGITS_MAX)
            n++;
        c->p++;
    }
    for (; n < 6; n++)
        us *= 10;
    tm->usec = us;
}

/* RFC 3339 time-offset: "Z", "+hh:mm", "-hh:mm" (also "+hhmm"). */
static bool
read_zone(struct cursor *c, struct syslog_tm *tm)
{
    int h, m, sign;

    if (c->p < c->end && (*c->p == 'Z' || *c->p == 'z')) {
        c->p++;
        tm->has_zone = true;
        tm->zone_s = 0;
        return true;
    }
    if (c->p >= c->end || (*c->p != '+' && *c->p != '-'))
        return true; /* no zone: local time */
    sign = *c->p == '-' ? -1 : 1;
    c->p++;
    if (!read_digits(c, 2, &h))
        return false;
    read_char(c, ':');
    if (!read_digits(c, 2, &m) || h > 23 || m > 59)
        return false;
    tm->has_zone = true;
    tm->zone_s = sign * (h * 3600 + m * 60);
    return true;
}

/* RFC 3339 full-date "T" full-time, as rsyslog and RFC 5424 write it. */
static bool
read_iso(struct cursor *c, struct syslog_tm *tm)
{
    if (!(read_digits(c, 4, &tm->year) && read_char(c, '-') &&
          read_digits(c, 2, &tm->mon) && read_char(c, '-') &&
          read_digits(c, 2, &tm->day)))
        return false;
    if (!read_char(c, 'T') && !read_char(c, 't'))
        return false;
    if (tm->mon < 1 || tm->mon > 12 || tm->day < 1 || !read_hms(c, tm))
        return false;
    tm->has_year = true;
    read_frac(c, tm);
    return read_zone(c, tm);
}

/* "Jan".."Dec" -> 1..12, 0 when not a month name. */
static int
month_of(const char *p)
{
    static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

    for (int i = 0; i < 12; i++)
        if (memcmp(p, names + 3 * i, 3) == 0)
            return i + 1;
    return 0;
}

/* RFC 3164 TIMESTAMP "Mmm dd hh:mm:ss" (dd space-padded or not). */
static bool
read_bsd(struct cursor *c, struct syslog_tm *tm)
{
    if (c->end - c->p < 3 || (tm->mon = month_of(c->p)) == 0)
        return false;
    c->p += 3;
    if (!read_char(c, ' '))
        return false;
    read_char(c, ' ');
    if (read_digits(c, 2, &tm->day)) {
        /* dd */
    } else if (!read_digits(c, 1, &tm->day)) {
        return false;
    }
    if (tm->day < 1 || tm->day > 31 || !read_char(c, ' '))
        return false;
    if (!read_hms(c, tm))
        return false;
    read_frac(c, tm); /* some daemons add milliseconds */
    return true;
}

/* "2024 Mar  4 06:55:46": RFC 3164 with a leading year. */
static bool
read_year_bsd(struct cursor *c, struct syslog_tm *tm)
{
    struct cursor t = *c;
    int year;

    if (!read_digits(&t, 4, &year) || !read_char(&t, ' ') || !read_bsd(&t, tm))
        return false;
    tm->year = year;
    tm->has_year = true;
    *c = t;
    return true;
}

/*
 * Optional "<PRI>" (RFC 5424 6.2.1: 1-3 digits, at most 191).  Returns
 * the value, -1 when absent, -EBADMSG when it starts like one but is not.
 */
static int
read_pri(struct cursor *c)
{
    int v = 0, n = 0;

    if (c->p >= c->end || *c->p != '<')
        return -1;
    c->p++;
    while (c->p < c->end && (unsigned)(*c->p - '0') <= 9 && n < 4) {
        v = v * 10 + (*c->p - '0');
        c->p++;
        n++;
    }
    if (n == 0 || n > 3 || v > 191 || !read_char(c, '>'))
        return -EBADMSG;
    return v;
}

/* Skip spaces; returns how many were skipped. */
static size_t
skip_spaces(struct cursor *c)
{
    const char *s = c->p;

    while (c->p < c->end && *c->p == ' ')
        c->p++;
    return (size_t)(c->p - s);
}

/* The next space-delimited token (may be empty). */
static struct strv
read_token(struct cursor *c)
{
    const char *s = c->p, *e = memchr(s, ' ', (size_t)(c->end - s));

    if (e == NULL)
        e = c->end;
    c->p = e;
    return strv_make(s, (size_t)(e - s));
}

/* RFC 5424 NILVALUE "-" means absent (6.2). */
static struct strv
nil_to_absent(struct strv v)
{
    return v.n == 1 && v.p[0] == '-' ? STRV_NULL : v;
}

/* Remove a UTF-8 BOM (RFC 5424 6.4). */
static struct strv
strip_bom(struct strv v)
{
    if (v.n >= 3 && memcmp(v.p, "\xEF\xBB\xBF", 3) == 0)
        return strv_make(v.p + 3, v.n - 3);
    return v;
}

/*
 * RFC 5424 STRUCTURED-DATA (6.3): "-" or one or more "[SD-ID PARAM...]".
 * Inside a quoted PARAM-VALUE, '\' escapes '"', '\' and ']' (6.3.3), so a
 * ']' there does not end the element.  Returns false when unterminated.
 */
static bool
read_sd(struct cursor *c, struct strv *ret_sd)
{
    const char *s = c->p;
    bool quoted = false;

    if (read_char(c, '-')) {
        *ret_sd = STRV_NULL;
        return true;
    }
    if (c->p >= c->end || *c->p != '[')
        return false;
    while (c->p < c->end) {
        char ch = *c->p++;

        if (quoted) {
            if (ch == '\\' && c->p < c->end)
                c->p++;
            else if (ch == '"')
                quoted = false;
        } else if (ch == '"') {
            quoted = true;
        } else if (ch == ']') {
            if (c->p >= c->end || *c->p != '[') {
                *ret_sd = strv_make(s, (size_t)(c->p - s));
                return true;
            }
        }
    }
    return false;
}

/* Bounded header token: absent when "-", malformed when too long/empty. */
static bool
read_field(struct cursor *c, size_t max, struct strv *ret)
{
    struct strv v = read_token(c);

    if (v.n == 0 || v.n > max || !read_char(c, ' '))
        return false;
    *ret = nil_to_absent(v);
    return true;
}

/*
 * RFC 5424 6: VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP
 * MSGID SP STRUCTURED-DATA [SP MSG].  c is just after PRI.
 */
static int
parse_5424(struct cursor *c, const struct raw_record *rec, struct envelope *env)
{
    struct syslog_tm tm = {0};

    c->p += 2; /* "1 " checked by the caller */
    if (read_char(c, '-')) {
        env->time_us = EVENT_TIME_UNSET;
    } else if (!read_iso(c, &tm) || tm_resolve(&tm, rec, &env->time_us) < 0) {
        return -EBADMSG;
    }
    if (!read_char(c, ' ') ||
        !read_field(c, SYSLOG_HOSTNAME_MAX, &env->hostname) ||
        !read_field(c, SYSLOG_APP_MAX, &env->app) ||
        !read_field(c, SYSLOG_PID_MAX, &env->pid))
        return -EBADMSG;
    env->msgid = nil_to_absent(read_token(c));
    if (!read_char(c, ' ') || !read_sd(c, &env->sd))
        return -EBADMSG;
    if (c->p < c->end && !read_char(c, ' '))
        return -EBADMSG;
    /* rsyslog relaying an RFC 3164 message keeps the space after its TAG
     * in MSG, so RSYSLOG_SyslogProtocol23Format writes "- -  Accepted":
     * one more space is the relay's, not the program's. */
    read_char(c, ' ');
    env->msg = strip_bom(strv_make(c->p, (size_t)(c->end - c->p)));
    return 0;
}

/*
 * RFC 3164 TAG: "prog[pid]: ", "prog: ", "[prog]: " or "[prog] ".
 * Returns true and fills app/pid and moves c past the tag and its
 * separator; false (c unchanged) when tok is not a tag.
 */
static bool
read_tag(struct cursor *c, struct envelope *env)
{
    const char *s = c->p, *e = c->end, *p;
    struct cursor t = *c;

    if (s < e && *s == '[') { /* "[sshd]:" as some BSD relays write */
        p = memchr(s, ']', (size_t)(e - s));
        if (p == NULL || p == s + 1 || (size_t)(p - s - 1) > SYSLOG_APP_MAX ||
            memchr(s, ' ', (size_t)(p - s)) != NULL)
            return false;
        env->app = strv_make(s + 1, (size_t)(p - s - 1));
        t.p = p + 1;
        read_char(&t, ':');
        if (t.p < e && !read_char(&t, ' '))
            return false;
        *c = t;
        return true;
    }
    for (p = s; p < e && *p != '[' && *p != ':' && *p != ' '; p++)
        ;
    if (p == s || p == e || *p == ' ' || (size_t)(p - s) > SYSLOG_APP_MAX)
        return false;
    env->app = strv_make(s, (size_t)(p - s));
    if (*p == '[') {
        const char *q = memchr(p, ']', (size_t)(e - p));

        /* a PROCID holds no space: "we\e[1mb01 sshd[1]:" is a HOSTNAME
         * with a bracket, then the tag */
        if (q == NULL || (size_t)(q - p - 1) > SYSLOG_PID_MAX ||
            memchr(p, ' ', (size_t)(q - p)) != NULL)
            return false;
        env->pid = strv_make(p + 1, (size_t)(q - p - 1));
        p = q + 1;
    }
    /* ':' then a space or the end, so "2001:db8::1 " is no tag */
    if (p >= e || *p != ':' || (p + 1 < e && p[1] != ' '))
        return false;
    t.p = p + 1;
    read_char(&t, ' ');
    *c = t;
    return true;
}

/* Solaris prefixes "[ID 800047 auth.info] " to the message. */
static void
skip_solaris_msgid(struct cursor *c)
{
    const char *q;

    if (c->end - c->p < 5 || memcmp(c->p, "[ID ", 4) != 0)
        return;
    q = memchr(c->p, ']', (size_t)(c->end - c->p));
    if (q != NULL && q + 1 < c->end && q[1] == ' ' && q - c->p < 64)
        c->p = q + 2;
}

/* Try one timestamp reader on a copy of c; fills t and tm on success. */
static bool
try_time(bool (*reader)(struct cursor *, struct syslog_tm *),
         const struct cursor *c, struct cursor *t, struct syslog_tm *tm)
{
    *t = *c;
    *tm = (struct syslog_tm){0};
    return reader(t, tm);
}

/*
 * The optional timestamp of the BSD / rsyslog forms.  Returns 1 when one
 * was read (c moved past it and the spaces after it), 0 when there is
 * none, -EBADMSG when it is there but impossible.
 */
static int
parse_3164_time(struct cursor *c, const struct raw_record *rec,
                struct envelope *env)
{
    struct syslog_tm tm;
    struct cursor t;

    env->time_us = EVENT_TIME_UNSET;
    if (!try_time(read_iso, c, &t, &tm) &&
        !try_time(read_year_bsd, c, &t, &tm) && !try_time(read_bsd, c, &t, &tm))
        return 0;
    if (t.p < t.end && *t.p != ' ')
        return -EBADMSG;
    if (tm_resolve(&tm, rec, &env->time_us) < 0)
        return -EBADMSG;
    *c = t;
    skip_spaces(c);
    return 1;
}

/*
 * RFC 3164 (4.1.2 HEADER, 4.1.3 MSG) and its rsyslog / journal variants:
 * [TIMESTAMP SP] [HOSTNAME SP] TAG MSG.  Without a timestamp a HOSTNAME
 * and a TAG are both required, so that free text is not taken for a
 * header.
 */
static int
parse_3164(struct cursor *c, const struct raw_record *rec, struct envelope *env)
{
    struct cursor t;
    int has_time = parse_3164_time(c, rec, env);

    if (has_time < 0)
        return has_time;
    t = *c;
    if (!read_tag(&t, env)) {
        struct strv host = read_token(c);

        if (host.n == 0 || host.n > SYSLOG_HOSTNAME_MAX)
            return -EBADMSG;
        env->hostname = host;
        skip_spaces(c);
        t = *c;
        if (!read_tag(&t, env)) {
            if (!has_time)
                return -EBADMSG;
            env->app = env->pid = STRV_NULL;
            t = *c; /* no tag: the rest is the message */
        }
    }
    *c = t;
    skip_solaris_msgid(c);
    env->msg = strv_make(c->p, (size_t)(c->end - c->p));
    return 0;
}

/*
 * Parse the syslog header of rec (RFC 3164, rsyslog's RFC 3339 form, or
 * RFC 5424) into *ret_env, whose views point into rec->data.  Returns the
 * number of header bytes (> 0, or 0 for an empty header that is all
 * message), or -EBADMSG.  Pure; *ret_env is written only on success.
 */
int
parser_syslog_envelope(const struct raw_record *rec, struct envelope *ret_env)
{
    struct envelope env = {.time_us = EVENT_TIME_UNSET, .pri = -1};
    struct cursor c = {rec->data, rec->data + rec->len};
    int r;

    if (rec->data == NULL || rec->len == 0 || rec->len > PARSER_LINE_MAX)
        return -EBADMSG;
    env.pri = read_pri(&c);
    if (env.pri == -EBADMSG)
        return -EBADMSG;
    if (env.pri >= 0 && c.end - c.p >= 2 && c.p[0] == '1' && c.p[1] == ' ')
        r = parse_5424(&c, rec, &env);
    else
        r = parse_3164(&c, rec, &env);
    if (r < 0)
        return r;
    *ret_env = env;
    return (int)(env.msg.p - rec->data);
}
