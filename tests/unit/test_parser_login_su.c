/*
 * test_parser_login_su.c - the login(1) and su(1) payload parsers: the
 * util-linux and shadow forms, tty / address / user fields, the pam
 * de-duplication of "FAILED LOGIN" / "FAILED SU" per (host, pid), shadow's
 * repeated "TOO MANY LOGIN TRIES (n)", lines to ignore, malformed lines,
 * and an allocation-failure pass.
 *
 * Sample line: "Mar 14 10:00:04 web01 su[6004]: FAILED SU (to root) bob
 * on pts/1".
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

#define PFX "Mar 14 10:00:01 web01 "

static void
test_login_util_linux(void **state)
{
    struct event ev;

    (void)state;
    assert_int_equal(
        parse1("auto", PFX "login[5002]: ROOT LOGIN ON pts/3 FROM 192.0.2.20",
               &ev),
        PARSE_EVENT);
    assert_int_equal(ev.result, EV_RESULT_SUCCESS);
    assert_strv(ev.user, "root");
    assert_strv(ev.tty, "pts/3");
    assert_strv(ev.src_ip, "192.0.2.20");
    assert_strv(ev.event_code, "login-ok");
    assert_strv(ev.format, "login");
    assert_int_equal(ev.login_type, EV_LOGIN_TYPE_INTERACTIVE);
    assert_strv(ev.login_id, "5002");

    assert_int_equal(parse1("auto",
                            PFX "login[5004]: LOGIN ON pts/4 BY bob FROM "
                                "ws4.example.com",
                            &ev),
                     PARSE_EVENT);
    assert_strv(ev.user, "bob");
    assert_strv(ev.src_ip, NULL);

    assert_int_equal(parse1("auto",
                            PFX "login[5005]: FAILED LOGIN 1 FROM tty3 FOR "
                                "carol, Authentication failure",
                            &ev),
                     PARSE_EVENT);
    assert_int_equal(ev.result, EV_RESULT_FAILURE);
    assert_strv(ev.user, "carol");
    assert_strv(ev.tty, "tty3");
    assert_strv(ev.result_details, "Authentication failure");
    assert_strv(ev.event_code, "login-failed");

    assert_int_equal(parse1("auto",
                            PFX "login[5005]: FAILED LOGIN 2 FROM "
                                "198.51.100.21 FOR (unknown), User not known",
                            &ev),
                     PARSE_EVENT);
    assert_strv(ev.user, NULL);
    assert_strv(ev.src_ip, "198.51.100.21");
}

static void
test_login_shadow(void **state)
{
    int err = 0;
    struct parse_ctx *ctx = parse_ctx_new("login", &err);
    struct event ev;

    (void)state;
    assert_int_equal(parse_in(ctx,
                              PFX "login[5104]: 'bob' logged in  on "
                                  "'/dev/pts/2' from '192.0.2.4'",
                              &ev),
                     PARSE_EVENT);
    assert_strv(ev.user, "bob");
    assert_strv(ev.tty, "/dev/pts/2");
    assert_strv(ev.src_ip, "192.0.2.4");
    assert_int_equal(parse_in(ctx,
                              PFX "login[5105]: FAILED LOGIN (3) on "
                                  "'/dev/tty3' FOR 'carol', Authentication "
                                  "failure",
                              &ev),
                     PARSE_EVENT);
    assert_strv(ev.user, "carol");
    /* the same attempt, reported again when retries run out */
    assert_int_equal(parse_in(ctx,
                              PFX "login[5105]: TOO MANY LOGIN TRIES (3) on "
                                  "'/dev/tty3' FOR 'carol'",
                              &ev),
                     PARSE_NONE);
    assert_int_equal(parse_in(ctx,
                              PFX "login[5106]: TOO MANY LOGIN TRIES (5) on "
                                  "'/dev/tty4' FOR 'dave'",
                              &ev),
                     PARSE_EVENT);
    assert_strv(ev.result_details, "Too many login tries");
    parse_ctx_free(ctx);
}

static void
test_login_pam_dedup(void **state)
{
    int err = 0;
    struct parse_ctx *ctx = parse_ctx_new("auto", &err);
    struct event ev;
    const char *pam = PFX "login[5201]: pam_unix(login:auth): authentication "
                          "failure; logname=LOGIN uid=0 euid=0 tty=/dev/tty1 "
                          "ruser= rhost=  user=alice";
    const char *own =
        PFX "login[5201]: FAILED LOGIN 1 FROM tty1 FOR alice, Auth failure";

    (void)state;
    assert_int_equal(parse_in(ctx, pam, &ev), PARSE_EVENT);
    assert_int_equal(parse_in(ctx, own, &ev), PARSE_NONE);
    assert_int_equal(parse_in(ctx, own, &ev), PARSE_EVENT); /* no pam */
    parse_ctx_free(ctx);
}

