#!/usr/bin/env bash
# The README's rsyslog snippet ("Feeding it from rsyslog and syslog-ng"),
# taken from the README between its markers so the two cannot drift, run
# for real: the daemon listens on tcp://127.0.0.1 (a port the kernel
# picks); the snippet, pointed at that port and at a directory of the
# test, runs in an unprivileged `rsyslogd -n` whose own configuration adds
# what a collector's rsyslog.conf has: a unix socket (imuxsock, standing
# in for /dev/log) and a UDP input the hosts send to.  Then
#   - logger sends sshd lines to the socket (authpriv) and to UDP (auth,
#     RFC 3164 and RFC 5424): events with this host's name, the pid as
#     login_id, the address;
#   - a raw datagram relays another host's sshd line: its host, web01;
#   - a daemon-facility line that reads like sshd is not forwarded;
#   - an NXLog RFC 5424 event over UDP and an OpenWEC JSON event written
#     to a watched file (a wildcard directory) arrive as the same events
#     `sessiontail replay` makes of them;
#   - the daemon's parser counts nothing malformed.
# The syslog-ng snippet is checked the same way (syntax, then the feed)
# only where syslog-ng is installed: Debian's syslog-ng and rsyslog
# conflict, and CI installs rsyslog.
. "$(dirname "$0")/lib.sh"

