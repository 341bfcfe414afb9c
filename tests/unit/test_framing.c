/*
 * test_framing.c - the multi-line Event XML framer (parsers/framing.h):
 * which lines open, join and close a frame, offsets, the blank line after
 * a frame, a new <Event> cutting an open one, FRAME_MAX, end of input.
 *
 * Sample input: "<Event xmlns=\"...\">" / "  <System>" / ... / "</Event>".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../parsers/framing.h"
#include "testutil.h"

static enum frame_result
feed(struct frame *f, const char *line, uint64_t off)
{
    return frame_line(f, line, strlen(line), off);
}

static void
assert_frame(const struct frame *f, const char *want, uint64_t off)
{
    assert_int_equal(frame_len(f), strlen(want));
    assert_memory_equal(frame_data(f), want, strlen(want));
    assert_int_equal(frame_offset(f), off);
}

static void
test_lines_that_pass(void **state)
{
    static const char *const pass[] = {
        "Mar  3 10:15:01 host sshd[4242]: Accepted publickey for alice",
        "<13>1 2024-06-03T08:00:00Z host app - - - msg",
        "<Event xmlns='x'><System/></Event>",
        "  <Event><System/></Event>  ",
        "<EventData>",
        "<EventID>4624</EventID>",
        "<Events>",
        "</Events>",
        "<?xml version=\"1.0\"?>",
        "</Event>",
        "",
        "{\"EventID\":4624}",
    };
    struct frame f;

    (void)state;
    frame_init(&f);
    for (size_t i = 0; i < sizeof(pass) / sizeof(pass[0]); i++)
        assert_int_equal(feed(&f, pass[i], i), FRAME_PASS);
    assert_false(frame_is_open(&f));
    assert_false(frame_flush(&f));
    frame_done(&f);
}

static void
test_pretty_event(void **state)
{
    struct frame f;

    (void)state;
    frame_init(&f);
    assert_int_equal(feed(&f, "<Event xmlns=\"e\">", 100), FRAME_HOLD);
    assert_true(frame_is_open(&f));
    assert_int_equal(frame_offset(&f), 100);
    assert_int_equal(feed(&f, "  <System>", 118), FRAME_HOLD);
    assert_int_equal(feed(&f, "    <EventID>4624</EventID>", 129), FRAME_HOLD);
    assert_int_equal(feed(&f, "  </System>", 157), FRAME_HOLD);
    assert_int_equal(feed(&f, "</Event>", 169), FRAME_EMIT);
    assert_false(frame_is_open(&f));
    assert_frame(&f,
                 "<Event xmlns=\"e\">\n  <System>\n    <EventID>4624</EventID>"
                 "\n  </System>\n</Event>",
                 100);
    /* the blank lines an export puts between events are dropped */
    assert_int_equal(feed(&f, "", 178), FRAME_HOLD);
    assert_int_equal(feed(&f, "  ", 179), FRAME_HOLD);
    assert_int_equal(feed(&f, "next", 182), FRAME_PASS);
    assert_int_equal(feed(&f, "", 187), FRAME_PASS);
    /* "<Event>" bare, and behind a prolog and a wrapper */
    assert_int_equal(feed(&f, "<Event>", 200), FRAME_HOLD);
    assert_int_equal(feed(&f, "</Event>", 208), FRAME_EMIT);
    assert_frame(&f, "<Event>\n</Event>", 200);
    assert_int_equal(
        feed(&f, "<?xml version='1.0'?><Events><Event a='b'>", 300),
        FRAME_HOLD);
    assert_int_equal(feed(&f, "</Event></Events>", 343), FRAME_EMIT);
    assert_int_equal(frame_offset(&f), 300);
    frame_done(&f);
}

