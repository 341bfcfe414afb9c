/*
 * checkpoint.c - per-source position files: format, strict parser and
 * atomic replace (see checkpoint.h for the format).
 *
 *   sessiontail-checkpoint 1
 *   64769 1835021 48213 9f3a0c1d2e3f4a5b /var/log/remote/dc%2001/win.log
 *   checksum 0d6b1c7e2f3a4b5c
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../model/buf.h"
#include "../model/mem.h"
#include "checkpoint.h"
#include "fileio.h"

#define MAGIC "sessiontail-checkpoint "
#define SUM_PREFIX "checksum "
#define U64_DIGITS_MAX 20
#define NAME_MAX_BYTES 64 /* sanitised source name */
#define PATHBUF_MAX 4096  /* "<state_dir>/<name>.pos.tmp" */

static const char hexchars[] = "0123456789abcdef";

/* FNV-1a 64 over n bytes, continuing from h.  Pure; see checkpoint.h. */
uint64_t
checkpoint_fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;

    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static void
put_hex64(struct buf *out, uint64_t v)
{
    char s[HEX64_LEN];

    hex64_format(v, s);
    buf_append(out, s, sizeof(s));
}

static bool
path_byte_escaped(unsigned char c)
{
    return c < 0x20 || c == 0x7f || c == '%';
}

static void
put_path(struct buf *out, const char *path, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)path[i];

        if (path_byte_escaped(c)) {
            char e[3] = {'%', hexchars[c >> 4], hexchars[c & 0xf]};

            buf_append(out, e, sizeof(e));
        } else {
            buf_putc(out, (char)c);
        }
    }
}

/*
 * Append the file form of n borrowed entries to out.  Returns 0, -E2BIG or
 * -ENOMEM; see checkpoint.h.
 */
int
checkpoint_format(const struct checkpoint_entry *entries, size_t n,
                  struct buf *out)
{
    size_t start = out->len;

    if (n > CHECKPOINT_ENTRIES_MAX)
        return -E2BIG;
    buf_puts(out, MAGIC "1\n");
    for (size_t i = 0; i < n; i++) {
        const struct checkpoint_entry *e = &entries[i];
        size_t plen = e->path ? strlen(e->path) : 0;

        if (plen == 0 || plen > CHECKPOINT_PATH_MAX)
            return -E2BIG;
        buf_put_u64(out, e->dev);
        buf_putc(out, ' ');
        buf_put_u64(out, e->ino);
        buf_putc(out, ' ');
        buf_put_u64(out, e->offset);
        buf_putc(out, ' ');
        put_hex64(out, e->fingerprint);
        buf_putc(out, ' ');
        put_path(out, e->path, plen);
        buf_putc(out, '\n');
    }
    if (out->oom)
        return -ENOMEM;
    {
        uint64_t sum = checkpoint_fnv1a(CHECKPOINT_FNV_INIT, out->data + start,
                                        out->len - start);

        buf_puts(out, SUM_PREFIX);
        put_hex64(out, sum);
        buf_putc(out, '\n');
    }
    return out->oom ? -ENOMEM : 0;
}

/* ---- parsing: every function consumes from *p up to end ---- */

static int
hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Exactly 16 lower-case hex digits. */
static int
parse_hex64(const char **p, const char *end, uint64_t *ret)
{
    if (end - *p < HEX64_LEN || !strv_to_hex64(strv_make(*p, HEX64_LEN), ret))
        return -EBADMSG;
    *p += HEX64_LEN;
    return 0;
}

/* A decimal uint64: 1..20 digits, no sign, no overflow. */
static int
parse_u64(const char **p, const char *end, uint64_t *ret)
{
    const char *s = *p;
    uint64_t v = 0;

    while (s < end && *s >= '0' && *s <= '9') {
        unsigned d = (unsigned)(*s - '0');

        if (s - *p >= U64_DIGITS_MAX || v > (UINT64_MAX - d) / 10)
            return -EBADMSG;
        v = v * 10 + d;
        s++;
    }
    if (s == *p)
        return -EBADMSG;
    *p = s;
    *ret = v;
    return 0;
}

static int
expect_char(const char **p, const char *end, char c)
{
    if (*p >= end || **p != c)
        return -EBADMSG;
    (*p)++;
    return 0;
}

