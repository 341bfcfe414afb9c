/*
 * test_man_keys.c - docs/sessiontail.json.5 documents every sinks-file key
 * and nothing else (STYLE 8: the key tables in daemon/config.c are the
 * truth, as for the README in test_readme_keys.c).
 *
 * The page marks each section with a roff comment naming its table, and
 * documents each key as a .TP item whose tag is the key and, in
 * parentheses, its type, bounds and default:
 *
 *   .\" keys: source:file
 *   .TP
 *   \fBmax_line\fR (integer 256\(en65536, default 65536)
 *   Bytes per line; ...
 *
 * The test reads the page with the few roff escapes it uses undone and
 * checks, for every table: one marker; every key once, under it; the tag's
 * parenthesis equal to what the table says (type, min-max, "required" or
 * "default" followed by the default as JSON text); every choice of a key
 * named in its item; and no item under a marker that is not a key of
 * that table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../daemon/config.h"
#include "../../model/buf.h"
#include "testutil.h"

#define MAN_PAGE "docs/sessiontail.json.5"
#define MARKER ".\\\" keys: "
#define TABLES_MAX 32 /* sections in config_key_tables */
#define KEYS_MAX 32   /* keys in one section (as config.c) */

/* What the page says about one section. */
struct section_doc {
    const struct config_key_table *table;
    unsigned markers;
    unsigned seen[KEYS_MAX]; /* items per key of the table */
};

struct page {
    struct section_doc doc[TABLES_MAX];
    size_t n_tables;
    struct section_doc *cur;      /* the section being read; NULL outside */
    const struct config_key *key; /* the item being read; NULL outside */
    struct buf item;              /* its text, escapes undone */
    unsigned errors;
    bool quiet; /* count errors without printing them */
};

