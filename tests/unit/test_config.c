/*
 * test_config.c - the sinks-file loader (daemon/config.c) and the sink
 * filter (sinks/filter.c).
 *
 * Driven by the key tables themselves: every key of every section is
 * given a valid value and must land in its field, and every default must
 * be applied; then a table of broken files must each fail with -EINVAL
 * and the exact message; then an allocation-failure pass.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "../../daemon/config.h"
#include "../../model/event.h"
#include "../../sinks/sink.h"
#include "testutil.h"

#define NAME "x.json"

static int
parse(const char *json, struct config **ret, char *err)
{
    return config_parse(json, strlen(json), NAME, ret, err, CONFIG_ERR_MAX);
}

static void *
field_of(void *base, const struct config_key *k)
{
    return (char *)base + k->offset;
}

/* Assert that the field of key k in base holds the JSON value v. */
static void
assert_field_is(const struct config_key *k, void *base, const cJSON *v)
{
    const cJSON *e;
    char **arr;
    size_t i = 0;

    switch (k->type) {
    case CONFIG_STRING:
        assert_non_null(*(char **)field_of(base, k));
        assert_string_equal(*(char **)field_of(base, k), v->valuestring);
        break;
    case CONFIG_INT:
        assert_int_equal(*(int64_t *)field_of(base, k),
                         (int64_t)v->valuedouble);
        break;
    case CONFIG_BOOL:
        assert_int_equal(*(bool *)field_of(base, k), cJSON_IsTrue(v));
        break;
    case CONFIG_TRISTATE:
        assert_int_equal(*(int *)field_of(base, k), cJSON_IsTrue(v));
        break;
    case CONFIG_STRING_ARRAY:
        arr = *(char ***)field_of(base, k);
        assert_non_null(arr);
        cJSON_ArrayForEach(e, v) assert_string_equal(arr[i++], e->valuestring);
        assert_null(arr[i]);
        break;
    case CONFIG_OBJECT:
    case CONFIG_OBJECT_ARRAY:
        break; /* checked through their own sections */
    }
}

/* Assert that every key of a section holds its default (or nothing). */
static void
assert_defaults(const char *section, void *base, const char *skip_key)
{
    const struct config_key_table *t = config_key_table_find(section);
    const struct config_key *k;
    cJSON *v;

    assert_non_null(t);
    for (k = t->keys; k->key != NULL; k++) {
        if (k->required || (skip_key && strcmp(k->key, skip_key) == 0))
            continue;
        if (k->def == NULL) {
            if (k->type == CONFIG_TRISTATE)
                assert_int_equal(*(int *)field_of(base, k), -1);
            else if (k->type == CONFIG_STRING || k->type == CONFIG_STRING_ARRAY)
                assert_null(*(void **)field_of(base, k));
            continue;
        }
        v = cJSON_Parse(k->def);
        assert_non_null(v);
        assert_field_is(k, base, v);
        cJSON_Delete(v);
    }
}

static void
test_defaults(void **state)
{
    const char *json =
        "{\"sources\": [{\"name\": \"a\", \"type\": \"file\", \"path\": "
        "\"/p\"}], \"sinks\": [{\"name\": \"s\", \"type\": \"stdout\"}, "
        "{\"name\": \"f\", \"type\": \"file\", \"path\": \"/o\"}]}";
    char err[CONFIG_ERR_MAX];
    struct config *cfg = NULL;

    assert_int_equal(parse(json, &cfg, err), 0);
    assert_string_equal(err, "");
    assert_string_equal(cfg->path, NAME);
    assert_false(cfg->sources_defaulted);
    assert_defaults("top", cfg, "sinks");
    assert_defaults("sessions", cfg, NULL);
    assert_defaults("source:file", &cfg->sources[0], NULL);
    assert_defaults("sink:stdout", &cfg->sinks[0], NULL);
    assert_defaults("sink:file", &cfg->sinks[1], NULL);
    assert_defaults("filter", &cfg->sinks[0].filter, NULL);
    assert_defaults("filter", &cfg->sinks[1].filter, NULL);
    assert_string_equal(cfg->sinks[0].format, "text");
    assert_string_equal(cfg->sinks[1].format, "json");
    assert_int_equal(cfg->sinks[0].records_mask,
                     CONFIG_RECORDS_EVENTS | CONFIG_RECORDS_SESSIONS);
    assert_false(cfg->sinks[0].has_filter);
    assert_int_equal(cfg->idle_timeout, 86400);
    assert_int_equal(cfg->max_open, 100000);
    assert_int_equal(cfg->sources[0].max_line, 65536);
    assert_int_equal(cfg->sinks[1].queue_max, 8 * 1024 * 1024);
    assert_null(config_free(cfg));
}

/* An empty object: a stdout text sink and the local default sources. */
static void
test_empty_object(void **state)
{
    char err[CONFIG_ERR_MAX];
    struct config *cfg = NULL;
    struct stat st;
    size_t i;

    assert_int_equal(parse("{}", &cfg, err), 0);
    assert_true(cfg->sources_defaulted);
    assert_int_equal(cfg->n_sinks, 1);
    assert_string_equal(cfg->sinks[0].name, "stdout");
    assert_string_equal(cfg->sinks[0].type, "stdout");
    assert_string_equal(cfg->sinks[0].format, "text");
    assert_string_equal(cfg->state_dir, "/var/lib/sessiontail");
    assert_string_equal(cfg->control_socket, "/run/sessiontail/control.sock");
    /* The local defaults: the journal or the auth log (never both), wtmp,
     * btmp - each only when it exists on this machine. */
    for (i = 0; i < cfg->n_sources; i++) {
        const struct config_source *src = &cfg->sources[i];

        if (strcmp(src->name, "journal") == 0) {
            assert_string_equal(src->type, "journal");
            assert_string_equal(src->format, "auto");
            continue;
        }
        assert_int_equal(stat(src->path, &st), 0);
        if (strcmp(src->name, "auth") == 0) {
            assert_string_equal(src->type, "file");
            assert_string_equal(src->format, "auto");
            assert_true(i == 0);
        } else {
            assert_string_equal(src->type, "utmp");
            assert_true(src->failed == (strcmp(src->name, "btmp") == 0));
        }
    }
    config_free(cfg);
}

static void
test_config_defaults(void **state)
{
    struct config *cfg = NULL;

    assert_int_equal(config_defaults("json", &cfg), 0);
    assert_null(cfg->path);
    assert_true(cfg->sources_defaulted);
    assert_int_equal(cfg->n_sinks, 1);
    assert_string_equal(cfg->sinks[0].name, "stdout");
    assert_string_equal(cfg->sinks[0].format, "json");
    assert_int_equal(cfg->idle_timeout, 86400);
    config_free(cfg);
    assert_int_equal(config_defaults(NULL, &cfg), 0);
    assert_string_equal(cfg->sinks[0].format, "text");
    config_free(cfg);
    cfg = NULL;
    assert_int_equal(config_defaults("xml", &cfg), -EINVAL);
    assert_null(cfg);
    assert_null(config_free(NULL));
}

