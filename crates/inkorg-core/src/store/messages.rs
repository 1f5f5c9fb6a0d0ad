//! Message headers and flags, as the server sent them and as the person's queued actions left
//! them. Two rules keep the two apart:
//! - a message with a queued flag change keeps its local flags until the change is replayed
//!   (a sync never puts older server flags back over it);
//! - a message moved or deleted locally and not yet replayed is not fetched back into the
//!   folder it left ([`Db::local_uids`] counts it as present there).
//!
//! A message moved locally sits in its new folder with a negative UID (minus the action's id)
//! until that folder's sync fetches it under its real UID; the row (and so its local id) is
//! kept, found again by its Message-ID.

use rusqlite::{params, OptionalExtension};
use std::collections::HashSet;

use super::*;

/// A stored message whose flags changed, for the events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagsChanged {
    pub id: i64,
    pub uid: u32,
    pub seen: bool,
    pub flagged: bool,
}

/// A message just stored, for the events (`new_message`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inserted {
    pub id: i64,
    pub uid: u32,
    pub from: String,
    pub subject: String,
    pub date: i64,
    pub seen: bool,
}

/// "No queued flag change for this row": the server's flags may be taken.
const NO_PENDING_FLAGS: &str =
    "NOT EXISTS (SELECT 1 FROM actions a WHERE a.message_row = messages.id AND a.kind = 'flags')";

impl Db {
    /// Stores a batch in one transaction. A UID already present is updated, never duplicated;
    /// a UID that a queued move or delete takes out of this folder is skipped; a message that
    /// was moved here locally takes its real UID. Returns the rows that are new here.
    pub fn insert_messages(
        &mut self,
        folder_id: i64,
        batch: &[NewMessage],
    ) -> Result<Vec<Inserted>> {
        let tx = self.conn.transaction()?;
        let out = insert_batch(&tx, folder_id, batch)?;
        tx.commit()?;
        Ok(out)
    }

    /// Applies the server's flags; rows with a queued flag change keep theirs. Returns what
    /// changed.
    pub fn update_flags(
        &mut self,
        folder_id: i64,
        changes: &[(u32, Vec<String>, Option<u64>)],
    ) -> Result<Vec<FlagsChanged>> {
        let tx = self.conn.transaction()?;
        let mut changed = Vec::new();
        {
            let mut st = tx.prepare_cached(&format!(
                "UPDATE messages SET flags = ?3, seen = ?4, flagged = ?5, modseq = coalesce(?6, modseq)
                 WHERE folder_id = ?1 AND uid = ?2 AND flags <> ?3 AND {NO_PENDING_FLAGS}
                 RETURNING id"
            ))?;
            for (uid, flags, modseq) in changes {
                let (text, seen, flagged) = flag_columns(flags);
                let id: Option<i64> = st
                    .query_row(
                        params![
                            folder_id,
                            uid,
                            text,
                            seen,
                            flagged,
                            modseq.map(|v| v as i64)
                        ],
                        |r| r.get(0),
                    )
                    .optional()?;
                if let Some(id) = id {
                    changed.push(FlagsChanged {
                        id,
                        uid: *uid,
                        seen,
                        flagged,
                    });
                }
            }
        }
        tx.commit()?;
        Ok(changed)
    }

    /// Removes what the server expunged. Returns the local ids and UIDs removed.
    pub fn delete_uids(&mut self, folder_id: i64, uids: &[u32]) -> Result<Vec<(i64, u32)>> {
        let tx = self.conn.transaction()?;
        let mut gone = Vec::new();
        {
            let mut st = tx.prepare_cached(
                "DELETE FROM messages WHERE folder_id = ?1 AND uid = ?2 AND uid > 0 RETURNING id",
            )?;
            for uid in uids {
                let id: Option<i64> = st
                    .query_row(params![folder_id, uid], |r| r.get(0))
                    .optional()?;
                if let Some(id) = id {
                    gone.push((id, *uid));
                }
            }
        }
        tx.commit()?;
        Ok(gone)
    }

