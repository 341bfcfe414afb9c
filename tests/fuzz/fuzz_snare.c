/*
 * fuzz_snare.c - libFuzzer target for format "snare" (Snare MSWinEventLog
 * tab-delimited syslog): one record per input, parsed and rendered
 * (fuzz_format.h).  Seed corpus: samples/snare/.
 */
#include "fuzz_format.h"

FUZZ_FORMAT_TARGET("snare")
