#!/usr/bin/env python3
"""Generate src/resolve/oui.bin, wiresift's table of MAC vendor names and well-known addresses.

Regenerating
============
    apt-get install ieee-data         # Debian's copy of the IEEE MA-L/MA-M/MA-S/IAB registries
    python3 scripts/gen-oui.py        # rewrites src/resolve/oui.bin

Options: --ieee-dir DIR (default /usr/share/ieee-data), --out FILE (default
src/resolve/oui.bin next to this script). Python 3 standard library only. The same inputs
always give the same bytes. Commit the new oui.bin together with any change to this script.

Where the names come from
=========================
The goal is to print what tshark 4.0.17 prints. tshark's `manuf` file is made by Wireshark's
make-manuf from the same IEEE registries, so this script applies the same rules to each
"Organization Name" (see `short_name`):
  * HTML entities are decoded and runs of whitespace become one space;
  * an all-capitals name is title-cased ("XEROX CORPORATION" -> "Xerox Corporation");
  * the punctuation  " ' , . / : ( )  becomes a space, and a standalone "&" is dropped;
  * general business words (`BUSINESS_TERMS`: Inc, Ltd, Corp, GmbH, Systems, ...) are
    dropped, unless that would leave nothing;
  * all spaces are removed and the result is cut to 8 code points (tshark 4.0's manuf uses
    8, e.g. "IntelCor", "SamsungE"; later Wireshark versions use longer names).
Registries are merged in make-manuf's order (IAB, MA-L, MA-M, MA-S); the first row for an
assignment wins. On top of that: `ORG_RENAMES` (registry renames made after Debian's
ieee-data snapshot that tshark's newer snapshot already has), `EXTRA_ASSIGNMENTS` (MA-L
blocks assigned after the snapshot), `PREFIX_OVERRIDES` (Wireshark's own legacy entries,
which take precedence over the IEEE in its manuf file) and `WELL_KNOWN` (the multicast and
other well-known addresses of tshark's `wka` file, names as tshark prints them).

Binary format, version 1
========================
All integers are little-endian.

Header, 24 bytes:
    0   8  magic       b"WSIFTOUI"
    8   2  version     1
    10  2  nsections   6
    12  4  names_off   byte offset of the names blob from the start of the file
    16  4  names_len   length of the names blob in bytes
    20  4  reserved    0
Section directory, 12 bytes per section, in kind order 1..6:
    0   1  kind        1..6, see below
    1   1  key_len     bytes of key per record
    2   1  prefix_bits prefix length the keys stand for (0: varies)
    3   1  reserved    0
    4   4  count       number of records
    8   4  offset      byte offset of the first record from the start of the file
Each section is an array of `count` fixed-width records of key_len + 3 bytes, sorted by key
in strictly ascending byte order (binary-searchable):
    key         the first key_len bytes of the prefix, in MAC byte order, with every bit
                past the prefix zero (MA-M 8C:1F:64:F/28 is the key 8C 1F 64 F0)
    name        u24 offset into the names blob
Names blob: the distinct names sorted bytewise, each stored as a length byte (< 128) then
that many bytes of UTF-8. As every length byte is ASCII, the blob as a whole is valid UTF-8
exactly when every name is, so a reader can validate it once.

Section kinds:
    1  MA-L    key_len 3, bits 24  IEEE 24-bit OUIs (with the overrides above)
    2  MA-M    key_len 4, bits 28  IEEE 28-bit blocks
    3  MA-S    key_len 5, bits 36  IEEE 36-bit blocks, IAB included
    4  exact   key_len 6, bits 48  well-known single addresses ("Broadcast")
    5  ranges  key_len 6, bits 0   well-known address ranges, key = the range's first
                                   address. Not storing the range's length is deliberate:
                                   tshark 4.0 keys this table by the masked address alone
                                   and matches any entry whose key equals the address
                                   masked to 47, 46, ... bits, so the length never matters.
    6  oui24   key_len 3, bits 24  24-bit names tshark shows instead of the MA-L name
                                   ("01:00:3C" Auspex..., "00:00:00" for the zero OUI);
                                   not vendors, so not used for vendor lookups.
"""

