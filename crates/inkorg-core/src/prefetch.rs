//! The background download for offline reading ("Ladda ned meddelanden för läsning offline"):
//! while the account is idle, the bodies of the mail in the chosen range (30 days, 180 days,
//! all) are fetched newest first on the body connection and kept in the store, until the disk
//! budget is reached. It runs beside the account loop, in the process that holds the profile's
//! loop lock, and starts a pass a few seconds after the loop last reported a sync or new mail
//! (so the headers always come first), when Email options change, and every half hour.
//!
//! It never stands in the person's way: it asks for a small batch at a time (at most
//! [`BATCH_MAX`] messages or [`BATCH_BYTES`]), and the body connection's lock is fair, so a
//! message the person opens waits for one batch at most. Trash and Junk are left out (mail
//! nobody reads offline), as are folders the person does not follow. Progress goes out as
//! [`Event::Offline`].

use std::collections::HashMap;
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::engine::Ctx;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::folders::Role;
use crate::store::{OfflineScope, OfflineWanted};

/// Quiet time after the loop's last sync or new mail before a pass starts.
const SETTLE: Duration = Duration::from_secs(3);
/// After a pass that failed (offline, the server refused), the next try.
const RETRY: Duration = Duration::from_secs(60);
/// A pass also runs this often, for mail that aged into or out of the range.
const EVERY: Duration = Duration::from_secs(30 * 60);
/// The most messages in one FETCH.
const BATCH_MAX: usize = 10;
/// The most bytes (by RFC822.SIZE) in one FETCH; a larger message comes alone.
const BATCH_BYTES: i64 = 4 << 20;
/// How many messages a pass looks at per store query.
const WINDOW: u32 = 50;

/// How a pass ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PassEnd {
    /// Every message in range is stored.
    Complete,
    /// The disk budget is reached.
    BudgetReached,
    Cancelled,
}

/// Runs until `cancel` fires: a pass when one is due, as the module says.
pub(crate) async fn run(ctx: Ctx, cancel: CancellationToken) {
    let mut events = ctx.events.subscribe();
    let mut due = Instant::now() + SETTLE;
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            event = events.recv() => match event {
                Ok(Event::Synced { .. } | Event::NewMessage { .. } | Event::Progress { .. })
                | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    due = Instant::now() + SETTLE;
                }
                Ok(_) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            },
            () = ctx.offline_wake.notified() => due = Instant::now() + Duration::from_millis(200),
            () = tokio::time::sleep_until(due) => {
                due = match pass(&ctx, &cancel).await {
                    Ok(PassEnd::Cancelled) => return,
                    // Done, or no account (yet, or any more): wait for the loop's news.
                    Ok(_) | Err(Error::NotLoggedIn) => Instant::now() + EVERY,
                    Err(_) => Instant::now() + RETRY,
                };
            }
        }
    }
}

/// One pass down the messages in range that have no stored body.
pub(crate) async fn pass(ctx: &Ctx, cancel: &CancellationToken) -> Result<PassEnd> {
    let account = ctx.account().await?;
    let account_id = account.id;
    let prefs = crate::engine::preferences(ctx).await?;
    let folders = ctx
        .store
        .read(move |db| db.folders(account_id))
        .await?
        .into_iter()
        .filter(|f| f.subscribed && f.selectable)
        .filter(|f| !matches!(f.role, Some(Role::Trash | Role::Junk)))
        .map(|f| f.id)
        .collect();
    let mut scope = OfflineScope {
        folders,
        since: prefs.offline_range.since(crate::store::now()),
        after: None,
    };
    let budget =
        (prefs.offline_budget_mb > 0).then(|| u64::from(prefs.offline_budget_mb) * 1_000_000);
    let s = scope.clone();
    let total = ctx.store.read(move |db| db.offline_missing(&s)).await?;
    let (_, mut stored) = ctx
        .store
        .read(move |db| db.stored_bodies(account_id))
        .await?;
    let mut done = 0u32;
    let progress = |done: u32, stored: u64, budget_reached: bool| Event::Offline {
        done,
        total,
        stored_bytes: stored,
        budget_reached,
    };
    if total == 0 {
        return Ok(PassEnd::Complete);
    }
    ctx.events.emit(progress(0, stored, false));
    loop {
        let s = scope.clone();
        let window = ctx
            .store
            .read(move |db| db.offline_wanted(&s, WINDOW))
            .await?;
        let Some(last) = window.last() else { break };
        scope.after = Some((last.date, last.message_id));
        for mut batch in batches(&window) {
            if cancel.is_cancelled() {
                return Ok(PassEnd::Cancelled);
            }
            let whole = batch.len();
            if let Some(b) = budget {
                batch.truncate(fitting(&batch, b.saturating_sub(stored)));
            }
            if !batch.is_empty() {
                stored += fetch_batch(ctx, &batch, cancel).await?;
                done = done.saturating_add(batch.len() as u32).min(total);
            }
            if batch.len() < whole {
                ctx.events.emit(progress(done, stored, true));
                return Ok(PassEnd::BudgetReached);
            }
            ctx.events.emit(progress(done, stored, false));
        }
    }
    if done < total {
        ctx.events.emit(progress(total, stored, false));
    }
    Ok(PassEnd::Complete)
}