static void
test_su(void **state)
{
    struct event ev;

    (void)state;
    assert_int_equal(
        parse1("auto", PFX "su[6001]: (to root) alice on pts/0", &ev),
        PARSE_EVENT);
    assert_int_equal(ev.result, EV_RESULT_SUCCESS);
    assert_strv(ev.user, "root");
    assert_strv(ev.actor_user, "alice");
    assert_strv(ev.tty, "pts/0");
    assert_strv(ev.event_code, "su-ok");
    assert_strv(ev.format, "su");
    assert_int_equal(ev.login_type, EV_LOGIN_TYPE_LOCAL);

    assert_int_equal(
        parse1("auto", PFX "su[6002]: (to postgres) root on none", &ev),
        PARSE_EVENT);
    assert_strv(ev.tty, NULL);
    assert_int_equal(parse1("auto", PFX "su[6003]: (to root)  on tty1", &ev),
                     PARSE_EVENT);
    assert_strv(ev.actor_user, NULL);

    assert_int_equal(
        parse1("auto", PFX "su[6004]: FAILED SU (to root) bob on pts/1", &ev),
        PARSE_EVENT);
    assert_int_equal(ev.result, EV_RESULT_FAILURE);
    assert_strv(ev.result_details, "Authentication failure");
    assert_strv(ev.event_code, "su-failed");

    assert_int_equal(
        parse1("auto", PFX "su[6101]: Successful su for root by alice", &ev),
        PARSE_EVENT);
    assert_strv(ev.user, "root");
    assert_strv(ev.actor_user, "alice");
    assert_int_equal(
        parse1("auto", PFX "su[6102]: FAILED su for root by bob", &ev),
        PARSE_EVENT);
    assert_int_equal(ev.result, EV_RESULT_FAILURE);
}

static void
test_su_pam_dedup(void **state)
{
    int err = 0;
    struct parse_ctx *ctx = parse_ctx_new("auto", &err);
    struct event ev;

    (void)state;
    assert_int_equal(parse_in(ctx,
                              PFX "su[6201]: pam_unix(su:auth): "
                                  "authentication failure; logname=alice "
                                  "uid=1000 euid=0 tty=pts/0 ruser=alice "
                                  "rhost=  user=root",
                              &ev),
                     PARSE_EVENT);
    assert_int_equal(
        parse_in(ctx, PFX "su[6201]: FAILED SU (to root) alice on pts/0", &ev),
        PARSE_NONE);
    /* another host, same pid: its own failure */
    assert_int_equal(parse_in(ctx,
                              "Mar 14 10:00:01 web02 su[6201]: FAILED SU "
                              "(to root) alice on pts/0",
                              &ev),
                     PARSE_EVENT);
    parse_ctx_free(ctx);
}

static void
test_ignored(void **state)
{
    static const char *const lines[] = {
        PFX "su[1]: + /dev/pts/0 alice:root",
        PFX "su[1]: - /dev/pts/1 bob:root",
        PFX "su[1]: pam_authenticate: Authentication failure",
        PFX "login[1]: DIALUP AT ttyS0 BY alice",
        PFX "login[1]: LOGIN 'bob' REFUSED  on '/dev/tty1'",
        PFX "getty[1]: ROOT LOGIN ON tty1",
        NULL,
    };
    (void)state;
    assert_lines_parse(lines, PARSE_NONE);
}

static void
test_malformed(void **state)
{
    static const char *const lines[] = {
        PFX "su[1]: (to root alice on pts/0",
        PFX "su[1]: Successful su for root",
        PFX "su[1]: FAILED SU (to ) alice on pts/0",
        PFX "login[1]: FAILED LOGIN x FROM tty1 FOR alice, Auth failure",
        PFX "login[1]: FAILED LOGIN 1 FROM tty1",
        PFX "login[1]: ROOT LOGIN ON",
        NULL,
    };
    (void)state;
    assert_lines_parse(lines, -EBADMSG);
}

static void
test_alloc_failure(void **state)
{
    struct event ev;

    (void)state;
    for (unsigned long n = 1; n < 16; n++) {
        int err = 0;
        struct parse_ctx *ctx;

        mem_fail_set(n);
        ctx = parse_ctx_new("su", &err);
        mem_fail_set(0);
        if (ctx == NULL) {
            assert_int_equal(err, -ENOMEM);
            continue;
        }
        assert_int_equal(
            parse_in(ctx, PFX "su[9]: FAILED SU (to root) a on pts/0", &ev),
            PARSE_EVENT);
        parse_ctx_free(ctx);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_login_util_linux),
        cmocka_unit_test(test_login_shadow),
        cmocka_unit_test(test_login_pam_dedup),
        cmocka_unit_test(test_su),
        cmocka_unit_test(test_su_pam_dedup),
        cmocka_unit_test(test_ignored),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_alloc_failure),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
