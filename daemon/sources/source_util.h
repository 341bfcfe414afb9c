/*
 * source_util.h - what every source needs alike: formatted diagnostics
 * through the source_env, the wall clock in µs, and the UTC offset applied
 * to zone-less timestamps (the `timezone` key: "local", "UTC", "+HH:MM").
 */
#ifndef SESSIONTAIL_SOURCE_UTIL_H
#define SESSIONTAIL_SOURCE_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "../source.h"

/* Longest diagnostic a source formats. */
#define SOURCE_DIAG_MAX 512

/* env->diag(ctx, src, prio, message), formatted; nothing when unset. */
void source_diagf(const struct source_env *env, struct source *src, int prio,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* CLOCK_REALTIME in µs since the epoch. */
int64_t source_now_us(void);

/* The offset of a source's `timezone`; the local zone's is cached per
 * second (it changes with DST). */
struct source_tz {
    bool local;
    int32_t fixed;
    int64_t sec; /* the second `cached` belongs to */
    int32_t cached;
};

/* Parse "local" (or NULL), "UTC", "+HH:MM" or "-HH:MM".  0 or -EINVAL. */
int source_tz_init(struct source_tz *tz, const char *spec);

/* Seconds east of UTC for a record received at now_us. */
int32_t source_tz_offset(struct source_tz *tz, int64_t now_us);

#endif
