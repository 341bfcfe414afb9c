/*
 * hostile_tool.c - the byte-level half of tests/it/test_hostile.sh: turns
 * the annotated corpus of samples/hostile/ into records for every source,
 * sends them as datagrams, receives a syslog sink's TCP stream, and checks
 * what the sinks wrote, byte by byte.
 *
 *   hostile_tool lines VIA SPEC...      records + LF (file, tcp-lf)
 *   hostile_tool octets VIA SPEC...     RFC 6587 3.4.1 frames (tcp-oc)
 *   hostile_tool journal VIA SPEC...    Journal Export Format entries
 *   hostile_tool utmp VIA SPEC...       384-byte utmp(5) records
 *   hostile_tool send udp PORT VIA SPEC...   one datagram per record
 *   hostile_tool send unix PATH VIA SPEC...
 *   hostile_tool expect VIA SPEC...     per record: KEY VALUE EVENTS SRC_IP
 *   hostile_tool count VIA SPEC...      how many records there are
 *   hostile_tool overlong VIA SPEC...   how many are past 64 KiB (cut)
 *   hostile_tool recv PORTFILE OUT      TCP listener on 127.0.0.1, every
 *                                       byte received appended to OUT
 *   hostile_tool check rfc5424|rfc3164 octets|lf FILE
 *                                       each message checked, then printed
 *                                       as one JSON object (rsyslog's names)
 *   hostile_tool check text|json FILE   control bytes, C1, bidi, UTF-8
 *
 * VIA is the source type the records are for (file, udp, tcp-lf, tcp-oc,
 * unix, journal, utmp): a record marked "only=" for others is left out.
 * The spec format is described in samples/hostile/README.md.  Checks print
 * one line per problem on stderr and exit 1; "check" ends with the line
 * "summary MESSAGES BAD UNSAFE" on stderr: messages read, messages with a
 * problem, unsafe characters (controls, C1, bidi, invalid UTF-8) found.
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define SPEC_LINE_MAX (2 * 1024 * 1024) /* a spec line, escapes undone */
#define FIELDS_MAX 32                   /* journal fields of one entry */
#define CLIENTS_MAX 16                  /* recv: connections at once */
#define UTMP_SIZE 384                   /* struct utmp, glibc x86-64 */
#define JOURNAL_T0 1710424459000000ULL  /* 2024-03-14T13:54:19Z, µs */
#define LINE_LIMIT 65536 /* the sources' default max_line, max_message */

/* One corpus record, escapes undone; fields split at "\;" (journal). */
struct rec {
    unsigned char *b;
    size_t n;
    size_t field[FIELDS_MAX]; /* start offsets; field[0] == 0 */
    size_t nfield;
    char only[256];  /* "udp,unix": the sources it is for; "" = every one */
    char key[64];    /* "id" or "host" */
    char val[256];   /* the value of that key in the event */
    char events[16]; /* the events it must give */
    char src_ip[64]; /* the src_ip they must carry, "-" none */
    unsigned lineno;
    bool cont; /* no @ line: part of the record above */
};

static unsigned char *linebuf;
static unsigned char *recbuf;

static int
hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/*
 * Undo the escapes of a record line: \\ \r \n \t \0 \e \a \xHH, \{N,HH}
 * (N copies of byte HH), \\{N:text} (N copies of a text without "}") and \; (a
 * field break, recorded in r->field).
 */
static int
unescape(const char *s, struct rec *r)
{
    size_t n = 0;

    r->nfield = 1;
    r->field[0] = 0;
    while (*s != '\0') {
        unsigned long cnt;
        char *end;
        int h, l;

        if (n + 1 >= SPEC_LINE_MAX)
            return -1;
        if (*s != '\\') {
            recbuf[n++] = (unsigned char)*s++;
            continue;
        }
        s++;
        switch (*s) {
        case '\\':
            recbuf[n++] = '\\';
            s++;
            break;
        case 'r':
            recbuf[n++] = '\r';
            s++;
            break;
        case 'n':
            recbuf[n++] = '\n';
            s++;
            break;
        case 't':
            recbuf[n++] = '\t';
            s++;
            break;
        case '0':
            recbuf[n++] = '\0';
            s++;
            break;
        case 'e':
            recbuf[n++] = 0x1b;
            s++;
            break;
        case 'a':
            recbuf[n++] = 0x07;
            s++;
            break;
        case ';':
            if (r->nfield >= FIELDS_MAX)
                return -1;
            r->field[r->nfield++] = n;
            s++;
            break;
        case 'x':
            if ((h = hexval(s[1])) < 0 || (l = hexval(s[2])) < 0)
                return -1;
            recbuf[n++] = (unsigned char)(h * 16 + l);
            s += 3;
            break;
        case '{':
            cnt = strtoul(s + 1, &end, 10);
            if (*end == ':') { /* N copies of a text */
                const char *t = end + 1, *e = strchr(t, '}');
                size_t tl = e ? (size_t)(e - t) : 0;

                if (e == NULL || tl == 0 || cnt > (SPEC_LINE_MAX - n - 1) / tl)
                    return -1;
                for (unsigned long k = 0; k < cnt; k++, n += tl)
                    memcpy(recbuf + n, t, tl);
                s = e + 1;
                break;
            }
            if (*end != ',' || (h = hexval(end[1])) < 0 ||
                (l = hexval(end[2])) < 0 || end[3] != '}' ||
                cnt > SPEC_LINE_MAX - n - 1)
                return -1;
            memset(recbuf + n, h * 16 + l, cnt);
            n += cnt;
            s = end + 4;
            break;
        default:
            return -1;
        }
    }
    r->b = recbuf;
    r->n = n;
    return 0;
}

