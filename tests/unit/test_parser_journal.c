/*
 * test_parser_journal.c - the journal envelope (parsers/journal.c) and
 * logind (parsers/logind.c), field by field: journal records built by
 * hand as the journal source builds them, the udp514-journal form, the
 * cursor and boot id, logind by MESSAGE_ID and by text, hostile fields,
 * and the cursor seqnum helper of daemon/journal_entry.c.
 *
 * Sample: SYSLOG_IDENTIFIER=sshd _PID=4242 _HOSTNAME=web01
 * MESSAGE=Accepted publickey for alice from 10.0.0.5 port 50438 ssh2
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../daemon/journal_entry.h"
#include "../../parsers/registry.h"
#include "parsetest.h"

#define T0 INT64_C(1710424459123456) /* 2024-03-14T13:54:19.123456Z */
#define CURSOR "s=496e24db46fd4c2fbfe8e343bda582b9;i=1f;b=0123;m=3e8;t=1;x=2"

static struct journal_fields
fields(const char *ident, const char *pid, const char *host)
{
    struct journal_fields f = {
        .identifier = ident ? strv_from_cstr(ident) : STRV_NULL,
        .pid = pid ? strv_from_cstr(pid) : STRV_NULL,
        .hostname = host ? strv_from_cstr(host) : STRV_NULL,
        .boot_id = STRV_LIT("5b4c1f2e8a9d4c3b9e2f1a0b7c6d5e4f"),
        .cursor = STRV_LIT(CURSOR),
        .realtime_us = T0,
    };
    return f;
}

static int
jparse(const struct journal_fields *f, const char *msg, struct event *ev)
{
    static struct parse_ctx *ctx;
    struct raw_record rec = {
        .kind = RECORD_JOURNAL,
        .data = msg,
        .len = strlen(msg),
        .source = STRV_LIT("j"),
        .ref_time_us = REF_US,
        .journal = f,
    };

    if (ctx == NULL)
        ctx = parse_ctx_new(NULL, NULL);
    assert_non_null(ctx);
    return parse_record(ctx, &rec, ev);
}

static void
test_sshd_envelope(void **state)
{
    struct journal_fields f = fields("sshd", "4242", "web01");
    struct event ev;

    (void)state;
    assert_int_equal(
        jparse(&f, "Accepted publickey for alice from 10.0.0.5 port 50438 ssh2",
               &ev),
        PARSE_EVENT);
    assert_int_equal(ev.time_us, T0);
    assert_int_equal(ev.action, EV_ACTION_LOGIN);
    assert_strv(ev.hostname, "web01");
    assert_strv(ev.user, "alice");
    assert_strv(ev.login_id, "4242");
    assert_strv(ev.src_ip, "10.0.0.5");
    assert_strv(ev.record_id, CURSOR);
    assert_strv(ev.boot_id, "5b4c1f2e8a9d4c3b9e2f1a0b7c6d5e4f");
    assert_strv(ev.source, "j");
    assert_strv(ev.format, "sshd");
}

static void
test_udp514_header(void **state)
{
    struct journal_fields f = fields("udp514-journal", "77", "collector");
    struct event ev;

    (void)state;
    /* the inner header's time (Mar 15) is not used: the entry's is */
    assert_int_equal(jparse(&f,
                            "<38>Mar 15 10:00:00 web07 sshd[9]: Failed "
                            "password for root from 192.0.2.1 port 22 ssh2",
                            &ev),
                     PARSE_EVENT);
    assert_int_equal(ev.time_us, T0);
    assert_strv(ev.hostname, "web07");
    assert_strv(ev.login_id, "9");
    assert_int_equal(ev.result, EV_RESULT_FAILURE);
    /* "<" but no PRI: left alone, routed by the identifier (none) */
    assert_int_equal(jparse(&f, "<x> Accepted password for a", &ev),
                     PARSE_NONE);
}

static void
test_windows_json_in_message(void **state)
{
    struct journal_fields f = fields("omjournal", NULL, "collector");
    struct event ev;

    (void)state;
    assert_int_equal(
        jparse(&f,
               "{\"EventTime\":\"2024-03-14 13:54:19\",\"Hostname\":\"DC01\","
               "\"EventID\":4624,\"SourceName\":\"Microsoft-Windows-Security-"
               "Auditing\",\"Channel\":\"Security\",\"TargetUserName\":"
               "\"alice\",\"TargetDomainName\":\"CORP\",\"TargetLogonId\":"
               "\"0x3e7\",\"LogonType\":\"10\",\"IpAddress\":\"10.0.0.5\"}",
               &ev),
        PARSE_EVENT);
    assert_strv(ev.hostname, "DC01");
    assert_strv(ev.event_code, "4624");
    assert_strv(ev.record_id, CURSOR);
}

