#!/usr/bin/env bash
# samebytes.sh BASE NEW: compares stdout, stderr and exit status of two wiresift binaries over
# every shipped and corpus capture (../shared beside the repository), in 10 output modes at
# --threads 1, 2 and 8. A refactor must print "N runs, 0 differ". Not a test: it needs two builds.
BASE=$1; NEW=$2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
caps=$(ls "$ROOT"/captures/*.pcap* "$ROOT"/../shared/captures/*.pcap* "$ROOT"/../shared/captures-tcpdump/*.pcap* 2>/dev/null)
modes=(
 ""
 "-V"
 "-x"
 "-T json"
 "-T jsonl"
 "-T fields -e frame.number -e frame.time_relative -e eth.src -e ip.src -e ip.dst -e tcp.srcport -e tcp.flags -e udp.dstport -e _ws.col.Info -e tcp.analysis.flags -e dns.qry.name"
 "-q -z tcp,states -z tcp,trace"
 "-q -z tftp,transfers -z conv,tcp -z conv,udp"
 "-q -z conv,ip -z endpoints,ip"
 "-Y tcp.flags.syn==1||udp||arp||icmp -V"
)
n=0; d=0
for c in $caps; do
 for m in "${modes[@]}"; do
  for t in 1 2 8; do
   n=$((n+1))
   a=$($BASE -r "$c" $m --threads $t 2>&1; echo "rc=$?")
   b=$($NEW -r "$c" $m --threads $t 2>&1; echo "rc=$?")
   if [ "$a" != "$b" ]; then d=$((d+1)); [ $d -le 5 ] && echo "DIFF: $c [$m] threads=$t"; fi
  done
 done
done
echo "$n runs, $d differ"