/* "@key=value key=value": the expectations of the next record. */
static void
parse_at(const char *s, struct rec *r)
{
    char tok[512];
    int used;

    while (sscanf(s, " %511s%n", tok, &used) == 1) {
        char *eq = strchr(tok, '=');

        s += used;
        if (eq == NULL)
            continue;
        *eq = '\0';
        if (strcmp(tok, "only") == 0)
            snprintf(r->only, sizeof(r->only), "%s", eq + 1);
        else if (strcmp(tok, "events") == 0)
            snprintf(r->events, sizeof(r->events), "%s", eq + 1);
        else if (strcmp(tok, "src_ip") == 0)
            snprintf(r->src_ip, sizeof(r->src_ip), "%s", eq + 1);
        else if (strcmp(tok, "id") == 0 || strcmp(tok, "host") == 0) {
            snprintf(r->key, sizeof(r->key), "%s",
                     tok[0] == 'i' ? "id" : "host");
            snprintf(r->val, sizeof(r->val), "%s", eq + 1);
        }
    }
}

/* True when the record is for source type `via`. */
static bool
wanted(const struct rec *r, const char *via)
{
    size_t n = strlen(via);
    const char *p = r->only;

    if (r->only[0] == '\0')
        return strcmp(via, "utmp") != 0;
    while ((p = strstr(p, via)) != NULL) {
        if ((p == r->only || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
            return true;
        p += n;
    }
    return false;
}

typedef int rec_fn(const struct rec *r, void *arg);

/* Call fn for every record of the spec files meant for `via`. */
static int
each_record(char **files, int nfiles, const char *via, rec_fn *fn, void *arg)
{
    for (int i = 0; i < nfiles; i++) {
        FILE *f = fopen(files[i], "re");
        struct rec r = {0};
        unsigned lineno = 0;

        if (f == NULL) {
            perror(files[i]);
            return 1;
        }
        while (fgets((char *)linebuf, SPEC_LINE_MAX, f) != NULL) {
            char *l = (char *)linebuf;

            lineno++;
            l[strcspn(l, "\n")] = '\0';
            if (l[0] == '#' || l[0] == '\0')
                continue;
            if (l[0] == '@') {
                if (r.cont)
                    r = (struct rec){0};
                parse_at(l + 1, &r);
                continue;
            }
            if (unescape(l, &r) < 0) {
                fprintf(stderr, "%s:%u: bad escape\n", files[i], lineno);
                fclose(f);
                return 1;
            }
            r.lineno = lineno;
            if (wanted(&r, via) && fn(&r, arg) != 0) {
                fclose(f);
                return 1;
            }
            r.cont = true; /* until the next @ line */
        }
        fclose(f);
    }
    return 0;
}

/* ---- generators ------------------------------------------------------- */

static int
put_line(const struct rec *r, void *arg)
{
    (void)arg;
    fwrite(r->b, 1, r->n, stdout);
    putchar('\n');
    return 0;
}

static int
put_octets(const struct rec *r, void *arg)
{
    (void)arg;
    printf("%zu ", r->n);
    fwrite(r->b, 1, r->n, stdout);
    return 0;
}

/* A Journal Export Format field: text form, or binary (name, LF, 64-bit
 * little-endian length, data, LF) when the value holds an LF or a byte
 * below 0x20 (systemd's journal-export-format spec). */
static void
put_field(const char *name, size_t nlen, const unsigned char *v, size_t n)
{
    bool bin = false;

    for (size_t i = 0; i < n; i++)
        if (v[i] < 0x20 && v[i] != '\t')
            bin = true;
    fwrite(name, 1, nlen, stdout);
    if (bin) {
        unsigned char le[8];

        putchar('\n');
        for (int k = 0; k < 8; k++)
            le[k] = (unsigned char)((uint64_t)n >> (8 * k));
        fwrite(le, 1, 8, stdout);
    } else {
        putchar('=');
    }
    fwrite(v, 1, n, stdout);
    putchar('\n');
}

/*
 * One journal entry.  A record with fields ("NAME=value\;NAME=value") is
 * written as they are; a plain record as what udp514-journal stores: the
 * datagram as MESSAGE (a "<38>" put in front of a BSD header), the bridge
 * as SYSLOG_IDENTIFIER, the collector as _HOSTNAME.
 */
static int
put_journal(const struct rec *r, void *arg)
{
    unsigned *seq = arg;
    static unsigned char msg[SPEC_LINE_MAX + 8];

    printf("__REALTIME_TIMESTAMP=%llu\n__MONOTONIC_TIMESTAMP=%u\n",
           JOURNAL_T0 + (unsigned long long)*seq * 1000, 1000000 + *seq);
    printf("_BOOT_ID=0123456789abcdef0123456789abcdef\n");
    (*seq)++;
    if (r->nfield > 1) {
        for (size_t i = 0; i < r->nfield; i++) {
            size_t s = r->field[i];
            size_t e = i + 1 < r->nfield ? r->field[i + 1] : r->n;
            const unsigned char *eq = memchr(r->b + s, '=', e - s);

            if (eq == NULL)
                return 1;
            put_field((const char *)r->b + s, (size_t)(eq - (r->b + s)), eq + 1,
                      (size_t)(r->b + e - eq - 1));
        }
    } else {
        size_t n = 0;

        if (r->n > 0 && r->b[0] != '<' && r->b[0] != '{')
            n = (size_t)snprintf((char *)msg, 8, "<38>");
        memcpy(msg + n, r->b, r->n);
        printf("_HOSTNAME=collector\nSYSLOG_IDENTIFIER=udp514-journal\n");
        printf("_PID=77\n");
        put_field("MESSAGE", 7, msg, n + r->n);
    }
    putchar('\n');
    return 0;
}

/* "name=value" tokens of a utmp record line, value escapes undone. */
static const unsigned char *
utmp_tok(const struct rec *r, const char *name, size_t *ret_n)
{
    size_t nl = strlen(name);

    for (size_t i = 0; i + nl < r->n; i++) {
        if ((i == 0 || r->b[i - 1] == ' ') && memcmp(r->b + i, name, nl) == 0 &&
            r->b[i + nl] == '=') {
            const unsigned char *v = r->b + i + nl + 1;
            const unsigned char *e = memchr(v, ' ', r->n - (size_t)(v - r->b));

            *ret_n = e ? (size_t)(e - v) : r->n - (size_t)(v - r->b);
            return v;
        }
    }
    *ret_n = 0;
    return NULL;
}

static void
le32_put(unsigned char *d, uint32_t v)
{
    for (int k = 0; k < 4; k++)
        d[k] = (unsigned char)(v >> (8 * k));
}

static uint32_t
utmp_num(const struct rec *r, const char *name)
{
    size_t n;
    const unsigned char *v = utmp_tok(r, name, &n);
    char tmp[32];

    if (v == NULL || n >= sizeof(tmp))
        return 0;
    memcpy(tmp, v, n);
    tmp[n] = '\0';
    return (uint32_t)strtoul(tmp, NULL, 10);
}

/* A utmp(5) record: type pid line user host addr sec (x86-64 offsets). */
static int
put_utmp(const struct rec *r, void *arg)
{
    static const struct {
        const char *name;
        size_t off, size;
    } str[] = {
        {"line", 8, 32}, {"id", 40, 4}, {"user", 44, 32}, {"host", 76, 256}};
    unsigned char u[UTMP_SIZE] = {0};
    const unsigned char *v;
    size_t n;

    (void)arg;
    le32_put(u, utmp_num(r, "type"));
    le32_put(u + 4, utmp_num(r, "pid"));
    for (size_t i = 0; i < sizeof(str) / sizeof(str[0]); i++)
        if ((v = utmp_tok(r, str[i].name, &n)) != NULL)
            memcpy(u + str[i].off, v, n < str[i].size ? n : str[i].size);
    le32_put(u + 340, utmp_num(r, "sec"));
    if ((v = utmp_tok(r, "addr", &n)) != NULL) {
        char tmp[64];

        memcpy(tmp, v, n < sizeof(tmp) - 1 ? n : sizeof(tmp) - 1);
        tmp[n < sizeof(tmp) - 1 ? n : sizeof(tmp) - 1] = '\0';
        if (inet_pton(AF_INET, tmp, u + 348) != 1)
            return 1;
    }
    fwrite(u, 1, sizeof(u), stdout);
    return 0;
}

static int
count_one(const struct rec *r, void *arg)
{
    (void)r;
    (*(unsigned *)arg)++;
    return 0;
}

static int
count_long(const struct rec *r, void *arg)
{
    if (r->n > LINE_LIMIT)
        (*(unsigned *)arg)++;
    return 0;
}

static int
put_expect(const struct rec *r, void *arg)
{
    (void)arg;
    if (r->cont)
        return 0;
    if (r->key[0] == '\0' || r->events[0] == '\0') {
        fprintf(stderr, "spec line %u: no @id/@host or events\n", r->lineno);
        return 1;
    }
    printf("%s\t%s\t%s\t%s\n", r->key, r->val, r->events,
           r->src_ip[0] ? r->src_ip : "?");
    return 0;
}

/* ---- sending ---------------------------------------------------------- */

struct sender {
    int fd;
    struct sockaddr_storage ss;
    socklen_t len;
    unsigned sent;
};

static int
send_one(const struct rec *r, void *arg)
{
    struct sender *s = arg;

    if (sendto(s->fd, r->b, r->n, 0, (struct sockaddr *)&s->ss, s->len) < 0) {
        fprintf(stderr, "sendto (%zu bytes): %s\n", r->n, strerror(errno));
        return 1;
    }
    s->sent++;
    usleep(1000); /* a burst is not what this test is about */
    return 0;
}

static int
cmd_send(int argc, char **argv)
{
    struct sender s = {.fd = -1};
    int r;

    if (argc < 5)
        return 2;
    if (strcmp(argv[1], "udp") == 0) {
        struct sockaddr_in *in = (struct sockaddr_in *)&s.ss;

        in->sin_family = AF_INET;
        in->sin_port = htons((uint16_t)strtoul(argv[2], NULL, 10));
        in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        s.len = sizeof(*in);
        s.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    } else {
        struct sockaddr_un *un = (struct sockaddr_un *)&s.ss;

        un->sun_family = AF_UNIX;
        if (strlen(argv[2]) >= sizeof(un->sun_path))
            return 2;
        memcpy(un->sun_path, argv[2], strlen(argv[2]) + 1);
        s.len = sizeof(*un);
        s.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    }
    if (s.fd < 0) {
        perror("socket");
        return 1;
    }
    r = each_record(argv + 4, argc - 4, argv[3], send_one, &s);
    close(s.fd);
    printf("%u\n", s.sent);
    return r;
}

/* ---- receiving -------------------------------------------------------- */

static volatile sig_atomic_t stop;

static void
on_term(int sig)
{
    (void)sig;
    stop = 1;
}

/* Accept every connection on 127.0.0.1:0 and append what they send. */
static int
cmd_recv(const char *portfile, const char *out)
{
    struct sockaddr_in in = {.sin_family = AF_INET};
    struct pollfd pf[CLIENTS_MAX + 1];
    socklen_t len = sizeof(in);
    static char buf[65536];
    int nfd = 1, ofd;
    FILE *pfile;

    signal(SIGTERM, on_term);
    in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    pf[0].fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    pf[0].events = POLLIN;
    ofd = open(out, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (pf[0].fd < 0 || ofd < 0 ||
        bind(pf[0].fd, (struct sockaddr *)&in, sizeof(in)) < 0 ||
        listen(pf[0].fd, 8) < 0 ||
        getsockname(pf[0].fd, (struct sockaddr *)&in, &len) < 0) {
        perror("recv");
        return 1;
    }
    pfile = fopen(portfile, "we");
    if (pfile == NULL)
        return 1;
    fprintf(pfile, "%u\n", ntohs(in.sin_port));
    fclose(pfile);
    while (!stop) {
        if (poll(pf, (nfds_t)nfd, 200) <= 0)
            continue;
        if ((pf[0].revents & POLLIN) && nfd <= CLIENTS_MAX) {
            int c = accept4(pf[0].fd, NULL, NULL, SOCK_CLOEXEC);

            if (c >= 0) {
                pf[nfd].fd = c;
                pf[nfd++].events = POLLIN;
            }
        }
        for (int i = 1; i < nfd; i++) {
            ssize_t n;

            if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            n = read(pf[i].fd, buf, sizeof(buf));
            if (n > 0 && write(ofd, buf, (size_t)n) != n)
                return 1;
            if (n <= 0) {
                close(pf[i].fd);
                pf[i--] = pf[--nfd];
            }
        }
    }
    close(ofd);
    return 0;
}

/* ---- checks ----------------------------------------------------------- */

static unsigned bad;      /* messages with a problem */
static unsigned problems; /* problems found */
static unsigned controls; /* unsafe characters among them */
static size_t last_bad = SIZE_MAX;

static void
problem(size_t msgno, const char *what, const unsigned char *p, size_t n)
{
    if (msgno != last_bad)
        bad++;
    last_bad = msgno;
    if (++problems > 20)
        return;
    fprintf(stderr, "message %zu: %s: ", msgno, what);
    for (size_t i = 0; i < n && i < 120; i++)
        fprintf(stderr, p[i] >= 0x20 && p[i] < 0x7f ? "%c" : "\\x%02x", p[i]);
    fprintf(stderr, "\n");
}

/* Length of the valid UTF-8 sequence at p (RFC 3629 4), 0 if none; the
 * code point in *cp. */
static size_t
utf8_seq(const unsigned char *p, size_t n, uint32_t *cp)
{
    unsigned char c = p[0], lo = 0x80, hi = 0xBF;
    size_t len;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF)
        len = 2, *cp = c & 0x1Fu;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, *cp = c & 0x0Fu, lo = c == 0xE0 ? 0xA0 : 0x80,
        hi = c == 0xED ? 0x9F : 0xBF;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, *cp = c & 0x07u, lo = c == 0xF0 ? 0x90 : 0x80,
        hi = c == 0xF4 ? 0x8F : 0xBF;
    else
        return 0;
    if (n < len || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if (i > 1 && (p[i] < 0x80 || p[i] > 0xBF))
            return 0;
        *cp = (*cp << 6) | (p[i] & 0x3Fu);
    }
    return len;
}

/*
 * Bytes that must never reach a terminal or a log line raw: C0 controls
 * (ESC, CR, LF, NUL...), DEL, C1 controls (U+0080-U+009F, 0x9B is CSI) and
 * the bidirectional formatting characters; invalid UTF-8 too.  Returns the
 * number found in p[0..n).
 */
static unsigned
unsafe_bytes(size_t msgno, const unsigned char *p, size_t n)
{
    unsigned found = 0;

    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = utf8_seq(p + i, n - i, &cp);
        const char *why = NULL;

        if (len == 0) {
            why = "invalid UTF-8";
            len = 1;
        } else if (cp < 0x20 || cp == 0x7F) {
            why = "raw control byte";
        } else if (cp >= 0x80 && cp <= 0x9F) {
            why = "raw C1 control";
        } else if ((cp >= 0x202A && cp <= 0x202E) ||
                   (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E ||
                   cp == 0x200F) {
            why = "raw bidi control";
        }
        if (why != NULL) {
            found++;
            controls++;
            problem(msgno, why, p + (i > 40 ? i - 40 : 0),
                    n - (i > 40 ? i - 40 : 0));
        }
        i += len;
    }
    return found;
}

static bool
printusascii(const unsigned char *p, size_t n, size_t max)
{
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if (p[i] < 33 || p[i] > 126)
            return false;
    return true;
}

/* A JSON string of p[0..n) on stdout (p is valid UTF-8 without controls
 * by then; anything else is \u-escaped all the same). */
static void
json_str(const unsigned char *p, size_t n)
{
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"' || p[i] == '\\')
            printf("\\%c", p[i]);
        else if (p[i] < 0x20 || p[i] == 0x7F)
            printf("\\u%04x", p[i]);
        else
            putchar(p[i]);
    }
    putchar('"');
}

static const unsigned char *
token(const unsigned char **p, const unsigned char *end, size_t *ret_n)
{
    const unsigned char *s = *p, *sp = memchr(s, ' ', (size_t)(end - s));

    if (sp == NULL)
        return NULL;
    *ret_n = (size_t)(sp - s);
    *p = sp + 1;
    return s;
}

/* "<PRI>" (RFC 5424 6.2.1): 1-3 digits, at most 191. */
static int
take_pri(const unsigned char **p, const unsigned char *end)
{
    const unsigned char *q = *p + 1;
    int pri = 0;

    if (end - *p < 3 || **p != '<')
        return -1;
    while (q < end && *q >= '0' && *q <= '9' && q - *p <= 3)
        pri = pri * 10 + (*q++ - '0');
    if (q == *p + 1 || q >= end || *q != '>' || pri > 191)
        return -1;
    *p = q + 1;
    return pri;
}

static bool
digits(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    return true;
}

/* RFC 5424 6.2.3 TIMESTAMP: NILVALUE or FULL-DATE "T" PARTIAL-TIME
 * [TIME-SECFRAC] TIME-OFFSET. */
static bool
timestamp_ok(const unsigned char *t, size_t n)
{
    size_t i = 19;

    if (n == 1 && t[0] == '-')
        return true;
    if (n < 20 || !digits(t, 4) || t[4] != '-' || !digits(t + 5, 2) ||
        t[7] != '-' || !digits(t + 8, 2) || t[10] != 'T' ||
        !digits(t + 11, 2) || t[13] != ':' || !digits(t + 14, 2) ||
        t[16] != ':' || !digits(t + 17, 2))
        return false;
    if (t[i] == '.') {
        size_t s = ++i;

        while (i < n && t[i] >= '0' && t[i] <= '9')
            i++;
        if (i == s || i - s > 6)
            return false;
    }
    if (i < n && t[i] == 'Z')
        return i + 1 == n;
    return n - i == 6 && (t[i] == '+' || t[i] == '-') && digits(t + i + 1, 2) &&
           t[i + 3] == ':' && digits(t + i + 4, 2);
}

/* SD-NAME (RFC 5424 6.3): 1-32 PRINTUSASCII except '=', SP, ']', '"'. */
static size_t
sd_name(const unsigned char *p, const unsigned char *end)
{
    size_t n = 0;

    while (p + n < end && p[n] >= 33 && p[n] <= 126 && p[n] != '=' &&
           p[n] != ']' && p[n] != '"')
        n++;
    return n <= 32 ? n : 0;
}

/*
 * STRUCTURED-DATA (RFC 5424 6.3): NILVALUE or SD-ELEMENTs; PARAM-VALUE
 * UTF-8 with '"', '\' and ']' escaped (6.3.3) and, as sessiontail promises,
 * no control byte.  Returns the end of it, or NULL.
 */
static const unsigned char *
sd_check(size_t msgno, const unsigned char *p, const unsigned char *end)
{
    if (p < end && *p == '-')
        return p + 1;
    if (p >= end || *p != '[')
        return NULL;
    while (p < end && *p == '[') {
        size_t n = sd_name(++p, end);

        if (n == 0)
            return NULL;
        for (p += n; p < end && *p == ' ';) {
            const unsigned char *v;

            n = sd_name(++p, end);
            if (n == 0 || p + n + 1 >= end || p[n] != '=' || p[n + 1] != '"')
                return NULL;
            v = p += n + 2;
            while (p < end && *p != '"') {
                if (*p == ']')
                    return NULL; /* unescaped ']' */
                if (*p == '\\') {
                    if (p + 1 >= end ||
                        (p[1] != '"' && p[1] != '\\' && p[1] != ']'))
                        return NULL;
                    p++;
                }
                p++;
            }
            if (p >= end)
                return NULL;
            unsafe_bytes(msgno, v, (size_t)(p - v));
            p++;
        }
        if (p >= end || *p != ']')
            return NULL;
        p++;
    }
    return p;
}

/* MSG: sessiontail writes its JSON as printable ASCII. */
static void
msg_check(size_t msgno, const unsigned char *m, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (m[i] < 0x20 || m[i] > 0x7E) {
            problem(msgno, "MSG byte not printable ASCII", m, n);
            return;
        }
    if (n == 0 || m[0] != '{' || m[n - 1] != '}')
        problem(msgno, "MSG is not a JSON object", m, n);
}

/* RFC 5424 6: HEADER SP STRUCTURED-DATA [SP MSG]; prints it as JSON. */
static void
check_5424(size_t msgno, const unsigned char *p, size_t n)
{
    const unsigned char *end = p + n, *f[5], *sd;
    size_t fl[5];
    static const size_t max[5] = {0, 255, 48, 128, 32};
    int pri = take_pri(&p, end);

    if (pri < 0 || end - p < 2 || p[0] != '1' || p[1] != ' ') {
        problem(msgno, "PRI or VERSION", p, (size_t)(end - p));
        return;
    }
    p += 2;
    for (int i = 0; i < 5; i++) {
        if ((f[i] = token(&p, end, &fl[i])) == NULL) {
            problem(msgno, "header field missing", f[0], n);
            return;
        }
    }
    if (!timestamp_ok(f[0], fl[0])) {
        problem(msgno, "TIMESTAMP", f[0], fl[0]);
        return;
    }
    for (int i = 1; i < 5; i++)
        if (!printusascii(f[i], fl[i], max[i])) {
            problem(msgno, "header field not 1*PRINTUSASCII", f[i], fl[i]);
            return;
        }
    sd = sd_check(msgno, p, end);
    if (sd == NULL) {
        problem(msgno, "STRUCTURED-DATA", p, (size_t)(end - p));
        return;
    }
    if (sd < end && *sd != ' ') {
        problem(msgno, "no SP after STRUCTURED-DATA", sd, (size_t)(end - sd));
        return;
    }
    msg_check(msgno, sd + 1, sd < end ? (size_t)(end - sd - 1) : 0);
    printf("{\"pri\":\"%d\",\"version\":\"1\",\"time\":", pri);
    json_str(f[0], fl[0]);
    printf(",\"hostname\":");
    json_str(f[1], fl[1]);
    printf(",\"app\":");
    json_str(f[2], fl[2]);
    printf(",\"procid\":");
    json_str(f[3], fl[3]);
    printf(",\"msgid\":");
    json_str(f[4], fl[4]);
    printf(",\"sd\":");
    json_str(p, (size_t)(sd - p));
    printf(",\"msg\":");
    json_str(sd + 1, sd < end ? (size_t)(end - sd - 1) : 0);
    printf("}\n");
}

static bool
bsd_host_ok(const unsigned char *p, size_t n)
{
    if (n == 0 || n > 255)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') ||
              (p[i] >= '0' && p[i] <= '9') || p[i] == '.' || p[i] == '-' ||
              p[i] == '_'))
            return false;
    /* rsyslog's pmrfc3164 wants a letter or digit at the end */
    return (p[n - 1] >= 'a' && p[n - 1] <= 'z') ||
           (p[n - 1] >= 'A' && p[n - 1] <= 'Z') ||
           (p[n - 1] >= '0' && p[n - 1] <= '9');
}

