/*
 * test_corpus_snare.c - replay the real Snare MSWinEventLog files of the
 * shared corpus ($ST_CORPUS_DIR/rsyslog-snare, skipped when absent)
 * through parse_record() and check facts read off the files with awk, not
 * by running us.
 *
 * Events per (event id, logon type), independently counted with:
 *
 *   awk -F'\t' '$6 ~ /^(4608|4624|4625|4634|4647|4648|4672|4778|4779|
 *       480[0-3]|1100)$/ { lt = "-"; if (match($14, /Logon Type: +[0-9]+/))
 *       { s = substr($14, RSTART, RLENGTH); sub(/Logon Type: +/, "", s);
 *       lt = s } print $6, lt }' FILE | sort | uniq -c
 *
 * windows2022-security.snare.log (278 lines, CRLF, host WIN-5SB1I3G0V7U):
 *   4608 x10; 4624 type 0 x1, type 2 x4, type 5 x5; 4634 type 2 x1;
 *   4647 x10; 4648 x10; 4672 x10; the other 227 lines are no session
 *   events.  The 4624 accounts (New Logon / Account Name): SYSTEM x5,
 *   NETWORK SERVICE x1, DWM-1 x2, UMFD-0 x1, UMFD-1 x1; every "Source
 *   Network Address" is "-", and one 4648 (explicit credentials of
 *   Administrator) has "Network Address: 127.0.0.1": one event with an
 *   address.  Every 4647 is WIN-5SB1I3G0V7U\Administrator (SID ...-500).
 * windows2025-security.snare.log (101 lines, host WIN-IKCCUTRJI52):
 *   4608 x2; 4624 type 0 x1, type 5 x9 (all SYSTEM); 4647 x1 (user "al",
 *   domain WIN-IKCCUTRJI52, logon id 0x44D61); 4648 x7 (explicit
 *   accounts DWM-1 x2, UMFD-0 x2, UMFD-1 x2, al x1); 4672 x10.
 * No line of either file is malformed.
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

#define REF_US INT64_C(1767225600000000) /* 2026-01-01T00:00:00Z */
#define CORPUS_PATH_MAX 4096
/* Distinct (event code, logon type) pairs one file may hold. */
#define CORPUS_KEYS_MAX 32
/* Distinct user names counted per file. */
#define CORPUS_USERS_MAX 32

struct count {
    char key[64];
    unsigned n;
};

struct tally {
    struct count by_code[CORPUS_KEYS_MAX];
    struct count users_4624[CORPUS_USERS_MAX];
    struct count users_4648[CORPUS_USERS_MAX];
    unsigned events, with_src_ip, wrong_host, admin_4647;
    struct parse_counters c;
    char first_time_ok;
};

static void
bump(struct count *tab, size_t max, const char *key)
{
    for (size_t i = 0; i < max; i++) {
        if (tab[i].n == 0)
            snprintf(tab[i].key, sizeof(tab[i].key), "%s", key);
        if (strcmp(tab[i].key, key) == 0) {
            tab[i].n++;
            return;
        }
    }
    fail_msg("too many keys (%s)", key);
}

static unsigned
count_of(const struct count *tab, size_t max, const char *key)
{
    for (size_t i = 0; i < max && tab[i].n > 0; i++)
        if (strcmp(tab[i].key, key) == 0)
            return tab[i].n;
    return 0;
}

static size_t
keys_in(const struct count *tab, size_t max)
{
    size_t n = 0;

    while (n < max && tab[n].n > 0)
        n++;
    return n;
}

static void
tally_event(struct tally *t, const struct event *ev, const char *host)
{
    char key[64];

    t->events++;
    if (ev->logon_type >= 0)
        snprintf(key, sizeof(key), "%.*s/%d", (int)ev->event_code.n,
                 ev->event_code.p, ev->logon_type);
    else
        snprintf(key, sizeof(key), "%.*s/-", (int)ev->event_code.n,
                 ev->event_code.p);
    bump(t->by_code, CORPUS_KEYS_MAX, key);
    snprintf(key, sizeof(key), "%.*s", (int)ev->user_name.n, ev->user_name.p);
    if (strv_eq_cstr(ev->event_code, "4624"))
        bump(t->users_4624, CORPUS_USERS_MAX, key);
    if (strv_eq_cstr(ev->event_code, "4648"))
        bump(t->users_4648, CORPUS_USERS_MAX, key);
    if (strv_eq_cstr(ev->event_code, "4647") &&
        strv_eq_cstr(ev->user, "WIN-5SB1I3G0V7U\\Administrator") &&
        ev->uid.n > 4 && memcmp(ev->uid.p + ev->uid.n - 4, "-500", 4) == 0)
        t->admin_4647++;
    t->with_src_ip += ev->src_ip.n > 0;
    t->wrong_host += !strv_eq_cstr(ev->hostname, host);
}

