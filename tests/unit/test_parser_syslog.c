/*
 * test_parser_syslog.c - the syslog envelope (parsers/syslog.c): RFC 3164
 * timestamps ("Mar  4", with PRI, with a year, fractions), year inference
 * against the reference time, RFC 3339 zones and local times
 * (tz_offset_s), host names and IPv4/IPv6 HOSTNAMEs, tag forms, the
 * journal "short" form without a time, RFC 5424 with NILVALUEs,
 * STRUCTURED-DATA escapes (6.3.3) and the BOM, and malformed headers.
 *
 * Sample line: "<38>1 2024-03-14T13:54:19.003Z web01 sshd 2201 - -
 * Accepted password for alice from 192.0.2.10 port 52001 ssh2".
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../parsers/parser.h"
#include "parsetest.h"
#include "testutil.h"

#define S_US INT64_C(1000000)

static int
env_of(const char *line, int32_t tz, struct envelope *env)
{
    struct raw_record rec = {.data = line,
                             .len = strlen(line),
                             .ref_time_us = REF_US,
                             .tz_offset_s = tz};

    return parser_syslog_envelope(&rec, env);
}

static void
test_rfc3164(void **state)
{
    struct envelope e;
    const char *l = "Mar  4 06:55:46 web01 sshd[2001]: Accepted x";

    (void)state;
    assert_int_equal(env_of(l, 0, &e), (int)(strstr(l, "Accepted") - l));
    assert_int_equal(e.time_us, INT64_C(1709535346) * S_US);
    assert_int_equal(e.pri, -1);
    assert_strv(e.hostname, "web01");
    assert_strv(e.app, "sshd");
    assert_strv(e.pid, "2001");
    assert_strv(e.msg, "Accepted x");
    assert_strv(e.sd, NULL);

    assert_true(env_of("<38>Mar 4 06:55:46 192.0.2.53 su: pam_unix(x)", 0, &e) >
                0);
    assert_int_equal(e.pri, 38);
    assert_strv(e.hostname, "192.0.2.53");
    assert_strv(e.app, "su");
    assert_strv(e.pid, NULL);
    assert_strv(e.msg, "pam_unix(x)");

    assert_true(env_of("Apr  2 08:15:00 2001:db8::53 sshd[5]: m", 0, &e) > 0);
    assert_strv(e.hostname, "2001:db8::53");
    assert_strv(e.app, "sshd");

    assert_true(env_of("2023 May  5 10:11:12 h p[1]: m", 0, &e) > 0);
    assert_int_equal(e.time_us, INT64_C(1683281472) * S_US);

    assert_true(env_of("Jun  6 10:11:12.345 h p[1]: m", 0, &e) > 0);
    assert_int_equal(e.time_us, INT64_C(1717668672) * S_US + 345000);

    assert_true(env_of("Jun  8 10:11:12 [sshd] User root", 0, &e) > 0);
    assert_strv(e.hostname, NULL);
    assert_strv(e.app, "sshd");
    assert_strv(e.msg, "User root");

    assert_true(env_of("Jun  9 10:11:12 sol sshd[1]: [ID 800047 auth.info] "
                       "Failed",
                       0, &e) > 0);
    assert_strv(e.msg, "Failed");
}

/* A HOSTNAME with a bracket (an escape sequence, samples/hostile/linux.rec)
 * is no TAG: a PROCID holds no space. */
static void
test_hostname_with_bracket(void **state)
{
    struct envelope e;

    (void)state;
    assert_true(
        env_of("Mar 14 13:54:19 we\033[1mb01\033[0m sshd[5015]: Accepted", 0,
               &e) > 0);
    assert_strv(e.hostname, "we\033[1mb01\033[0m");
    assert_strv(e.app, "sshd");
    assert_strv(e.pid, "5015");
    assert_strv(e.msg, "Accepted");
}

static void
test_year_inference_and_local_time(void **state)
{
    struct envelope e;

    (void)state;
    /* not later than ref + 1 day: Dec 31 23:59:59 stays in 2024 */
    assert_true(env_of("Dec 31 23:59:59 h p: m", 0, &e) > 0);
    assert_int_equal(e.time_us, INT64_C(1735689599) * S_US);
    /* Jan 1 00:00:01 2025 is past ref + 1 day: last January */
    assert_true(env_of("Jan  1 00:00:01 h p: m", 0, &e) > 0);
    assert_int_equal(e.time_us, INT64_C(1704067201) * S_US);
    /* Feb 29 needs a leap year */
    assert_true(env_of("Feb 29 12:00:00 h p: m", 0, &e) > 0);
    assert_int_equal(e.time_us, INT64_C(1709208000) * S_US);
    /* local time 10:00 at UTC+2 is 08:00Z */
    assert_true(env_of("Mar 14 10:00:00 h p: m", 7200, &e) > 0);
    assert_int_equal(e.time_us, INT64_C(1710403200) * S_US);
    assert_true(env_of("2024-03-14T10:00:00 h p: m", -3600, &e) > 0);
    assert_int_equal(e.time_us, INT64_C(1710414000) * S_US);
}