/* A valid, non-default value for every key of every section. */
static const struct {
    const char *section, *key, *value;
} valid_values[] = {
    {"top", "state_dir", "\"/tmp/st\""},
    {"top", "control_socket", "\"/tmp/st.sock\""},
    {"top", "control_group", "\"root\""},
    {"top", "sessions", "{\"idle_timeout\": 60}"},
    {"top", "sources",
     "[{\"name\": \"a\", \"type\": \"file\", "
     "\"path\": \"/p\"}]"},
    {"top", "sinks", "[{\"name\": \"s\", \"type\": \"stdout\"}]"},
    {"sessions", "idle_timeout", "31536000"},
    {"sessions", "max_open", "1"},
    {"sessions", "include_system_accounts", "true"},
    {"source:file", "name", "\"auth-1.x_Y\""},
    {"source:file", "type", "\"file\""},
    {"source:file", "path", "\"/var/log/remote/*/auth.log\""},
    {"source:file", "format", "\"sshd\""},
    {"source:file", "from_beginning", "true"},
    {"source:file", "max_line", "256"},
    {"source:file", "timezone", "\"-03:30\""},
    {"source:journal", "name", "\"remote\""},
    {"source:journal", "type", "\"journal\""},
    {"source:journal", "path", "\"/var/log/journal/remote\""},
    {"source:journal", "matches",
     "[\"_COMM=sshd\", \"SYSLOG_IDENTIFIER=sshd\"]"},
    {"source:journal", "format", "\"logind\""},
    {"source:journal", "from_beginning", "true"},
    {"source:syslog", "name", "\"net\""},
    {"source:syslog", "type", "\"syslog\""},
    {"source:syslog", "listen", "\"udp://[::]:514\""},
    {"source:syslog", "format", "\"openwec-json\""},
    {"source:syslog", "max_message", "480"},
    {"source:syslog", "idle_timeout", "0"},
    {"source:syslog", "max_clients", "65536"},
    {"source:syslog", "timezone", "\"UTC\""},
    {"source:utmp", "name", "\"btmp\""},
    {"source:utmp", "type", "\"utmp\""},
    {"source:utmp", "path", "\"/var/log/btmp\""},
    {"source:utmp", "failed", "true"},
    {"source:utmp", "from_beginning", "true"},
    {"source:utmp", "hostname", "\"web01\""},
    {"sink:stdout", "name", "\"console\""},
    {"sink:stdout", "type", "\"stdout\""},
    {"sink:stdout", "format", "\"json\""},
    {"sink:stdout", "records", "[\"sessions\"]"},
    {"sink:stdout", "filter", "{\"actions\": [\"login\"]}"},
    {"sink:stdout", "queue_max", "4096"},
    {"sink:file", "name", "\"archive\""},
    {"sink:file", "type", "\"file\""},
    {"sink:file", "format", "\"text\""},
    {"sink:file", "records", "[\"events\"]"},
    {"sink:file", "filter", "{\"successful\": false}"},
    {"sink:file", "queue_max", "1073741824"},
    {"sink:file", "path", "\"/tmp/out.jsonl\""},
    {"sink:file", "fsync", "\"batch\""},
    {"sink:syslog", "name", "\"siem\""},
    {"sink:syslog", "type", "\"syslog\""},
    {"sink:syslog", "format", "\"rfc3164\""},
    {"sink:syslog", "records", "[\"sessions\"]"},
    {"sink:syslog", "filter", "{\"successful\": true}"},
    {"sink:syslog", "queue_max", "65536"},
    {"sink:syslog", "address", "\"[2001:db8::9]:6514\""},
    {"sink:syslog", "protocol", "\"tcp\""},
    {"sink:syslog", "facility", "\"local3\""},
    {"sink:syslog", "framing", "\"lf\""},
    {"filter", "actions", "[\"login\", \"logout\", \"restart\"]"},
    {"filter", "hosts", "[\"web1\", \"DC01\"]"},
    {"filter", "users", "[\"alice\", \"CORP\\\\bob\"]"},
    {"filter", "formats", "[\"sshd\"]"},
    {"filter", "successful", "true"},
};

/* The smallest valid object of a section, as a cJSON tree to add to. */
static cJSON *
base_object(const char *section)
{
    if (strcmp(section, "source:file") == 0)
        return cJSON_Parse("{\"name\": \"n\", \"type\": \"file\", "
                           "\"path\": \"/p\"}");
    if (strcmp(section, "sink:file") == 0)
        return cJSON_Parse("{\"name\": \"n\", \"type\": \"file\", "
                           "\"path\": \"/o\"}");
    if (strcmp(section, "source:utmp") == 0)
        return cJSON_Parse("{\"name\": \"n\", \"type\": \"utmp\", "
                           "\"path\": \"/var/log/wtmp\"}");
    if (strcmp(section, "source:syslog") == 0)
        return cJSON_Parse("{\"name\": \"n\", \"type\": \"syslog\", "
                           "\"listen\": \"tcp://127.0.0.1:514\"}");
    if (strcmp(section, "source:journal") == 0)
        return cJSON_Parse("{\"name\": \"n\", \"type\": \"journal\"}");
    if (strcmp(section, "sink:stdout") == 0)
        return cJSON_Parse("{\"name\": \"n\", \"type\": \"stdout\"}");
    if (strcmp(section, "sink:syslog") == 0)
        return cJSON_Parse("{\"name\": \"n\", \"type\": \"syslog\", "
                           "\"address\": \"siem\"}");
    return cJSON_CreateObject();
}

/* Wrap a section object into a whole document; returns where in the
 * parsed config the section lives through *ret_base. */
static char *
wrap(const char *section, cJSON *obj)
{
    cJSON *doc = cJSON_CreateObject(), *arr, *sink;
    char *s;

    if (strcmp(section, "top") == 0) {
        cJSON_Delete(doc);
        doc = obj;
    } else if (strcmp(section, "sessions") == 0) {
        cJSON_AddItemToObject(doc, "sessions", obj);
    } else if (strncmp(section, "source:", 7) == 0) {
        arr = cJSON_AddArrayToObject(doc, "sources");
        cJSON_AddItemToArray(arr, obj);
    } else if (strncmp(section, "sink:", 5) == 0) {
        arr = cJSON_AddArrayToObject(doc, "sinks");
        cJSON_AddItemToArray(arr, obj);
    } else {
        arr = cJSON_AddArrayToObject(doc, "sinks");
        sink = base_object("sink:stdout");
        cJSON_AddItemToObject(sink, "filter", obj);
        cJSON_AddItemToArray(arr, sink);
    }
    s = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    return s;
}

