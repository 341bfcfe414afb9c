/*
 * listen_fds.h - sockets passed by systemd socket activation
 * (sd_listen_fds(3)), e.g. sessiontail.socket holding UDP port 514 so the
 * daemon needs no capability to listen there.
 *
 * The daemon takes them over once at start; each listener asks for the
 * one meant for it and gets a copy, so that a reload can ask again; after
 * the first start the sockets nothing asked for are closed with a warning.
 * Built without libsystemd there are never any.
 */
#ifndef SESSIONTAIL_LISTEN_FDS_H
#define SESSIONTAIL_LISTEN_FDS_H

#include <errno.h>
#include <sys/socket.h>

#ifdef HAVE_SYSTEMD

/*
 * Take over the sockets passed to this process (LISTEN_PID, LISTEN_FDS,
 * LISTEN_FDNAMES, which are then removed from the environment); any taken
 * over before are forgotten, not closed.  They are made close-on-exec.
 * Returns how many, or -errno.
 */
int listen_fds_init(void);

/*
 * A close-on-exec copy (caller closes) of the passed socket for a listener
 * of socket type `type` (SOCK_DGRAM or SOCK_STREAM, which must listen):
 * the one named `name` (FileDescriptorName= in the socket unit) if any,
 * else the one whose local address is `want`'s.  A dual-stack [::] socket
 * also serves a wanted 0.0.0.0 (ListenDatagram=514 binds [::]:514).
 * Returns the fd, -ENOENT when none matches, or -errno.
 */
int listen_fds_take(const char *name, int type, const struct sockaddr *want);

/* Close the passed sockets that no listener took, each with a warning. */
void listen_fds_close_unused(void);

#else

static inline int
listen_fds_init(void)
{
    return 0;
}

static inline int
listen_fds_take(const char *name, int type, const struct sockaddr *want)
{
    (void)name;
    (void)type;
    (void)want;
    return -ENOENT;
}

static inline void
listen_fds_close_unused(void)
{
}

#endif

#endif
