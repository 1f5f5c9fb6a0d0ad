//! The account loop: one supervised task per account that owns its IMAP connection, and in
//! each round replays the person's queued actions, syncs the folder list and every folder
//! (INBOX first, the others when due or asked for), then waits for news with IDLE on INBOX (or
//! polls where the server has no IDLE). It is stopped by a cancellation token; a failure
//! reconnects with exponential backoff and jitter; a refusal that another try cannot fix
//! (wrong password, a provider block, an untrusted certificate) stops it and says why, and
//! only the person's "try again" ([`crate::Engine::retry_now`]) starts it again. Everything it
//! learns goes into the store and out as [`Event`]s.
//!
//! One loop per profile, also across processes: the loop holds an exclusive lock on
//! `loop.lock` in the data directory. A second process (the app beside `inkorg-cli watch`)
//! reports [`Health::Elsewhere`] and waits; actions it queues reach the server through the
//! loop that runs, which notices other processes' commits by SQLite's `data_version`.

use std::collections::BTreeSet;
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::engine::Ctx;
use crate::error::{Error, ErrorKind, Result};
use crate::events::{ErrorInfo, Event, Health};
use crate::imap::{self, IdleEnd, Session, SessionCaps};
use crate::secrets::Role;
use crate::store::FolderInfo;
use crate::sync::{FolderSync, SyncPhase, SyncProgress, SyncReport};

/// The longest IDLE: re-issued after this whatever keepalives the server sends (RFC 2177 asks
/// for less than 29 minutes; NATs and proxies drop quiet connections much sooner).
const IDLE_MAX: Duration = Duration::from_secs(5 * 60);
/// Where the server has no IDLE, INBOX is polled this often.
const POLL_EVERY: Duration = Duration::from_secs(2 * 60);
/// The folder list and the other folders are synced this often (and when the person opens
/// one).
const OTHER_FOLDERS_EVERY: Duration = Duration::from_secs(5 * 60);
/// How often the loop looks for other processes' writes and for a jump in the wall clock.
const TICK: Duration = Duration::from_millis(500);
/// A wall clock that moved this much further than the monotonic clock means the machine
/// slept: the connection is probably dead, so reconnect at once.
const CLOCK_JUMP: Duration = Duration::from_secs(30);
const BACKOFF_FIRST: Duration = Duration::from_secs(1);
const BACKOFF_MAX: Duration = Duration::from_secs(5 * 60);
/// An action whose connection failed this often in a row is dropped (a command that somehow
/// breaks the connection every time must not block the queue forever). A cut connection is
/// the network's fault, not the action's: on a bad network this takes many reconnects.
const MAX_ATTEMPTS: u32 = 20;

/// Errors another try cannot fix: the loop stops and waits for the person.
fn stops_the_loop(e: &Error) -> bool {
    use crate::error::BlockReason;
    match e {
        Error::BlockedByProvider { reason, .. } => !matches!(
            reason,
            BlockReason::TooManyConnections | BlockReason::Throttled
        ),
        _ => matches!(
            e.kind(),
            ErrorKind::WrongCredentials
                | ErrorKind::CertificateUntrusted
                | ErrorKind::StarttlsNotOffered
                | ErrorKind::Keyring
                | ErrorKind::NotLoggedIn
                | ErrorKind::InvalidInput
        ),
    }
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Exponential backoff with jitter (from the clock's nanoseconds: no RNG needed for this).
struct Backoff {
    next: Duration,
    /// Connections in a row that logged in and then failed before a round completed.
    after_login: u32,
}

impl Backoff {
    fn new() -> Backoff {
        Backoff {
            next: BACKOFF_FIRST,
            after_login: 0,
        }
    }

    /// A round completed: the connection works.
    fn reset(&mut self) {
        self.next = BACKOFF_FIRST;
        self.after_login = 0;
    }

    /// A connection logged in, then failed. On a flaky network each one still makes progress
    /// (every header batch is committed), so the next try comes after a second; a server that
    /// fails the same way every time gets the growing backoff after a few.
    fn failed_after_login(&mut self) {
        self.after_login += 1;
        if self.after_login <= 5 {
            self.next = BACKOFF_FIRST;
        }
    }

    fn take(&mut self) -> Duration {
        let base = self.next;
        self.next = (self.next * 2).min(BACKOFF_MAX);
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        // Up to +25 %, so many clients cut off together do not all come back together.
        base + base.mul_f64(f64::from(nanos % 1000) / 4000.0)
    }
}

/// The exclusive lock that makes this process the profile's one loop.
pub(crate) struct ProfileLock {
    _file: std::fs::File,
}

impl ProfileLock {
    fn try_acquire(data_dir: &std::path::Path) -> Result<Option<ProfileLock>> {
        let path = data_dir.join("loop.lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::storage_because(format!("cannot open {}", path.display()), e))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(ProfileLock { _file: file })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(Error::storage_because(
                format!("cannot lock {}", path.display()),
                e,
            )),
        }
    }
}