static void
test_new_event_cuts_open_one(void **state)
{
    struct frame f;

    (void)state;
    frame_init(&f);
    assert_int_equal(feed(&f, "<Event>", 0), FRAME_HOLD);
    assert_int_equal(feed(&f, "  <System>", 8), FRAME_HOLD);
    /* the first never closed: it ends as it is, the line comes again */
    assert_int_equal(feed(&f, "<Event xmlns='e'><System/></Event>", 19),
                     FRAME_EMIT_AGAIN);
    assert_frame(&f, "<Event>\n  <System>", 0);
    assert_int_equal(feed(&f, "<Event xmlns='e'><System/></Event>", 19),
                     FRAME_PASS);
    assert_int_equal(feed(&f, "<Event>", 54), FRAME_HOLD);
    assert_int_equal(feed(&f, "\t<Event >", 62), FRAME_EMIT_AGAIN);
    assert_int_equal(feed(&f, "\t<Event >", 62), FRAME_HOLD);
    assert_int_equal(frame_offset(&f), 62);
    frame_done(&f);
}

static void
test_end_of_input(void **state)
{
    struct frame f;

    (void)state;
    frame_init(&f);
    assert_int_equal(feed(&f, "<Event>", 5), FRAME_HOLD);
    assert_int_equal(feed(&f, "<System>", 13), FRAME_HOLD);
    assert_true(frame_flush(&f));
    assert_frame(&f, "<Event>\n<System>", 5);
    assert_false(frame_is_open(&f));
    assert_false(frame_flush(&f));
    /* a reader that restarts elsewhere forgets the open frame */
    assert_int_equal(feed(&f, "<Event>", 0), FRAME_HOLD);
    frame_reset(&f);
    assert_false(frame_is_open(&f));
    assert_int_equal(feed(&f, "x", 0), FRAME_PASS);
    frame_done(&f);
}

static void
test_frame_max(void **state)
{
    enum { LINE = 60000 };
    char *line = malloc(LINE + 1);
    struct frame f;
    size_t emitted;
    int i;

    (void)state;
    assert_non_null(line);
    memset(line, 'a', LINE);
    line[LINE] = '\0';
    frame_init(&f);
    assert_int_equal(feed(&f, "<Event>", 0), FRAME_HOLD);
    for (i = 0; i < 4; i++)
        assert_int_equal(feed(&f, line, 8), FRAME_HOLD);
    /* the fifth passes FRAME_MAX: what was there goes out, counted */
    assert_int_equal(feed(&f, line, 8), FRAME_EMIT);
    emitted = frame_len(&f);
    assert_true(emitted <= FRAME_MAX);
    assert_int_equal(emitted, 7 + 4 * (LINE + 1));
    assert_int_equal(f.overlong, 1);
    /* the rest of it is dropped up to its end */
    assert_int_equal(feed(&f, line, 8), FRAME_HOLD);
    assert_int_equal(feed(&f, "</Event>", 8), FRAME_HOLD);
    assert_int_equal(feed(&f, "after", 8), FRAME_PASS);
    /* or up to the next event */
    assert_int_equal(feed(&f, "<Event>", 0), FRAME_HOLD);
    for (i = 0; i < 5; i++)
        feed(&f, line, 8);
    assert_int_equal(f.overlong, 2);
    assert_int_equal(feed(&f, "<Event>", 0), FRAME_HOLD);
    assert_true(frame_is_open(&f));
    frame_done(&f);
    free(line);
}

static void
test_wanted(void **state)
{
    (void)state;
    assert_true(frame_wanted(NULL));
    assert_true(frame_wanted("auto"));
    assert_true(frame_wanted("windows-xml"));
    assert_false(frame_wanted("sshd"));
    assert_false(frame_wanted("nxlog-json"));
}

static void
test_alloc_failure(void **state)
{
    struct frame f;

    (void)state;
    frame_init(&f);
    mem_fail_set(1);
    /* no buffer: lines pass one by one */
    assert_int_equal(feed(&f, "<Event>", 0), FRAME_PASS);
    mem_fail_set(0);
    assert_int_equal(feed(&f, "<Event>", 0), FRAME_HOLD);
    frame_done(&f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_that_pass),
        cmocka_unit_test(test_pretty_event),
        cmocka_unit_test(test_new_event_cuts_open_one),
        cmocka_unit_test(test_end_of_input),
        cmocka_unit_test(test_frame_max),
        cmocka_unit_test(test_wanted),
        cmocka_unit_test(test_alloc_failure),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
