//! The action queue: the person's read/flag/move/delete, applied to the local rows at once and
//! written, in the same transaction, as entries the account loop replays on the server in
//! order. An entry names the message where the server has it (folder, UIDVALIDITY, UID), so a
//! replay after a crash or a cut connection does the same thing again and nothing more.
//! A UID of 0 means the server's UID is not known yet (the message was moved here locally):
//! replay finds it by its Message-ID.

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::messages::{flag_columns, FlagsChanged};
use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// Add and remove flags (read, unread, flag, unflag).
    Flags,
    /// Move to another folder (delete to Trash and archive are moves).
    Move,
    /// Remove for good: \Deleted and UID EXPUNGE of exactly this message.
    Expunge,
}

impl ActionKind {
    fn as_str(self) -> &'static str {
        match self {
            ActionKind::Flags => "flags",
            ActionKind::Move => "move",
            ActionKind::Expunge => "expunge",
        }
    }

    fn parse(s: &str) -> ActionKind {
        match s {
            "move" => ActionKind::Move,
            "expunge" => ActionKind::Expunge,
            _ => ActionKind::Flags,
        }
    }
}

/// One queued action, as replay and the queue view see it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PendingAction {
    pub id: i64,
    pub kind: ActionKind,
    /// The local message id when the action was taken.
    pub message: Option<i64>,
    /// Where the server has the message now.
    pub folder: String,
    pub uidvalidity: u32,
    /// 0: not known yet, find it by `message_id`.
    pub uid: u32,
    pub add_flags: Vec<String>,
    pub remove_flags: Vec<String>,
    pub target: Option<String>,
    pub message_id: Option<String>,
    /// The message's subject, for the queue view (empty when the row is gone).
    pub subject: String,
    pub created_at: i64,
    pub attempts: u32,
    pub last_error: Option<String>,
}

/// A message row as an action needs it.
struct Row {
    id: i64,
    folder_id: i64,
    folder: String,
    uidvalidity: u32,
    uid: i64,
    flags: String,
    message_id: Option<String>,
}

fn row(tx: &Transaction<'_>, account_id: i64, id: i64) -> Result<Option<Row>> {
    Ok(tx
        .query_row(
            "SELECT m.id, m.folder_id, f.name, coalesce(f.uidvalidity, 0), m.uid, m.flags, m.message_id
             FROM messages m JOIN folders f ON f.id = m.folder_id
             WHERE m.id = ?1 AND f.account_id = ?2",
            params![id, account_id],
            |r| {
                Ok(Row {
                    id: r.get(0)?,
                    folder_id: r.get(1)?,
                    folder: r.get(2)?,
                    uidvalidity: r.get(3)?,
                    uid: r.get(4)?,
                    flags: r.get(5)?,
                    message_id: r.get(6)?,
                })
            },
        )
        .optional()?)
}

/// The server UID an action names: 0 for a row moved here locally (not known yet).
fn server_uid(uid: i64) -> u32 {
    u32::try_from(uid).unwrap_or(0)
}

