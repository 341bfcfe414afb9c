/*
 * fuzz_config.c - libFuzzer target for the sinks-file loader: any bytes
 * go through config_parse(); a success is freed again.  The loader must
 * never crash, leak or read past the input, whatever the bytes.
 *
 * Seed corpus: samples/config/ (valid and broken sinks files).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../daemon/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One input: parse it, check the message is terminated, free the result. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[CONFIG_ERR_MAX];
    struct config *cfg = NULL;
    int r;

    r = config_parse((const char *)data, size, "fuzz.json", &cfg, err,
                     sizeof(err));
    if (r < 0 && memchr(err, '\0', sizeof(err)) == NULL)
        __builtin_trap();
    config_free(cfg);
    return 0;
}