static void *
section_base(const char *section, struct config *cfg)
{
    if (strncmp(section, "source:", 7) == 0)
        return &cfg->sources[0];
    if (strncmp(section, "sink:", 5) == 0)
        return &cfg->sinks[0];
    if (strcmp(section, "filter") == 0)
        return &cfg->sinks[0].filter;
    return cfg;
}

static void
check_one_key(const char *section, const struct config_key *k,
              const char *value)
{
    char err[CONFIG_ERR_MAX], *json;
    struct config *cfg = NULL;
    cJSON *obj = base_object(section), *v = cJSON_Parse(value);

    assert_non_null(v);
    cJSON_DeleteItemFromObjectCaseSensitive(obj, k->key);
    cJSON_AddItemToObject(obj, k->key, cJSON_Duplicate(v, true));
    json = wrap(section, obj);
    if (parse(json, &cfg, err) != 0)
        fail_msg("%s.%s = %s: %s", section, k->key, value, err);
    assert_field_is(k, section_base(section, cfg), v);
    config_free(cfg);
    cJSON_Delete(v);
    free(json);
}

static void
test_every_key(void **state)
{
    const struct config_key_table *t;
    const struct config_key *k;
    size_t i, n = 0;

    for (t = config_key_tables; t->section != NULL; t++) {
        for (k = t->keys; k->key != NULL; k++, n++) {
            for (i = 0; i < sizeof(valid_values) / sizeof(valid_values[0]); i++)
                if (strcmp(valid_values[i].section, t->section) == 0 &&
                    strcmp(valid_values[i].key, k->key) == 0)
                    break;
            if (i == sizeof(valid_values) / sizeof(valid_values[0]))
                fail_msg("no test value for %s.%s", t->section, k->key);
            check_one_key(t->section, k, valid_values[i].value);
            assert_non_null(k->doc);
            assert_non_null(config_type_name(k->type));
        }
    }
    assert_int_equal(n, sizeof(valid_values) / sizeof(valid_values[0]));
}

static void
test_derived(void **state)
{
    const char *json =
        "{\"sinks\": [{\"name\": \"a\", \"type\": \"stdout\", \"records\": "
        "[\"sessions\"], \"filter\": {}}, {\"name\": \"b\", \"type\": "
        "\"stdout\", \"records\": [\"events\"], \"filter\": {\"hosts\": "
        "[\"h\"]}}, {\"name\": \"c\", \"type\": \"stdout\", \"filter\": "
        "{\"successful\": false}}]}";
    char err[CONFIG_ERR_MAX];
    struct config *cfg = NULL;

    assert_int_equal(parse(json, &cfg, err), 0);
    assert_int_equal(cfg->n_sinks, 3);
    assert_int_equal(cfg->sinks[0].records_mask, CONFIG_RECORDS_SESSIONS);
    assert_false(cfg->sinks[0].has_filter);
    assert_int_equal(cfg->sinks[0].filter.successful, -1);
    assert_int_equal(cfg->sinks[1].records_mask, CONFIG_RECORDS_EVENTS);
    assert_true(cfg->sinks[1].has_filter);
    assert_true(cfg->sinks[2].has_filter);
    assert_int_equal(cfg->sinks[2].filter.successful, 0);
    config_free(cfg);
}

/* Two syslog sources listening on A and B. */
#define LISTEN2(a, b)                                                          \
    "{\"sources\": [{\"name\": \"a\", \"type\": \"syslog\", \"listen\": \"" a  \
    "\"}, {\"name\": \"b\", \"type\": \"syslog\", \"listen\": \"" b "\"}]}"

/* Edge values that must be accepted. */
static void
test_accepted(void **state)
{
    static const char *const good[] = {
        "\xef\xbb\xbf{}", /* a UTF-8 BOM */
        " \n{ }\n\n",
        "{\"sessions\": {\"idle_timeout\": 1.0}}",
        "{\"sessions\": {\"max_open\": 100000000}}",
        ("{\"sources\": [{\"name\": \"a\", \"type\": \"file\", \"path\": "
         "\"/p\", \"timezone\": \"UTC\"}, {\"name\": \"b\", \"type\": "
         "\"file\", \"path\": \"/q\", \"timezone\": \"+14:00\"}]}"),
        ("{\"sinks\": [{\"name\": "
         "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
         " \"type\": \"stdout\"}]}"),
        ("{\"sinks\": [{\"name\": \"a\", \"type\": \"stdout\"}, {\"name\": "
         "\"A\", \"type\": \"stdout\"}]}"),
        /* listeners that can all be bound: other ports, schemes,
         * addresses, families; port 0 (any free port) twice */
        LISTEN2("udp://127.0.0.1:514", "udp://127.0.0.1:515"),
        LISTEN2("udp://0.0.0.0:514", "tcp://0.0.0.0:514"),
        LISTEN2("udp://127.0.0.1:514", "udp://127.0.0.2:514"),
        LISTEN2("udp://127.0.0.1:514", "udp://[::1]:514"),
        LISTEN2("udp://0.0.0.0:0", "udp://0.0.0.0:0"),
        LISTEN2("unix-dgram:///run/a.sock", "unix-dgram:///run/b.sock"),
    };
    char err[CONFIG_ERR_MAX];
    struct config *cfg;
    size_t i;

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        cfg = NULL;
        if (parse(good[i], &cfg, err) != 0)
            fail_msg("good[%zu]: %s", i, err);
        config_free(cfg);
    }
}

/* ---- broken files ----------------------------------------------------- */

#define SRC(extra)                                                             \
    "{\"sources\": [{\"name\": \"a\", \"type\": \"file\", \"path\": "          \
    "\"/p\"" extra "}]}"
#define SINK(extra)                                                            \
    "{\"sinks\": [{\"name\": \"a\", \"type\": \"stdout\"" extra "}]}"
#define FSINK(extra)                                                           \
    "{\"sinks\": [{\"name\": \"a\", \"type\": \"file\", \"path\": "            \
    "\"/o\"" extra "}]}"
#define SINK_KEYS "name, type, format, records, filter, queue_max"
#define ACTIONS "login, logout, lock, unlock, reconnect, disconnect, restart"
#define NAME_WHY "expected a name of 1 to 64 characters from A-Z a-z 0-9 _ . -"
#define TZ_WHY "expected \"local\", \"UTC\" or an offset such as \"+02:00\""

