/*
 * log.h - the daemon's own diagnostics on stderr.
 *
 * Under systemd (stderr not a terminal) every line starts with a "<N>"
 * syslog priority prefix so journald files it at the right level
 * (sd-daemon(3)); on a terminal it reads "sessiontail: warning: ...".
 * Only the daemon boundary logs (STYLE 4): parsers and model return codes.
 */
#ifndef SESSIONTAIL_LOG_H
#define SESSIONTAIL_LOG_H

#include <stdbool.h>
#include <syslog.h>

/* Set the program name and level.  `daemon` asks for the "<N>" prefix
 * when stderr is not a terminal; commands (replay, --check) never use it. */
void log_init(const char *progname, int min_prio, bool daemon);
void log_msg(int prio, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
