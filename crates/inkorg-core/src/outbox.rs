//! The outbox: every message the person sends goes through a durable queue in SQLite, so a
//! message is sent once, whatever stops the program, and is never lost. The bytes are
//! rendered once, when the person presses Send, and stored (`outbox.raw`); then
//!
//! ```text
//! queued ──(send_at: undo delay, "send later")──▶ sending ──(250)──▶ sent ──(copy in Sent)──▶ gone
//!    ▲                                               │
//!    └──── a temporary failure (4xx, offline): ──────┤
//!          the next try after a growing delay        ├── 5xx ──▶ failed (the provider's words)
//!                                                    └── stopped while the server answered,
//!                                                        not found afterwards ──▶ uncertain
//! ```
//!
//! "sending" is written before the SMTP transaction begins, and `handed_over` (the time) just
//! before the message's content is written: the only step after which the server may have it. A row
//! found in "sending" at start was interrupted: not handed over, it is sent again (the server
//! throws away a transaction without its final dot); handed over, the Message-ID is looked
//! for in Sent (Gmail, Microsoft 365 and some others file sent mail there themselves) and in
//! INBOX (the person wrote to themselves, or is in Cc); found, it counts as sent. Otherwise
//! it is "uncertain" and waits for the person ("Skicka igen" or "Det kom fram"): a mail
//! program must not send twice on a guess.
//!
//! The copy in Sent is an IMAP APPEND of the person's own copy (with Bcc) on this task's own
//! connection, after a search for its Message-ID there (a copy saved before a crash is not
//! saved twice). It is skipped where the provider's SMTP server files sent mail itself.
//!
//! It also uploads drafts to the Drafts folder: each version replaces the previous one
//! there, found by the draft's own Message-ID (no UIDPLUS needed), once the draft has been
//! quiet for [`DRAFT_QUIET`] s; a draft sent or discarded is removed there.
//!
//! It runs beside the account loop in the process that holds the profile's loop lock
//! ([`run`]); without a loop, `inkorg-cli send` runs one pass itself ([`flush`]).

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::engine::Ctx;
use crate::error::{Endpoint, Error, ErrorKind, Result};
use crate::events::Event;
use crate::folders::Role;
use crate::imap::{self, CommandFailure, Session};
use crate::secrets::Role as SecretRole;
use crate::smtp::{Submission, SubmitError};
use crate::store::{OutboxError, OutboxState, Outgoing};

/// How often the task looks for due messages (another process may have queued one).
const TICK: Duration = Duration::from_secs(1);
/// A draft is uploaded once it has not changed for this long (or at once when closed).
pub(crate) const DRAFT_QUIET: i64 = 10;
/// The task's IMAP connection closes after this long without use.
const IMAP_IDLE: Duration = Duration::from_secs(60);
/// After a hand-over whose answer never came (less than a minute ago), how long the message
/// is looked for before it counts as uncertain (delivery to the person's own INBOX, or the
/// provider's copy in Sent, takes a moment).
const LOOK_FOR: Duration = Duration::from_secs(10);

fn now() -> i64 {
    crate::store::now()
}

/// The wait before try `attempt` (1, 2, …) after a temporary failure: 30 s, doubling, at
/// most 30 min.
pub(crate) fn retry_delay(attempt: u32) -> i64 {
    (30i64 << attempt.saturating_sub(1).min(6)).min(30 * 60)
}

/// SMTP servers that put a copy of what they send in the Sent folder themselves, where an
/// APPEND would make a second one:
/// - Gmail files every message submitted through smtp.gmail.com under Sent Mail (Google's
///   own help tells IMAP clients not to save sent mail);
/// - Microsoft 365 (smtp.office365.com) and Outlook.com (smtp-mail.outlook.com) save what a
///   mailbox submits with SMTP AUTH in Sent Items; clients that also APPEND show it twice
///   (reported for Evolution, elementary Mail, Mailspring, mutt);
/// - iCloud (smtp.mail.me.com) saves it in Sent Messages.
///
/// Elsewhere the Message-ID is looked for in Sent before the APPEND, which also catches a
/// provider not on this list once its copy is there.
pub(crate) fn provider_files_sent_mail(smtp_host: &str) -> bool {
    let h = smtp_host.trim_end_matches('.').to_ascii_lowercase();
    [
        "smtp.gmail.com",
        "smtp.googlemail.com",
        "smtp.office365.com",
        "smtp-mail.outlook.com",
        "smtp.mail.me.com",
    ]
    .contains(&h.as_str())
}