/* RFC 3164 4.1: "<PRI>Mmm dd hh:mm:ss HOSTNAME TAG[pid]: MSG". */
static void
check_3164(size_t msgno, const unsigned char *p, size_t n)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    const unsigned char *end = p + n, *host = NULL, *tag, *colon;
    size_t hl = 0;
    int pri = take_pri(&p, end);

    if (pri < 0) {
        problem(msgno, "PRI", p, n);
        return;
    }
    if (end - p > 16 && p[3] == ' ' && p[15] == ' ') {
        char mon[4] = {(char)p[0], (char)p[1], (char)p[2], 0};
        const char *m = strstr(months, mon);

        if (m == NULL || (m - months) % 3 != 0 ||
            !(p[4] == ' ' || (p[4] >= '1' && p[4] <= '3')) ||
            !digits(p + 5, 1) || p[6] != ' ' || !digits(p + 7, 2) ||
            p[9] != ':' || !digits(p + 10, 2) || p[12] != ':' ||
            !digits(p + 13, 2)) {
            problem(msgno, "TIMESTAMP", p, 15);
            return;
        }
        p += 16;
        if ((host = token(&p, end, &hl)) == NULL || !bsd_host_ok(host, hl)) {
            problem(msgno, "HOSTNAME", p, (size_t)(end - p));
            return;
        }
    }
    tag = p;
    colon = memchr(p, ':', (size_t)(end - p));
    if (colon == NULL || colon + 1 >= end || colon[1] != ' ' ||
        !printusascii(tag, (size_t)(colon - tag), 48)) {
        problem(msgno, "TAG", tag, (size_t)(end - tag));
        return;
    }
    msg_check(msgno, colon + 2, (size_t)(end - colon - 2));
    printf("{\"pri\":\"%d\",\"hostname\":", pri);
    json_str(host ? host : (const unsigned char *)"", hl);
    printf(",\"tag\":");
    json_str(tag, (size_t)(colon + 1 - tag));
    printf(",\"msg\":");
    json_str(colon + 2, (size_t)(end - colon - 2));
    printf("}\n");
}

