/*
 * test_corpus_windows_xml.c - conformance over the Windows Event XML files
 * of $ST_CORPUS_DIR (issue 3 "Must show"), skipped when it is absent.
 *
 * Every *.xml of evtx-attack-samples, evtx-rs-samples, evtx-to-mitre-
 * attack, velociraptor-rdpauth and openwec-wef is framed line by line
 * (parsers/framing.h, as replay and the file source do) and parsed with an
 * "auto" context.  Asserted per file:
 *   - no record is malformed, and there are as many records as events;
 *   - the events produced, counted per (event_code, logon_type), equal a
 *     count made here by another method: a plain text scan of each
 *     <Event>...</Event> for its Provider Name, <EventID> and
 *     Data Name="LogonType" (no expat, no framer), restricted to the
 *     (provider, event id) pairs windows.c maps.
 * And a few facts read off the files by hand (see the comments).
 *
 * Sample record: the 4624 of openwec-wef/wef-4624-logontype2.xml, one line
 * "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>
 * <System>...<EventID>4624</EventID>...</Event>".
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../parsers/framing.h"
#include "../../parsers/registry.h"
#include "testutil.h"

#define CORPUS_PATH_MAX 4096
#define TALLY_MAX 128
#define CODE_MAX 16

static const char *const corpus_dirs[] = {
    "evtx-attack-samples",  "evtx-rs-samples", "evtx-to-mitre-attack",
    "velociraptor-rdpauth", "openwec-wef",     NULL,
};

/* The (provider, id) pairs windows.c maps, and the event_code they get. */
static const struct {
    const char *provider; /* substring of Provider Name */
    unsigned id;
    const char *code;
} mapped[] = {
    {"Security-Auditing", 4624, "4624"},
    {"Security-Auditing", 4625, "4625"},
    {"Security-Auditing", 4634, "4634"},
    {"Security-Auditing", 4647, "4647"},
    {"Security-Auditing", 4648, "4648"},
    {"Security-Auditing", 4672, "4672"},
    {"Security-Auditing", 4778, "4778"},
    {"Security-Auditing", 4779, "4779"},
    {"Security-Auditing", 4800, "4800"},
    {"Security-Auditing", 4801, "4801"},
    {"Security-Auditing", 4802, "4802"},
    {"Security-Auditing", 4803, "4803"},
    {"Security-Auditing", 4608, "4608"},
    {"Eventlog", 1100, "1100"},
    {"LocalSessionManager", 21, "LSM-21"},
    {"LocalSessionManager", 22, "LSM-22"},
    {"LocalSessionManager", 23, "LSM-23"},
    {"LocalSessionManager", 24, "LSM-24"},
    {"LocalSessionManager", 25, "LSM-25"},
    {"LocalSessionManager", 39, "LSM-39"},
    {"LocalSessionManager", 40, "LSM-40"},
    {"RemoteConnectionManager", 1149, "RCM-1149"},
    {"Winlogon", 7001, "7001"},
    {"Winlogon", 7002, "7002"},
};

/* Counts per (event_code, logon_type). */
struct tally {
    struct {
        char code[CODE_MAX];
        int logon_type;
        unsigned n;
    } e[TALLY_MAX];
    size_t n;
};

static void
tally_add(struct tally *t, const char *code, size_t len, int logon_type)
{
    size_t i;

    assert_true(len < CODE_MAX);
    for (i = 0; i < t->n; i++)
        if (strlen(t->e[i].code) == len &&
            memcmp(t->e[i].code, code, len) == 0 &&
            t->e[i].logon_type == logon_type) {
            t->e[i].n++;
            return;
        }
    assert_true(t->n < TALLY_MAX);
    memcpy(t->e[i].code, code, len);
    t->e[i].code[len] = '\0';
    t->e[i].logon_type = logon_type;
    t->e[i].n = 1;
    t->n++;
}

static unsigned
tally_get(const struct tally *t, const char *code, int logon_type)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->e[i].code, code) == 0 && t->e[i].logon_type == logon_type)
            return t->e[i].n;
    return 0;
}

/* Both tallies hold the same counts; the differences are printed. */
static void
assert_tally_equal(const char *file, const struct tally *want,
                   const struct tally *got)
{
    int bad = 0;

    for (size_t i = 0; i < want->n; i++)
        if (tally_get(got, want->e[i].code, want->e[i].logon_type) !=
            want->e[i].n) {
            fprintf(stderr, "%s: %s type %d: file has %u, parsed %u\n", file,
                    want->e[i].code, want->e[i].logon_type, want->e[i].n,
                    tally_get(got, want->e[i].code, want->e[i].logon_type));
            bad = 1;
        }
    for (size_t i = 0; i < got->n; i++)
        if (tally_get(want, got->e[i].code, got->e[i].logon_type) == 0) {
            fprintf(stderr, "%s: %s type %d: parsed %u, not in the file\n",
                    file, got->e[i].code, got->e[i].logon_type, got->e[i].n);
            bad = 1;
        }
    assert_int_equal(bad, 0);
}

/* ---- the independent count: a text scan ------------------------------- */

