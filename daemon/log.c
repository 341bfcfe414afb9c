/*
 * log.c - the daemon's own diagnostics (see log.h).
 *
 * Messages are made safe before they reach a terminal or the journal: any
 * control byte from a file name or a remote value is shown as \xHH.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINE_MAX 1024

static const char *log_progname = "sessiontail";
static bool log_prefix;
static int log_level = LOG_INFO;

void
log_init(const char *progname, int min_prio, bool daemon)
{
    log_progname = progname;
    log_level = min_prio;
    /* Under systemd stderr is a stream to journald, which reads the
     * prefix (sd-daemon(3)); a terminal gets words instead. */
    log_prefix = daemon && !isatty(STDERR_FILENO);
}

static const char *
prio_word(int prio)
{
    static const char *const words[] = {
        "emergency", "alert",  "critical", "error",
        "warning",   "notice", "info",     "debug",
    };

    return words[prio & 7];
}

void
log_msg(int prio, const char *fmt, ...)
{
    char raw[LOG_LINE_MAX], out[LOG_LINE_MAX * 4 + 64];
    size_t o = 0;
    va_list ap;
    int n;

    if ((prio & 7) > log_level)
        return;
    va_start(ap, fmt);
    n = vsnprintf(raw, sizeof(raw), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (log_prefix)
        n = snprintf(out, sizeof(out), "<%d>", prio & 7);
    else
        n = snprintf(out, sizeof(out), "%s: %s: ", log_progname,
                     prio_word(prio));
    if (n < 0 || (size_t)n >= sizeof(out))
        return;
    o = (size_t)n;
    for (const unsigned char *p = (const unsigned char *)raw; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            o += (size_t)snprintf(out + o, sizeof(out) - o, "\\x%02x", *p);
            continue;
        }
        out[o++] = (char)*p;
    }
    out[o++] = '\n';
    /* One write per line so concurrent writers never interleave mid-line. */
    if (write(STDERR_FILENO, out, o) < 0)
        return;
}
