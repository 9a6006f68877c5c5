//! The Info column: the opcode, the id and one entry per question and record (type, name,
//! what tshark shows of the data), written while walking the message, and the name tables
//! (opcodes, reply codes, types) it and the fields use.

use super::record::txt_strings;
use super::{Dns, MDNS_CLASS_BIT, Record, Rr, Stop, flag, read_name, rtype, write_text};
use crate::dissect::{be16, byte};
use std::fmt;

impl Dns<'_> {
    /// Writes the Info text into `out`, as far as the message can be read, and says why it
    /// stopped early. Dissection runs it once (into a sink that keeps nothing) to find the
    /// expert note; the Info column runs it again.
    pub fn walk(&self, out: &mut impl fmt::Write) -> Result<(), Stop> {
        let (Some(id), Some(flags)) = (self.id(), self.flags()) else {
            return Err(Stop::Short);
        };
        let opcode = (flags >> flag::OPCODE_SHIFT) & 0xf;
        let response = flags & flag::RESPONSE != 0;
        let _ = match value_name(OPCODES, opcode) {
            Some(n) => out.write_str(n),
            None => write!(out, "Unknown operation ({opcode})"),
        };
        if response {
            let _ = out.write_str(" response");
        }
        let _ = out.write_str(" 0x");
        let _ = write_hex4(out, id);
        let rcode = flags & flag::RCODE;
        if response && rcode != 0 {
            let _ = match value_name(RCODES, rcode) {
                Some(n) => write!(out, " {n}"),
                None => write!(out, " Unknown error ({rcode})"),
            };
        }
        for rec in self.records() {
            match rec? {
                Record::Question(q) => {
                    let _ = out.write_char(' ');
                    let _ = write_type(out, q.qtype);
                    let _ = out.write_char(' ');
                    let _ = self.name(q.name_at).write(out);
                    if self.mdns {
                        let qu = q.qclass & MDNS_CLASS_BIT != 0;
                        let _ = write!(out, ", \"{}\" question", if qu { "QU" } else { "QM" });
                    }
                }
                Record::Rr(rr) => {
                    let _ = out.write_char(' ');
                    let _ = write_type(out, rr.rtype);
                    if self.mdns && rr.class & MDNS_CLASS_BIT != 0 {
                        let _ = out.write_str(", cache flush");
                    }
                    if rr.rdlen > 0 {
                        self.write_rdata(&rr, out)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Writes what tshark's Info shows of a record's data, reading what tshark reads (so a
    /// record it cannot read stops the walk at the same place).
    fn write_rdata(&self, rr: &Rr, out: &mut impl fmt::Write) -> Result<(), Stop> {
        match rr.rtype {
            // A, AAAA, WKS: an address.
            rtype::A | rtype::AAAA | 11 => self.write_address(rr, out),
            // NS, CNAME, PTR, NXT, DNAME, NSEC, SOA, MX, SRV: a name in the data.
            2 | 5 | 12 | 30 | 39 | 47 | rtype::SOA | rtype::MX | rtype::SRV => {
                self.write_data_name(rr, out)
            }
            // MD, MF, MB, MG, MR, NSAP-PTR, MINFO, RP, AFSDB, RT, PX, NULL, NSAP, X25, ISDN:
            // the owner instead.
            3 | 4 | 7 | 8 | 9 | 23 | 14 | 17 | 18 | 21 | 26 | 10 | 22 | 19 | 20 => {
                self.write_owner_rdata(rr, out)
            }
            // HINFO, TXT, NAPTR: character strings.
            13 | rtype::TXT | 35 => self.write_strings(rr, out),
            rtype::OPT => self.skip_options(rr),
            _ => Ok(()),
        }
    }

    /// The data of A, AAAA and WKS records: an address.
    fn write_address(&self, rr: &Rr, out: &mut impl fmt::Write) -> Result<(), Stop> {
        let at = rr.rdata_at;
        match rr.rtype {
            rtype::A => {
                let a = self.bytes(at, 4)?;
                let _ = out.write_char(' ');
                let _ = write_dotted(out, a);
            }
            rtype::AAAA => {
                let a: [u8; 16] = crate::dissect::array(self.bytes(at, 16)?, 0);
                let _ = write!(out, " {}", std::net::Ipv6Addr::from(a));
            }
            // WKS: address, protocol, then a bitmap filling the rest of the data.
            11 => {
                let a = self.bytes(at, 4)?;
                let _ = write!(out, " {}.{}.{}.{}", a[0], a[1], a[2], a[3]);
                if rr.rdlen < 5 {
                    return Err(Stop::Short);
                }
                self.bytes(at, rr.rdlen as usize)?;
            }
            _ => {}
        }
        Ok(())
    }

    /// The data of records that hold a name tshark shows (after a preference or the SRV
    /// numbers).
    fn write_data_name(&self, rr: &Rr, out: &mut impl fmt::Write) -> Result<(), Stop> {
        let at = rr.rdata_at;
        let name_at = |at: usize| read_name(self.msg, at);
        match rr.rtype {
            // NS, CNAME, PTR, NXT, DNAME, NSEC: the name in the data.
            2 | 5 | 12 | 30 | 39 | 47 => {
                let (n, _) = name_at(at)?;
                let _ = out.write_char(' ');
                let _ = n.write(out);
            }
            rtype::SOA => {
                let (mname, n) = name_at(at)?;
                let _ = out.write_char(' ');
                let _ = mname.write(out);
                let (_, r) = name_at(at + n)?;
                // Serial, refresh, retry, expire, minimum.
                self.bytes(at + n + r, 20)?;
            }
            rtype::MX => {
                let pref = be16(self.bytes(at, 2)?, 0);
                let (n, _) = name_at(at + 2)?;
                let _ = write!(out, " {pref} ");
                let _ = n.write(out);
            }
            rtype::SRV => {
                let f = self.bytes(at, 6)?;
                let (target, _) = name_at(at + 6)?;
                let _ = write!(out, " {} {} {} ", be16(f, 0), be16(f, 2), be16(f, 4));
                let _ = target.write(out);
            }
            _ => {}
        }
        Ok(())
    }

    /// The data of records for which tshark shows the owner name, reading the data after.
    fn write_owner_rdata(&self, rr: &Rr, out: &mut impl fmt::Write) -> Result<(), Stop> {
        let at = rr.rdata_at;
        let name_at = |at: usize| read_name(self.msg, at);
        match rr.rtype {
            // MD, MF, MB, MG, MR, NSAP-PTR: tshark shows the owner, then reads one name.
            3 | 4 | 7 | 8 | 9 | 23 => {
                write_owner(self, rr, out);
                name_at(at)?;
            }
            // MINFO, RP: owner, then two names.
            14 | 17 => {
                write_owner(self, rr, out);
                let (_, n) = name_at(at)?;
                name_at(at + n)?;
            }
            // AFSDB, RT: owner, then a 16-bit value and a name.
            18 | 21 => {
                write_owner(self, rr, out);
                name_at(at + 2)?;
            }
            // PX: owner, then a preference and two names.
            26 => {
                write_owner(self, rr, out);
                let (_, n) = name_at(at + 2)?;
                name_at(at + 2 + n)?;
            }
            // NULL, NSAP: the owner only.
            10 | 22 => write_owner(self, rr, out),
            // X25, ISDN: owner, then a length byte.
            19 | 20 => {
                write_owner(self, rr, out);
                self.bytes(at, 1)?;
            }
            _ => {}
        }
        Ok(())
    }

    /// The data of records made of character strings (HINFO, TXT, NAPTR).
    fn write_strings(&self, rr: &Rr, out: &mut impl fmt::Write) -> Result<(), Stop> {
        let at = rr.rdata_at;
        match rr.rtype {
            // HINFO: CPU and OS character strings.
            13 => {
                let cpu_len = byte(self.bytes(at, 1)?, 0) as usize;
                let cpu = self.bytes(at + 1, cpu_len)?;
                let os_at = at + 1 + cpu_len;
                let os_len = byte(self.bytes(os_at, 1)?, 0) as usize;
                let os = self.bytes(os_at + 1, os_len)?;
                let _ = out.write_char(' ');
                let _ = write_text(out, cpu);
                let _ = out.write_char(' ');
                let _ = write_text(out, os);
            }
            rtype::TXT => {
                txt_strings(self.msg, at, rr.rdlen).try_for_each(|s| s.map(|_| ()))?;
            }
            // NAPTR: order, preference, flags, then service, regexp and replacement.
            35 => {
                let f = self.bytes(at, 5)?;
                let flags_len = byte(f, 4) as usize;
                let flags = self.bytes(at + 5, flags_len)?;
                let service_at = at + 5 + flags_len;
                let service_len = byte(self.bytes(service_at, 1)?, 0) as usize;
                let regex_at = service_at + 1 + service_len;
                let regex_len = byte(self.bytes(regex_at, 1)?, 0) as usize;
                read_name(self.msg, regex_at + 1 + regex_len)?;
                let _ = write!(out, " {} {} ", be16(f, 0), be16(f, 2));
                let _ = write_text(out, flags);
            }
            _ => {}
        }
        Ok(())
    }

    /// The data of an OPT record, read and not shown.
    fn skip_options(&self, rr: &Rr) -> Result<(), Stop> {
        // Options: code, length, data; each header must be there.
        let mut left = rr.rdlen as isize;
        let mut cur = rr.rdata_at;
        while left > 0 {
            let h = self.bytes(cur, 4)?;
            let len = be16(h, 2) as usize;
            cur += 4 + len;
            left -= 4 + len as isize;
        }
        Ok(())
    }
}

fn write_owner(dns: &Dns<'_>, rr: &Rr, out: &mut impl fmt::Write) {
    let _ = out.write_char(' ');
    let _ = dns.name(rr.name_at).write(out);
}

fn write_type(out: &mut impl fmt::Write, t: u16) -> fmt::Result {
    match type_name(t) {
        Some(n) => out.write_str(n),
        None => write!(out, "Unknown ({t})"),
    }
}

/// Writes the Info column.
pub fn info(dns: &Dns<'_>, out: &mut String) {
    let _ = dns.walk(out);
}

/// Four lowercase hex digits (the Info column's transaction id), without `core::fmt`.
fn write_hex4(out: &mut impl fmt::Write, v: u16) -> fmt::Result {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for shift in [12, 8, 4, 0] {
        out.write_char(char::from(HEX[usize::from((v >> shift) & 0xf)]))?;
    }
    Ok(())
}

/// Dotted decimal of the first four bytes of `a`, without `core::fmt`.
fn write_dotted(out: &mut impl fmt::Write, a: &[u8]) -> fmt::Result {
    let mut digits = itoa::Buffer::new();
    for (i, b) in a.iter().take(4).enumerate() {
        if i > 0 {
            out.write_char('.')?;
        }
        out.write_str(digits.format(*b))?;
    }
    Ok(())
}

/// The short type name tshark's Info column uses (`A`, `AAAA`, ...); note that Wireshark's
/// table names 253 `MAILA` and 254 `MAILB`.
pub fn type_name(t: u16) -> Option<&'static str> {
    Some(match t {
        0 => "Unused",
        1 => "A",
        2 => "NS",
        3 => "MD",
        4 => "MF",
        5 => "CNAME",
        6 => "SOA",
        7 => "MB",
        8 => "MG",
        9 => "MR",
        10 => "NULL",
        11 => "WKS",
        12 => "PTR",
        13 => "HINFO",
        14 => "MINFO",
        15 => "MX",
        16 => "TXT",
        17 => "RP",
        18 => "AFSDB",
        19 => "X25",
        20 => "ISDN",
        21 => "RT",
        22 => "NSAP",
        23 => "NSAP-PTR",
        24 => "SIG",
        25 => "KEY",
        26 => "PX",
        27 => "GPOS",
        28 => "AAAA",
        29 => "LOC",
        30 => "NXT",
        31 => "EID",
        32 => "NIMLOC",
        33 => "SRV",
        34 => "ATMA",
        35 => "NAPTR",
        36 => "KX",
        37 => "CERT",
        38 => "A6",
        39 => "DNAME",
        40 => "SINK",
        41 => "OPT",
        42 => "APL",
        43 => "DS",
        44 => "SSHFP",
        45 => "IPSECKEY",
        46 => "RRSIG",
        47 => "NSEC",
        48 => "DNSKEY",
        49 => "DHCID",
        50 => "NSEC3",
        51 => "NSEC3PARAM",
        52 => "TLSA",
        55 => "HIP",
        57 => "RKEY",
        58 => "TALINK",
        59 => "CDS",
        60 => "CDNSKEY",
        61 => "OPENPGPKEY",
        62 => "CSYNC",
        63 => "ZONEMD",
        64 => "SVCB",
        65 => "HTTPS",
        99 => "SPF",
        100 => "UINFO",
        101 => "UID",
        102 => "GID",
        103 => "UNSPEC",
        104 => "NID",
        105 => "L32",
        106 => "L64",
        107 => "LP",
        108 => "EUI48",
        109 => "EUI64",
        249 => "TKEY",
        250 => "TSIG",
        251 => "IXFR",
        252 => "AXFR",
        253 => "MAILA",
        254 => "MAILB",
        255 => "ANY",
        256 => "URI",
        257 => "CAA",
        32768 => "TA",
        32769 => "DLV",
        65281 => "WINS",
        65282 => "WINS-R",
        65422 => "XPF",
        _ => return None,
    })
}

/// The name of `v` in one of the value tables below ([`OPCODES`], [`RCODES`], [`TYPES`]).
pub fn value_name(table: &[(u64, &'static str)], v: u16) -> Option<&'static str> {
    table.iter().find(|(k, _)| *k == v as u64).map(|(_, n)| *n)
}

/// Opcode names.
pub static OPCODES: &[(u64, &str)] = &[
    (0, "Standard query"),
    (1, "Inverse query"),
    (2, "Server status request"),
    (4, "Zone change notification"),
    (5, "Dynamic update"),
    (6, "DNS Stateful operations (DSO)"),
];

/// Reply code names.
pub static RCODES: &[(u64, &str)] = &[
    (0, "No error"),
    (1, "Format error"),
    (2, "Server failure"),
    (3, "No such name"),
    (4, "Not implemented"),
    (5, "Refused"),
    (6, "Name exists"),
    (7, "RRset exists"),
    (8, "RRset does not exist"),
    (9, "Not authoritative"),
    (10, "Name out of zone"),
    (11, "DSO-Type not implemented"),
    (16, "Bad OPT Version or TSIG Signature Failure"),
    (17, "Key not recognized"),
    (18, "Signature out of time window"),
    (19, "Bad TKEY Mode"),
    (20, "Duplicate key name"),
    (21, "Algorithm not supported"),
    (22, "Bad Truncation"),
    (23, "Bad/missing Server Cookie"),
];

/// Type descriptions (the value names of `dns.qry.type` and `dns.resp.type`).
pub static TYPES: &[(u64, &str)] = &[
    (0, "Unused"),
    (1, "A (Host Address)"),
    (2, "NS (authoritative Name Server)"),
    (3, "MD (Mail Destination)"),
    (4, "MF (Mail Forwarder)"),
    (5, "CNAME (Canonical NAME for an alias)"),
    (6, "SOA (Start Of a zone of Authority)"),
    (7, "MB (MailBox domain name)"),
    (8, "MG (Mail Group member)"),
    (9, "MR (Mail Rename domain)"),
    (10, "NULL RR"),
    (11, "WKS (Well Known Service)"),
    (12, "PTR (domain name PoinTeR)"),
    (13, "HINFO (host information)"),
    (14, "MINFO (Mailbox or mail list information)"),
    (15, "MX (Mail eXchange)"),
    (16, "TXT (Text strings)"),
    (17, "RP (Responsible Person)"),
    (18, "AFSDB (AFS Data Base location)"),
    (19, "X25 (XX.25 PSDN address)"),
    (20, "ISDN (ISDN address)"),
    (21, "RT (Route Through)"),
    (22, "NSAP (NSAP address)"),
    (23, "NSAP-PTR (NSAP domain name pointer)"),
    (24, "SIG (security signature)"),
    (25, "KEY (security key)"),
    (26, "PX (X.400 mail mapping information)"),
    (27, "GPOS (Geographical Position)"),
    (28, "AAAA (IPv6 Address)"),
    (29, "LOC (Location Information)"),
    (30, "NXT (Next Domain)"),
    (31, "EID (Endpoint Identifier)"),
    (32, "NIMLOC (Nimrod Locator)"),
    (33, "SRV (Server Selection)"),
    (34, "ATMA (ATM Address)"),
    (35, "NAPTR (Naming Authority Pointer)"),
    (36, "KX (Key Exchanger)"),
    (37, "CERT"),
    (38, "A6 (OBSOLETE - use AAAA)"),
    (39, "DNAME"),
    (40, "SINK"),
    (41, "OPT"),
    (42, "APL"),
    (43, "DS (Delegation Signer)"),
    (44, "SSHFP (SSH Key Fingerprint)"),
    (45, "IPSECKEY"),
    (46, "RRSIG (Resource Record Signature)"),
    (47, "NSEC (Next Secure)"),
    (48, "DNSKEY (DNS Public Key)"),
    (49, "DHCID"),
    (50, "NSEC3"),
    (51, "NSEC3PARAM"),
    (52, "TLSA"),
    (55, "HIP (Host Identity Protocol)"),
    (57, "RKEY"),
    (58, "TALINK (Trust Anchor LINK)"),
    (59, "CDS (Child DS)"),
    (60, "CDNSKEY (DNSKEY(s) the Child wants reflected in DS)"),
    (61, "OPENPGPKEY (OpenPGP Key)"),
    (62, "CSYNC (Child-to-Parent Synchronization)"),
    (63, "ZONEMD"),
    (64, "SVCB (General Purpose Service Endpoints)"),
    (65, "HTTPS (HTTPS Specific Service Endpoints)"),
    (99, "SPF"),
    (100, "UINFO"),
    (101, "UID"),
    (102, "GID"),
    (103, "UNSPEC"),
    (104, "NID (NodeID)"),
    (105, "L32 (Locator32)"),
    (106, "L64 (Locator64)"),
    (107, "LP (Locator FQDN)"),
    (108, "EUI48"),
    (109, "EUI64"),
    (249, "TKEY (Transaction Key)"),
    (250, "TSIG (Transaction Signature)"),
    (251, "IXFR (incremental transfer)"),
    (252, "AXFR (transfer of an entire zone)"),
    (253, "MAILB (mailbox-related RRs)"),
    (254, "MAILA (mail agent RRs)"),
    (
        255,
        "* (A request for all records the server/cache has available)",
    ),
    (256, "URI"),
    (257, "CAA (Certification Authority Restriction)"),
    (32768, "TA (DNSSEC Trust Authorities)"),
    (32769, "DLV (DNSSEC Lookaside Validation)"),
    (65281, "WINS"),
    (65282, "WINS-R"),
    (65422, "XPF"),
];