static const struct {
    const char *json, *msg;
} broken[] = {
    {"[]", "x.json: expected a JSON object at the top level"},
    {"\"sinks\"", "x.json: expected a JSON object at the top level"},
    {"", "x.json: empty file (expected a JSON object)"},
    {" \n\t ", "x.json: empty file (expected a JSON object)"},
    {"{\"state_dir\": }", "x.json:1:15: syntax error near '}'"},
    {"{\n  \"sinks\": [\n    {\"name\": \"a\",, \"type\": \"stdout\"}\n]}",
     "x.json:3:19: syntax error near ' \"type\": \"stdout...'"},
    {"{} x", "x.json:1:4: syntax error near 'x'"},
    {"{\"a\": \"\x01\x1b[2J\"}", "x.json:1:8: control character in a string"},
    {"{\"a\": \"x\ty\"}", "x.json:1:9: control character in a string"},
    {"{\"a\": \"\\\"\n\"}", "x.json:1:10: control character in a string"},
    {"{\"colour\": 1}",
     "x.json: colour: unknown key (known: state_dir, control_socket, "
     "control_group, sessions, sources, sinks)"},
    {"{\"co\\u001blour\": 1}",
     "x.json: co?lour: unknown key (known: state_dir, control_socket, "
     "control_group, sessions, sources, sinks)"},
    {SINK(", \"colour\": \"red\""),
     "x.json: sinks[0].colour: unknown key (known: " SINK_KEYS ")"},
    {SINK(", \"queue_max\": \"big\""),
     "x.json: sinks[0].queue_max: expected integer"},
    {SINK(", \"queue_max\": 8192.5"),
     "x.json: sinks[0].queue_max: expected integer"},
    {SINK(", \"queue_max\": 1e99"),
     "x.json: sinks[0].queue_max: expected integer"},
    {SINK(", \"queue_max\": 100"),
     "x.json: sinks[0].queue_max: expected an integer between 4096 and "
     "1073741824"},
    {SINK(", \"format\": \"xml\""),
     "x.json: sinks[0].format: expected one of text, json"},
    {SINK(", \"format\": null"), "x.json: sinks[0].format: expected string"},
    {"{\"sources\": [{\"name\": \"a\", \"type\": \"file\"}]}",
     "x.json: sources[0].path: required"},
    {"{\"sinks\": [{\"name\": \"console\", \"type\": \"stdout\"}, {\"name\": "
     "\"console\", \"type\": \"stdout\"}]}",
     "x.json: sinks[1].name: duplicate name 'console'"},
    {"{\"sources\": [{\"name\": \"a\", \"type\": \"file\", \"path\": "
     "\"/p\"}, {\"name\": \"b\", \"type\": \"file\", \"path\": \"/q\"}, "
     "{\"name\": \"a\", \"type\": \"file\", \"path\": \"/r\"}]}",
     "x.json: sources[2].name: duplicate name 'a'"},
    {"{\"sources\": []}", "x.json: sources: expected a non-empty array"},
    {"{\"sinks\": []}", "x.json: sinks: expected a non-empty array"},
    {"{\"sinks\": {}}", "x.json: sinks: expected an array of objects"},
    {"{\"sinks\": [\"stdout\"]}", "x.json: sinks[0]: expected object"},
    {SINK(", \"records\": []"),
     "x.json: sinks[0].records: expected a non-empty array"},
    {SINK(", \"records\": \"events\""),
     "x.json: sinks[0].records: expected an array of strings"},
    {SINK(", \"records\": [\"events\", \"alerts\"]"),
     "x.json: sinks[0].records[1]: expected one of events, sessions"},
    {"{\"sinks\": [{\"name\": \"a b\", \"type\": \"stdout\"}]}",
     "x.json: sinks[0].name: " NAME_WHY},
    {"{\"sinks\": [{\"name\": \"\", \"type\": \"stdout\"}]}",
     "x.json: sinks[0].name: " NAME_WHY},
    {"{\"sinks\": [{\"name\": "
     "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
     " \"type\": \"stdout\"}]}",
     "x.json: sinks[0].name: " NAME_WHY},
    {"{\"sinks\": [{\"type\": \"stdout\"}]}",
     "x.json: sinks[0].name: required"},
    {"{\"sources\": [{\"name\": \"a\", \"type\": \"file\", \"path\": "
     "\"/p\"}, {\"name\": \"j\", \"type\": \"journal\", \"matches\": "
     "[\"sshd\"]}]}",
     "x.json: sources[1].matches[0]: expected FIELD=value with FIELD in "
     "[A-Z0-9_]"},
    {"{\"sources\": [{\"name\": \"j\", \"type\": \"journal\", "
     "\"matches\": [\"=x\"]}]}",
     "x.json: sources[0].matches[0]: expected FIELD=value with FIELD in "
     "[A-Z0-9_]"},
    {"{\"sources\": [{\"name\": \"n\", \"type\": \"syslog\"}]}",
     "x.json: sources[0].listen: required"},
    {"{\"sources\": [{\"name\": \"n\", \"type\": \"syslog\", "
     "\"listen\": \"udp:514\"}]}",
     "x.json: sources[0].listen: expected udp://HOST:PORT, tcp://HOST:PORT "
     "or unix-dgram:///path"},
    {"{\"sources\": [{\"name\": \"n\", \"type\": \"syslog\", "
     "\"listen\": \"udp://:::514\"}]}",
     "x.json: sources[0].listen: an IPv6 address goes in brackets: "
     "udp://[::]:514"},
    {"{\"sources\": [{\"name\": \"n\", \"type\": \"syslog\", "
     "\"listen\": \"tcp://127.0.0.1:65536\"}]}",
     "x.json: sources[0].listen: expected a port number 0-65535 after the "
     "last ':'"},
    {"{\"sources\": [{\"name\": \"n\", \"type\": \"syslog\", "
     "\"listen\": \"tcp://localhost:514\"}]}",
     "x.json: sources[0].listen: expected a numeric IPv4 address or [IPv6] "
     "address (names are not resolved)"},
    {"{\"sources\": [{\"name\": \"n\", \"type\": \"syslog\", "
     "\"listen\": \"unix-dgram://run/x.sock\"}]}",
     "x.json: sources[0].listen: expected unix-dgram:///absolute/path (at "
     "most 107 bytes)"},
    {LISTEN2("udp://127.0.0.1:514", "udp://127.0.0.1:514"),
     "x.json: sources[1].listen: 'udp://127.0.0.1:514' clashes with "
     "sources[0] ('udp://127.0.0.1:514')"},
    {LISTEN2("tcp://127.0.0.1:601", "tcp://0.0.0.0:601"),
     "x.json: sources[1].listen: 'tcp://0.0.0.0:601' clashes with "
     "sources[0] ('tcp://127.0.0.1:601')"},
    {LISTEN2("udp://[::]:514", "udp://10.0.0.1:514"),
     "x.json: sources[1].listen: 'udp://10.0.0.1:514' clashes with "
     "sources[0] ('udp://[::]:514')"},
    {LISTEN2("unix-dgram:///run/a.sock", "unix-dgram:///run/a.sock"),
     "x.json: sources[1].listen: 'unix-dgram:///run/a.sock' clashes with "
     "sources[0] ('unix-dgram:///run/a.sock')"},
    {"{\"sinks\": [{\"name\": \"a\", \"type\": \"kafka\"}]}",
     "x.json: sinks[0].type: unknown type 'kafka' (known: stdout, file, "
     "syslog)"},
    {"{\"sinks\": [{\"name\": \"a\", \"type\": \"syslog\"}]}",
     "x.json: sinks[0].address: required"},
    {"{\"sinks\": [{\"name\": \"a\", \"type\": \"syslog\", \"address\": "
     "\"siem:0\"}]}",
     "x.json: sinks[0].address: expected a port number 1-65535 after the "
     "':'"},
    {"{\"sinks\": [{\"name\": \"a\", \"type\": \"syslog\", \"address\": "
     "\"siem\", \"format\": \"json\"}]}",
     "x.json: sinks[0].format: expected one of rfc5424, rfc3164"},
    {"{\"sinks\": [{\"name\": \"a\", \"type\": \"stdout\", \"format\": "
     "\"rfc5424\"}]}",
     "x.json: sinks[0].format: expected one of text, json"},
    {"{\"sinks\": [{\"name\": \"a\"}]}", "x.json: sinks[0].type: required"},
    {"{\"sinks\": [{\"name\": \"a\", \"type\": 5}]}",
     "x.json: sinks[0].type: expected string"},
    {"{\"state_dir\": \"/a\", \"state_dir\": \"/b\"}",
     "x.json: state_dir: duplicate key"},
    {SINK(", \"format\": \"json\", \"format\": \"text\""),
     "x.json: sinks[0].format: duplicate key"},
    {"{\"sinks\": [{\"name\": \"a\", \"type\": \"stdout\", \"type\": "
     "\"file\"}]}",
     "x.json: sinks[0].type: duplicate key"},
    {"{\"sessions\": {\"idle_timeout\": 0}}",
     "x.json: sessions.idle_timeout: expected an integer between 1 and "
     "31536000"},
    {"{\"sessions\": {\"max_open\": -1}}",
     "x.json: sessions.max_open: expected an integer between 1 and "
     "100000000"},
    {"{\"sessions\": {\"max_open\": true}}",
     "x.json: sessions.max_open: expected integer"},
    {"{\"sessions\": \"yes\"}", "x.json: sessions: expected object"},
    {"{\"sessions\": {\"include_system_accounts\": \"true\"}}",
     "x.json: sessions.include_system_accounts: expected boolean"},
    {"{\"sessions\": {\"idle\": 5}}",
     "x.json: sessions.idle: unknown key (known: idle_timeout, max_open, "
     "include_system_accounts)"},
    {SRC(", \"timezone\": \"CET\""), "x.json: sources[0].timezone: " TZ_WHY},
    {SRC(", \"timezone\": \"+25:00\""), "x.json: sources[0].timezone: " TZ_WHY},
    {SRC(", \"timezone\": \"+0200\""), "x.json: sources[0].timezone: " TZ_WHY},
    {SRC(", \"max_line\": 100000"),
     "x.json: sources[0].max_line: expected an integer between 256 and "
     "65536"},
    {SRC(", \"format\": \"nonsense\""),
     "x.json: sources[0].format: expected \"auto\" or a known parser name"},
    {"{\"sources\": [{\"name\": \"a\", \"type\": \"file\", \"path\": \"\"}]}",
     "x.json: sources[0].path: expected a non-empty string"},
    {SRC(", \"from_beginning\": 1"),
     "x.json: sources[0].from_beginning: expected boolean"},
    {SRC(", \"colour\": 1"),
     "x.json: sources[0].colour: unknown key (known: name, type, path, "
     "format, from_beginning, max_line, timezone)"},
    {SINK(", \"path\": \"/o\""),
     "x.json: sinks[0].path: unknown key (known: " SINK_KEYS ")"},
    {FSINK(", \"fsync\": \"always\""),
     "x.json: sinks[0].fsync: expected one of none, batch"},
    {"{\"sinks\": [{\"name\": \"a\", \"type\": \"file\"}]}",
     "x.json: sinks[0].path: required"},
    {SINK(", \"filter\": {\"actions\": [\"login\", \"boot\"]}"),
     "x.json: sinks[0].filter.actions[1]: expected one of " ACTIONS},
    {SINK(", \"filter\": {\"successful\": \"yes\"}"),
     "x.json: sinks[0].filter.successful: expected boolean"},
    {SINK(", \"filter\": {\"colour\": 1}"),
     "x.json: sinks[0].filter.colour: unknown key (known: actions, hosts, "
     "users, formats, successful)"},
    {SINK(", \"filter\": {\"hosts\": []}"),
     "x.json: sinks[0].filter.hosts: expected a non-empty array"},
    {SINK(", \"filter\": {\"users\": [1]}"),
     "x.json: sinks[0].filter.users[0]: expected string"},
    {SINK(", \"filter\": {\"formats\": [\"auto\"]}"),
     "x.json: sinks[0].filter.formats[0]: expected a known parser name"},
    {SINK(", \"filter\": []"), "x.json: sinks[0].filter: expected object"},
    {"{\"state_dir\": \"\"}", "x.json: state_dir: expected a non-empty string"},
    {"{\"control_socket\": \"/run/"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.sock\"}",
     "x.json: control_socket: expected a socket path of at most 107 bytes"},
    {"{\"control_group\": \"no-such-group-x\"}",
     "x.json: control_group: expected the name of an existing group"},
    {"{\"state_dir\": \"/a\\u0000b\"}", "x.json:1:18: \\u0000 is not allowed"},
};

