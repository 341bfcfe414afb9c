/*
 * buf.h - string views and a growable output buffer.
 *
 * A strv is a borrowed view: pointer plus length, not NUL-terminated.
 * Events are made of views into the record they came from (DESIGN 1).
 *
 * A buf is an owned, growable byte buffer.  Appends never fail loudly: an
 * allocation failure sets the sticky `oom` flag and later appends are no-ops,
 * so a writer can emit a whole record and check once at the end
 * (the sds/Redis idiom).  A buf may also be bounded: appends past `limit`
 * set `oom` as well, which keeps hostile input from growing memory.
 */
#ifndef SESSIONTAIL_BUF_H
#define SESSIONTAIL_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct strv {
    const char *p;
    size_t n;
};

#define STRV_NULL ((struct strv){NULL, 0})
#define STRV_LIT(s) ((struct strv){(s), sizeof(s) - 1})

static inline struct strv
strv_make(const char *p, size_t n)
{
    return (struct strv){p, n};
}

static inline struct strv
strv_from_cstr(const char *s)
{
    return (struct strv){s, s ? strlen(s) : 0};
}

/* True when the view holds at least one byte. */
static inline bool
strv_present(struct strv v)
{
    return v.p != NULL && v.n > 0;
}

static inline bool
strv_eq(struct strv a, struct strv b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

static inline bool
strv_eq_cstr(struct strv a, const char *s)
{
    return strv_eq(a, strv_from_cstr(s));
}

bool strv_starts_with(struct strv v, const char *prefix);
/* True when v is not empty and all ASCII digits. */
bool strv_all_digits(struct strv v);
/* v without the blanks (space, tab, CR, LF) at both ends. */
struct strv strv_trim(struct strv v);
bool strv_case_eq(struct strv a, const char *s);
/* ASCII case-insensitive comparison of two views. */
bool strv_case_eq_strv(struct strv a, struct strv b);

/* Digits of a 64-bit value in hex (session ids, keys, fingerprints). */
#define HEX64_LEN 16
/* Write v as HEX64_LEN lower-case hex digits (no NUL). */
void hex64_format(uint64_t v, char *out);
/* Parse exactly HEX64_LEN lower-case hex digits: the one spelling
 * hex64_format() writes.  False otherwise (*ret untouched). */
bool strv_to_hex64(struct strv v, uint64_t *ret);

/*
 * Parse a decimal unsigned integer occupying all of v.  Writes *ret only on
 * success.  Returns 0, or -EINVAL (not a number) or -ERANGE (above max).
 */
int strv_to_u64(struct strv v, uint64_t max, uint64_t *ret);

struct buf {
    char *data;
    size_t len;
    size_t cap;
    size_t limit; /* 0: unbounded */
    bool oom;
};

void buf_init(struct buf *b, size_t limit);
void buf_done(struct buf *b);
int buf_reserve(struct buf *b, size_t extra);
/* The slow paths of buf_append and buf_putc: grow, then copy. */
void buf_append_grow(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_put_strv(struct buf *b, struct strv v);
void buf_put_u64(struct buf *b, uint64_t v);
void buf_put_i64(struct buf *b, int64_t v);

/* Append n bytes.  Inline: the renderers call it for every key and value,
 * and the buffer almost always has room. */
static inline void
buf_append(struct buf *b, const void *p, size_t n)
{
    if (n == 0)
        return;
    if (n <= b->cap - b->len && !b->oom) {
        memcpy(b->data + b->len, p, n);
        b->len += n;
        return;
    }
    buf_append_grow(b, p, n);
}

static inline void
buf_putc(struct buf *b, char c)
{
    if (b->len < b->cap && !b->oom) {
        b->data[b->len++] = c;
        return;
    }
    buf_append_grow(b, &c, 1);
}

static inline void
buf_reset(struct buf *b)
{
    b->len = 0;
    b->oom = false;
}

#endif
