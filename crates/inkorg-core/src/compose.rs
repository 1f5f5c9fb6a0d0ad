//! Writing a message: a [`Draft`] rendered once into the bytes that go out, as RFC 5322 with
//! MIME (the start of the composer and outbox issue). What the composer and the CLI write is
//! HTML; the message goes out as multipart/alternative with a plain-text part made from it
//! (and multipart/mixed around that with attachments). Headers are right where mail programs
//! get them wrong: the Message-ID names the sender's own domain (never this machine's host
//! name, which lettre would use), In-Reply-To and References thread a reply, names and
//! subjects that are not ASCII are RFC 2047 encoded and file names RFC 2231 (lettre does
//! both), and Bcc never reaches the sent headers but stays in the person's own copy.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::Message;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// A file attached to a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftAttachment {
    pub name: String,
    /// `application/pdf` and so on; `application/octet-stream` when unknown.
    pub mime_type: String,
    pub bytes: Vec<u8>,
}

/// A message as the person wrote it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Draft {
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    pub subject: String,
    /// The body as HTML (the composer's); the plain-text part is made from it.
    pub html: String,
    /// The Message-ID of the message this replies to (with or without `<>`).
    pub in_reply_to: Option<String>,
    /// The thread so far, oldest first (the original's References and its Message-ID).
    pub references: Vec<String>,
    pub attachments: Vec<DraftAttachment>,
}

impl Draft {
    /// A stored draft's fields with its attachments (name, type, bytes), as it is sent.
    pub(crate) fn from_stored(
        f: &crate::store::DraftFields,
        attachments: Vec<(String, String, Vec<u8>)>,
    ) -> Draft {
        Draft {
            to: f.to.clone(),
            cc: f.cc.clone(),
            bcc: f.bcc.clone(),
            subject: f.subject.clone(),
            html: f.html.clone(),
            in_reply_to: f.in_reply_to.clone(),
            references: f.references.clone(),
            attachments: attachments
                .into_iter()
                .map(|(name, mime_type, bytes)| DraftAttachment {
                    name,
                    mime_type,
                    bytes,
                })
                .collect(),
        }
    }
}

/// A draft rendered for sending.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// `<…@sender's domain>`, as in the headers.
    pub message_id: String,
    /// The person's own copy (what goes to Sent), with its Bcc header. The bytes for the
    /// SMTP server are this without Bcc ([`without_bcc`]): the outbox stores one copy.
    pub own_copy: Vec<u8>,
    /// Every recipient of the envelope (To, Cc and Bcc).
    pub recipients: Vec<String>,
}

#[cfg(test)]
impl Rendered {
    /// What goes to the SMTP server: no Bcc header.
    pub fn sent(&self) -> Vec<u8> {
        without_bcc(&self.own_copy)
    }
}

/// `message` without its Bcc header (and the header's folded lines). The body is not
/// touched: only the header block, up to the first empty line, is looked at.
pub fn without_bcc(message: &[u8]) -> Vec<u8> {
    let end = message
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(message.len(), |p| p + 2);
    let (head, body) = message.split_at(end);
    let mut out = Vec::with_capacity(message.len());
    let mut dropping = false;
    for line in head.split_inclusive(|&b| b == b'\n') {
        let folded = matches!(line.first(), Some(b' ' | b'\t'));
        if !folded {
            dropping = line.len() >= 4 && line[..4].eq_ignore_ascii_case(b"bcc:");
        }
        if !dropping {
            out.extend_from_slice(line);
        }
    }
    out.extend_from_slice(body);
    out
}

/// A Message-ID that is unique without a random number generator: a hash of the time, the
/// process, a counter and the message's own words, at the sender's domain.
pub fn new_message_id(sender: &str, salt: &str) -> Result<String> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let domain = sender
        .rsplit_once('@')
        .map(|(_, d)| d.trim().to_ascii_lowercase())
        .filter(|d| !d.is_empty() && !d.contains(['<', '>', ' ', '@']))
        .ok_or_else(|| Error::invalid("from", format!("\"{sender}\" has no domain")))?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut h = Sha256::new();
    h.update(now.to_le_bytes());
    h.update(std::process::id().to_le_bytes());
    h.update(COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    h.update(salt.as_bytes());
    let digest = h.finalize();
    let id: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("<{id}.{}@{domain}>", now / 1_000_000_000))
}

