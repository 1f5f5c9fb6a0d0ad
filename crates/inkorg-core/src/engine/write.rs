//! Writing: replies and forwards made from a message, drafts, and sending through the
//! outbox (see `outbox.rs`). Every send is written to the store and returns; the outbox
//! sends it once its time (the undo delay, "send later") has come.

use serde::Serialize;

use super::Engine;
use crate::compose::{Draft, DraftAttachment};
use crate::error::{Error, Result};
use crate::personal::Language;
use crate::reader::{self, ReadOptions};
use crate::store::{DraftFields, NewOutgoing, OutboxEntry, StoredDraft};

/// What the composer starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComposeKind {
    New,
    Reply,
    ReplyAll,
    Forward,
}

/// How and when to send.
#[derive(Debug, Clone, Default)]
pub struct SendOptions {
    /// "Skicka senare": not before this (seconds since the epoch). Without it the message
    /// waits for the undo delay of Email options (none for `no_undo_delay`).
    pub send_at: Option<i64>,
    pub no_undo_delay: bool,
    /// The draft it was written in (removed, here and in Drafts, once it is sent).
    pub draft_id: Option<i64>,
    /// The message it answers or forwards (local id): `\Answered` or `$Forwarded` once sent.
    pub replied: Option<(i64, ComposeKind)>,
}

/// A message handed to the outbox.
#[derive(Debug, Clone, Serialize)]
pub struct Queued {
    pub id: i64,
    pub message_id: String,
    pub send_at: i64,
}

/// A draft as the composer opens it.
#[derive(Debug, Clone, Serialize)]
pub struct DraftView {
    pub id: i64,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    pub subject: String,
    pub html: String,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub replied_row: Option<i64>,
    pub kind: Option<ComposeKind>,
    pub attachments: Vec<DraftAttachmentView>,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DraftAttachmentView {
    pub id: i64,
    pub name: String,
    pub mime_type: String,
    pub size: u64,
}

/// The text fields of a draft, as the composer saves them.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct DraftInput {
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    pub subject: String,
    pub html: String,
}

fn flag_for(kind: ComposeKind) -> Option<&'static str> {
    match kind {
        ComposeKind::Reply | ComposeKind::ReplyAll => Some("\\Answered"),
        ComposeKind::Forward => Some("$Forwarded"),
        ComposeKind::New => None,
    }
}

fn kind_of_flag(flag: Option<&str>) -> Option<ComposeKind> {
    match flag {
        Some("\\Answered") => Some(ComposeKind::Reply),
        Some("$Forwarded") => Some(ComposeKind::Forward),
        _ => None,
    }
}

/// `Re: ` or `Fwd: ` before a subject, once (a subject that already has one, in the
/// prefixes Swedish and other mail programs write, keeps it).
pub fn prefixed_subject(subject: &str, kind: ComposeKind) -> String {
    let s = subject.trim();
    let lower = s.to_lowercase();
    let (prefix, known): (&str, &[&str]) = match kind {
        ComposeKind::Reply | ComposeKind::ReplyAll => ("Re: ", &["re:", "sv:", "aw:", "vs:"]),
        ComposeKind::Forward => ("Fwd: ", &["fwd:", "fw:", "vb:", "wg:", "vs:"]),
        ComposeKind::New => return s.to_string(),
    };
    if known.iter().any(|p| lower.starts_with(p)) {
        s.to_string()
    } else {
        format!("{prefix}{s}")
    }
}

/// "2 december 2026 14:05" / "2 December 2026 14:05" in this machine's time zone.
fn long_date(secs: i64, lang: Language) -> String {
    use chrono::{Datelike, Local, TimeZone, Timelike};
    let Some(t) = Local.timestamp_opt(secs, 0).single() else {
        return String::new();
    };
    const SV: [&str; 12] = [
        "januari",
        "februari",
        "mars",
        "april",
        "maj",
        "juni",
        "juli",
        "augusti",
        "september",
        "oktober",
        "november",
        "december",
    ];
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let month = t.month0() as usize % 12;
    let name = if lang == Language::Sv {
        SV[month]
    } else {
        EN[month]
    };
    format!(
        "{} {name} {} {:02}:{:02}",
        t.day(),
        t.year(),
        t.hour(),
        t.minute()
    )
}

