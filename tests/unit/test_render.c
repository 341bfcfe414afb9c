/*
 * test_render.c - JSON and text renderings of model/render.h: escaping of
 * every byte class, UTF-8 validation, round trips through cJSON, member
 * order, omitted absent values, times, terminal-safe text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "../../model/render.h"

/* Render v with json_put_str into a NUL-terminated static-size result. */
static void
json_of(const char *p, size_t n, char *out, size_t outsz)
{
    struct buf b;

    buf_init(&b, 0);
    json_put_str(&b, strv_make(p, n));
    assert_false(b.oom);
    assert_true(b.len < outsz);
    memcpy(out, b.data, b.len);
    out[b.len] = '\0';
    buf_done(&b);
}

static void
assert_json(const char *in, size_t n, const char *want)
{
    char out[512];

    json_of(in, n, out, sizeof(out));
    assert_string_equal(out, want);
}

static void
test_json_control_bytes(void **state)
{
    (void)state;
    for (unsigned c = 0; c < 0x20; c++) {
        char in = (char)c, want[16];

        switch (c) {
        case '\n':
            snprintf(want, sizeof(want), "\"\\n\"");
            break;
        case '\r':
            snprintf(want, sizeof(want), "\"\\r\"");
            break;
        case '\t':
            snprintf(want, sizeof(want), "\"\\t\"");
            break;
        case '\b':
            snprintf(want, sizeof(want), "\"\\b\"");
            break;
        case '\f':
            snprintf(want, sizeof(want), "\"\\f\"");
            break;
        default:
            snprintf(want, sizeof(want), "\"\\u%04x\"", c);
        }
        assert_json(&in, 1, want);
    }
    assert_json("\x7f", 1, "\"\\u007f\"");
    assert_json("\"", 1, "\"\\\"\"");
    assert_json("\\", 1, "\"\\\\\"");
    assert_json("a\r\nb", 4, "\"a\\r\\nb\"");
    assert_json("", 0, "\"\"");
    /* Every printable ASCII byte but '"' and '\\' passes through. */
    for (unsigned c = 0x20; c < 0x7f; c++) {
        char in = (char)c, want[8];

        if (c == '"' || c == '\\')
            continue;
        snprintf(want, sizeof(want), "\"%c\"", c);
        assert_json(&in, 1, want);
    }
}

static void
test_json_line_separators(void **state)
{
    (void)state;
    assert_json("a\xe2\x80\xa8z", 5, "\"a\\u2028z\"");
    assert_json("\xe2\x80\xa9", 3, "\"\\u2029\"");
    assert_json("\xc3\xa9\xe2\x80\xa8\xc3\xa9", 7,
                "\"\xc3\xa9\\u2028\xc3\xa9\"");
}

/* C1 controls and bidirectional overrides are valid UTF-8 but must not
 * reach a terminal: \u escapes, the characters around them copied. */
static void
test_json_terminal_controls(void **state)
{
    (void)state;
    assert_json("\xc2\x9b"
                "2J",
                4, "\"\\u009b2J\"");
    assert_json("\xc2\x80\xc2\x9f\xc2\xa0", 6, "\"\\u0080\\u009f\xc2\xa0\"");
    assert_json("a\xe2\x80\xaetxt.exe", 11, "\"a\\u202etxt.exe\"");
    assert_json("\xe2\x81\xa6\xe2\x81\xa9\xe2\x80\x8e\xe2\x80\x8f", 12,
                "\"\\u2066\\u2069\\u200e\\u200f\"");
    assert_json("\xc3\xa9\xe2\x80\xaa\xc3\xa9", 7,
                "\"\xc3\xa9\\u202a\xc3\xa9\"");
}

static void
test_json_valid_utf8(void **state)
{
    (void)state;
    assert_json("caf\xc3\xa9", 5, "\"caf\xc3\xa9\"");
    assert_json("\xe2\x82\xac", 3, "\"\xe2\x82\xac\"");         /* U+20AC */
    assert_json("\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\""); /* U+1F600 */
    assert_json("\xf4\x8f\xbf\xbf", 4, "\"\xf4\x8f\xbf\xbf\""); /* U+10FFFF */
    assert_json("\xef\xbf\xbf", 3, "\"\xef\xbf\xbf\"");         /* U+FFFF */
    assert_json("\xed\x9f\xbf", 3, "\"\xed\x9f\xbf\"");         /* U+D7FF */
    assert_json("\xee\x80\x80", 3, "\"\xee\x80\x80\"");         /* U+E000 */
    assert_json("\xc2\xa0", 2, "\"\xc2\xa0\"");                 /* U+00A0 */
}

