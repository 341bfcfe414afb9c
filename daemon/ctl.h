/*
 * ctl.h - `sessiontail sessions` and `sessiontail stats`: the client side
 * of the control socket (daemon/control.h has the protocol).
 */
#ifndef SESSIONTAIL_CTL_H
#define SESSIONTAIL_CTL_H

#include <stddef.h>
#include <stdint.h>

/* sysexits(3) codes of the client, beside those of daemon.h. */
#define EXIT_UNAVAILABLE 69 /* the daemon is not running */
#define EXIT_PROTOCOL 76    /* the daemon refused or cut the answer */
#define EXIT_NOPERM 77      /* the socket is not ours to use */

/* The socket asked when neither --socket nor a sinks file names one: the
 * default of the control_socket key (test_control checks they agree). */
#define CTL_DEFAULT_SOCKET "/run/sessiontail/control.sock"
#define CTL_LINE_MAX (1024 * 1024) /* one answer line from the daemon */
#define CTL_TIMEOUT_S 30           /* silence from the daemon we wait out */

/* `sessiontail sessions|stats [options]`; argv[0] is the command.  Returns
 * the exit status. */
int ctl_main(int argc, char **argv);

/* Idle time as w(1) would: "42s", "5m", "2h", "3d" (truncated). */
void ctl_format_idle(int64_t seconds, char *buf, size_t len);

/* A session start as who(1) would, in local time: "2026-11-24 10:15". */
void ctl_format_since(int64_t time_us, char *buf, size_t len);

#endif
