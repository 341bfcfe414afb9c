#!/usr/bin/env bash
# test_kill9_2.sh - the second half of test_kill9.sh: lines
# 500,001..1,000,000, 100 more kill -9.
KILL9_PART=2
. "$(dirname "$0")/test_kill9.sh"