/// Runs the loop until `cancel` fires. Returns only then (or when there is no account).
pub(crate) async fn run(ctx: Ctx, cancel: CancellationToken) -> Result<()> {
    let _lock = loop {
        let dir = ctx.data_dir.clone();
        let lock = tokio::task::spawn_blocking(move || ProfileLock::try_acquire(&dir))
            .await
            .map_err(|e| Error::storage_because("taking the profile lock", e))??;
        if let Some(lock) = lock {
            break lock;
        }
        // Said again every pass, so a window that starts listening later still learns it.
        ctx.events.emit(Event::Health(Health::Elsewhere));
        tokio::select! {
            () = cancel.cancelled() => return Ok(()),
            () = tokio::time::sleep(Duration::from_secs(2)) => {}
        }
    };
    // The background download for offline reading runs while this loop does (and stops with
    // it, however it ends).
    let offline = cancel.child_token();
    let _stop_offline = offline.clone().drop_guard();
    tokio::spawn(crate::prefetch::run(ctx.clone(), offline));
    // So does the outbox (its own IMAP connection for the copy in Sent and the drafts).
    let outbox = cancel.child_token();
    let _stop_outbox = outbox.clone().drop_guard();
    tokio::spawn(crate::outbox::run(ctx.clone(), outbox));
    let mut backoff = Backoff::new();
    loop {
        if cancel.is_cancelled() {
            return Ok(());
        }
        ctx.events.emit(Event::Health(Health::Connecting));
        let mut logged_in = false;
        let error = match connected(&ctx, &cancel, &mut backoff, &mut logged_in).await {
            Ok(()) => return Ok(()),
            Err(e) => e,
        };
        if logged_in {
            backoff.failed_after_login();
        }
        if cancel.is_cancelled() {
            return Ok(());
        }
        if matches!(error, Error::NotLoggedIn) {
            return Err(error);
        }
        if stops_the_loop(&error) {
            ctx.events.emit(Event::Health(Health::Stopped {
                error: ErrorInfo::from(&error),
            }));
            tokio::select! {
                () = cancel.cancelled() => return Ok(()),
                () = ctx.retry.notified() => {}
            }
            backoff.reset();
            continue;
        }
        let wait = backoff.take();
        ctx.events.emit(Event::Health(Health::Offline {
            retry_in_s: wait.as_secs().max(1),
            error: ErrorInfo::from(&error),
        }));
        tokio::select! {
            () = cancel.cancelled() => return Ok(()),
            () = tokio::time::sleep(wait) => {}
            () = ctx.retry.notified() => backoff.reset(),
        }
    }
}

/// The profile's loop lock, if no other process holds it (for one pass of work without a
/// loop: the CLI's actions and sends).
pub(crate) async fn try_lock(ctx: &Ctx) -> Result<Option<ProfileLock>> {
    let dir = ctx.data_dir.clone();
    tokio::task::spawn_blocking(move || ProfileLock::try_acquire(&dir))
        .await
        .map_err(|e| Error::storage_because("taking the profile lock", e))?
}

/// What [`flush`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flushed {
    /// The queue was replayed on the server (this many actions were waiting).
    Replayed(u32),
    /// Another process runs this profile's loop: it replays the queue.
    Elsewhere,
}

