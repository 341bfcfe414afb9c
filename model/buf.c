/*
 * buf.c - string views and the growable output buffer (see buf.h).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "mem.h"

bool
strv_starts_with(struct strv v, const char *prefix)
{
    size_t n = strlen(prefix);

    return v.n >= n && memcmp(v.p, prefix, n) == 0;
}

bool
strv_all_digits(struct strv v)
{
    if (v.n == 0)
        return false;
    for (size_t i = 0; i < v.n; i++)
        if (v.p[i] < '0' || v.p[i] > '9')
            return false;
    return true;
}

static bool
is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

struct strv
strv_trim(struct strv v)
{
    while (v.n > 0 && is_blank(v.p[0])) {
        v.p++;
        v.n--;
    }
    while (v.n > 0 && is_blank(v.p[v.n - 1]))
        v.n--;
    return v;
}

/* ASCII case-insensitive comparison of a view with a C string. */
bool
strv_case_eq(struct strv a, const char *s)
{
    return strv_case_eq_strv(a, strv_from_cstr(s));
}

bool
strv_case_eq_strv(struct strv a, struct strv b)
{
    if (a.n != b.n)
        return false;
    for (size_t i = 0; i < a.n; i++) {
        unsigned char x = (unsigned char)a.p[i], y = (unsigned char)b.p[i];

        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

void
hex64_format(uint64_t v, char *out)
{
    static const char hex[] = "0123456789abcdef";

    for (int i = HEX64_LEN - 1; i >= 0; i--) {
        out[i] = hex[v & 0xF];
        v >>= 4;
    }
}

bool
strv_to_hex64(struct strv v, uint64_t *ret)
{
    uint64_t x = 0;

    if (v.n != HEX64_LEN)
        return false;
    for (size_t i = 0; i < v.n; i++) {
        char c = v.p[i];

        if (c >= '0' && c <= '9')
            x = x << 4 | (uint64_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            x = x << 4 | (uint64_t)(c - 'a' + 10);
        else
            return false;
    }
    *ret = x;
    return true;
}

int
strv_to_u64(struct strv v, uint64_t max, uint64_t *ret)
{
    uint64_t x = 0;

    if (v.n == 0)
        return -EINVAL;
    for (size_t i = 0; i < v.n; i++) {
        unsigned d = (unsigned)((unsigned char)v.p[i] - '0');

        if (d > 9)
            return -EINVAL;
        if (x > (max - d) / 10)
            return -ERANGE;
        x = x * 10 + d;
    }
    *ret = x;
    return 0;
}

void
buf_init(struct buf *b, size_t limit)
{
    *b = (struct buf){.limit = limit};
}

void
buf_done(struct buf *b)
{
    mem_free(b->data);
    *b = (struct buf){.limit = b->limit};
}

/*
 * Make room for `extra` more bytes.  Returns 0, or -ENOMEM (also sets the
 * sticky oom flag) when allocation fails or the limit would be passed.
 */
int
buf_reserve(struct buf *b, size_t extra)
{
    size_t need, cap;
    char *p;

    if (b->oom)
        return -ENOMEM;
    if (extra <= b->cap - b->len)
        return 0;
    if (extra > SIZE_MAX / 2 - b->len)
        goto fail;
    need = b->len + extra;
    if (b->limit && need > b->limit)
        goto fail;
    cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    if (b->limit && cap > b->limit)
        cap = b->limit;
    p = mem_realloc(b->data, cap);
    if (p == NULL)
        goto fail;
    b->data = p;
    b->cap = cap;
    return 0;
fail:
    b->oom = true;
    return -ENOMEM;
}

void
buf_append_grow(struct buf *b, const void *p, size_t n)
{
    if (n == 0 || buf_reserve(b, n) < 0)
        return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void
buf_puts(struct buf *b, const char *s)
{
    buf_append(b, s, strlen(s));
}

void
buf_put_strv(struct buf *b, struct strv v)
{
    buf_append(b, v.p, v.n);
}

void
buf_put_u64(struct buf *b, uint64_t v)
{
    char tmp[20];
    size_t i = sizeof(tmp);

    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    buf_append(b, tmp + i, sizeof(tmp) - i);
}

void
buf_put_i64(struct buf *b, int64_t v)
{
    if (v < 0) {
        buf_putc(b, '-');
        buf_put_u64(b, (uint64_t)0 - (uint64_t)v);
        return;
    }
    buf_put_u64(b, (uint64_t)v);
}
