/*
 * utmp.c - wtmp and btmp records (format "utmp") as user-session events.
 *
 * One record is one glibc `struct utmp` as written on x86-64 (utmp(5),
 * glibc bits/utmp.h with __WORDSIZE_TIME64_COMPAT32): 384 bytes, little
 * endian, laid out as below.  The offsets are spelled out here instead of
 * taken from the host's <utmp.h>, so the parser reads x86-64 files the same
 * on every build host.
 *
 *   off size field
 *     0    2 ut_type      short (then 2 bytes of padding)
 *     4    4 ut_pid       int32
 *     8   32 ut_line      "pts/0", "tty1", "~"      NUL-padded, maybe full
 *    40    4 ut_id        inittab id / tty suffix
 *    44   32 ut_user      user name; "reboot", "shutdown", "runlevel"
 *    76  256 ut_host      remote host, X display, kernel version (boot)
 *   332    4 ut_exit      e_termination, e_exit (int16 each)
 *   336    4 ut_session   int32
 *   340    8 ut_tv        tv_sec, tv_usec (int32 each)
 *   348   16 ut_addr_v6   IPv4 in the first word, or IPv6; network order
 *   364   20 __unused
 *
 * What each ut_type means (utmp(5), DESIGN 2):
 *   USER_PROCESS (7)  login, successful (wtmp) or failed (btmp)
 *   DEAD_PROCESS (8)  logout; the session key is (host, line, pid)
 *   BOOT_TIME (2)     host restart: closes the host's open sessions
 *   RUN_LVL (1)       with user "shutdown": host going down, same
 *   LOGIN_PROCESS (6) in btmp: a failed login; in wtmp: nothing
 *   EMPTY, INIT_PROCESS, NEW_TIME, OLD_TIME, ACCOUNTING: nothing
 *
 * Sample (utmpdump text of one record):
 *   [7] [03435] [ts/9] [mic] [pts/9] [192.168.1.2] [192.168.1.2]
 *   [2023-12-21T15:54:24,876668+00:00]
 *
 * The collector's own name is not in the record: the host is the one the
 * source was configured with (raw_record.hostname).  Strings are bounded
 * by their field size; bytes are passed as they are (the renderers escape
 * control characters and invalid UTF-8).  Pure: no I/O, no globals.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../model/identity.h"
#include "linux_state.h"
#include "parser.h"

/* Record layout (utmp(5), glibc x86-64). */
#define UTMP_OFF_TYPE 0
#define UTMP_OFF_PID 4
#define UTMP_OFF_LINE 8
#define UTMP_LINE_SIZE 32
#define UTMP_OFF_USER 44
#define UTMP_USER_SIZE 32
#define UTMP_OFF_HOST 76
#define UTMP_HOST_SIZE 256
#define UTMP_OFF_TV_SEC 340
#define UTMP_OFF_TV_USEC 344
#define UTMP_OFF_ADDR 348
#define UTMP_ADDR_SIZE 16

/* ut_type values (utmp(5)). */
#define UT_EMPTY 0
#define UT_RUN_LVL 1
#define UT_BOOT_TIME 2
#define UT_LOGIN_PROCESS 6
#define UT_USER_PROCESS 7
#define UT_DEAD_PROCESS 8
#define UT_TYPE_MAX 9 /* ACCOUNTING: the last type glibc defines */

#define US_PER_S 1000000

_Static_assert(UTMP_OFF_ADDR + UTMP_ADDR_SIZE + 20 == PARSER_UTMP_RECORD,
               "struct utmp is 384 bytes on x86-64");

/* The decoded fields of one record: views into the record. */
struct utmp_rec {
    int type;
    uint32_t pid;
    struct strv line, user, host;
    int64_t time_us;
    const unsigned char *addr; /* UTMP_ADDR_SIZE bytes */
};

static uint32_t
le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* A NUL-padded field: up to its first NUL, or all of it when full. */
static struct strv
utmp_str(const char *rec, size_t off, size_t size)
{
    const char *nul = memchr(rec + off, '\0', size);

    return strv_make(rec + off, nul ? (size_t)(nul - (rec + off)) : size);
}

/* Decode rec; -EBADMSG when it is not a plausible record. */
static int
utmp_decode(const struct raw_record *rec, struct utmp_rec *u)
{
    const unsigned char *b = (const unsigned char *)rec->data;
    int16_t type;
    int32_t sec, usec;

    if (rec->len != PARSER_UTMP_RECORD)
        return -EBADMSG;
    type = (int16_t)(uint16_t)(b[UTMP_OFF_TYPE] | b[UTMP_OFF_TYPE + 1] << 8);
    sec = (int32_t)le32(b + UTMP_OFF_TV_SEC);
    usec = (int32_t)le32(b + UTMP_OFF_TV_USEC);
    if (type < UT_EMPTY || type > UT_TYPE_MAX)
        return -EBADMSG;
    /* ut_tv is a struct timeval of two int32: a negative second or a
     * microsecond out of range is not a time glibc wrote. */
    if (type != UT_EMPTY && (sec < 0 || usec < 0 || usec >= US_PER_S))
        return -EBADMSG;
    u->type = type;
    u->pid = le32(b + UTMP_OFF_PID);
    u->line = utmp_str(rec->data, UTMP_OFF_LINE, UTMP_LINE_SIZE);
    u->user = utmp_str(rec->data, UTMP_OFF_USER, UTMP_USER_SIZE);
    u->host = utmp_str(rec->data, UTMP_OFF_HOST, UTMP_HOST_SIZE);
    u->time_us = (int64_t)sec * US_PER_S + usec;
    u->addr = b + UTMP_OFF_ADDR;
    return 0;
}