/* The bytes after `key` inside [p, end), or NULL. */
static const char *
after(const char *p, const char *end, const char *key)
{
    const char *q = memmem(p, (size_t)(end - p), key, strlen(key));

    return q != NULL ? q + strlen(key) : NULL;
}

static int
digits_at(const char *p, const char *end)
{
    int v = -1;

    for (; p != NULL && p < end && *p >= '0' && *p <= '9'; p++)
        v = (v < 0 ? 0 : v * 10) + (*p - '0');
    return v;
}

/* One <Event>...</Event> block: count it when windows.c maps it. */
static void
scan_event(const char *p, const char *end, struct tally *t)
{
    const char *id = after(p, end, "<EventID");
    const char *prov = after(p, end, "<Provider Name=");
    const char *lt = after(p, end, "Name=\"LogonType\">");
    const char *q;
    int eid;

    if (lt == NULL)
        lt = after(p, end, "Name='LogonType'>");
    id = id != NULL ? memchr(id, '>', (size_t)(end - id)) : NULL;
    eid = id != NULL ? digits_at(id + 1, end) : -1;
    assert_non_null(prov);
    q = memchr(prov + 1, prov[0], (size_t)(end - prov - 1));
    assert_non_null(q);
    for (size_t i = 0; i < sizeof(mapped) / sizeof(mapped[0]); i++)
        if ((unsigned)eid == mapped[i].id &&
            memmem(prov + 1, (size_t)(q - prov - 1), mapped[i].provider,
                   strlen(mapped[i].provider)) != NULL) {
            tally_add(t, mapped[i].code, strlen(mapped[i].code),
                      digits_at(lt, end));
            return;
        }
}

/* Every event of the file by text; returns how many <Event> there are. */
static unsigned
scan_file(const char *data, size_t len, struct tally *t)
{
    const char *p = data, *end = data + len;
    unsigned n = 0;

    while ((p = memmem(p, (size_t)(end - p), "<Event", 6)) != NULL) {
        const char *close;

        if (p + 6 >= end || (p[6] != ' ' && p[6] != '>')) {
            p += 6;
            continue;
        }
        close = memmem(p, (size_t)(end - p), "</Event>", 8);
        assert_non_null(close);
        scan_event(p, close, t);
        n++;
        p = close + 8;
    }
    return n;
}

/* ---- the parse: framer + parse_record ---------------------------------- */

struct run {
    struct parse_ctx *ctx;
    struct tally got;
    unsigned records;
    /* facts about single events, checked by the callers */
    unsigned rdp_vagrant; /* 4624 type 10, vagrant from 192.168.38.1 */
    unsigned unlock, reconnect;
};

static void
run_record(struct run *r, const char *p, size_t n, uint64_t off)
{
    struct raw_record rec = {.data = p,
                             .len = n,
                             .source = STRV_LIT("corpus"),
                             .offset = off,
                             .has_offset = true};
    struct event ev;

    r->records++;
    if (parse_record(r->ctx, &rec, &ev) != PARSE_EVENT)
        return;
    assert_int_equal(ev.repeat, 1);
    tally_add(&r->got, ev.event_code.p, ev.event_code.n, ev.logon_type);
    if (strv_eq_cstr(ev.event_code, "4624") && ev.logon_type == 10 &&
        strv_eq_cstr(ev.user_name, "vagrant") &&
        strv_eq_cstr(ev.src_ip, "192.168.38.1"))
        r->rdp_vagrant++;
    r->unlock += ev.action == EV_ACTION_UNLOCK;
    r->reconnect += ev.action == EV_ACTION_RECONNECT;
}

static void
run_file(struct run *r, const char *data, size_t len)
{
    struct frame fr;
    size_t off = 0;

    frame_init(&fr);
    while (off < len) {
        const char *p = data + off;
        const char *nl = memchr(p, '\n', len - off);
        size_t n = nl ? (size_t)(nl - p) : len - off, rn = n;
        enum frame_result res;

        if (rn > 0 && p[rn - 1] == '\r')
            rn--;
        do {
            res = frame_line(&fr, p, rn, off);
            if (res == FRAME_PASS)
                run_record(r, p, rn, off);
            else if (res != FRAME_HOLD)
                run_record(r, frame_data(&fr), frame_len(&fr),
                           frame_offset(&fr));
        } while (res == FRAME_EMIT_AGAIN);
        off += n + (nl != NULL);
    }
    if (frame_flush(&fr))
        run_record(r, frame_data(&fr), frame_len(&fr), frame_offset(&fr));
    assert_int_equal(fr.overlong, 0);
    frame_done(&fr);
}

/* Parse one file, compare with the scan; the run is left for facts. */
static void
check_file(const char *path, const char *name, struct run *r)
{
    struct parse_counters c;
    struct tally want = {0};
    size_t len = 0;
    char *data = test_read_file(path, &len);
    unsigned events;
    int err = 0;

    assert_non_null(data);
    memset(r, 0, sizeof(*r));
    r->ctx = parse_ctx_new("auto", &err);
    assert_non_null(r->ctx);
    events = scan_file(data, len, &want);
    run_file(r, data, len);
    parse_ctx_counters(r->ctx, &c);
    if (c.malformed != 0 || r->records != events)
        fprintf(stderr, "%s: %u events, %u records, %llu malformed\n", name,
                events, r->records, (unsigned long long)c.malformed);
    assert_int_equal(c.malformed, 0);
    assert_int_equal(r->records, events);
    assert_tally_equal(name, &want, &r->got);
    parse_ctx_free(r->ctx);
    r->ctx = NULL;
    free(data);
}

