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

impl Db {
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
