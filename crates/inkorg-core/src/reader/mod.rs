//! Reading a message: the raw RFC 5322 bytes in, what the reader shows out. Pure and
//! synchronous (the engine runs it off the async threads): MIME structure and charsets by
//! mail-parser, the best part of an alternative, inline `cid:` images, text/plain with
//! format=flowed and quotes, HTML sanitised ([`html`], [`css`]), remote content counted and
//! blocked unless allowed, attachments listed with safe file names. Broken mail is shown as
//! well as it can be: this never fails and never panics on input.

mod css;
mod html;
mod links;
mod plain;
mod text;

use std::collections::HashMap;
use std::sync::Arc;

use mail_parser::{Address, MessageParser, MessagePart, MimeHeaders, PartType};
use serde::Serialize;

use crate::personal::Language;

pub use links::{LinkReason, LinkWarning};

/// How to show a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadOptions {
    /// Load remote images, styles and fonts (the person said "show" for this message or this
    /// sender).
    pub remote: bool,
    /// Show inline (`cid:`) images (Email options' "Visa interna bilder").
    pub inline_images: bool,
    /// The language of the few words the reader adds (a collapsed quote's summary).
    pub language: Language,
}

/// The decoded headers the reader shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReaderHeaders {
    /// "Name <address>", or the address alone.
    pub from: String,
    pub from_addr: String,
    pub reply_to: String,
    pub to: String,
    pub cc: String,
    pub subject: String,
    /// Seconds since the epoch, when the Date header parses.
    pub date: Option<i64>,
}

/// One attachment as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentInfo {
    /// What `save_attachment` takes.
    pub index: u32,
    /// A safe file name (see [`safe_file_name`]).
    pub name: String,
    /// Decoded bytes.
    pub size: u64,
    pub mime_type: String,
    /// A forwarded message (message/rfc822): opens in the viewer.
    pub is_message: bool,
    /// A program or script: opening it asks first.
    pub risky: bool,
}

/// A message ready to read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageBody {
    pub headers: ReaderHeaders,
    /// The sanitised body (an HTML fragment; text/plain turned into HTML).
    pub html: String,
    /// The mail's own stylesheet, filtered.
    pub styles: String,
    /// The text a person reads: the plain text, or the text of the sanitised HTML.
    pub text: String,
    /// Shown from an HTML part (else from text/plain).
    pub from_html: bool,
    /// How many remote references (images, styles, fonts) the message has; blocked unless
    /// `ReadOptions::remote`.
    pub remote_content: u32,
    /// Inline images not shown because inline images are off.
    pub hidden_inline_images: u32,
    pub attachments: Vec<AttachmentInfo>,
    /// Links to show before they open (see [`LinkWarning`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<LinkWarning>,
}

/// What the sanitisers look things up in.
pub(crate) struct Resources {
    pub remote: bool,
    pub inline_images: bool,
    /// Content-ID (lowercase, without `<>`) to a `data:` URI.
    cids: HashMap<String, String>,
}

impl Resources {
    pub fn cid(&self, id: &str) -> Option<&str> {
        let id = id.trim().trim_start_matches('<').trim_end_matches('>');
        let id = percent_decode(id).to_ascii_lowercase();
        self.cids.get(&id).map(String::as_str)
    }

    /// A `cid:` image as shown: its `data:` URI with "Visa interna bilder" on; counted as
    /// hidden when it is off; nothing for a part the message does not have.
    pub fn inline_image(&self, id: &str, found: &mut css::Found) -> Option<String> {
        let uri = self.cid(id)?;
        if self.inline_images {
            Some(uri.to_string())
        } else {
            found.hidden_inline += 1;
            None
        }
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The header block with raw 8-bit lines decoded (see [`crate::mime::utf8_header_lines`]),
/// followed by the body as it was.
fn with_readable_headers(raw: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let end = find(raw, b"\r\n\r\n")
        .map(|i| i + 4)
        .or_else(|| find(raw, b"\n\n").map(|i| i + 2))
        .unwrap_or(raw.len());
    match crate::mime::utf8_header_lines(&raw[..end]) {
        std::borrow::Cow::Borrowed(_) => std::borrow::Cow::Borrowed(raw),
        std::borrow::Cow::Owned(mut fixed) => {
            fixed.extend_from_slice(&raw[end..]);
            std::borrow::Cow::Owned(fixed)
        }
    }
}

fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).position(|w| w == n)
}

