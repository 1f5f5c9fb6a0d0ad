//! Header sync of one folder over a logged-in IMAP session.
//!
//! First sync: newest first, in growing batches by sequence number, each batch committed at
//! once, so the newest mail is listed while older mail still arrives. Later syncs: only UIDs
//! above the highest stored one, flag changes since the stored HIGHESTMODSEQ (CONDSTORE) or a
//! cheap flag scan where CONDSTORE is missing, and, only when the local count differs from the
//! server's, one `UID SEARCH ALL` that finds both what was expunged (removed locally) and what
//! is missing locally (fetched: the older range of a first sync that was interrupted, by a
//! crash, a cut connection or a kill, so nothing is lost for good). A changed UIDVALIDITY drops
//! the folder's stored messages and syncs it again, so nothing is duplicated.
//!
//! Where the server offers QRESYNC (RFC 7162), the SELECT itself carries everything since the
//! stored HIGHESTMODSEQ: the UIDs expunged (VANISHED) and the changed flags, so a resync with
//! nothing new is one SELECT and one empty FETCH, and expunges need no `UID SEARCH ALL`.

use futures::TryStreamExt;
use serde::Serialize;
use std::collections::HashSet;

use crate::error::{Endpoint, Result};
use crate::events::{Event, Events};
use crate::imap::{map_imap_error, FlagChange, Session};
use crate::mime::{parse_headers, HeaderSummary};
use crate::store::{FolderState, Inserted, NewMessage, Store};
use crate::tls::{protocol_error, Timeouts};

/// The header fields the list, threading and the attachment mark need.
const HEADER_FIELDS: &str =
    "BODY.PEEK[HEADER.FIELDS (FROM TO CC SUBJECT DATE MESSAGE-ID IN-REPLY-TO REFERENCES CONTENT-TYPE)]";

/// The first batch is small so the newest mail shows at once; later ones grow to this size.
const FIRST_BATCH: u32 = 200;
const MAX_BATCH: u32 = 2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    Connecting,
    Folders,
    Headers,
    Flags,
    Expunges,
    Done,
}

/// Progress, streamed to whoever drives the sync (CLI line, UI progress bar).
#[derive(Debug, Clone, Serialize)]
pub struct SyncProgress {
    pub folder: String,
    pub phase: SyncPhase,
    /// Headers stored so far in this phase.
    pub done: u32,
    /// Headers expected in this phase (0 when unknown).
    pub total: u32,
}

/// What one folder's sync changed.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct SyncReport {
    pub folder: String,
    pub new: u32,
    pub flags_changed: u32,
    pub expunged: u32,
    pub total: u32,
    /// The folder was synced from scratch (first time, or a new UIDVALIDITY).
    pub full: bool,
    /// Wall-clock time of the whole sync: connect, login, folder list, this folder.
    pub elapsed_ms: u64,
    /// The server's UIDNEXT as of this sync (the account loop compares it with STATUS).
    #[serde(skip)]
    pub uidnext: Option<u32>,
    /// The other folders synced after INBOX (by `Engine::sync`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub others: Vec<SyncReport>,
}

pub(crate) struct FolderSync<'a> {
    pub session: &'a mut Session,
    pub endpoint: &'a Endpoint,
    pub store: &'a Store,
    pub account_id: i64,
    pub timeouts: &'a Timeouts,
    pub condstore: bool,
    /// QRESYNC is ENABLEd on the session: one SELECT brings the changes since the last sync.
    pub qresync: bool,
    pub events: &'a Events,
}

/// What SELECT said of the folder.
struct Selected {
    exists: u32,
    uidvalidity: u32,
    uidnext: Option<u32>,
    highestmodseq: Option<u64>,
    /// With QRESYNC: the UIDs expunged and the flags changed since the stored MODSEQ.
    changes: Option<(Vec<u32>, Vec<FlagChange>)>,
}

