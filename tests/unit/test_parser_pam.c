/*
 * test_parser_pam.c - the pam_unix payload parser, field by field: session
 * opened (uid, actor, login_type per service) and closed, authentication
 * failures (tty, ruser, rhost only when an address, user), the old
 * "svc(pam_unix)" program form, services that are no logins (cron, atd,
 * systemd-user), sshd's failures (counted by sshd itself), malformed
 * lines, and an allocation-failure pass over the shared Linux state.
 *
 * Sample line: "Mar 14 10:00:01 web01 sshd[4001]: pam_unix(sshd:session):
 * session opened for user alice(uid=1000) by alice(uid=0)".
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
test_session_opened(void **state)
{
    struct event ev;

    (void)state;
    assert_int_equal(parse1("auto",
                            PFX "sshd[4001]: pam_unix(sshd:session): session "
                                "opened for user alice(uid=1000) by "
                                "alice(uid=0)",
                            &ev),
                     PARSE_EVENT);
    assert_int_equal(ev.action, EV_ACTION_LOGIN);
    assert_int_equal(ev.result, EV_RESULT_SUCCESS);
    assert_strv(ev.user, "alice");
    assert_strv(ev.uid, "1000");
    assert_int_equal(ev.user_id_type, EV_USER_ID_TYPE_UID);
    assert_strv(ev.actor_user, "alice");
    assert_strv(ev.service, "sshd");
    assert_strv(ev.login_id, "4001");
    assert_int_equal(ev.login_type, EV_LOGIN_TYPE_REMOTE);
    assert_strv(ev.event_code, "pam-session-opened");
    assert_strv(ev.format, "pam");

    assert_int_equal(parse1("auto",
                            PFX "su[4004]: pam_unix(su-l:session): session "
                                "opened for user news by (uid=0)",
                            &ev),
                     PARSE_EVENT);
    assert_strv(ev.user, "news");
    assert_strv(ev.uid, NULL);
    assert_strv(ev.actor_user, NULL);
    assert_int_equal(ev.login_type, EV_LOGIN_TYPE_LOCAL);

    assert_int_equal(parse1("auto",
                            PFX "gdm-password][4006]: pam_unix(gdm-password:"
                                "session): session opened for user carol"
                                "(uid=1001) by (uid=0)",
                            &ev),
                     PARSE_EVENT);
    assert_int_equal(ev.login_type, EV_LOGIN_TYPE_INTERACTIVE);
    assert_int_equal(parse1("auto",
                            PFX "vsftpd[4008]: pam_unix(vsftpd:session): "
                                "session opened for user ftp by (uid=0)",
                            &ev),
                     PARSE_EVENT);
    assert_int_equal(ev.login_type, EV_LOGIN_TYPE_NONE);
}

static void
test_session_closed_and_old_form(void **state)
{
    struct event ev;

    (void)state;
    assert_int_equal(parse1("auto",
                            PFX "sshd[4001]: pam_unix(sshd:session): session "
                                "closed for user alice",
                            &ev),
                     PARSE_EVENT);
    assert_int_equal(ev.action, EV_ACTION_LOGOUT);
    assert_int_equal(ev.result, EV_RESULT_NONE);
    assert_strv(ev.user, "alice");
    assert_strv(ev.event_code, "pam-session-closed");
    /* Linux-PAM 0.7x: the module in the program name */
    assert_int_equal(parse1("auto",
                            PFX "su(pam_unix)[4011]: session opened for user "
                                "cyrus by (uid=0)",
                            &ev),
                     PARSE_EVENT);
    assert_strv(ev.service, "su");
    assert_strv(ev.user, "cyrus");
    assert_strv(ev.login_id, "4011");
}