/// Reads a message. Never fails: what cannot be parsed is shown as text.
pub fn read(raw: &[u8], opts: &ReadOptions) -> MessageBody {
    let fixed = with_readable_headers(raw);
    let parser = MessageParser::default();
    let Some(msg) = parser.parse(fixed.as_ref()) else {
        // Not even headers: show the bytes as text.
        let body = String::from_utf8_lossy(raw).into_owned();
        let lines = plain::lines(&body, false, false);
        return MessageBody {
            headers: ReaderHeaders::default(),
            html: plain::html(&lines, quote_label(opts.language)),
            styles: String::new(),
            text: plain::text(&lines),
            from_html: false,
            remote_content: 0,
            hidden_inline_images: 0,
            attachments: Vec::new(),
            links: Vec::new(),
        };
    };
    let headers = reader_headers(&msg);

    // Parts that an HTML body refers to by Content-ID are part of the body, not attachments.
    let mut cids = HashMap::new();
    let mut cid_parts = Vec::new();
    for (i, part) in msg.parts.iter().enumerate() {
        if let (Some(id), PartType::Binary(_) | PartType::InlineBinary(_)) =
            (part.content_id(), &part.body)
        {
            let mime = mime_type(part);
            if mime.starts_with("image/") && html::is_data_image(&format!("data:{mime};")) {
                let id = id.trim().trim_start_matches('<').trim_end_matches('>');
                cids.insert(id.to_ascii_lowercase(), data_uri(&mime, part.contents()));
                cid_parts.push(i);
            }
        }
    }
    let res = Arc::new(Resources {
        remote: opts.remote,
        inline_images: opts.inline_images,
        cids,
    });

    let mut out_html = String::new();
    let mut styles = String::new();
    let mut text = String::new();
    let mut found = css::Found::default();
    let mut from_html = false;
    let mut shown_inline: Vec<usize> = Vec::new();
    let body_ids: &[u32] = if msg.html_body.is_empty() {
        &msg.text_body
    } else {
        &msg.html_body
    };
    for &id in body_ids {
        let Some(part) = msg.parts.get(id as usize) else {
            continue;
        };
        match &part.body {
            PartType::Html(h) => {
                let s = html::sanitize(h, &res);
                found.add(s.found);
                push_text(&mut text, &text::html_text(&s.body));
                out_html.push_str(&s.body);
                styles.push_str(&s.styles);
                from_html = true;
            }
            PartType::Text(t) => {
                let (flowed, delsp) = flowed(part);
                let utf7 = is_utf7(part).then(|| text::utf7(&transfer_decoded(&fixed, part)));
                let lines = plain::lines(utf7.as_deref().unwrap_or(t), flowed, delsp);
                push_text(&mut text, &plain::text(&lines));
                out_html.push_str(&plain::html(&lines, quote_label(opts.language)));
            }
            PartType::Binary(b) | PartType::InlineBinary(b) => {
                let mime = mime_type(part);
                if mime.starts_with("image/") && html::is_data_image(&format!("data:{mime};")) {
                    if cid_parts.contains(&(id as usize)) && from_html {
                        continue;
                    }
                    if opts.inline_images {
                        out_html.push_str("<p><img class=\"inkorg-inline\" alt=\"\" src=\"");
                        out_html.push_str(&data_uri(&mime, b));
                        out_html.push_str("\"></p>");
                        shown_inline.push(id as usize);
                    } else {
                        found.hidden_inline += 1;
                    }
                }
            }
            _ => {}
        }
    }

    // A multipart whose boundary never appears has no parts: its body is shown as text.
    let unparsed = msg
        .parts
        .iter()
        .find(|p| body_ids.is_empty() && mime_type(p).starts_with("multipart/"));
    if let Some(part) = unparsed {
        let raw_body = part.contents();
        let body = match std::str::from_utf8(raw_body) {
            Ok(s) => s.to_string(),
            Err(_) => encoding_rs::WINDOWS_1252.decode(raw_body).0.into_owned(),
        };
        let lines = plain::lines(&body, false, false);
        push_text(&mut text, &plain::text(&lines));
        out_html.push_str(&plain::html(&lines, quote_label(opts.language)));
    }

    // HTML that referred to a cid: part used it; cid parts no HTML used stay attachments.
    let used_cids: Vec<usize> = if from_html {
        cid_parts
            .iter()
            .copied()
            .filter(|i| {
                msg.parts[*i]
                    .content_id()
                    .is_some_and(|id| body_mentions_cid(&msg, id))
            })
            .collect()
    } else {
        Vec::new()
    };
    let attachments = msg
        .attachments
        .iter()
        .enumerate()
        .filter(|(_, id)| !used_cids.contains(&(**id as usize)))
        .filter_map(|(n, id)| {
            let part = msg
                .parts
                .get(*id as usize)
                .filter(|p| !mime_type(p).starts_with("multipart/"))?;
            Some(attachment_info(n as u32, part))
        })
        .collect();
    let links = links::warnings(&out_html);
    MessageBody {
        headers,
        html: out_html,
        styles,
        text,
        from_html,
        remote_content: found.remote,
        hidden_inline_images: found.hidden_inline,
        links,
        attachments,
    }
}

