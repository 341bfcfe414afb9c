/*
 * sources.h - the source types of daemon/sources/, one ops struct each
 * (STYLE 2).  The daemon finds them through source_types[] and
 * source_type_find() (daemon/source.h); tests use them directly.
 */
#ifndef SESSIONTAIL_SOURCES_H
#define SESSIONTAIL_SOURCES_H

#include <stdint.h>
#include <sys/socket.h>

#include "../source.h"

/* "file": text files and globs followed like tail -F (sources/file.c). */
extern const struct source_ops src_file_ops;
/* "utmp": wtmp/btmp records, on the file source (sources/utmp.c). */
extern const struct source_ops src_utmp_ops;
/* "journal": the systemd journal (sources/journal.c); open() is -ENOTSUP
 * when built without libsystemd. */
extern const struct source_ops src_journal_ops;

/* "syslog": a listener on udp://, tcp:// (RFC 6587) or unix-dgram://
 * (sources/syslog.c). */
extern const struct source_ops src_syslog_ops;
#define SRC_SYSLOG_MAX_MESSAGE (64 * 1024) /* default max_message */
#define SRC_SYSLOG_MAX_CLIENTS 256         /* default max_clients */

struct src_syslog_counters {
    uint64_t received;     /* messages handed to the pipeline */
    uint64_t bytes;        /* their bytes */
    uint64_t truncated;    /* cut to max_message */
    uint64_t empty;        /* empty datagrams or frames, skipped */
    uint64_t congested;    /* handed over while the sinks were full */
    uint64_t kernel_drops; /* UDP: the socket's drops (/proc/net/udp) */
    uint64_t queue_drops;  /* UDP: dropped with the queue full */
    uint64_t clients;      /* TCP connections accepted */
    uint64_t refused;      /* TCP connections past max_clients */
    uint64_t idle_closed;  /* TCP clients closed by idle_timeout */
    uint64_t errors;       /* receive errors */
};

/* The counters of a syslog source; kernel_drops is read at the call. */
void src_syslog_counters_get(const struct source *src,
                             struct src_syslog_counters *ret);
/* The bound local address (the port the kernel chose for port 0). */
int src_syslog_address(const struct source *src, struct sockaddr_storage *ret);
/* Config check of a `listen` value: 0, or -EINVAL and a static reason. */
int src_syslog_listen_check(const char *s, const char **ret_why);

#endif
