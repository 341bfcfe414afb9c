/*
 * fuzz_nxlog.c - libFuzzer target for format "nxlog-json": one record per
 * input, parsed and rendered (fuzz_format.h).  Seed corpus:
 * samples/nxlog-json/.
 */
#include "fuzz_format.h"

FUZZ_FORMAT_TARGET("nxlog-json")