static void
test_auth_failure(void **state)
{
    struct event ev;

    (void)state;
    assert_int_equal(parse1("auto",
                            PFX "su[4102]: pam_unix(su:auth): authentication "
                                "failure; logname=alice uid=1000 euid=0 "
                                "tty=pts/0 ruser=alice rhost=  user=root",
                            &ev),
                     PARSE_EVENT);
    assert_int_equal(ev.result, EV_RESULT_FAILURE);
    assert_strv(ev.user, "root");
    assert_strv(ev.actor_user, "alice");
    assert_strv(ev.tty, "pts/0");
    assert_strv(ev.src_ip, NULL);
    assert_strv(ev.result_details, "Authentication failure");
    assert_strv(ev.event_code, "pam-auth-failure");

    assert_int_equal(parse1("auto",
                            PFX "proftpd[1]: pam_unix(proftpd:auth): "
                                "authentication failure; logname= uid=0 "
                                "euid=0 tty= ruser= rhost=host.example.net",
                            &ev),
                     PARSE_EVENT);
    assert_strv(ev.src_ip, NULL); /* a host name is no address */
    assert_strv(ev.user, NULL);
    assert_strv(ev.tty, NULL);
    assert_strv(ev.actor_user, NULL);

    /* client-controlled ruser / user carrying " rhost=" */
    assert_int_equal(parse1("auto",
                            PFX "daemon: pam_unix(auth): authentication "
                                "failure; logname= uid=0 euid=0 tty=x "
                                "ruser=test rhost=192.0.2.151 "
                                "rhost=198.51.100.6",
                            &ev),
                     PARSE_EVENT);
    assert_strv(ev.src_ip, "198.51.100.6");
    assert_strv(ev.actor_user, "test rhost=192.0.2.151");
    assert_strv(ev.service, "daemon");
}

static void
test_ignored(void **state)
{
    static const char *const lines[] = {
        PFX "CRON[1]: pam_unix(cron:session): session opened for user "
            "root(uid=0) by (uid=0)",
        PFX "atd[1]: pam_unix(atd:session): session closed for user daemon",
        PFX "systemd[1]: pam_unix(systemd-user:session): session opened for "
            "user alice(uid=1000) by alice(uid=0)",
        PFX "sshd[1]: pam_unix(sshd:auth): authentication failure; logname= "
            "uid=0 euid=0 tty=ssh ruser= rhost=198.51.100.7  user=root",
        PFX "sshd(pam_unix)[1]: authentication failure; logname= uid=0 "
            "euid=0 tty=NODEVssh ruser= rhost=198.51.100.8",
        PFX "sshd[1]: pam_unix(sshd:auth): check pass; user unknown",
        PFX "sshd[1]: pam_unix(sshd:account): account bob has expired",
        NULL,
    };
    (void)state;
    assert_lines_parse(lines, PARSE_NONE);
}

static void
test_malformed(void **state)
{
    static const char *const lines[] = {
        PFX "login[1]: pam_unix(login:session): session opened for user "
            "alice(uid=1000)",
        PFX "su[1]: pam_unix(su:auth): authentication failure; logname=a",
        PFX "su[1]: pam_unix(su:session session opened for user root by "
            "(uid=0)",
        NULL,
    };
    struct event ev;

    (void)state;
    for (size_t i = 0; lines[i] != NULL; i++)
        assert_int_equal(parse1("pam", lines[i], &ev), -EBADMSG);
}

/* Allocation failures while making the context that holds the shared
 * Linux state: each fails cleanly, the survivors still correlate. */
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
                                  PFX "su[7]: pam_unix(su:auth): "
                                      "authentication failure; logname=a "
                                      "uid=1 euid=0 tty=pts/0 ruser=a rhost= "
                                      " user=root",
                                  &ev),
                         PARSE_EVENT);
        assert_int_equal(
            parse_in(ctx, PFX "su[7]: FAILED SU (to root) a on pts/0", &ev),
            PARSE_NONE);
        parse_ctx_free(ctx);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_session_opened),
        cmocka_unit_test(test_session_closed_and_old_form),
        cmocka_unit_test(test_auth_failure),
        cmocka_unit_test(test_ignored),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_alloc_failure),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
