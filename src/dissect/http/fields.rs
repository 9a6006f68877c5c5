//! The HTTP fields of the registry (`http.request.method`, `http.host`, ...): the [`FIELDS`]
//! table and its extractors, which read the start line and headers of each message a layer
//! shows.

use super::parse::parse_u64;
use super::{Http, HttpKind, StartLine, header_in};
use crate::dissect::field::{Emit, Extract, FieldDef, Needs};
use crate::dissect::{Dissection, Layer, Proto, View};
use crate::value::{FieldType, Value};

fn view<'l, 'a>(l: &'l Layer<'a>) -> Option<&'l Http<'a>> {
    match &l.view {
        View::Http(h) => Some(h),
        _ => None,
    }
}

/// Calls `f` with the start line and header block of each message a layer shows: those it
/// starts, or, on a frame that completes a message begun in earlier segments, the start line
/// and framing headers the PDU tracker kept.
fn each_message<'a>(l: &Layer<'a>, d: &Dissection<'a>, f: &mut dyn FnMut(&StartLine<'_>, &[u8])) {
    let Some(h) = view(l) else { return };
    for head in h.heads() {
        f(&head.start, head.headers);
    }
    if h.kind() == HttpKind::Continuation
        && let Some(m) = crate::dissect::generated::completed_message(d)
        && let Some(start) = StartLine::parse(m.line())
    {
        f(&start, m.headers());
    }
}

/// Declares an extractor over [`each_message`].
macro_rules! message_field {
    ($fname:ident, |$layer:ident, $start:ident, $headers:ident, $emit:ident| $body:block) => {
        fn $fname<'a>($layer: &Layer<'a>, d: &Dissection<'a>, $emit: &mut Emit<'_>) {
            each_message($layer, d, &mut |$start, $headers| {
                let _ = ($start, $headers);
                $body
            });
        }
    };
}

/// GENA methods (UPnP): tshark marks them `http.notification` instead of `http.request`.
fn is_notification(start: &StartLine<'_>) -> bool {
    matches!(start, StartLine::Request { method, .. }
        if [&b"NOTIFY"[..], b"SUBSCRIBE", b"UNSUBSCRIBE"].contains(method))
}

message_field!(request, |l, start, headers, emit| {
    if start.is_request() && !is_notification(start) {
        emit(Value::Bool(true));
    }
});
message_field!(notification, |l, start, headers, emit| {
    if is_notification(start) {
        emit(Value::Bool(true));
    }
});
message_field!(response, |l, start, headers, emit| {
    if !start.is_request() {
        emit(Value::Bool(true));
    }
});
message_field!(method, |l, start, headers, emit| {
    if let StartLine::Request { method, .. } = start {
        emit(Value::Str(method));
    }
});
message_field!(uri, |l, start, headers, emit| {
    if let StartLine::Request { uri, .. } = start {
        emit(Value::Str(uri));
    }
});
message_field!(request_version, |l, start, headers, emit| {
    if let StartLine::Request { version, .. } = start
        && !version.is_empty()
    {
        emit(Value::Str(version));
    }
});
message_field!(response_version, |l, start, headers, emit| {
    if let StartLine::Response { version, .. } = start {
        emit(Value::Str(version));
    }
});
message_field!(code, |l, start, headers, emit| {
    if let StartLine::Response { code: Some(c), .. } = start {
        emit(Value::Uint(*c as u64));
    }
});
message_field!(phrase, |l, start, headers, emit| {
    if let StartLine::Response { phrase, .. } = start {
        emit(Value::Str(phrase));
    }
});

/// An extractor for the value of one header.
macro_rules! header_field {
    ($fname:ident, $name:literal) => {
        message_field!($fname, |l, start, headers, emit| {
            if let Some(v) = header_in(headers, $name) {
                emit(Value::Str(v));
            }
        });
    };
}
header_field!(host, "host");
header_field!(user_agent, "user-agent");
header_field!(server, "server");
header_field!(content_type, "content-type");
header_field!(content_length_header, "content-length");

message_field!(content_length, |l, start, headers, emit| {
    if let Some(n) = header_in(headers, "content-length").and_then(parse_u64) {
        emit(Value::Uint(n));
    }
});

/// An HTTP field. Its values depend on which segments complete a message, so it needs the
/// TCP analysis (which runs the PDU tracker).
const fn f(name: &'static str, label: &'static str, ftype: FieldType, x: Extract) -> FieldDef {
    let mut def = FieldDef::new(name, label, ftype, Proto::Http, x);
    def.needs = Needs::TCP;
    def
}

/// HTTP fields. SSDP layers carry the same fields (tshark dissects SSDP with its HTTP
/// dissector).
pub static FIELDS: &[FieldDef] = &[
    f("http.request", "Request", FieldType::Bool, request).hidden(),
    f("http.response", "Response", FieldType::Bool, response).hidden(),
    f(
        "http.notification",
        "Notification",
        FieldType::Bool,
        notification,
    )
    .hidden(),
    f(
        "http.request.method",
        "Request Method",
        FieldType::Str,
        method,
    ),
    f("http.request.uri", "Request URI", FieldType::Str, uri),
    f(
        "http.request.version",
        "Request Version",
        FieldType::Str,
        request_version,
    ),
    f(
        "http.response.version",
        "Response Version",
        FieldType::Str,
        response_version,
    ),
    f("http.response.code", "Status Code", FieldType::U16, code),
    f(
        "http.response.phrase",
        "Response Phrase",
        FieldType::Str,
        phrase,
    ),
    f("http.host", "Host", FieldType::Str, host),
    f("http.user_agent", "User-Agent", FieldType::Str, user_agent),
    f("http.server", "Server", FieldType::Str, server),
    f(
        "http.content_type",
        "Content-Type",
        FieldType::Str,
        content_type,
    ),
    f(
        "http.content_length_header",
        "Content-Length",
        FieldType::Str,
        content_length_header,
    ),
    f(
        "http.content_length",
        "Content length",
        FieldType::U64,
        content_length,
    ),
];
