/*
 * timeparse.c - the ISO 8601 / RFC 3339 time parser every payload format
 * shares (see timeparse.h).
 *
 *   2024-03-14T13:54:19.3628662Z   2020-09-22 04:37:54   ...+02:00
 */
#include <errno.h>
#include <stddef.h>

#include "timeparse.h"

#define US_PER_SEC INT64_C(1000000)

static int
days_in_month(int64_t y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30,
                                 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 && leap ? 29 : days[m - 1];
}

/* n digits at *i into *ret; false when they are not all digits. */
static bool
digits(struct strv s, size_t *i, int n, int *ret)
{
    int v = 0;

    if (s.n - *i < (size_t)n)
        return false;
    for (int k = 0; k < n; k++) {
        char c = s.p[*i + k];

        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *i += (size_t)n;
    *ret = v;
    return true;
}

static bool
expect(struct strv s, size_t *i, char c)
{
    if (*i >= s.n || s.p[*i] != c)
        return false;
    (*i)++;
    return true;
}

/* ".ffff..." into *us (digits past the sixth are read and dropped); a
 * point without digits is an error. */
static bool
fraction_us(struct strv s, size_t *i, int64_t *us)
{
    int n = 0;

    *us = 0;
    if (*i >= s.n || (s.p[*i] != '.' && s.p[*i] != ','))
        return true;
    (*i)++;
    while (*i < s.n && s.p[*i] >= '0' && s.p[*i] <= '9') {
        if (n++ < 6)
            *us = *us * 10 + (s.p[*i] - '0');
        (*i)++;
    }
    if (n == 0)
        return false;
    for (; n < 6; n++)
        *us *= 10;
    return true;
}

/* "Z", "+hh:mm", "+hhmm", "+hh" at *i into *ret_s; absent: *has false. */
static bool
zone(struct strv s, size_t *i, bool *has, int64_t *ret_s)
{
    int hh = 0, mm = 0, sign;

    *has = false;
    if (*i == s.n)
        return true;
    *has = true;
    if (s.p[*i] == 'Z' || s.p[*i] == 'z') {
        (*i)++;
        *ret_s = 0;
        return true;
    }
    if (s.p[*i] != '+' && s.p[*i] != '-')
        return false;
    sign = s.p[(*i)++] == '-' ? -1 : 1;
    if (!digits(s, i, 2, &hh))
        return false;
    if (*i < s.n && s.p[*i] == ':')
        (*i)++;
    if (*i < s.n && !digits(s, i, 2, &mm))
        return false;
    if (hh > 23 || mm > 59)
        return false;
    *ret_s = sign * (hh * 3600 + mm * 60);
    return true;
}

/*
 * Parse an ISO 8601 / RFC 3339 time (see timeparse.h).
 */
int
time_parse_iso(struct strv s, int32_t tz_offset_s, int64_t *ret_us,
               bool *ret_zoned)
{
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    size_t i = 0;
    int64_t frac, zone_s = tz_offset_s, t;
    bool has_zone;

    if (!digits(s, &i, 4, &y) || !expect(s, &i, '-') ||
        !digits(s, &i, 2, &mo) || !expect(s, &i, '-') || !digits(s, &i, 2, &d))
        return -EBADMSG;
    if (i >= s.n || (s.p[i] != 'T' && s.p[i] != 't' && s.p[i] != ' '))
        return -EBADMSG;
    i++;
    if (!digits(s, &i, 2, &h) || !expect(s, &i, ':') ||
        !digits(s, &i, 2, &mi) || !expect(s, &i, ':') ||
        !digits(s, &i, 2, &sec))
        return -EBADMSG;
    if (!fraction_us(s, &i, &frac) || !zone(s, &i, &has_zone, &zone_s) ||
        i != s.n)
        return -EBADMSG;
    if (!has_zone)
        zone_s = tz_offset_s;
    if (y < 1601 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
        h > 23 || mi > 59 || sec > 60)
        return -EBADMSG;
    if (sec == 60) /* a leap second: keep it inside the minute */
        sec = 59;
    t = time_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
        zone_s;
    *ret_us = t * US_PER_SEC + frac;
    if (ret_zoned != NULL)
        *ret_zoned = has_zone;
    return 0;
}
