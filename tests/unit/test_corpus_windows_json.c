/*
 * test_corpus_windows_json.c - conformance over the real NXLog JSON of
 * ../shared/corpus (issue 3), when $ST_CORPUS_DIR is there (skipped
 * otherwise):
 *
 *   security-datasets-nxlog (.json)    NXLog im_msvistalog to_json() from
 *                                      OTRF Security-Datasets (CE times,
 *                                      "security" and "Security" channels,
 *                                      TerminalServices data only in Message)
 *   openwec-wef (openwec-nxlogfmt-N.json) OpenWEC's "Nxlog" format
 *
 * Every line goes through parse_record() ("auto").  Checks:
 *   - no record is malformed;
 *   - per (event code, logon type), the events produced equal the lines
 *     counted by an independent reading: cJSON over each line, EventID,
 *     Channel and LogonType taken as they are, and the session event ids
 *     of DESIGN 2 (the same count by hand:
 *       jq -r '[.EventID, (.Channel|ascii_downcase), (.LogonType // "")]
 *              | @tsv' FILE | sort | uniq -c);
 *   - totals and facts read off the files by a person (who logged on,
 *     from where, with which logon type), asserted literally below.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include "../../parsers/registry.h"
#include "parsetest.h"
#include "testutil.h"

#define CORPUS_PATH_MAX 4096
/* Distinct (event code, logon type) keys kept per run. */
#define TALLY_MAX 128

struct tally {
    char code[16];
    int logon_type; /* -1: none */
    unsigned want, got;
};

struct corpus_run {
    struct tally t[TALLY_MAX];
    size_t n;
    unsigned lines, events, malformed;
    /* Hand-read facts found among the events. */
    unsigned rdp_logons_from_1234;      /* 4624 type 10, pgustavo, 1.2.3.4 */
    unsigned unlock_local, reconnect_7; /* 4624 type 7 without / with addr */
    unsigned noise_type2;               /* DWM-n, UMFD-n type 2: System */
    unsigned lsm24_from_71;             /* LSM-24 from 71.114.99.41 */
    unsigned rcm_pgustavo;              /* RCM-1149 *\pgustavo */
    unsigned owec_user_615a44;          /* WKS10001\user 0x615a44 type 2 */
    unsigned owec_bad_password;         /* 4625 Incorrect password */
};

static struct tally *
tally_of(struct corpus_run *run, const char *code, int lt)
{
    for (size_t i = 0; i < run->n; i++)
        if (strcmp(run->t[i].code, code) == 0 && run->t[i].logon_type == lt)
            return &run->t[i];
    assert_true(run->n < TALLY_MAX);
    snprintf(run->t[run->n].code, sizeof(run->t[run->n].code), "%s", code);
    run->t[run->n].logon_type = lt;
    return &run->t[run->n++];
}

/* The session event ids of DESIGN 2, per channel. */
static bool
is_session_event(const char *kind, int id)
{
    static const int security[] = {4624, 4625, 4634, 4647, 4648, 4672, 4778,
                                   4779, 4800, 4801, 4802, 4803, 4608, -1};
    static const int lsm[] = {21, 22, 23, 24, 25, 39, 40, -1};
    const int *ids = NULL;

    if (strcmp(kind, "LSM") == 0)
        ids = lsm;
    else if (strcmp(kind, "RCM") == 0)
        return id == 1149;
    else if (strcmp(kind, "") == 0)
        ids = security;
    for (; ids != NULL && *ids >= 0; ids++)
        if (*ids == id)
            return true;
    return false;
}

static bool
contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);

    for (; *hay != '\0'; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return true;
    return false;
}

/* The independent count: what the line says, read with cJSON. */
static void
expect_line(struct corpus_run *run, const char *line, size_t len)
{
    cJSON *j = cJSON_ParseWithLength(line, len);
    const cJSON *id, *chan, *lt;
    const char *kind = "?";
    char code[16];
    int n, t = -1;

    assert_non_null(j);
    id = cJSON_GetObjectItemCaseSensitive(j, "EventID");
    chan = cJSON_GetObjectItemCaseSensitive(j, "Channel");
    lt = cJSON_GetObjectItemCaseSensitive(j, "LogonType");
    assert_non_null(id);
    assert_true(cJSON_IsString(chan));
    n = cJSON_IsNumber(id) ? id->valueint
                           : (int)strtol(id->valuestring, NULL, 10);
    if (contains_nocase(chan->valuestring, "LocalSessionManager"))
        kind = "LSM";
    else if (contains_nocase(chan->valuestring, "RemoteConnectionManager"))
        kind = "RCM";
    else if (strcasecmp(chan->valuestring, "Security") == 0)
        kind = "";
    if (cJSON_IsString(lt))
        t = (int)strtol(lt->valuestring, NULL, 10);
    if (is_session_event(kind, n)) {
        snprintf(code, sizeof(code), "%s%s%d", kind, *kind ? "-" : "", n);
        tally_of(run, code, t)->want++;
    }
    cJSON_Delete(j);
}

