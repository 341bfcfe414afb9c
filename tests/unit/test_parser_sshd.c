/*
 * test_parser_sshd.c - the sshd payload parser, field by field: accepted
 * and failed logins, invalid users, not-allowed, too many failures,
 * rsyslog repeats, preauth connection ends (and their de-duplication per
 * pid), logouts, lines to ignore, malformed lines, and an allocation
 * failure pass over the parse context that holds sshd's state.
 *
 * Sample line: "Mar 14 10:00:01 web01 sshd[3001]: Accepted password for
 * alice from 192.0.2.10 port 50438 ssh2".
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../parsers/registry.h"
#include "parsetest.h"
#include "testutil.h"

#define HDR "Mar 14 10:00:01 web01 sshd[3001]: "

static void
test_accepted(void **state)
{
    struct event ev;

    (void)state;
    assert_int_equal(parse1("auto",
                            HDR "Accepted publickey for alice from "
                                "192.0.2.10 port 50438 ssh2: ED25519 SHA256:x",
                            &ev),
                     PARSE_EVENT);
    assert_int_equal(ev.time_us, INT64_C(1710410401000000));
    assert_int_equal(ev.action, EV_ACTION_LOGIN);
    assert_int_equal(ev.result, EV_RESULT_SUCCESS);
    assert_strv(ev.hostname, "web01");
    assert_strv(ev.user, "alice");
    assert_strv(ev.src_ip, "192.0.2.10");
    assert_int_equal(ev.src_port, 50438);
    assert_strv(ev.auth_method, "publickey");
    assert_strv(ev.event_code, "sshd-accepted");
    assert_strv(ev.login_id, "3001");
    assert_strv(ev.service, "sshd");
    assert_strv(ev.format, "sshd");
    assert_strv(ev.source, "t");
    assert_strv(ev.record_id, "42");
    assert_int_equal(ev.login_type, EV_LOGIN_TYPE_REMOTE);
    assert_int_equal(ev.repeat, 1);
    assert_strv(ev.result_details, NULL);
}

static void
test_accepted_hostname_not_ip(void **state)
{
    struct event ev;

    (void)state;
    assert_int_equal(parse1("sshd",
                            HDR "Accepted password for root from "
                                "ws2.example.com port 22 ssh2",
                            &ev),
                     PARSE_EVENT);
    assert_strv(ev.src_ip, NULL);
    assert_int_equal(ev.src_port, 22);
    assert_strv(ev.user, "root");
}

static void
test_failed(void **state)
{
    struct event ev;

    (void)state;
    assert_int_equal(parse1("auto",
                            HDR "Failed password for invalid user admin test "
                                "from 2001:db8::7 port 40002 ssh2",
                            &ev),
                     PARSE_EVENT);
    assert_int_equal(ev.result, EV_RESULT_FAILURE);
    assert_strv(ev.user, "admin test");
    assert_strv(ev.src_ip, "2001:db8::7");
    assert_strv(ev.result_details, "No such user");
    assert_strv(ev.event_code, "sshd-failed");

    assert_int_equal(parse1("auto",
                            HDR "Failed password for bob from 198.51.100.7 "
                                "port 1 ssh2",
                            &ev),
                     PARSE_EVENT);
    assert_strv(ev.result_details, "Incorrect password");
    assert_int_equal(parse1("auto",
                            HDR "Failed publickey for bob from 198.51.100.7 "
                                "port 1 ssh2: RSA SHA256:x",
                            &ev),
                     PARSE_EVENT);
    assert_strv(ev.result_details, "Authentication failed");
    assert_strv(ev.auth_method, "publickey");
    /* injected " from " in the key info: the first valid tail wins */
    assert_int_equal(parse1("auto",
                            HDR "Failed password for eve from 198.51.100.13 "
                                "port 9 ssh2: from 192.0.2.98 port 1 ssh2",
                            &ev),
                     PARSE_EVENT);
    assert_strv(ev.src_ip, "198.51.100.13");
    assert_strv(ev.user, "eve");
}

