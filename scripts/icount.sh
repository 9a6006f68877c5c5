#!/usr/bin/env bash
# Instruction counts (callgrind) of one or more wiresift binaries over the everyday modes,
# single-threaded: repeatable where wall time drifts, so a refactor's cost shows at 0.1 %.
#
# usage: scripts/icount.sh CAPTURE BIN [BIN...]
#   e.g. scripts/icount.sh bench-data/bench-100000-s1.pcap /tmp/wiresift-before target/release/wiresift
# Prints one line per mode: the mode, then each binary's instruction total. Needs valgrind.
set -euo pipefail
cap=$1
shift
modes=(
    "-Y ip.dst==10.0.0.5 -T fields -e frame.number"
    "-Y udp.port==69 -T fields -e frame.number"
    ""
    "-T json"
    "-q -z tcp,states"
    "-q -z conv,tcp"
    "-V"
)
for m in "${modes[@]}"; do
    line="[${m:-summary}]"
    for b in "$@"; do
        # shellcheck disable=SC2086 # the mode is a word list
        n=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$b" -r "$cap" $m --threads 1 \
            2>&1 >/dev/null | awk '/Collected/ {print $4}')
        line="$line $n"
    done
    echo "$line"
done
