//! Message bodies (the raw bytes, as fetched) and the senders whose remote content is shown.

use rusqlite::{params, OptionalExtension};

use super::{now, Db};
use crate::error::Result;

/// Where a message lives on the server: what a body fetch needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyLocation {
    pub account_id: i64,
    pub folder: String,
    /// 0 (or less) while a local move waits for the server.
    pub uid: i64,
    pub uidvalidity: Option<u32>,
}

/// A message the background download fetches: newest first, where its body is not stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfflineWanted {
    pub message_id: i64,
    pub date: i64,
    pub folder: String,
    pub uid: u32,
    pub uidvalidity: Option<u32>,
    /// RFC822.SIZE as the server reported it (0 when unknown).
    pub size: i64,
}

/// Where the background download may look, and from where on: the folders by local id,
/// mail from `since` on (all when `None`), and below the last message already looked at
/// (`after`: its date and id; each pass walks down the list once).
#[derive(Debug, Clone, Default)]
pub struct OfflineScope {
    pub folders: Vec<i64>,
    pub since: Option<i64>,
    pub after: Option<(i64, i64)>,
}

impl OfflineScope {
    /// The SQL condition (and its parameters) of the messages in scope without a body.
    fn condition(&self) -> (String, Vec<i64>) {
        // Folder ids are integers from the store: written into the statement as numbers.
        let ids = self
            .folders
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let mut sql = format!(
            "m.folder_id IN ({ids}) AND m.uid > 0
             AND NOT EXISTS (SELECT 1 FROM bodies b WHERE b.message_id = m.id)"
        );
        let mut args = Vec::new();
        if let Some(since) = self.since {
            args.push(since);
            sql.push_str(&format!(" AND m.date >= ?{}", args.len()));
        }
        if let Some((date, id)) = self.after {
            args.push(date);
            args.push(id);
            let (d, i) = (args.len() - 1, args.len());
            sql.push_str(&format!(
                " AND (m.date < ?{d} OR (m.date = ?{d} AND m.id < ?{i}))"
            ));
        }
        (sql, args)
    }
}

impl Db {
    /// The next `limit` messages for the background download, newest first.
    pub fn offline_wanted(&self, scope: &OfflineScope, limit: u32) -> Result<Vec<OfflineWanted>> {
        if scope.folders.is_empty() {
            return Ok(Vec::new());
        }
        let (cond, args) = scope.condition();
        let mut st = self.conn.prepare(&format!(
            "SELECT m.id, m.date, f.name, m.uid, f.uidvalidity, COALESCE(m.size, 0)
             FROM messages m JOIN folders f ON f.id = m.folder_id
             WHERE {cond} ORDER BY m.date DESC, m.id DESC LIMIT {limit}"
        ))?;
        let rows = st.query_map(rusqlite::params_from_iter(args), |r| {
            Ok(OfflineWanted {
                message_id: r.get(0)?,
                date: r.get(1)?,
                folder: r.get(2)?,
                uid: r.get(3)?,
                uidvalidity: r.get(4)?,
                size: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How many messages in scope have no stored body yet.
    pub fn offline_missing(&self, scope: &OfflineScope) -> Result<u32> {
        if scope.folders.is_empty() {
            return Ok(0);
        }
        let (cond, args) = scope.condition();
        let n: i64 = self.conn.query_row(
            &format!("SELECT COUNT(*) FROM messages m WHERE {cond}"),
            rusqlite::params_from_iter(args),
            |r| r.get(0),
        )?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// How many bodies the account keeps, and their bytes.
    pub fn stored_bodies(&self, account_id: i64) -> Result<(u32, u64)> {
        let (n, bytes): (i64, i64) = self.conn.query_row(
            "SELECT COUNT(*), COALESCE(SUM(b.size), 0) FROM bodies b
             JOIN messages m ON m.id = b.message_id JOIN folders f ON f.id = m.folder_id
             WHERE f.account_id = ?1",
            params![account_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok((
            u32::try_from(n).unwrap_or(u32::MAX),
            u64::try_from(bytes).unwrap_or(0),
        ))
    }

    /// The stored body of a message, if it was fetched.
    pub fn body(&self, message_id: i64) -> Result<Option<Vec<u8>>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT raw FROM bodies WHERE message_id = ?1")?;
        Ok(st.query_row(params![message_id], |r| r.get(0)).optional()?)
    }

    /// Keeps a fetched body. A message that is gone meanwhile (removed on the server while
    /// the fetch ran) is not an error: nothing is stored.
    pub fn save_body(&mut self, message_id: i64, raw: &[u8]) -> Result<bool> {
        let n = self.conn.execute(
            "INSERT INTO bodies (message_id, raw, size, fetched_at)
             SELECT id, ?2, ?3, ?4 FROM messages WHERE id = ?1
             ON CONFLICT (message_id) DO UPDATE SET raw = excluded.raw, size = excluded.size,
                 fetched_at = excluded.fetched_at",
            params![message_id, raw, raw.len() as i64, now()],
        )?;
        Ok(n > 0)
    }

    /// Where to fetch a message's body from.
    pub fn body_location(&self, message_id: i64) -> Result<Option<BodyLocation>> {
        let mut st = self.conn.prepare_cached(
            "SELECT f.account_id, f.name, m.uid, f.uidvalidity
             FROM messages m JOIN folders f ON f.id = m.folder_id WHERE m.id = ?1",
        )?;
        Ok(st
            .query_row(params![message_id], |r| {
                Ok(BodyLocation {
                    account_id: r.get(0)?,
                    folder: r.get(1)?,
                    uid: r.get(2)?,
                    uidvalidity: r.get(3)?,
                })
            })
            .optional()?)
    }

    /// Whether the person chose to always show remote content from this address.
    pub fn remote_allowed(&self, account_id: i64, address: &str) -> Result<bool> {
        let mut st = self.conn.prepare_cached(
            "SELECT 1 FROM remote_content_senders WHERE account_id = ?1 AND address = ?2",
        )?;
        Ok(st
            .query_row(params![account_id, address.trim().to_lowercase()], |_| {
                Ok(())
            })
            .optional()?
            .is_some())
    }

    /// "Visa alltid från avsändaren" (`on`), or its revocation in Email options.
    pub fn set_remote_allowed(&mut self, account_id: i64, address: &str, on: bool) -> Result<()> {
        let address = address.trim().to_lowercase();
        if on {
            self.conn.execute(
                "INSERT INTO remote_content_senders (account_id, address, allowed_at)
                 VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                params![account_id, address, now()],
            )?;
        } else {
            self.conn.execute(
                "DELETE FROM remote_content_senders WHERE account_id = ?1 AND address = ?2",
                params![account_id, address],
            )?;
        }
        Ok(())
    }

    /// The addresses remote content is always shown for, sorted.
    pub fn remote_senders(&self, account_id: i64) -> Result<Vec<String>> {
        let mut st = self.conn.prepare_cached(
            "SELECT address FROM remote_content_senders WHERE account_id = ?1 ORDER BY address",
        )?;
        let rows = st.query_map(params![account_id], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
