/*
 * test_control.c - the pure parts of the control socket: request parsing
 * (daemon/control.c), the stats lines, and the client's idle and since
 * columns (daemon/ctl.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "../../daemon/config.h"
#include "../../daemon/control.h"
#include "../../daemon/ctl.h"
#include "../../daemon/pipeline.h"
#include "../../model/session.h"

static int
parse(const char *line, struct control_request *rq, const char **why)
{
    return control_request_parse(line, strlen(line), rq, why);
}

static void
test_request_valid(void **state)
{
    struct control_request rq;
    const char *why = NULL;

    (void)state;
    assert_int_equal(parse("{\"cmd\":\"stats\"}", &rq, &why), 0);
    assert_int_equal(rq.cmd, CONTROL_CMD_STATS);
    assert_string_equal(rq.host, "");
    assert_int_equal(parse(" {\"user\":\"CORP\\\\alice\",\"cmd\":\"sessions\","
                           "\"host\":\"web01\"} \r",
                           &rq, &why),
                     0);
    assert_int_equal(rq.cmd, CONTROL_CMD_SESSIONS);
    assert_string_equal(rq.host, "web01");
    assert_string_equal(rq.user, "CORP\\alice");
    assert_int_equal(parse("{\"cmd\":\"sessions\",\"host\":null}", &rq, &why),
                     0);
    assert_string_equal(rq.host, "");
    assert_null(why);
}

static void
test_request_broken(void **state)
{
    static const char *const bad[] = {
        "",
        "stats",
        "[]",
        "{}",
        "{\"cmd\":1}",
        "{\"cmd\":\"reboot\"}",
        "{\"cmd\":\"Stats\"}",
        "{\"cmd\":\"stats\",\"host\":\"h\"}",
        "{\"cmd\":\"sessions\",\"hosts\":\"h\"}",
        "{\"cmd\":\"sessions\",\"host\":[\"h\"]}",
        "{\"cmd\":\"sessions\",\"user\":7}",
        "{\"cmd\":\"stats\"} {\"cmd\":\"stats\"}",
        "{\"cmd\":\"stats\"}x",
        "{\"cmd\":\"stats\"",
    };
    struct control_request rq;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *why = NULL;

        if (parse(bad[i], &rq, &why) != -EINVAL)
            fail_msg("accepted: %s", bad[i]);
        assert_non_null(why);
    }
}

static void
test_request_limits(void **state)
{
    char line[CONTROL_REQUEST_MAX + 64];
    struct control_request rq;
    const char *why = NULL;
    int n;

    (void)state;
    /* A filter of CONTROL_FILTER_MAX - 1 bytes fits, one more does not. */
    n = snprintf(line, sizeof(line), "{\"cmd\":\"sessions\",\"host\":\"%0*d\"}",
                 CONTROL_FILTER_MAX - 1, 0);
    assert_int_equal(control_request_parse(line, (size_t)n, &rq, &why), 0);
    assert_int_equal(strlen(rq.host), CONTROL_FILTER_MAX - 1);
    n = snprintf(line, sizeof(line), "{\"cmd\":\"sessions\",\"user\":\"%0*d\"}",
                 CONTROL_FILTER_MAX, 0);
    assert_int_equal(control_request_parse(line, (size_t)n, &rq, &why),
                     -EINVAL);
    /* Past CONTROL_REQUEST_MAX, even valid JSON is refused. */
    memset(line, ' ', sizeof(line));
    memcpy(line, "{\"cmd\":\"stats\"}", 15);
    assert_int_equal(
        control_request_parse(line, CONTROL_REQUEST_MAX, &rq, &why), 0);
    assert_int_equal(
        control_request_parse(line, CONTROL_REQUEST_MAX + 1, &rq, &why),
        -EINVAL);
    assert_string_equal(why, "request too long");
}

static void
test_format_idle(void **state)
{
    static const struct {
        int64_t s;
        const char *want;
    } cases[] = {
        {-5, "0s"},     {0, "0s"},     {59, "59s"},           {60, "1m"},
        {300, "5m"},    {3599, "59m"}, {3600, "1h"},          {7199, "1h"},
        {86399, "23h"}, {86400, "1d"}, {3 * 86400 + 5, "3d"},
    };
    char buf[16];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ctl_format_idle(cases[i].s, buf, sizeof(buf));
        assert_string_equal(buf, cases[i].want);
    }
}

static void
test_format_since(void **state)
{
    /* 2026-11-24T10:15:59.5Z */
    int64_t t = INT64_C(1795515359500000);
    char buf[32];

    (void)state;
    setenv("TZ", "UTC", 1);
    tzset();
    ctl_format_since(t, buf, sizeof(buf));
    assert_string_equal(buf, "2026-11-24 10:15");
    /* Local time, as who(1) shows it. */
    setenv("TZ", "CET-1", 1);
    tzset();
    ctl_format_since(t, buf, sizeof(buf));
    assert_string_equal(buf, "2026-11-24 11:15");
    setenv("TZ", "UTC", 1);
    tzset();
}

/* Every field of the counter structs reaches the JSON line. */
static void
test_stats_lines(void **state)
{
    struct session_stats st = {.opened = 3, .restored = 7, .open_now = 2};
    struct pipeline_counters pc = {.records = 10, .malformed = 1};
    const char *second;
    struct buf b;
    cJSON *o;

    (void)state;
    buf_init(&b, 0);
    control_stats_sessions(&b, &st);
    assert_int_equal(b.data[b.len - 1], '\n');
    o = cJSON_ParseWithLength(b.data, b.len);
    assert_non_null(o);
    assert_int_equal(cJSON_GetArraySize(o), 1 + 11);
    assert_int_equal(cJSON_GetObjectItem(o, "restored")->valueint, 7);
    assert_int_equal(cJSON_GetObjectItem(o, "open_now")->valueint, 2);
    cJSON_Delete(o);
    buf_reset(&b);
    control_stats_pipeline(&b, &pc);
    control_stats_source(&b, "a\"b", "file", NULL, NULL);
    o = cJSON_ParseWithLength(b.data, strchr(b.data, '\n') - b.data);
    assert_non_null(o);
    assert_string_equal(cJSON_GetObjectItem(o, "stats")->valuestring,
                        "pipeline");
    assert_int_equal(cJSON_GetObjectItem(o, "malformed")->valueint, 1);
    cJSON_Delete(o);
    second = strchr(b.data, '\n') + 1;
    o = cJSON_ParseWithLength(second, (size_t)(b.data + b.len - second));
    assert_non_null(o);
    assert_string_equal(cJSON_GetObjectItem(o, "name")->valuestring, "a\"b");
    cJSON_Delete(o);
    buf_done(&b);
}

/* The client's fallback is the config key's default. */
static void
test_default_socket(void **state)
{
    struct config *cfg = NULL;

    (void)state;
    assert_int_equal(config_defaults("json", &cfg), 0);
    assert_string_equal(cfg->control_socket, CTL_DEFAULT_SOCKET);
    assert_null(cfg->control_group);
    config_free(cfg);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_valid),
        cmocka_unit_test(test_request_broken),
        cmocka_unit_test(test_request_limits),
        cmocka_unit_test(test_format_idle),
        cmocka_unit_test(test_format_since),
        cmocka_unit_test(test_stats_lines),
        cmocka_unit_test(test_default_socket),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
