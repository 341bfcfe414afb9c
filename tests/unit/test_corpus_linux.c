/*
 * test_corpus_linux.c - replay real Linux auth logs from the shared corpus
 * ($ST_CORPUS_DIR, skipped when absent) through parse_record() and check
 * facts established by reading the files (grep/awk), not by running us:
 *
 * loghub-openssh/OpenSSH_2k.log (2000 lines, host LabSZ, sshd only):
 *   exactly one "Accepted" (fztu from 119.137.62.142, pid 24680, password)
 *   and its pam session opened / closed; 522 "Failed ..." lines plus two
 *   "message repeated 5 times: [ Failed ...]" (532 failures), 113
 *   "Invalid user", 3 "Too many authentication failures": 648 failed
 *   logins; 467 "Received disconnect ... [preauth]" + 34 "Connection
 *   closed by ... [preauth]", no pid with both: 501 preauth-closed events.
 * loghub-linux/Linux_2k.log (Red Hat, Linux-PAM 0.7x "svc(pam_unix)"):
 *   su: 86 sessions opened / 86 closed (43 cyrus, 43 news); sshd: 36 / 36
 *   (all user test); login: 1 / 1 (root); gdm: 1 auth failure; the 489
 *   sshd(pam_unix) authentication failures add no event (DESIGN 2: sshd's
 *   own line counts; that sshd logged elsewhere); host "combo" everywhere.
 * fail2ban-sshd/sshd.log and pam-generic.log: each line is labelled by
 *   fail2ban ("# failJSON: {... "match": true|false ...}").  Every true
 *   line must give a failed login and no false line may, except the cases
 *   listed in corpus_exceptions with the reason our counting differs.
 * No well-formed line of these files may be counted as malformed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../parsers/registry.h"
#include "testutil.h"

#define REF_US INT64_C(1735603200000000) /* 2024-12-31T00:00:00Z */
#define CORPUS_PATH_MAX 4096

/* What one file produced, by kind. */
struct tally {
    uint64_t ok_login, failed, logout, preauth, events;
    uint64_t su_open, su_close, sshd_open, sshd_close, login_open;
    uint64_t login_close, pam_fail;
    struct parse_counters c;
    int accepted_seen;
};

static bool
strv_is(struct strv v, const char *s)
{
    return strv_eq_cstr(v, s);
}

static void
tally_event(struct tally *t, const struct event *ev)
{
    bool pam = strv_is(ev->format, "pam");

    t->events += ev->repeat;
    if (ev->action == EV_ACTION_LOGIN && ev->result == EV_RESULT_FAILURE)
        t->failed += ev->repeat;
    if (ev->action == EV_ACTION_LOGIN && ev->result == EV_RESULT_SUCCESS)
        t->ok_login++;
    if (ev->action == EV_ACTION_LOGOUT)
        t->logout++;
    if (strv_is(ev->event_code, "sshd-preauth-closed"))
        t->preauth++;
    if (pam && strv_is(ev->event_code, "pam-auth-failure"))
        t->pam_fail++;
    if (pam && ev->action == EV_ACTION_LOGIN &&
        ev->result == EV_RESULT_SUCCESS) {
        t->su_open += strv_is(ev->service, "su");
        t->sshd_open += strv_is(ev->service, "sshd");
        t->login_open += strv_is(ev->service, "login");
    }
    if (pam && ev->action == EV_ACTION_LOGOUT) {
        t->su_close += strv_is(ev->service, "su");
        t->sshd_close += strv_is(ev->service, "sshd");
        t->login_close += strv_is(ev->service, "login");
    }
    if (strv_is(ev->event_code, "sshd-accepted")) {
        assert_true(strv_is(ev->user, "fztu"));
        assert_true(strv_is(ev->src_ip, "119.137.62.142"));
        assert_true(strv_is(ev->login_id, "24680"));
        assert_true(strv_is(ev->auth_method, "password"));
        assert_int_equal(ev->src_port, 49116);
        t->accepted_seen++;
    }
}

static void
rec_of(struct raw_record *rec, const char *p, size_t n, size_t off)
{
    if (n > 0 && p[n - 1] == '\r')
        n--;
    *rec = (struct raw_record){.data = p,
                               .len = n,
                               .source = STRV_LIT("corpus"),
                               .ref_time_us = REF_US,
                               .offset = off,
                               .has_offset = true};
}