import argparse
import csv
import html
import os
import re
import struct
import sys

FORMAT_VERSION = 1
MAGIC = b"WSIFTOUI"

# Words make-manuf drops from organization names (applied after punctuation became spaces;
# "?" makes the space optional, so "S.A." and "SA" both go).
BUSINESS_TERMS = [
    "a +s", "ab", "ag", "b ?v", "closed joint stock company", "co", "company", "corp",
    "corporation", "de c ?v", "gmbh", "holding", "inc", "incorporated", "jsc", "kg", "k k",
    "limited", "llc", "ltd", "n ?v", "oao", "of", "open joint stock company", "ooo", "oü",
    "oy", "oyj", "plc", "pty", "pvt", "s ?a ?r ?l", "s ?a", "s ?p ?a", "sp ?k", "s ?r ?l",
    "systems", "the", "zao", "z ?o ?o",
]
_TERMS_RE = re.compile(r"\W(?:" + "|".join(BUSINESS_TERMS) + r")(?= )", re.IGNORECASE)
_PUNCT_RE = re.compile(r"[\"',./:()]")
SHORT_LEN = 8

# Organization renames in the IEEE registry made after Debian's ieee-data 20220827 snapshot;
# tshark 4.0.17's manuf (IEEE data of 2024-08-25) shows the new names. Applied to every
# assignment of the old name, before shortening.
ORG_RENAMES = {
    "Technicolor CH USA Inc.": "Vantiva USA LLC",
    "Aruba, a Hewlett Packard Enterprise Company": "Hewlett Packard Enterprise",
    "LCFC(HeFei) Electronics Technology co., ltd": "LCFC(Hefei) Electronics Technology co., ltd",
    "UNIONMAN TECHNOLOGY CO.,LTD": "Union Man Technology Co.,Ltd",
    "Kaonmedia CO., LTD.": "Kaon Group Co., Ltd.",
    "Facebook Technologies, LLC": "Meta Platforms Technologies, LLC",
}

# MA-L blocks assigned after the ieee-data snapshot (organization name, shortened as usual).
EXTRA_ASSIGNMENTS = {
    "40:9E:A4": "Juniper Networks",
}

# Short names from Wireshark's own manuf entries, which win over the IEEE registry there.
PREFIX_OVERRIDES = {
    "08:00:27": "PcsCompu",  # VirtualBox guests
    "52:54:00": "RealtekU",  # QEMU/KVM guests; locally administered, not in the registry
    "AA:00:00": "DecObsol",
    "AA:00:01": "DecObsol",
    "AA:00:02": "DecObsol",
    "AA:00:03": "DecGloba",
    "AA:00:04": "DecLocal",  # DECnet phase IV addresses
    "00:B0:D0": "Computer",
}

# 24-bit names tshark prints that are not vendors (section kind 6): its manuf names the zero
# OUI "00:00:00", so 00:00:00:00:00:00 prints as "00:00:00_00:00:00".
DISPLAY_OUI24 = {
    "00:00:00": "00:00:00",
}

