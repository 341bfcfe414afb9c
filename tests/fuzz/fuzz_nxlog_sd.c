/*
 * fuzz_nxlog_sd.c - libFuzzer target for format "nxlog-sd" (RFC 5424 with
 * NXLog's [NXLOG@14506 ...] structured data): one record per input,
 * parsed and rendered (fuzz_format.h).  Seed corpus: samples/nxlog-sd/.
 */
#include "fuzz_format.h"

FUZZ_FORMAT_TARGET("nxlog-sd")