static unsigned char *
slurp(const char *path, size_t *ret_n)
{
    FILE *f = fopen(path, "re");
    unsigned char *b = NULL;
    size_t cap = 0, n = 0, r;

    if (f == NULL)
        return NULL;
    do {
        if (n + 65536 > cap) {
            unsigned char *nb = realloc(b, cap = 2 * cap + 65536);

            if (nb == NULL) {
                free(b);
                fclose(f);
                return NULL;
            }
            b = nb;
        }
        r = fread(b + n, 1, cap - n, f);
        n += r;
    } while (r > 0);
    fclose(f);
    *ret_n = n;
    return b;
}

typedef void msg_fn(size_t msgno, const unsigned char *p, size_t n);

/* Split a stream into messages: octet counting or LF (RFC 6587 3.4). */
static size_t
split(const unsigned char *b, size_t n, bool octets, msg_fn *fn)
{
    size_t i = 0, msgs = 0;

    while (i < n) {
        const unsigned char *e;
        size_t len;

        if (octets) {
            size_t d = i;

            len = 0;
            while (d < n && b[d] >= '0' && b[d] <= '9' && d - i < 10)
                len = len * 10 + (b[d++] - '0');
            if (d == i || d >= n || b[d] != ' ' || len > n - d - 1) {
                problem(msgs, "octet-counting frame", b + i, n - i);
                return msgs;
            }
            i = d + 1;
        } else {
            e = memchr(b + i, '\n', n - i);
            if (e == NULL) {
                problem(msgs, "last line without LF", b + i, n - i);
                return msgs;
            }
            len = (size_t)(e - (b + i));
        }
        if (memchr(b + i, '\n', len) != NULL || memchr(b + i, '\r', len))
            problem(msgs, "CR or LF inside a message", b + i, len);
        fn(msgs++, b + i, len);
        i += len + (octets ? 0 : 1);
    }
    return msgs;
}