/// Whether an HTML body part refers to this Content-ID.
fn body_mentions_cid(msg: &mail_parser::Message<'_>, id: &str) -> bool {
    let id = id
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_ascii_lowercase();
    msg.html_body.iter().any(|p| {
        msg.parts
            .get(*p as usize)
            .is_some_and(|part| match &part.body {
                PartType::Html(h) => h.to_ascii_lowercase().contains(&format!("cid:{id}")),
                _ => false,
            })
    })
}

fn push_text(out: &mut String, t: &str) {
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(t.trim_end_matches(['\n', '\r']));
    out.push('\n');
}

fn quote_label(lang: Language) -> &'static str {
    match lang {
        Language::Sv => "Citerad text ({n} rader)",
        Language::En | Language::System => "Quoted text ({n} lines)",
    }
}

fn flowed(part: &MessagePart<'_>) -> (bool, bool) {
    let Some(ct) = part.content_type() else {
        return (false, false);
    };
    let flowed = ct
        .attribute("format")
        .is_some_and(|f| f.trim().eq_ignore_ascii_case("flowed"));
    let delsp = ct
        .attribute("delsp")
        .is_some_and(|d| d.trim().eq_ignore_ascii_case("yes"));
    (flowed, delsp)
}

fn is_utf7(part: &MessagePart<'_>) -> bool {
    part.content_type()
        .and_then(|ct| ct.attribute("charset"))
        .is_some_and(|c| {
            let c = c.trim().to_ascii_lowercase();
            c == "utf-7" || c == "utf7" || c == "unicode-1-1-utf-7" || c == "csunicode11utf7"
        })
}

/// A part's body with its Content-Transfer-Encoding undone (not its charset).
fn transfer_decoded(raw: &[u8], part: &MessagePart<'_>) -> Vec<u8> {
    let start = part.raw_body_offset() as usize;
    let end = (part.raw_end_offset() as usize).min(raw.len());
    let body = raw.get(start..end).unwrap_or_default();
    let cte = part
        .content_transfer_encoding()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let decoded = match cte.as_str() {
        "base64" => mail_parser::decoders::base64::base64_decode(body),
        "quoted-printable" => {
            mail_parser::decoders::quoted_printable::quoted_printable_decode(body)
        }
        _ => None,
    };
    decoded.unwrap_or_else(|| body.to_vec())
}

