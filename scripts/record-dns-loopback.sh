#!/usr/bin/env bash
# Record captures/dns-loopback.pcap: REAL DNS traffic on the loopback interface, between
# dnsmasq (an authoritative-only server for the made-up zone example.test) and dig, captured
# by tcpdump. It exercises `-z dns,tree` (request/response matching, retransmissions, the
# ICMP-quoted query TShark does not count) and the DNS dissector on real client output.
#
# Needs: root (tcpdump on lo, a server on port 53), dnsmasq, dig, tcpdump.
#   Debian: apt-get install dnsmasq-base dnsutils tcpdump
# All traffic stays on 127.0.0.0/8; dnsmasq is started with --no-resolv and answers only
# from the names below, so nothing is forwarded anywhere.
#
# What it does, in order (about 0.2 s apart):
#   1. dig A www.example.test            -> 192.0.2.10
#   2. dig AAAA www.example.test         -> 2001:db8::10
#   3. dig MX example.test               -> mail.example.test (with its A as additional)
#   4. dig A nothere.example.test        -> NXDOMAIN
#   5. dig TXT example.test over TCP     -> "v=wiresift-test"
#   6. dig A www.example.test @127.0.0.2 (nothing listens there): the query is sent twice
#      (dig's retry, same id) and each gets an ICMP port unreachable quoting it
#   7. dig PTR 10.2.0.192.in-addr.arpa   -> www.example.test
#
# Timestamps, ports and ids differ on every run; names and answers do not.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/captures/dns-loopback.pcap"

die() { echo "record-dns-loopback: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (tcpdump on lo, server on port 53)"
for tool in dnsmasq dig tcpdump; do
    command -v "$tool" >/dev/null || die "missing $tool (apt-get install dnsmasq-base dnsutils tcpdump)"
done
if ss -Hlun 'sport = :53' 2>/dev/null | grep -q '127.0.0.1'; then
    die "something already listens on 127.0.0.1:53"
fi

WORK=$(mktemp -d /tmp/wiresift-dns.XXXXXX)
TCPDUMP_PID=
DNSMASQ_PID=
cleanup() {
    [ -n "$DNSMASQ_PID" ] && kill "$DNSMASQ_PID" 2>/dev/null || true
    [ -n "$TCPDUMP_PID" ] && kill -INT "$TCPDUMP_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

dnsmasq --no-daemon --no-resolv --no-hosts --bind-interfaces --listen-address=127.0.0.1 \
    --port=53 --pid-file="$WORK/pid" \
    --host-record=www.example.test,192.0.2.10,2001:db8::10 \
    --host-record=mail.example.test,192.0.2.25 \
    --mx-host=example.test,mail.example.test,10 \
    --txt-record=example.test,"v=wiresift-test" \
    --auth-zone=example.test --auth-server=ns.example.test \
    --log-facility=- 2>"$WORK/dnsmasq.log" &
DNSMASQ_PID=$!
sleep 0.5

tcpdump -i lo -s 0 -U -w "$OUT" 'host 127.0.0.1 or host 127.0.0.2' 2>"$WORK/tcpdump.log" &
TCPDUMP_PID=$!
sleep 1

q() { dig +nocookie +time=1 +tries=1 "$@" >/dev/null || true; sleep 0.2; }
q @127.0.0.1 A www.example.test
q @127.0.0.1 AAAA www.example.test
q @127.0.0.1 MX example.test
q @127.0.0.1 A nothere.example.test
q @127.0.0.1 +tcp TXT example.test
dig +nocookie +time=1 +tries=2 @127.0.0.2 A www.example.test >/dev/null 2>&1 || true
sleep 0.2
q @127.0.0.1 -x 192.0.2.10
sleep 0.5

kill -INT "$TCPDUMP_PID"
wait "$TCPDUMP_PID" 2>/dev/null || true
TCPDUMP_PID=
echo "wrote $OUT"