/// A file's type by its name, for an attachment a person adds (what the recipient's mail
/// program needs to show it); `application/octet-stream` when unknown.
pub fn mime_type_for(name: &str) -> &'static str {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("pdf") => "application/pdf",
        Some("txt") => "text/plain",
        Some("html" | "htm") => "text/html",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("zip") => "application/zip",
        Some("ics") => "text/calendar",
        Some("eml") => "message/rfc822",
        Some("docx") => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Some("xlsx") => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Some("odt") => "application/vnd.oasis.opendocument.text",
        _ => "application/octet-stream",
    }
}

/// Plain text as the HTML body of a draft: escaped, each line break a `<br>`.
pub fn text_to_html(text: &str) -> String {
    let lines: Vec<String> = text
        .replace("\r\n", "\n")
        .split('\n')
        .map(crate::reader::escape_text)
        .collect();
    format!("<div>{}</div>", lines.join("<br>"))
}

fn with_brackets(id: &str) -> String {
    let id = id.trim().trim_start_matches('<').trim_end_matches('>');
    format!("<{id}>")
}

fn mailbox(field: &str, address: &str) -> Result<Mailbox> {
    address.trim().parse().map_err(|_| {
        Error::invalid(
            field,
            format!("\"{}\" is not an email address", address.trim()),
        )
    })
}

/// Renders `draft` from `from_name <from_email>`.
pub fn render(from_name: &str, from_email: &str, draft: &Draft) -> Result<Rendered> {
    let no_one = [&draft.to, &draft.cc, &draft.bcc]
        .iter()
        .all(|l| l.iter().all(|a| a.trim().is_empty()));
    if no_one {
        return Err(Error::invalid("to", "the message has no recipient"));
    }
    let message_id = new_message_id(from_email, &format!("{}\n{}", draft.subject, draft.html))?;
    build(from_name, from_email, draft, message_id)
}

/// A version of a draft for the Drafts folder: as it would be sent (Bcc kept), under the
/// draft's own Message-ID, so every version of it is found by that. Recipients may be
/// missing, and an address that is not one yet is left out rather than refused.
pub fn render_draft(
    from_name: &str,
    from_email: &str,
    draft: &Draft,
    message_id: &str,
) -> Result<Vec<u8>> {
    let valid = |l: &[String]| -> Vec<String> {
        l.iter()
            .filter(|a| a.trim().parse::<Mailbox>().is_ok())
            .cloned()
            .collect()
    };
    let draft = Draft {
        to: valid(&draft.to),
        cc: valid(&draft.cc),
        bcc: valid(&draft.bcc),
        ..draft.clone()
    };
    Ok(build(from_name, from_email, &draft, message_id.to_string())?.own_copy)
}