# tshark 4.0.17's wka file as tshark reads it: address (":"-separated; "/N" = a range of
# N leading bits), then the name up to the first blank ("#" starts a comment). For
# duplicates the later line wins, as in tshark. Six-byte addresses without "/N" are exact;
# three bytes without "/N" are 24-bit names (kind 6); everything with "/N" is a range.
WELL_KNOWN = """
00:00:00:00:FE:21    Checkpoint-Uninitialized-Cluster-Member
00:00:0C:07:AC/40    All-HSRP-routers
00:00:5E:00:01/40    IETF-VRRP-VRID
00:0C:0C:0C:0C:0C    Cisco-ACI-Gleaning-Leaf
00:0D:0D:0D:0D:0D    Cisco-ACI-Gleaning-Spine
00:BF:00:00:00:00/16 MS-NLB-VirtServer
00:E0:2B:00:00:00    Extreme-EDP
00:E0:2B:00:00:01    Extreme-EEP
00:E0:2B:00:00:02    Extreme-ESRP-Client
00:E0:2B:00:00:04    Extreme-EAPS
00:E0:2B:00:00:06    Extreme-EAPS-SL
00:E0:2B:00:00:08    Extreme-ESRP-Master
01:00:0C:00:00/40    ISL-Frame
01:00:0C:CC:CC:CC    CDP/VTP/DTP/PAgP/UDLD
01:00:0C:CC:CC:CD    PVST+
01:00:0C:CD:CD:CD    STP-UplinkFast
01:00:0C:CD:CD:CE    VLAN-bridge
01:00:0C:CD:CD:D0    GBPT
01:00:0C:DD:DD:DD    CGMP
01:00:10:00:00:20    Hughes-Lan-Systems-Terminal-Server-S/W-download
01:00:10:FF:FF:20    Hughes-Lan-Systems-Terminal-Server-S/W-request
01:00:1D:00:00:00    Cabletron-PC-OV-PC-discover-(on-demand)
01:00:1D:00:00:05    Cabletron-PVST-BPDU
01:00:1D:00:00:06    Cabletron-QCSTP-BPDU
01:00:1D:42:00:00    Cabletron-PC-OV-Bridge-discover-(on-demand)
01:00:1D:52:00:00    Cabletron-PC-OV-MMAC-discover-(on-demand)
01:00:3C             Auspex-Systems-(Serverguard)
01:00:5E/25          IPv4mcast
01:00:81:00:00:00    Nortel-Network-Management
01:00:81:00:00:02    Nortel-Network-Management
01:00:81:00:01:00    Nortel-autodiscovery
01:00:81:00:01:01    Nortel-autodiscovery
01:0F:FF:C1:01:C0    FP-Flood-to-all-VLANs
01:0F:FF:C1:02:C0    FP-Flood-to-all-Fabrics
01:10:18:01:00:00    All-FCoE-MACs
01:10:18:01:00:01    All-ENode-MACs
01:10:18:01:00:02    All-FCF-MACs
01:10:18:00:00:00/24 FCoE-group
01:11:1E:00:00:01    EPLv2_SoC
01:11:1E:00:00:02    EPLv2_PRes
01:11:1E:00:00:03    EPLv2_SoA
01:11:1E:00:00:04    EPLv2_ASnd
01:11:1E:00:00:05    EPLv2_AMNI
01:20:25/25          Control-Technology-Inc's-Industrial-Ctrl-Proto.
01:80:24:00:00:00    Kalpana-Etherswitch-every-60-seconds
01:80:C2:00:00:00/44 Spanning-tree-(for-bridges)
01:80:C2:00:00:01    MAC-specific-ctrl-proto-01
01:80:C2:00:00:02    Slow-Protocols
01:80:C2:00:00:03    Nearest-non-TPMR-bridge
01:80:C2:00:00:04    MAC-specific-ctrl-proto-04
01:80:C2:00:00:05    Reserved-future-std-05
01:80:C2:00:00:06    Reserved-future-std-06
01:80:C2:00:00:07    MEF-Forum-ELMI-proto
01:80:C2:00:00:08    Provider-Bridge
01:80:C2:00:00:09    Reserved-future-std-09
01:80:C2:00:00:0A    Reserved-future-std-0a
01:80:C2:00:00:0B    EDE-SS-PEP
01:80:C2:00:00:0C    Reserved-future-std-0c
01:80:C2:00:00:0D    Provider-Bridge-MVRP
01:80:C2:00:00:0E    LLDP_Multicast
01:80:C2:00:00:0F    Reserved-future-std-0f
01:80:C2:00:00:10    Bridge-Management
01:80:C2:00:00:11    Load-Server
01:80:C2:00:00:12    Loadable-Device
01:80:C2:00:00:13    IEEE-1905.1-Control
01:80:C2:00:00:14    ISIS-all-level-1-IS's
01:80:C2:00:00:15    ISIS-all-level-2-IS's
01:80:C2:00:00:18    IEEE-802.1B-All-Manager-Stations
01:80:C2:00:00:19    IEEE-802.11aa-groupcast-with-retries
01:80:C2:00:00:1A    IEEE-802.1B-All-Agent-Stations
01:80:C2:00:00:1B    ESIS-all-multicast-capable-ES's
01:80:C2:00:00:1C    ESIS-all-multicast-announcements
01:80:C2:00:00:1D    ESIS-all-multicast-capable-IS's
01:80:C2:00:00:1E    Token-Ring-all-DTR-Concentrators
01:80:C2:00:00:30/45 OAM-Multicast-DA-Class-1
01:80:C2:00:00:38/45 OAM-Multicast-DA-Class-2
01:80:C2:00:00:40    All-RBridges
01:80:C2:00:00:41    All-IS-IS-RBridges
01:80:C2:00:00:42    All-Egress-RBridges
01:80:C2:00:00:45    TRILL-End-Stations
01:80:C2:00:00:46    All-Edge-RBridges
01:80:C2:00:01:00    FDDI-RMT-Directed-Beacon
01:80:C2:00:01:10    FDDI-status-report-frame
01:DD:00:FF:FF:FF    Ungermann-Bass-boot-me-requests
01:DD:01:00:00:00    Ungermann-Bass-Spanning-Tree
01:E0:52:CC:CC:CC    Foundry-DP
01:E0:2F:00:00:01    DOCSIS-CM
01:E0:2F:00:00:02    DOCSIS-CMTS
01:E0:2F:00:00:03    DOCSIS-STP
02:04:96:00:00:00/24 ExtremeNetworks
02:BF:00:00:00:00/16 MS-NLB-VirtServer
02:01:00:00:00:00/16 MS-NLB-PhysServer-01
02:02:00:00:00:00/16 MS-NLB-PhysServer-02
02:03:00:00:00:00/16 MS-NLB-PhysServer-03
02:04:00:00:00:00/16 MS-NLB-PhysServer-04
02:05:00:00:00:00/16 MS-NLB-PhysServer-05
02:06:00:00:00:00/16 MS-NLB-PhysServer-06
02:07:00:00:00:00/16 MS-NLB-PhysServer-07
02:08:00:00:00:00/16 MS-NLB-PhysServer-08
02:09:00:00:00:00/16 MS-NLB-PhysServer-09
02:0A:00:00:00:00/16 MS-NLB-PhysServer-10
02:0B:00:00:00:00/16 MS-NLB-PhysServer-11
02:0C:00:00:00:00/16 MS-NLB-PhysServer-12
02:0D:00:00:00:00/16 MS-NLB-PhysServer-13
02:0E:00:00:00:00/16 MS-NLB-PhysServer-14
02:0F:00:00:00:00/16 MS-NLB-PhysServer-15
02:10:00:00:00:00/16 MS-NLB-PhysServer-16
02:11:00:00:00:00/16 MS-NLB-PhysServer-17
02:12:00:00:00:00/16 MS-NLB-PhysServer-18
02:13:00:00:00:00/16 MS-NLB-PhysServer-19
02:14:00:00:00:00/16 MS-NLB-PhysServer-20
02:15:00:00:00:00/16 MS-NLB-PhysServer-21
02:16:00:00:00:00/16 MS-NLB-PhysServer-22
02:17:00:00:00:00/16 MS-NLB-PhysServer-23
02:18:00:00:00:00/16 MS-NLB-PhysServer-24
02:19:00:00:00:00/16 MS-NLB-PhysServer-25
02:1A:00:00:00:00/16 MS-NLB-PhysServer-26
02:1B:00:00:00:00/16 MS-NLB-PhysServer-27
02:1C:00:00:00:00/16 MS-NLB-PhysServer-28
02:1D:00:00:00:00/16 MS-NLB-PhysServer-29
02:1E:00:00:00:00/16 MS-NLB-PhysServer-30
02:1F:00:00:00:00/16 MS-NLB-PhysServer-31
02:20:00:00:00:00/16 MS-NLB-PhysServer-32
03:00:00:00:00:01    NETBIOS-
03:00:00:00:00:02    Locate-Directory-Server
03:00:00:00:00:04    Synchronous-Bandwidth-Manager-
03:00:00:00:00:08    Configuration-Report-Server-
03:00:00:00:00:10    Ring-Error-Monitor-
03:00:00:00:00:10    (OS/2-1.3-EE+Communications-Manager)
03:00:00:00:00:20    Network-Server-Heartbeat-
03:00:00:00:00:40    (OS/2-1.3-EE+Communications-Manager)
03:00:00:00:00:80    Active-Monitor
03:00:00:00:01:00    OSI-All-IS-Token-Ring-Multicast
03:00:00:00:02:00    OSI-All-ES-Token-Ring-Multicast
03:00:00:00:04:00    LAN-Manager
03:00:00:00:08:00    Ring-Wiring-Concentrator
03:00:00:00:10:00    LAN-Gateway
03:00:00:00:20:00    Ring-Authorization-Server
03:00:00:00:40:00    IMPL-Server
03:00:00:00:80:00    Bridge
03:00:00:20:00:00    IP-Token-Ring-Multicast
03:00:00:80:00:00    Discovery-Client
03:00:0C:00:00/40    ISL-Frame
03:00:C7:00:00:EE    HP
03:00:FF:FF:FF:FF    All-Stations-Address
03:BF:00:00:00:00/16 MS-NLB-VirtServer-Multicast
09:00:07:00:00:00/40 AppleTalk-Zone-multicast-addresses
09:00:07:FF:FF:FF    AppleTalk-broadcast-address
09:00:09:00:00:01    HP-Probe
09:00:09:00:00:04    HP-DTC
09:00:0D:00:00:00/24 ICL-Oslan-Multicast
09:00:0D:02:00:00    ICL-Oslan-Service-discover-only-on-boot
09:00:0D:02:0A:38    ICL-Oslan-Service-discover-only-on-boot
09:00:0D:02:0A:39    ICL-Oslan-Service-discover-only-on-boot
09:00:0D:02:0A:3C    ICL-Oslan-Service-discover-only-on-boot
09:00:0D:02:FF:FF    ICL-Oslan-Service-discover-only-on-boot
09:00:0D:09:00:00    ICL-Oslan-Service-discover-as-required
09:00:1E:00:00:00    Apollo-DOMAIN
09:00:2B:00:00:00    DEC-MUMPS?
09:00:2B:00:00:01    DEC-DSM/DDP
09:00:2B:00:00:02    DEC-VAXELN?
09:00:2B:00:00:03    DEC-Lanbridge-Traffic-Monitor-(LTM)
09:00:2B:00:00:04    DEC-MAP-(or-OSI?)-End-System-Hello?
09:00:2B:00:00:05    DEC-MAP-(or-OSI?)-Intermediate-System-Hello?
09:00:2B:00:00:06    DEC-CSMA/CD-Encryption?
09:00:2B:00:00:07    DEC-NetBios-Emulator?
09:00:2B:00:00:0F    DEC-Local-Area-Transport-(LAT)
09:00:2B:00:00:10/44 DEC-Experimental
09:00:2B:01:00:00    DEC-LanBridge-Copy-packets-(All-bridges)
09:00:2B:01:00:01    DEC-LanBridge-Hello-packets-(All-local-bridges)
09:00:2B:02:00:00    DEC-DNA-Level-2-Routing-Layer-routers?
09:00:2B:02:01:00    DEC-DNA-Naming-Service-Advertisement?
09:00:2B:02:01:01    DEC-DNA-Naming-Service-Solicitation?
09:00:2B:02:01:09    DEC-Availability-Manager-for-Distributed-Systems-DECamds
09:00:2B:02:01:02    DEC-Distributed-Time-Service
09:00:2B:03:00:00/32 DEC-default-filtering-by-bridges?
09:00:2B:04:00:00    DEC-Local-Area-System-Transport-(LAST)?
09:00:2B:23:00:00    DEC-Argonaut-Console?
09:00:4C:00:00:00    BICC-802.1-management
09:00:4C:00:00:02    BICC-802.1-management
09:00:4C:00:00:06    BICC-Local-bridge-STA-802.1(D)-Rev6
09:00:4C:00:00:0C    BICC-Remote-bridge-STA-802.1(D)-Rev8
09:00:4C:00:00:0F    BICC-Remote-bridge-ADAPTIVE-ROUTING
09:00:56:FF:00:00/32 Stanford-V-Kernel,-version-6.0
09:00:6A:00:01:00    TOP-NetBIOS.
09:00:77:00:00:00    Retix-Bridge-Local-Management-System
09:00:77:00:00:01    Retix-spanning-tree-bridges
09:00:77:00:00:02    Retix-Bridge-Adaptive-routing
09:00:7C:01:00:01    Vitalink-DLS-Multicast
09:00:7C:01:00:03    Vitalink-DLS-Inlink
09:00:7C:01:00:04    Vitalink-DLS-and-non-DLS-Multicast
09:00:7C:02:00:05    Vitalink-diagnostics
09:00:7C:05:00:01    Vitalink-gateway?
09:00:7C:05:00:02    Vitalink-Network-Validation-Message
09:00:87:80:FF:FF    Xyplex-Terminal-Servers
09:00:87:90:FF:FF    Xyplex-Terminal-Servers
0C:00:0C:00:00/40    ISL-Frame
0D:1E:15:BA:DD:06    HP
20:52:45:43:56:00/40 Receive
20:53:45:4E:44:00/40 Send
33:33:00:00:00:00    IPv6-Neighbor-Discovery
33:33:00:00:00:00/16 IPv6mcast
AA:00:03:00:00:00/32 DEC-UNA
AA:00:03:01:00:00/32 DEC-PROM-AA
AA:00:03:03:00:00/32 DEC-NI20
AB:00:00:01:00:00    DEC-MOP-Dump/Load-Assistance
AB:00:00:02:00:00    DEC-MOP-Remote-Console
AB:00:00:03:00:00    DECNET-Phase-IV-end-node-Hello-packets
AB:00:00:04:00:00    DECNET-Phase-IV-Router-Hello-packets
AB:00:03:00:00:00    DEC-Local-Area-Transport-(LAT)-old
AB:00:04:01:00:00/32 DEC-Local-Area-VAX-Cluster-groups-SCA
CF:00:00:00:00:00    Ethernet-Configuration-Test-protocol-(Loopback)
FF:FF:00:60:00:04    Lantastic
FF:FF:00:40:00:01    Lantastic
FF:FF:01:E0:00:04    Lantastic
FF:FF:FF:FF:FF:FF    Broadcast
"""


