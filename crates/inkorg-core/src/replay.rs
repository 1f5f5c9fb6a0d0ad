//! Replaying one queued action on the server, so that doing it twice (after a cut connection,
//! a crash, a kill) applies nothing twice:
//! - flags: `UID STORE ±FLAGS.SILENT`, the same result however often it runs;
//! - move: `UID MOVE` where offered (a second try finds no such UID and does nothing);
//!   otherwise `UID COPY` (skipped when the target already has the Message-ID), `UID STORE
//!   +FLAGS.SILENT (\Deleted)` and, with UIDPLUS, `UID EXPUNGE` of exactly that UID;
//! - expunge: `\Deleted` and `UID EXPUNGE` of exactly that UID. Never a bare EXPUNGE, which
//!   would also remove what other clients marked \Deleted. Without UIDPLUS the message stays
//!   marked \Deleted on the server (hidden here) until a client that may expunge does.
//!
//! The action names the message by folder, UIDVALIDITY and UID as the server had it when the
//! person acted; a UIDVALIDITY that changed since means the UID names nothing: the action is
//! dropped (the server's state wins).

use crate::error::Endpoint;
use crate::imap::{self, CommandFailure, Session, SessionCaps};
use crate::store::{ActionKind, PendingAction};
use crate::tls::Timeouts;

type Cmd<T> = std::result::Result<T, CommandFailure>;

pub(crate) struct Target<'a> {
    pub session: &'a mut Session,
    pub ep: &'a Endpoint,
    pub timeouts: &'a Timeouts,
    pub caps: SessionCaps,
}

/// Applies `a`. `selected` is the folder (and its UIDVALIDITY) the session has selected.
pub(crate) async fn apply(
    t: &mut Target<'_>,
    a: &PendingAction,
    selected: &mut Option<(String, u32)>,
) -> Cmd<()> {
    let uidvalidity = match selected.as_ref() {
        Some((name, v)) if *name == a.folder => *v,
        _ => {
            *selected = None;
            let v = imap::select(t.session, t.ep, t.timeouts, &a.folder).await?;
            *selected = Some((a.folder.clone(), v));
            v
        }
    };
    if a.uidvalidity != 0 && a.uid != 0 && a.uidvalidity != uidvalidity {
        return Err(CommandFailure::Refused(format!(
            "{} was renumbered on the server (UIDVALIDITY {} → {uidvalidity})",
            a.folder, a.uidvalidity
        )));
    }
    let uid = if a.uid != 0 {
        a.uid
    } else {
        let Some(mid) = a.message_id.as_deref() else {
            return Err(CommandFailure::Refused(
                "the message has no Message-ID to find it by".into(),
            ));
        };
        match imap::find_message_id(t.session, t.ep, t.timeouts, mid).await? {
            Some(uid) => uid,
            // Not there (yet, or any more): nothing to do.
            None => {
                return Err(CommandFailure::Refused(format!(
                    "the message is not in {} on the server",
                    a.folder
                )))
            }
        }
    };
    match a.kind {
        ActionKind::Flags => {
            if !a.add_flags.is_empty() {
                imap::store_flags(t.session, t.ep, t.timeouts, uid, true, &a.add_flags).await?;
            }
            if !a.remove_flags.is_empty() {
                imap::store_flags(t.session, t.ep, t.timeouts, uid, false, &a.remove_flags).await?;
            }
            Ok(())
        }
        ActionKind::Move => {
            let target = a.target.as_deref().unwrap_or_default();
            if t.caps.move_ {
                return imap::uid_transfer(t.session, t.ep, t.timeouts, uid, target, false).await;
            }
            if !already_in(t, target, a.message_id.as_deref(), selected).await? {
                imap::uid_transfer(t.session, t.ep, t.timeouts, uid, target, true).await?;
            }
            remove(t, uid).await
        }
        ActionKind::Expunge => remove(t, uid).await,
    }
}

/// `\Deleted` and, with UIDPLUS, `UID EXPUNGE` of exactly `uid`.
async fn remove(t: &mut Target<'_>, uid: u32) -> Cmd<()> {
    let deleted = ["\\Deleted".to_string()];
    imap::store_flags(t.session, t.ep, t.timeouts, uid, true, &deleted).await?;
    if t.caps.uidplus {
        imap::uid_expunge(t.session, t.ep, t.timeouts, uid).await?;
    }
    Ok(())
}

/// Whether a copy already reached `target` (an earlier try was cut off after COPY): looks
/// for the Message-ID there, then selects the source again.
async fn already_in(
    t: &mut Target<'_>,
    target: &str,
    message_id: Option<&str>,
    selected: &mut Option<(String, u32)>,
) -> Cmd<bool> {
    let Some(mid) = message_id.filter(|m| !m.is_empty()) else {
        return Ok(false);
    };
    let Some((source, _)) = selected.clone() else {
        return Ok(false);
    };
    imap::select(t.session, t.ep, t.timeouts, target).await?;
    let found = imap::find_message_id(t.session, t.ep, t.timeouts, mid).await?;
    let v = imap::select(t.session, t.ep, t.timeouts, &source).await?;
    *selected = Some((source, v));
    Ok(found.is_some())
}