/// Replays the queue once, now, unless another process runs the loop (the CLI's `mark`,
/// `move` and `delete` without a `watch`). Then syncs the folders the actions touched.
pub(crate) async fn flush(ctx: Ctx) -> Result<Flushed> {
    let dir = ctx.data_dir.clone();
    let lock = tokio::task::spawn_blocking(move || ProfileLock::try_acquire(&dir))
        .await
        .map_err(|e| Error::storage_because("taking the profile lock", e))??;
    let Some(_lock) = lock else {
        return Ok(Flushed::Elsewhere);
    };
    let account = ctx.account().await?;
    let account_id = account.id;
    let (waiting, subscriptions) = ctx
        .store
        .read(move |db| {
            Ok((
                db.pending_count(account_id)?,
                db.pending_subscriptions(account_id)?,
            ))
        })
        .await?;
    if waiting == 0 && subscriptions.is_empty() {
        return Ok(Flushed::Replayed(0));
    }
    let mut conn = Connection::open(&ctx).await?;
    let result = async {
        conn.send_subscriptions().await?;
        let touched = conn.replay().await?;
        for folder in &touched {
            conn.sync_folder(folder).await?;
        }
        Ok(Flushed::Replayed(waiting))
    }
    .await;
    conn.close().await;
    result
}

/// The connections' life: log in, then rounds of replay, sync and waiting, until an error or
/// the cancellation. Two connections, as Delta Chat core has them: one waits in IDLE on INBOX
/// and syncs it the moment the server reports something; the other replays the queue and
/// syncs the other folders, so a long sync of a big folder never delays new mail. A server
/// that refuses a second connection (too many) gets one that does both. When either fails,
/// both are closed and the loop reconnects.
async fn connected(
    ctx: &Ctx,
    cancel: &CancellationToken,
    backoff: &mut Backoff,
    logged_in: &mut bool,
) -> Result<()> {
    let mut main = Connection::open(ctx).await?;
    *logged_in = true;
    let mut inbox = match Connection::open(ctx).await {
        Ok(c) => Some(c),
        Err(Error::BlockedByProvider {
            reason: crate::error::BlockReason::TooManyConnections,
            ..
        }) => None,
        Err(e) => {
            main.close().await;
            return Err(e);
        }
    };
    let result = match inbox.as_mut() {
        Some(watcher) => {
            let due = Notify::new();
            tokio::select! {
                r = main.rounds(cancel, backoff, Some(&due)) => r,
                r = watcher.watch_inbox(cancel, &due) => r,
            }
        }
        None => main.rounds(cancel, backoff, None).await,
    };
    if let Some(mut c) = inbox {
        c.close().await;
    }
    main.close().await;
    result
}

struct Connection<'a> {
    ctx: &'a Ctx,
    session: Option<Session>,
    ep: crate::error::Endpoint,
    caps: SessionCaps,
    account_id: i64,
}