def short_name(org):
    """tshark's short vendor name for an IEEE organization name."""
    padded = " " + " ".join(org.split()) + " "
    if padded.isupper():
        padded = padded.title()
    padded = _PUNCT_RE.sub(" ", padded)
    padded = padded.replace(" & ", " ")
    stripped = _TERMS_RE.sub("", padded)
    if stripped.strip():
        padded = stripped
    name = "".join(padded.split())
    if not name:
        raise ValueError("organization name %r shortens to nothing" % org)
    return name[:SHORT_LEN]


def parse_addr(text):
    """'01:80:C2:00:00:00/44' -> (bytes, mask or None)."""
    addr, _, mask = text.partition("/")
    raw = bytes(int(part, 16) for part in addr.split(":"))
    if len(raw) not in (3, 4, 5, 6):
        raise ValueError("bad address %r" % text)
    return raw, (int(mask) if mask else None)


def read_registry(path, digits):
    """Rows of one IEEE CSV as (prefix bytes padded to 6, organization name)."""
    rows = []
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        next(reader)  # header row
        for row in reader:
            if len(row) < 3:
                continue
            hexa = row[1].strip().upper()
            if len(hexa) != digits or any(c not in "0123456789ABCDEF" for c in hexa):
                raise ValueError("%s: bad assignment %r" % (path, row[1]))
            org = html.unescape(row[2].strip())
            rows.append((bytes.fromhex(hexa.ljust(12, "0")), org))
    return rows


