//! Decoding message headers into what the message list shows. Pure: bytes in, fields out; never
//! fails, since a malformed header must not lose the message (missing fields stay empty).
//!
//! Old Swedish mail often carries raw 8-bit Latin-1 in headers. mail-parser would turn those
//! bytes into U+FFFD, so header lines that are not valid UTF-8 are first decoded as
//! Windows-1252 (a superset of Latin-1 in the printable range) and re-encoded as UTF-8.

use mail_parser::{Address, HeaderValue, MessageParser, MimeHeaders};
use std::borrow::Cow;

/// The fields of one message that the list and threading need.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderSummary {
    pub from_name: String,
    pub from_addr: String,
    /// Recipients as "Name <addr>, …".
    pub to: String,
    pub cc: String,
    pub subject: String,
    /// Seconds since the epoch from the Date header, if it parses.
    pub date: Option<i64>,
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    /// Message-IDs, space-separated, oldest first.
    pub references: String,
    /// A multipart/mixed (or similar) body: shown with an attachment mark.
    pub has_attachment: bool,
}

/// Decodes a header block (as fetched with `BODY.PEEK[HEADER.FIELDS (…)]`).
pub fn parse_headers(raw: &[u8]) -> HeaderSummary {
    let fixed = utf8_header_lines(raw);
    let parser = MessageParser::default();
    let Some(msg) = parser.parse_headers(fixed.as_ref()) else {
        return HeaderSummary::default();
    };
    let (from_name, from_addr) = msg
        .from()
        .and_then(Address::first)
        .map(|a| {
            (
                clean(a.name().unwrap_or_default()),
                a.address().unwrap_or_default().trim().to_string(),
            )
        })
        .unwrap_or_default();
    let has_attachment = msg
        .content_type()
        .map(|ct| {
            ct.ctype().eq_ignore_ascii_case("multipart")
                && ct
                    .subtype()
                    .is_some_and(|s| s.eq_ignore_ascii_case("mixed"))
        })
        .unwrap_or(false);
    HeaderSummary {
        from_name,
        from_addr,
        to: address_list(msg.to()),
        cc: address_list(msg.cc()),
        subject: clean(msg.subject().unwrap_or_default()),
        date: msg.date().map(|d| d.to_timestamp()),
        message_id: msg.message_id().map(|m| m.trim().to_string()),
        in_reply_to: id_list(msg.in_reply_to()).into_iter().next(),
        references: id_list(msg.references()).join(" "),
        has_attachment,
    }
}

/// Returns the header block with every line that is not valid UTF-8 decoded in the charset the
/// message itself declares (Korean, Japanese and Russian mail often carries raw 8-bit headers
/// in it), else as Windows-1252; and lines with unencoded ISO-2022-JP escape sequences decoded
/// as ISO-2022-JP.
pub fn utf8_header_lines(raw: &[u8]) -> Cow<'_, [u8]> {
    let utf8 = std::str::from_utf8(raw).is_ok();
    if utf8 && !raw.contains(&0x1b) {
        return Cow::Borrowed(raw);
    }
    let declared = declared_charset(raw)
        .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()))
        .filter(|e| *e != encoding_rs::UTF_8 && *e != encoding_rs::REPLACEMENT);
    let mut out = Vec::with_capacity(raw.len() + 32);
    for line in raw.split_inclusive(|b| *b == b'\n') {
        if line.contains(&0x1b) {
            let (text, _, _) = encoding_rs::ISO_2022_JP.decode(line);
            out.extend_from_slice(text.as_bytes());
        } else if std::str::from_utf8(line).is_ok() {
            out.extend_from_slice(line);
        } else {
            let text = declared
                .and_then(|e| e.decode_without_bom_handling_and_without_replacement(line))
                .unwrap_or_else(|| encoding_rs::WINDOWS_1252.decode(line).0);
            out.extend_from_slice(text.as_bytes());
        }
    }
    Cow::Owned(out)
}

/// The `charset` of the header block's Content-Type, if it has one.
fn declared_charset(raw: &[u8]) -> Option<String> {
    let mut in_ct = false;
    for line in raw.split(|b| *b == b'\n') {
        let continued = line.first().is_some_and(|b| *b == b' ' || *b == b'\t');
        if !continued {
            in_ct = line.len() >= 13 && line[..13].eq_ignore_ascii_case(b"content-type:");
        }
        if !in_ct {
            continue;
        }
        let lower = String::from_utf8_lossy(line).to_ascii_lowercase();
        if let Some(at) = lower.find("charset=") {
            let value: String = lower[at + 8..]
                .trim_start_matches(['"', '\''])
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
                .collect();
            if !value.is_empty() {
                return Some(value);
            }
        }
    }
    None
}

/// Folds whitespace and drops control characters, for one-line display.
fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().filter(|c| !c.is_control()));
    }
    out
}

fn address_list(a: Option<&Address<'_>>) -> String {
    let Some(a) = a else { return String::new() };
    a.iter()
        .map(|addr| {
            let name = clean(addr.name().unwrap_or_default());
            let email = addr.address().unwrap_or_default().trim();
            match (name.is_empty(), email.is_empty()) {
                (true, _) => email.to_string(),
                (false, true) => name,
                (false, false) => format!("{name} <{email}>"),
            }
        })
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

fn id_list(v: &HeaderValue<'_>) -> Vec<String> {
    v.as_text_list()
        .map(|l| l.iter().map(|s| s.trim().to_string()).collect())
        .unwrap_or_default()
}

#[cfg(test)]
#[path = "mime_tests.rs"]
mod tests;