fn mime_type(part: &MessagePart<'_>) -> String {
    match part.content_type() {
        Some(ct) => {
            let sub = ct.subtype().unwrap_or("octet-stream");
            format!("{}/{}", ct.ctype(), sub).to_ascii_lowercase()
        }
        None => match part.body {
            PartType::Text(_) => "text/plain".into(),
            PartType::Html(_) => "text/html".into(),
            PartType::Message(_) => "message/rfc822".into(),
            _ => "application/octet-stream".into(),
        },
    }
}

fn data_uri(mime: &str, bytes: &[u8]) -> String {
    use base64::Engine as _;
    format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

fn attachment_info(index: u32, part: &MessagePart<'_>) -> AttachmentInfo {
    let mime = mime_type(part);
    let is_message = matches!(part.body, PartType::Message(_));
    let suggested = part
        .attachment_name()
        .map(str::to_string)
        .or_else(|| match &part.body {
            PartType::Message(m) => m.subject().map(|s| format!("{s}.eml")),
            _ => None,
        });
    let name = safe_file_name(suggested.as_deref().unwrap_or(""), &mime);
    AttachmentInfo {
        index,
        risky: is_risky(&name, &mime),
        name,
        size: part.contents().len() as u64,
        mime_type: mime,
        is_message,
    }
}

/// One attachment's decoded bytes, for saving or opening.
#[derive(Debug, Clone)]
pub struct AttachmentData {
    pub info: AttachmentInfo,
    pub bytes: Vec<u8>,
}

/// The attachment at `index` of [`MessageBody::attachments`] (the `index` field).
pub fn attachment(raw: &[u8], index: u32) -> Option<AttachmentData> {
    let fixed = with_readable_headers(raw);
    let msg = MessageParser::default().parse(fixed.as_ref())?;
    let id = *msg.attachments.get(index as usize)?;
    let part = msg.parts.get(id as usize)?;
    Some(AttachmentData {
        info: attachment_info(index, part),
        bytes: part.contents().to_vec(),
    })
}

/// What a message frame shows, and the addresses its links stand for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub html: String,
    /// `?link=N` in `html` stands for `links[N]` (see [`Document::link`]).
    pub links: Vec<String>,
}

impl Document {
    /// The address behind the link a click in the frame asked for (`?link=N`).
    pub fn link(&self, n: usize) -> Option<&str> {
        self.links.get(n).map(String::as_str)
    }
}

/// The plain text of HTML the person wrote (the composer's), as the reader would show it: the
/// alternative part a message goes out with. Cleaned first, so the markup is well formed.
pub(crate) fn html_to_text(html: &str) -> String {
    let clean = ammonia::clean(html);
    let text = text::html_text(&clean);
    text.trim_end().to_string() + "\n"
}

/// `text` safe inside HTML.
pub(crate) fn escape_text(text: &str) -> String {
    plain::escape(text)
}

/// The raw bytes of a message forwarded inside `raw` (message/rfc822 attachments), `path`
/// naming the attachment index at each level; `None` when a step is not a message.
pub fn nested(raw: &[u8], path: &[u32]) -> Option<Vec<u8>> {
    let mut current = raw.to_vec();
    for &index in path {
        let part = attachment(&current, index)?;
        if !part.info.is_message {
            return None;
        }
        current = part.bytes;
    }
    Some(current)
}