/* ut_addr_v6 as text: IPv4 when only the first word is set (utmp(5)),
 * else IPv6; absent when all zero. */
static struct strv
utmp_addr(struct event *ev, const unsigned char *a)
{
    static const unsigned char zero[UTMP_ADDR_SIZE];
    char text[INET6_ADDRSTRLEN];
    bool v4 = memcmp(a + 4, zero, UTMP_ADDR_SIZE - 4) == 0;

    if (memcmp(a, zero, UTMP_ADDR_SIZE) == 0 ||
        inet_ntop(v4 ? AF_INET : AF_INET6, a, text, sizeof(text)) == NULL)
        return STRV_NULL;
    return event_scratch_copy(ev, text, strlen(text));
}

/* A remote host: an address, or a ut_host that is not an X display or a
 * terminal multiplexer's ":pts/9:S.0" (those start with ':'). */
static bool
utmp_remote(const struct event *ev, const struct utmp_rec *u)
{
    return strv_present(ev->src_ip) || (u->host.n > 0 && u->host.p[0] != ':');
}

/* login_id "<line>:<pid>": DESIGN 3 keys wtmp sessions by (host, line,
 * pid); one process may hold several lines (tmux and screen panes). */
static struct strv
utmp_login_id(struct event *ev, const struct utmp_rec *u)
{
    char id[UTMP_LINE_SIZE + 1 + 10];
    size_t n = u->line.n;
    uint32_t pid = u->pid;
    char digits[10];
    size_t k = 0;

    memcpy(id, u->line.p, n);
    id[n++] = ':';
    do {
        digits[k++] = (char)('0' + pid % 10);
        pid /= 10;
    } while (pid > 0);
    while (k > 0)
        id[n++] = digits[--k];
    return event_scratch_copy(ev, id, n);
}

/* A USER_PROCESS (or btmp) record: who, where from, on which line. */
static void
utmp_login(struct event *ev, const struct utmp_rec *u, bool failed)
{
    ev->action = EV_ACTION_LOGIN;
    ev->result = failed ? EV_RESULT_FAILURE : EV_RESULT_SUCCESS;
    if (strv_present(u->line))
        ev->tty = u->line;
    ev->src_ip = utmp_addr(ev, u->addr);
    if (!strv_present(ev->src_ip))
        lx_set_ip(ev, u->host);
    ev->login_type =
        utmp_remote(ev, u) ? EV_LOGIN_TYPE_REMOTE : EV_LOGIN_TYPE_INTERACTIVE;
    if (failed) {
        /* btmp: one session per failed record (DESIGN 3), so no key */
        ev->result_details = STRV_LIT("Authentication failure");
        ev->event_code = STRV_LIT("btmp-failed");
    } else {
        ev->login_id = utmp_login_id(ev, u);
        ev->event_code = STRV_LIT("utmp-user-process");
    }
    lx_set_user(ev, u->user);
}

/* A DEAD_PROCESS record: the logout of the session on (line, pid).  wtmp
 * often leaves the user empty here; the session engine knows it. */
static void
utmp_logout(struct event *ev, const struct utmp_rec *u)
{
    ev->action = EV_ACTION_LOGOUT;
    if (strv_present(u->line))
        ev->tty = u->line;
    ev->login_id = utmp_login_id(ev, u);
    ev->event_code = STRV_LIT("utmp-dead-process");
    if (strv_present(u->user))
        lx_set_user(ev, u->user);
}

/*
 * Turn one utmp record (rec->kind RECORD_UTMP, PARSER_UTMP_RECORD bytes)
 * into ev, whose record fields (host, source, record_id, format) the
 * caller has set.  Returns PARSE_EVENT, PARSE_NONE for records that carry
 * no session event, or -EBADMSG for a record that is not one (wrong size,
 * ut_type out of range, impossible time).  ev holds views into rec.
 */
int
parser_utmp_record(const struct raw_record *rec, struct event *ev)
{
    struct utmp_rec u;
    int r = utmp_decode(rec, &u);

    if (r < 0)
        return r;
    ev->time_us = u.time_us;
    if (rec->failed_logins) {
        if (u.type != UT_USER_PROCESS && u.type != UT_LOGIN_PROCESS)
            return PARSE_NONE;
        utmp_login(ev, &u, true);
        return PARSE_EVENT;
    }
    switch (u.type) {
    case UT_USER_PROCESS:
        utmp_login(ev, &u, false);
        return PARSE_EVENT;
    case UT_DEAD_PROCESS:
        utmp_logout(ev, &u);
        return PARSE_EVENT;
    case UT_BOOT_TIME:
        ev->action = EV_ACTION_RESTART;
        ev->event_code = STRV_LIT("utmp-boot-time");
        return PARSE_EVENT;
    case UT_RUN_LVL:
        if (!strv_eq_cstr(u.user, "shutdown"))
            return PARSE_NONE;
        ev->action = EV_ACTION_RESTART;
        ev->event_code = STRV_LIT("utmp-shutdown");
        return PARSE_EVENT;
    default:
        return PARSE_NONE;
    }
}

/* Text records are never utmp: the registry hands RECORD_UTMP records to
 * parser_utmp_record() directly. */
static int
utmp_parse_text(const struct envelope *env, struct event *ev, void *state)
{
    (void)env;
    (void)ev;
    (void)state;
    return PARSE_NONE;
}

/* Listed in the registry so that "utmp" is a known format name. */
const struct parser_ops parser_utmp_ops = {
    .name = "utmp",
    .programs = NULL,
    .parse = utmp_parse_text,
};
