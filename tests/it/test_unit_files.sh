#!/usr/bin/env bash
# The service files as installed: `cmake --install` of this build into a
# temporary root (DESTDIR, prefix /usr), then
#   - every file in its place, ExecStart= naming the installed binary;
#   - systemd-analyze security: overall exposure at most 1.5;
#   - systemd-analyze verify --root: prints nothing (it exits 0 on a
#     misspelt setting, so its output is what counts; shown to catch one);
#   - systemd-sysusers and systemd-tmpfiles --root apply the sysusers.d and
#     tmpfiles.d files: the user, its groups, its directories;
#   - sessiontail --check accepts the installed default sinks file, and a
#     second install keeps a sinks file the administrator changed.
. "$(dirname "$0")/lib.sh"

EXPOSURE_MAX=1.5
for tool in systemd-analyze systemd-sysusers systemd-tmpfiles; do
    command -v "$tool" >/dev/null || { echo "SKIP: no $tool (package systemd)"; exit 77; }
done
BUILD=$(dirname "$BIN")
[ -f "$BUILD/CMakeCache.txt" ] || { echo "SKIP: $BUILD is not a CMake build dir"; exit 77; }
R=$T/root

DESTDIR=$R cmake --install "$BUILD" --prefix /usr >"$T/install.log" ||
    fail "cmake --install: $(cat "$T/install.log")"
UNIT=$(find "$R" -name sessiontail.service -path '*/systemd/system/*')
[ -n "$UNIT" ] || fail "no sessiontail.service installed: $(cat "$T/install.log")"
UNITDIR=${UNIT%/sessiontail.service}
for f in "$R/usr/bin/sessiontail" "$UNITDIR/sessiontail.socket" \
    "$R/etc/sessiontail/sinks.json"; do
    [ -f "$f" ] || fail "not installed: ${f#"$R"}"
done
SYSUSERS=$(find "$R" -path '*/sysusers.d/sessiontail.conf')
TMPFILES=$(find "$R" -path '*/tmpfiles.d/sessiontail.conf')
[ -n "$SYSUSERS" ] && [ -n "$TMPFILES" ] || fail "sysusers.d or tmpfiles.d file missing"
ok "installed: binary, two units, sysusers.d, tmpfiles.d, sinks.json under ${UNITDIR#"$R"}"
expect_eq "ExecStart" "$(grep '^ExecStart=' "$UNIT")" \
    "ExecStart=/usr/bin/sessiontail -c /etc/sessiontail/sinks.json"

# exposure UNIT: the overall exposure figure systemd-analyze security gives
exposure() {
    systemd-analyze security --offline=true "$1" 2>&1 |
        sed -n 's/.*Overall exposure level for sessiontail.service: \([0-9.]*\).*/\1/p'
}
for u in "$UNIT" "$SRC/systemd/sessiontail.service"; do
    e=$(exposure "$u")
    [ -n "$e" ] || fail "no exposure figure from systemd-analyze security $u"
    awk -v e="$e" -v m="$EXPOSURE_MAX" 'BEGIN { exit !(e <= m) }' ||
        fail "exposure $e above $EXPOSURE_MAX for $u"
done
ok "systemd-analyze security: exposure $e (at most $EXPOSURE_MAX)"

# verify resolves the unit's dependencies and commands inside the root:
# the stock targets and /bin/kill (ExecReload=) come from this system.
for t in /lib/systemd/system/*.target /usr/lib/systemd/system/*.target; do
    [ -e "$t" ] && [ ! -e "$UNITDIR/${t##*/}" ] && cp "$t" "$UNITDIR/"
done
[ -x /bin/kill ] || { echo "SKIP: no /bin/kill (package procps)"; exit 77; }
mkdir -p "$R/bin"
cp /bin/kill "$R/bin/kill"
# The man pages named by Documentation= are checked once they are
# installed (MANPATH points man(1) into the root); until then not.
man_opt=--man=no
if [ -f "$R/usr/share/man/man8/sessiontail.8" ] &&
    [ -f "$R/usr/share/man/man5/sessiontail.json.5" ] && command -v man >/dev/null; then
    man_opt=--man=yes
fi
verify() { # UNIT_FILES...: systemd-analyze verify's output, and its status
    MANPATH=$R/usr/share/man systemd-analyze verify "$man_opt" --root="$R" "$@" 2>&1
}
out=$(verify "${UNITDIR#"$R"}/sessiontail.service" "${UNITDIR#"$R"}/sessiontail.socket") ||
    fail "systemd-analyze verify failed: $out"
expect_eq "systemd-analyze verify output ($man_opt)" "$out" ""
# the same check sees a misspelt setting
sed 's/^ProtectSystem=strict/ProtectSytem=strict/' "$UNIT" >"$UNITDIR/st-misspelt.service"
out=$(verify "${UNITDIR#"$R"}/st-misspelt.service") || true
[[ $out == *"Unknown key 'ProtectSytem'"* ]] ||
    fail "verify did not report a misspelt key: '$out'"
rm "$UNITDIR/st-misspelt.service"
ok "systemd-analyze verify reports a misspelt key (so its silence counts)"

# sysusers.d: the user, its own group, membership of the log groups
systemd-sysusers --root="$R" >"$T/sysusers.log" 2>&1 ||
    fail "systemd-sysusers: $(cat "$T/sysusers.log")"
grep -q '^sessiontail:x:[0-9]*:[0-9]*:.*:/usr/sbin/nologin$' "$R/etc/passwd" ||
    fail "no system user sessiontail: $(cat "$R/etc/passwd")"
for g in systemd-journal adm utmp; do
    grep -Eq "^$g:x:[0-9]+:(.*,)?sessiontail(,.*)?$" "$R/etc/group" ||
        fail "sessiontail is not in group $g: $(grep "^$g:" "$R/etc/group")"
done
ok "sysusers.d: user sessiontail in systemd-journal, adm and utmp"

# tmpfiles.d: the three directories, owned by sessiontail, mode 0750
systemd-tmpfiles --root="$R" --create sessiontail.conf >"$T/tmpfiles.log" 2>&1 ||
    fail "systemd-tmpfiles: $(cat "$T/tmpfiles.log")"
uid=$(awk -F: '$1 == "sessiontail" { print $3 }' "$R/etc/passwd")
for d in /var/lib/sessiontail /var/log/sessiontail /run/sessiontail; do
    expect_eq "$d owner and mode" "$(stat -c '%u %a' "$R$d")" "$uid 750"
done

# the default sinks file: valid, read by the installed binary
"$R/usr/bin/sessiontail" --check -c "$R/etc/sessiontail/sinks.json" >"$T/check.out" ||
    fail "sessiontail --check rejects the default sinks file: $(cat "$T/check.out")"
grep -q ': OK (' "$T/check.out" || fail "--check said: $(cat "$T/check.out")"
ok "sessiontail --check: $(cat "$T/check.out")"

# a second install keeps the administrator's sinks file
echo '// changed here' >>"$R/etc/sessiontail/sinks.json"
DESTDIR=$R cmake --install "$BUILD" --prefix /usr >"$T/install2.log" ||
    fail "second install: $(cat "$T/install2.log")"
tail -1 "$R/etc/sessiontail/sinks.json" | grep -q '^// changed here$' ||
    fail "the second install replaced the sinks file"
grep -q 'Keeping: .*/etc/sessiontail/sinks.json' "$T/install2.log" ||
    fail "install did not say it kept the sinks file"
ok "a second install keeps a changed sinks file"
finish