/* One difference between the page and the tables: counted and said. */
static void __attribute__((format(printf, 2, 3)))
report(struct page *pg, const char *fmt, ...)
{
    va_list ap;

    pg->errors++;
    if (pg->quiet)
        return;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", MAN_PAGE);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/*
 * Text with the roff escapes the page uses undone: \fB \fI \fR \fP \c \&
 * vanish, \- \(en \(em are '-', \(dq '"', \(aq '\'', \e '\\'.
 */
static void
put_plain(struct buf *b, const char *s, size_t n)
{
    static const struct {
        const char *name;
        char c;
    } specials[] = {{"en", '-'}, {"em", '-'}, {"dq", '"'}, {"aq", '\''}};
    const char *end = s + n;

    while (s < end) {
        if (*s != '\\' || s + 1 >= end) {
            buf_putc(b, *s++);
            continue;
        }
        s++;
        if (*s == 'f' && s + 1 < end) {
            s += 2;
        } else if (*s == '(' && s + 2 < end) {
            for (size_t i = 0; i < sizeof(specials) / sizeof(specials[0]); i++)
                if (memcmp(s + 1, specials[i].name, 2) == 0)
                    buf_putc(b, specials[i].c);
            s += 3;
        } else if (*s == 'c' || *s == '&') {
            s++;
        } else {
            buf_putc(b, *s == 'e' ? '\\' : *s);
            s++;
        }
    }
}

/* The tag of a key as the table describes it: "key (type ...)". */
static void
expected_tag(struct buf *b, const struct config_key *k)
{
    buf_puts(b, k->key);
    buf_puts(b, " (");
    buf_puts(b, config_type_name(k->type));
    if (k->type == CONFIG_INT) {
        buf_putc(b, ' ');
        buf_put_i64(b, k->min);
        buf_putc(b, '-');
        buf_put_i64(b, k->max);
    }
    if (k->required) {
        buf_puts(b, ", required");
    } else if (k->def != NULL) {
        buf_puts(b, ", default ");
        buf_puts(b, k->def);
    }
    buf_putc(b, ')');
}

static bool
word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* True when w occurs in text as a whole word. */
static bool
has_word(const char *text, const char *w)
{
    size_t n = strlen(w);

    for (const char *p = strstr(text, w); p != NULL; p = strstr(p + 1, w))
        if ((p == text || !word_char(p[-1])) && !word_char(p[n]))
            return true;
    return false;
}

/* The item just read ends: every choice of its key must be named. */
static void
end_item(struct page *pg)
{
    const struct config_key *k = pg->key;

    if (k != NULL && k->choices != NULL) {
        buf_putc(&pg->item, '\0');
        for (const char *const *ch = k->choices; *ch != NULL; ch++)
            if (!has_word(pg->item.data, *ch)) {
                report(pg, "%s key `%s`: choice `%s` not named",
                       pg->cur->table->section, k->key, *ch);
            }
    }
    pg->key = NULL;
    buf_done(&pg->item);
    buf_init(&pg->item, 0);
}

/* A .TP tag under the current marker: a key of its table, as it says. */
static void
read_tag(struct page *pg, const char *line, size_t n)
{
    const struct config_key *keys = pg->cur->table->keys;
    struct buf got, want;
    size_t i, klen;

    buf_init(&got, 0);
    buf_init(&want, 0);
    put_plain(&got, line, n);
    buf_putc(&got, '\0');
    klen = strcspn(got.data, " ");
    for (i = 0; keys[i].key != NULL; i++)
        if (strlen(keys[i].key) == klen &&
            memcmp(keys[i].key, got.data, klen) == 0)
            break;
    if (keys[i].key == NULL) {
        report(pg, "%s: `%s` is not a key of the table",
               pg->cur->table->section, got.data);
        goto done;
    }
    expected_tag(&want, &keys[i]);
    buf_putc(&want, '\0');
    if (strcmp(got.data, want.data) != 0) {
        report(pg, "%s: tag\n  is   %s\n  want %s", pg->cur->table->section,
               got.data, want.data);
    }
    pg->cur->seen[i]++;
    pg->key = &keys[i];
    buf_append(&pg->item, got.data, strlen(got.data));
done:
    buf_done(&got);
    buf_done(&want);
}

/* A marker line: the section it names starts. */
static void
read_marker(struct page *pg, const char *name, size_t n)
{
    pg->cur = NULL;
    for (size_t i = 0; i < pg->n_tables; i++) {
        const char *s = pg->doc[i].table->section;

        if (strlen(s) == n && memcmp(s, name, n) == 0) {
            pg->cur = &pg->doc[i];
            pg->cur->markers++;
            return;
        }
    }
    report(pg, "marker for an unknown section `%.*s`", (int)n, name);
}

/* Body text of an item: a macro line counts without its macro and the
 * quotes around its arguments. */
static void
read_body(struct page *pg, const char *line, size_t n)
{
    struct buf raw;
    size_t i = 0;

    if (n > 0 && line[0] == '.')
        i = strcspn(line, " \n");
    buf_init(&raw, 0);
    for (; i < n; i++)
        if (line[i] != '"')
            buf_putc(&raw, line[i]);
    buf_putc(&pg->item, ' ');
    put_plain(&pg->item, raw.data, raw.len);
    buf_done(&raw);
}

static void
read_page(struct page *pg, const char *text)
{
    const char *line = text;
    bool tag_next = false;

    while (*line != '\0') {
        size_t n = strcspn(line, "\n");

        if (n >= strlen(MARKER) && memcmp(line, MARKER, strlen(MARKER)) == 0) {
            end_item(pg);
            read_marker(pg, line + strlen(MARKER), n - strlen(MARKER));
        } else if (n >= 3 && (memcmp(line, ".SH", 3) == 0 ||
                              memcmp(line, ".SS", 3) == 0)) {
            end_item(pg);
            pg->cur = NULL;
        } else if (pg->cur != NULL && n == 3 && memcmp(line, ".TP", 3) == 0) {
            end_item(pg);
            tag_next = true;
        } else if (tag_next) {
            read_tag(pg, line, n);
            tag_next = false;
        } else if (pg->key != NULL) {
            read_body(pg, line, n);
        }
        line += n;
        if (*line == '\n')
            line++;
    }
    end_item(pg);
}

static void
test_every_key_documented(void **state)
{
    struct page pg = {0};
    char path[512], *text;

    snprintf(path, sizeof(path), "%s/%s", test_source_dir(), MAN_PAGE);
    text = test_read_file(path, NULL);
    if (text == NULL)
        fail_msg("%s cannot be read", path);
    for (const struct config_key_table *t = config_key_tables;
         t->section != NULL; t++) {
        assert_true(pg.n_tables < TABLES_MAX);
        pg.doc[pg.n_tables++].table = t;
    }
    buf_init(&pg.item, 0);
    read_page(&pg, text);
    for (size_t i = 0; i < pg.n_tables; i++) {
        const struct section_doc *d = &pg.doc[i];

        if (d->markers != 1) {
            report(&pg, "%u markers for section %s (want 1)", d->markers,
                   d->table->section);
        }
        for (size_t k = 0; d->table->keys[k].key != NULL; k++) {
            assert_true(k < KEYS_MAX);
            if (d->seen[k] != 1) {
                report(&pg, "%s key `%s` documented %u times",
                       d->table->section, d->table->keys[k].key, d->seen[k]);
            }
        }
    }
    buf_done(&pg.item);
    free(text);
    assert_int_equal(pg.errors, 0);
}

/* The reader catches what it is there for: a key the tables lack, a wrong
 * default, a choice not named (a key documented nowhere is the count
 * above). */
static void
test_reader_catches_drift(void **state)
{
    static const char *const pages[] = {
        /* an unknown key */
        MARKER "filter\n.TP\n\\fBcolour\\fR (string)\nRed.\n",
        /* a wrong default */
        MARKER "sessions\n.TP\n\\fBmax_open\\fR (integer "
               "1\\(en100000000, default 1000)\nSessions.\n",
        /* a choice not named */
        MARKER "sink:file\n.TP\n\\fBfsync\\fR (string, default "
               "\"none\")\n.BR none .\n",
    };
    struct page pg;

    for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
        memset(&pg, 0, sizeof(pg));
        pg.quiet = true;
        for (const struct config_key_table *u = config_key_tables;
             u->section != NULL; u++)
            pg.doc[pg.n_tables++].table = u;
        buf_init(&pg.item, 0);
        read_page(&pg, pages[i]);
        buf_done(&pg.item);
        assert_int_equal(pg.errors, 1);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_key_documented),
        cmocka_unit_test(test_reader_catches_drift),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
