/*
 * syslog.h - the syslog sink's destination address, shared with the
 * config loader, which checks it without resolving anything.
 *
 *   "siem.example:514", "10.0.0.9:6514", "[2001:db8::9]:514", "siem"
 */
#ifndef SESSIONTAIL_SINK_SYSLOG_H
#define SESSIONTAIL_SINK_SYSLOG_H

#include <stdint.h>

/* RFC 5426 3.3 (UDP) and the port every syslog daemon listens on for TCP
 * too, when the address names none. */
#define SYSLOG_DEFAULT_PORT 514
/* RFC 1035 2.3.4: a domain name is at most 253 characters as text. */
#define SYSLOG_HOST_MAX 253

/* A parsed `address`: the host as getaddrinfo(3) takes it (no brackets). */
struct syslog_address {
    char host[SYSLOG_HOST_MAX + 1];
    uint16_t port;
};

/*
 * Parse `address`: HOST:PORT (a name or an IPv4 address), [IPV6]:PORT, or
 * either without the port (514).  Returns 0 and *ret, or -EINVAL and a
 * static reason in *ret_why.  Pure: nothing is resolved.
 */
int sink_syslog_address_parse(const char *s, struct syslog_address *ret,
                              const char **ret_why);

/* The same as a config key check (config.h `check`). */
int sink_syslog_address_check(const char *s, const char **ret_why);

#endif
