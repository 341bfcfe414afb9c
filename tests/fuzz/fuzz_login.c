/*
 * fuzz_login.c - libFuzzer target for format "login": one record
 * per input, parsed and rendered (fuzz_format.h).  Seed corpus: samples/login/.
 */
#include "fuzz_format.h"

FUZZ_FORMAT_TARGET("login")
