#!/usr/bin/env bash
# Record captures/tftp-loopback.pcap: a REAL TFTP session on the loopback interface,
# between in.tftpd (tftpd-hpa) and the tftp client (tftp-hpa), captured by tcpdump.
#
# Needs: root (tcpdump on lo, a server on port 69), tftpd-hpa, tftp-hpa, tcpdump, python3.
#   Debian: apt-get install tftpd-hpa tftp-hpa tcpdump
# All traffic stays on 127.0.0.1.
#
# What it does, in order (about 0.5 s apart):
#   1. get hello-1500.txt   1500 bytes -> DATA blocks of 512, 512, 476
#   2. get block-1024.bin   1024 bytes -> DATA blocks of 512, 512 and an empty block 3
#   3. put upload-700.txt    700 bytes -> WRQ, DATA blocks of 512, 188 (server runs with -c)
#   4. get missing.txt      -> ERROR 1 "File not found"
# All transfers use octet mode (tftp -m binary). The originals of the three transferred
# files are written to captures/tftp-loopback.files/ so a test can compare an export of
# the capture byte-for-byte; the script checks that both ends got exactly those bytes.
#
# Timestamps, ephemeral ports and IP ids differ on every run; the file contents do not.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/captures/tftp-loopback.pcap"
FILES="$ROOT/captures/tftp-loopback.files"

die() { echo "record-tftp-loopback: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (tcpdump on lo, server on port 69)"
for tool in in.tftpd tftp tcpdump python3; do
    command -v "$tool" >/dev/null || die "missing $tool (apt-get install tftpd-hpa tftp-hpa tcpdump)"
done
if ss -Hlun 'sport = :69' 2>/dev/null | grep -q .; then
    die "something already listens on UDP port 69 (stop tftpd-hpa: service tftpd-hpa stop)"
fi
TFTP_USER=tftp
getent passwd "$TFTP_USER" >/dev/null || TFTP_USER=nobody

WORK=$(mktemp -d /tmp/wiresift-tftp.XXXXXX)
TCPDUMP_PID=
TFTPD_PID=
cleanup() {
    [ -n "$TFTPD_PID" ] && kill "$TFTPD_PID" 2>/dev/null || true
    [ -n "$TCPDUMP_PID" ] && kill -INT "$TCPDUMP_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

SRV="$WORK/srv"      # served directory (chroot of in.tftpd)
CLI="$WORK/cli"      # client working directory
ORIG="$WORK/orig"    # pristine originals
mkdir -p "$SRV" "$CLI" "$ORIG"
chmod 0711 "$WORK"
chmod 0777 "$SRV"    # the unprivileged server user must be able to create the upload

# Deterministic file contents.
python3 - "$ORIG" <<'EOF'
import os, sys
d = sys.argv[1]

def text(tag, size):
    out = bytearray()
    n = 0
    while len(out) < size:
        out += b"%s line %04d: the quick brown fox jumps over the lazy dog\n" % (tag, n)
        n += 1
    return bytes(out[:size])

files = {
    "hello-1500.txt": text(b"hello-1500.txt", 1500),
    "block-1024.bin": bytes((i * 31 + 7) & 0xFF for i in range(1024)),
    "upload-700.txt": text(b"upload-700.txt", 700),
}
for name, data in files.items():
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)
EOF
install -m 0644 "$ORIG/hello-1500.txt" "$ORIG/block-1024.bin" "$SRV/"
install -m 0644 "$ORIG/upload-700.txt" "$CLI/"

# Start the capture first and wait until tcpdump is listening.
# --immediate-mode: otherwise libpcap hands packets over in blocks with a ~1 s timeout
# and the last exchange can be lost when tcpdump is stopped.
tcpdump -i lo -U --immediate-mode -n -Z root -w "$WORK/tftp-loopback.pcap" 'udp and host 127.0.0.1' \
    2>"$WORK/tcpdump.err" &
TCPDUMP_PID=$!
for _ in $(seq 50); do
    grep -q "listening on" "$WORK/tcpdump.err" 2>/dev/null && break
    sleep 0.1
done
grep -q "listening on" "$WORK/tcpdump.err" || die "tcpdump did not start: $(cat "$WORK/tcpdump.err")"

# -L: standalone, stay in foreground; -s: chroot to SRV; -c: allow creating files.
in.tftpd -L -a 127.0.0.1:69 -s -c -u "$TFTP_USER" "$SRV" &
TFTPD_PID=$!
sleep 0.5
kill -0 "$TFTPD_PID" 2>/dev/null || die "in.tftpd did not start"

cd "$CLI"
tftp -m binary 127.0.0.1 -c get hello-1500.txt
sleep 0.5
tftp -m binary 127.0.0.1 -c get block-1024.bin
sleep 0.5
tftp -m binary 127.0.0.1 -c put upload-700.txt
sleep 0.5
mkdir -p "$WORK/missing" && cd "$WORK/missing"
if tftp -m binary 127.0.0.1 -c get missing.txt 2>&1 | tee "$WORK/missing.log"; then :; fi
grep -q "File not found" "$WORK/missing.log" || die "expected 'File not found' from the server"
cd "$CLI"
sleep 1.5

kill "$TFTPD_PID"; wait "$TFTPD_PID" 2>/dev/null || true; TFTPD_PID=
kill -INT "$TCPDUMP_PID"; wait "$TCPDUMP_PID" 2>/dev/null || true; TCPDUMP_PID=
cat "$WORK/tcpdump.err" >&2

# Both ends must hold exactly the original bytes.
cmp "$ORIG/hello-1500.txt" "$CLI/hello-1500.txt"
cmp "$ORIG/block-1024.bin" "$CLI/block-1024.bin"
cmp "$ORIG/upload-700.txt" "$SRV/upload-700.txt"

mkdir -p "$FILES"
install -m 0644 "$ORIG/hello-1500.txt" "$ORIG/block-1024.bin" "$ORIG/upload-700.txt" "$FILES/"
install -m 0644 "$WORK/tftp-loopback.pcap" "$OUT"
echo "wrote $OUT and $FILES/"
