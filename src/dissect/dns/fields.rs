//! The DNS fields of the registry (`dns.qry.name`, `dns.a`, ...): the [`FIELDS`] table and
//! its extractors, which walk the questions and records of a layer's message.

use super::record::{nsec_types, txt_strings};
use super::{
    Dns, MDNS_CLASS_BIT, Name, OPCODE_UPDATE, OPCODES, Question, RCODES, Record, Rr, TYPES, flag,
    read_name, rtype,
};
use crate::dissect::field::{Emit, Extract, FieldDef};
use crate::dissect::{Dissection, Layer, Proto, View, be16};
use crate::value::{FieldType, Value};

fn view<'l, 'a>(l: &'l Layer<'a>) -> Option<&'l Dns<'a>> {
    match &l.view {
        View::Dns(d) => Some(d),
        _ => None,
    }
}

fn questions(d: &Dns<'_>) -> impl Iterator<Item = Question> {
    d.records().map_while(Result::ok).filter_map(|r| match r {
        Record::Question(q) => Some(q),
        Record::Rr(_) => None,
    })
}

/// The records whose fields tshark shows. With a detail tree, tshark gives each record a
/// subtree as long as its claimed data, so a record whose data runs past the message ends
/// the tree there (the Info column, built without a tree, still shows it).
fn rrs(d: &Dns<'_>) -> impl Iterator<Item = Rr> {
    let len = d.msg.len();
    d.records()
        .map_while(Result::ok)
        .filter_map(|r| match r {
            Record::Rr(rr) => Some(rr),
            Record::Question(_) => None,
        })
        .take_while(move |rr| rr.rdata_at + rr.rdlen as usize <= len)
}

fn emit_name(n: &Name, emit: &mut Emit<'_>) {
    let shown = n.shown();
    emit(Value::Str(shown.as_bytes()));
}

/// Declares an extractor that sees each question (`q`) or record (`rr`) of a DNS layer.
macro_rules! each {
    ($fname:ident, questions, |$dns:ident, $rec:ident, $emit:ident| $body:block) => {
        fn $fname<'a>(l: &Layer<'a>, _: &Dissection<'a>, $emit: &mut Emit<'_>) {
            if let Some($dns) = view(l) {
                for $rec in questions($dns) {
                    $body
                }
            }
        }
    };
    ($fname:ident, rrs, |$dns:ident, $rec:ident, $emit:ident| $body:block) => {
        fn $fname<'a>(l: &Layer<'a>, _: &Dissection<'a>, $emit: &mut Emit<'_>) {
            if let Some($dns) = view(l) {
                for $rec in rrs($dns) {
                    $body
                }
            }
        }
    };
}

/// The class without the mDNS top bit.
fn class_of(dns: &Dns<'_>, class: u16) -> u16 {
    if dns.is_mdns() {
        class & !MDNS_CLASS_BIT
    } else {
        class
    }
}

each!(qry_name, questions, |dns, q, emit| {
    emit_name(&dns.name(q.name_at), emit)
});
each!(qry_type, questions, |dns, q, emit| {
    emit(Value::Uint(q.qtype as u64))
});
each!(qry_class, questions, |dns, q, emit| {
    emit(Value::Uint(class_of(dns, q.qclass) as u64))
});
each!(qry_qu, questions, |dns, q, emit| {
    if dns.is_mdns() {
        emit(Value::Bool(q.qclass & MDNS_CLASS_BIT != 0));
    }
});
each!(resp_name, rrs, |dns, rr, emit| {
    // tshark splits an SRV owner into service, protocol and name instead.
    if rr.rtype != rtype::SRV {
        emit_name(&dns.name(rr.name_at), emit);
    }
});
each!(resp_type, rrs, |dns, rr, emit| {
    emit(Value::Uint(rr.rtype as u64));
    // tshark lists an NSEC bitmap's types under the same field.
    for t in nsec_types(dns.msg, &rr) {
        emit(Value::Uint(t as u64));
    }
});
each!(resp_class, rrs, |dns, rr, emit| {
    // OPT's class is the UDP payload size, a field of its own.
    if rr.rtype != rtype::OPT {
        emit(Value::Uint(class_of(dns, rr.class) as u64));
    }
});
each!(resp_cache_flush, rrs, |dns, rr, emit| {
    if dns.is_mdns() {
        emit(Value::Bool(rr.class & MDNS_CLASS_BIT != 0));
    }
});
each!(resp_ttl, rrs, |dns, rr, emit| {
    if rr.rtype != rtype::OPT {
        emit(Value::Uint(rr.ttl as u64));
    }
});
each!(resp_len, rrs, |dns, rr, emit| {
    emit(Value::Uint(rr.rdlen as u64))
});
each!(a, rrs, |dns, rr, emit| {
    if rr.rtype == rtype::A
        && rr.rdlen > 0
        && let Ok(b) = dns.bytes(rr.rdata_at, 4)
    {
        emit(Value::Ipv4(crate::dissect::array(b, 0)));
    }
});
each!(aaaa, rrs, |dns, rr, emit| {
    if rr.rtype == rtype::AAAA
        && rr.rdlen > 0
        && let Ok(b) = dns.bytes(rr.rdata_at, 16)
    {
        emit(Value::Ipv6(crate::dissect::array(b, 0)));
    }
});