static void
test_invalid_user(void **state)
{
    struct event ev;

    (void)state;
    assert_int_equal(
        parse1("auto", HDR "Invalid user oracle from 198.51.100.30", &ev),
        PARSE_EVENT);
    assert_strv(ev.user, "oracle");
    assert_strv(ev.src_ip, "198.51.100.30");
    assert_int_equal(ev.src_port, 0);
    assert_strv(ev.result_details, "No such user");
    assert_strv(ev.event_code, "sshd-invalid-user");
    assert_int_equal(
        parse1("auto", HDR "Invalid user  from 198.51.100.32 port 4", &ev),
        PARSE_EVENT);
    assert_strv(ev.user, NULL); /* never "" */
}

static void
test_not_allowed_and_root_refused(void **state)
{
    struct event ev;

    (void)state;
    assert_int_equal(parse1("auto",
                            HDR "User root from 198.51.100.40 not allowed "
                                "because not listed in AllowUsers",
                            &ev),
                     PARSE_EVENT);
    assert_int_equal(ev.result, EV_RESULT_FAILURE);
    assert_strv(ev.result_details, "Not allowed: not listed in AllowUsers");
    assert_strv(ev.user, "root");
    assert_int_equal(
        parse1("auto", HDR "ROOT LOGIN REFUSED FROM 198.51.100.42", &ev),
        PARSE_EVENT);
    assert_strv(ev.user, "root");
    assert_strv(ev.result_details, "Root login refused");
}

static void
test_too_many(void **state)
{
    struct event ev;

    (void)state;
    assert_int_equal(parse1("auto",
                            HDR "error: maximum authentication attempts "
                                "exceeded for invalid user xxx from "
                                "198.51.100.50 port 42003 ssh2 [preauth]",
                            &ev),
                     PARSE_EVENT);
    assert_strv(ev.user, "xxx");
    assert_strv(ev.src_ip, "198.51.100.50");
    assert_int_equal(ev.src_port, 42003);
    assert_strv(ev.result_details, "Too many authentication failures");
    assert_strv(ev.event_code, "sshd-too-many-failures");
    assert_int_equal(parse1("auto",
                            HDR "Disconnecting: Too many authentication "
                                "failures for root [preauth]",
                            &ev),
                     PARSE_EVENT);
    assert_strv(ev.user, "root");
    assert_int_equal(ev.result, EV_RESULT_FAILURE);
}

static void
test_repeated(void **state)
{
    struct event ev;

    (void)state;
    assert_int_equal(parse1("auto",
                            HDR "message repeated 5 times: [ Failed password "
                                "for root from 198.51.100.60 port 43001 ssh2]",
                            &ev),
                     PARSE_EVENT);
    assert_int_equal(ev.repeat, 5);
    assert_strv(ev.user, "root");
    assert_strv(ev.event_code, "sshd-failed");
    assert_int_equal(parse1("auto",
                            HDR "message repeated 0 times: [ Failed password "
                                "for root from 198.51.100.60 port 43001 ssh2]",
                            &ev),
                     -EBADMSG);
    assert_int_equal(parse1("auto",
                            HDR "message repeated 10001 times: [ Failed "
                                "password for root from 198.51.100.60 ssh2]",
                            &ev),
                     -EBADMSG);
}

static void
test_preauth_closed_dedup(void **state)
{
    int err = 0;
    struct parse_ctx *ctx = parse_ctx_new("auto", &err);
    struct event ev;

    (void)state;
    assert_non_null(ctx);
    assert_int_equal(parse_in(ctx,
                              HDR "Received disconnect from 198.51.100.76 "
                                  "port 44007:11: Bye Bye [preauth]",
                              &ev),
                     PARSE_EVENT);
    assert_int_equal(ev.action, EV_ACTION_DISCONNECT);
    assert_int_equal(ev.result, EV_RESULT_NONE);
    assert_strv(ev.src_ip, "198.51.100.76");
    assert_int_equal(ev.src_port, 44007);
    assert_strv(ev.event_code, "sshd-preauth-closed");
    /* second line for the same (host, pid): no event */
    assert_int_equal(parse_in(ctx,
                              HDR "Disconnected from invalid user test "
                                  "198.51.100.76 port 44007 [preauth]",
                              &ev),
                     PARSE_NONE);
    /* same pid on another host: an event */
    assert_int_equal(parse_in(ctx,
                              "Mar 14 10:00:01 web02 sshd[3001]: Connection "
                              "closed by authenticating user root "
                              "198.51.100.72 port 44003 [preauth]",
                              &ev),
                     PARSE_EVENT);
    assert_strv(ev.user, "root");
    assert_strv(ev.hostname, "web02");
    parse_ctx_free(ctx);
}

