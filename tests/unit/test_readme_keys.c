/*
 * test_readme_keys.c - every sinks-file key is documented once (STYLE 8).
 *
 * The key tables in daemon/config.c are the truth.  This test renders them
 * as markdown (one table per section: key | type | default | meaning) and
 *   - compares the rendering with the README's reference between its
 *     keys:begin/keys:end markers (ST_UPDATE_README_KEYS=1 rewrites that
 *     part of the README from the tables);
 *   - checks that README.md's sinks-file reference has a row starting with
 *     "| `key` |" for every key of every section (skipped while there is no
 *     README.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "../../daemon/config.h"
#include "../../model/buf.h"
#include "testutil.h"

/* Append s with '|' escaped, so it stays in its table cell. */
static void
put_cell(struct buf *b, const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == '|')
            buf_putc(b, '\\');
        buf_putc(b, *s);
    }
}

static void
put_type(struct buf *b, const struct config_key *k)
{
    const char *const *ch;

    buf_puts(b, config_type_name(k->type));
    if (k->type == CONFIG_INT) {
        buf_puts(b, " (");
        buf_put_i64(b, k->min);
        buf_puts(b, "-");
        buf_put_i64(b, k->max);
        buf_puts(b, ")");
    }
    if (k->choices != NULL) {
        buf_puts(b, ", one of");
        for (ch = k->choices; *ch != NULL; ch++) {
            buf_puts(b, ch == k->choices ? " `" : ", `");
            buf_puts(b, *ch);
            buf_puts(b, "`");
        }
    }
}

static void
put_section_title(struct buf *b, const char *section)
{
    const char *colon = strchr(section, ':');

    buf_puts(b, "### ");
    if (strcmp(section, "top") == 0) {
        buf_puts(b, "Top level");
    } else if (colon != NULL) {
        /* "Source type `file`": the list name, capitalised. */
        buf_putc(b, (char)(section[0] - 'a' + 'A'));
        buf_append(b, section + 1, (size_t)(colon - section - 1));
        buf_puts(b, " type `");
        buf_puts(b, colon + 1);
        buf_puts(b, "`");
    } else {
        buf_puts(b, "`");
        buf_puts(b, section);
        buf_puts(b, "` object");
    }
    buf_puts(b, " (`");
    buf_puts(b, section);
    buf_puts(b, "`)\n\n");
}

/* The reference text, from the tables. */
static void
render(struct buf *b)
{
    const struct config_key_table *t;
    const struct config_key *k;

    for (t = config_key_tables; t->section != NULL; t++) {
        if (t != config_key_tables)
            buf_puts(b, "\n");
        put_section_title(b, t->section);
        buf_puts(b, "| key | type | default | meaning |\n"
                    "|---|---|---|---|\n");
        for (k = t->keys; k->key != NULL; k++) {
            buf_puts(b, "| `");
            buf_puts(b, k->key);
            buf_puts(b, "` | ");
            put_type(b, k);
            buf_puts(b, " | ");
            if (k->required) {
                buf_puts(b, "required");
            } else if (k->def != NULL) {
                buf_puts(b, "`");
                put_cell(b, k->def);
                buf_puts(b, "`");
            } else {
                buf_puts(b, "-");
            }
            buf_puts(b, " | ");
            put_cell(b, k->doc);
            buf_puts(b, " |\n");
        }
    }
}

#define KEYS_BEGIN "<!-- keys:begin (tests/unit/test_readme_keys.c) -->\n"
#define KEYS_END "<!-- keys:end -->\n"

/* Replace the README's reference between the markers with b. */
static void
update_readme(const char *path, const char *readme, const char *begin,
              const char *end, const struct buf *b)
{
    FILE *f = fopen(path, "we");

    assert_non_null(f);
    fwrite(readme, 1, (size_t)(begin - readme) + strlen(KEYS_BEGIN), f);
    fwrite(b->data, 1, b->len, f);
    fputs(end, f);
    assert_int_equal(fclose(f), 0);
}

/*
 * The README's reference, between its markers, is exactly what the tables
 * render; ST_UPDATE_README_KEYS=1 rewrites it from the tables.
 */
static void
test_reference_text(void **state)
{
    char path[512], *readme;
    const char *begin, *end;
    struct buf b;

    buf_init(&b, 0);
    render(&b);
    assert_false(b.oom);
    snprintf(path, sizeof(path), "%s/README.md", test_source_dir());
    readme = test_read_file(path, NULL);
    assert_non_null(readme);
    begin = strstr(readme, KEYS_BEGIN);
    end = begin ? strstr(begin, KEYS_END) : NULL;
    if (begin == NULL || end == NULL)
        fail_msg("README.md lacks the keys:begin/keys:end markers");
    if (getenv("ST_UPDATE_README_KEYS") != NULL) {
        update_readme(path, readme, begin, end, &b);
        free(readme);
        readme = test_read_file(path, NULL);
        begin = strstr(readme, KEYS_BEGIN);
        end = strstr(begin, KEYS_END);
    }
    begin += strlen(KEYS_BEGIN);
    if ((size_t)(end - begin) != b.len || memcmp(begin, b.data, b.len) != 0)
        fail_msg("README.md's sinks-file reference differs from the key "
                 "tables: run test_readme_keys with ST_UPDATE_README_KEYS=1");
    free(readme);
    buf_done(&b);
}

/* The part of the README after its sinks-file heading (or all of it). */
static const char *
reference_part(const char *readme)
{
    const char *line;

    for (line = readme; line != NULL && *line != '\0';) {
        if (*line == '#') {
            const char *eol = strchr(line, '\n');
            size_t n = eol ? (size_t)(eol - line) : strlen(line);
            char head[256];

            snprintf(head, sizeof(head), "%.*s", (int)n, line);
            if (strcasestr(head, "sinks file") != NULL ||
                strcasestr(head, "sinks-file") != NULL)
                return line;
        }
        line = strchr(line, '\n');
        if (line != NULL)
            line++;
    }
    return readme;
}

static void
test_readme(void **state)
{
    const struct config_key_table *t;
    const struct config_key *k;
    char path[512], row[128], *readme;
    const char *part;
    size_t missing = 0;

    snprintf(path, sizeof(path), "%s/README.md", test_source_dir());
    readme = test_read_file(path, NULL);
    if (readme == NULL) {
        print_message("README.md not written yet: key check skipped\n");
        skip();
    }
    part = reference_part(readme);
    for (t = config_key_tables; t->section != NULL; t++) {
        for (k = t->keys; k->key != NULL; k++) {
            snprintf(row, sizeof(row), "\n| `%s` |", k->key);
            if (strstr(part, row) == NULL) {
                print_error("README.md lacks a row for %s key `%s`\n",
                            t->section, k->key);
                missing++;
            }
        }
    }
    free(readme);
    assert_int_equal(missing, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_text),
        cmocka_unit_test(test_readme),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