/// The name at the start of the data of records of type `t` (after `skip` bytes).
fn rdata_name(dns: &Dns<'_>, rr: &Rr, t: u16, skip: usize, emit: &mut Emit<'_>) {
    if rr.rtype == t
        && rr.rdlen > 0
        && let Ok((n, _)) = read_name(dns.msg, rr.rdata_at + skip)
    {
        emit_name(&n, emit);
    }
}

each!(cname, rrs, |dns, rr, emit| {
    rdata_name(dns, &rr, rtype::CNAME, 0, emit)
});
each!(ns, rrs, |dns, rr, emit| {
    rdata_name(dns, &rr, rtype::NS, 0, emit)
});
each!(ptr, rrs, |dns, rr, emit| {
    rdata_name(dns, &rr, rtype::PTR, 0, emit)
});
each!(soa_mname, rrs, |dns, rr, emit| {
    rdata_name(dns, &rr, rtype::SOA, 0, emit)
});
each!(mx_exchange, rrs, |dns, rr, emit| {
    rdata_name(dns, &rr, rtype::MX, 2, emit)
});
each!(srv_target, rrs, |dns, rr, emit| {
    rdata_name(dns, &rr, rtype::SRV, 6, emit)
});
each!(mx_preference, rrs, |dns, rr, emit| {
    if rr.rtype == rtype::MX
        && rr.rdlen > 0
        && let Ok(b) = dns.bytes(rr.rdata_at, 2)
    {
        emit(Value::Uint(be16(b, 0) as u64));
    }
});
each!(srv_port, rrs, |dns, rr, emit| {
    if rr.rtype == rtype::SRV
        && rr.rdlen > 0
        && let Ok(b) = dns.bytes(rr.rdata_at, 6)
    {
        emit(Value::Uint(be16(b, 4) as u64));
    }
});
each!(txt, rrs, |dns, rr, emit| {
    if rr.rtype == rtype::TXT {
        for s in txt_strings(dns.msg, rr.rdata_at, rr.rdlen).map_while(Result::ok) {
            emit(Value::Str(s));
        }
    }
});

fn header_u16<'a>(l: &Layer<'a>, emit: &mut Emit<'_>, get: fn(&Dns<'_>) -> Option<u16>) {
    if let Some(v) = view(l).and_then(get) {
        emit(Value::Uint(v as u64));
    }
}

fn id<'a>(l: &Layer<'a>, _: &Dissection<'a>, emit: &mut Emit<'_>) {
    // tshark reads the id and the flags before it shows either.
    header_u16(l, emit, |d| d.flags().and(d.id()));
}
fn flags<'a>(l: &Layer<'a>, _: &Dissection<'a>, emit: &mut Emit<'_>) {
    header_u16(l, emit, |d| d.flags());
}
fn opcode<'a>(l: &Layer<'a>, _: &Dissection<'a>, emit: &mut Emit<'_>) {
    header_u16(l, emit, |d| d.opcode());
}
fn response<'a>(l: &Layer<'a>, _: &Dissection<'a>, emit: &mut Emit<'_>) {
    if let Some(d) = view(l).filter(|d| d.flags().is_some()) {
        emit(Value::Bool(d.is_response()));
    }
}
fn rcode<'a>(l: &Layer<'a>, _: &Dissection<'a>, emit: &mut Emit<'_>) {
    // tshark shows the reply code of responses only.
    header_u16(l, emit, |d| {
        d.flags()
            .filter(|f| f & flag::RESPONSE != 0)
            .map(|f| f & flag::RCODE)
    });
}