/* One line of the text or JSON output: no unsafe byte, then the kind's
 * own shape. */
static bool json_lines;

static void
check_line(size_t msgno, const unsigned char *p, size_t n)
{
    unsafe_bytes(msgno, p, n);
    if (json_lines && (n == 0 || p[0] != '{' || p[n - 1] != '}'))
        problem(msgno, "not a JSON object", p, n);
}

static int
cmd_check(int argc, char **argv)
{
    unsigned char *b;
    size_t n, msgs;
    const char *kind = argv[1];

    if (argc < 3)
        return 2;
    b = slurp(argv[argc - 1], &n);
    if (b == NULL) {
        perror(argv[argc - 1]);
        return 1;
    }
    if (strcmp(kind, "text") == 0 || strcmp(kind, "json") == 0) {
        json_lines = kind[0] == 'j';
        msgs = split(b, n, false, check_line);
    } else {
        bool octets = argc > 3 && strcmp(argv[2], "octets") == 0;

        msgs = split(b, n, octets,
                     strcmp(kind, "rfc5424") == 0 ? check_5424 : check_3164);
    }
    free(b);
    fprintf(stderr, "summary %zu %u %u\n", msgs, bad, controls);
    return bad == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
    unsigned seq = 0;
    int r = 2;

    linebuf = malloc(SPEC_LINE_MAX + 1);
    recbuf = malloc(SPEC_LINE_MAX + 1);
    if (linebuf == NULL || recbuf == NULL)
        return 1;
    if (argc >= 3 && strcmp(argv[1], "lines") == 0)
        r = each_record(argv + 3, argc - 3, argv[2], put_line, NULL);
    else if (argc >= 3 && strcmp(argv[1], "octets") == 0)
        r = each_record(argv + 3, argc - 3, argv[2], put_octets, NULL);
    else if (argc >= 3 && strcmp(argv[1], "journal") == 0)
        r = each_record(argv + 3, argc - 3, argv[2], put_journal, &seq);
    else if (argc >= 3 && strcmp(argv[1], "utmp") == 0)
        r = each_record(argv + 3, argc - 3, argv[2], put_utmp, NULL);
    else if (argc >= 3 && strcmp(argv[1], "count") == 0) {
        r = each_record(argv + 3, argc - 3, argv[2], count_one, &seq);
        printf("%u\n", seq);
    } else if (argc >= 3 && strcmp(argv[1], "overlong") == 0) {
        r = each_record(argv + 3, argc - 3, argv[2], count_long, &seq);
        printf("%u\n", seq);
    } else if (argc >= 3 && strcmp(argv[1], "expect") == 0)
        r = each_record(argv + 3, argc - 3, argv[2], put_expect, NULL);
    else if (argc >= 2 && strcmp(argv[1], "send") == 0)
        r = cmd_send(argc - 1, argv + 1);
    else if (argc == 4 && strcmp(argv[1], "recv") == 0)
        r = cmd_recv(argv[2], argv[3]);
    else if (argc >= 2 && strcmp(argv[1], "check") == 0)
        r = cmd_check(argc - 1, argv + 1);
    if (r == 2)
        fprintf(stderr, "usage: see the comment at the top of %s\n", __FILE__);
    fflush(stdout);
    free(linebuf);
    free(recbuf);
    return r;
}