fn build(from_name: &str, from_email: &str, draft: &Draft, message_id: String) -> Result<Rendered> {
    let from = if from_name.trim().is_empty() {
        mailbox("from", from_email)?
    } else {
        Mailbox::new(
            Some(from_name.trim().to_string()),
            mailbox("from", from_email)?.email,
        )
    };
    let mut builder = Message::builder()
        .from(from)
        .subject(draft.subject.clone())
        .date_now()
        .message_id(Some(message_id.clone()))
        // No version: it would tell a stranger nothing useful but what to attack.
        .user_agent("Inkorg".into());
    let mut recipients = Vec::new();
    for (field, list) in [("to", &draft.to), ("cc", &draft.cc), ("bcc", &draft.bcc)] {
        for a in list.iter().filter(|a| !a.trim().is_empty()) {
            let mb = mailbox(field, a)?;
            recipients.push(mb.email.to_string());
            builder = match field {
                "to" => builder.to(mb),
                "cc" => builder.cc(mb),
                _ => builder.bcc(mb),
            };
        }
    }
    if let Some(parent) = draft
        .in_reply_to
        .as_deref()
        .filter(|p| !p.trim().is_empty())
    {
        builder = builder.in_reply_to(with_brackets(parent));
        let mut thread: Vec<String> = draft.references.iter().map(|r| with_brackets(r)).collect();
        let parent = with_brackets(parent);
        if !thread.contains(&parent) {
            thread.push(parent);
        }
        builder = builder.references(thread.join(" "));
    }
    let text = crate::reader::html_to_text(&draft.html);
    let alternative = MultiPart::alternative()
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(text),
        )
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_HTML)
                .body(draft.html.clone()),
        );
    let body = if draft.attachments.is_empty() {
        alternative
    } else {
        let mut mixed = MultiPart::mixed().multipart(alternative);
        for a in &draft.attachments {
            let kind = ContentType::parse(&a.mime_type)
                .or_else(|_| ContentType::parse("application/octet-stream"))
                .map_err(|e| Error::invalid("attachment", e.to_string()))?;
            mixed = mixed.singlepart(Attachment::new(a.name.clone()).body(a.bytes.clone(), kind));
        }
        mixed
    };
    let own = builder
        .keep_bcc()
        .multipart(body)
        .map_err(|e| Error::invalid("message", e.to_string()))?;
    Ok(Rendered {
        message_id,
        own_copy: own.formatted(),
        recipients,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use mail_parser::{MessageParser, MimeHeaders};

    fn swedish() -> Draft {
        Draft {
            to: vec!["Björn Åström <bjorn@example.se>".into()],
            cc: vec!["eva@example.se".into()],
            bcc: vec!["hemlig@example.se".into()],
            subject: "Årsmöte på Gärdet – kallelse".into(),
            html: "<p>Hej Björn!</p><p>Välkommen till <b>årsmötet</b>.</p>".into(),
            in_reply_to: Some("orig@example.se".into()),
            references: vec!["<first@example.se>".into()],
            attachments: vec![DraftAttachment {
                name: "Dagordning för årsmötet.pdf".into(),
                mime_type: "application/pdf".into(),
                bytes: (0..=255u8).cycle().take(300_000).collect(),
            }],
        }
    }

    #[test]
    fn a_swedish_message_reads_back_intact_with_its_attachment_and_thread() {
        let r = render("Åsa Öberg", "asa@företag.se", &swedish()).unwrap();
        let sent_bytes = r.sent();
        let m = MessageParser::default().parse(&sent_bytes).unwrap();
        assert_eq!(m.subject(), Some("Årsmöte på Gärdet – kallelse"));
        let from = m.from().unwrap().first().unwrap();
        assert_eq!(from.name(), Some("Åsa Öberg"));
        assert_eq!(
            m.to().unwrap().first().unwrap().name(),
            Some("Björn Åström")
        );
        assert_eq!(m.in_reply_to().as_text(), Some("orig@example.se"));
        let refs: Vec<String> = m
            .references()
            .as_text_list()
            .map(|l| l.iter().map(ToString::to_string).collect())
            .unwrap_or_default();
        assert_eq!(refs, ["first@example.se", "orig@example.se"]);
        assert!(m.body_text(0).unwrap().contains("Välkommen till årsmötet."));
        assert!(m.body_html(0).unwrap().contains("<b>årsmötet</b>"));
        let att = m.attachment(0).expect("the attachment");
        assert_eq!(att.attachment_name(), Some("Dagordning för årsmötet.pdf"));
        assert_eq!(att.contents(), swedish().attachments[0].bytes.as_slice());
        assert_eq!(
            r.recipients,
            ["bjorn@example.se", "eva@example.se", "hemlig@example.se"]
        );
    }

    #[test]
    fn bcc_never_reaches_the_sent_headers_but_stays_in_my_own_copy() {
        let r = render("Åsa", "asa@example.se", &swedish()).unwrap();
        let sent_bytes = r.sent();
        let sent = String::from_utf8_lossy(&sent_bytes);
        assert!(!sent.to_ascii_lowercase().contains("bcc:"), "{sent}");
        assert!(!sent.contains("hemlig@example.se"));
        let own = MessageParser::default().parse(&r.own_copy).unwrap();
        assert_eq!(
            own.bcc().unwrap().first().unwrap().address(),
            Some("hemlig@example.se")
        );
        let sent_bytes = r.sent();
        let sent = MessageParser::default().parse(&sent_bytes).unwrap();
        assert_eq!(own.message_id(), sent.message_id());
        assert!(String::from_utf8_lossy(&r.sent()).contains("User-Agent: Inkorg\r\n"));
        assert_eq!(
            r.own_copy.len() - r.sent().len(),
            "Bcc: hemlig@example.se\r\n".len(),
            "the same bytes but the one header"
        );
    }

    #[test]
    fn a_long_folded_bcc_goes_whole_and_the_body_is_left_alone() {
        let raw = b"From: a@example.se\r\nBcc: one@example.se,\r\n two@example.se,\r\n\tthree@example.se\r\nSubject: x\r\n\r\nBcc: this line is text\r\n";
        let out = without_bcc(raw);
        assert_eq!(
            String::from_utf8_lossy(&out),
            "From: a@example.se\r\nSubject: x\r\n\r\nBcc: this line is text\r\n"
        );
    }

    #[test]
    fn the_message_id_names_the_senders_domain_never_this_machine() {
        let r = render("", "asa@example.se", &swedish()).unwrap();
        assert!(r.message_id.ends_with("@example.se>"), "{}", r.message_id);
        let sent_bytes = r.sent();
        let m = MessageParser::default().parse(&sent_bytes).unwrap();
        assert_eq!(Some(r.message_id.trim_matches(['<', '>'])), m.message_id());
        let other = render("", "asa@example.se", &swedish()).unwrap();
        assert_ne!(r.message_id, other.message_id, "each message its own id");
        assert!(new_message_id("no-domain", "").is_err());
    }

    #[test]
    fn a_message_without_attachments_is_just_the_alternative_and_needs_a_recipient() {
        let d = Draft {
            to: vec!["bo@example.se".into()],
            subject: "Hej".into(),
            html: "<p>Kort.</p>".into(),
            ..Draft::default()
        };
        let r = render("", "asa@example.se", &d).unwrap();
        let sent_bytes = r.sent();
        let text = String::from_utf8_lossy(&sent_bytes);
        assert!(text.contains("multipart/alternative"), "{text}");
        assert!(!text.contains("multipart/mixed"));
        assert!(!text.contains("In-Reply-To"));
        let none = Draft {
            to: Vec::new(),
            ..d.clone()
        };
        assert!(render("", "asa@example.se", &none).is_err());
        let bad = Draft {
            to: vec!["inte en adress".into()],
            ..d
        };
        assert!(matches!(
            render("", "asa@example.se", &bad),
            Err(Error::InvalidInput { .. })
        ));
    }

    /// Python's email package, as a second, independent reader of what we send.
    #[test]
    fn an_independent_decoder_reads_the_same_subject_names_and_file_name() {
        let r = render("Åsa Öberg", "asa@example.se", &swedish()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.eml");
        std::fs::write(&path, r.sent()).unwrap();
        let py = r#"
import email, email.policy, hashlib, sys
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
att = next(m.iter_attachments())
print(m['subject']); print(m['from']); print(att.get_filename())
print(hashlib.sha256(att.get_content()).hexdigest())
print(m.get_body(('plain',)).get_content().strip())
"#;
        let out = std::process::Command::new("python3")
            .args(["-c", py])
            .arg(&path)
            .output()
            .expect("python3");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "Årsmöte på Gärdet – kallelse");
        assert_eq!(lines[1], "Åsa Öberg <asa@example.se>");
        assert_eq!(lines[2], "Dagordning för årsmötet.pdf");
        let want: String = Sha256::digest(&swedish().attachments[0].bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(lines[3], want);
        assert!(text.contains("Välkommen till årsmötet."), "{text}");
    }
}