/// A section count under its name for ordinary messages (`update` false) or updates.
macro_rules! count {
    ($fname:ident, $i:expr, $update:expr) => {
        fn $fname<'a>(l: &Layer<'a>, _: &Dissection<'a>, emit: &mut Emit<'_>) {
            header_u16(l, emit, |d| {
                let is_update = d.opcode() == Some(OPCODE_UPDATE);
                d.count($i).filter(|_| is_update == $update || $i == 3)
            });
        }
    };
}
count!(count_queries, 0, false);
count!(count_zones, 0, true);
count!(count_answers, 1, false);
count!(count_prerequisites, 1, true);
count!(count_auth, 2, false);
count!(count_updates, 2, true);
count!(count_add, 3, false);

const fn f(name: &'static str, label: &'static str, ftype: FieldType, x: Extract) -> FieldDef {
    FieldDef::new(name, label, ftype, Proto::Dns, x)
}

/// DNS fields. mDNS layers carry the same fields (tshark registers them under `dns`).
pub static FIELDS: &[FieldDef] = &[
    f("dns.id", "Transaction ID", FieldType::U16, id).hex(),
    f("dns.flags", "Flags", FieldType::U16, flags).hex(),
    f("dns.flags.response", "Response", FieldType::Bool, response),
    f("dns.flags.opcode", "Opcode", FieldType::U16, opcode).values(OPCODES),
    f("dns.flags.rcode", "Reply code", FieldType::U16, rcode).values(RCODES),
    f(
        "dns.count.queries",
        "Questions",
        FieldType::U16,
        count_queries,
    ),
    f("dns.count.zones", "Zones", FieldType::U16, count_zones),
    f(
        "dns.count.answers",
        "Answer RRs",
        FieldType::U16,
        count_answers,
    ),
    f(
        "dns.count.prerequisites",
        "Prerequisites",
        FieldType::U16,
        count_prerequisites,
    ),
    f(
        "dns.count.auth_rr",
        "Authority RRs",
        FieldType::U16,
        count_auth,
    ),
    f(
        "dns.count.updates",
        "Updates",
        FieldType::U16,
        count_updates,
    ),
    f(
        "dns.count.add_rr",
        "Additional RRs",
        FieldType::U16,
        count_add,
    ),
    f("dns.qry.name", "Name", FieldType::Str, qry_name),
    f("dns.qry.type", "Type", FieldType::U16, qry_type).values(TYPES),
    f("dns.qry.class", "Class", FieldType::U16, qry_class).hex(),
    f("dns.qry.qu", "\"QU\" question", FieldType::Bool, qry_qu),
    f("dns.resp.name", "Name", FieldType::Str, resp_name),
    f("dns.resp.type", "Type", FieldType::U16, resp_type).values(TYPES),
    f("dns.resp.class", "Class", FieldType::U16, resp_class).hex(),
    f(
        "dns.resp.cache_flush",
        "Cache flush",
        FieldType::Bool,
        resp_cache_flush,
    ),
    f("dns.resp.ttl", "Time to live", FieldType::U32, resp_ttl),
    f("dns.resp.len", "Data length", FieldType::U16, resp_len),
    f("dns.a", "Address", FieldType::Ipv4, a),
    f("dns.aaaa", "AAAA Address", FieldType::Ipv6, aaaa),
    f("dns.cname", "CNAME", FieldType::Str, cname),
    f("dns.ns", "Name Server", FieldType::Str, ns),
    f("dns.ptr.domain_name", "Domain Name", FieldType::Str, ptr),
    f(
        "dns.soa.mname",
        "Primary name server",
        FieldType::Str,
        soa_mname,
    ),
    f(
        "dns.mx.preference",
        "Preference",
        FieldType::U16,
        mx_preference,
    ),
    f(
        "dns.mx.mail_exchange",
        "Mail Exchange",
        FieldType::Str,
        mx_exchange,
    ),
    f("dns.txt", "TXT", FieldType::Str, txt),
    f("dns.srv.port", "Port", FieldType::U16, srv_port),
    f("dns.srv.target", "Target", FieldType::Str, srv_target),
];