/* Replay a whole file; NULL when absent (then the test skips). */
static bool
replay(const char *rel, struct tally *t, const char *host)
{
    char path[CORPUS_PATH_MAX];
    const char *dir = test_corpus_dir();
    size_t len = 0, off = 0;
    struct parse_ctx *ctx;
    struct event ev;
    char *data;
    int err = 0;

    if (dir == NULL)
        return false;
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    if ((data = test_read_file(path, &len)) == NULL)
        return false;
    ctx = parse_ctx_new("auto", &err);
    assert_non_null(ctx);
    memset(t, 0, sizeof(*t));
    while (off < len) {
        const char *nl = memchr(data + off, '\n', len - off);
        size_t n = nl ? (size_t)(nl - data - off) : len - off;
        struct raw_record rec;

        rec_of(&rec, data + off, n, off);
        if (parse_record(ctx, &rec, &ev) == PARSE_EVENT) {
            tally_event(t, &ev);
            if (host != NULL)
                assert_true(strv_is(ev.hostname, host));
        }
        off += n + (nl != NULL);
    }
    parse_ctx_counters(ctx, &t->c);
    parse_ctx_free(ctx);
    free(data);
    return true;
}

static void
test_openssh_2k(void **state)
{
    struct tally t;

    (void)state;
    if (!replay("loghub-openssh/OpenSSH_2k.log", &t, "LabSZ"))
        skip();
    assert_int_equal(t.c.records, 2000);
    assert_int_equal(t.c.malformed, 0);
    assert_int_equal(t.accepted_seen, 1);
    assert_int_equal(t.ok_login, 2); /* Accepted + pam session opened */
    assert_int_equal(t.sshd_open, 1);
    assert_int_equal(t.sshd_close, 1);
    assert_int_equal(t.logout, 1);
    assert_int_equal(t.failed, 522 + 2 * 5 + 113 + 3);
    assert_int_equal(t.preauth, 467 + 34);
    assert_int_equal(t.pam_fail, 0); /* all sshd: sshd's lines count */
    assert_int_equal(t.c.events, t.events);
    assert_int_equal(t.c.events, 2 + 1 + 648 + 501);
}

static void
test_linux_2k(void **state)
{
    struct tally t;

    (void)state;
    if (!replay("loghub-linux/Linux_2k.log", &t, "combo"))
        skip();
    assert_int_equal(t.c.records, 2000);
    assert_int_equal(t.c.malformed, 0);
    assert_int_equal(t.su_open, 86);
    assert_int_equal(t.su_close, 86);
    assert_int_equal(t.sshd_open, 36);
    assert_int_equal(t.sshd_close, 36);
    assert_int_equal(t.login_open, 1);
    assert_int_equal(t.login_close, 1);
    assert_int_equal(t.pam_fail, 1); /* gdm; sshd's 489 add none */
    assert_int_equal(t.failed, 1);
    assert_int_equal(t.c.events, 86 * 2 + 36 * 2 + 2 + 1);
}

/* A labelled line whose outcome differs from fail2ban's, and why. */
struct corpus_exception {
    const char *needle; /* substring of the line */
    bool label;         /* fail2ban's "match" */
    const char *reason;
};

#define N_EXCEPTIONS (sizeof(corpus_exceptions) / sizeof(corpus_exceptions[0]))

static const struct corpus_exception corpus_exceptions[] = {
    /* fail2ban true, no failed-login event from us */
    {"PAM: Authentication failure for", true,
     "repeats sshd's own Failed line (DESIGN 2)"},
    {"PAM: authentication failure for", true, "same, lower case"},
    {"PAM: Authentication error for", true, "same, PAM error form"},
    {"PAM: authentication error for", true, "same"},
    {"PAM: User not known", true, "repeats Invalid user / Failed"},
    {"refused connect from", true, "tcp_wrappers, no login attempt"},
    {"pam_unix(sshd:auth): authentication failure", true,
     "sshd service: sshd's Failed line counts (DESIGN 2)"},
    {"(pam_unix) authentication failure", true,
     "sshd service: sshd's Failed line counts (DESIGN 2)"},
    {"Did not receive identification string", true, "no login attempt"},
    {"Bad protocol version identification", true, "no login attempt"},
    {"fatal: Read from socket failed", true, "no login attempt"},
    {"kex_exchange_identification", true, "no login attempt"},
    {"banner exchange", true, "no login attempt"},
    {"ssh_dispatch_run_fatal", true, "no login attempt"},
    {"Timeout before authentication", true, "no login attempt"},
    {"Unable to negotiate", true, "no login attempt"},
    {"fatal: no matching mac found", true, "no login attempt"},
    {"Received disconnect from", true,
     "connection end before authentication: a disconnect event"},
    {"Connection closed by", true, "connection end: disconnect event"},
    {"Connection reset by", true, "connection end: disconnect event"},
    {"Disconnected from", true, "connection end: disconnect event"},
    {"Disconnecting invalid user", true, "connection end: disconnect event"},
    {"Disconnecting: Too many authentication failures [preauth]", true,
     "end of the connection after 'maximum authentication attempts', "
     "which is the failure; a disconnect event"},
    {"Accepted password for known", true,
     "a success; fail2ban's multi-line mode charges the earlier pam "
     "failures for other users (sudoer, root) to it"},
    /* fail2ban false, a failed login for us */
    {"Failed publickey for git", false,
     "every Failed line is a failed attempt; fail2ban forgives key probes"},
    {"Disconnecting: Too many authentication failures for root", false,
     "old sshd's Too many ... for USER is a failure of its own (brief)"},
    {"pop(pam_unix)", false,
     "Linux-PAM 0.7x form, fail2ban dropped it; pop is no sshd service"},
};

