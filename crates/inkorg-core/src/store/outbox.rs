//! The outbox (messages on their way out, until their copy is in Sent) and drafts.

use rusqlite::{params, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::{now, Db};
use crate::error::{Error, Result};

/// Where a message in the outbox is (see migration 0008).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    /// Waits for its time (the undo delay, "send later") or for the next try.
    Queued,
    /// The SMTP transaction has begun.
    Sending,
    /// The server accepted it; the copy for Sent is being saved.
    Sent,
    /// The program stopped while the server was answering, and the message was found
    /// neither in Sent nor in the mail received since: it may have gone out. The person
    /// decides (send again, or it arrived).
    Uncertain,
    /// Refused for good (a 5.x.x answer): stays until the person changes or removes it.
    Failed,
}

impl OutboxState {
    fn as_str(self) -> &'static str {
        match self {
            OutboxState::Queued => "queued",
            OutboxState::Sending => "sending",
            OutboxState::Sent => "sent",
            OutboxState::Uncertain => "uncertain",
            OutboxState::Failed => "failed",
        }
    }

    fn parse(s: &str) -> OutboxState {
        match s {
            "sending" => OutboxState::Sending,
            "sent" => OutboxState::Sent,
            "uncertain" => OutboxState::Uncertain,
            "failed" => OutboxState::Failed,
            _ => OutboxState::Queued,
        }
    }
}

/// A message handed to the outbox.
#[derive(Debug, Clone)]
pub struct NewOutgoing {
    pub message_id: String,
    pub send_at: i64,
    pub subject: String,
    pub to_display: String,
    pub envelope_from: String,
    pub recipients: Vec<String>,
    /// The person's own copy (with Bcc).
    pub raw: Vec<u8>,
    pub save_copy: bool,
    pub replied: Option<(i64, String)>,
    pub draft_id: Option<i64>,
}

/// A message in the outbox, as the Utkorg list shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct OutboxEntry {
    pub id: i64,
    pub message_id: String,
    pub state: OutboxState,
    /// Not before this (seconds since the epoch): the undo delay's end or "send later".
    pub send_at: i64,
    pub queued_at: i64,
    pub subject: String,
    pub to: String,
    pub size: u64,
    pub attempts: u32,
    /// The next try after a temporary failure.
    pub next_try_at: Option<i64>,
    /// The kind of the last error (as [`crate::ErrorKind`] names it), its text, and the
    /// provider's own words.
    pub error_kind: Option<String>,
    pub last_error: Option<String>,
    pub server_text: Option<String>,
    pub draft_id: Option<i64>,
}

/// A message in the outbox with what sending it needs.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub entry: OutboxEntry,
    pub envelope_from: String,
    pub recipients: Vec<String>,
    pub raw: Vec<u8>,
    pub save_copy: bool,
    pub replied: Option<(i64, String)>,
}

const ENTRY_COLUMNS: &str = "id, message_id, state, send_at, queued_at, subject, to_display,
    length(raw), attempts, next_try_at, error_kind, last_error, server_text, draft_id";

fn entry(r: &Row<'_>) -> rusqlite::Result<OutboxEntry> {
    Ok(OutboxEntry {
        id: r.get(0)?,
        message_id: r.get(1)?,
        state: OutboxState::parse(&r.get::<_, String>(2)?),
        send_at: r.get(3)?,
        queued_at: r.get(4)?,
        subject: r.get(5)?,
        to: r.get(6)?,
        size: r.get::<_, i64>(7)?.max(0) as u64,
        attempts: r.get(8)?,
        next_try_at: r.get(9)?,
        error_kind: r.get(10)?,
        last_error: r.get(11)?,
        server_text: r.get(12)?,
        draft_id: r.get(13)?,
    })
}

/// An error as the outbox keeps it.
#[derive(Debug, Clone, Default)]
pub struct OutboxError {
    pub kind: String,
    pub text: String,
    pub server_text: Option<String>,
}

