/*
 * fuzz_winlogbeat.c - libFuzzer target for format "winlogbeat-json": one record
 * per input, parsed and rendered (fuzz_format.h).  Seed corpus:
 * samples/winlogbeat-json/.
 */
#include "fuzz_format.h"

FUZZ_FORMAT_TARGET("winlogbeat-json")