command -v rsyslogd >/dev/null || { echo "SKIP: no rsyslogd (tools/deps.sh installs rsyslog)"; exit 77; }
command -v logger >/dev/null || { echo "SKIP: no logger (util-linux)"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: no jq"; exit 77; }
# This host's name, as far as the first dot: logger and the relays write
# it short or in full depending on the form.
HOST=$(hostname)
HOST=${HOST%%.*}

# snippet NAME: the fenced block between <!-- NAME:begin ...--> and
# <!-- NAME:end --> in the README
snippet() {
    sed -n "/^<!-- $1:begin/,/^<!-- $1:end -->/p" "$SRC/README.md" |
        sed '1,/^```/d; /^```/,$d'
}
# adapt FILE FROM TO: replace the one occurrence of FROM (fixed string)
adapt() {
    local n
    n=$(grep -cF -- "$2" "$1" || true)
    [ "$n" -eq 1 ] || fail "${1##*/}: '$2' occurs $n times, want 1"
    FROM=$2 TO=$3 perl -0pi -e 's/\Q$ENV{FROM}\E/$ENV{TO}/' "$1"
}

# A UDP port nothing is bound to, for the input the hosts send to.
udp_bound() { grep -q "$(printf ':%04X ' "$1")" /proc/net/udp /proc/net/udp6 2>/dev/null; }
free_udp_port() {
    local p
    for _ in $(seq 1 50); do
        p=$((20000 + RANDOM % 10000))
        udp_bound "$p" || { echo "$p"; return; }
    done
    fail "no free UDP port"
}

# ---- the daemon, listening where the snippet sends ----
cat >"$T/sinks.json" <<EOF
{ "state_dir": "$T", "control_socket": "$T/ctl.sock",
  "sources": [ { "name": "relay", "type": "syslog", "listen": "tcp://127.0.0.1:0" } ],
  "sinks": [ { "name": "out", "type": "file", "path": "$T/out.jsonl", "records": ["events"] } ] }
EOF
start_daemon "$T/sinks.json" "$T/err.log"
wait_for 10 grep -qs 'listening on tcp' "$T/err.log" || { cat "$T/err.log"; fail "the daemon does not listen"; }
TP=$(sed -n 's/.*listening on tcp:\/\/127.0.0.1:0 (port \([0-9]*\)).*/\1/p' "$T/err.log")
[ -n "$TP" ] || fail "no port in: $(cat "$T/err.log")"
ok "the daemon listens on tcp port $TP"

# What the daemon must make of the Windows lines: replay's events.
NXLOG=$(head -1 "$SRC/samples/nxlog-sd/logon.log")
head -1 "$SRC/samples/openwec-json/logon.log" >"$T/openwec.json"
printf '%s\n' "$NXLOG" >"$T/nxlog.log"
KEYS='{time, action, login_successful, hostname, user, uid, login_id, logon_type, src_ip, format, event_code}'
want_windows=$("$BIN" replay -o json "$T/nxlog.log" "$T/openwec.json" 2>"$T/replay.err" |
    jq -c "select(.record==\"event\") | $KEYS" | sort)
[ "$(grep -c . <<<"$want_windows")" -ge 2 ] || fail "replay of the Windows lines: $want_windows"

# feed UDP_PORT UDP_PORT_5424 SOCKET WINDOWS_DIR: the lines every relay
# gets (RFC 5424 to a port of its own where the relay needs one)
feed() {
    local up=$1 up5424=$2 sock=$3 wdir=$4
    local acc='Accepted password for %s from 10.9.0.%d port %d ssh2'
    logger -u "$sock" -d -t sshd --id=4301 -p authpriv.info "$(printf "$acc" alice 1 40001)"
    logger -n 127.0.0.1 -P "$up" -d --rfc3164 -t sshd --id=4302 -p auth.info "$(printf "$acc" bob 2 40002)"
    logger -n 127.0.0.1 -P "$up5424" -d --rfc5424 -t sshd --id=4303 -p authpriv.notice \
        "Failed password for carol from 10.9.0.3 port 40003 ssh2"
    printf "<38>Mar 14 13:54:19 web01 sshd[4304]: $acc" dave 4 40004 >/dev/udp/127.0.0.1/"$up"
    logger -n 127.0.0.1 -P "$up" -d --rfc3164 -t sshd --id=4305 -p daemon.info "$(printf "$acc" mallory 5 40005)"
    printf '%s' "$NXLOG" >/dev/udp/127.0.0.1/"$up"
    cp "$T/openwec.json" "$wdir/windows.json"
}

# check LABEL WINDOWS: the events of one feed in $T/out.jsonl (then
# emptied): the four sshd logons and WINDOWS, the Windows events expected
check() {
    local label=$1 windows=$2 n ev
    n=$((4 + $(grep -c . <<<"$windows")))
    have() { [ "$(count_events "$T/out.jsonl")" -ge "$n" ]; }
    wait_for 20 have || {
        jq -c '{user, hostname, format}' "$T/out.jsonl" >&2
        fail "$label: $(count_events "$T/out.jsonl") events of $n arrived"
    }
    sleep 0.5 # nothing more may come
    expect_eq "$label: events" "$(count_events "$T/out.jsonl")" "$n"
    for row in "alice 4301 $HOST 10.9.0.1 true" "bob 4302 $HOST 10.9.0.2 true" \
        "carol 4303 $HOST 10.9.0.3 false" "dave 4304 web01 10.9.0.4 true"; do
        set -- $row
        ev=$(jq -c --arg u "$1" 'select(.user == $u)' "$T/out.jsonl")
        expect_eq "$label: $1" \
            "$(jq -r '[(.hostname | split(".")[0]), .login_id, .src_ip, .login_successful, .format, .source] | join(" ")' <<<"$ev")" \
            "$3 $2 $4 $5 sshd relay"
    done
    expect_eq "$label: the daemon-facility line" "$(jq -c 'select(.user == "mallory")' "$T/out.jsonl")" ""
    expect_eq "$label: the Windows events, as replay makes them" \
        "$(jq -c "select(.format != \"sshd\") | $KEYS" "$T/out.jsonl" | sort)" "$windows"
    : >"$T/out.jsonl"
}

# ---- rsyslog: the snippet after what a collector's rsyslog.conf has ----
snippet rsyslog-snippet >"$T/snippet.conf"
[ -s "$T/snippet.conf" ] || fail "no rsyslog snippet in the README"
adapt "$T/snippet.conf" 'port="5514"' "port=\"$TP\""
adapt "$T/snippet.conf" '/var/log/remote/*/windows.json' "$T/rs-remote/*/windows.json"
mkdir -p "$T/rs" "$T/rs-remote/dc01"
UP=$(free_udp_port)
cat >"$T/rs.conf" <<EOF
global(workDirectory="$T/rs" maxMessageSize="64k")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$T/rs.sock")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="$UP")
EOF
cat "$T/snippet.conf" >>"$T/rs.conf"
rsyslogd -N1 -f "$T/rs.conf" >"$T/rs-check.log" 2>&1 || { cat "$T/rs-check.log"; fail "rsyslogd -N1 refuses the snippet"; }
ok "rsyslogd -N1 accepts the README's snippet"
rsyslogd -n -f "$T/rs.conf" -i "$T/rs.pid" 2>>"$T/rs.err" &
PIDS+=($!)
wait_for 10 test -S "$T/rs.sock" || { cat "$T/rs.err"; fail "rsyslogd made no socket"; }
wait_for 10 udp_bound "$UP" || { cat "$T/rs.err"; fail "rsyslogd not on udp $UP"; }
sleep 0.5 # imfile's inotify watches
feed "$UP" "$UP" "$T/rs.sock" "$T/rs-remote/dc01"
check rsyslog "$want_windows"

# ---- syslog-ng, where it is installed ----
if command -v syslog-ng >/dev/null; then
    snippet syslog-ng-snippet >"$T/ng-snippet.conf"
    [ -s "$T/ng-snippet.conf" ] || fail "no syslog-ng snippet in the README"
    adapt "$T/ng-snippet.conf" 'port(5514)' "port($TP)"
    adapt "$T/ng-snippet.conf" 'base-dir("/var/log/remote")' "base-dir(\"$T/ng-remote\")"
    mkdir -p "$T/ng-remote/dc01"
    UP=$(free_udp_port)
    UP5424=$(free_udp_port)
    # s_src as Debian's syslog-ng.conf has it, plus the hosts' inputs with
    # keep-hostname(yes), as the README says (network() reads RFC 3164,
    # syslog() RFC 5424)
    cat >"$T/ng.conf" <<EOF
@version: $(syslog-ng --version | sed -n 's/^Config version: //p')
source s_src {
  unix-dgram("$T/ng.sock");
  network(transport("udp") ip("127.0.0.1") port($UP) keep-hostname(yes));
  syslog(transport("udp") ip("127.0.0.1") port($UP5424) keep-hostname(yes));
};
@include "$T/ng-snippet.conf"
EOF
    syslog-ng --syntax-only -f "$T/ng.conf" >"$T/ng-check.log" 2>&1 ||
        { cat "$T/ng-check.log"; fail "syslog-ng --syntax-only refuses the snippet"; }
    ok "syslog-ng --syntax-only accepts the README's snippet"
    syslog-ng -F --no-caps -f "$T/ng.conf" --persist-file="$T/ng.persist" \
        --pidfile="$T/ng.pid" --control="$T/ng.ctl" 2>>"$T/ng.err" &
    PIDS+=($!)
    wait_for 10 test -S "$T/ng.sock" || { cat "$T/ng.err"; fail "syslog-ng made no socket"; }
    wait_for 10 udp_bound "$UP5424" || { cat "$T/ng.err"; fail "syslog-ng not on udp $UP5424"; }
    sleep 0.5
    # its filter has no NXLog part: the NXLog event (facility user) stays
    feed "$UP" "$UP5424" "$T/ng.sock" "$T/ng-remote/dc01"
    check syslog-ng "$(grep -v '"nxlog-sd"' <<<"$want_windows")"
else
    echo "syslog-ng is not installed (it conflicts with rsyslog in Debian): its snippet is not checked"
fi

# ---- nothing the relays sent was malformed ----
malformed=$("$BIN" stats --json --socket "$T/ctl.sock" |
    jq -r 'select(.stats=="source" and .name=="relay") | .parser.malformed')
expect_eq "malformed records at the relay source" "$malformed" 0
stop_daemon
finish