static void
test_logout(void **state)
{
    struct event ev;

    (void)state;
    assert_int_equal(parse1("auto",
                            HDR "Disconnected from user alice 192.0.2.10 "
                                "port 50438",
                            &ev),
                     PARSE_EVENT);
    assert_int_equal(ev.action, EV_ACTION_LOGOUT);
    assert_strv(ev.user, "alice");
    assert_strv(ev.event_code, "sshd-disconnected");
}

/*
 * Names that spoof an address (samples/hostile/linux.rec): an invalid
 * user's name is the client's, so sshd's address is the last one; a
 * valid user's is an account's, so it is the first; a control byte ends
 * what sshd wrote.  Never 1.2.3.4 or 6.6.6.6.
 */
static void
test_spoofed_address(void **state)
{
    static const struct {
        const char *msg, *ip, *user;
        int r;
    } cases[] = {
        {"Failed password for invalid user x from 1.2.3.4 port 22 ssh2: y "
         "from 10.0.1.52 port 40052 ssh2",
         "10.0.1.52", "x from 1.2.3.4 port 22 ssh2: y", PARSE_EVENT},
        {"Failed none for invalid user from 1.2.3.4 port 22 ssh2: from "
         "10.0.1.53 port 40053 ssh2",
         "10.0.1.53", "from 1.2.3.4 port 22 ssh2:", PARSE_EVENT},
        {"Invalid user x from 1.2.3.4 port 22 from 10.0.1.50 port 40050",
         "10.0.1.50", "x from 1.2.3.4 port 22", PARSE_EVENT},
        {"Failed password for invalid user al\rMar 14 13:54:19 forged "
         "sshd[6666]: Accepted password for root from 6.6.6.6 port 22 ssh2 "
         "from 10.0.1.1 port 40001 ssh2",
         "10.0.1.1", NULL, PARSE_EVENT},
        {"Failed publickey for bob from 10.0.1.59 port 40059 ssh2: "
         "ED25519-CERT SHA256:x ID z from 1.2.3.4 port 22 ssh2: (serial 1)",
         "10.0.1.59", "bob", PARSE_EVENT},
        {"Failed password for bob from 10.0.1.5 port 40005 ssh2\rMar 14 "
         "13:54:19 forged sshd[6666]: Accepted password for root from "
         "6.6.6.6 port 22 ssh2",
         "10.0.1.5", "bob", PARSE_EVENT},
        {"Failed password for u8 from 10.0.4.1 port 40401\n<38>Mar 14 "
         "13:54:19 forged sshd[6666]: Accepted password for root from "
         "6.6.6.6 port 22 ssh2",
         "10.0.4.1", "u8", PARSE_EVENT},
        {"Failed password for bob from 10.0.1.60 port 40060 garbage from "
         "6.6.6.6 port 22 ssh2",
         NULL, NULL, -EBADMSG},
        {"Accepted password for al\rMar 14 13:54:19 forged sshd[6666]: "
         "Accepted password for root from 6.6.6.6 port 22 ssh2 from "
         "10.0.1.4 port 40004 ssh2",
         NULL, NULL, -EBADMSG},
    };
    char line[512];
    struct event ev;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(line, sizeof(line), HDR "%s", cases[i].msg);
        print_message("%s\n", line);
        assert_int_equal(parse1("auto", line, &ev), cases[i].r);
        if (cases[i].r != PARSE_EVENT)
            continue;
        assert_strv(ev.src_ip, cases[i].ip);
        if (cases[i].user != NULL)
            assert_strv(ev.user, cases[i].user);
    }
}

/* A record cut at a length limit ends where its sender did not end it:
 * counted malformed, never parsed (here its head would name 1.2.3.4). */