static void
test_broken(void **state)
{
    char err[CONFIG_ERR_MAX];
    struct config *cfg;
    size_t i;
    int r;

    assert_true(sizeof(broken) / sizeof(broken[0]) >= 30);
    for (i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
        cfg = NULL;
        r = parse(broken[i].json, &cfg, err);
        if (r != -EINVAL || strcmp(err, broken[i].msg) != 0)
            fail_msg("broken[%zu] %s\n  got %d '%s'\n want '%s'", i,
                     broken[i].json, r, err, broken[i].msg);
        assert_null(cfg);
    }
}

/* Bytes no JSON text has: a NUL, and a file past the size bound. */
static void
test_nul_and_size(void **state)
{
    char err[CONFIG_ERR_MAX], *big;
    struct config *cfg = NULL;

    assert_int_equal(config_parse("{\n \0}", 5, NAME, &cfg, err, sizeof(err)),
                     -EINVAL);
    assert_string_equal(err, "x.json:2:2: NUL byte in the file");
    big = malloc(CONFIG_FILE_MAX + 1);
    assert_non_null(big);
    memset(big, ' ', CONFIG_FILE_MAX + 1);
    big[0] = '{';
    big[CONFIG_FILE_MAX] = '}';
    assert_int_equal(
        config_parse(big, CONFIG_FILE_MAX + 1, NAME, &cfg, err, sizeof(err)),
        -EINVAL);
    assert_string_equal(err, "x.json: file larger than 1048576 bytes");
    /* Exactly the bound is fine. */
    big[CONFIG_FILE_MAX - 1] = '}';
    big[CONFIG_FILE_MAX] = ' ';
    assert_int_equal(
        config_parse(big, CONFIG_FILE_MAX, NAME, &cfg, err, sizeof(err)), 0);
    config_free(cfg);
    free(big);
    /* A short error buffer gets a cut message, still terminated. */
    assert_int_equal(config_parse("[]", 2, NAME, &cfg, err, 12), -EINVAL);
    assert_string_equal(err, "x.json: ...");
    assert_int_equal(config_parse("[]", 2, NAME, &cfg, NULL, 0), -EINVAL);
}