/// The line above a quote: "Den 2 december 2026 14:05 skrev Anna Berg:" /
/// "On 2 December 2026 14:05, Anna Berg wrote:".
pub fn quote_header(date: Option<i64>, name: &str, lang: Language) -> String {
    let date = date.map(|d| long_date(d, lang)).unwrap_or_default();
    match (lang, date.is_empty()) {
        (Language::Sv, false) => format!("Den {date} skrev {name}:"),
        (Language::Sv, true) => format!("{name} skrev:"),
        (_, false) => format!("On {date}, {name} wrote:"),
        (_, true) => format!("{name} wrote:"),
    }
}

/// The addresses in a header line ("Anna <a@x>, b@y") as the composer lists them.
fn addresses_in(line: &str) -> Vec<String> {
    split_addresses(line)
        .into_iter()
        .filter(|a| a.contains('@'))
        .collect()
}

/// Splits a list of addresses at commas outside quotes and angle brackets.
pub fn split_addresses(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut cur, mut quoted, mut angle) = (String::new(), false, false);
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            ',' | ';' if !quoted && !angle => {
                if !cur.trim().is_empty() {
                    out.push(cur.trim().to_string());
                }
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

/// The bare address of "Name <a@x>" (lowercase), for comparing.
fn bare(a: &str) -> String {
    let a = a.trim();
    let inner = match (a.rfind('<'), a.rfind('>')) {
        (Some(l), Some(r)) if l < r => &a[l + 1..r],
        _ => a,
    };
    inner.trim().to_lowercase()
}

fn escape(text: &str) -> String {
    reader::escape_text(text)
}

/// The signature as HTML, after the standard "-- " line.
fn signature_html(signature: &str) -> String {
    if signature.trim().is_empty() {
        return String::new();
    }
    let lines: Vec<String> = signature.lines().map(escape).collect();
    format!(
        "<div class=\"inkorg-signature\">-- <br>{}</div>",
        lines.join("<br>")
    )
}

impl Engine {
    /// Hands a message to the outbox: checked (the contact card, the recipients), rendered
    /// once and stored. It goes out when its time has come (the undo delay, or `send_at`).
    pub async fn send(&self, draft: Draft, opts: SendOptions) -> Result<Queued> {
        let account = self.account().await?;
        let s = &account.settings;
        self.contact_card().await?.check_sender(&s.email)?;
        s.check_plaintext()?;
        let rendered = crate::compose::render(&s.display_name, &s.email, &draft)?;
        let prefs = self.preferences().await?;
        let now = crate::store::now();
        let send_at = match opts.send_at {
            Some(t) => t.max(now),
            None if opts.no_undo_delay => now,
            None => now + i64::from(prefs.undo_send_seconds),
        };
        let to_display = draft
            .to
            .iter()
            .chain(&draft.cc)
            .chain(&draft.bcc)
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
        let new = NewOutgoing {
            message_id: rendered.message_id.clone(),
            send_at,
            subject: draft.subject.clone(),
            to_display,
            envelope_from: s.email.clone(),
            recipients: rendered.recipients.clone(),
            raw: rendered.own_copy,
            save_copy: prefs.save_sent_copy,
            replied: opts
                .replied
                .and_then(|(row, kind)| flag_for(kind).map(|f| (row, f.to_string()))),
            draft_id: opts.draft_id,
        };
        let account_id = account.id;
        let id = self
            .ctx
            .store
            .call(move |db| db.queue_outgoing(account_id, &new))
            .await?;
        self.announce_outbox(account_id).await?;
        self.ctx.outbox_wake.notify_one();
        Ok(Queued {
            id,
            message_id: rendered.message_id,
            send_at,
        })
    }

    async fn announce_outbox(&self, account_id: i64) -> Result<()> {
        let waiting = self
            .ctx
            .store
            .read(move |db| db.outbox_waiting(account_id))
            .await?;
        self.ctx
            .events
            .emit(crate::events::Event::Outbox { waiting });
        Ok(())
    }

    /// Sends what is due now, in this process, unless a running account loop (here or in
    /// another process) does it. False when another process sends.
    pub async fn flush_outbox(&self) -> Result<bool> {
        Ok(crate::outbox::flush(&self.ctx).await?.is_some())
    }

    /// The messages in the outbox (Utkorg), oldest first.
    pub async fn outbox(&self) -> Result<Vec<OutboxEntry>> {
        let account_id = self.account().await?.id;
        self.ctx.store.read(move |db| db.outbox(account_id)).await
    }

    pub async fn outbox_entry(&self, id: i64) -> Result<Option<OutboxEntry>> {
        self.ctx.store.read(move |db| db.outbox_entry(id)).await
    }

    /// Ångra: takes a message back before it went out. Returns the draft it was written
    /// in, to open again.
    pub async fn undo_send(&self, id: i64) -> Result<Option<i64>> {
        let account_id = self.account().await?.id;
        let draft = self
            .ctx
            .store
            .call(move |db| db.unqueue_outgoing(account_id, id))
            .await?;
        self.announce_outbox(account_id).await?;
        Ok(draft)
    }

    /// Sends a refused or uncertain message again (or a scheduled one now).
    pub async fn send_again(&self, id: i64) -> Result<()> {
        let account_id = self.account().await?.id;
        self.ctx
            .store
            .call(move |db| db.requeue_outgoing(account_id, id))
            .await?;
        self.announce_outbox(account_id).await?;
        self.ctx.outbox_wake.notify_one();
        Ok(())
    }

    /// "Det kom fram": an uncertain message did arrive; only its copy in Sent is saved.
    pub async fn confirm_arrived(&self, id: i64) -> Result<()> {
        let account_id = self.account().await?.id;
        self.ctx
            .store
            .call(move |db| db.confirm_outgoing(account_id, id))
            .await?;
        self.announce_outbox(account_id).await?;
        self.ctx.outbox_wake.notify_one();
        Ok(())
    }

    /// A draft to start from: empty (with the signature for new mail, if chosen), or made
    /// from message `source`: a reply quotes it under "Den … skrev …:", a reply to all
    /// adds its other recipients but never the person's own addresses, a forward carries
    /// its headers and attachments. Stored as a draft at once.
    pub async fn start_draft(
        &self,
        kind: ComposeKind,
        source: Option<i64>,
        lang: Language,
    ) -> Result<DraftView> {
        let account = self.account().await?;
        let prefs = self.preferences().await?;
        let own: Vec<String> = {
            let card = self.contact_card().await?;
            let mut own: Vec<String> = card.addresses.iter().map(|a| bare(a)).collect();
            own.push(bare(&account.settings.email));
            own
        };
        let mut fields = DraftFields::default();
        let mut attachments: Vec<DraftAttachment> = Vec::new();
        let signature = match kind {
            ComposeKind::New if prefs.signature_in_new => signature_html(&prefs.signature),
            ComposeKind::New => String::new(),
            _ if prefs.signature_in_replies => signature_html(&prefs.signature),
            _ => String::new(),
        };
        match (kind, source) {
            (ComposeKind::New, _) | (_, None) => {
                fields.html = format!("<div><br></div>{signature}");
            }
            (kind, Some(id)) => {
                let summary = self.message(id).await?;
                let raw = self.raw_message(id).await?;
                let opts = ReadOptions {
                    remote: false,
                    inline_images: false,
                    language: lang,
                };
                let body = tokio::task::spawn_blocking(move || {
                    let b = reader::read(&raw, &opts);
                    (b, raw)
                })
                .await
                .map_err(|e| Error::storage_because("reading the message", e))?;
                let (body, raw) = body;
                let h = &body.headers;
                fields.subject = prefixed_subject(&h.subject, kind);
                fields.replied_row = Some(id);
                fields.replied_flag = flag_for(kind).map(String::from);
                let name = if summary.from_name.trim().is_empty() {
                    h.from_addr.clone()
                } else {
                    summary.from_name.clone()
                };
                if kind == ComposeKind::Forward {
                    let (from, date, subject, to) = if lang == Language::Sv {
                        ("Från", "Datum", "Ämne", "Till")
                    } else {
                        ("From", "Date", "Subject", "To")
                    };
                    let title = if lang == Language::Sv {
                        "Vidarebefordrat meddelande"
                    } else {
                        "Forwarded message"
                    };
                    let mut head = format!(
                        "<p>---------- {title} ----------<br>{from}: {}<br>",
                        escape(&h.from)
                    );
                    if let Some(d) = h.date {
                        head.push_str(&format!("{date}: {}<br>", escape(&long_date(d, lang))));
                    }
                    head.push_str(&format!("{subject}: {}<br>", escape(&h.subject)));
                    if !h.to.is_empty() {
                        head.push_str(&format!("{to}: {}<br>", escape(&h.to)));
                    }
                    head.push_str("</p>");
                    fields.html =
                        format!("<div><br></div>{signature}{head}<div>{}</div>", body.html);
                    for a in &body.attachments {
                        let index = a.index;
                        let raw = raw.clone();
                        let data =
                            tokio::task::spawn_blocking(move || reader::attachment(&raw, index))
                                .await
                                .map_err(|e| Error::storage_because("reading the attachment", e))?;
                        if let Some(d) = data {
                            attachments.push(DraftAttachment {
                                name: d.info.name,
                                mime_type: d.info.mime_type,
                                bytes: d.bytes,
                            });
                        }
                    }
                } else {
                    let reply_to = if h.reply_to.trim().is_empty() {
                        &h.from
                    } else {
                        &h.reply_to
                    };
                    let mut to = addresses_in(reply_to);
                    let mut cc = Vec::new();
                    if kind == ComposeKind::ReplyAll {
                        to.extend(addresses_in(&h.to));
                        cc.extend(addresses_in(&h.cc));
                    }
                    let mut seen: Vec<String> = Vec::new();
                    let keep = |list: Vec<String>, seen: &mut Vec<String>| -> Vec<String> {
                        list.into_iter()
                            .filter(|a| {
                                let b = bare(a);
                                let fresh = !own.contains(&b) && !seen.contains(&b);
                                seen.push(b);
                                fresh
                            })
                            .collect()
                    };
                    fields.to = keep(to, &mut seen);
                    fields.cc = keep(cc, &mut seen);
                    if fields.to.is_empty() && kind == ComposeKind::Reply {
                        // A reply to one's own message goes to its recipients.
                        fields.to = addresses_in(&h.to);
                    }
                    fields.in_reply_to = summary.message_id.clone();
                    let mut refs: Vec<String> = summary
                        .references
                        .split_whitespace()
                        .map(String::from)
                        .collect();
                    if let Some(m) = &summary.message_id {
                        let m = format!("<{}>", m.trim_matches(['<', '>']));
                        if !refs.contains(&m) {
                            refs.push(m);
                        }
                    }
                    fields.references = refs;
                    let header = escape(&quote_header(h.date.or(Some(summary.date)), &name, lang));
                    fields.html = format!(
                        "<div><br></div>{signature}<div>{header}</div>\
                         <blockquote type=\"cite\" style=\"margin:0 0 0 .8ex;\
                         border-left:2px solid #99a;padding-left:1ex\">{}</blockquote>",
                        body.html
                    );
                }
            }
        }
        let message_id = crate::compose::new_message_id(&account.settings.email, "draft")?;
        let account_id = account.id;
        let id = self
            .ctx
            .store
            .call(move |db| {
                db.in_transaction(|db| {
                    let id = db.create_draft(account_id, &message_id, &fields)?;
                    for a in &attachments {
                        db.add_draft_attachment(id, &a.name, &a.mime_type, &a.bytes)?;
                    }
                    Ok(id)
                })
            })
            .await?;
        self.draft(id).await
    }

    /// A stored draft as the composer opens it.
    pub async fn draft(&self, id: i64) -> Result<DraftView> {
        let d = self
            .ctx
            .store
            .read(move |db| db.draft(id))
            .await?
            .filter(|d| !d.gone)
            .ok_or_else(|| Error::NotFound(format!("no draft {id}")))?;
        Ok(view(d))
    }

    /// The drafts being written, newest first.
    pub async fn drafts(&self) -> Result<Vec<DraftView>> {
        let account_id = self.account().await?.id;
        let ids = self
            .ctx
            .store
            .read(move |db| db.open_drafts(account_id))
            .await?;
        let mut out = Vec::new();
        for id in ids {
            if let Ok(d) = self.draft(id).await {
                out.push(d);
            }
        }
        Ok(out)
    }

    /// Saves the composer's fields (a few seconds after each change, and on close). The
    /// version in Drafts follows once the draft has been quiet for a few seconds.
    pub async fn save_draft(&self, id: i64, input: DraftInput) -> Result<()> {
        let current = self
            .ctx
            .store
            .read(move |db| db.draft(id))
            .await?
            .filter(|d| !d.gone)
            .ok_or_else(|| Error::NotFound(format!("no draft {id}")))?;
        let fields = DraftFields {
            to: input.to,
            cc: input.cc,
            bcc: input.bcc,
            subject: input.subject,
            html: input.html,
            ..current.fields
        };
        self.ctx
            .store
            .call(move |db| db.update_draft(id, &fields))
            .await?;
        Ok(())
    }

    pub async fn add_draft_attachment(&self, id: i64, a: DraftAttachment) -> Result<DraftView> {
        self.ctx
            .store
            .call(move |db| db.add_draft_attachment(id, &a.name, &a.mime_type, &a.bytes))
            .await?;
        self.draft(id).await
    }

    pub async fn remove_draft_attachment(&self, id: i64, attachment: i64) -> Result<DraftView> {
        self.ctx
            .store
            .call(move |db| db.remove_draft_attachment(id, attachment))
            .await?;
        self.draft(id).await
    }

    /// Throws a draft away (here at once, in Drafts on the next pass).
    pub async fn discard_draft(&self, id: i64) -> Result<()> {
        self.ctx.store.call(move |db| db.discard_draft(id)).await?;
        self.ctx.outbox_wake.notify_one();
        Ok(())
    }

    /// Sends a stored draft as it is now: at `send_at` ("Skicka senare"), else after the
    /// undo delay of Email options when `undo_delay` (the app), else at once (the CLI).
    pub async fn send_draft(
        &self,
        id: i64,
        send_at: Option<i64>,
        undo_delay: bool,
    ) -> Result<Queued> {
        let d = self
            .ctx
            .store
            .read(move |db| db.draft(id))
            .await?
            .filter(|d| !d.gone)
            .ok_or_else(|| Error::NotFound(format!("no draft {id}")))?;
        let attachments = self
            .ctx
            .store
            .read(move |db| db.draft_attachment_bytes(id))
            .await?;
        let f = &d.fields;
        let draft = Draft::from_stored(f, attachments);
        let replied = f.replied_row.zip(kind_of_flag(f.replied_flag.as_deref()));
        self.send(
            draft,
            SendOptions {
                send_at,
                no_undo_delay: !undo_delay,
                draft_id: Some(id),
                replied,
            },
        )
        .await
    }
}

impl Engine {
    /// Addresses for completion that start with `prefix` (in the name or the address): the
    /// contact card's own first, then those the person wrote to (Sent) and those seen in
    /// mail, ranked by how often and how recently (a message written to counts three times
    /// one received; a month's age halves its weight).
    pub async fn suggest_addresses(&self, prefix: &str, limit: usize) -> Result<Vec<String>> {
        let account = self.account().await?;
        let account_id = account.id;
        let folders = self.folders().await?;
        let sent = folders
            .iter()
            .find(|f| f.role == Some(crate::folders::Role::Sent))
            .map(|f| f.id);
        let (written, seen) = self
            .ctx
            .store
            .read(move |db| db.address_lines(account_id, sent, 3000))
            .await?;
        let now = crate::store::now();
        let want = prefix.trim().to_lowercase();
        let matches = |a: &str| {
            want.is_empty()
                || a.to_lowercase()
                    .split([' ', '<', '"', '.', '@'])
                    .any(|w| w.starts_with(&want))
                || bare(a).starts_with(&want)
        };
        let mut score: std::collections::HashMap<String, (f64, String)> = Default::default();
        let mut add = |line: &str, date: i64, weight: f64| {
            let age_months = ((now - date).max(0) as f64) / (30.0 * 86_400.0);
            let w = weight / (1.0 + age_months);
            for a in addresses_in(line) {
                if !matches(&a) {
                    continue;
                }
                let e = score.entry(bare(&a)).or_insert((0.0, a.clone()));
                e.0 += w;
                // Keep the form with a name.
                if !e.1.contains('<') && a.contains('<') {
                    e.1 = a;
                }
            }
        };
        for (line, date) in &written {
            add(line, *date, 3.0);
        }
        for (line, date) in &seen {
            add(line, *date, 1.0);
        }
        let own = bare(&account.settings.email);
        let card = self.contact_card().await?;
        let mut ranked: Vec<(f64, String)> = score
            .into_iter()
            .filter(|(b, _)| *b != own)
            .map(|(_, v)| v)
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        let mut out: Vec<String> = card
            .addresses
            .iter()
            .filter(|a| bare(a) != own && matches(a))
            .cloned()
            .collect();
        for (_, a) in ranked {
            if !out.iter().any(|o| bare(o) == bare(&a)) {
                out.push(a);
            }
        }
        out.truncate(limit);
        Ok(out)
    }
}

fn view(d: StoredDraft) -> DraftView {
    DraftView {
        id: d.id,
        kind: kind_of_flag(d.fields.replied_flag.as_deref()),
        to: d.fields.to,
        cc: d.fields.cc,
        bcc: d.fields.bcc,
        subject: d.fields.subject,
        html: d.fields.html,
        in_reply_to: d.fields.in_reply_to,
        references: d.fields.references,
        replied_row: d.fields.replied_row,
        attachments: d
            .attachments
            .into_iter()
            .map(|(id, name, mime_type, size)| DraftAttachmentView {
                id,
                name,
                mime_type,
                size,
            })
            .collect(),
        updated_at: d.updated_at,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_gets_re_once_and_a_forward_fwd_once() {
        assert_eq!(prefixed_subject("Möte", ComposeKind::Reply), "Re: Möte");
        assert_eq!(
            prefixed_subject("SV: Möte", ComposeKind::ReplyAll),
            "SV: Möte"
        );
        assert_eq!(prefixed_subject("Re: Möte", ComposeKind::Reply), "Re: Möte");
        assert_eq!(prefixed_subject("Möte", ComposeKind::Forward), "Fwd: Möte");
        assert_eq!(
            prefixed_subject("VB: Möte", ComposeKind::Forward),
            "VB: Möte"
        );
    }

    #[test]
    fn the_quote_line_reads_naturally_in_both_languages() {
        let sv = quote_header(Some(1_796_220_000), "Anna Berg", Language::Sv);
        assert!(
            sv.starts_with("Den ") && sv.ends_with(" skrev Anna Berg:"),
            "{sv}"
        );
        assert!(sv.contains(" 2026 "), "{sv}");
        let en = quote_header(Some(1_796_220_000), "Anna Berg", Language::En);
        assert!(
            en.starts_with("On ") && en.ends_with(", Anna Berg wrote:"),
            "{en}"
        );
        assert_eq!(quote_header(None, "Anna", Language::Sv), "Anna skrev:");
    }

    #[test]
    fn addresses_split_at_commas_outside_quotes() {
        assert_eq!(
            split_addresses("\"Berg, Anna\" <anna@x.se>, bo@y.se; <c@z.se>"),
            ["\"Berg, Anna\" <anna@x.se>", "bo@y.se", "<c@z.se>"]
        );
        assert_eq!(bare("\"Berg, Anna\" <Anna@X.se>"), "anna@x.se");
    }
}