impl Db {
    pub fn queue_outgoing(&mut self, account_id: i64, m: &NewOutgoing) -> Result<i64> {
        let (replied_row, replied_flag) = match &m.replied {
            Some((row, flag)) => (Some(*row), Some(flag.as_str())),
            None => (None, None),
        };
        self.conn.execute(
            "INSERT INTO outbox (account_id, message_id, state, send_at, queued_at, subject,
                                 to_display, envelope_from, recipients, raw, save_copy,
                                 replied_row, replied_flag, draft_id)
             VALUES (?1, ?2, 'queued', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                account_id,
                m.message_id,
                m.send_at,
                now(),
                m.subject,
                m.to_display,
                m.envelope_from,
                m.recipients.join("\n"),
                m.raw,
                m.save_copy,
                replied_row,
                replied_flag,
                m.draft_id,
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Every message in the outbox, oldest first.
    pub fn outbox(&self, account_id: i64) -> Result<Vec<OutboxEntry>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {ENTRY_COLUMNS} FROM outbox WHERE account_id = ?1 ORDER BY send_at, id"
        ))?;
        let rows = stmt.query_map(params![account_id], entry)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    pub fn outbox_entry(&self, id: i64) -> Result<Option<OutboxEntry>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {ENTRY_COLUMNS} FROM outbox WHERE id = ?1"),
                params![id],
                entry,
            )
            .optional()?)
    }

    /// The next message to work on at `now`: one left in the middle (sending, sent) first,
    /// then the queued ones that are due, oldest first.
    pub fn next_outgoing(&self, account_id: i64, now: i64) -> Result<Option<Outgoing>> {
        let id: Option<i64> = self
            .conn
            .query_row(
                "SELECT id FROM outbox WHERE account_id = ?1 AND (
                     state IN ('sending', 'sent')
                     OR (state = 'queued' AND send_at <= ?2
                         AND (next_try_at IS NULL OR next_try_at <= ?2)))
                 ORDER BY state = 'queued', send_at, id LIMIT 1",
                params![account_id, now],
                |r| r.get(0),
            )
            .optional()?;
        let Some(id) = id else { return Ok(None) };
        let Some(entry) = self.outbox_entry(id)? else {
            return Ok(None);
        };
        let (from, recipients, raw, save_copy, row, flag): (
            String,
            String,
            Vec<u8>,
            bool,
            Option<i64>,
            Option<String>,
        ) = self.conn.query_row(
            "SELECT envelope_from, recipients, raw, save_copy, replied_row, replied_flag
             FROM outbox WHERE id = ?1",
            params![id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )?;
        Ok(Some(Outgoing {
            entry,
            envelope_from: from,
            recipients: recipients.lines().map(String::from).collect(),
            raw,
            save_copy,
            replied: row.zip(flag),
        }))
    }

    /// Messages not yet out (queued, sending, uncertain, failed): what the Utkorg count shows.
    pub fn outbox_waiting(&self, account_id: i64) -> Result<u32> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM outbox WHERE account_id = ?1 AND state != 'sent'",
            params![account_id],
            |r| r.get(0),
        )?)
    }

    pub fn set_outbox_state(&mut self, id: i64, state: OutboxState) -> Result<()> {
        self.conn.execute(
            "UPDATE outbox SET state = ?2,
                               handed_over = CASE WHEN ?2 = 'queued' THEN 0 ELSE handed_over END
             WHERE id = ?1",
            params![id, state.as_str()],
        )?;
        Ok(())
    }

    /// The content is about to be written: from now on the server may have the message.
    pub fn outgoing_handing_over(&mut self, id: i64) -> Result<()> {
        self.conn.execute(
            "UPDATE outbox SET handed_over = ?2 WHERE id = ?1",
            params![id, now()],
        )?;
        Ok(())
    }

    /// When the content began to be written, if it did (in the current try).
    pub fn outgoing_handed_over(&self, id: i64) -> Result<Option<i64>> {
        Ok(self
            .conn
            .query_row(
                "SELECT handed_over FROM outbox WHERE id = ?1",
                params![id],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
            .filter(|t| *t > 0))
    }

    /// The server accepted the message: the draft it was written in is gone (here, and from
    /// Drafts on the next upload pass).
    pub fn outgoing_sent(&mut self, id: i64) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE outbox SET state = 'sent', sent_at = ?2, error_kind = NULL,
                               last_error = NULL, server_text = NULL
             WHERE id = ?1",
            params![id, now()],
        )?;
        tx.execute(
            "UPDATE drafts SET gone = 1
             WHERE id = (SELECT draft_id FROM outbox WHERE id = ?1)",
            params![id],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// A temporary failure: queued again for `next_try_at`.
    pub fn outgoing_retry(&mut self, id: i64, next_try_at: i64, e: &OutboxError) -> Result<()> {
        self.conn.execute(
            "UPDATE outbox SET state = 'queued', handed_over = 0, attempts = attempts + 1,
                               next_try_at = ?2,
                               error_kind = ?3, last_error = ?4, server_text = ?5
             WHERE id = ?1",
            params![id, next_try_at, e.kind, e.text, e.server_text],
        )?;
        Ok(())
    }

    /// Stops at `state` (failed, uncertain) with the reason, until the person acts.
    pub fn outgoing_stopped(&mut self, id: i64, state: OutboxState, e: &OutboxError) -> Result<()> {
        self.conn.execute(
            "UPDATE outbox SET state = ?2, attempts = attempts + 1, next_try_at = NULL,
                               error_kind = ?3, last_error = ?4, server_text = ?5
             WHERE id = ?1",
            params![id, state.as_str(), e.kind, e.text, e.server_text],
        )?;
        Ok(())
    }

    /// Its copy is in Sent (or none is kept): the message leaves the outbox.
    pub fn outgoing_done(&mut self, id: i64) -> Result<()> {
        self.conn
            .execute("DELETE FROM outbox WHERE id = ?1", params![id])?;
        Ok(())
    }

    /// Takes a message out of the outbox before it went out (Ångra, or the person removes a
    /// refused one). Refused once the SMTP transaction has begun. Returns its draft.
    pub fn unqueue_outgoing(&mut self, account_id: i64, id: i64) -> Result<Option<i64>> {
        let tx = self.conn.transaction()?;
        let found: Option<(String, Option<i64>)> = tx
            .query_row(
                "SELECT state, draft_id FROM outbox WHERE id = ?1 AND account_id = ?2",
                params![id, account_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((state, draft)) = found else {
            return Err(Error::NotFound(format!("no message {id} in the outbox")));
        };
        match OutboxState::parse(&state) {
            OutboxState::Queued | OutboxState::Failed | OutboxState::Uncertain => {}
            OutboxState::Sending | OutboxState::Sent => {
                return Err(Error::invalid(
                    "outbox",
                    "the message is already being sent and can no longer be stopped",
                ))
            }
        }
        tx.execute("DELETE FROM outbox WHERE id = ?1", params![id])?;
        tx.commit()?;
        Ok(draft)
    }

    /// Sends a failed or uncertain message again (now), or a queued one now instead of later.
    pub fn requeue_outgoing(&mut self, account_id: i64, id: i64) -> Result<()> {
        let n = self.conn.execute(
            "UPDATE outbox SET state = 'queued', send_at = ?3, next_try_at = NULL, attempts = 0,
                               handed_over = 0
             WHERE id = ?1 AND account_id = ?2 AND state IN ('queued', 'failed', 'uncertain')",
            params![id, account_id, now()],
        )?;
        if n == 0 {
            return Err(Error::NotFound(format!(
                "no message {id} waiting in the outbox"
            )));
        }
        Ok(())
    }

    /// The person says an uncertain message did arrive: only its copy for Sent is left.
    pub fn confirm_outgoing(&mut self, account_id: i64, id: i64) -> Result<()> {
        let n = self.conn.execute(
            "UPDATE outbox SET state = 'sent', sent_at = ?3
             WHERE id = ?1 AND account_id = ?2 AND state = 'uncertain'",
            params![id, account_id, now()],
        )?;
        if n == 0 {
            return Err(Error::NotFound(format!(
                "no message {id} of uncertain state in the outbox"
            )));
        }
        Ok(())
    }
}

/// A draft's text fields, as stored (JSON).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DraftFields {
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    pub subject: String,
    pub html: String,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    /// The message this answers or forwards (local id) and the flag it gets once sent.
    pub replied_row: Option<i64>,
    pub replied_flag: Option<String>,
}

/// A stored draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDraft {
    pub id: i64,
    pub message_id: String,
    pub fields: DraftFields,
    pub updated_at: i64,
    pub revision: i64,
    pub uploaded: i64,
    pub gone: bool,
    /// (id, name, mime type, size).
    pub attachments: Vec<(i64, String, String, u64)>,
}