/// A pause at a named step, for the tests that kill the process there (debug builds only):
/// `INKORG_TEST_OUTBOX_PAUSE=content` stops before the message's content is written, and so
/// on for `sending`, `answered` (the server accepted, not yet recorded), `sent` (recorded,
/// before the copy in Sent) and `saved` (copy saved, not yet recorded).
async fn test_pause(step: &str) {
    #[cfg(debug_assertions)]
    if std::env::var("INKORG_TEST_OUTBOX_PAUSE")
        .is_ok_and(|v| v.split(',').any(|s| s.trim() == step))
    {
        eprintln!("outbox: paused at {step}");
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    #[cfg(not(debug_assertions))]
    let _ = step;
}

/// The task's own IMAP connection, opened when a copy or a draft is to be saved.
struct Imap {
    session: Session,
    ep: Endpoint,
    last_used: tokio::time::Instant,
}

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pass {
    pub sent: u32,
    /// A message waits (later, after a failure, for the person).
    pub waiting: u32,
}

pub(crate) struct Outbox<'a> {
    ctx: &'a Ctx,
    imap: Option<Imap>,
}

/// Runs until `cancel` fires.
pub(crate) async fn run(ctx: Ctx, cancel: CancellationToken) {
    let mut outbox = Outbox {
        ctx: &ctx,
        imap: None,
    };
    let mut failed_at: Option<tokio::time::Instant> = None;
    loop {
        let backing_off = failed_at.is_some_and(|t| t.elapsed() < Duration::from_secs(30));
        if !backing_off {
            let result = tokio::select! {
                () = cancel.cancelled() => break,
                r = outbox.pass(&cancel) => r,
            };
            failed_at = match result {
                Ok(_) | Err(Error::NotLoggedIn) => None,
                Err(_) => Some(tokio::time::Instant::now()),
            };
        }
        if outbox
            .imap
            .as_ref()
            .is_some_and(|c| c.last_used.elapsed() >= IMAP_IDLE)
        {
            outbox.close().await;
        }
        tokio::select! {
            () = cancel.cancelled() => break,
            () = ctx.outbox_wake.notified() => failed_at = None,
            () = tokio::time::sleep(TICK) => {}
        }
    }
    outbox.close().await;
}

/// One pass now, in this process, when no account loop runs anywhere (the CLI's `send`
/// without a `watch`). `None`: another process runs the loop and sends.
pub(crate) async fn flush(ctx: &Ctx) -> Result<Option<Pass>> {
    let Some(_lock) = crate::account_loop::try_lock(ctx).await? else {
        return Ok(None);
    };
    let mut outbox = Outbox { ctx, imap: None };
    let cancel = CancellationToken::new();
    let result = outbox.pass(&cancel).await;
    outbox.close().await;
    result.map(Some)
}

