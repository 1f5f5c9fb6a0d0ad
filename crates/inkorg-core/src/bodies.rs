//! Message bodies on demand: the store first; else one `UID FETCH … BODY.PEEK[]` (so opening
//! never marks a message read by itself) on the account's body connection, a third IMAP
//! connection beside the loop's two. It opens when a body is first wanted, is shared by every
//! fetch (one at a time), EXAMINEs folders read-only, and closes after two idle minutes. A
//! fetch never waits behind the loop's long syncs, and the loop never waits behind a 10 MB
//! download.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::engine::Ctx;
use crate::error::{Endpoint, Error, Result};
use crate::imap::{self, CommandFailure, Session};
use crate::secrets::Role;

/// The body connection closes after this long without a fetch.
const IDLE_CLOSE: Duration = Duration::from_secs(120);

pub(crate) struct BodyConn {
    session: Session,
    ep: Endpoint,
    /// The folder EXAMINEd, with its UIDVALIDITY.
    selected: Option<(String, u32)>,
    last_used: Instant,
}

/// The engine's body connection, if open.
pub(crate) type Fetcher = Arc<tokio::sync::Mutex<Option<BodyConn>>>;

/// The raw message: stored, or fetched now and stored.
pub(crate) async fn body(ctx: &Ctx, message_id: i64) -> Result<Vec<u8>> {
    if let Some(raw) = ctx.store.read(move |db| db.body(message_id)).await? {
        return Ok(raw);
    }
    let loc = ctx
        .store
        .read(move |db| db.body_location(message_id))
        .await?
        .ok_or_else(|| Error::NotFound(format!("no message with id {message_id}")))?;
    let uid = u32::try_from(loc.uid)
        .ok()
        .filter(|u| *u > 0)
        .ok_or_else(|| {
            Error::NotFound(
            "this message is being moved and its text was not downloaded before; it can be read \
             once the move has reached the server"
                .into(),
        )
        })?;
    let raw = fetch(ctx, &loc.folder, loc.uidvalidity, &[uid])
        .await?
        .into_iter()
        .next()
        .map(|(_, raw)| raw)
        .ok_or_else(|| {
            Error::NotFound(format!(
                "the message is no longer in {} on the server",
                crate::folders::decode_name(&loc.folder)
            ))
        })?;
    let keep = raw.clone();
    ctx.store
        .call(move |db| db.save_body(message_id, &keep))
        .await?;
    Ok(raw)
}

/// The raw messages `uids` of `folder` (those the server still has), on the body connection.
/// `uidvalidity` is the folder's as the store knows it: a folder recreated on the server
/// since has other messages under these UIDs, so nothing is fetched.
pub(crate) async fn fetch(
    ctx: &Ctx,
    folder: &str,
    uidvalidity: Option<u32>,
    uids: &[u32],
) -> Result<Vec<(u32, Vec<u8>)>> {
    let mut guard = ctx.bodies.lock().await;
    // A connection that has been idle may have been dropped by the server: one fresh try.
    for attempt in 0..2 {
        let reused = guard.is_some();
        let mut conn = match guard.take() {
            Some(c) => c,
            None => open(ctx).await?,
        };
        match fetch_on(&mut conn, ctx, folder, uidvalidity, uids).await {
            Ok(found) => {
                conn.last_used = Instant::now();
                *guard = Some(conn);
                drop(guard);
                close_when_idle(ctx.bodies.clone());
                return Ok(found);
            }
            Err(CommandFailure::Refused(text)) => {
                *guard = Some(conn);
                return Err(Error::NotFound(format!(
                    "the server would not send the message: {text}"
                )));
            }
            Err(CommandFailure::Failed(e)) => {
                let _ = tokio::time::timeout(Duration::from_secs(1), conn.session.logout()).await;
                if !(reused && attempt == 0) {
                    return Err(e);
                }
            }
        }
    }
    Err(Error::storage("the body connection failed twice"))
}

async fn fetch_on(
    conn: &mut BodyConn,
    ctx: &Ctx,
    folder: &str,
    uidvalidity: Option<u32>,
    uids: &[u32],
) -> std::result::Result<Vec<(u32, Vec<u8>)>, CommandFailure> {
    // A folder EXAMINEd a while ago shows this session only the mail it had then (the server
    // tells a session of new mail at its own pace): UIDs it does not know yet are looked for
    // again after a fresh EXAMINE.
    let already = conn.selected.as_ref().is_some_and(|(f, _)| *f == folder);
    let mut found: Vec<(u32, Vec<u8>)> = Vec::new();
    let mut missing: Vec<u32> = uids.to_vec();
    for fresh in [!already, true] {
        if fresh {
            conn.selected = None;
            let v = imap::examine(&mut conn.session, &conn.ep, &ctx.timeouts, folder).await?;
            conn.selected = Some((folder.to_string(), v));
        }
        let validity = conn.selected.as_ref().map_or(0, |(_, v)| *v);
        if uidvalidity.is_some_and(|want| want != validity) {
            // The folder was recreated on the server: these UIDs name other messages now.
            return Ok(Vec::new());
        }
        let got = imap::fetch_bodies(&mut conn.session, &conn.ep, &ctx.timeouts, &missing).await?;
        missing.retain(|u| !got.iter().any(|(g, _)| g == u));
        found.extend(got);
        if missing.is_empty() || fresh {
            break;
        }
    }
    Ok(found)
}

async fn open(ctx: &Ctx) -> Result<BodyConn> {
    let account = ctx.account().await?;
    let s = &account.settings;
    s.check_plaintext()?;
    let secret = ctx.credential(s, Role::Imap).await?;
    let trust = ctx.trust_for(s, &s.imap.host, s.imap.port).await?;
    let session = imap::login(&s.imap, &secret, &trust, &ctx.timeouts).await?;
    Ok(BodyConn {
        session,
        ep: imap::endpoint(&s.imap),
        selected: None,
        last_used: Instant::now(),
    })
}

/// Closes the body connection once it has been idle for [`IDLE_CLOSE`].
fn close_when_idle(fetcher: Fetcher) {
    let Ok(handle) = tokio::runtime::Handle::try_current() else {
        return;
    };
    handle.spawn(async move {
        tokio::time::sleep(IDLE_CLOSE).await;
        let mut guard = fetcher.lock().await;
        if guard
            .as_ref()
            .is_some_and(|c| c.last_used.elapsed() >= IDLE_CLOSE)
        {
            if let Some(mut c) = guard.take() {
                let _ = tokio::time::timeout(Duration::from_secs(2), c.session.logout()).await;
            }
        }
    });
}

/// Closes the body connection now (log out, account removed).
pub(crate) async fn close(fetcher: &Fetcher) {
    if let Some(mut c) = fetcher.lock().await.take() {
        let _ = tokio::time::timeout(Duration::from_secs(2), c.session.logout()).await;
    }
}
