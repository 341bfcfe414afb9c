/*
 * fuzz_pam.c - libFuzzer target for format "pam": one record
 * per input, parsed and rendered (fuzz_format.h).  Seed corpus: samples/pam/.
 */
#include "fuzz_format.h"

FUZZ_FORMAT_TARGET("pam")