static bool
strv_is(struct strv v, const char *s)
{
    return strv_eq_cstr(v, s);
}

/* Facts a person read off the files (see the header). */
static void
note_facts(struct corpus_run *run, const struct event *ev)
{
    bool c4624 = strv_is(ev->event_code, "4624");

    if (c4624 && ev->logon_type == 10 &&
        strv_is(ev->user, "THESHIRE\\pgustavo") &&
        strv_is(ev->src_ip, "1.2.3.4") &&
        strv_is(ev->hostname, "WORKSTATION5.theshire.local") &&
        ev->login_type == EV_LOGIN_TYPE_RDP)
        run->rdp_logons_from_1234++;
    if (c4624 && ev->logon_type == 7 && ev->action == EV_ACTION_UNLOCK &&
        !strv_present(ev->src_ip))
        run->unlock_local++;
    if (c4624 && ev->logon_type == 7 && ev->action == EV_ACTION_RECONNECT &&
        strv_is(ev->src_ip, "1.2.3.4"))
        run->reconnect_7++;
    if (c4624 && ev->logon_type == 2 && ev->user_type == EV_USER_TYPE_SYSTEM &&
        (strv_starts_with(ev->user_name, "DWM-") ||
         strv_starts_with(ev->user_name, "UMFD-")))
        run->noise_type2++;
    if (strv_is(ev->event_code, "LSM-24") &&
        ev->action == EV_ACTION_DISCONNECT &&
        strv_is(ev->src_ip, "71.114.99.41") &&
        strv_is(ev->user, "THESHIRE\\pgustavo"))
        run->lsm24_from_71++;
    if (strv_is(ev->event_code, "RCM-1149") &&
        strv_is(ev->user_name, "pgustavo") && strv_is(ev->src_ip, "1.2.3.4"))
        run->rcm_pgustavo++;
    if (c4624 && strv_is(ev->user, "WKS10001\\user") &&
        strv_is(ev->login_id, "0x615a44") && ev->logon_type == 2 &&
        strv_is(ev->hostname, "WKS10001") &&
        ev->time_us == INT64_C(1710424459362866))
        run->owec_user_615a44++;
    if (strv_is(ev->event_code, "4625") &&
        strv_is(ev->result_details, "Incorrect password (0xC000006A)") &&
        ev->result == EV_RESULT_FAILURE)
        run->owec_bad_password++;
}

/* Replay one file line by line; tally what is produced and expected. */
static void
replay_file(struct corpus_run *run, const char *path)
{
    size_t len = 0, off = 0;
    char *data = test_read_file(path, &len);
    struct parse_ctx *ctx = parse_ctx_new("auto", NULL);
    struct parse_counters c;

    assert_non_null(data);
    assert_non_null(ctx);
    while (off < len) {
        const char *p = data + off, *nl = memchr(p, '\n', len - off);
        size_t n = nl != NULL ? (size_t)(nl - p) : len - off;
        struct raw_record rec = {.data = p,
                                 .len = n,
                                 .ref_time_us = REF_US,
                                 .has_offset = true,
                                 .offset = off};
        struct event ev;

        if (n > 0) {
            run->lines++;
            expect_line(run, p, n);
            if (parse_record(ctx, &rec, &ev) == PARSE_EVENT) {
                char code[16];

                snprintf(code, sizeof(code), "%.*s", (int)ev.event_code.n,
                         ev.event_code.p);
                tally_of(run, code, ev.logon_type)->got++;
                run->events++;
                note_facts(run, &ev);
            }
        }
        off += n + (nl != NULL);
    }
    parse_ctx_counters(ctx, &c);
    run->malformed += (unsigned)c.malformed;
    parse_ctx_free(ctx);
    free(data);
}