def build(ieee_dir):
    """Returns {kind: {key bytes: name}}."""
    sections = {kind: {} for kind in range(1, 7)}
    key_len = {1: 3, 2: 4, 3: 5}
    # make-manuf's order; the first row for an assignment wins.
    for fname, digits, kind in (
        ("iab.csv", 9, 3),
        ("oui.csv", 6, 1),
        ("mam.csv", 7, 2),
        ("oui36.csv", 9, 3),
    ):
        for prefix, org in read_registry(os.path.join(ieee_dir, fname), digits):
            org = ORG_RENAMES.get(" ".join(org.split()), org)
            sections[kind].setdefault(prefix[: key_len[kind]], short_name(org))
    for text, org in EXTRA_ASSIGNMENTS.items():
        sections[1][parse_addr(text)[0]] = short_name(org)
    for text, name in PREFIX_OVERRIDES.items():
        sections[1][parse_addr(text)[0]] = name
    for text, name in DISPLAY_OUI24.items():
        sections[6][parse_addr(text)[0]] = name
    for line in WELL_KNOWN.strip().splitlines():
        text, name = line.split()
        raw, mask = parse_addr(text)
        if mask is None and len(raw) == 6:
            sections[4][raw] = name
        elif mask is None and len(raw) == 3:
            sections[6][raw] = name
        elif mask is not None and 0 < mask < 48:
            key = raw + bytes(6 - len(raw))
            value = int.from_bytes(key, "big")
            if value & ((1 << (48 - mask)) - 1):
                raise ValueError("%s has bits set past its mask" % text)
            sections[5][key] = name
        else:
            raise ValueError("bad well-known entry %r" % line)
    check(sections)
    return sections


