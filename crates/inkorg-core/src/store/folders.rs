//! Folders and their sync state.

use rusqlite::params;

use super::*;

impl Db {
    // ---- folders ---------------------------------------------------------------------------

    /// Records the server's folder list: adds new folders, updates attributes, and drops
    /// folders that are gone (with their messages).
    pub fn replace_folders(&mut self, account_id: i64, remote: &[RemoteFolder]) -> Result<()> {
        let tx = self.conn.transaction()?;
        for f in remote {
            tx.execute(
                "INSERT INTO folders (account_id, name, delimiter, special_use, selectable)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (account_id, name) DO UPDATE SET
                    delimiter = excluded.delimiter, special_use = excluded.special_use,
                    selectable = excluded.selectable",
                params![account_id, f.name, f.delimiter, f.special_use, f.selectable],
            )?;
        }
        let names: std::collections::HashSet<&str> =
            remote.iter().map(|f| f.name.as_str()).collect();
        let existing: Vec<(i64, String)> = {
            let mut st = tx.prepare("SELECT id, name FROM folders WHERE account_id = ?1")?;
            let rows = st.query_map(params![account_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for (id, name) in existing {
            if !names.contains(name.as_str()) {
                tx.execute("DELETE FROM folders WHERE id = ?1", params![id])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// A folder renamed on the server: the same row (and so the same messages and local ids)
    /// under its new name, and the queued actions that name it follow.
    pub fn rename_folder(&mut self, account_id: i64, old: &str, new: &str) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE folders SET name = ?3 WHERE account_id = ?1 AND name = ?2",
            params![account_id, old, new],
        )?;
        tx.execute(
            "UPDATE actions SET folder = ?3 WHERE account_id = ?1 AND folder = ?2",
            params![account_id, old, new],
        )?;
        tx.execute(
            "UPDATE actions SET target = ?3 WHERE account_id = ?1 AND target = ?2",
            params![account_id, old, new],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The folder's id, creating the row if the folder list has not been fetched yet.
    pub fn folder_id(&mut self, account_id: i64, name: &str) -> Result<i64> {
        self.conn.execute(
            "INSERT INTO folders (account_id, name) VALUES (?1, ?2)
             ON CONFLICT (account_id, name) DO NOTHING",
            params![account_id, name],
        )?;
        Ok(self.conn.query_row(
            "SELECT id FROM folders WHERE account_id = ?1 AND name = ?2",
            params![account_id, name],
            |r| r.get(0),
        )?)
    }

    pub fn folders(&self, account_id: i64) -> Result<Vec<FolderInfo>> {
        let mut st = self.conn.prepare(
            "SELECT f.id, f.name, f.special_use, f.selectable, f.uidvalidity, f.uidnext,
                    f.highestmodseq, f.last_sync,
                    (SELECT count(*) FROM messages m WHERE m.folder_id = f.id),
                    (SELECT count(*) FROM messages m WHERE m.folder_id = f.id AND m.seen = 0),
                    f.delimiter, f.subscribed
             FROM folders f WHERE f.account_id = ?1
             ORDER BY f.name <> 'INBOX', f.name",
        )?;
        let rows = st.query_map(params![account_id], |r| {
            let name: String = r.get(1)?;
            let special_use: Option<String> = r.get(2)?;
            let delimiter: Option<String> = r.get(10)?;
            Ok(FolderInfo {
                id: r.get(0)?,
                display_name: crate::folders::decode_name(&name),
                role: crate::folders::role_of(&name, special_use.as_deref(), delimiter.as_deref()),
                name,
                delimiter,
                special_use,
                selectable: r.get(3)?,
                uidvalidity: r.get(4)?,
                uidnext: r.get(5)?,
                highestmodseq: r.get::<_, Option<i64>>(6)?.map(|v| v as u64),
                last_sync: r.get(7)?,
                total: r.get(8)?,
                unread: r.get(9)?,
                subscribed: r.get(11)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Follows a folder or stops following it; the server is told by the account loop.
    /// Returns whether anything changed.
    pub fn set_subscribed(&mut self, account_id: i64, name: &str, on: bool) -> Result<bool> {
        let n = self.conn.execute(
            "UPDATE folders SET subscribed = ?3, subscription_pending = 1
             WHERE account_id = ?1 AND name = ?2 AND subscribed <> ?3",
            params![account_id, name, on],
        )?;
        Ok(n > 0)
    }

    /// Subscription changes the server has not been told yet: (folder, subscribed).
    pub fn pending_subscriptions(&self, account_id: i64) -> Result<Vec<(String, bool)>> {
        let mut st = self.conn.prepare(
            "SELECT name, subscribed FROM folders
             WHERE account_id = ?1 AND subscription_pending = 1 ORDER BY name",
        )?;
        let rows = st.query_map(params![account_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The server has the subscription as it was when sent (a change made since stays pending).
    pub fn subscription_sent(&mut self, account_id: i64, name: &str, on: bool) -> Result<()> {
        self.conn.execute(
            "UPDATE folders SET subscription_pending = 0
             WHERE account_id = ?1 AND name = ?2 AND subscribed = ?3",
            params![account_id, name, on],
        )?;
        Ok(())
    }

    pub fn folder_state(&self, folder_id: i64) -> Result<FolderState> {
        Ok(self.conn.query_row(
            "SELECT uidvalidity, uidnext, highestmodseq FROM folders WHERE id = ?1",
            params![folder_id],
            |r| {
                Ok(FolderState {
                    uidvalidity: r.get(0)?,
                    uidnext: r.get(1)?,
                    highestmodseq: r.get::<_, Option<i64>>(2)?.map(|v| v as u64),
                })
            },
        )?)
    }

    /// A new UIDVALIDITY: every stored UID of the folder is meaningless now.
    pub fn reset_folder(&mut self, folder_id: i64, uidvalidity: u32) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "DELETE FROM messages WHERE folder_id = ?1",
            params![folder_id],
        )?;
        tx.execute(
            "UPDATE folders SET uidvalidity = ?2, uidnext = NULL, highestmodseq = NULL WHERE id = ?1",
            params![folder_id, uidvalidity],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn set_folder_state(&mut self, folder_id: i64, state: FolderState) -> Result<()> {
        self.conn.execute(
            "UPDATE folders SET uidvalidity = ?2, uidnext = ?3, highestmodseq = ?4, last_sync = ?5
             WHERE id = ?1",
            params![
                folder_id,
                state.uidvalidity,
                state.uidnext,
                state.highestmodseq.map(|v| v as i64),
                now()
            ],
        )?;
        Ok(())
    }
}
