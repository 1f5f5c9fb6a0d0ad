//! The live mailbox: the account loop's start and stop, its events, and the person's actions
//! (read, flag, move, delete, archive), which change the store at once, go into the action
//! queue in the same transaction, and wake the loop. None of these wait for the network.

use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use super::{Engine, Runner};
pub use crate::account_loop::Flushed;
use crate::error::{Error, Result};
use crate::events::{Event, Health};
use crate::folders::Role;
use crate::store::{FolderInfo, MessageSummary, PendingAction, Relocated};

/// Read, unread, flag, unflag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Read,
    Unread,
    Flag,
    Unflag,
}

impl Engine {
    /// The loop's health as it last said it: what a window that opens later shows at once.
    pub fn health(&self) -> Option<Health> {
        self.ctx.events.health()
    }

    /// Every event from now on (new mail, flags, removals, folders, health, queue).
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.ctx.events.subscribe()
    }

    /// Starts the account loop in the background, if an account exists and it is not running.
    /// A loop that ends by a panic is restarted (after a pause, with a health event).
    pub fn start(&self) {
        let mut runner = self.runner();
        if runner.as_ref().is_some_and(|r| !r.task.is_finished()) {
            return;
        }
        let cancel = CancellationToken::new();
        let ctx = self.ctx.clone();
        let token = cancel.clone();
        let task = tokio::spawn(async move {
            let mut pause = std::time::Duration::from_secs(1);
            loop {
                let run = tokio::spawn(crate::account_loop::run(ctx.clone(), token.clone()));
                match run.await {
                    // Stopped, or there is no account (nothing to run for).
                    Ok(_) => return,
                    Err(panic) => {
                        let error = Error::storage(format!("the account loop failed: {panic}"));
                        ctx.events.emit(Event::Health(Health::Offline {
                            retry_in_s: pause.as_secs(),
                            error: (&error).into(),
                        }));
                        tokio::select! {
                            () = token.cancelled() => return,
                            () = tokio::time::sleep(pause) => {}
                        }
                        pause = (pause * 2).min(std::time::Duration::from_secs(300));
                    }
                }
            }
        });
        *runner = Some(Runner { cancel, task });
    }

    /// Stops the account loop and waits until it has let go of its connection and lock.
    pub async fn stop(&self) {
        let runner = self.runner().take();
        if let Some(r) = runner {
            r.cancel.cancel();
            let _ = r.task.await;
        }
    }

    /// Runs the account loop in the foreground until `cancel` fires (`inkorg-cli watch`).
    pub async fn run(&self, cancel: CancellationToken) -> Result<()> {
        crate::account_loop::run(self.ctx.clone(), cancel).await
    }

    /// Replays the action queue now, unless another process runs this profile's loop (then
    /// that loop does). For one-shot front ends (the CLI's `mark`, `move`, `delete`).
    pub async fn flush_queue(&self) -> Result<Flushed> {
        crate::account_loop::flush(self.ctx.clone()).await
    }

    /// The person's "try again" after the loop stopped on a refusal, or while it waits to
    /// reconnect.
    pub fn retry_now(&self) {
        self.ctx.retry.notify_one();
    }

    /// The person opened `folder`: the loop syncs it in its next round, which starts now.
    pub fn open_folder(&self, folder: &str) {
        self.ctx
            .wanted
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(folder.to_string());
        self.ctx.wake.notify_one();
    }

    fn runner(&self) -> std::sync::MutexGuard<'_, Option<Runner>> {
        self.runner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Follows a folder (synced, in the folder pane) or stops following it (Email options,
    /// Folders). Inbox and Sent are always followed. The server is told by the loop. Returns
    /// whether anything changed.
    pub async fn set_subscribed(&self, folder: &str, on: bool) -> Result<bool> {
        let f = self.folder_named(folder).await?;
        if !on && matches!(f.role, Some(Role::Inbox | Role::Sent)) {
            return Err(Error::invalid(
                "folder",
                format!(
                    "{} is always followed (Inbox and Sent cannot be turned off)",
                    f.display_name
                ),
            ));
        }
        let account_id = self.ctx.account().await?.id;
        let name = f.name.clone();
        let changed = self
            .ctx
            .store
            .call(move |db| db.set_subscribed(account_id, &name, on))
            .await?;
        if changed {
            self.ctx.events.emit(Event::Folders);
            if on {
                self.open_folder(&f.name);
            } else {
                self.ctx.wake.notify_one();
            }
        }
        Ok(changed)
    }

    /// One message by its local id.
    pub async fn message(&self, id: i64) -> Result<MessageSummary> {
        self.ctx
            .store
            .read(move |db| db.message(id))
            .await?
            .ok_or_else(|| Error::NotFound(format!("no message with id {id}")))
    }

    /// Marks the messages `ids` read, unread, flagged or unflagged. Returns how many changed.
    pub async fn mark(&self, ids: &[i64], how: Mark) -> Result<u32> {
        let account = self.ctx.account().await?;
        let (add, remove): (&[&str], &[&str]) = match how {
            Mark::Read => (&["\\Seen"], &[]),
            Mark::Unread => (&[], &["\\Seen"]),
            Mark::Flag => (&["\\Flagged"], &[]),
            Mark::Unflag => (&[], &["\\Flagged"]),
        };
        let ids = ids.to_vec();
        let changed = self
            .ctx
            .store
            .call(move |db| db.queue_flags(account.id, &ids, add, remove))
            .await?;
        let n = changed.len() as u32;
        for (c, folder) in changed {
            self.ctx.events.emit(Event::Flags {
                id: c.id,
                folder,
                seen: c.seen,
                flagged: c.flagged,
            });
        }
        self.queued(account.id, n > 0).await?;
        Ok(n)
    }

    /// Moves the messages `ids` to `folder` (its server name or, for a role, "Trash",
    /// "Arkiv" …: the name as listed). Returns how many moved.
    pub async fn move_messages(&self, ids: &[i64], folder: &str) -> Result<u32> {
        let account = self.ctx.account().await?;
        let target = self.folder_named(folder).await?;
        let ids = ids.to_vec();
        let moved = self
            .ctx
            .store
            .call(move |db| db.queue_move(account.id, &ids, target.id))
            .await?;
        self.relocated(account.id, moved).await
    }

    /// Moves the messages `ids` to the Archive folder.
    pub async fn archive(&self, ids: &[i64]) -> Result<u32> {
        let archive = self
            .folder_with_role(Role::Archive)
            .await?
            .ok_or_else(|| Error::NotFound("this account has no Archive folder".into()))?;
        self.move_messages(ids, &archive.name).await
    }

    /// Deletes the messages `ids`: to Trash; in Trash (or where there is no Trash folder)
    /// for good, which needs `for_good` (the person's yes to the question).
    pub async fn delete(&self, ids: &[i64], for_good: bool) -> Result<u32> {
        let account = self.ctx.account().await?;
        let trash = self.folder_with_role(Role::Trash).await?;
        let mut to_trash = Vec::new();
        let mut forever = Vec::new();
        for &id in ids {
            let m = self.message(id).await?;
            match &trash {
                Some(t) if t.name != m.folder => to_trash.push(id),
                _ => forever.push(id),
            }
        }
        if !forever.is_empty() && !for_good {
            return Err(Error::invalid(
                "for_good",
                format!(
                    "{} message(s) would be removed for good (they are in Trash, or there is no Trash folder); confirm to remove them",
                    forever.len()
                ),
            ));
        }
        let mut n = 0;
        if let Some(t) = &trash {
            if !to_trash.is_empty() {
                let target = t.id;
                let moved = self
                    .ctx
                    .store
                    .call(move |db| db.queue_move(account.id, &to_trash, target))
                    .await?;
                n += self.relocated(account.id, moved).await?;
            }
        }
        if !forever.is_empty() {
            let gone = self
                .ctx
                .store
                .call(move |db| db.queue_expunge(account.id, &forever))
                .await?;
            n += self.relocated(account.id, gone).await?;
        }
        Ok(n)
    }

    /// The actions waiting for the server, oldest first.
    pub async fn queue(&self) -> Result<Vec<PendingAction>> {
        let account = self.ctx.account().await?;
        self.ctx
            .store
            .read(move |db| db.pending_actions(account.id))
            .await
    }

    async fn relocated(&self, account_id: i64, moved: Vec<Relocated>) -> Result<u32> {
        let n = moved.len() as u32;
        for m in moved {
            self.ctx.events.emit(Event::Removed {
                id: m.id,
                folder: m.from_folder,
                moved_to: m.to_folder,
            });
        }
        if n > 0 {
            self.ctx.events.emit(Event::Folders);
        }
        self.queued(account_id, n > 0).await?;
        Ok(n)
    }

    /// After a local change: tell the front ends the queue's length and wake the loop.
    async fn queued(&self, account_id: i64, changed: bool) -> Result<()> {
        if !changed {
            return Ok(());
        }
        self.ctx.announce_queue(account_id).await?;
        self.ctx.wake.notify_one();
        Ok(())
    }

    /// A folder by its server name, else by the name a person reads: the whole path
    /// ("INBOX.Räkningar") or, when only one folder has it, its last part ("Räkningar").
    async fn folder_named(&self, name: &str) -> Result<FolderInfo> {
        let folders = self.folders().await?;
        let last = |f: &FolderInfo| -> String {
            match f.delimiter.as_deref().filter(|d| !d.is_empty()) {
                Some(d) => f
                    .display_name
                    .rsplit(d)
                    .next()
                    .unwrap_or_default()
                    .to_string(),
                None => f.display_name.clone(),
            }
        };
        let by_last: Vec<&FolderInfo> = folders
            .iter()
            .filter(|f| last(f).to_lowercase() == name.to_lowercase())
            .collect();
        folders
            .iter()
            .find(|f| f.name == name)
            .or_else(|| folders.iter().find(|f| f.display_name == name))
            .or_else(|| {
                folders
                    .iter()
                    .find(|f| f.display_name.to_lowercase() == name.to_lowercase())
            })
            .or_else(|| (by_last.len() == 1).then(|| by_last[0]))
            .filter(|f| f.selectable)
            .cloned()
            .ok_or_else(|| Error::NotFound(format!("no folder named \"{name}\"")))
    }

    async fn folder_with_role(&self, role: Role) -> Result<Option<FolderInfo>> {
        Ok(self
            .folders()
            .await?
            .into_iter()
            .find(|f| f.role == Some(role) && f.selectable))
    }
}