def check(sections):
    """Every name must fit tshark's 64-byte buffer with the longest suffix it can get."""
    for kind, entries in sections.items():
        for key, name in entries.items():
            raw = name.encode("utf-8")
            if not raw or len(raw) >= 128:
                raise ValueError("name %r has an unusable length" % name)
            if kind == 4:
                suffix = 0
            elif kind in (1, 6):
                suffix = len("_xx:xx:xx")
            else:
                # Range keys (MA-M and MA-S included) can match a prefix of any length L
                # that keeps all their set bits, and then print "_" and the bytes from
                # byte L // 8 on: 3 characters per byte.
                value = int.from_bytes(key.ljust(6, b"\0"), "big")
                min_bits = 48 - (value & -value).bit_length() + 1 if value else 1
                suffix = 3 * (6 - min_bits // 8)
            if len(raw) + suffix > 63:
                raise ValueError("name %r would be truncated by tshark" % name)
    counts = {k: len(v) for k, v in sections.items()}
    if counts[1] < 30000 or counts[2] < 3000 or counts[3] < 8000 or counts[4] < 100:
        raise ValueError("too few entries: %r" % counts)


def encode(sections):
    names = sorted({n.encode("utf-8") for entries in sections.values() for n in entries.values()})
    blob = bytearray()
    name_off = {}
    for raw in names:
        name_off[raw] = len(blob)
        blob.append(len(raw))
        blob += raw
    if len(blob) >= 1 << 24:
        raise ValueError("names blob too large for u24 offsets")
    key_len = {1: 3, 2: 4, 3: 5, 4: 6, 5: 6, 6: 3}
    bits = {1: 24, 2: 28, 3: 36, 4: 48, 5: 0, 6: 24}
    header_len = 24 + 12 * len(sections)
    directory = bytearray()
    records = bytearray()
    for kind in range(1, 7):
        entries = sections[kind]
        offset = header_len + len(records)
        for key in sorted(entries):
            if len(key) != key_len[kind]:
                raise ValueError("key %s has the wrong length" % key.hex())
            records += key
            records += name_off[entries[key].encode("utf-8")].to_bytes(3, "little")
        directory += struct.pack("<BBBBII", kind, key_len[kind], bits[kind], 0, len(entries), offset)
    names_off = header_len + len(records)
    header = MAGIC + struct.pack("<HHIII", FORMAT_VERSION, len(sections), names_off, len(blob), 0)
    return bytes(header + directory + records + blob)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ieee-dir", default="/usr/share/ieee-data")
    parser.add_argument("--out", default=os.path.join(here, "..", "src", "resolve", "oui.bin"))
    args = parser.parse_args()
    sections = build(args.ieee_dir)
    data = encode(sections)
    with open(args.out, "wb") as f:
        f.write(data)
    labels = {1: "MA-L", 2: "MA-M", 3: "MA-S", 4: "exact", 5: "ranges", 6: "oui24"}
    counts = ", ".join("%s %d" % (labels[k], len(v)) for k, v in sections.items())
    print("wrote %s: %d bytes (%s)" % (os.path.normpath(args.out), len(data), counts), file=sys.stderr)


if __name__ == "__main__":
    main()