impl FolderSync<'_> {
    pub async fn run(
        &mut self,
        folder: &str,
        progress: &(dyn Fn(SyncProgress) + Sync),
    ) -> Result<SyncReport> {
        let (account_id, name) = (self.account_id, folder.to_string());
        let folder_id = self
            .store
            .call(move |db| db.folder_id(account_id, &name))
            .await?;
        let stored = self
            .store
            .call(move |db| db.folder_state(folder_id))
            .await?;
        let mailbox = self.select(folder, &stored).await?;
        let uidvalidity = mailbox.uidvalidity;
        let server_modseq = mailbox.highestmodseq;

        let mut report = SyncReport {
            folder: folder.to_string(),
            ..Default::default()
        };
        if stored.uidvalidity.is_some_and(|v| v != uidvalidity) {
            self.store
                .call(move |db| db.reset_folder(folder_id, uidvalidity))
                .await?;
        }
        let (local_count, max_local) = self.store.read(move |db| db.uid_stats(folder_id)).await?;
        let stored = if local_count == 0 {
            FolderState::default()
        } else {
            stored
        };

        match max_local {
            None => {
                report.full = true;
                report.new = self
                    .initial(folder, folder_id, mailbox.exists, progress)
                    .await?;
            }
            Some(max) => {
                if let Some((vanished, changed)) = mailbox.changes {
                    report.expunged = self.remove(folder, folder_id, vanished).await?;
                    let changed = changed.into_iter().filter(|c| c.0 <= max).collect();
                    report.flags_changed = self.apply_flags(folder, folder_id, changed).await?;
                    emit(
                        progress,
                        folder,
                        SyncPhase::Flags,
                        report.flags_changed,
                        report.flags_changed,
                    );
                    report.new = self
                        .fetch_new(folder, folder_id, max, mailbox.uidnext, progress)
                        .await?;
                } else {
                    report.new = self
                        .fetch_new(folder, folder_id, max, mailbox.uidnext, progress)
                        .await?;
                    report.flags_changed = self
                        .flag_changes(folder, folder_id, max, stored.highestmodseq, progress)
                        .await?;
                }
                let local_count = (local_count + report.new).saturating_sub(report.expunged);
                if local_count != mailbox.exists {
                    let (gone, filled) = self.reconcile(folder, folder_id, progress).await?;
                    report.expunged += gone;
                    report.new += filled;
                }
            }
        }

        let state = FolderState {
            uidvalidity: Some(uidvalidity),
            uidnext: mailbox.uidnext,
            highestmodseq: server_modseq,
        };
        report.uidnext = mailbox.uidnext;
        report.total = self
            .store
            .call(move |db| {
                db.set_folder_state(folder_id, state)?;
                db.count(folder_id)
            })
            .await?;
        emit(
            progress,
            folder,
            SyncPhase::Done,
            report.total,
            report.total,
        );
        Ok(report)
    }

    /// SELECT: with QRESYNC and a stored state, the changes since then come with it.
    async fn select(&mut self, folder: &str, stored: &FolderState) -> Result<Selected> {
        let ep = self.endpoint.clone();
        if let (true, Some(uv), Some(modseq)) =
            (self.qresync, stored.uidvalidity, stored.highestmodseq)
        {
            let q =
                crate::imap::select_qresync(self.session, &ep, self.timeouts, folder, uv, modseq)
                    .await?;
            if q.refused.is_none() {
                let same = q.uidvalidity == Some(uv);
                return Ok(Selected {
                    exists: q.exists,
                    uidvalidity: q.uidvalidity.unwrap_or(0),
                    uidnext: q.uidnext,
                    highestmodseq: q.highestmodseq,
                    changes: same.then_some((q.vanished, q.changed)),
                });
            }
            // Refused: the plain SELECT below (a folder that is really gone fails there).
        }
        let select = async {
            if self.condstore {
                self.session.select_condstore(folder).await
            } else {
                self.session.select(folder).await
            }
        };
        let mailbox = tokio::time::timeout(self.timeouts.command, select)
            .await
            .map_err(|_| protocol_error(&ep, format!("SELECT {folder} did not finish in time")))?
            .map_err(|e| map_imap_error(&ep, e))?;
        Ok(Selected {
            exists: mailbox.exists,
            uidvalidity: mailbox.uid_validity.unwrap_or(0),
            uidnext: mailbox.uid_next,
            highestmodseq: if self.condstore {
                mailbox.highest_modseq
            } else {
                None
            },
            changes: None,
        })
    }

    /// Takes the server's flags for these messages (a queued local change is kept until the
    /// server has it) and says so.
    async fn apply_flags(
        &mut self,
        folder: &str,
        folder_id: i64,
        changes: Vec<FlagChange>,
    ) -> Result<u32> {
        if changes.is_empty() {
            return Ok(0);
        }
        let changed = self
            .store
            .call(move |db| db.update_flags(folder_id, &changes))
            .await?;
        let n = changed.len() as u32;
        for c in changed {
            self.events.emit(Event::Flags {
                id: c.id,
                folder: folder.to_string(),
                seen: c.seen,
                flagged: c.flagged,
            });
        }
        Ok(n)
    }

    /// Removes messages the server expunged, and says so.
    async fn remove(&mut self, folder: &str, folder_id: i64, uids: Vec<u32>) -> Result<u32> {
        if uids.is_empty() {
            return Ok(0);
        }
        let gone = self
            .store
            .call(move |db| db.delete_uids(folder_id, &uids))
            .await?;
        let removed = gone.len() as u32;
        for (id, _) in gone {
            self.events.emit(Event::Removed {
                id,
                folder: folder.to_string(),
                moved_to: None,
            });
        }
        Ok(removed)
    }

    fn query(&self) -> String {
        let modseq = if self.condstore { " MODSEQ" } else { "" };
        format!("(UID FLAGS RFC822.SIZE INTERNALDATE{modseq} {HEADER_FIELDS})")
    }

    /// Newest first by sequence number, in batches that grow from FIRST_BATCH to MAX_BATCH.
    async fn initial(
        &mut self,
        folder: &str,
        folder_id: i64,
        exists: u32,
        progress: &(dyn Fn(SyncProgress) + Sync),
    ) -> Result<u32> {
        let query = self.query();
        let mut hi = exists;
        let mut batch = FIRST_BATCH;
        let mut stored = 0;
        // Decoding and storing a batch runs on the blocking pool while the next batch is
        // fetched; at most one batch waits, and progress is reported in order.
        let mut pending: Option<tokio::task::JoinHandle<Result<u32>>> = None;
        while hi >= 1 {
            let lo = hi.saturating_sub(batch - 1).max(1);
            let fetches = self.raw_fetch(false, &format!("{lo}:{hi}"), &query).await?;
            if let Some(previous) = pending.take() {
                stored += self.join(previous).await?;
                emit(progress, folder, SyncPhase::Headers, stored, exists);
            }
            let store = self.store.clone();
            pending = Some(tokio::spawn(async move {
                // Decoding runs before the store is locked: a slow or panicking parser never
                // holds up (or poisons) the database.
                let msgs = tokio::task::spawn_blocking(move || decode(&fetches, None))
                    .await
                    .unwrap_or_default();
                let n = msgs.len() as u32;
                store
                    .call(move |db| db.insert_messages(folder_id, &msgs))
                    .await?;
                Ok(n)
            }));
            if lo == 1 {
                break;
            }
            hi = lo - 1;
            batch = (batch * 4).min(MAX_BATCH);
        }
        if let Some(last) = pending.take() {
            stored += self.join(last).await?;
            emit(progress, folder, SyncPhase::Headers, stored, exists);
        }
        Ok(stored)
    }

    async fn join(&self, task: tokio::task::JoinHandle<Result<u32>>) -> Result<u32> {
        task.await.map_err(|e| {
            protocol_error(self.endpoint, format!("storing headers: {e}")).because(e)
        })?
    }

    async fn fetch_new(
        &mut self,
        folder: &str,
        folder_id: i64,
        max_local: u32,
        uidnext: Option<u32>,
        progress: &(dyn Fn(SyncProgress) + Sync),
    ) -> Result<u32> {
        // SELECT's UIDNEXT already says whether anything arrived above what is stored.
        if uidnext.is_some_and(|next| next <= max_local.saturating_add(1)) {
            return Ok(0);
        }
        let query = self.query();
        let set = format!("{}:*", max_local + 1);
        // "N:*" always returns the last message, even when its UID is below N.
        let msgs = self.fetch(true, &set, &query, Some(max_local)).await?;
        let mut n = 0;
        for chunk in msgs.chunks(MAX_BATCH as usize) {
            let chunk = chunk.to_vec();
            let inserted = self
                .store
                .call(move |db| db.insert_messages(folder_id, &chunk))
                .await?;
            n += inserted.len() as u32;
            self.announce(folder, inserted);
        }
        emit(progress, folder, SyncPhase::Headers, n, n);
        Ok(n)
    }

    async fn flag_changes(
        &mut self,
        folder: &str,
        folder_id: i64,
        max_local: u32,
        since: Option<u64>,
        progress: &(dyn Fn(SyncProgress) + Sync),
    ) -> Result<u32> {
        let query = match (self.condstore, since) {
            (true, Some(m)) => format!("(UID FLAGS) (CHANGEDSINCE {m})"),
            _ => "(UID FLAGS)".to_string(),
        };
        let fetches = self
            .raw_fetch(true, &format!("1:{max_local}"), &query)
            .await?;
        let changes: Vec<FlagChange> = fetches
            .iter()
            .filter_map(|f| Some((f.uid?, flags_of(f), f.modseq)))
            .filter(|(uid, _, _)| *uid <= max_local)
            .collect();
        let n = self.apply_flags(folder, folder_id, changes).await?;
        emit(progress, folder, SyncPhase::Flags, n, n);
        Ok(n)
    }

    /// The counts differ: compares the UIDs. Removes what the server expunged and fetches what
    /// is missing here, newest first. Returns (removed, fetched).
    async fn reconcile(
        &mut self,
        folder: &str,
        folder_id: i64,
        progress: &(dyn Fn(SyncProgress) + Sync),
    ) -> Result<(u32, u32)> {
        let ep = self.endpoint.clone();
        let search = self.session.uid_search("ALL");
        let on_server: HashSet<u32> = tokio::time::timeout(self.timeouts.fetch, search)
            .await
            .map_err(|_| protocol_error(&ep, "UID SEARCH did not finish in time"))?
            .map_err(|e| map_imap_error(&ep, e))?;
        let local: HashSet<u32> = self
            .store
            .call(move |db| db.local_uids(folder_id))
            .await?
            .into_iter()
            .collect();
        let gone: Vec<u32> = local.difference(&on_server).copied().collect();
        let mut missing: Vec<u32> = on_server.difference(&local).copied().collect();
        let max_before = local.iter().max().copied().unwrap_or(0);
        let removed = self.remove(folder, folder_id, gone).await?;
        emit(progress, folder, SyncPhase::Expunges, removed, removed);

        missing.sort_unstable_by(|a, b| b.cmp(a));
        let total = missing.len() as u32;
        let query = self.query();
        let mut fetched = 0;
        for chunk in missing.chunks(MAX_BATCH as usize) {
            let msgs = self.fetch(true, &uid_set(chunk), &query, None).await?;
            let inserted = self
                .store
                .call(move |db| db.insert_messages(folder_id, &msgs))
                .await?;
            fetched += inserted.len() as u32;
            // The older range of an interrupted first sync is not news; what arrived since is.
            self.announce(
                folder,
                inserted
                    .into_iter()
                    .filter(|m| m.uid > max_before)
                    .collect(),
            );
            emit(progress, folder, SyncPhase::Headers, fetched, total);
        }
        Ok((removed, fetched))
    }

    fn announce(&self, folder: &str, inserted: Vec<Inserted>) {
        for m in inserted {
            self.events.emit(Event::NewMessage {
                id: m.id,
                folder: folder.to_string(),
                uid: m.uid,
                from: m.from,
                subject: m.subject,
                date: m.date,
                seen: m.seen,
            });
        }
    }

    async fn raw_fetch(
        &mut self,
        uid: bool,
        set: &str,
        query: &str,
    ) -> Result<Vec<async_imap::types::Fetch>> {
        let ep = self.endpoint.clone();
        let limit = self.timeouts.fetch;
        let session = &mut *self.session;
        let work = async move {
            if uid {
                session
                    .uid_fetch(set, query)
                    .await?
                    .try_collect::<Vec<_>>()
                    .await
            } else {
                session
                    .fetch(set, query)
                    .await?
                    .try_collect::<Vec<_>>()
                    .await
            }
        };
        tokio::time::timeout(limit, work)
            .await
            .map_err(|_| protocol_error(&ep, format!("FETCH {set} did not finish in time")))?
            .map_err(|e| map_imap_error(&ep, e))
    }

    /// Fetches and decodes headers; with `above`, drops UIDs not above it.
    async fn fetch(
        &mut self,
        uid: bool,
        set: &str,
        query: &str,
        above: Option<u32>,
    ) -> Result<Vec<NewMessage>> {
        let fetches = self.raw_fetch(uid, set, query).await?;
        tokio::task::spawn_blocking(move || decode(&fetches, above))
            .await
            .map_err(|e| protocol_error(self.endpoint, format!("decoding headers: {e}")).because(e))
    }
}

