/*
 * render_syslog.h - events and session records as syslog messages, for
 * the syslog sink: RFC 5424 (header, structured data, JSON as MSG) and
 * RFC 3164 (BSD header, JSON as MSG).  Pure: no I/O, no clock, no globals.
 *
 *   <86>1 2024-03-14T13:54:19.000000Z web01 sessiontail - event
 *   [sessiontail@32473 action="login" login_successful="true"
 *   hostname="web01" user="alice" ...] {"record":"event",...}
 *
 *   <86>Mar 14 13:54:19 web01 sessiontail: {"record":"event",...}
 *
 * The renderers registered as output formats know nothing of the sink that
 * sends their line: they write facility authpriv, no PROCID and no
 * collector name.  The pipeline renders a record once per format and shares
 * the line between sinks, so each syslog sink stamps its own facility, the
 * daemon's pid and the collector's name into its copy with
 * syslog_restamp(), which also is the copy into its queue.
 */
#ifndef SESSIONTAIL_RENDER_SYSLOG_H
#define SESSIONTAIL_RENDER_SYSLOG_H

#include <stdint.h>

#include "buf.h"
#include "event.h"

struct session;

/* RFC 5424 6.2.1 Table 1: authpriv, "security/authorization messages"
 * (syslog(3) LOG_AUTHPRIV), where sshd and PAM write logins too. */
#define SYSLOG_FACILITY_DEFAULT 10
/* Facility codes are 0-23 (RFC 5424 6.2.1). */
#define SYSLOG_FACILITY_MAX 23
/* RFC 5424 6.2.4: HOSTNAME is at most 255 PRINTUSASCII bytes. */
#define SYSLOG_HOSTNAME_MAX 255

/* Facility names by code (index), as syslog(3) and rsyslog spell them,
 * NULL-terminated: "kern", "user", ... "local7". */
extern const char *const syslog_facility_names[];

/* The code of a facility name, or -EINVAL. */
int syslog_facility_code(const char *name);

/*
 * Append one RFC 5424 message for the event or the session record (no
 * framing, no trailing newline), with facility SYSLOG_FACILITY_DEFAULT, no
 * PROCID and no collector parameter: syslog_restamp() adds those.  The
 * arguments are borrowed.
 */
void event_to_rfc5424(const struct event *ev, struct buf *b);
void session_to_rfc5424(const struct session *s, struct buf *b);
/* The same as RFC 3164 messages, TAG "sessiontail". */
void event_to_rfc3164(const struct event *ev, struct buf *b);
void session_to_rfc3164(const struct session *s, struct buf *b);

/* What a sink stamps into the lines it sends. */
struct syslog_stamp {
    unsigned facility;     /* 0-SYSLOG_FACILITY_MAX */
    uint32_t pid;          /* PROCID / TAG[pid]; 0: none */
    struct strv collector; /* this machine's name, borrowed; empty: none */
};

/*
 * Append to out the line `line`, rendered by one of the functions above,
 * as if rendered for st: PRI with st's facility (severity kept), PROCID
 * (RFC 5424) or TAG[pid] (RFC 3164), the collector as HOSTNAME where the
 * record has none, and as the first SD-PARAM "collector" (RFC 5424).
 * Returns 0, -EBADMSG when line is not such a line, or -EINVAL for a
 * facility past SYSLOG_FACILITY_MAX (nothing appended then).
 */
int syslog_restamp(struct strv line, const struct syslog_stamp *st,
                   struct buf *out);

#endif