    /// The UIDs this folder has on the server as far as the store knows, ascending: the stored
    /// ones plus those a queued move or delete is taking away (still there until replayed).
    /// What [`Db::local_uids`] would give, counted: how many UIDs and the highest, without
    /// reading each one (a resync of 100,000 messages needs only these two).
    pub fn uid_stats(&self, folder_id: i64) -> Result<(u32, Option<u32>)> {
        let (mut count, mut max): (u32, Option<u32>) = self.conn.query_row(
            "SELECT count(*), max(uid) FROM messages WHERE folder_id = ?1 AND uid > 0",
            params![folder_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let leaving = leaving_uids(&self.conn, folder_id)?;
        if !leaving.is_empty() {
            let mut st = self.conn.prepare_cached(
                "SELECT count(*) FROM messages WHERE folder_id = ?1 AND uid = ?2",
            )?;
            let mut seen = std::collections::HashSet::new();
            for uid in leaving {
                let stored: u32 = st.query_row(params![folder_id, uid], |r| r.get(0))?;
                if stored == 0 && seen.insert(uid) {
                    count += 1;
                }
                max = max.max(Some(uid));
            }
        }
        Ok((count, max))
    }

    pub fn local_uids(&self, folder_id: i64) -> Result<Vec<u32>> {
        let mut uids: Vec<u32> = {
            let mut st = self.conn.prepare_cached(
                "SELECT uid FROM messages WHERE folder_id = ?1 AND uid > 0 ORDER BY uid",
            )?;
            let rows = st.query_map(params![folder_id], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let leaving = leaving_uids(&self.conn, folder_id)?;
        if !leaving.is_empty() {
            uids.extend(leaving);
            uids.sort_unstable();
            uids.dedup();
        }
        Ok(uids)
    }

    /// The messages listed in the folder (those moved here locally included).
    pub fn count(&self, folder_id: i64) -> Result<u32> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM messages WHERE folder_id = ?1",
            params![folder_id],
            |r| r.get(0),
        )?)
    }

    /// Messages of a folder, newest first.
    pub fn list_messages(
        &self,
        folder_id: i64,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<MessageSummary>> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM messages m JOIN folders f ON f.id = m.folder_id
             WHERE m.folder_id = ?1
             ORDER BY m.date DESC, m.uid DESC LIMIT ?2 OFFSET ?3"
        ))?;
        let rows = st.query_map(params![folder_id, limit, offset], summary_of)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// One message by its local id.
    pub fn message(&self, id: i64) -> Result<Option<MessageSummary>> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM messages m JOIN folders f ON f.id = m.folder_id
             WHERE m.id = ?1"
        ))?;
        Ok(st.query_row(params![id], summary_of).optional()?)
    }
}

const SUMMARY_COLUMNS: &str = "m.id, f.name, m.uid, m.flags, m.seen, m.flagged, m.from_name,
    m.from_addr, m.to_addrs, m.cc_addrs, m.subject, m.date, m.size, m.message_id, m.in_reply_to,
    m.refs, m.has_attachment";

fn summary_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<MessageSummary> {
    let flags: String = r.get(3)?;
    let uid: i64 = r.get(2)?;
    Ok(MessageSummary {
        id: r.get(0)?,
        folder: r.get(1)?,
        uid: u32::try_from(uid).unwrap_or(0),
        flags: flags.split_whitespace().map(String::from).collect(),
        seen: r.get(4)?,
        flagged: r.get(5)?,
        from_name: r.get(6)?,
        from_addr: r.get(7)?,
        to: r.get(8)?,
        cc: r.get(9)?,
        subject: r.get(10)?,
        date: r.get(11)?,
        size: r.get(12)?,
        message_id: r.get(13)?,
        in_reply_to: r.get(14)?,
        references: r.get(15)?,
        has_attachment: r.get(16)?,
    })
}

