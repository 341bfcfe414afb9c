/*
 * fuzz_openwec.c - libFuzzer target for format "openwec-json": one record per
 * input, parsed and rendered (fuzz_format.h).  Seed corpus:
 * samples/openwec-json/.
 */
#include "fuzz_format.h"

FUZZ_FORMAT_TARGET("openwec-json")
