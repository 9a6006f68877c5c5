#!/usr/bin/env bash
# Regenerates tests/golden/reports/NAME.{args,txt}: tshark's follow, io,phs, io,stat, expert and
# counter-tree (http,tree, http_req,tree, http_srv,tree, dns,tree)
# reports for each shipped capture, in the order wiresift prints them. Needs tshark 4.0 and a
# release build.
set -euo pipefail
cd "$(dirname "$0")/.."
W=target/release/wiresift

# tshark's reports for -z $2..., given in reverse (tshark prints them last first).
# TShark 4.0 pads the Duration's fraction with spaces ("23. 85343"): stored as zeros.
run_reversed() {
    local cap=$1
    shift
    [ $# -gt 0 ] || return 0
    local rev=() i
    for ((i = $#; i >= 1; i--)); do rev+=(-z "${!i}"); done
    tshark -r "$cap" -q "${rev[@]}" 2>/dev/null |
        perl -pe 's/(\| Duration: +\d+)\.( +)(\d)/$1 . "." . ("0" x length($2)) . $3/e'
}

streams() {
    "$W" -r "$1" -T fields -e "$2" | tr ',' '\n' | grep -v '^$' | sort -n -u || true
}

for cap in captures/*.pcap captures/*.pcapng; do
    name=$(basename "$cap")
    follows=()
    for mode in ascii hex raw; do
        for s in $(streams "$cap" tcp.stream); do follows+=("follow,tcp,$mode,$s"); done
    done
    for s in $(streams "$cap" udp.stream); do follows+=("follow,udp,raw,$s"); done
    # Known differences: pcapng packet comments are not read (nanosec), no Echo dissector (raw-ip).
    case "$name" in nanosec.pcapng | raw-ip.pcap) phs=() ;; *) phs=("io,phs") ;; esac
    iostats=("io,stat,1" "io,stat,0" "io,stat,0.25,tcp,udp and frame.len > 100")
    # Known differences: the IPv4/UDP/TCP length checks (malformed), pcapng comments (nanosec).
    case "$name" in malformed.pcap | nanosec.pcapng) experts=() ;; *) experts=("expert") ;; esac
    trees=("http,tree" "http_req,tree" "http_srv,tree" "dns,tree")
    printf '%s\n' "${follows[@]}" "${phs[@]}" "${iostats[@]}" "${experts[@]}" "${trees[@]}" | grep -v '^$' > "tests/golden/reports/$name.args"
    # One tshark run per group: io,phs run beside other taps adds a `frame` level.
    {
        run_reversed "$cap" "${follows[@]}"
        run_reversed "$cap" "${phs[@]}"
        run_reversed "$cap" "${iostats[@]}"
        run_reversed "$cap" "${experts[@]}"
        run_reversed "$cap" "${trees[@]}"
    } > "tests/golden/reports/$name.txt"
done