/* Counts past the named limits, built rather than written out. */
static void
test_limits(void **state)
{
    char err[CONFIG_ERR_MAX], name[16], *json;
    struct config *cfg = NULL;
    cJSON *doc = cJSON_CreateObject(), *arr, *e, *hosts;
    int i;

    arr = cJSON_AddArrayToObject(doc, "sinks");
    for (i = 0; i <= CONFIG_SINKS_MAX; i++) {
        e = cJSON_CreateObject();
        snprintf(name, sizeof(name), "s%d", i);
        cJSON_AddStringToObject(e, "name", name);
        cJSON_AddStringToObject(e, "type", "stdout");
        cJSON_AddItemToArray(arr, e);
    }
    json = cJSON_PrintUnformatted(doc);
    assert_int_equal(parse(json, &cfg, err), -EINVAL);
    assert_string_equal(err, "x.json: sinks: expected at most 64 entries");
    free(json);
    /* 64 is fine. */
    cJSON_DeleteItemFromArray(arr, 0);
    json = cJSON_PrintUnformatted(doc);
    assert_int_equal(parse(json, &cfg, err), 0);
    assert_int_equal(cfg->n_sinks, CONFIG_SINKS_MAX);
    cfg = config_free(cfg);
    free(json);
    /* A filter list past its bound. */
    hosts = cJSON_AddArrayToObject(
        cJSON_AddObjectToObject(cJSON_GetArrayItem(arr, 0), "filter"), "hosts");
    for (i = 0; i <= 4096; i++)
        cJSON_AddItemToArray(hosts, cJSON_CreateString("h"));
    json = cJSON_PrintUnformatted(doc);
    assert_int_equal(parse(json, &cfg, err), -EINVAL);
    assert_string_equal(
        err, "x.json: sinks[0].filter.hosts: expected at most 4096 elements");
    free(json);
    cJSON_Delete(doc);
    /* Nesting past cJSON's bound is a syntax error, not a crash. */
    json = calloc(1, 4 * 2000 + 16);
    assert_non_null(json);
    memcpy(json, "{\"a\":", 5);
    for (i = 0; i < 2000; i++)
        memcpy(json + 5 + i, "[", 1);
    assert_int_equal(parse(json, &cfg, err), -EINVAL);
    assert_non_null(strstr(err, "syntax error"));
    free(json);
}

/* samples/config/broken/<case>.json with the exact message beside it. */
static void
test_broken_samples(void **state)
{
    char dir[512], path[1024], err[CONFIG_ERR_MAX], *data, *want;
    struct config *cfg = NULL;
    struct dirent *de;
    size_t len, n = 0, wlen;
    DIR *d;

    snprintf(dir, sizeof(dir), "%s/samples/config/broken", test_source_dir());
    d = opendir(dir);
    assert_non_null(d);
    while ((de = readdir(d)) != NULL) {
        len = strlen(de->d_name);
        if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        data = test_read_file(path, &len);
        assert_non_null(data);
        snprintf(path, sizeof(path), "%s/%.*s.expected", dir,
                 (int)(strlen(de->d_name) - 5), de->d_name);
        want = test_read_file(path, &wlen);
        if (want == NULL)
            fail_msg("%s: no .expected", de->d_name);
        while (wlen > 0 && want[wlen - 1] == '\n')
            want[--wlen] = '\0';
        assert_int_equal(
            config_parse(data, len, de->d_name, &cfg, err, sizeof(err)),
            -EINVAL);
        if (strcmp(err, want) != 0)
            fail_msg("%s: got '%s' want '%s'", de->d_name, err, want);
        free(data);
        free(want);
        n++;
    }
    closedir(d);
    assert_true(n >= 5);
}

