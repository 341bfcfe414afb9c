/*
 * fuzz_sshd.c - libFuzzer target for format "sshd": one record
 * per input, parsed and rendered (fuzz_format.h).  Seed corpus: samples/sshd/.
 */
#include "fuzz_format.h"

FUZZ_FORMAT_TARGET("sshd")
