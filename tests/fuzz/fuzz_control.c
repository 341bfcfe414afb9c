/*
 * fuzz_control.c - libFuzzer target for control_request_parse(), the one
 * place the control socket reads bytes from a client.  Any input must be
 * refused with a reason or parse into a request whose filters are
 * terminated and within CONTROL_FILTER_MAX.
 *
 * Seed: {"cmd":"sessions","host":"web01","user":"alice"}
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../daemon/control.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct control_request rq;
    const char *why = NULL;

    if (control_request_parse((const char *)data, size, &rq, &why) < 0) {
        if (why == NULL)
            __builtin_trap();
        return 0;
    }
    if (rq.cmd < 0 || rq.cmd >= _CONTROL_CMD_MAX ||
        memchr(rq.host, '\0', sizeof(rq.host)) == NULL ||
        memchr(rq.user, '\0', sizeof(rq.user)) == NULL)
        __builtin_trap();
    return 0;
}
