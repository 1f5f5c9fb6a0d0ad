//! Reading: a message's body (stored, or fetched now on the body connection), shown as the
//! reader shows it; attachments; the senders whose remote content is always shown.

use std::path::Path;

use super::Engine;
use crate::error::{Error, Result};
use crate::personal::Language;
use crate::reader::{self, AttachmentData, MessageBody, ReadOptions};
use crate::store::MessageSummary;

/// A message opened for reading.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReadMessage {
    pub summary: MessageSummary,
    pub body: MessageBody,
    /// Remote content was loaded (shown once, or always for this sender).
    pub remote_shown: bool,
    /// The person chose to always show remote content from this sender.
    pub sender_allowed: bool,
}

/// How to open a message.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenOptions {
    /// "Visa en gång": remote content for this opening only.
    pub remote_once: bool,
    /// The language of the few words the reader adds; `System` reads as English.
    pub language: Language,
}

impl Engine {
    /// Opens a message for reading: its body from the store, or fetched from the server now
    /// (without marking it read) and kept. Parsing and sanitising run off the async threads.
    pub async fn read_message(&self, id: i64, opts: OpenOptions) -> Result<ReadMessage> {
        self.read_message_part(id, &[], opts).await
    }

    /// A message forwarded inside message `id` (a message/rfc822 attachment; `part` is the
    /// attachment index at each level, empty for the message itself), opened in the viewer.
    /// Its remote content shows only "once" (no sender of a forwarded message is trusted for
    /// always).
    pub async fn read_message_part(
        &self,
        id: i64,
        part: &[u32],
        opts: OpenOptions,
    ) -> Result<ReadMessage> {
        let summary = self.message(id).await?;
        let raw = self.raw_part(id, part).await?;
        let prefs = self.preferences().await?;
        let account_id = self.ctx.account().await?.id;
        let from = summary.from_addr.clone();
        let sender_allowed = part.is_empty()
            && !from.is_empty()
            && self
                .ctx
                .store
                .read(move |db| db.remote_allowed(account_id, &from))
                .await?;
        let read = ReadOptions {
            remote: opts.remote_once || sender_allowed,
            inline_images: prefs.show_inline_images,
            language: opts.language,
        };
        let body = tokio::task::spawn_blocking(move || reader::read(&raw, &read))
            .await
            .map_err(|e| Error::storage_because("reading the message", e))?;
        Ok(ReadMessage {
            summary,
            remote_shown: read.remote && body.remote_content > 0,
            sender_allowed,
            body,
        })
    }

    /// The raw message as the server sent it (fetched and kept if it was not yet).
    pub async fn raw_message(&self, id: i64) -> Result<Vec<u8>> {
        crate::bodies::body(&self.ctx, id).await
    }

    /// The raw bytes of message `id`, or of the message forwarded in it at `part`.
    async fn raw_part(&self, id: i64, part: &[u32]) -> Result<Vec<u8>> {
        let raw = crate::bodies::body(&self.ctx, id).await?;
        if part.is_empty() {
            return Ok(raw);
        }
        let path = part.to_vec();
        tokio::task::spawn_blocking(move || reader::nested(&raw, &path))
            .await
            .map_err(|e| Error::storage_because("opening the forwarded message", e))?
            .ok_or_else(|| {
                Error::NotFound(format!("message {id} has no forwarded message at {part:?}"))
            })
    }

    /// One attachment's decoded bytes, by its index in the reader's list.
    pub async fn attachment(&self, id: i64, index: u32) -> Result<AttachmentData> {
        self.attachment_in(id, &[], index).await
    }

    /// An attachment of the message forwarded in message `id` at `part` (of `id` itself
    /// when `part` is empty).
    pub async fn attachment_in(&self, id: i64, part: &[u32], index: u32) -> Result<AttachmentData> {
        let raw = self.raw_part(id, part).await?;
        tokio::task::spawn_blocking(move || reader::attachment(&raw, index))
            .await
            .map_err(|e| Error::storage_because("reading the attachment", e))?
            .ok_or_else(|| Error::NotFound(format!("message {id} has no attachment {index}")))
    }

    /// Saves an attachment to `path` (written beside it first, then renamed, so a failed
    /// write leaves no half file). Returns what was saved.
    pub async fn save_attachment(
        &self,
        id: i64,
        index: u32,
        path: &Path,
    ) -> Result<AttachmentData> {
        self.save_attachment_in(id, &[], index, path).await
    }

    /// [`Engine::save_attachment`] for an attachment of a forwarded message.
    pub async fn save_attachment_in(
        &self,
        id: i64,
        part: &[u32],
        index: u32,
        path: &Path,
    ) -> Result<AttachmentData> {
        let data = self.attachment_in(id, part, index).await?;
        let path = path.to_path_buf();
        let bytes = data.bytes.clone();
        tokio::task::spawn_blocking(move || write_file(&path, &bytes))
            .await
            .map_err(|e| Error::storage_because("saving the attachment", e))??;
        Ok(data)
    }

    /// "Visa alltid från avsändaren", or its revocation in Email options.
    pub async fn set_remote_content_allowed(&self, address: &str, on: bool) -> Result<()> {
        let address = address.trim().to_string();
        if !address.contains('@') {
            return Err(Error::invalid(
                "address",
                format!("{address:?} is not an email address"),
            ));
        }
        let account_id = self.ctx.account().await?.id;
        self.ctx
            .store
            .call(move |db| db.set_remote_allowed(account_id, &address, on))
            .await
    }

    /// The senders whose remote content is always shown.
    pub async fn remote_content_senders(&self) -> Result<Vec<String>> {
        let account_id = self.ctx.account().await?.id;
        self.ctx
            .store
            .read(move |db| db.remote_senders(account_id))
            .await
    }

    /// What is kept for offline reading: how many messages have their body stored, and the
    /// bytes they take.
    pub async fn offline_usage(&self) -> Result<OfflineUsage> {
        let account_id = self.ctx.account().await?.id;
        let (messages, bytes) = self
            .ctx
            .store
            .read(move |db| db.stored_bodies(account_id))
            .await?;
        Ok(OfflineUsage { messages, bytes })
    }
}

/// The bodies kept for offline reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct OfflineUsage {
    pub messages: u32,
    pub bytes: u64,
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let name = path
        .file_name()
        .ok_or_else(|| Error::invalid("path", format!("{} names no file", path.display())))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(".inkorg-part");
    let tmp = path.with_file_name(tmp_name);
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::storage_because(format!("cannot write {}", path.display()), e)
    })
}