/* Decode the %HH-escaped path [p, end) into dst (room for len + 1). */
static int
decode_path(const char *p, const char *end, char *dst, size_t *ret_n)
{
    size_t n = 0;

    while (p < end) {
        unsigned char c = (unsigned char)*p;

        if (c == '%') {
            int hi, lo;

            if (end - p < 3)
                return -EBADMSG;
            hi = hexval((unsigned char)p[1]);
            lo = hexval((unsigned char)p[2]);
            if (hi < 0 || lo < 0 ||
                !path_byte_escaped((unsigned)(hi << 4 | lo)))
                return -EBADMSG;
            c = (unsigned char)(hi << 4 | lo);
            p += 3;
        } else if (path_byte_escaped(c)) {
            return -EBADMSG;
        } else {
            p++;
        }
        if (n >= CHECKPOINT_PATH_MAX)
            return -E2BIG;
        dst[n++] = (char)c;
    }
    if (n == 0)
        return -EBADMSG;
    dst[n] = '\0';
    *ret_n = n;
    return 0;
}

/* One entry line [p, end), LF excluded; the path goes to *pathp. */
static int
parse_entry(const char *p, const char *end, struct checkpoint_entry *e,
            char **pathp)
{
    size_t n;
    int r;

    if ((r = parse_u64(&p, end, &e->dev)) < 0 ||
        (r = expect_char(&p, end, ' ')) < 0 ||
        (r = parse_u64(&p, end, &e->ino)) < 0 ||
        (r = expect_char(&p, end, ' ')) < 0 ||
        (r = parse_u64(&p, end, &e->offset)) < 0 ||
        (r = expect_char(&p, end, ' ')) < 0 ||
        (r = parse_hex64(&p, end, &e->fingerprint)) < 0 ||
        (r = expect_char(&p, end, ' ')) < 0)
        return r;
    r = decode_path(p, end, *pathp, &n);
    if (r < 0)
        return r;
    e->path = *pathp;
    *pathp += n + 1;
    return 0;
}

/*
 * Check framing, version and checksum.  Returns the number of entry lines
 * and sets *body / *body_end to them.
 */
static int
check_frame(const char *data, size_t len, const char **body,
            const char **body_end)
{
    const char *end = data + len, *last, *p;
    uint64_t sum, want;
    size_t lines = 0, maglen = strlen(MAGIC);

    if (len > CHECKPOINT_FILE_MAX)
        return -E2BIG;
    if (len == 0 || data[len - 1] != '\n')
        return -EBADMSG; /* torn: the checksum line is always last */
    last = memrchr(data, '\n', len - 1);
    last = last ? last + 1 : data;
    p = last;
    if ((size_t)(end - p) != strlen(SUM_PREFIX) + HEX64_LEN + 1 ||
        memcmp(p, SUM_PREFIX, strlen(SUM_PREFIX)) != 0)
        return -EBADMSG;
    p += strlen(SUM_PREFIX);
    if (parse_hex64(&p, end, &want) < 0)
        return -EBADMSG;
    sum = checkpoint_fnv1a(CHECKPOINT_FNV_INIT, data, (size_t)(last - data));
    if (sum != want)
        return -EBADMSG;
    if ((size_t)(last - data) < maglen || memcmp(data, MAGIC, maglen) != 0)
        return -EBADMSG;
    p = data + maglen;
    if (end - p < 2 || p[0] != '1' || p[1] != '\n')
        return (p < end && p[0] >= '0' && p[0] <= '9') ? -EPROTONOSUPPORT
                                                       : -EBADMSG;
    *body = p + 2;
    *body_end = last;
    for (p = *body; p < last; p++)
        lines += *p == '\n';
    if (lines > CHECKPOINT_ENTRIES_MAX)
        return -E2BIG;
    return (int)lines;
}

/*
 * Strict parse of a whole file in memory; the caller mem_free()s the one
 * block returned in *ret_entries.  See checkpoint.h for the errors.
 */
int
checkpoint_parse(const char *data, size_t len,
                 struct checkpoint_entry **ret_entries, size_t *ret_n)
{
    struct checkpoint_entry *entries = NULL;
    const char *body, *body_end, *p;
    char *paths;
    size_t n = 0;
    int lines, r;