/// The server's folder list into the store: folders renamed on the server are renamed here
/// first (same UIDVALIDITY: their mail keeps its local ids), then the list is replaced (new
/// folders added, gone ones dropped with their mail). Returns whether the names changed, and
/// the folders as stored now.
pub(crate) async fn refresh_folder_list(
    session: &mut Session,
    ep: &Endpoint,
    timeouts: &Timeouts,
    store: &Store,
    account_id: i64,
) -> Result<(bool, Vec<crate::store::FolderInfo>)> {
    let remote = crate::imap::list_folders(session, ep, timeouts).await?;
    let stored: Vec<(String, Option<u32>)> = store
        .read(move |db| db.folders(account_id))
        .await?
        .into_iter()
        .map(|f| (f.name, f.uidvalidity))
        .collect();
    let renamed = crate::imap::renamed_folders(session, ep, timeouts, &stored, &remote).await?;
    let after = store
        .call(move |db| {
            // Each its own transaction: a rename applied without the new list is still true.
            for (old, new) in &renamed {
                db.rename_folder(account_id, old, new)?;
            }
            db.replace_folders(account_id, &remote)?;
            db.folders(account_id)
        })
        .await?;
    let changed = stored.len() != after.len()
        || stored
            .iter()
            .zip(&after)
            .any(|((name, _), f)| *name != f.name);
    Ok((changed, after))
}