/// The document a frame shows: the sanitised body with the mail's filtered stylesheet and a
/// few rules of the reader's own. No script, no base, nothing that loads by itself; links
/// point back at the frame's own address (`?link=N`), so a click never leaves the frame.
pub fn document(body: &MessageBody) -> Document {
    let plain = if body.from_html {
        ""
    } else {
        " class=\"inkorg-plain-mail\""
    };
    let (html, links) = links::route(&body.html);
    Document {
        html: format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\
             <meta name=\"referrer\" content=\"no-referrer\">\
             <style>{BASE_CSS}</style><style>{}</style></head><body{plain}>{html}</body></html>",
            body.styles
        ),
        links,
    }
}

/// What "Skriv ut" prints: the message's headers (labelled in `language`; `date` as the
/// reading pane shows it) above its body, in the same sanitised document.
pub fn print_document(body: &MessageBody, language: Language, date: &str) -> Document {
    let labels: [&str; 5] = match language {
        Language::Sv => ["Från", "Till", "Kopia", "Datum", "Ämne"],
        Language::En | Language::System => ["From", "To", "Cc", "Date", "Subject"],
    };
    let h = &body.headers;
    let mut rows = String::new();
    for (label, value) in labels
        .iter()
        .zip([&h.from, &h.to, &h.cc, &date.to_string(), &h.subject])
    {
        if !value.is_empty() {
            rows.push_str(&format!(
                "<tr><th>{}</th><td>{}</td></tr>",
                plain::escape(label),
                plain::escape(value)
            ));
        }
    }
    let with_headers = MessageBody {
        html: format!(
            "<table class=\"inkorg-print-headers\">{rows}</table><hr>{}",
            body.html
        ),
        ..body.clone()
    };
    let mut doc = document(&with_headers);
    doc.html = doc.html.replacen(
        "<style>",
        "<style>@media print{body{margin:0}}.inkorg-print-headers{border-collapse:collapse;margin-bottom:8px}\
         .inkorg-print-headers th{text-align:left;padding:1px 12px 1px 0;color:#555;font-weight:600}</style><style>",
        1,
    );
    doc
}

/// The reader's own rules: readable text, nothing wider than the pane, quotes marked.
const BASE_CSS: &str = "html{color-scheme:light}\
body{margin:16px;font:14px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1b1f24;\
background:#fff;overflow-wrap:anywhere}\
img{max-width:100%;height:auto}\
.inkorg-plain{white-space:pre-wrap;font-family:inherit}\
.inkorg-plain blockquote{margin:4px 0;padding-left:10px;border-left:3px solid #8a94a6;color:#3b4452}\
.inkorg-plain blockquote blockquote{border-left-color:#b5bdc9}\
details.inkorg-quote>summary{cursor:pointer;color:#3b4452}\
@media print{body{margin:0}}";

/// The Content-Security-Policy a message frame is served with: nothing runs, nothing loads but
/// the message's own inline styles and `data:` images, unless remote content is allowed.
pub fn content_security_policy(remote: bool) -> String {
    let remote_src = if remote { " https: http:" } else { "" };
    format!(
        "default-src 'none'; style-src 'unsafe-inline'{remote_src}; img-src data:{remote_src}; \
         font-src data:{remote_src}; media-src 'none'; script-src 'none'; object-src 'none'; \
         frame-src 'none'; child-src 'none'; connect-src 'none'; form-action 'none'; \
         base-uri 'none'; sandbox"
    )
}