impl Db {
    pub fn create_draft(
        &mut self,
        account_id: i64,
        message_id: &str,
        f: &DraftFields,
    ) -> Result<i64> {
        let json = serde_json::to_string(f).map_err(|e| Error::storage_because("a draft", e))?;
        self.conn.execute(
            "INSERT INTO drafts (account_id, message_id, fields, updated_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![account_id, message_id, json, now()],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Saves the text fields; returns false for a draft that is gone (sent, discarded).
    pub fn update_draft(&mut self, id: i64, f: &DraftFields) -> Result<bool> {
        let json = serde_json::to_string(f).map_err(|e| Error::storage_because("a draft", e))?;
        let n = self.conn.execute(
            "UPDATE drafts SET fields = ?2, updated_at = ?3, revision = revision + 1
             WHERE id = ?1 AND gone = 0 AND fields != ?2",
            params![id, json, now()],
        )?;
        if n > 0 {
            return Ok(true);
        }
        Ok(self
            .conn
            .query_row(
                "SELECT gone = 0 FROM drafts WHERE id = ?1",
                params![id],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(false))
    }

    pub fn add_draft_attachment(
        &mut self,
        draft_id: i64,
        name: &str,
        mime_type: &str,
        bytes: &[u8],
    ) -> Result<i64> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO draft_attachments (draft_id, name, mime_type, bytes)
             VALUES (?1, ?2, ?3, ?4)",
            params![draft_id, name, mime_type, bytes],
        )?;
        let id = tx.last_insert_rowid();
        tx.execute(
            "UPDATE drafts SET revision = revision + 1, updated_at = ?2 WHERE id = ?1",
            params![draft_id, now()],
        )?;
        tx.commit()?;
        Ok(id)
    }

    pub fn remove_draft_attachment(&mut self, draft_id: i64, attachment_id: i64) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "DELETE FROM draft_attachments WHERE id = ?1 AND draft_id = ?2",
            params![attachment_id, draft_id],
        )?;
        tx.execute(
            "UPDATE drafts SET revision = revision + 1, updated_at = ?2 WHERE id = ?1",
            params![draft_id, now()],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn draft(&self, id: i64) -> Result<Option<StoredDraft>> {
        let found: Option<(i64, String, String, i64, i64, i64, bool)> = self
            .conn
            .query_row(
                "SELECT id, message_id, fields, updated_at, revision, uploaded, gone
                 FROM drafts WHERE id = ?1",
                params![id],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ))
                },
            )
            .optional()?;
        let Some((id, message_id, json, updated_at, revision, uploaded, gone)) = found else {
            return Ok(None);
        };
        let mut stmt = self.conn.prepare(
            "SELECT id, name, mime_type, length(bytes) FROM draft_attachments
             WHERE draft_id = ?1 ORDER BY id",
        )?;
        let attachments = stmt
            .query_map(params![id], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get::<_, i64>(3)?.max(0) as u64,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(Some(StoredDraft {
            id,
            message_id,
            // A draft this version cannot read keeps its row; it opens empty, not failing.
            fields: serde_json::from_str(&json).unwrap_or_default(),
            updated_at,
            revision,
            uploaded,
            gone,
            attachments,
        }))
    }

    /// A draft's attachments with their bytes, in the order they were added.
    pub fn draft_attachment_bytes(&self, draft_id: i64) -> Result<Vec<(String, String, Vec<u8>)>> {
        let mut stmt = self.conn.prepare(
            "SELECT name, mime_type, bytes FROM draft_attachments WHERE draft_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map(params![draft_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// The drafts being written (not sent, not discarded), newest first.
    pub fn open_drafts(&self, account_id: i64) -> Result<Vec<i64>> {
        let mut stmt = self.conn.prepare(
            "SELECT id FROM drafts WHERE account_id = ?1 AND gone = 0
             AND id NOT IN (SELECT draft_id FROM outbox WHERE draft_id IS NOT NULL)
             ORDER BY updated_at DESC, id DESC",
        )?;
        let rows = stmt.query_map(params![account_id], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Drafts whose version in the Drafts folder is behind (or that are gone and still have
    /// one there): the upload pass's work. A draft in the outbox waits.
    pub fn drafts_to_upload(&self, account_id: i64) -> Result<Vec<i64>> {
        let mut stmt = self.conn.prepare(
            "SELECT id FROM drafts WHERE account_id = ?1 AND (revision != uploaded OR gone = 1)
             AND id NOT IN (SELECT draft_id FROM outbox
                            WHERE draft_id IS NOT NULL AND state != 'sent')
             ORDER BY id",
        )?;
        let rows = stmt.query_map(params![account_id], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    pub fn draft_uploaded(&mut self, id: i64, revision: i64) -> Result<()> {
        self.conn.execute(
            "UPDATE drafts SET uploaded = ?2 WHERE id = ?1",
            params![id, revision],
        )?;
        Ok(())
    }

    /// Discards a draft: gone here at once, and from Drafts on the next upload pass.
    pub fn discard_draft(&mut self, id: i64) -> Result<()> {
        self.conn
            .execute("UPDATE drafts SET gone = 1 WHERE id = ?1", params![id])?;
        Ok(())
    }

    /// A gone draft whose copy in Drafts was removed: the row goes too.
    pub fn forget_draft(&mut self, id: i64) -> Result<()> {
        self.conn
            .execute("DELETE FROM drafts WHERE id = ?1 AND gone = 1", params![id])?;
        Ok(())
    }
}

/// Address lines with the date of their message.
pub type DatedLines = Vec<(String, i64)>;

impl Db {
    /// What address completion ranks: the To and Cc lines of the newest messages in
    /// `written` (the Sent folder), and the senders of the newest other mail, each with the
    /// message's date. At most `limit` messages of each.
    pub fn address_lines(
        &self,
        account_id: i64,
        written: Option<i64>,
        limit: u32,
    ) -> Result<(DatedLines, DatedLines)> {
        let mut sent = Vec::new();
        if let Some(folder) = written {
            let mut stmt = self.conn.prepare(
                "SELECT to_addrs || ', ' || cc_addrs, date FROM messages WHERE folder_id = ?1
                 ORDER BY date DESC LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![folder, limit], |r| Ok((r.get(0)?, r.get(1)?)))?;
            sent = rows.collect::<rusqlite::Result<Vec<_>>>()?;
        }
        let mut stmt = self.conn.prepare(
            "SELECT CASE WHEN m.from_name = '' THEN m.from_addr
                         ELSE '\"' || replace(m.from_name, '\"', '') || '\" <' || m.from_addr || '>' END,
                    m.date
             FROM messages m JOIN folders f ON f.id = m.folder_id
             WHERE f.account_id = ?1 AND m.folder_id IS NOT ?2 AND m.from_addr != ''
             ORDER BY m.date DESC LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![account_id, written, limit], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
        let seen = rows.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok((sent, seen))
    }
}