/// Fetches and stores one batch; the bytes stored. A message the server no longer has (or
/// will not send) is passed over: the loop's next sync removes it.
async fn fetch_batch(
    ctx: &Ctx,
    batch: &[&OfflineWanted],
    cancel: &CancellationToken,
) -> Result<u64> {
    let Some(first) = batch.first() else {
        return Ok(0);
    };
    let uids: Vec<u32> = batch.iter().map(|w| w.uid).collect();
    let fetched = tokio::select! {
        () = cancel.cancelled() => return Ok(0),
        r = crate::bodies::fetch(ctx, &first.folder, first.uidvalidity, &uids) => r,
    };
    let fetched = match fetched {
        Ok(f) => f,
        Err(Error::NotFound(_)) => return Ok(0),
        Err(e) => return Err(e),
    };
    let ids: HashMap<u32, i64> = batch.iter().map(|w| (w.uid, w.message_id)).collect();
    let bodies: Vec<(i64, Vec<u8>)> = fetched
        .into_iter()
        .filter_map(|(uid, raw)| ids.get(&uid).map(|id| (*id, raw)))
        .collect();
    ctx.store
        .call(move |db| {
            let mut bytes = 0u64;
            for (id, raw) in &bodies {
                // A message removed locally meanwhile is not stored (and not counted).
                if db.save_body(*id, raw)? {
                    bytes += raw.len() as u64;
                }
            }
            Ok(bytes)
        })
        .await
}

/// How many of `batch`, from the first, fit into `room` bytes (by their RFC822.SIZE).
fn fitting(batch: &[&OfflineWanted], room: u64) -> usize {
    let mut used = 0u64;
    batch
        .iter()
        .take_while(|w| {
            used += w.size.max(0).unsigned_abs();
            used <= room
        })
        .count()
}

/// A window of wanted messages (newest first) in FETCH batches: per folder in the order the
/// folders first appear, at most [`BATCH_MAX`] messages and [`BATCH_BYTES`] each (a larger
/// message alone).
fn batches(window: &[OfflineWanted]) -> Vec<Vec<&OfflineWanted>> {
    let mut order: Vec<&str> = Vec::new();
    for w in window {
        if !order.contains(&w.folder.as_str()) {
            order.push(&w.folder);
        }
    }
    let mut out = Vec::new();
    for folder in order {
        let mut batch: Vec<&OfflineWanted> = Vec::new();
        let mut bytes = 0i64;
        for w in window.iter().filter(|w| w.folder == folder) {
            let size = w.size.max(0);
            if !batch.is_empty() && (batch.len() >= BATCH_MAX || bytes + size > BATCH_BYTES) {
                out.push(std::mem::take(&mut batch));
                bytes = 0;
            }
            batch.push(w);
            bytes += size;
        }
        if !batch.is_empty() {
            out.push(batch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wanted(id: i64, folder: &str, size: i64) -> OfflineWanted {
        OfflineWanted {
            message_id: id,
            date: 1000 - id,
            folder: folder.into(),
            uid: u32::try_from(id).unwrap_or(0),
            uidvalidity: Some(1),
            size,
        }
    }

    #[test]
    fn the_download_asks_for_small_batches_per_folder_newest_first() {
        let mut window: Vec<OfflineWanted> = (1..=12).map(|i| wanted(i, "INBOX", 1000)).collect();
        window.insert(3, wanted(50, "Arkiv", 1000));
        let b = batches(&window);
        let ids: Vec<Vec<i64>> = b
            .iter()
            .map(|b| b.iter().map(|w| w.message_id).collect())
            .collect();
        assert_eq!(
            ids,
            vec![
                (1..=10).collect::<Vec<_>>(),
                vec![11, 12],
                vec![50], // its folder came after INBOX's newest
            ]
        );
    }

    #[test]
    fn a_large_message_is_fetched_alone_and_the_batch_stays_under_its_byte_limit() {
        let window = vec![
            wanted(1, "INBOX", 1 << 20),
            wanted(2, "INBOX", 10 << 20),
            wanted(3, "INBOX", 2 << 20),
            wanted(4, "INBOX", 2 << 20),
            wanted(5, "INBOX", 1 << 20),
        ];
        let ids: Vec<Vec<i64>> = batches(&window)
            .iter()
            .map(|b| b.iter().map(|w| w.message_id).collect())
            .collect();
        assert_eq!(ids, vec![vec![1], vec![2], vec![3, 4], vec![5]]);
    }

    #[test]
    fn the_download_stops_at_the_disk_budget_and_never_goes_over_it() {
        let w: Vec<OfflineWanted> = (1..=4).map(|i| wanted(i, "INBOX", 400_000)).collect();
        let batch: Vec<&OfflineWanted> = w.iter().collect();
        assert_eq!(fitting(&batch, 1_000_000), 2);
        assert_eq!(fitting(&batch, 1_600_000), 4);
        assert_eq!(fitting(&batch, 399_999), 0);
        assert_eq!(fitting(&batch, 0), 0);
    }
}
