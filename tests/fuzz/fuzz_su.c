/*
 * fuzz_su.c - libFuzzer target for format "su": one record
 * per input, parsed and rendered (fuzz_format.h).  Seed corpus: samples/su/.
 */
#include "fuzz_format.h"

FUZZ_FORMAT_TARGET("su")
