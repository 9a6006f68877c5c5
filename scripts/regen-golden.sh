#!/usr/bin/env bash
# Regenerate tests/golden/ from the project's own captures in captures/ with TShark.
# Needs tshark (reference: TShark 4.0.17, Debian 12 package). Not run by CI: the
# goldens are committed. Run it after changing scripts/gen-captures.py or re-recording
# captures/tftp-loopback.pcap.
#
# For every capture NAME (file name including its extension) it writes:
#   tests/golden/NAME.summary.txt    tshark -r NAME
#   tests/golden/NAME.summary-n.txt  tshark -n -r NAME
#   tests/golden/NAME.fields.tsv     tshark -r NAME -T fields -E header=y -E separator=/t
#                                           -E occurrence=a -e FIELD... (the 41 fields below)
# plus tests/golden/TSHARK_VERSION.txt. TShark runs with an empty configuration directory
# so that only default preferences apply (single pass, no -2).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CAPS="$ROOT/captures"
GOLDEN="$ROOT/tests/golden"

command -v tshark >/dev/null || { echo "regen-golden: tshark not found" >&2; exit 1; }

# Same 41 fields, same order, as the public corpus' expected/*.fields.tsv.
FIELDS=(
    frame.number
    frame.len
    frame.cap_len
    frame.protocols
    eth.src
    eth.dst
    eth.type
    vlan.id
    arp.opcode
    arp.src.proto_ipv4
    arp.dst.proto_ipv4
    ip.src
    ip.dst
    ip.proto
    ip.ttl
    ip.len
    ip.id
    ip.flags.mf
    ip.frag_offset
    ipv6.src
    ipv6.dst
    ipv6.nxt
    icmp.type
    icmp.code
    icmpv6.type
    tcp.srcport
    tcp.dstport
    tcp.flags
    tcp.seq_raw
    tcp.ack_raw
    tcp.window_size_value
    tcp.len
    tcp.stream
    udp.srcport
    udp.dstport
    udp.length
    tftp.opcode
    tftp.source_file
    tftp.destination_file
    tftp.block
    tftp.error.code
)

CONF=$(mktemp -d)
trap 'rm -rf "$CONF"' EXIT
export WIRESHARK_CONFIG_DIR="$CONF"

EARGS=()
for f in "${FIELDS[@]}"; do EARGS+=(-e "$f"); done

mkdir -p "$GOLDEN"
tshark --version 2>/dev/null | head -1 > "$GOLDEN/TSHARK_VERSION.txt" || true

shopt -s nullglob
for cap in "$CAPS"/*.pcap "$CAPS"/*.pcapng; do
    name=$(basename "$cap")
    tshark -r "$cap" > "$GOLDEN/$name.summary.txt" 2>/dev/null
    tshark -n -r "$cap" > "$GOLDEN/$name.summary-n.txt" 2>/dev/null
    tshark -r "$cap" -T fields -E header=y -E separator=/t -E occurrence=a "${EARGS[@]}" \
        > "$GOLDEN/$name.fields.tsv" 2>/dev/null
    n=$(tshark -r "$cap" -V 2>/dev/null | grep -ci malformed || true)
    if [ "$n" != 0 ]; then
        echo "$name  ($n lines of tshark -V mention 'malformed')"
    else
        echo "$name"
    fi
done
cat "$GOLDEN/TSHARK_VERSION.txt"
