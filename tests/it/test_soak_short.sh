#!/usr/bin/env bash
# The soak of tests/soak/soak.sh for 2 minutes (SOAK_MINUTES overrides):
# the same mixed load (a rotated file, a growing journal, UDP and TCP
# senders, sessions opening and closing) and the same checks - every
# event accounted for per source, RssAnon flat and no fd growth after the
# warm-up, a clean stop - so CI runs the machinery of the long soak.
exec bash "${ST_SOURCE_DIR:?ST_SOURCE_DIR is not set}/tests/soak/soak.sh" "${SOAK_MINUTES:-2}"