/* Parse every line of the file (CRLF trimmed) into t. */
static void
replay(const char *name, const char *host, struct tally *t)
{
    char path[CORPUS_PATH_MAX];
    struct parse_ctx *ctx;
    struct event ev;
    size_t len = 0, off = 0;
    char *data;
    int err = 0;

    snprintf(path, sizeof(path), "%s/rsyslog-snare/%s", test_corpus_dir(),
             name);
    data = test_read_file(path, &len);
    assert_non_null(data);
    ctx = parse_ctx_new("auto", &err);
    assert_non_null(ctx);
    memset(t, 0, sizeof(*t));
    while (off < len) {
        const char *nl = memchr(data + off, '\n', len - off);
        size_t n = nl ? (size_t)(nl - (data + off)) : len - off;
        struct raw_record rec = {.data = data + off,
                                 .len = n,
                                 .source = STRV_LIT("corpus"),
                                 .ref_time_us = REF_US,
                                 .offset = off,
                                 .has_offset = true};

        if (n > 0 && rec.data[n - 1] == '\r')
            rec.len--;
        if (parse_record(ctx, &rec, &ev) == PARSE_EVENT)
            tally_event(t, &ev, host);
        if (off == 0)
            /* "Fri Sep 17 16:37:25 2021" / "Mon Sep 22 23:08:01 2025" */
            t->first_time_ok = ev.time_us == INT64_C(1631896645000000) ||
                               ev.time_us == INT64_C(1758582481000000);
        off += n + (nl != NULL);
    }
    parse_ctx_counters(ctx, &t->c);
    parse_ctx_free(ctx);
    free(data);
}

static void
assert_counts(const struct count *tab, size_t max, const struct count *want,
              size_t nwant)
{
    for (size_t i = 0; i < nwant; i++) {
        print_message("%s: want %u got %u\n", want[i].key, want[i].n,
                      count_of(tab, max, want[i].key));
        assert_int_equal(count_of(tab, max, want[i].key), want[i].n);
    }
    assert_int_equal(keys_in(tab, max), nwant);
}

static void
test_snare_2022(void **state)
{
    static const struct count codes[] = {
        {"4608/-", 10}, {"4624/0", 1},  {"4624/2", 4},  {"4624/5", 5},
        {"4634/2", 1},  {"4647/-", 10}, {"4648/-", 10}, {"4672/-", 10},
    };
    static const struct count users[] = {
        {"SYSTEM", 5}, {"NETWORK SERVICE", 1}, {"DWM-1", 2},
        {"UMFD-0", 1}, {"UMFD-1", 1},
    };
    struct tally *t;

    (void)state;
    if (test_corpus_dir() == NULL)
        skip();
    t = calloc(1, sizeof(*t));
    assert_non_null(t);
    replay("windows2022-security.snare.log", "WIN-5SB1I3G0V7U", t);
    assert_int_equal(t->c.records, 278);
    assert_int_equal(t->c.malformed, 0);
    assert_int_equal(t->c.events, 51);
    assert_int_equal(t->c.ignored, 278 - 51);
    assert_counts(t->by_code, CORPUS_KEYS_MAX, codes,
                  sizeof(codes) / sizeof(codes[0]));
    assert_counts(t->users_4624, CORPUS_USERS_MAX, users,
                  sizeof(users) / sizeof(users[0]));
    assert_int_equal(t->admin_4647, 10);
    assert_int_equal(t->with_src_ip, 1); /* the 4648 from 127.0.0.1 */
    assert_int_equal(t->wrong_host, 0);
    assert_true(t->first_time_ok);
    free(t);
}

static void
test_snare_2025(void **state)
{
    static const struct count codes[] = {
        {"4608/-", 2}, {"4624/0", 1}, {"4624/5", 9},
        {"4647/-", 1}, {"4648/-", 7}, {"4672/-", 10},
    };
    static const struct count users[] = {{"SYSTEM", 10}};
    static const struct count explicit[] = {
        {"DWM-1", 2}, {"UMFD-0", 2}, {"UMFD-1", 2}, {"al", 1}};
    struct tally *t;
    struct parse_ctx *ctx;
    struct event ev;
    char path[CORPUS_PATH_MAX], *data, *line;
    size_t len = 0;
    int err = 0;

    (void)state;
    if (test_corpus_dir() == NULL)
        skip();
    t = calloc(1, sizeof(*t));
    assert_non_null(t);
    replay("windows2025-security.snare.log", "WIN-IKCCUTRJI52", t);
    assert_int_equal(t->c.records, 101);
    assert_int_equal(t->c.malformed, 0);
    assert_int_equal(t->c.events, 30);
    assert_counts(t->by_code, CORPUS_KEYS_MAX, codes,
                  sizeof(codes) / sizeof(codes[0]));
    assert_counts(t->users_4624, CORPUS_USERS_MAX, users, 1);
    assert_counts(t->users_4648, CORPUS_USERS_MAX, explicit,
                  sizeof(explicit) / sizeof(explicit[0]));
    assert_int_equal(t->wrong_host, 0);
    assert_true(t->first_time_ok);
    free(t);

    /* the one user logoff, field by field */
    snprintf(path, sizeof(path),
             "%s/rsyslog-snare/windows2025-security.snare.log",
             test_corpus_dir());
    data = test_read_file(path, &len);
    assert_non_null(data);
    line = strstr(data, "\t4647\t");
    assert_non_null(line);
    while (line > data && line[-1] != '\n')
        line--;
    ctx = parse_ctx_new("snare", &err);
    assert_non_null(ctx);
    {
        struct raw_record rec = {.data = line,
                                 .len = (size_t)(strchr(line, '\r') - line),
                                 .ref_time_us = REF_US};

        assert_int_equal(parse_record(ctx, &rec, &ev), PARSE_EVENT);
    }
    assert_int_equal(ev.action, EV_ACTION_LOGOUT);
    assert_true(strv_eq_cstr(ev.user, "WIN-IKCCUTRJI52\\al"));
    assert_true(strv_eq_cstr(ev.login_id, "0x44d61"));
    assert_true(
        strv_eq_cstr(ev.uid, "S-1-5-21-3794409514-3439645202-311151782-1000"));
    parse_ctx_free(ctx);
    free(data);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snare_2022),
        cmocka_unit_test(test_snare_2025),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
