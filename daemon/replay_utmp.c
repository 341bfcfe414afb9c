/*
 * replay_utmp.c - the replay reader of wtmp and btmp files: 384-byte glibc
 * x86-64 `struct utmp` records (utmp(5), parsers/utmp.c), one record each.
 *
 * Taken by content: the first record has a ut_type glibc defines, zero
 * high byte and padding, and a plausible ut_tv (a file starting with an
 * EMPTY record needs a defined, non-empty second record).  A btmp file
 * looks the same as a wtmp file, so btmp is told by its name: "btmp*"
 * makes every login record a failed login.
 *
 * Misaligned files (a size that is not a multiple of 384, DESIGN 4): records
 * are read at offsets k * 384 from the start of the file, as utmpdump(1)
 * reads them; a partial record at the end is not a record (utmpdump skips
 * it too) and is counted as truncated.  `last` reads backwards from the end
 * and misreads such files; utmpdump is right.
 *
 * The host is this machine's name (gethostname): a wtmp record does not
 * say which host wrote it.
 *
 *   [7] [03435] [ts/9] [mic] [pts/9] [192.168.1.2] [192.168.1.2] [...]
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "../model/mem.h"
#include "replay.h"

#define UTMP_REC PARSER_UTMP_RECORD
#define UTMP_READ_RECORDS 256 /* records per read(2) */
#define UTMP_TYPE_MAX 9       /* ACCOUNTING */
#define UTMP_OFF_TV_SEC 340
#define UTMP_OFF_TV_USEC 344
#define UTMP_HOSTNAME_MAX 256
#define US_PER_S 1000000

/* Owned by the input (in->rs). */
struct utmp_reader {
    char *buf;
    size_t start, end; /* unread bytes are buf[start..end) */
    uint64_t base;     /* file offset of buf[0] */
    bool eof, failed;
    char hostname[UTMP_HOSTNAME_MAX];
};

static int32_t
le32(const unsigned char *p)
{
    return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 |
                     (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
}

/* ut_type of the record at p when plausible (see the file comment),
 * else -1. */
static int
plausible_type(const unsigned char *p)
{
    int32_t sec = le32(p + UTMP_OFF_TV_SEC), usec = le32(p + UTMP_OFF_TV_USEC);

    if (p[0] > UTMP_TYPE_MAX || p[1] != 0 || p[2] != 0 || p[3] != 0)
        return -1;
    if (sec < 0 || usec < 0 || usec >= US_PER_S)
        return -1;
    return p[0];
}

static bool
utmp_detect(const struct stat *st, const unsigned char *head, size_t n)
{
    int t;

    if (!S_ISREG(st->st_mode) || n < UTMP_REC)
        return false;
    t = plausible_type(head);
    if (t > 0)
        return true;
    return t == 0 && n >= 2 * UTMP_REC && plausible_type(head + UTMP_REC) > 0;
}

static bool
name_is_btmp(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;

    return strncmp(base, "btmp", 4) == 0;
}

static int
utmp_open(struct replay_input *in)
{
    struct utmp_reader *u = mem_calloc(1, sizeof(*u));

    if (u == NULL)
        return -ENOMEM;
    in->rs = u;
    u->failed = name_is_btmp(in->path);
    if (gethostname(u->hostname, sizeof(u->hostname) - 1) < 0)
        u->hostname[0] = '\0';
    u->buf = mem_malloc(UTMP_READ_RECORDS * UTMP_REC);
    return u->buf == NULL ? -ENOMEM : 0;
}

/* Read more; the unread bytes move to the front first. */
static void
utmp_refill(struct utmp_reader *u, int fd)
{
    ssize_t n;

    if (u->start > 0) {
        memmove(u->buf, u->buf + u->start, u->end - u->start);
        u->base += u->start;
        u->end -= u->start;
        u->start = 0;
    }
    do {
        n = read(fd, u->buf + u->end, UTMP_READ_RECORDS * UTMP_REC - u->end);
    } while (n < 0 && errno == EINTR);
    if (n <= 0)
        u->eof = true;
    else
        u->end += (size_t)n;
}

static bool
utmp_next(struct replay_input *in, struct raw_record *rec)
{
    struct utmp_reader *u = in->rs;

    while (u->end - u->start < UTMP_REC && !u->eof)
        utmp_refill(u, in->fd);
    if (u->end - u->start < UTMP_REC) {
        if (u->end > u->start) /* a partial last record: not a record */
            in->truncated++;
        u->start = u->end;
        return false;
    }
    rec->kind = RECORD_UTMP;
    rec->data = u->buf + u->start;
    rec->len = UTMP_REC;
    rec->offset = u->base + u->start;
    rec->has_offset = true;
    rec->failed_logins = u->failed;
    rec->hostname = strv_from_cstr(u->hostname);
    u->start += UTMP_REC;
    return true;
}

static void
utmp_close(struct replay_input *in)
{
    struct utmp_reader *u = in->rs;

    if (u == NULL)
        return;
    mem_free(u->buf);
    mem_free(u);
    in->rs = NULL;
}

/* The wtmp/btmp reader: records parsed as format "utmp". */
const struct replay_reader replay_utmp_reader = {
    .name = "utmp",
    .format = "utmp",
    .detect = utmp_detect,
    .open = utmp_open,
    .next = utmp_next,
    .close = utmp_close,
};