/*
 * Facts read off the files by hand (grep and a reading of the events),
 * matching the PROVENANCE notes where those give numbers:
 *   rdpauth-security.xml: 2 x 4624 LogonType 10 for vagrant from
 *     192.168.38.1 (2021-02-12T12:34:28Z), 37 x 4624 type 3, 26 x 4634
 *     type 3, 57 x 4672.
 *   rdpauth-localsessionmanager.xml: LSM 21, 22, 25 once each, 23 and 24
 *     twice, 40 four times; 41, 42, 54, 32 are not session events.
 *   security-2261.xml (evtxexport, one raw 0x03 in a 4739): 583 x 4624
 *     (416 type 5, 84 type 2, 40 type 0, 39 type 3, 4 type 7), 36 x 4647,
 *     11 x 4634, 45 x 4648, 459 x 4672, 40 x 4608, 36 x 1100.
 *   security-636.xml: 126 x 4624 (11 type 7 = unlock: local addresses),
 *     15 x 4625 (10 type 3, 5 type 2), 17 x 4634 (11 type 7), 1 x 4647.
 *   rdp-hijack-4778-4779.xml: one 4778 and one 4779 among 12 x 4688.
 */
static void
check_facts(const char *name, const struct run *r)
{
    const struct tally *g = &r->got;

    if (strcmp(name, "rdpauth-security.xml") == 0) {
        assert_int_equal(r->rdp_vagrant, 2);
        assert_int_equal(tally_get(g, "4624", 10), 2);
        assert_int_equal(tally_get(g, "4624", 3), 37);
        assert_int_equal(tally_get(g, "4634", 3), 26);
        assert_int_equal(tally_get(g, "4672", -1), 57);
    } else if (strcmp(name, "rdpauth-localsessionmanager.xml") == 0) {
        assert_int_equal(tally_get(g, "LSM-21", -1), 1);
        assert_int_equal(tally_get(g, "LSM-22", -1), 1);
        assert_int_equal(tally_get(g, "LSM-23", -1), 2);
        assert_int_equal(tally_get(g, "LSM-24", -1), 2);
        assert_int_equal(tally_get(g, "LSM-25", -1), 1);
        assert_int_equal(tally_get(g, "LSM-40", -1), 4);
    } else if (strcmp(name, "security-2261.xml") == 0) {
        assert_int_equal(tally_get(g, "4624", 5) + tally_get(g, "4624", 2) +
                             tally_get(g, "4624", 0) + tally_get(g, "4624", 3) +
                             tally_get(g, "4624", 7),
                         583);
        assert_int_equal(tally_get(g, "4624", 7), 4);
        assert_int_equal(tally_get(g, "4647", -1), 36);
        assert_int_equal(tally_get(g, "4648", -1), 45);
        assert_int_equal(tally_get(g, "4672", -1), 459);
        assert_int_equal(tally_get(g, "4608", -1), 40);
        assert_int_equal(tally_get(g, "1100", -1), 36);
    } else if (strcmp(name, "security-636.xml") == 0) {
        assert_int_equal(tally_get(g, "4624", 7), 11);
        assert_int_equal(r->unlock, 11);
        assert_int_equal(tally_get(g, "4625", 3) + tally_get(g, "4625", 2), 15);
        assert_int_equal(tally_get(g, "4634", 7), 11);
    } else if (strcmp(name, "rdp-hijack-4778-4779.xml") == 0) {
        assert_int_equal(tally_get(g, "4778", -1), 1);
        assert_int_equal(tally_get(g, "4779", -1), 1);
        assert_int_equal(r->reconnect, 1);
    }
}

static void
test_corpus_windows_xml(void **state)
{
    const char *corpus = test_corpus_dir();
    unsigned files = 0;

    (void)state;
    if (corpus == NULL) {
        skip();
        return;
    }
    for (size_t d = 0; corpus_dirs[d] != NULL; d++) {
        char dir[CORPUS_PATH_MAX], path[CORPUS_PATH_MAX * 2];
        struct dirent *de;
        DIR *dh;

        snprintf(dir, sizeof(dir), "%s/%s", corpus, corpus_dirs[d]);
        dh = opendir(dir);
        if (dh == NULL)
            continue;
        while ((de = readdir(dh)) != NULL) {
            size_t n = strlen(de->d_name);
            struct run r;

            if (n <= 4 || strcmp(de->d_name + n - 4, ".xml") != 0)
                continue;
            snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
            check_file(path, de->d_name, &r);
            check_facts(de->d_name, &r);
            files++;
        }
        closedir(dh);
    }
    fprintf(stderr, "corpus windows-xml: %u files\n", files);
    assert_true(files > 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus_windows_xml),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
