#!/usr/bin/env bash
# checksrc.sh - house rules no compiler checks (curl's checksrc idea):
# banned calls, '//' comments, fds opened without close-on-exec.
set -uo pipefail
cd "$(dirname "$0")/.."
rc=0
files=$(git ls-files '*.c' '*.h')
if grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|strtok|system|alloca)[[:space:]]*\(' $files |
    grep -vE '^\S+:[0-9]+:\s*(/\*|\*)'; then
    echo "checksrc: banned call" >&2
    rc=1
fi
if grep -nE '^\s*//|[;{}]\s*//' $files; then
    echo "checksrc: use /* */ comments" >&2
    rc=1
fi
if grep -nE '(^|[^>.a-z_])open(at)?\s*\(' $(git ls-files 'daemon/*.c' 'sinks/*.c' 'daemon/sources/*.c') |
    grep -v CLOEXEC | grep -vE 'uv_fs_open|/\*|^\S+:[0-9]+:\s*\*'; then
    echo "checksrc: open() without O_CLOEXEC" >&2
    rc=1
fi
if grep -nE '\b(socket|accept|pipe|dup|fopen)\s*\(' $(git ls-files 'daemon/*.c' 'sinks/*.c' 'daemon/sources/*.c') |
    grep -vE 'CLOEXEC|"[a-z]*e"|/\*|^\S+:[0-9]+:\s*\*'; then
    echo "checksrc: fd without close-on-exec" >&2
    rc=1
fi
exit $rc