static void
test_json_invalid_utf8(void **state)
{
    (void)state;
    /* Lone continuation bytes, bytes never valid. */
    assert_json("\x80", 1, "\"\\u0080\"");
    assert_json("\xbf", 1, "\"\\u00bf\"");
    assert_json("\xff\xfe", 2, "\"\\u00ff\\u00fe\"");
    assert_json("\xf5\x80\x80\x80", 4, "\"\\u00f5\\u0080\\u0080\\u0080\"");
    /* Overlong forms. */
    assert_json("\xc0\xaf", 2, "\"\\u00c0\\u00af\"");
    assert_json("\xc1\xbf", 2, "\"\\u00c1\\u00bf\"");
    assert_json("\xe0\x80\xaf", 3, "\"\\u00e0\\u0080\\u00af\"");
    assert_json("\xf0\x80\x80\xaf", 4, "\"\\u00f0\\u0080\\u0080\\u00af\"");
    /* Surrogates. */
    assert_json("\xed\xa0\x80", 3, "\"\\u00ed\\u00a0\\u0080\"");
    assert_json("\xed\xbf\xbf", 3, "\"\\u00ed\\u00bf\\u00bf\"");
    /* Past U+10FFFF. */
    assert_json("\xf4\x90\x80\x80", 4, "\"\\u00f4\\u0090\\u0080\\u0080\"");
    /* Truncated: at the end, and followed by ASCII. */
    assert_json("\xe2\x82", 2, "\"\\u00e2\\u0082\"");
    assert_json("\xe2\x82"
                "A",
                3, "\"\\u00e2\\u0082A\"");
    assert_json("\xf0\x9f\x98", 3, "\"\\u00f0\\u009f\\u0098\"");
    assert_json("\xc3", 1, "\"\\u00c3\"");
    /* A valid sequence right after an invalid one survives. */
    assert_json("\xc3\xc3\xa9", 3, "\"\\u00c3\xc3\xa9\"");
}

/* Random bytes biased toward interesting values. */
static size_t
random_bytes(unsigned char *p, size_t max, unsigned *seed, bool no_nul)
{
    static const unsigned char pick[] = {
        0x00, 0x1b, '\n', '"',  '\\', 0x7f, 0x80, 0xbf, 0xc0, 0xc2,
        0xc3, 0xdf, 0xe0, 0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff,
        0xa0, 0x9f, 0x8f, 0x90, 'a',  'z',  ' ',  0xa8, 0xa9,
    };
    size_t n = (size_t)rand_r(seed) % max;

    for (size_t i = 0; i < n; i++) {
        unsigned r = (unsigned)rand_r(seed);

        p[i] =
            (r & 1) ? pick[(r >> 1) % sizeof(pick)] : (unsigned char)(r >> 8);
        if (no_nul && p[i] == 0)
            p[i] = 'x';
    }
    return n;
}