static void
test_logind_fields(void **state)
{
    struct journal_fields f = fields("systemd-logind", "612", "web01");
    struct event ev;

    (void)state;
    f.message_id = STRV_LIT("8d45620c1a4348dbb17410da57c60c66");
    f.session_id = STRV_LIT("c3");
    f.user_id = STRV_LIT("alice");
    f.leader = STRV_LIT("4242");
    /* the fields decide, not the text */
    assert_int_equal(jparse(&f, "New session of nobody", &ev), PARSE_EVENT);
    assert_int_equal(ev.action, EV_ACTION_LOGIN);
    assert_int_equal(ev.result, EV_RESULT_SUCCESS);
    assert_strv(ev.user, "alice");
    assert_strv(ev.login_id, "c3");
    assert_strv(ev.service, "systemd-logind");
    assert_strv(ev.event_code, "logind-session-new");
    assert_strv(ev.format, "logind");
    assert_strv(ev.boot_id, "5b4c1f2e8a9d4c3b9e2f1a0b7c6d5e4f");
    f.message_id = STRV_LIT("3354939424b4456d9802ca8333ed424a");
    assert_int_equal(jparse(&f, "Removed session c3.", &ev), PARSE_EVENT);
    assert_int_equal(ev.action, EV_ACTION_LOGOUT);
    assert_int_equal(ev.result, EV_RESULT_NONE);
    assert_strv(ev.event_code, "logind-session-removed");
    /* another logind MESSAGE_ID: no event, even with session text */
    f.message_id = STRV_LIT("fcbefc5da23d428093f97c82a9290f7b");
    assert_int_equal(jparse(&f, "New session 3 of user bob.", &ev), PARSE_NONE);
    /* hostile session ids */
    f.message_id = STRV_LIT("8d45620c1a4348dbb17410da57c60c66");
    f.session_id = STRV_LIT("../x");
    assert_int_equal(jparse(&f, "x", &ev), -EBADMSG);
    f.session_id = STRV_NULL;
    assert_int_equal(jparse(&f, "x", &ev), -EBADMSG);
}

static void
test_logind_text(void **state)
{
    struct event ev;

    (void)state;
    assert_int_equal(parse1("logind",
                            "Mar 14 13:54:19 web01 systemd-logind[612]: New "
                            "session 3 of user alice.",
                            &ev),
                     PARSE_EVENT);
    assert_strv(ev.user, "alice");
    assert_strv(ev.login_id, "3");
    assert_strv(ev.boot_id, NULL);
    assert_int_equal(parse1("logind",
                            "Mar 14 13:54:19 web01 systemd-logind[612]: "
                            "Removed session 3.",
                            &ev),
                     PARSE_EVENT);
    assert_int_equal(ev.action, EV_ACTION_LOGOUT);
    assert_strv(ev.user, NULL);
    assert_int_equal(parse1("logind",
                            "Mar 14 13:54:19 web01 systemd-logind[612]: "
                            "Session 3 logged out. Waiting for processes to "
                            "exit.",
                            &ev),
                     PARSE_NONE);
}

static void
test_not_journal(void **state)
{
    struct raw_record rec = {.kind = RECORD_TEXT, .data = "x", .len = 1};
    struct envelope env;

    (void)state;
    assert_int_equal(parser_journal_envelope(&rec, &env), -EBADMSG);
    rec.kind = RECORD_JOURNAL; /* no fields */
    assert_int_equal(parser_journal_envelope(&rec, &env), -EBADMSG);
}

static void
test_cursor_seqnum(void **state)
{
    char id[64];
    uint64_t v = 0;

    (void)state;
    assert_int_equal(journal_cursor_seqnum(CURSOR, id, sizeof(id), &v), 0);
    assert_string_equal(id, "496e24db46fd4c2fbfe8e343bda582b9");
    assert_int_equal(v, 0x1f);
    assert_int_equal(journal_cursor_seqnum("s=ab;x=1", id, sizeof(id), &v),
                     -EINVAL);
    assert_int_equal(journal_cursor_seqnum("i=1;s=", id, sizeof(id), &v),
                     -EINVAL);
    assert_int_equal(
        journal_cursor_seqnum("s=a;i=12345678901234567", id, sizeof(id), &v),
        -EINVAL);
    assert_int_equal(journal_cursor_seqnum("s=a;i=1g", id, sizeof(id), &v),
                     -EINVAL);
    assert_int_equal(journal_cursor_seqnum("s=abcdef;i=1", id, 4, &v), -EINVAL);
    assert_int_equal(journal_cursor_seqnum(NULL, id, sizeof(id), &v), -EINVAL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sshd_envelope),
        cmocka_unit_test(test_udp514_header),
        cmocka_unit_test(test_windows_json_in_message),
        cmocka_unit_test(test_logind_fields),
        cmocka_unit_test(test_logind_text),
        cmocka_unit_test(test_not_journal),
        cmocka_unit_test(test_cursor_seqnum),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