static void
test_rfc3339(void **state)
{
    struct envelope e;

    (void)state;
    assert_true(
        env_of("2024-03-14T13:54:19.123456+01:00 web01 prog[1]: m", 0, &e) > 0);
    assert_int_equal(e.time_us, INT64_C(1710420859) * S_US + 123456);
    /* an explicit zone wins over tz_offset_s */
    assert_true(env_of("2024-03-14T13:54:19Z web01 prog[1]: m", 7200, &e) > 0);
    assert_int_equal(e.time_us, INT64_C(1710424459) * S_US);
    assert_true(env_of("2024-03-14T13:54:19.5-05:00 w p: m", 0, &e) > 0);
    assert_int_equal(e.time_us, INT64_C(1710442459) * S_US + 500000);
}

static void
test_no_timestamp(void **state)
{
    struct envelope e;

    (void)state;
    assert_true(env_of("srv sshd[123]: Accepted x", 0, &e) > 0);
    assert_int_equal(e.time_us, EVENT_TIME_UNSET);
    assert_strv(e.hostname, "srv");
    assert_strv(e.app, "sshd");
    assert_strv(e.pid, "123");
    assert_true(env_of("sshd[123]: Accepted x", 0, &e) > 0);
    assert_strv(e.hostname, NULL);
    assert_strv(e.msg, "Accepted x");
}

static void
test_rfc5424(void **state)
{
    struct envelope e;
    const char *l = "<38>1 2024-03-14T13:54:19.003+02:00 web01.example.com "
                    "sshd-session 2202 auth [a@1 x=\"p \\] q \\\" r \\\\\"]"
                    "[b@2 k=\"v\"] \xEF\xBB\xBFhello";

    (void)state;
    assert_true(env_of(l, 0, &e) > 0);
    assert_int_equal(e.pri, 38);
    assert_int_equal(e.time_us, INT64_C(1710417259) * S_US + 3000);
    assert_strv(e.hostname, "web01.example.com");
    assert_strv(e.app, "sshd-session");
    assert_strv(e.pid, "2202");
    assert_strv(e.msgid, "auth");
    assert_strv(e.sd, "[a@1 x=\"p \\] q \\\" r \\\\\"][b@2 k=\"v\"]");
    assert_strv(e.msg, "hello");

    assert_true(env_of("<34>1 - - - - - -", 0, &e) > 0);
    assert_int_equal(e.time_us, EVENT_TIME_UNSET);
    assert_strv(e.hostname, NULL);
    assert_strv(e.app, NULL);
    assert_strv(e.pid, NULL);
    assert_strv(e.msgid, NULL);
    assert_strv(e.sd, NULL);
    assert_strv(e.msg, NULL);
}

static void
test_malformed(void **state)
{
    static const char *const lines[] = {
        "",
        "this is not a syslog line",
        "Dec 42 10:00:00 h p[1]: m",
        "Dec 10 25:00:00 h p[1]: m",
        "<999>Dec 10 10:00:00 h p[1]: m",
        "<abc>Dec 10 10:00:00 h p[1]: m",
        "<38>1 2024-03-14T13:54:19Z h p 1 - [unterminated k=\"v m",
        "<38>1 2024-13-14T13:54:19Z h p 1 - - m",
        "<38>1 2024-03-14T13:54:19Z h p 1 - x m",
        "2024-02-30T10:00:00Z h p[1]: m",
        NULL,
    };
    struct envelope e;

    (void)state;
    for (size_t i = 0; lines[i] != NULL; i++)
        assert_int_equal(env_of(lines[i], 0, &e), -EBADMSG);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc3164),
        cmocka_unit_test(test_hostname_with_bracket),
        cmocka_unit_test(test_year_inference_and_local_time),
        cmocka_unit_test(test_rfc3339),
        cmocka_unit_test(test_no_timestamp),
        cmocka_unit_test(test_rfc5424),
        cmocka_unit_test(test_malformed),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
