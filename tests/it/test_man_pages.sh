#!/usr/bin/env bash
# The manual pages docs/sessiontail.8 and docs/sessiontail.json.5:
#   - groff (through man --warnings) and mandoc -T lint -W all say nothing
#     about them (mandoc is skipped, and said so, where it is missing);
#   - their .TH version is the binary's;
#   - the SYNOPSIS and OPTIONS of sessiontail(8) name every option the
#     commands' --help lists, and no option they lack;
#   - its EXIT STATUS has every code of daemon/*.h and nothing else (0 but
#     for success);
#   - the full example of sessiontail.json(5) passes sessiontail --check;
#   - cmake --install (component man) puts both pages in man8 and man5.
# The keys of sessiontail.json(5) are checked against the key tables by
# tests/unit/test_man_keys.c.
. "$(dirname "$0")/lib.sh"

PAGE8=$SRC/docs/sessiontail.8
PAGE5=$SRC/docs/sessiontail.json.5
command -v man >/dev/null || { echo "SKIP: no man (package man-db)"; exit 77; }

# ---- groff and mandoc say nothing ----
for p in "$PAGE8" "$PAGE5"; do
    w=$(MANWIDTH=80 man --warnings -E UTF-8 -l "$p" 2>&1 >/dev/null)
    expect_eq "groff warnings on ${p##*/}" "$w" ""
    [ "$(MANWIDTH=80 man -E UTF-8 -l "$p" 2>/dev/null | wc -l)" -gt 100 ] ||
        fail "${p##*/} renders to almost nothing"
done
# a misspelt macro: what both linters must catch
printf '.TH X 1\n.SH NAME\nx \\- y\n.Bx\n' >"$T/bad.1"
[ -n "$(man --warnings -E UTF-8 -l "$T/bad.1" 2>&1 >/dev/null)" ] || fail "groff misses an unknown macro"
ok "groff warns of an unknown macro"
if command -v mandoc >/dev/null; then
    for p in "$PAGE8" "$PAGE5"; do
        expect_eq "mandoc -T lint -W all on ${p##*/}" "$(mandoc -T lint -W all "$p" 2>&1)" ""
    done
    [ -n "$(mandoc -T lint -W all "$T/bad.1" 2>&1)" ] || fail "mandoc lint misses an unknown macro"
    ok "mandoc lint finds an unknown macro"
else
    echo "mandoc missing (package mandoc): its lint is skipped"
fi

# ---- version ----
v=$("$BIN" --version | awk '{print $2}')
for p in "$PAGE8" "$PAGE5"; do
    expect_eq "${p##*/} .TH version" "$(sed -n 's/^\.TH .*"sessiontail \([^"]*\)".*/\1/p' "$p")" "$v"
done

# ---- options: the --help texts against sessiontail(8) ----
# options FILE: every -x and --long option in a text, one per line
options() { grep -oE '(^|[ [])--?[a-zA-Z][a-z-]*' "$1" | sed 's/^[ [ ]*//' | sort -u; }
{
    "$BIN" --help
    for c in replay sessions stats; do "$BIN" "$c" --help; done
} >"$T/help.txt"
sed 's/\\-/-/g' "$PAGE8" |
    sed -n '/^\.SH SYNOPSIS/,/^\.SH DESCRIPTION/p; /^\.SH OPTIONS/,/^\.SH EXIT STATUS/p' |
    sed 's/\\f[BIRP]//g; s/^\.[A-Z][A-Z]* //; s/"//g' >"$T/page8.txt"
options "$T/help.txt" >"$T/help.opts"
options "$T/page8.txt" >"$T/page.opts"
[ "$(wc -l <"$T/help.opts")" -ge 12 ] || fail "only $(wc -l <"$T/help.opts") options in --help"
diff -u "$T/help.opts" "$T/page.opts" >"$T/opts.diff" ||
    { cat "$T/opts.diff"; fail "options of --help and sessiontail(8) differ"; }
ok "sessiontail(8) names the $(wc -l <"$T/help.opts") options of --help, and no other"

# ---- exit codes: daemon/*.h against EXIT STATUS ----
grep -hoE '^#define EXIT_[A-Z_]+ +[0-9]+' "$SRC"/daemon/*.h | awk '{print $3}' |
    { echo 0; cat; } | sort -un >"$T/codes.src"
sed -n '/^\.SH EXIT STATUS/,/^\.SH /p' "$PAGE8" | grep -A1 '^\.TP' |
    sed -n 's/^\.B \([0-9]*\)$/\1/p' | sort -n >"$T/codes.page"
[ "$(wc -l <"$T/codes.src")" -ge 7 ] || fail "only $(wc -l <"$T/codes.src") exit codes in daemon/*.h"
diff -u "$T/codes.src" "$T/codes.page" >"$T/codes.diff" ||
    { cat "$T/codes.diff"; fail "exit codes of daemon/*.h and sessiontail(8) differ"; }
ok "EXIT STATUS lists the codes $(paste -sd' ' "$T/codes.src")"

# ---- the example of sessiontail.json(5) is a valid sinks file ----
sed -n '/^\.SH EXAMPLES/,/^\.EE/p' "$PAGE5" | sed '1,/^\.EX/d; /^\.EE/d' |
    sed 's/\\-/-/g; s/\\e/\\/g' >"$T/example.json"
grep -q '"sinks"' "$T/example.json" || fail "no sinks file in the EXAMPLES of sessiontail.json(5)"
out=$("$BIN" --check -c "$T/example.json" 2>&1) || fail "the example fails --check: $out"
expect_eq "--check of the example" "$out" "$T/example.json: OK (6 sources, 3 sinks)"

# ---- installed where man(1) finds them ----
BUILD=$(dirname "$BIN")
if [ -f "$BUILD/CMakeCache.txt" ] && command -v cmake >/dev/null; then
    # the component alone: a whole install writes into the build dir,
    # which test_unit_files.sh may be doing at the same time
    DESTDIR=$T/root cmake --install "$BUILD" --component man --prefix /usr >"$T/install.log" 2>&1 ||
        fail "cmake --install: $(cat "$T/install.log")"
    cmp "$PAGE8" "$T/root/usr/share/man/man8/sessiontail.8" || fail "sessiontail.8 not installed in man8"
    cmp "$PAGE5" "$T/root/usr/share/man/man5/sessiontail.json.5" || fail "sessiontail.json.5 not installed in man5"
    got=$(MANPATH=$T/root/usr/share/man man -w sessiontail.json 2>&1)
    expect_eq "man -w sessiontail.json" "$got" "$T/root/usr/share/man/man5/sessiontail.json.5"
else
    echo "$BUILD is not a CMake build dir: the install is not checked"
fi
finish
