/*
 * source_util.c - diagnostics, clock and time zone shared by the sources
 * (see source_util.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "source_util.h"

#define US_PER_S INT64_C(1000000)

void
source_diagf(const struct source_env *env, struct source *src, int prio,
             const char *fmt, ...)
{
    char msg[SOURCE_DIAG_MAX];
    va_list ap;

    if (env->diag == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    env->diag(env->ctx, src, prio, msg);
}

int64_t
source_now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * US_PER_S + ts.tv_nsec / 1000;
}

int
source_tz_init(struct source_tz *tz, const char *spec)
{
    int h, m;

    *tz = (struct source_tz){.local = true, .sec = INT64_MIN};
    if (spec == NULL || strcmp(spec, "local") == 0)
        return 0;
    tz->local = false;
    if (strcmp(spec, "UTC") == 0)
        return 0;
    if (strlen(spec) != 6 || (spec[0] != '+' && spec[0] != '-') ||
        spec[3] != ':')
        return -EINVAL;
    for (int i = 1; i < 6; i++)
        if (i != 3 && (spec[i] < '0' || spec[i] > '9'))
            return -EINVAL;
    h = (spec[1] - '0') * 10 + (spec[2] - '0');
    m = (spec[4] - '0') * 10 + (spec[5] - '0');
    if (h > 23 || m > 59)
        return -EINVAL;
    tz->fixed = (int32_t)((h * 3600 + m * 60) * (spec[0] == '-' ? -1 : 1));
    return 0;
}

int32_t
source_tz_offset(struct source_tz *tz, int64_t now_us)
{
    int64_t sec = now_us / US_PER_S;
    time_t t = (time_t)sec;
    struct tm tm;

    if (!tz->local)
        return tz->fixed;
    if (sec != tz->sec && localtime_r(&t, &tm) != NULL) {
        tz->sec = sec;
        tz->cached = (int32_t)tm.tm_gmtoff;
    }
    return tz->cached;
}