/// A file name that is safe to save on Windows, macOS and Linux: no folders (`/`, `\`, `..`),
/// no control, bidi or invisible characters, none of the names Windows reserves, no trailing
/// dots or spaces, at most 150 characters (the extension kept). Empty becomes "attachment"
/// with an extension from the MIME type.
pub fn safe_file_name(name: &str, mime: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let mut s: String = base
        .chars()
        .filter(|c| !c.is_control() && !crate::text::is_spoofing(*c))
        .map(|c| match c {
            '<' | '>' | ':' | '"' | '|' | '?' | '*' => '_',
            c => c,
        })
        .collect();
    s = s.trim().trim_start_matches('.').to_string();
    while s.ends_with('.') || s.ends_with(' ') {
        s.pop();
    }
    if s.is_empty() {
        s = format!("attachment{}", extension_for(mime));
    }
    let stem = s
        .split('.')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_uppercase();
    const RESERVED: [&str; 4] = ["CON", "PRN", "AUX", "NUL"];
    let reserved = RESERVED.contains(&stem.as_str())
        || ((stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.len() == 4
            && stem.as_bytes()[3].is_ascii_digit());
    if reserved {
        s.insert(0, '_');
    }
    const MAX: usize = 150;
    if s.chars().count() > MAX {
        let (stem, ext) = match s.rfind('.') {
            Some(dot) if s.len() - dot <= 10 => (&s[..dot], &s[dot..]),
            _ => (s.as_str(), ""),
        };
        let keep = MAX - ext.chars().count();
        s = stem.chars().take(keep).collect::<String>() + ext;
    }
    s
}

fn extension_for(mime: &str) -> &'static str {
    match mime {
        "text/plain" => ".txt",
        "text/html" => ".html",
        "text/calendar" => ".ics",
        "message/rfc822" => ".eml",
        "application/pdf" => ".pdf",
        "image/png" => ".png",
        "image/jpeg" => ".jpg",
        "image/gif" => ".gif",
        _ => ".bin",
    }
}

/// Programs, scripts, installers and documents that run code when opened.
fn is_risky(name: &str, mime: &str) -> bool {
    const EXT: &[&str] = &[
        "exe",
        "com",
        "bat",
        "cmd",
        "scr",
        "pif",
        "cpl",
        "msi",
        "msp",
        "msc",
        "jar",
        "js",
        "jse",
        "vbs",
        "vbe",
        "wsf",
        "wsh",
        "ps1",
        "psm1",
        "hta",
        "lnk",
        "reg",
        "inf",
        "scf",
        "sh",
        "bash",
        "zsh",
        "csh",
        "command",
        "app",
        "pkg",
        "dmg",
        "deb",
        "rpm",
        "run",
        "appimage",
        "desktop",
        "py",
        "pl",
        "rb",
        "php",
        "html",
        "htm",
        "xhtml",
        "svg",
        "shtml",
        "mht",
        "mhtml",
        "iso",
        "img",
        "vhd",
        "vhdx",
        "docm",
        "xlsm",
        "pptm",
        "dotm",
        "xlam",
        "applescript",
        "scpt",
        "workflow",
        "url",
        "website",
        "library-ms",
        "settingcontent-ms",
    ];
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    EXT.contains(&ext.as_str())
        || mime.contains("javascript")
        || mime.contains("x-msdownload")
        || mime.contains("x-sh")
        || mime == "text/html"
}

fn reader_headers(msg: &mail_parser::Message<'_>) -> ReaderHeaders {
    let (from, from_addr) = match msg.from().and_then(Address::first) {
        Some(a) => (
            person(a.name(), a.address()),
            a.address().unwrap_or_default().trim().to_string(),
        ),
        None => (String::new(), String::new()),
    };
    ReaderHeaders {
        from,
        from_addr,
        reply_to: addresses(msg.reply_to()),
        to: addresses(msg.to()),
        cc: addresses(msg.cc()),
        subject: one_line(msg.subject().unwrap_or_default()),
        date: msg.date().map(|d| d.to_timestamp()),
    }
}

fn person(name: Option<&str>, addr: Option<&str>) -> String {
    let name = one_line(name.unwrap_or_default());
    let addr = addr.unwrap_or_default().trim();
    match (name.is_empty(), addr.is_empty()) {
        (true, _) => addr.to_string(),
        (false, true) => name,
        (false, false) => format!("{name} <{addr}>"),
    }
}

fn addresses(a: Option<&Address<'_>>) -> String {
    let Some(a) = a else { return String::new() };
    a.iter()
        .map(|x| person(x.name(), x.address()))
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests;