static bool
valid_utf8(const unsigned char *p, size_t n)
{
    /* A slow reference decoder, independent of render.c. */
    size_t i = 0;

    while (i < n) {
        uint32_t cp;
        size_t len, k;

        if (p[i] < 0x80) {
            i++;
            continue;
        }
        if ((p[i] & 0xE0) == 0xC0)
            len = 2, cp = p[i] & 0x1F;
        else if ((p[i] & 0xF0) == 0xE0)
            len = 3, cp = p[i] & 0x0F;
        else if ((p[i] & 0xF8) == 0xF0)
            len = 4, cp = p[i] & 0x07;
        else
            return false;
        if (i + len > n)
            return false;
        for (k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
            (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

static void
test_json_random_roundtrip(void **state)
{
    unsigned seed = 12345;
    struct buf b;

    (void)state;
    buf_init(&b, 0);
    for (int round = 0; round < 20000; round++) {
        unsigned char in[64];
        bool no_nul = round % 2 == 0;
        size_t n = random_bytes(in, sizeof(in), &seed, no_nul);
        cJSON *root, *v;

        buf_reset(&b);
        buf_puts(&b, "{\"k\":");
        json_put_str(&b, strv_make((const char *)in, n));
        buf_putc(&b, '}');
        assert_false(b.oom);
        /* No raw control byte, DEL or invalid UTF-8 in the output. */
        for (size_t i = 0; i < b.len; i++)
            assert_true((unsigned char)b.data[i] >= 0x20 &&
                        (unsigned char)b.data[i] != 0x7f);
        assert_true(valid_utf8((unsigned char *)b.data, b.len));
        root = cJSON_ParseWithLength(b.data, b.len);
        assert_non_null(root);
        v = cJSON_GetObjectItemCaseSensitive(root, "k");
        assert_true(cJSON_IsString(v));
        if (no_nul && valid_utf8(in, n)) {
            assert_int_equal(strlen(v->valuestring), n);
            assert_memory_equal(v->valuestring, in, n);
        }
        cJSON_Delete(root);
    }
    buf_done(&b);
}

static void
fill_event(struct event *ev)
{
    event_init(ev);
    ev->time_us = 1710424459000000LL;
    ev->action = EV_ACTION_LOGIN;
    ev->result = EV_RESULT_SUCCESS;
    ev->hostname = STRV_LIT("web01");
    ev->user = STRV_LIT("CORP\\alice");
    ev->user_name = STRV_LIT("alice");
    ev->user_domain = STRV_LIT("CORP");
    ev->username_type = EV_USERNAME_TYPE_WINDOWS;
    ev->uid = STRV_LIT("S-1-5-21-1-2-3-1104");
    ev->user_id_type = EV_USER_ID_TYPE_SID;
    ev->user_type = EV_USER_TYPE_REGULAR;
    ev->actor_user = STRV_LIT("bob");
    ev->login_id = STRV_LIT("0x3e7");
    ev->boot_id = STRV_LIT("5b4c1f2e8a9d4c3b9e2f1a0b7c6d5e4f");
    ev->login_type = EV_LOGIN_TYPE_RDP;
    ev->logon_type = 10;
    ev->tty = STRV_LIT("pts/0");
    ev->src_ip = STRV_LIT("10.0.0.5");
    ev->src_port = 50438;
    ev->dest_ip = STRV_LIT("10.0.0.1");
    ev->dest_port = 3389;
    ev->service = STRV_LIT("sshd");
    ev->auth_method = STRV_LIT("Kerberos");
    ev->result_details = STRV_LIT("ok");
    for (int f = 0; f < _EV_LOGON_MAX; f++)
        ev->logon[f] = STRV_LIT("v");
    ev->session_id = STRV_LIT("0123456789abcdef");
    ev->event_code = STRV_LIT("4624");
    ev->format = STRV_LIT("windows-xml");
    ev->source = STRV_LIT("wef");
    ev->record_id = STRV_LIT("42");
    ev->admin = true;
}

static void
test_event_field_order(void **state)
{
    static const char *const order[] = {
        "record",
        "time",
        "action",
        "login_successful",
        "hostname",
        "user",
        "user_name",
        "user_domain",
        "username_type",
        "uid",
        "user_id_type",
        "user_type",
        "admin",
        "actor_user",
        "login_id",
        "boot_id",
        "login_type",
        "logon_type",
        "tty",
        "src_ip",
        "src_port",
        "dest_ip",
        "dest_port",
        "service",
        "auth_method",
        "result_details",
        "logon_process_name",
        "logon_authentication_package_name",
        "logon_authentication_lan_package_name",
        "logon_key_length",
        "logon_guid",
        "logon_elevated_token",
        "logon_impersonation_level",
        "logon_restricted_admin_mode",
        "logon_virtual_account",
        "logon_user_linked_id",
        "logon_transmitted_services",
        "session_id",
        "event_code",
        "format",
        "source",
        "record_id",
    };
    struct event ev;
    struct buf b;
    cJSON *root, *it;
    size_t i = 0;

    (void)state;
    fill_event(&ev);
    buf_init(&b, 0);
    event_to_json(&ev, &b);
    root = cJSON_ParseWithLength(b.data, b.len);
    assert_non_null(root);
    cJSON_ArrayForEach(it, root)
    {
        assert_true(i < sizeof(order) / sizeof(order[0]));
        assert_string_equal(it->string, order[i]);
        i++;
    }
    assert_int_equal(i, sizeof(order) / sizeof(order[0]));
    assert_int_equal(cJSON_GetObjectItem(root, "logon_type")->valueint, 10);
    assert_true(cJSON_IsNumber(cJSON_GetObjectItem(root, "src_port")));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(root, "login_successful")));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(root, "admin")));
    assert_string_equal(cJSON_GetObjectItem(root, "time")->valuestring,
                        "2024-03-14T13:54:19.000000Z");
    assert_string_equal(cJSON_GetObjectItem(root, "login_type")->valuestring,
                        "rdp");
    cJSON_Delete(root);
    buf_done(&b);
}

