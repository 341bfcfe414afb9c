/*
 * fuzz_syslog.c - libFuzzer target for format "auto" (every envelope form and
 * payload parser): one record per input, parsed and rendered (fuzz_format.h).
 * Seed corpus: samples/syslog/.
 */
#include "fuzz_format.h"

FUZZ_FORMAT_TARGET("auto")
