/*
 * fuzz_render.c - libFuzzer target for model/render.c: the input is cut
 * into pieces at 0xFF 0x00 pairs (never valid UTF-8, so pieces still hold
 * every other byte) and the pieces become the event's string fields.
 * event_to_json must always parse back with cJSON; event_to_text must
 * never contain a control byte or DEL.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../../model/render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The string fields of struct event, in the order pieces fill them. */
static struct strv *
field(struct event *ev, size_t i)
{
    struct strv *const f[] = {
        &ev->hostname,       &ev->user,       &ev->user_name,
        &ev->user_domain,    &ev->uid,        &ev->actor_user,
        &ev->login_id,       &ev->tty,        &ev->src_ip,
        &ev->dest_ip,        &ev->service,    &ev->auth_method,
        &ev->result_details, &ev->session_id, &ev->event_code,
        &ev->format,         &ev->source,     &ev->record_id,
    };
    size_t n = sizeof(f) / sizeof(f[0]);

    if (i < n)
        return f[i];
    if (i < n + _EV_LOGON_MAX)
        return &ev->logon[i - n];
    return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct event ev;
    struct buf b;
    size_t start = 0, k = 0;
    cJSON *root;

    event_init(&ev);
    if (size >= 8) {
        int64_t t;

        memcpy(&t, data, sizeof(t));
        ev.time_us = t;
        ev.action = (enum ev_action)(data[0] % _EV_ACTION_MAX);
        ev.result = (enum ev_result)(data[1] % 3);
        ev.src_port = data[2] * 300;
        ev.logon_type = (int)data[3] - 2;
    }
    while (start <= size) {
        size_t end = start;
        struct strv *f = field(&ev, k++);

        if (f == NULL)
            break;
        while (end + 1 < size && !(data[end] == 0xFF && data[end + 1] == 0))
            end++;
        if (end + 1 >= size)
            end = size;
        *f = strv_make((const char *)data + start, end - start);
        start = end + 2;
    }
    buf_init(&b, 0);
    event_to_json(&ev, &b);
    if (b.oom)
        abort();
    root = cJSON_ParseWithLength(b.data, b.len);
    if (root == NULL || !cJSON_IsObject(root))
        abort();
    cJSON_Delete(root);
    buf_reset(&b);
    event_to_text(&ev, &b);
    for (size_t i = 0; i < b.len; i++)
        if ((unsigned char)b.data[i] < 0x20 || b.data[i] == 0x7f)
            abort();
    buf_done(&b);
    return 0;
}