static void
test_event_absent_omitted(void **state)
{
    struct event ev;
    struct buf b;

    (void)state;
    event_init(&ev);
    buf_init(&b, 0);
    event_to_json(&ev, &b);
    assert_int_equal(b.len, strlen("{\"record\":\"event\"}"));
    assert_memory_equal(b.data, "{\"record\":\"event\"}", b.len);

    /* Empty views, result none, logon_type -1, port 0: all omitted;
     * logon_type 0 and a failure are written. */
    buf_reset(&b);
    ev.action = EV_ACTION_LOGOUT;
    ev.user = strv_make("", 0);
    ev.logon_type = 0;
    event_to_json(&ev, &b);
    buf_putc(&b, '\0');
    assert_string_equal(b.data, "{\"record\":\"event\",\"action\":\"logout\","
                                "\"logon_type\":0}");
    buf_reset(&b);
    event_init(&ev);
    ev.result = EV_RESULT_FAILURE;
    ev.logon[EV_LOGON_GUID] = STRV_LIT("{00000000}");
    event_to_json(&ev, &b);
    buf_putc(&b, '\0');
    assert_string_equal(b.data, "{\"record\":\"event\",\"login_successful\":"
                                "false,\"logon_guid\":\"{00000000}\"}");
    buf_done(&b);
}

static void
assert_time(int64_t us, const char *want)
{
    struct buf b;

    buf_init(&b, 0);
    render_time_rfc3339(&b, us);
    buf_putc(&b, '\0');
    assert_string_equal(b.data, want);
    buf_done(&b);
}

static void
test_times(void **state)
{
    (void)state;
    assert_time(0, "1970-01-01T00:00:00.000000Z");
    assert_time(1, "1970-01-01T00:00:00.000001Z");
    assert_time(-1, "1969-12-31T23:59:59.999999Z");
    assert_time(-1000000, "1969-12-31T23:59:59.000000Z");
    assert_time(1710424459000000LL, "2024-03-14T13:54:19.000000Z");
    assert_time(1709251199123456LL, "2024-02-29T23:59:59.123456Z");
    assert_time(951782400000000LL, "2000-02-29T00:00:00.000000Z");
    assert_time(-2203891200LL * 1000000, "1900-03-01T00:00:00.000000Z");
    assert_time(-2208988800LL * 1000000, "1900-01-01T00:00:00.000000Z");
    assert_time(4107542400LL * 1000000, "2100-03-01T00:00:00.000000Z");
    assert_time(INT64_MAX, "9999-12-31T23:59:59.999999Z");
    assert_time(INT64_MIN + 1, "0000-01-01T00:00:00.000000Z");

    /* Against gmtime_r for random seconds in 1900..2200. */
    unsigned seed = 7;
    for (int i = 0; i < 20000; i++) {
        int64_t s = -2208988800LL + (int64_t)(((uint64_t)rand_r(&seed) << 16 ^
                                               (uint64_t)rand_r(&seed)) %
                                              9467280000ULL);
        time_t tt = (time_t)s;
        struct tm tm;
        char want[96];
        unsigned us = (unsigned)rand_r(&seed) % 1000000;

        assert_non_null(gmtime_r(&tt, &tm));
        snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec, us);
        assert_time(s * 1000000 + us, want);
    }
}

static void
text_of(const struct event *ev, char *out, size_t outsz)
{
    struct buf b;

    buf_init(&b, 0);
    event_to_text(ev, &b);
    assert_true(b.len < outsz);
    memcpy(out, b.data, b.len);
    out[b.len] = '\0';
    buf_done(&b);
}

