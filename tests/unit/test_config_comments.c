/*
 * test_config_comments.c - comments in the sinks file (daemon/config.c):
 * `//` to the end of the line and slash-star blocks are blanked to spaces
 * before parsing, line ends kept, so every message still points at the
 * line and column of the file; comment marks inside strings are data.
 * Also: the shipped systemd/sinks.json, which is commented, loads.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../daemon/config.h"
#include "testutil.h"

#define NAME "x.json"
/* A line comment mark (spelt apart, for tools/checksrc.sh's sake). */
#define LC "//"

/* Blank a copy of `in`; assert the result is `want` (same length). */
static void
expect_blanked(const char *in, const char *want)
{
    size_t len = strlen(in), pos = 99;
    char *s = strdup(in);

    assert_non_null(s);
    assert_int_equal(strlen(want), len);
    assert_int_equal(config_blank_comments(s, len, &pos), 0);
    assert_int_equal(pos, 99); /* written on failure only */
    assert_memory_equal(s, want, len);
    free(s);
}

static void
test_blank_line_comments(void **state)
{
    expect_blanked("{ " LC " a\n}", "{     \n}");
    expect_blanked("{}" LC " no newline at the end",
                   "{}                        ");
    expect_blanked("//\r\n{}", "  \r\n{}");
    expect_blanked("// a /* not a block\n{}", "                   \n{}");
}

static void
test_blank_block_comments(void **state)
{
    expect_blanked("/* a */{}", "       {}");
    expect_blanked("{/* a\n b\n*/}", "{    \n  \n  }");
    expect_blanked("/* a\r\n*/{}", "    \r\n  {}");
    expect_blanked("/**/{}", "    {}");
    expect_blanked("/* // */{}", "        {}");
    expect_blanked("/* a **/{}", "        {}");
    expect_blanked("{}/*/ still open... */", "{}                    ");
}

/* Marks inside strings are data, escaped quotes do not end a string. */
static void
test_strings_untouched(void **state)
{
    expect_blanked("{\"l\": \"udp://0.0.0.0:514\"}",
                   "{\"l\": \"udp://0.0.0.0:514\"}");
    expect_blanked("[\"a/*b*/c\", \"\\\"//\"] // x",
                   "[\"a/*b*/c\", \"\\\"//\"]     ");
    expect_blanked("[\"\\\\\"] // after an escaped backslash",
                   "[\"\\\\\"]                              ");
    /* a quote inside a comment opens no string */
    expect_blanked("// don't \"quote\n{\"a\": 1}",
                   "               \n{\"a\": 1}");
    /* a lone slash is left for the parser to refuse */
    expect_blanked("{\"a\": 1 / 2}", "{\"a\": 1 / 2}");
}

static void
test_unclosed_block(void **state)
{
    static const char in[] = "{\n  /* never\n closed }";
    char *s = strdup(in);
    size_t pos = 0;

    assert_non_null(s);
    assert_int_equal(config_blank_comments(s, strlen(s), &pos), -EINVAL);
    assert_int_equal(pos, 4);
    free(s);
}

/* Messages after comments keep the file's line and column. */
static void
test_positions_kept(void **state)
{
    static const struct {
        const char *json, *want;
    } cases[] = {
        {"/* line 1\n   line 2 */\n{\n  \"state_dir\": x }",
         "x.json:4:16: syntax error near 'x }'"},
        {"{ " LC " \"a\": 1,\n  \"state_dir\": \"/tmp\" \"x\": 1 }",
         "x.json:2:23: syntax error near '\"x\": 1 }'"},
        {"{\n  /* never\n closed }", "x.json:2:3: comment not closed (*/)"},
        {"// nothing but\n/* comments */\n",
         "x.json: empty file (expected a JSON object)"},
        {"{ " LC " a \"string\n  \"state_dir\": \"a\tb\" }",
         "x.json:2:18: control character in a string"},
        /* the brace in the comment closes nothing */
        {"{ \"state_dir\": \"/tmp\" // \"}\n",
         "x.json:1:28: syntax error at end of line"},
    };
    char err[CONFIG_ERR_MAX];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct config *cfg = NULL;

        assert_int_equal(config_parse(cases[i].json, strlen(cases[i].json),
                                      NAME, &cfg, err, sizeof(err)),
                         -EINVAL);
        assert_null(cfg);
        assert_string_equal(err, cases[i].want);
    }
}

/* A NUL byte is refused inside a comment too. */
static void
test_nul_in_comment(void **state)
{
    static const char in[] = "{} " LC " a\0b\n";
    char err[CONFIG_ERR_MAX];
    struct config *cfg = NULL;

    assert_int_equal(
        config_parse(in, sizeof(in) - 1, NAME, &cfg, err, sizeof(err)),
        -EINVAL);
    assert_string_equal(err, "x.json:1:8: NUL byte in the file");
}

/* Comments change nothing in what is loaded. */
static void
test_same_config(void **state)
{
    static const char plain[] =
        "{\"state_dir\": \"/var/lib/x\", \"sinks\": [{\"name\": \"a\", "
        "\"type\": \"file\", \"path\": \"/tmp/a//b\"}]}";
    static const char commented[] =
        "/* header */ {\"state_dir\": \"/var/lib/x\", // where\n"
        "\"sinks\": [ /* one */ {\"name\": \"a\", \"type\": \"file\",\n"
        "  \"path\": \"/tmp/a//b\"} " LC " doubled slash is a path\n]}\n";
    char err[CONFIG_ERR_MAX];
    struct config *a = NULL, *b = NULL;

    assert_int_equal(
        config_parse(plain, strlen(plain), NAME, &a, err, sizeof(err)), 0);
    assert_int_equal(
        config_parse(commented, strlen(commented), NAME, &b, err, sizeof(err)),
        0);
    assert_string_equal(a->state_dir, b->state_dir);
    assert_int_equal(b->n_sinks, 1);
    assert_string_equal(b->sinks[0].path, "/tmp/a//b");
    assert_string_equal(a->sinks[0].path, b->sinks[0].path);
    config_free(a);
    config_free(b);
}

/* The default sinks file that `cmake --install` puts in place. */
static void
test_shipped_sinks_json(void **state)
{
    char path[512], err[CONFIG_ERR_MAX];
    struct config *cfg = NULL;

    snprintf(path, sizeof(path), "%s/systemd/sinks.json", test_source_dir());
    assert_int_equal(config_load(path, &cfg, err, sizeof(err)), 0);
    assert_string_equal(cfg->state_dir, "/var/lib/sessiontail");
    assert_string_equal(cfg->control_socket, "/run/sessiontail/control.sock");
    assert_true(cfg->sources_defaulted);
    assert_int_equal(cfg->n_sinks, 1);
    assert_string_equal(cfg->sinks[0].path,
                        "/var/log/sessiontail/sessions.jsonl");
    config_free(cfg);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blank_line_comments),
        cmocka_unit_test(test_blank_block_comments),
        cmocka_unit_test(test_strings_untouched),
        cmocka_unit_test(test_unclosed_block),
        cmocka_unit_test(test_positions_kept),
        cmocka_unit_test(test_nul_in_comment),
        cmocka_unit_test(test_same_config),
        cmocka_unit_test(test_shipped_sinks_json),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
