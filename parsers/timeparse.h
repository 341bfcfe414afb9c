/*
 * timeparse.h - calendar arithmetic and the ISO 8601 / RFC 3339 time
 * parser every payload format shares (Windows SystemTime, NXLog EventTime,
 * Winlogbeat @timestamp, RFC 5424 structured data).  Pure.
 */
#ifndef SESSIONTAIL_TIMEPARSE_H
#define SESSIONTAIL_TIMEPARSE_H

#include <stdbool.h>
#include <stdint.h>

#include "../model/buf.h"

/*
 * Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil); valid for any year a log can carry.
 */
static inline int64_t
time_days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/*
 * Parse "Y-m-d H:M:S" or "Y-m-dTH:M:S" with an optional fraction (any
 * number of digits, cut to µs; "." or ",") and an optional zone ("Z",
 * "+hh:mm", "+hhmm", "+hh").  A time without a zone is local:
 * tz_offset_s (seconds east of UTC) is subtracted.  A leap second is kept
 * inside its minute.  Writes *ret_us (µs since the epoch, UTC) and, when
 * ret_zoned is not NULL, whether the text had its own zone.  Returns 0 or
 * -EBADMSG (RFC 3339 section 5.6; years before 1601, the Windows epoch,
 * are refused).
 */
int time_parse_iso(struct strv s, int32_t tz_offset_s, int64_t *ret_us,
                   bool *ret_zoned);

#endif