static void
test_text_line(void **state)
{
    struct event ev;
    char out[512];

    (void)state;
    event_init(&ev);
    ev.time_us = 1710424459000000LL;
    ev.action = EV_ACTION_LOGIN;
    ev.result = EV_RESULT_SUCCESS;
    ev.hostname = STRV_LIT("web01");
    ev.user = STRV_LIT("alice");
    ev.src_ip = STRV_LIT("10.0.0.5");
    ev.src_port = 50438;
    ev.service = STRV_LIT("sshd");
    ev.auth_method = STRV_LIT("publickey");
    text_of(&ev, out, sizeof(out));
    assert_string_equal(out, "2024-03-14 13:54:19  web01  login ok      alice"
                             "  from 10.0.0.5:50438  sshd/publickey");

    ev.result = EV_RESULT_FAILURE;
    ev.src_ip = STRV_LIT("2001:db8::1");
    ev.src_port = 22;
    ev.service = STRV_NULL;
    ev.result_details = STRV_LIT("Incorrect password (0xC000006A)");
    ev.session_id = STRV_LIT("0123456789abcdef");
    text_of(&ev, out, sizeof(out));
    assert_string_equal(out, "2024-03-14 13:54:19  web01  login failed  alice"
                             "  from [2001:db8::1]:22  publickey"
                             "  (Incorrect password (0xC000006A))"
                             "  session 0123456789abcdef");

    event_init(&ev);
    ev.action = EV_ACTION_LOGOUT;
    ev.src_ip = STRV_LIT("::1");
    text_of(&ev, out, sizeof(out));
    assert_string_equal(out, "-  -  logout        -  from ::1");

    /* A logon with admin rights (4672) says so after the user. */
    event_init(&ev);
    ev.action = EV_ACTION_LOGIN;
    ev.result = EV_RESULT_SUCCESS;
    ev.user = STRV_LIT("CORP\\alice");
    ev.admin = true;
    ev.src_ip = STRV_LIT("10.0.0.5");
    text_of(&ev, out, sizeof(out));
    assert_string_equal(out, "-  -  login ok      CORP\\alice admin"
                             "  from 10.0.0.5");
}

static void
test_text_escapes(void **state)
{
    struct event ev;
    char out[512];

    (void)state;
    event_init(&ev);
    ev.time_us = 0;
    ev.action = EV_ACTION_LOCK;
    ev.hostname = STRV_LIT("h\r\nfake 2024-01-01 root login ok");
    ev.user = STRV_LIT("\x1b[31mred\x1b]0;title\x07\x7f");
    ev.service = strv_make("a\xc2\x9b"
                           "2J\xe2\x80\xaeZ\xc3\xa9\xff",
                           12);
    text_of(&ev, out, sizeof(out));
    assert_null(strchr(out, '\x1b'));
    assert_null(strchr(out, '\n'));
    assert_string_equal(
        out, "1970-01-01 00:00:00  h\\x0d\\x0afake 2024-01-01 root login ok"
             "  lock          \\x1b[31mred\\x1b]0;title\\x07\\x7f"
             "  a\\xc2\\x9b2J\\xe2\\x80\\xaeZ\xc3\xa9\\xff");
}

static void
test_text_safe_random(void **state)
{
    unsigned seed = 99;
    struct buf b;

    (void)state;
    buf_init(&b, 0);
    for (int round = 0; round < 20000; round++) {
        unsigned char in[64];
        size_t n = random_bytes(in, sizeof(in), &seed, false);

        buf_reset(&b);
        render_put_text_safe(&b, strv_make((const char *)in, n));
        for (size_t i = 0; i < b.len; i++) {
            unsigned char c = (unsigned char)b.data[i];

            assert_true(c >= 0x20 && c != 0x7f);
        }
        assert_true(valid_utf8((unsigned char *)b.data, b.len));
    }
    buf_done(&b);
}

static void
test_bounded_buf(void **state)
{
    struct event ev;
    struct buf b;

    (void)state;
    fill_event(&ev);
    buf_init(&b, 64);
    event_to_json(&ev, &b);
    assert_true(b.oom);
    assert_true(b.len <= 64);
    buf_done(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_control_bytes),
        cmocka_unit_test(test_json_line_separators),
        cmocka_unit_test(test_json_terminal_controls),
        cmocka_unit_test(test_json_valid_utf8),
        cmocka_unit_test(test_json_invalid_utf8),
        cmocka_unit_test(test_json_random_roundtrip),
        cmocka_unit_test(test_event_field_order),
        cmocka_unit_test(test_event_absent_omitted),
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_text_line),
        cmocka_unit_test(test_text_escapes),
        cmocka_unit_test(test_text_safe_random),
        cmocka_unit_test(test_bounded_buf),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