static void
load_sample(const char *name, struct config **ret)
{
    char path[512], err[CONFIG_ERR_MAX];

    snprintf(path, sizeof(path), "%s/samples/config/%s", test_source_dir(),
             name);
    if (config_load(path, ret, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_string_equal((*ret)->path, path);
}

/* Does some object under `list` of `doc` with type `type` use key? */
static bool
sample_uses(const cJSON *doc, const char *section, const char *key)
{
    const char *colon = strchr(section, ':');
    const cJSON *e, *list;

    if (strcmp(section, "top") == 0)
        return cJSON_GetObjectItemCaseSensitive(doc, key) != NULL;
    if (strcmp(section, "sessions") == 0)
        return cJSON_GetObjectItemCaseSensitive(
                   cJSON_GetObjectItemCaseSensitive(doc, "sessions"), key) !=
               NULL;
    list = cJSON_GetObjectItemCaseSensitive(
        doc, strncmp(section, "source", 6) == 0 ? "sources" : "sinks");
    cJSON_ArrayForEach(e, list)
    {
        if (colon == NULL) {
            if (cJSON_GetObjectItemCaseSensitive(
                    cJSON_GetObjectItemCaseSensitive(e, "filter"), key))
                return true;
        } else if (strcmp(cJSON_GetStringValue(
                              cJSON_GetObjectItemCaseSensitive(e, "type")),
                          colon + 1) == 0 &&
                   cJSON_GetObjectItemCaseSensitive(e, key) != NULL) {
            return true;
        }
    }
    return false;
}

static void
test_samples(void **state)
{
    const struct config_key_table *t;
    const struct config_key *k;
    struct config *cfg = NULL;
    char path[512], *data;
    cJSON *doc;

    load_sample("minimal.json", &cfg);
    assert_int_equal(cfg->n_sinks, 1);
    config_free(cfg);
    load_sample("full.json", &cfg);
    assert_false(cfg->sources_defaulted);
    assert_int_equal(cfg->n_sources, 5);
    assert_string_equal(cfg->sources[4].listen, "tcp://[::]:514");
    assert_string_equal(cfg->sources[2].matches[1], "_COMM=systemd-logind");
    assert_int_equal(cfg->n_sinks, 4);
    assert_string_equal(cfg->sinks[3].address, "siem.example:6514");
    assert_int_equal(cfg->idle_timeout, 43200);
    assert_true(cfg->include_system_accounts);
    assert_string_equal(cfg->sources[1].timezone, "+01:00");
    assert_string_equal(cfg->sinks[2].fsync, "batch");
    assert_true(cfg->sinks[2].has_filter);
    config_free(cfg);
    /* full.json shows every key of every section. */
    snprintf(path, sizeof(path), "%s/samples/config/full.json",
             test_source_dir());
    data = test_read_file(path, NULL);
    doc = cJSON_Parse(data);
    assert_non_null(doc);
    for (t = config_key_tables; t->section != NULL; t++)
        for (k = t->keys; k->key != NULL; k++)
            if (!sample_uses(doc, t->section, k->key))
                fail_msg("full.json lacks %s.%s", t->section, k->key);
    cJSON_Delete(doc);
    free(data);
}

static void
test_load_errors(void **state)
{
    char err[CONFIG_ERR_MAX], path[512], want[1024], *dir = test_tmpdir();
    struct config *cfg = NULL;
    FILE *f;

    assert_non_null(dir);
    snprintf(path, sizeof(path), "%s/absent.json", dir);
    assert_int_equal(config_load(path, &cfg, err, sizeof(err)), -ENOENT);
    snprintf(want, sizeof(want), "cannot read %s: No such file or directory",
             path);
    assert_string_equal(err, want);
    assert_int_equal(config_load(dir, &cfg, err, sizeof(err)), -EISDIR);
    snprintf(want, sizeof(want), "cannot read %s: Is a directory", dir);
    assert_string_equal(err, want);
    snprintf(path, sizeof(path), "%s/fifo.json", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(config_load(path, &cfg, err, sizeof(err)), -EINVAL);
    snprintf(want, sizeof(want), "cannot read %s: not a regular file", path);
    assert_string_equal(err, want);
    /* Unreadable: only meaningful when not root. */
    snprintf(path, sizeof(path), "%s/secret.json", dir);
    f = fopen(path, "we");
    assert_non_null(f);
    fputs("{}", f);
    fclose(f);
    assert_int_equal(chmod(path, 0), 0);
    if (geteuid() != 0) {
        assert_int_equal(config_load(path, &cfg, err, sizeof(err)), -EACCES);
        snprintf(want, sizeof(want), "cannot read %s: Permission denied", path);
        assert_string_equal(err, want);
    }
    /* Huge: refused after a bounded read, named like a parse error. */
    snprintf(path, sizeof(path), "%s/huge.json", dir);
    f = fopen(path, "we");
    assert_non_null(f);
    fputc('{', f);
    assert_int_equal(fseek(f, 2 * CONFIG_FILE_MAX, SEEK_SET), 0);
    fputc('}', f);
    fclose(f);
    assert_int_equal(config_load(path, &cfg, err, sizeof(err)), -EINVAL);
    snprintf(want, sizeof(want), "%s: file larger than 1048576 bytes", path);
    assert_string_equal(err, want);
    /* A syntax error through config_load names the path and line. */
    snprintf(path, sizeof(path), "%s/bad.json", dir);
    f = fopen(path, "we");
    assert_non_null(f);
    fputs("{\n\"sinks\": [ }\n", f);
    fclose(f);
    assert_int_equal(config_load(path, &cfg, err, sizeof(err)), -EINVAL);
    snprintf(want, sizeof(want), "%s:2:12: syntax error near '}'", path);
    assert_string_equal(err, want);
    assert_null(cfg);
    test_rmtree(dir);
    free(dir);
}

/* Fail allocation 1..N over a full file: -ENOMEM each time, no leak (the
 * ASan build checks), until the run needs no more than N allocations. */
static void
test_alloc_failures(void **state)
{
    char path[512], err[CONFIG_ERR_MAX], *data;
    struct config *cfg;
    unsigned long n, used;
    size_t len;
    int r;

    snprintf(path, sizeof(path), "%s/samples/config/full.json",
             test_source_dir());
    data = test_read_file(path, &len);
    assert_non_null(data);
    for (n = 1;; n++) {
        cfg = NULL;
        mem_fail_set(n);
        r = config_parse(data, len, NAME, &cfg, err, sizeof(err));
        used = mem_fail_set(0);
        if (r == 0) {
            assert_true(n > used); /* a failure was not swallowed */
            config_free(cfg);
            break;
        }
        assert_int_equal(r, -ENOMEM);
        assert_string_equal(err, "x.json: out of memory");
        assert_null(cfg);
    }
    assert_true(n > 20);
    for (n = 1;; n++) {
        cfg = NULL;
        mem_fail_set(n);
        r = config_load(path, &cfg, err, sizeof(err));
        used = mem_fail_set(0);
        config_free(cfg);
        if (r == 0)
            break;
        assert_int_equal(r, -ENOMEM);
    }
    for (n = 1;; n++) {
        cfg = NULL;
        mem_fail_set(n);
        r = config_defaults("json", &cfg);
        used = mem_fail_set(0);
        config_free(cfg);
        if (r == 0)
            break;
        assert_int_equal(r, -ENOMEM);
    }
    (void)used;
    free(data);
}

/* ---- sink_filter_match ------------------------------------------------ */

/* pattern with each '@' replaced by dir, into dst. */
static void
at_dir(char *dst, size_t n, const char *pattern, const char *dir)
{
    size_t o = 0;

    for (const char *p = pattern; *p != '\0' && o + 1 < n; p++) {
        size_t k = *p == '@' ? strlen(dir) : 1;

        if (o + k + 1 > n)
            break;
        memcpy(dst + o, *p == '@' ? dir : p, k);
        o += k;
    }
    dst[o] = '\0';
}

/* config_check_run: what running needs from the file system, each
 * failure with the file and the JSON path; nothing is created. */
static void
test_check_run(void **state)
{
    char *dir = test_tmpdir(), json[1024], err[CONFIG_ERR_MAX], want[768],
         file[512];
    struct config *cfg;
    int fd;
    const struct {
        const char *state_dir, *sink, *listen, *msg; /* @: dir */
    } cases[] = {
        {"@", "@/out.jsonl", "@/in.sock", NULL},
        {"@", "@/exists.jsonl", "@/in.sock", NULL},
        {"@", "/dev/null", "@/in.sock", NULL},
        {"@/none", "@/out.jsonl", "@/in.sock",
         "x.json: state_dir: @/none: No such file or directory"},
        {"@/exists.jsonl", "@/out.jsonl", "@/in.sock",
         "x.json: state_dir: @/exists.jsonl: not a directory"},
        {"@", "@/none/out.jsonl", "@/in.sock",
         "x.json: sinks[1].path: @/none: No such file or directory"},
        {"@", "@", "@/in.sock", "x.json: sinks[1].path: @: is a directory"},
        {"@", "@/exists.jsonl/out.jsonl", "@/in.sock",
         "x.json: sinks[1].path: @/exists.jsonl/out.jsonl: Not a directory"},
        {"@", "@/out.jsonl", "@/none/in.sock",
         "x.json: sources[0].listen: @/none: No such file or directory"},
        {"@", "@/out.jsonl", "@/exists.jsonl",
         "x.json: sources[0].listen: @/exists.jsonl: exists and is not a "
         "socket"},
    };

    (void)state;
    assert_non_null(dir);
    snprintf(file, sizeof(file), "%s/exists.jsonl", dir);
    fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    close(fd);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char sd[256], sk[256], ls[256];

        at_dir(sd, sizeof(sd), cases[i].state_dir, dir);
        at_dir(sk, sizeof(sk), cases[i].sink, dir);
        at_dir(ls, sizeof(ls), cases[i].listen, dir);
        snprintf(json, sizeof(json),
                 "{\"state_dir\": \"%s\", \"sources\": [{\"name\": \"n\", "
                 "\"type\": \"syslog\", \"listen\": \"unix-dgram://%s\"}], "
                 "\"sinks\": [{\"name\": \"o\", \"type\": \"stdout\"}, "
                 "{\"name\": \"f\", \"type\": \"file\", \"path\": \"%s\"}]}",
                 sd, ls, sk);
        cfg = NULL;
        assert_int_equal(parse(json, &cfg, err), 0);
        err[0] = '\0';
        if (cases[i].msg == NULL) {
            if (config_check_run(cfg, err, sizeof(err)) != 0)
                fail_msg("cases[%zu]: %s", i, err);
        } else {
            at_dir(want, sizeof(want), cases[i].msg, dir);
            assert_int_equal(config_check_run(cfg, err, sizeof(err)), -EINVAL);
            if (strcmp(err, want) != 0)
                fail_msg("cases[%zu]\n  got '%s'\n want '%s'", i, err, want);
        }
        config_free(cfg);
    }
    snprintf(file, sizeof(file), "%s/out.jsonl", dir);
    assert_int_equal(access(file, F_OK), -1); /* nothing was created */
    test_rmtree(dir);
    free(dir);
}

static void
test_filter(void **state)
{
    char *actions[] = {"login", "unlock", NULL};
    char *hosts[] = {"web1", "DC01", NULL};
    char *users[] = {"alice", NULL};
    char *formats[] = {"sshd", NULL};
    struct config_filter f = {.successful = -1};
    struct event ev;

    event_init(&ev);
    ev.action = EV_ACTION_LOGIN;
    ev.result = EV_RESULT_FAILURE;
    ev.hostname = STRV_LIT("web1");
    ev.user = STRV_LIT("alice");
    ev.format = STRV_LIT("sshd");
    assert_true(sink_filter_match(NULL, &ev));
    assert_true(sink_filter_match(&f, &ev)); /* empty filter */
    f.actions = actions;
    f.hosts = hosts;
    f.users = users;
    f.formats = formats;
    assert_true(sink_filter_match(&f, &ev));
    f.successful = 0;
    assert_true(sink_filter_match(&f, &ev));
    f.successful = 1;
    assert_false(sink_filter_match(&f, &ev));
    ev.result = EV_RESULT_SUCCESS;
    assert_true(sink_filter_match(&f, &ev));
    ev.result = EV_RESULT_NONE; /* no login_successful: neither */
    assert_false(sink_filter_match(&f, &ev));
    f.successful = -1;
    assert_true(sink_filter_match(&f, &ev));
    ev.action = EV_ACTION_LOGOUT;
    assert_false(sink_filter_match(&f, &ev));
    ev.action = EV_ACTION_NONE;
    assert_false(sink_filter_match(&f, &ev));
    ev.action = EV_ACTION_UNLOCK;
    assert_true(sink_filter_match(&f, &ev));
    ev.hostname = STRV_LIT("web"); /* exact, not a prefix */
    assert_false(sink_filter_match(&f, &ev));
    ev.hostname = STRV_LIT("dc01"); /* exact, case too */
    assert_false(sink_filter_match(&f, &ev));
    ev.hostname = STRV_LIT("DC01");
    assert_true(sink_filter_match(&f, &ev));
    ev.hostname = STRV_NULL; /* absent never matches a list */
    assert_false(sink_filter_match(&f, &ev));
    ev.hostname = STRV_LIT("web1");
    ev.user = STRV_LIT("alice2");
    assert_false(sink_filter_match(&f, &ev));
    ev.user = STRV_LIT("alice");
    ev.format = STRV_LIT("pam");
    assert_false(sink_filter_match(&f, &ev));
    f.formats = NULL;
    assert_true(sink_filter_match(&f, &ev));
}

/* A filter straight from the loader behaves as written. */
static void
test_filter_from_config(void **state)
{
    const char *json =
        SINK(", \"filter\": {\"actions\": [\"login\"], \"successful\": false}");
    char err[CONFIG_ERR_MAX];
    struct config *cfg = NULL;
    struct event ev;

    assert_int_equal(parse(json, &cfg, err), 0);
    event_init(&ev);
    ev.action = EV_ACTION_LOGIN;
    ev.result = EV_RESULT_FAILURE;
    assert_true(sink_filter_match(&cfg->sinks[0].filter, &ev));
    ev.result = EV_RESULT_SUCCESS;
    assert_false(sink_filter_match(&cfg->sinks[0].filter, &ev));
    config_free(cfg);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_empty_object),
        cmocka_unit_test(test_config_defaults),
        cmocka_unit_test(test_every_key),
        cmocka_unit_test(test_derived),
        cmocka_unit_test(test_accepted),
        cmocka_unit_test(test_broken),
        cmocka_unit_test(test_nul_and_size),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_broken_samples),
        cmocka_unit_test(test_samples),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_check_run),
        cmocka_unit_test(test_filter),
        cmocka_unit_test(test_filter_from_config),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