    lines = check_frame(data, len, &body, &body_end);
    if (lines < 0)
        return lines;
    /* One block: the array, then every path (decoded <= encoded + NUL). */
    entries = mem_malloc((size_t)lines * sizeof(*entries) +
                         (size_t)(body_end - body) + 1);
    if (entries == NULL)
        return -ENOMEM;
    paths = (char *)(entries + lines);
    for (p = body; p < body_end; n++) {
        const char *nl = memchr(p, '\n', (size_t)(body_end - p));

        if ((size_t)(nl - p) + 1 > CHECKPOINT_LINE_MAX) {
            r = -E2BIG;
            goto fail;
        }
        r = parse_entry(p, nl, &entries[n], &paths);
        if (r < 0)
            goto fail;
        p = nl + 1;
    }
    *ret_entries = entries;
    *ret_n = n;
    return 0;
fail:
    mem_free(entries);
    return r;
}

/*
 * "<state_dir>/<sanitised name>.pos" into the caller's buffer.  Bytes
 * outside [A-Za-z0-9._-] and a leading dot become '_'.
 */
int
checkpoint_path(const char *state_dir, const char *name, char *out,
                size_t outlen)
{
    char clean[NAME_MAX_BYTES + 1];
    size_t n = name ? strlen(name) : 0;
    int w;

    if (n == 0)
        return -EINVAL;
    if (n > NAME_MAX_BYTES)
        return -ENAMETOOLONG;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                  (c == '.' && i > 0);

        clean[i] = ok ? c : '_';
    }
    clean[n] = '\0';
    w = snprintf(out, outlen, "%s/%s.pos", state_dir, clean);
    if (w < 0 || (size_t)w >= outlen)
        return -ENAMETOOLONG;
    return 0;
}

/* Write data to tmp (0600), fsync, rename over path. */
static int
replace_file(const char *path, const char *tmp, const char *data, size_t len)
{
    int fd, r;

    fd = fileio_tmp_open(tmp);
    if (fd < 0)
        return fd;
    r = fileio_write_all(fd, data, len);
    if (r == 0)
        return fileio_tmp_commit(fd, tmp, path);
    close(fd);
    unlink(tmp);
    return r;
}

/*
 * Atomically replace the source's checkpoint with n borrowed entries:
 * write <file>.tmp, fsync, rename, fsync the directory.  Returns 0 or
 * -errno; a failed save leaves the old file and no temporary behind.
 */
int
checkpoint_save(const char *state_dir, const char *name,
                const struct checkpoint_entry *entries, size_t n)
{
    char path[PATHBUF_MAX], tmp[PATHBUF_MAX];
    struct buf out;
    int r, w;

    buf_init(&out, CHECKPOINT_FILE_MAX);
    r = checkpoint_path(state_dir, name, path, sizeof(path));
    if (r < 0)
        goto fail;
    w = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    if (w < 0 || (size_t)w >= sizeof(tmp)) {
        r = -ENAMETOOLONG;
        goto fail;
    }
    r = checkpoint_format(entries, n, &out);
    if (r < 0)
        goto fail;
    r = replace_file(path, tmp, out.data, out.len);
    if (r < 0)
        goto fail;
    r = fileio_fsync_dir(state_dir);
fail:
    buf_done(&out);
    return r;
}

/* Read path whole into an owned buffer; -E2BIG past CHECKPOINT_FILE_MAX. */
static int
read_bounded(const char *path, char **ret, size_t *ret_len)
{
    int fd, r;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -errno;
    r = fileio_read(fd, CHECKPOINT_FILE_MAX, ret, ret_len);
    close(fd);
    if (r == 0 && *ret_len > CHECKPOINT_FILE_MAX) {
        mem_free(*ret);
        r = -E2BIG;
    }
    return r;
}

/*
 * Read (bounded by CHECKPOINT_FILE_MAX) and strictly parse the source's
 * checkpoint.  -ENOENT when there is none.  Caller mem_free()s
 * *ret_entries.
 */
int
checkpoint_load(const char *state_dir, const char *name,
                struct checkpoint_entry **ret_entries, size_t *ret_n)
{
    char path[PATHBUF_MAX];
    char *data = NULL;
    size_t len = 0;
    int r;

    r = checkpoint_path(state_dir, name, path, sizeof(path));
    if (r < 0)
        return r;
    r = read_bounded(path, &data, &len);
    if (r < 0)
        return r;
    r = checkpoint_parse(data, len, ret_entries, ret_n);
    mem_free(data);
    return r;
}