impl Outbox<'_> {
    async fn close(&mut self) {
        if let Some(mut c) = self.imap.take() {
            let _ = tokio::time::timeout(Duration::from_secs(2), c.session.logout()).await;
        }
    }

    async fn announce(&self, account_id: i64) -> Result<()> {
        let waiting = self
            .ctx
            .store
            .read(move |db| db.outbox_waiting(account_id))
            .await?;
        self.ctx.events.emit(Event::Outbox { waiting });
        Ok(())
    }

    /// Works through every message that is due, then the drafts.
    pub(crate) async fn pass(&mut self, cancel: &CancellationToken) -> Result<Pass> {
        let account = self.ctx.account().await?;
        let account_id = account.id;
        let mut pass = Pass::default();
        loop {
            if cancel.is_cancelled() {
                return Ok(pass);
            }
            let t = now();
            let next = self
                .ctx
                .store
                .read(move |db| db.next_outgoing(account_id, t))
                .await?;
            let Some(m) = next else { break };
            let result = self.one(&m).await;
            self.announce(account_id).await?;
            match result {
                Ok(true) => pass.sent += 1,
                Ok(false) => {}
                // Not the message's fault (the store, the task's IMAP connection): the row
                // is as it was, and the next pass tries again.
                Err(e) => return Err(e),
            }
        }
        pass.waiting = self
            .ctx
            .store
            .read(move |db| db.outbox_waiting(account_id))
            .await?;
        self.drafts(account_id).await?;
        Ok(pass)
    }

    /// Moves one message on as far as it goes. True when it left the outbox sent.
    async fn one(&mut self, m: &Outgoing) -> Result<bool> {
        let id = m.entry.id;
        let mut state = m.entry.state;
        if state == OutboxState::Sending {
            state = self.interrupted(m).await?;
        }
        if state == OutboxState::Queued {
            state = self.submit(m).await?;
        }
        if state != OutboxState::Sent {
            return Ok(false);
        }
        self.after_sent(m).await?;
        self.ctx.store.call(move |db| db.outgoing_done(id)).await?;
        self.ctx.events.emit(Event::MessageSent {
            message_id: m.entry.message_id.clone(),
            subject: m.entry.subject.clone(),
            to: m.entry.to.clone(),
        });
        Ok(true)
    }

    /// A row left in "sending" by a run that stopped: decide what it is now.
    async fn interrupted(&mut self, m: &Outgoing) -> Result<OutboxState> {
        let id = m.entry.id;
        let handed_over = self
            .ctx
            .store
            .read(move |db| db.outgoing_handed_over(id))
            .await?;
        if handed_over.is_none() {
            // The server never had all of it: send again.
            self.ctx
                .store
                .call(move |db| db.set_outbox_state(id, OutboxState::Queued))
                .await?;
            return Ok(OutboxState::Queued);
        }
        self.resolve_handed_over(m, None).await
    }

    /// The content was written and the answer never came (`cause`, in this run): look for
    /// the message.
    async fn resolve_handed_over(
        &mut self,
        m: &Outgoing,
        cause: Option<&Error>,
    ) -> Result<OutboxState> {
        let id = m.entry.id;
        let handed_over_at = self
            .ctx
            .store
            .read(move |db| db.outgoing_handed_over(id))
            .await?
            .unwrap_or(0);
        // A copy delivered to the person's own INBOX, or filed in Sent by the provider,
        // takes a moment to appear after a hand-over just now.
        let mut found = self.find_sent(&m.entry.message_id).await?;
        let deadline = tokio::time::Instant::now() + LOOK_FOR;
        while found.is_none()
            && now() - handed_over_at < 60
            && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_secs(1)).await;
            found = self.find_sent(&m.entry.message_id).await?;
        }
        if found.is_some() {
            self.ctx.store.call(move |db| db.outgoing_sent(id)).await?;
            return Ok(OutboxState::Sent);
        }
        let e = OutboxError {
            kind: "uncertain".into(),
            text: match cause {
                Some(e) => format!(
                    "the connection broke while the server was answering ({e}), and the \
                     message is not in Sent or in the mail received since: it may have arrived"
                ),
                None => "Inkorg stopped while the server was answering, and the message is not \
                         in Sent or in the mail received since: it may have arrived"
                    .into(),
            },
            server_text: None,
        };
        self.ctx
            .store
            .call(move |db| db.outgoing_stopped(id, OutboxState::Uncertain, &e))
            .await?;
        Ok(OutboxState::Uncertain)
    }

    /// Where the message with `message_id` is: Sent, then INBOX.
    async fn find_sent(&mut self, message_id: &str) -> Result<Option<String>> {
        let mut places = Vec::new();
        if let Some(sent) = self.folder_with(Role::Sent).await? {
            places.push(sent);
        }
        places.push("INBOX".to_string());
        for folder in places {
            let id = message_id.to_string();
            let f = folder.clone();
            let hits = self
                .with_imap(move |s, ep, t| {
                    let (f, id) = (f.clone(), id.clone());
                    Box::pin(async move {
                        imap::examine(s, ep, t, &f).await?;
                        imap::uids_with_message_id(s, ep, t, &id).await
                    })
                })
                .await;
            match hits {
                Ok(uids) if !uids.is_empty() => return Ok(Some(folder)),
                Ok(_) | Err(CommandFailure::Refused(_)) => {}
                Err(CommandFailure::Failed(e)) => return Err(e),
            }
        }
        Ok(None)
    }

    async fn folder_with(&mut self, role: Role) -> Result<Option<String>> {
        let account = self.ctx.account().await?;
        let account_id = account.id;
        let mut folders = self
            .ctx
            .store
            .read(move |db| db.folders(account_id))
            .await?;
        if folders.is_empty() {
            // Sent before the first sync (the CLI right after login): the folder list first.
            let remote = self
                .with_imap(|s, ep, t| {
                    Box::pin(async move {
                        imap::list_folders(s, ep, t)
                            .await
                            .map_err(CommandFailure::Failed)
                    })
                })
                .await;
            let remote = match remote {
                Ok(r) => r,
                Err(CommandFailure::Refused(_)) => Vec::new(),
                Err(CommandFailure::Failed(e)) => return Err(e),
            };
            folders = self
                .ctx
                .store
                .call(move |db| {
                    db.replace_folders(account_id, &remote)?;
                    db.folders(account_id)
                })
                .await?;
        }
        Ok(folders
            .into_iter()
            .find(|f| f.role == Some(role) && f.selectable)
            .map(|f| f.name))
    }

    /// The SMTP transaction.
    async fn submit(&mut self, m: &Outgoing) -> Result<OutboxState> {
        let id = m.entry.id;
        let account = self.ctx.account().await?;
        let s = &account.settings;
        self.ctx
            .store
            .call(move |db| db.set_outbox_state(id, OutboxState::Sending))
            .await?;
        self.announce(account.id).await?;
        test_pause("sending").await;
        let role = if account.smtp_own_password {
            SecretRole::Smtp
        } else {
            SecretRole::Imap
        };
        let prepared = async {
            s.check_plaintext()?;
            let secret = self.ctx.credential(s, role).await?;
            let trust = self.ctx.trust_for(s, &s.smtp.host, s.smtp.port).await?;
            let envelope = envelope(&m.envelope_from, &m.recipients)?;
            Ok::<_, Error>((secret, trust, envelope))
        }
        .await;
        let (secret, trust, envelope) = match prepared {
            Ok(p) => p,
            Err(e) => {
                let permanent = e.kind() == ErrorKind::InvalidInput;
                return self.failed(m, e, permanent, None).await;
            }
        };
        let bytes = crate::compose::without_bcc(&m.raw);
        let mut sub = match Submission::open(&s.smtp, &secret, &trust, &self.ctx.timeouts).await {
            Ok(sub) => sub,
            Err(e) => return self.refused(m, e).await,
        };
        drop(secret);
        if let Err(e) = sub.envelope(&envelope, &bytes).await {
            sub.quit().await;
            return self.refused(m, e).await;
        }
        test_pause("content").await;
        self.ctx
            .store
            .call(move |db| db.outgoing_handing_over(id))
            .await?;
        let result = sub.content(&bytes).await;
        if result.is_ok() {
            test_pause("answered").await;
            self.ctx.store.call(move |db| db.outgoing_sent(id)).await?;
        }
        sub.quit().await;
        match result {
            Ok(()) => Ok(OutboxState::Sent),
            Err(SubmitError::Unknown { error }) => self.resolve_handed_over(m, Some(&error)).await,
            Err(e) => self.refused(m, e).await,
        }
    }

    async fn refused(&mut self, m: &Outgoing, e: SubmitError) -> Result<OutboxState> {
        match e {
            SubmitError::NotSent {
                error,
                permanent,
                server_text,
            } => self.failed(m, *error, permanent, server_text).await,
            SubmitError::Refused {
                error,
                permanent,
                server_text,
            } => self.failed(m, *error, permanent, Some(server_text)).await,
            SubmitError::Unknown { error } => self.resolve_handed_over(m, Some(&error)).await,
        }
    }

    /// A failure: queued again after a delay, or stopped for good (5xx).
    async fn failed(
        &mut self,
        m: &Outgoing,
        error: Error,
        permanent: bool,
        server_text: Option<String>,
    ) -> Result<OutboxState> {
        let id = m.entry.id;
        let kind = serde_json::to_value(error.kind())
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        let e = OutboxError {
            kind,
            text: error.to_string(),
            server_text,
        };
        if permanent {
            self.ctx
                .store
                .call(move |db| db.outgoing_stopped(id, OutboxState::Failed, &e))
                .await?;
            return Ok(OutboxState::Failed);
        }
        let next = now() + retry_delay(m.entry.attempts + 1);
        self.ctx
            .store
            .call(move |db| db.outgoing_retry(id, next, &e))
            .await?;
        Ok(OutboxState::Queued)
    }

    /// Sent: the copy in Sent, the flag on the message answered, and the folders synced.
    async fn after_sent(&mut self, m: &Outgoing) -> Result<()> {
        let account = self.ctx.account().await?;
        let account_id = account.id;
        if let Some((row, flag)) = m.replied.clone() {
            // Through the queue, like any flag the person sets.
            let done = self
                .ctx
                .store
                .call(move |db| db.queue_flags(account_id, &[row], &[flag.as_str()], &[]))
                .await;
            if let Ok(changed) = done {
                for (c, folder) in changed {
                    self.ctx.events.emit(Event::Flags {
                        id: c.id,
                        folder,
                        seen: c.seen,
                        flagged: c.flagged,
                    });
                }
            }
        }
        let sent_folder = self.folder_with(Role::Sent).await?;
        if m.save_copy && !provider_files_sent_mail(&account.settings.smtp.host) {
            if let Some(folder) = &sent_folder {
                self.save_copy(m, folder).await?;
            }
        }
        test_pause("saved").await;
        if let Some(folder) = sent_folder {
            self.ctx.want_folder(&folder);
        }
        self.ctx.wake.notify_one();
        Ok(())
    }

    async fn save_copy(&mut self, m: &Outgoing, folder: &str) -> Result<()> {
        test_pause("sent").await;
        let f = folder.to_string();
        let id = m.entry.message_id.clone();
        let raw = std::sync::Arc::new(m.raw.clone());
        let r = self
            .with_imap(move |s, ep, t| {
                let (f, id, raw) = (f.clone(), id.clone(), raw.clone());
                Box::pin(async move {
                    imap::examine(s, ep, t, &f).await?;
                    if imap::uids_with_message_id(s, ep, t, &id).await?.is_empty() {
                        imap::append(s, ep, t, &f, "(\\Seen)", &raw).await?;
                    }
                    Ok(())
                })
            })
            .await;
        match r {
            Ok(()) => Ok(()),
            // The server will not take it (over quota, the folder is gone): the message is
            // sent all the same, and a stuck outbox would help no one.
            Err(CommandFailure::Refused(_)) => Ok(()),
            Err(CommandFailure::Failed(e)) => Err(e),
        }
    }

    /// Runs `work` on the task's IMAP connection (opened if needed, once more if a
    /// connection that had been idle turns out dead).
    async fn with_imap<T>(
        &mut self,
        work: impl for<'s> Fn(
            &'s mut Session,
            &'s Endpoint,
            &'s crate::tls::Timeouts,
        ) -> std::pin::Pin<
            Box<
                dyn std::future::Future<Output = std::result::Result<T, CommandFailure>>
                    + Send
                    + 's,
            >,
        >,
    ) -> std::result::Result<T, CommandFailure> {
        for attempt in 0..2 {
            let reused = self.imap.is_some();
            let mut conn = match self.imap.take() {
                Some(c) => c,
                None => self.open_imap().await.map_err(CommandFailure::Failed)?,
            };
            let timeouts = self.ctx.timeouts;
            let ep = conn.ep.clone();
            match work(&mut conn.session, &ep, &timeouts).await {
                Ok(v) => {
                    conn.last_used = tokio::time::Instant::now();
                    self.imap = Some(conn);
                    return Ok(v);
                }
                Err(CommandFailure::Refused(t)) => {
                    self.imap = Some(conn);
                    return Err(CommandFailure::Refused(t));
                }
                Err(CommandFailure::Failed(e)) => {
                    let _ =
                        tokio::time::timeout(Duration::from_secs(1), conn.session.logout()).await;
                    if !(reused && attempt == 0) {
                        return Err(CommandFailure::Failed(e));
                    }
                }
            }
        }
        Err(CommandFailure::Failed(Error::storage(
            "the outbox's IMAP connection failed twice",
        )))
    }

    async fn open_imap(&self) -> Result<Imap> {
        let account = self.ctx.account().await?;
        let s = &account.settings;
        s.check_plaintext()?;
        let secret = self.ctx.credential(s, SecretRole::Imap).await?;
        let trust = self.ctx.trust_for(s, &s.imap.host, s.imap.port).await?;
        let session = imap::login(&s.imap, &secret, &trust, &self.ctx.timeouts).await?;
        Ok(Imap {
            session,
            ep: imap::endpoint(&s.imap),
            last_used: tokio::time::Instant::now(),
        })
    }

    /// Uploads the drafts whose version in Drafts is behind, and removes the versions of
    /// drafts that were sent or discarded.
    async fn drafts(&mut self, account_id: i64) -> Result<()> {
        let ids = self
            .ctx
            .store
            .read(move |db| db.drafts_to_upload(account_id))
            .await?;
        if ids.is_empty() {
            return Ok(());
        }
        let Some(folder) = self.folder_with(Role::Drafts).await? else {
            return Ok(());
        };
        let account = self.ctx.account().await?;
        let s = account.settings.clone();
        for id in ids {
            let Some(d) = self.ctx.store.read(move |db| db.draft(id)).await? else {
                continue;
            };
            if !d.gone && now() - d.updated_at < DRAFT_QUIET {
                continue;
            }
            let raw = if d.gone {
                None
            } else {
                let attachments = self
                    .ctx
                    .store
                    .read(move |db| db.draft_attachment_bytes(id))
                    .await?;
                let draft = crate::compose::Draft::from_stored(&d.fields, attachments);
                match crate::compose::render_draft(&s.display_name, &s.email, &draft, &d.message_id)
                {
                    Ok(r) => Some(r),
                    Err(_) => continue,
                }
            };
            let f = folder.clone();
            let mid = d.message_id.clone();
            let r = self
                .with_imap(move |sess, ep, t| {
                    let raw = raw.clone();
                    let f = f.clone();
                    let mid = mid.clone();
                    Box::pin(async move {
                        imap::select(sess, ep, t, &f).await?;
                        let before = imap::uids_with_message_id(sess, ep, t, &mid).await?;
                        if let Some(raw) = &raw {
                            imap::append(sess, ep, t, &f, "(\\Draft \\Seen)", raw).await?;
                        }
                        // Every earlier version goes (also one a crash left behind).
                        for uid in before {
                            imap::store_flags(sess, ep, t, uid, true, &["\\Deleted".into()])
                                .await?;
                            imap::uid_expunge(sess, ep, t, uid).await?;
                        }
                        Ok(())
                    })
                })
                .await;
            match r {
                Ok(()) | Err(CommandFailure::Refused(_)) => {
                    let (gone, revision) = (d.gone, d.revision);
                    self.ctx
                        .store
                        .call(move |db| {
                            if gone {
                                db.forget_draft(id)
                            } else {
                                db.draft_uploaded(id, revision)
                            }
                        })
                        .await?;
                    self.ctx.want_folder(&folder);
                    self.ctx.wake.notify_one();
                }
                Err(CommandFailure::Failed(e)) => return Err(e),
            }
        }
        Ok(())
    }
}

fn envelope(from: &str, recipients: &[String]) -> Result<lettre::address::Envelope> {
    let from = from
        .parse()
        .map_err(|e| Error::invalid("from", format!("{from}: {e}")))?;
    let to = recipients
        .iter()
        .map(|r| {
            r.parse()
                .map_err(|e| Error::invalid("to", format!("{r}: {e}")))
        })
        .collect::<Result<Vec<_>>>()?;
    lettre::address::Envelope::new(Some(from), to).map_err(|e| Error::invalid("to", e.to_string()))
}