static void
test_truncated_record(void **state)
{
    static const char line[] = HDR
        "Failed password for invalid user x from 1.2.3.4 port 22 ssh2: AAAA";
    struct raw_record rec = {.data = line,
                             .len = sizeof(line) - 1,
                             .source = STRV_LIT("t"),
                             .ref_time_us = REF_US,
                             .truncated = true};
    struct parse_counters c;
    struct parse_ctx *ctx;
    struct event ev;
    int err = 0;

    (void)state;
    ctx = parse_ctx_new("auto", &err);
    assert_non_null(ctx);
    assert_int_equal(parse_record(ctx, &rec, &ev), -EBADMSG);
    rec.truncated = false;
    assert_int_equal(parse_record(ctx, &rec, &ev), PARSE_EVENT);
    assert_strv(ev.src_ip, "1.2.3.4");
    parse_ctx_counters(ctx, &c);
    assert_int_equal(c.records, 2);
    assert_int_equal(c.malformed, 1);
    assert_int_equal(c.events, 1);
    parse_ctx_free(ctx);
}

static void
test_ignored(void **state)
{
    static const char *const lines[] = {
        HDR "Received disconnect from 192.0.2.10 port 1:11: disconnected",
        HDR "Connection from 198.51.100.90 port 45002 on 192.0.2.1 port 22",
        HDR "Server listening on 0.0.0.0 port 22.",
        HDR "input_userauth_request: invalid user test [preauth]",
        HDR "error: PAM: Authentication failure for bob from 198.51.100.93",
        HDR "pam_unix(sshd:auth): authentication failure; logname= uid=0 "
            "euid=0 tty=ssh ruser= rhost=198.51.100.94  user=root",
        HDR "Postponed publickey for alice from 192.0.2.10 port 1 ssh2",
        HDR "Connection closed by 198.51.100.95 port 45010",
        HDR "fatal: Timeout before authentication for 198.51.100.97",
        NULL,
    };
    (void)state;
    assert_lines_parse(lines, PARSE_NONE);
}

static void
test_malformed(void **state)
{
    static const char *const lines[] = {
        HDR "Accepted password for alice",
        HDR "Accepted password for alice from 192.0.2.10 port 99999 ssh2",
        HDR "Failed password",
        HDR "Invalid user bob",
        HDR "ROOT LOGIN REFUSED FROM 198.51.100.62 port abc",
        NULL,
    };
    (void)state;
    assert_lines_parse(lines, -EBADMSG);
}

static void
test_counters(void **state)
{
    int err = 0;
    struct parse_ctx *ctx = parse_ctx_new("sshd", &err);
    struct parse_counters c;
    struct event ev;

    (void)state;
    parse_in(ctx,
             HDR "message repeated 3 times: [ Failed password for root "
                 "from 198.51.100.60 port 1 ssh2]",
             &ev);
    parse_in(ctx, HDR "Server listening on :: port 22.", &ev);
    parse_in(ctx, HDR "Failed password", &ev);
    parse_ctx_counters(ctx, &c);
    assert_int_equal(c.records, 3);
    assert_int_equal(c.events, 3);
    assert_int_equal(c.ignored, 1);
    assert_int_equal(c.malformed, 1);
    parse_ctx_free(ctx);
    assert_null(parse_ctx_new("no-such-format", &err));
    assert_int_equal(err, -EINVAL);
}

/* Every allocation of parse_ctx_new() fails once; no leak, no crash. */
static void
test_alloc_failure(void **state)
{
    struct event ev;

    (void)state;
    for (unsigned long n = 1; n < 16; n++) {
        int err = 0;
        struct parse_ctx *ctx;

        mem_fail_set(n);
        ctx = parse_ctx_new("auto", &err);
        mem_fail_set(0);
        if (ctx == NULL) {
            assert_int_equal(err, -ENOMEM);
            continue;
        }
        assert_int_equal(parse_in(ctx,
                                  HDR "Connection closed by 198.51.100.1 "
                                      "port 1 [preauth]",
                                  &ev),
                         PARSE_EVENT);
        parse_ctx_free(ctx);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepted),
        cmocka_unit_test(test_accepted_hostname_not_ip),
        cmocka_unit_test(test_failed),
        cmocka_unit_test(test_invalid_user),
        cmocka_unit_test(test_not_allowed_and_root_refused),
        cmocka_unit_test(test_too_many),
        cmocka_unit_test(test_repeated),
        cmocka_unit_test(test_preauth_closed_dedup),
        cmocka_unit_test(test_logout),
        cmocka_unit_test(test_spoofed_address),
        cmocka_unit_test(test_truncated_record),
        cmocka_unit_test(test_ignored),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_counters),
        cmocka_unit_test(test_alloc_failure),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