/* Every file in corpus/dir whose name starts with prefix and ends .json. */
static unsigned
replay_dir(struct corpus_run *run, const char *corpus, const char *dir,
           const char *prefix)
{
    char path[CORPUS_PATH_MAX];
    struct dirent *de;
    unsigned files = 0;
    DIR *dh;

    snprintf(path, sizeof(path), "%s/%s", corpus, dir);
    dh = opendir(path);
    assert_non_null(dh);
    while ((de = readdir(dh)) != NULL) {
        size_t n = strlen(de->d_name);

        if (strncmp(de->d_name, prefix, strlen(prefix)) != 0 || n < 5 ||
            strcmp(de->d_name + n - 5, ".json") != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s/%s", corpus, dir, de->d_name);
        replay_file(run, path);
        files++;
    }
    closedir(dh);
    return files;
}

static void
assert_tallies_equal(const struct corpus_run *run)
{
    unsigned bad = 0;

    for (size_t i = 0; i < run->n; i++) {
        const struct tally *t = &run->t[i];

        print_message("%-10s type %3d: %4u in the files, %4u events\n", t->code,
                      t->logon_type, t->want, t->got);
        bad += t->want != t->got;
    }
    assert_int_equal(bad, 0);
}

static unsigned
want_of(const struct corpus_run *run, const char *code, int lt)
{
    for (size_t i = 0; i < run->n; i++)
        if (strcmp(run->t[i].code, code) == 0 && run->t[i].logon_type == lt)
            return run->t[i].want;
    return 0;
}

static void
test_security_datasets_nxlog(void **state)
{
    const char *corpus = test_corpus_dir();
    static struct corpus_run run;

    (void)state;
    if (corpus == NULL)
        skip();
    memset(&run, 0, sizeof(run));
    assert_int_equal(replay_dir(&run, corpus, "security-datasets-nxlog", ""),
                     3);
    assert_int_equal(run.malformed, 0);
    assert_tallies_equal(&run);
    /* Totals read with jq (see the header): 355 lines, of which LSM 41
     * and 42 (one each) are no session events. */
    assert_int_equal(run.lines, 355);
    assert_int_equal(run.events, 353);
    assert_int_equal(want_of(&run, "4624", 3), 75);
    assert_int_equal(want_of(&run, "4624", 5), 49);
    assert_int_equal(want_of(&run, "4624", 2), 7);
    assert_int_equal(want_of(&run, "4624", 7), 8);
    assert_int_equal(want_of(&run, "4624", 10), 2);
    assert_int_equal(want_of(&run, "4624", 0), 1);
    assert_int_equal(want_of(&run, "4634", 3), 66);
    assert_int_equal(want_of(&run, "4672", -1), 103);
    assert_int_equal(want_of(&run, "RCM-1149", -1), 3);
    /* Hand-read facts.  The two RDP logons of pgustavo from 1.2.3.4 on
     * WORKSTATION5 (empire-runkeys, 03:08:20, ids 0xa96e8/0xa992d). */
    assert_int_equal(run.rdp_logons_from_1234, 2);
    /* Type 7 logons: 4 with the client address 1.2.3.4 are reconnects,
     * 4 with "-" are local unlocks. */
    assert_int_equal(run.reconnect_7, 4);
    assert_int_equal(run.unlock_local, 4);
    /* The 7 type-2 logons are all DWM-n / UMFD-n: System accounts. */
    assert_int_equal(run.noise_type2, 7);
    /* The one address the publisher did not anonymise (fodhelper). */
    assert_int_equal(run.lsm24_from_71, 1);
    /* RCM 1149: user and address only in the Message, read back. */
    assert_int_equal(run.rcm_pgustavo, 3);
}

static void
test_openwec_nxlog_format(void **state)
{
    const char *corpus = test_corpus_dir();
    static struct corpus_run run;

    (void)state;
    if (corpus == NULL)
        skip();
    memset(&run, 0, sizeof(run));
    assert_int_equal(
        replay_dir(&run, corpus, "openwec-wef", "openwec-nxlogfmt-"), 2);
    assert_int_equal(run.malformed, 0);
    assert_tallies_equal(&run);
    assert_int_equal(run.lines, 2);
    assert_int_equal(run.events, 2);
    /* 4624 v3 of user WKS10001\user, logon type 2, 0x615a44 at
     * 2024-03-14T13:54:19.3628662Z; 4625 with SubStatus 0xc000006a. */
    assert_int_equal(run.owec_user_615a44, 1);
    assert_int_equal(run.owec_bad_password, 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_security_datasets_nxlog),
        cmocka_unit_test(test_openwec_nxlog_format),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