/* Index of the exception explaining the line, or -1. */
static int
exception_for(const char *line, size_t n, bool label)
{
    for (size_t i = 0; i < N_EXCEPTIONS; i++) {
        const struct corpus_exception *x = &corpus_exceptions[i];
        struct strv l = strv_make(line, n);
        size_t k = strlen(x->needle);

        if (x->label != label || k > n)
            continue;
        for (size_t j = 0; j + k <= l.n; j++)
            if (memcmp(l.p + j, x->needle, k) == 0)
                return (int)i;
    }
    return -1;
}

/* fail2ban's label of the line after a failJSON comment: 1, 0, -1 none. */
static int
label_of(const char *p, size_t n)
{
    static const char key[] = "\"match\"";
    const char *m = memmem(p, n, key, sizeof(key) - 1);

    if (m == NULL || strncmp(p, "# failJSON:", 11) != 0)
        return -1;
    m += sizeof(key) - 1;
    while (m < p + n && (*m == ' ' || *m == ':'))
        m++;
    return m + 4 <= p + n && memcmp(m, "true", 4) == 0 ? 1 : 0;
}

/* Replay a fail2ban file; returns the number of unexplained lines. */
static unsigned
check_labels(const char *rel, unsigned *used, unsigned *ret_labelled)
{
    char path[CORPUS_PATH_MAX];
    size_t len = 0, off = 0;
    int err = 0, label = -1;
    unsigned bad = 0, labelled = 0;
    struct parse_counters c;
    struct parse_ctx *ctx;
    struct event ev;
    char *data;

    snprintf(path, sizeof(path), "%s/%s", test_corpus_dir(), rel);
    data = test_read_file(path, &len);
    assert_non_null(data);
    ctx = parse_ctx_new("auto", &err);
    assert_non_null(ctx);
    while (off < len) {
        const char *p = data + off, *nl = memchr(p, '\n', len - off);
        size_t n = nl ? (size_t)(nl - p) : len - off;
        struct raw_record rec;

        off += n + (nl != NULL);
        if (n == 0 || p[0] == '#') {
            if (n > 0)
                label = label_of(p, n) >= 0 ? label_of(p, n) : label;
            continue;
        }
        rec_of(&rec, p, n, (size_t)(p - data));
        bool failed = parse_record(ctx, &rec, &ev) == PARSE_EVENT &&
                      ev.action == EV_ACTION_LOGIN &&
                      ev.result == EV_RESULT_FAILURE;
        if (label >= 0) {
            int x;

            labelled++;
            if (failed != (label == 1)) {
                x = exception_for(p, n, label == 1);
                if (x >= 0) {
                    used[x]++;
                } else {
                    bad++;
                    fprintf(stderr, "%s: match=%d but failed=%d: %.*s\n", rel,
                            label, failed, (int)n, p);
                }
            }
        }
        label = -1;
    }
    parse_ctx_counters(ctx, &c);
    assert_int_equal(c.malformed, 0);
    parse_ctx_free(ctx);
    free(data);
    *ret_labelled = labelled;
    return bad;
}

static void
test_fail2ban_labels(void **state)
{
    unsigned labelled = 0, n = 0, bad, used[N_EXCEPTIONS] = {0};

    (void)state;
    if (test_corpus_dir() == NULL)
        skip();
    bad = check_labels("fail2ban-sshd/sshd.log", used, &labelled);
    bad += check_labels("fail2ban-sshd/pam-generic.log", used, &n);
    labelled += n;
    fprintf(stderr, "fail2ban: %u labelled lines, %u unexplained\n", labelled,
            bad);
    assert_int_equal(bad, 0);
    assert_true(labelled > 150);
    for (size_t i = 0; i < N_EXCEPTIONS; i++)
        if (used[i] == 0)
            fail_msg("exception never used: %s", corpus_exceptions[i].needle);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_openssh_2k),
        cmocka_unit_test(test_linux_2k),
        cmocka_unit_test(test_fail2ban_labels),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