/// UIDs that queued moves and deletes take out of this folder (replay has not run yet).
fn leaving_uids(conn: &Connection, folder_id: i64) -> Result<HashSet<u32>> {
    let mut st = conn.prepare_cached(
        "SELECT a.uid FROM actions a JOIN folders f ON f.name = a.folder AND f.account_id = a.account_id
         WHERE f.id = ?1 AND a.kind IN ('move', 'expunge') AND a.uid > 0",
    )?;
    let rows = st.query_map(params![folder_id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn insert_batch(
    tx: &Transaction<'_>,
    folder_id: i64,
    batch: &[NewMessage],
) -> Result<Vec<Inserted>> {
    let leaving = leaving_uids(tx, folder_id)?;
    let has_placeholders: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM messages WHERE folder_id = ?1 AND uid < 0)",
        params![folder_id],
        |r| r.get(0),
    )?;
    let mut exists =
        tx.prepare_cached("SELECT 1 FROM messages WHERE folder_id = ?1 AND uid = ?2")?;
    let mut placeholder = tx.prepare_cached(
        "UPDATE messages SET uid = ?3 WHERE id = (SELECT id FROM messages
            WHERE folder_id = ?1 AND uid < 0 AND message_id = ?2 LIMIT 1)",
    )?;
    let mut st = tx.prepare_cached(&format!(
        "INSERT INTO messages (folder_id, uid, flags, seen, flagged, from_name, from_addr, to_addrs,
                               cc_addrs, subject, date, internal_date, size, message_id, in_reply_to,
                               refs, has_attachment, modseq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
         ON CONFLICT (folder_id, uid) DO UPDATE SET
            flags = excluded.flags, seen = excluded.seen, flagged = excluded.flagged,
            modseq = excluded.modseq
         WHERE {NO_PENDING_FLAGS}
         RETURNING id"
    ))?;
    let mut out = Vec::new();
    for m in batch {
        if leaving.contains(&m.uid) {
            continue;
        }
        let h = &m.header;
        let mut new_here = exists
            .query_row(params![folder_id, m.uid], |_| Ok(()))
            .optional()?
            .is_none();
        if new_here && has_placeholders {
            if let Some(mid) = h.message_id.as_deref().filter(|s| !s.is_empty()) {
                // Moved here locally: the row keeps its id and takes the server's UID; the
                // upsert below then refreshes its flags. Not new to the person.
                new_here = placeholder.execute(params![folder_id, mid, m.uid])? == 0;
            }
        }
        let (flags, seen, flagged) = flag_columns(&m.flags);
        let date = h.date.or(m.internal_date).unwrap_or(0);
        let id: Option<i64> = st
            .query_row(
                params![
                    folder_id,
                    m.uid,
                    flags,
                    seen,
                    flagged,
                    h.from_name,
                    h.from_addr,
                    h.to,
                    h.cc,
                    h.subject,
                    date,
                    m.internal_date,
                    m.size,
                    h.message_id,
                    h.in_reply_to,
                    h.references,
                    h.has_attachment,
                    m.modseq.map(|v| v as i64)
                ],
                |r| r.get(0),
            )
            .optional()?;
        if let (true, Some(id)) = (new_here, id) {
            out.push(Inserted {
                id,
                uid: m.uid,
                from: if h.from_name.is_empty() {
                    h.from_addr.clone()
                } else {
                    h.from_name.clone()
                },
                subject: h.subject.clone(),
                date,
                seen,
            });
        }
    }
    Ok(out)
}

pub(super) fn flag_columns(flags: &[String]) -> (String, bool, bool) {
    let seen = flags.iter().any(|f| f.eq_ignore_ascii_case("\\Seen"));
    let flagged = flags.iter().any(|f| f.eq_ignore_ascii_case("\\Flagged"));
    let mut sorted: Vec<&str> = flags.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    sorted.dedup();
    (sorted.join(" "), seen, flagged)
}