/// An IMAP UID set for `uids` (any order), with runs written as ranges: `7,5:3,1`.
fn uid_set(uids: &[u32]) -> String {
    let mut sorted = uids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}:{end}")
        });
        i += 1;
    }
    parts.join(",")
}

fn emit(
    progress: &(dyn Fn(SyncProgress) + Sync),
    folder: &str,
    phase: SyncPhase,
    done: u32,
    total: u32,
) {
    progress(SyncProgress {
        folder: folder.to_string(),
        phase,
        done,
        total,
    });
}

/// Decodes fetched headers; with `above`, drops UIDs not above it (`N:*` quirk).
fn decode(fetches: &[async_imap::types::Fetch], above: Option<u32>) -> Vec<NewMessage> {
    fetches
        .iter()
        .filter_map(|f| {
            let uid = f.uid?;
            if above.is_some_and(|a| uid <= a) {
                return None;
            }
            let raw = f.header().unwrap_or_default();
            // The parser is third-party code fed with anything a sender wrote: a panic in it
            // costs this message its decoded fields, never the message or the sync.
            let header = std::panic::catch_unwind(|| parse_headers(raw))
                .unwrap_or_else(|_| HeaderSummary::default());
            Some(NewMessage {
                uid,
                flags: flags_of(f),
                modseq: f.modseq,
                internal_date: f.internal_date().map(|d| d.timestamp()),
                size: f.size,
                header,
            })
        })
        .collect()
}

fn flags_of(f: &async_imap::types::Fetch) -> Vec<String> {
    use async_imap::types::Flag;
    f.flags()
        .filter_map(|flag| match flag {
            Flag::Seen => Some("\\Seen".to_string()),
            Flag::Answered => Some("\\Answered".to_string()),
            Flag::Flagged => Some("\\Flagged".to_string()),
            Flag::Deleted => Some("\\Deleted".to_string()),
            Flag::Draft => Some("\\Draft".to_string()),
            // \Recent is per-session and would make every sync look like a change.
            Flag::Recent | Flag::MayCreate => None,
            Flag::Custom(c) => Some(c.to_string()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::uid_set;

    #[test]
    fn uid_sets_join_runs_into_ranges() {
        assert_eq!(uid_set(&[7, 5, 4, 3, 1]), "1,3:5,7");
        assert_eq!(uid_set(&[2]), "2");
        assert_eq!(uid_set(&[10, 9, 9, 8, 20, 21]), "8:10,20:21");
        assert_eq!(uid_set(&[]), "");
    }
}