/// The queued move that put this row where it is, if it has not been replayed.
fn pending_move(tx: &Transaction<'_>, row_id: i64) -> Result<Option<(i64, String, u32)>> {
    Ok(tx
        .query_row(
            "SELECT id, folder, uid FROM actions WHERE message_row = ?1 AND kind = 'move'
             ORDER BY id DESC LIMIT 1",
            params![row_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?)
}

#[allow(clippy::too_many_arguments)]
fn enqueue(
    tx: &Transaction<'_>,
    account_id: i64,
    kind: ActionKind,
    r: &Row,
    add: &str,
    remove: &str,
    target: Option<&str>,
) -> Result<i64> {
    tx.execute(
        "INSERT INTO actions (account_id, kind, message_row, folder, uidvalidity, uid, add_flags,
                              remove_flags, target, message_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            account_id,
            kind.as_str(),
            r.id,
            r.folder,
            r.uidvalidity,
            server_uid(r.uid),
            add,
            remove,
            target,
            r.message_id,
            now()
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

/// Where a moved or deleted message went, for the events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relocated {
    pub id: i64,
    pub from_folder: String,
    pub to_folder: Option<String>,
}

impl Db {
    /// Adds and removes flags on the messages `ids` (local ids) and queues the change.
    /// Returns the rows whose flags changed, each with its folder's server name.
    pub fn queue_flags(
        &mut self,
        account_id: i64,
        ids: &[i64],
        add: &[&str],
        remove: &[&str],
    ) -> Result<Vec<(FlagsChanged, String)>> {
        let tx = self.conn.transaction()?;
        let mut changed = Vec::new();
        for &id in ids {
            let Some(r) = row(&tx, account_id, id)? else {
                return Err(Error::NotFound(format!("no message with id {id}")));
            };
            let mut flags: Vec<String> = r.flags.split_whitespace().map(String::from).collect();
            let has = |flags: &[String], f: &str| flags.iter().any(|g| g.eq_ignore_ascii_case(f));
            let to_add: Vec<&str> = add.iter().copied().filter(|f| !has(&flags, f)).collect();
            let to_remove: Vec<&str> = remove.iter().copied().filter(|f| has(&flags, f)).collect();
            if to_add.is_empty() && to_remove.is_empty() {
                continue;
            }
            flags.retain(|g| !to_remove.iter().any(|f| g.eq_ignore_ascii_case(f)));
            flags.extend(to_add.iter().map(|f| f.to_string()));
            let (text, seen, flagged) = flag_columns(&flags);
            tx.execute(
                "UPDATE messages SET flags = ?2, seen = ?3, flagged = ?4 WHERE id = ?1",
                params![id, text, seen, flagged],
            )?;
            enqueue(
                &tx,
                account_id,
                ActionKind::Flags,
                &r,
                &to_add.join(" "),
                &to_remove.join(" "),
                None,
            )?;
            changed.push((
                FlagsChanged {
                    id,
                    uid: server_uid(r.uid),
                    seen,
                    flagged,
                },
                r.folder,
            ));
        }
        tx.commit()?;
        Ok(changed)
    }

    /// Moves the messages `ids` to the folder `target_id` locally and queues the moves. A
    /// message moved back to where the server still has it cancels the queued move.
    pub fn queue_move(
        &mut self,
        account_id: i64,
        ids: &[i64],
        target_id: i64,
    ) -> Result<Vec<Relocated>> {
        let tx = self.conn.transaction()?;
        let target: String = tx
            .query_row(
                "SELECT name FROM folders WHERE id = ?1 AND account_id = ?2",
                params![target_id, account_id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| Error::NotFound("no such folder".into()))?;
        let mut out = Vec::new();
        for &id in ids {
            let Some(r) = row(&tx, account_id, id)? else {
                return Err(Error::NotFound(format!("no message with id {id}")));
            };
            if r.folder_id == target_id {
                continue;
            }
            let earlier = if r.uid < 0 {
                pending_move(&tx, id)?
            } else {
                None
            };
            match earlier {
                // Not replayed yet: the server still has it where that move started.
                Some((action, source, uid)) if source == target => {
                    tx.execute("DELETE FROM actions WHERE id = ?1", params![action])?;
                    tx.execute(
                        "UPDATE messages SET folder_id = ?2, uid = ?3 WHERE id = ?1",
                        params![id, target_id, uid],
                    )?;
                }
                Some((action, _, _)) => {
                    tx.execute(
                        "UPDATE actions SET target = ?2 WHERE id = ?1",
                        params![action, target],
                    )?;
                    tx.execute(
                        "UPDATE messages SET folder_id = ?2 WHERE id = ?1",
                        params![id, target_id],
                    )?;
                }
                None => {
                    let action =
                        enqueue(&tx, account_id, ActionKind::Move, &r, "", "", Some(&target))?;
                    tx.execute(
                        "UPDATE messages SET folder_id = ?2, uid = ?3 WHERE id = ?1",
                        params![id, target_id, -action],
                    )?;
                }
            }
            out.push(Relocated {
                id,
                from_folder: r.folder,
                to_folder: Some(target.clone()),
            });
        }
        tx.commit()?;
        Ok(out)
    }

    /// Removes the messages `ids` for good, locally at once, and queues the removal.
    pub fn queue_expunge(&mut self, account_id: i64, ids: &[i64]) -> Result<Vec<Relocated>> {
        let tx = self.conn.transaction()?;
        let mut out = Vec::new();
        for &id in ids {
            let Some(r) = row(&tx, account_id, id)? else {
                return Err(Error::NotFound(format!("no message with id {id}")));
            };
            let earlier = if r.uid < 0 {
                pending_move(&tx, id)?
            } else {
                None
            };
            match earlier {
                // Moved here but not replayed: remove it where the server still has it.
                Some((action, _, _)) => {
                    tx.execute(
                        "UPDATE actions SET kind = 'expunge', target = NULL WHERE id = ?1",
                        params![action],
                    )?;
                }
                None => {
                    enqueue(&tx, account_id, ActionKind::Expunge, &r, "", "", None)?;
                }
            }
            tx.execute("DELETE FROM messages WHERE id = ?1", params![id])?;
            out.push(Relocated {
                id,
                from_folder: r.folder,
                to_folder: None,
            });
        }
        tx.commit()?;
        Ok(out)
    }

    /// The queue, oldest first.
    pub fn pending_actions(&self, account_id: i64) -> Result<Vec<PendingAction>> {
        self.actions(account_id, -1)
    }

    /// The oldest queued action: the one replay applies next.
    pub fn next_action(&self, account_id: i64) -> Result<Option<PendingAction>> {
        Ok(self.actions(account_id, 1)?.into_iter().next())
    }

    /// The queue, oldest first; at most `limit` entries (-1: all).
    fn actions(&self, account_id: i64, limit: i64) -> Result<Vec<PendingAction>> {
        let mut st = self.conn.prepare_cached(
            "SELECT a.id, a.kind, a.message_row, a.folder, a.uidvalidity, a.uid, a.add_flags,
                    a.remove_flags, a.target, a.message_id, coalesce(m.subject, ''), a.created_at,
                    a.attempts, a.last_error
             FROM actions a LEFT JOIN messages m ON m.id = a.message_row
             WHERE a.account_id = ?1 ORDER BY a.id LIMIT ?2",
        )?;
        let rows = st.query_map(params![account_id, limit], |r| {
            let kind: String = r.get(1)?;
            let add: String = r.get(6)?;
            let remove: String = r.get(7)?;
            Ok(PendingAction {
                id: r.get(0)?,
                kind: ActionKind::parse(&kind),
                message: r.get(2)?,
                folder: r.get(3)?,
                uidvalidity: r.get(4)?,
                uid: r.get(5)?,
                add_flags: add.split_whitespace().map(String::from).collect(),
                remove_flags: remove.split_whitespace().map(String::from).collect(),
                target: r.get(8)?,
                message_id: r.get(9)?,
                subject: r.get(10)?,
                created_at: r.get(11)?,
                attempts: r.get(12)?,
                last_error: r.get(13)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn pending_count(&self, account_id: i64) -> Result<u32> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM actions WHERE account_id = ?1",
            params![account_id],
            |r| r.get(0),
        )?)
    }

    /// The server applied the action: it leaves the queue. A moved message without a
    /// Message-ID cannot be matched to its new UID: its row goes, and the folder's next sync
    /// brings it back under the server's UID.
    pub fn action_done(&mut self, id: i64) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "DELETE FROM messages WHERE uid = ?1 AND (message_id IS NULL OR message_id = '')",
            params![-id],
        )?;
        tx.execute("DELETE FROM actions WHERE id = ?1", params![id])?;
        tx.commit()?;
        Ok(())
    }

    /// The action could not be applied. `give_up`: the server refused it for good (the folder
    /// is gone, the message was removed elsewhere): it leaves the queue and the server's state
    /// comes back with the next sync (flags by a full scan of the folder, a moved message by
    /// the source folder's reconcile). Otherwise it stays, with the error, for the next try.
    pub fn action_failed(&mut self, id: i64, error: &str, give_up: bool) -> Result<()> {
        let tx = self.conn.transaction()?;
        if give_up {
            // The local row shows a change the server never made: forget the folder's
            // HIGHESTMODSEQ, so its next sync scans every flag instead of only those changed.
            tx.execute(
                "UPDATE folders SET highestmodseq = NULL WHERE (account_id, name) =
                    (SELECT account_id, folder FROM actions WHERE id = ?1)",
                params![id],
            )?;
            tx.execute("DELETE FROM messages WHERE uid = ?1", params![-id])?;
            tx.execute("DELETE FROM actions WHERE id = ?1", params![id])?;
        } else {
            tx.execute(
                "UPDATE actions SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
                params![id, error],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}