impl<'a> Connection<'a> {
    /// Logs in to the account's IMAP server with the saved password.
    async fn open(ctx: &'a Ctx) -> Result<Connection<'a>> {
        let account = ctx.account().await?;
        let s = &account.settings;
        s.check_plaintext()?;
        let secret = ctx.credential(s, Role::Imap).await?;
        let trust = ctx.trust_for(s, &s.imap.host, s.imap.port).await?;
        let ep = imap::endpoint(&s.imap);
        let mut session = imap::login(&s.imap, &secret, &trust, &ctx.timeouts).await?;
        drop(secret);
        let caps = imap::session_caps(&mut session, &ep, &ctx.timeouts).await?;
        Ok(Connection {
            ctx,
            session: Some(session),
            ep,
            caps,
            account_id: account.id,
        })
    }

    async fn close(&mut self) {
        if let Some(mut session) = self.session.take() {
            let _ = tokio::time::timeout(Duration::from_secs(2), session.logout()).await;
        }
    }

    fn session(&mut self) -> Result<&mut Session> {
        self.session
            .as_mut()
            .ok_or_else(|| crate::tls::protocol_error(&self.ep, "the connection was lost"))
    }

    /// Rounds of replay, sync and waiting. With `inbox_watcher`, another connection owns
    /// INBOX (this one asks it to sync INBOX when an action or the person touched it, and
    /// waits without IDLE); without, this connection syncs INBOX too and IDLEs on it.
    async fn rounds(
        &mut self,
        cancel: &CancellationToken,
        backoff: &mut Backoff,
        inbox_watcher: Option<&Notify>,
    ) -> Result<()> {
        let mut others_synced: Option<Instant> = None;
        // A STATUS that disagrees with the sync just done means mail arrived in between: sync
        // again, but only once in a row (a server whose counts never match must still IDLE).
        let mut recheck = true;
        loop {
            if cancel.is_cancelled() {
                return Ok(());
            }
            let touched = self.replay().await?;
            self.send_subscriptions().await?;
            let due = others_synced.is_none_or(|t| t.elapsed() >= OTHER_FOLDERS_EVERY);
            let mut folders: BTreeSet<String> = self.ctx.take_wanted_folders();
            folders.extend(touched);
            let inbox_asked = folders.iter().any(|f| f.eq_ignore_ascii_case("INBOX"));
            // INBOX first: it is what the person looks at.
            let mut inbox = match inbox_watcher {
                Some(watcher) => {
                    if inbox_asked {
                        watcher.notify_one();
                    }
                    None
                }
                None => Some(self.sync_folder("INBOX").await?),
            };
            let known = if due {
                others_synced = Some(Instant::now());
                let all = self.refresh_folders().await?;
                // Every folder the person follows; one they stopped following only when an
                // action of theirs touched it or they opened it.
                folders.extend(all.iter().filter(|f| f.subscribed).map(|f| f.name.clone()));
                all
            } else {
                let account_id = self.account_id;
                self.ctx
                    .store
                    .read(move |db| db.folders(account_id))
                    .await?
            };
            // Only folders the server lists and can select: a folder asked for that is gone
            // must not fail the connection.
            folders.retain(|name| {
                !name.eq_ignore_ascii_case("INBOX")
                    && known.iter().any(|f| f.name == *name && f.selectable)
            });
            for folder in &folders {
                if cancel.is_cancelled() {
                    return Ok(());
                }
                self.sync_folder(folder).await?;
            }
            if !folders.is_empty() && inbox.is_some() {
                // Leave INBOX selected for IDLE, and pick up what arrived meanwhile.
                inbox = Some(self.sync_folder("INBOX").await?);
            }
            backoff.reset();
            self.ctx.events.emit(Event::Health(Health::Online {
                updated_at: now_secs(),
                push: self.caps.idle,
            }));
            let account_id = self.account_id;
            let pending = self
                .ctx
                .store
                .read(move |db| db.pending_count(account_id))
                .await?;
            if pending > 0 {
                // Queued while this round ran: replay before waiting.
                continue;
            }
            let until_others = others_synced
                .map(|t| OTHER_FOLDERS_EVERY.saturating_sub(t.elapsed()))
                .unwrap_or_default()
                .max(Duration::from_secs(1));
            let Some(inbox) = inbox else {
                // The other connection watches INBOX: wait for an action, a folder asked
                // for, or the next round of the other folders.
                let (mono, wall) = (Instant::now(), SystemTime::now());
                tokio::select! {
                    () = interrupted(self.ctx, cancel) => {}
                    () = tokio::time::sleep(until_others) => {}
                }
                self.woke(mono, wall)?;
                continue;
            };
            if recheck && self.inbox_moved_on(&inbox).await? {
                recheck = false;
                continue;
            }
            recheck = true;
            self.wait(interrupted(self.ctx, cancel), until_others)
                .await?;
        }
    }

    /// The INBOX connection: sync INBOX, then IDLE on it (or poll) until the server reports
    /// something, the other connection asks (`due`), or the loop is cancelled.
    async fn watch_inbox(&mut self, cancel: &CancellationToken, due: &Notify) -> Result<()> {
        let mut recheck = true;
        loop {
            if cancel.is_cancelled() {
                return Ok(());
            }
            let inbox = self.sync_folder("INBOX").await?;
            if recheck && self.inbox_moved_on(&inbox).await? {
                recheck = false;
                continue;
            }
            recheck = true;
            let interrupt = async {
                tokio::select! {
                    () = cancel.cancelled() => {}
                    () = due.notified() => {}
                }
            };
            self.wait(interrupt, IDLE_MAX).await?;
        }
    }

    /// Whether mail arrived (or left) between INBOX's sync and now: STATUS disagrees with the
    /// sync. Checked before each IDLE, so nothing waits for the IDLE after.
    async fn inbox_moved_on(&mut self, inbox: &SyncReport) -> Result<bool> {
        let (ep, timeouts) = (self.ep.clone(), self.ctx.timeouts);
        let (uidnext, exists) = imap::status(self.session()?, &ep, &timeouts, "INBOX").await?;
        Ok(uidnext != inbox.uidnext || exists != inbox.total)
    }

    /// A machine that slept while we waited: its connections are dead, reconnect at once.
    fn woke(&self, mono: Instant, wall: SystemTime) -> Result<()> {
        if clock_jumped(mono, wall) {
            return Err(Error::cannot_connect(
                &self.ep,
                "the computer slept; reconnecting",
            ));
        }
        Ok(())
    }

    /// Waits for news on the selected INBOX: IDLE, or a quiet wait and NOOP where IDLE is
    /// missing; at most `limit`, and no longer than `interrupt` takes.
    async fn wait(
        &mut self,
        interrupt: impl std::future::Future<Output = ()>,
        limit: Duration,
    ) -> Result<()> {
        let ctx = self.ctx;
        let (mono, wall) = (Instant::now(), SystemTime::now());
        if self.caps.idle {
            let session = self
                .session
                .take()
                .ok_or_else(|| crate::tls::protocol_error(&self.ep, "the connection was lost"))?;
            let limit = IDLE_MAX.min(limit.max(Duration::from_secs(1)));
            let (session, _end): (Session, IdleEnd) =
                imap::idle(session, &self.ep, &ctx.timeouts, limit, interrupt).await?;
            self.session = Some(session);
        } else {
            let limit = POLL_EVERY.min(limit.max(Duration::from_secs(1)));
            tokio::select! {
                () = interrupt => {}
                () = tokio::time::sleep(limit) => {}
            }
            let ep = self.ep.clone();
            let t = ctx.timeouts.command;
            let noop = self.session()?.noop();
            tokio::time::timeout(t, noop)
                .await
                .map_err(|_| crate::tls::protocol_error(&ep, "NOOP did not finish in time"))?
                .map_err(|e| imap::map_imap_error(&ep, e))?;
        }
        self.woke(mono, wall)
    }

    async fn refresh_folders(&mut self) -> Result<Vec<FolderInfo>> {
        let (ctx, ep, account_id) = (self.ctx, self.ep.clone(), self.account_id);
        let session = self.session()?;
        let (changed, after) =
            crate::sync::refresh_folder_list(session, &ep, &ctx.timeouts, &ctx.store, account_id)
                .await?;
        if changed {
            ctx.events.emit(Event::Folders);
        }
        Ok(after)
    }

    /// Tells the server what the person follows (SUBSCRIBE / UNSUBSCRIBE), so other mail
    /// programs see the same list. A server that refuses keeps our own list as it is.
    async fn send_subscriptions(&mut self) -> Result<()> {
        let account_id = self.account_id;
        let pending = self
            .ctx
            .store
            .read(move |db| db.pending_subscriptions(account_id))
            .await?;
        let (ep, timeouts) = (self.ep.clone(), self.ctx.timeouts);
        for (name, on) in pending {
            match imap::subscribe(self.session()?, &ep, &timeouts, &name, on).await {
                // A server that refuses (some have no subscriptions at all) is not asked again:
                // Inkorg's own list is what it syncs.
                Ok(()) | Err(imap::CommandFailure::Refused(_)) => {}
                Err(imap::CommandFailure::Failed(e)) => return Err(e),
            }
            self.ctx
                .store
                .call(move |db| db.subscription_sent(account_id, &name, on))
                .await?;
        }
        Ok(())
    }

    async fn sync_folder(&mut self, folder: &str) -> Result<SyncReport> {
        let ep = self.ep.clone();
        let ctx = self.ctx;
        let (condstore, qresync) = (self.caps.condstore, self.caps.qresync);
        let account_id = self.account_id;
        let session = self.session()?;
        let mut job = FolderSync {
            session,
            endpoint: &ep,
            store: &ctx.store,
            account_id,
            timeouts: &ctx.timeouts,
            condstore,
            qresync,
            events: &ctx.events,
        };
        let events = &ctx.events;
        let progress = |p: SyncProgress| {
            if p.phase == SyncPhase::Headers && p.total > 0 && p.done < p.total {
                events.emit(Event::Progress {
                    folder: p.folder,
                    done: p.done,
                    total: p.total,
                });
            }
        };
        let report: SyncReport = job.run(folder, &progress).await?;
        if report.full || report.new + report.expunged + report.flags_changed > 0 {
            ctx.events.emit(Event::Synced {
                folder: report.folder.clone(),
                new: report.new,
                total: report.total,
                full: report.full,
            });
            ctx.events.emit(Event::Folders);
        }
        Ok(report)
    }

    /// Replays the queue in order. Returns the folders that moves went to (synced next, so
    /// the moved messages get their new UIDs).
    async fn replay(&mut self) -> Result<BTreeSet<String>> {
        let mut touched = BTreeSet::new();
        let account_id = self.account_id;
        let mut selected: Option<(String, u32)> = None;
        loop {
            let next = self
                .ctx
                .store
                .read(move |db| db.next_action(account_id))
                .await?;
            let Some(action) = next else {
                break;
            };
            let id = action.id;
            let ep = self.ep.clone();
            let caps = self.caps;
            let timeouts = self.ctx.timeouts;
            let mut target = crate::replay::Target {
                session: self.session()?,
                ep: &ep,
                timeouts: &timeouts,
                caps,
            };
            match crate::replay::apply(&mut target, &action, &mut selected).await {
                Ok(()) => {
                    if let Some(t) = &action.target {
                        touched.insert(t.clone());
                    }
                    touched.insert(action.folder.clone());
                    self.ctx.store.call(move |db| db.action_done(id)).await?;
                }
                Err(imap::CommandFailure::Refused(text)) => {
                    // The server will not do it (the folder is gone, …): drop it; the next
                    // sync shows the server's state again.
                    touched.insert(action.folder.clone());
                    self.ctx
                        .store
                        .call(move |db| db.action_failed(id, &text, true))
                        .await?;
                }
                Err(imap::CommandFailure::Failed(e)) => {
                    let give_up = action.attempts + 1 >= MAX_ATTEMPTS;
                    let text = e.to_string();
                    self.ctx
                        .store
                        .call(move |db| db.action_failed(id, &text, give_up))
                        .await?;
                    return Err(e);
                }
            }
            self.ctx.announce_queue(account_id).await?;
        }
        Ok(touched)
    }
}

/// Completes when the loop should stop waiting: cancelled, an action queued in this process,
/// a folder asked for, another process's commit, or a jump in the wall clock.
async fn interrupted(ctx: &Ctx, cancel: &CancellationToken) {
    let start_version = ctx.store.data_version().await.unwrap_or(0);
    let mono = Instant::now();
    let wall = SystemTime::now();
    let watch = async {
        loop {
            tokio::time::sleep(TICK).await;
            let version = ctx.store.data_version().await.unwrap_or(start_version);
            if version != start_version {
                return;
            }
            if clock_jumped(mono, wall) {
                return;
            }
        }
    };
    tokio::select! {
        () = cancel.cancelled() => {}
        () = ctx.wake.notified() => {}
        () = watch => {}
    }
}

/// The wall clock moved further than the monotonic clock since (`mono`, `wall`): the machine
/// slept in between (the monotonic clock stands still during sleep).
fn clock_jumped(mono: Instant, wall: SystemTime) -> bool {
    wall.elapsed().unwrap_or_default() > mono.elapsed() + CLOCK_JUMP
}
