//! The local database: accounts (without passwords), pinned certificates, folders with their
//! sync state, and message headers. The only module that touches SQLite.
//!
//! SQLite runs in WAL mode with `synchronous=NORMAL` and foreign keys on. Migrations are the
//! numbered files in `migrations/`, applied in order inside one transaction each and tracked by
//! `PRAGMA user_version`. Async callers go through [`Store::call`], which runs the work on
//! tokio's blocking pool.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};
use crate::imap::RemoteFolder;
use crate::mime::HeaderSummary;
use crate::settings::{AccountSettings, Security, ServerSettings};

/// The migrations, in order. Entry N takes the schema from version N to N+1.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_initial.sql"),
    include_str!("migrations/0002_personal.sql"),
    include_str!("migrations/0003_plaintext_consent.sql"),
];

pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The database file inside a data directory.
pub fn db_path(data_dir: &Path) -> PathBuf {
    data_dir.join("inkorg.sqlite3")
}

/// An account as stored.
#[derive(Debug, Clone)]
pub struct StoredAccount {
    pub id: i64,
    pub settings: AccountSettings,
    pub smtp_own_password: bool,
}

/// A folder with its sync state and counts.
#[derive(Debug, Clone, Serialize)]
pub struct FolderInfo {
    #[serde(skip)]
    pub id: i64,
    /// The server's name (modified UTF-7): the key for every IMAP command.
    pub name: String,
    /// The name as a person reads it ("Räkningar" for `R&AOQ-kningar`).
    pub display_name: String,
    /// Inbox, Sent, Drafts … from SPECIAL-USE or the folder's name.
    pub role: Option<crate::folders::Role>,
    pub delimiter: Option<String>,
    pub special_use: Option<String>,
    pub selectable: bool,
    pub uidvalidity: Option<u32>,
    pub uidnext: Option<u32>,
    pub highestmodseq: Option<u64>,
    pub last_sync: Option<i64>,
    pub total: u32,
    pub unread: u32,
}

/// One message in a list, newest first.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MessageSummary {
    pub uid: u32,
    pub flags: Vec<String>,
    pub seen: bool,
    pub flagged: bool,
    pub from_name: String,
    pub from_addr: String,
    pub to: String,
    pub cc: String,
    pub subject: String,
    /// Seconds since the epoch.
    pub date: i64,
    pub size: Option<u32>,
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    pub references: String,
    pub has_attachment: bool,
}

/// A message fetched from the server, ready to store.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub uid: u32,
    pub flags: Vec<String>,
    pub modseq: Option<u64>,
    pub internal_date: Option<i64>,
    pub size: Option<u32>,
    pub header: HeaderSummary,
}

/// Sync state of one folder.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FolderState {
    pub uidvalidity: Option<u32>,
    pub uidnext: Option<u32>,
    pub highestmodseq: Option<u64>,
}

/// The synchronous database handle.
pub struct Db {
    conn: Connection,
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Db {
    pub fn open(path: &Path) -> Result<Db> {
        if let Some(dir) = path.parent() {
            create_private_dir(dir)?;
        }
        let conn = Connection::open(path)
            .map_err(|e| Error::Storage(format!("cannot open {}: {e}", path.display())))?;
        Self::init(conn)
    }

    pub fn open_in_memory() -> Result<Db> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<Db> {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let mut db = Db { conn };
        db.migrate()?;
        Ok(db)
    }

    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    fn migrate(&mut self) -> Result<()> {
        let current = self.schema_version()?;
        if current > SCHEMA_VERSION {
            return Err(Error::Storage(format!(
                "the database has schema version {current}, made by a newer Inkorg than this one \
                 (which knows up to {SCHEMA_VERSION}); nothing was changed"
            )));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
            let version = i as i64 + 1;
            let tx = self.conn.transaction()?;
            tx.execute_batch(sql)
                .map_err(|e| Error::Storage(format!("migration {version} failed: {e}")))?;
            tx.pragma_update(None, "user_version", version)?;
            tx.commit()?;
        }
        Ok(())
    }

    /// A random id for this data directory, created on first use; it keeps the keyring
    /// entries of two profiles apart.
    pub fn profile_id(&self) -> Result<String> {
        let existing: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'profile'", [], |r| {
                r.get(0)
            })
            .optional()?;
        if let Some(id) = existing {
            return Ok(id);
        }
        let id = random_id();
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES ('profile', ?1)",
            params![id],
        )?;
        Ok(id)
    }

    /// Runs `f` in one transaction: everything it wrote, or nothing when it fails.
    pub fn in_transaction<T>(&mut self, f: impl FnOnce(&mut Db) -> Result<T>) -> Result<T> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        let result = f(self).and_then(|v| {
            self.conn.execute_batch("COMMIT")?;
            Ok(v)
        });
        if result.is_err() && !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        result
    }

    // ---- accounts -------------------------------------------------------------------------

    pub fn account(&self) -> Result<Option<StoredAccount>> {
        let row = self
            .conn
            .query_row(
                "SELECT id, email, display_name, imap_host, imap_port, imap_security, imap_user,
                        smtp_host, smtp_port, smtp_security, smtp_user, smtp_own_password, ca_file,
                        plaintext_consent
                 FROM accounts ORDER BY id LIMIT 1",
                [],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        (
                            r.get::<_, String>(3)?,
                            r.get::<_, u16>(4)?,
                            r.get::<_, String>(5)?,
                            r.get::<_, String>(6)?,
                        ),
                        (
                            r.get::<_, String>(7)?,
                            r.get::<_, u16>(8)?,
                            r.get::<_, String>(9)?,
                            r.get::<_, String>(10)?,
                        ),
                        r.get::<_, bool>(11)?,
                        r.get::<_, Option<String>>(12)?,
                        r.get::<_, bool>(13)?,
                    ))
                },
            )
            .optional()?;
        let Some((id, email, display_name, imap, smtp, smtp_own_password, ca_file, plaintext)) =
            row
        else {
            return Ok(None);
        };
        let server =
            |(host, port, sec, user): (String, u16, String, String)| -> Result<ServerSettings> {
                Ok(ServerSettings {
                    host,
                    port,
                    security: sec.parse::<Security>()?,
                    username: user,
                })
            };
        Ok(Some(StoredAccount {
            id,
            settings: AccountSettings {
                email,
                display_name,
                imap: server(imap)?,
                smtp: server(smtp)?,
                ca_file: ca_file.map(PathBuf::from),
                allow_plaintext: plaintext,
            },
            smtp_own_password,
        }))
    }

    /// Saves the account (settings already validated), replacing one with the same address.
    pub fn save_account(&mut self, s: &AccountSettings, smtp_own_password: bool) -> Result<i64> {
        let ca = s.ca_file.as_ref().map(|p| p.to_string_lossy().into_owned());
        self.conn.execute(
            "INSERT INTO accounts (email, display_name, imap_host, imap_port, imap_security, imap_user,
                                   smtp_host, smtp_port, smtp_security, smtp_user, smtp_own_password,
                                   ca_file, plaintext_consent, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
             ON CONFLICT (email) DO UPDATE SET
                display_name = excluded.display_name,
                imap_host = excluded.imap_host, imap_port = excluded.imap_port,
                imap_security = excluded.imap_security, imap_user = excluded.imap_user,
                smtp_host = excluded.smtp_host, smtp_port = excluded.smtp_port,
                smtp_security = excluded.smtp_security, smtp_user = excluded.smtp_user,
                smtp_own_password = excluded.smtp_own_password, ca_file = excluded.ca_file,
                plaintext_consent = excluded.plaintext_consent",
            params![
                s.email,
                s.display_name,
                s.imap.host,
                s.imap.port,
                s.imap.security.to_string(),
                s.imap.username,
                s.smtp.host,
                s.smtp.port,
                s.smtp.security.to_string(),
                s.smtp.username,
                smtp_own_password,
                ca,
                s.allow_plaintext,
                now()
            ],
        )?;
        Ok(self.conn.query_row(
            "SELECT id FROM accounts WHERE email = ?1",
            params![s.email],
            |r| r.get(0),
        )?)
    }

    /// Deletes the account with its folders and messages.
    pub fn delete_account(&mut self, id: i64) -> Result<()> {
        self.conn
            .execute("DELETE FROM accounts WHERE id = ?1", params![id])?;
        Ok(())
    }

    // ---- personal settings -----------------------------------------------------------------

    /// The JSON stored under `key`, if any.
    pub fn preference(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT value FROM preferences WHERE key = ?1",
                params![key],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn set_preference(&self, key: &str, json: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO preferences (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, json],
        )?;
        Ok(())
    }

    /// My contact card: the name and the addresses in order (first is position 0).
    pub fn contact_card(&self) -> Result<(String, Vec<String>)> {
        let name: Option<String> = self
            .conn
            .query_row("SELECT name FROM contact_card WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?;
        let mut stmt = self
            .conn
            .prepare("SELECT address FROM contact_addresses ORDER BY position")?;
        let addresses = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok((name.unwrap_or_default(), addresses))
    }

    /// Replaces the contact card (addresses already validated and free of duplicates).
    pub fn set_contact_card(&mut self, name: &str, addresses: &[String]) -> Result<()> {
        // A savepoint, so this also works inside `in_transaction`.
        let tx = self.conn.savepoint()?;
        tx.execute(
            "INSERT INTO contact_card (id, name) VALUES (1, ?1)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name",
            params![name],
        )?;
        tx.execute("DELETE FROM contact_addresses", [])?;
        for (i, a) in addresses.iter().enumerate() {
            tx.execute(
                "INSERT INTO contact_addresses (position, address) VALUES (?1, ?2)",
                params![i as i64, a],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    // ---- pinned certificates -------------------------------------------------------------

    pub fn pin(&self, host: &str, port: u16, fingerprint: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO pinned_certs (host, port, fingerprint, accepted_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (host, port) DO UPDATE SET fingerprint = excluded.fingerprint,
                                                    accepted_at = excluded.accepted_at",
            params![host, port, fingerprint, now()],
        )?;
        Ok(())
    }

    pub fn pinned(&self, host: &str, port: u16) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT fingerprint FROM pinned_certs WHERE host = ?1 AND port = ?2",
                params![host, port],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn unpin(&self, host: &str, port: u16) -> Result<()> {
        self.conn.execute(
            "DELETE FROM pinned_certs WHERE host = ?1 AND port = ?2",
            params![host, port],
        )?;
        Ok(())
    }

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
                    f.delimiter
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
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
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

    // ---- messages --------------------------------------------------------------------------

    /// Stores a batch in one transaction. A UID already present is updated, never duplicated.
    pub fn insert_messages(&mut self, folder_id: i64, batch: &[NewMessage]) -> Result<()> {
        let tx = self.conn.transaction()?;
        insert_batch(&tx, folder_id, batch)?;
        tx.commit()?;
        Ok(())
    }

    pub fn update_flags(
        &mut self,
        folder_id: i64,
        changes: &[(u32, Vec<String>, Option<u64>)],
    ) -> Result<usize> {
        let tx = self.conn.transaction()?;
        let mut changed = 0;
        {
            let mut st = tx.prepare_cached(
                "UPDATE messages SET flags = ?3, seen = ?4, flagged = ?5, modseq = coalesce(?6, modseq)
                 WHERE folder_id = ?1 AND uid = ?2 AND flags <> ?3",
            )?;
            for (uid, flags, modseq) in changes {
                let (text, seen, flagged) = flag_columns(flags);
                changed += st.execute(params![
                    folder_id,
                    uid,
                    text,
                    seen,
                    flagged,
                    modseq.map(|v| v as i64)
                ])?;
            }
        }
        tx.commit()?;
        Ok(changed)
    }

    pub fn delete_uids(&mut self, folder_id: i64, uids: &[u32]) -> Result<usize> {
        let tx = self.conn.transaction()?;
        let mut n = 0;
        {
            let mut st =
                tx.prepare_cached("DELETE FROM messages WHERE folder_id = ?1 AND uid = ?2")?;
            for uid in uids {
                n += st.execute(params![folder_id, uid])?;
            }
        }
        tx.commit()?;
        Ok(n)
    }

    pub fn local_uids(&self, folder_id: i64) -> Result<Vec<u32>> {
        let mut st = self
            .conn
            .prepare("SELECT uid FROM messages WHERE folder_id = ?1 ORDER BY uid")?;
        let rows = st.query_map(params![folder_id], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

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
        let mut st = self.conn.prepare_cached(
            "SELECT uid, flags, seen, flagged, from_name, from_addr, to_addrs, cc_addrs, subject, date,
                    size, message_id, in_reply_to, refs, has_attachment
             FROM messages WHERE folder_id = ?1
             ORDER BY date DESC, uid DESC LIMIT ?2 OFFSET ?3",
        )?;
        let rows = st.query_map(params![folder_id, limit, offset], |r| {
            let flags: String = r.get(1)?;
            Ok(MessageSummary {
                uid: r.get(0)?,
                flags: flags.split_whitespace().map(String::from).collect(),
                seen: r.get(2)?,
                flagged: r.get(3)?,
                from_name: r.get(4)?,
                from_addr: r.get(5)?,
                to: r.get(6)?,
                cc: r.get(7)?,
                subject: r.get(8)?,
                date: r.get(9)?,
                size: r.get(10)?,
                message_id: r.get(11)?,
                in_reply_to: r.get(12)?,
                references: r.get(13)?,
                has_attachment: r.get(14)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

fn insert_batch(tx: &Transaction<'_>, folder_id: i64, batch: &[NewMessage]) -> Result<()> {
    let mut st = tx.prepare_cached(
        "INSERT INTO messages (folder_id, uid, flags, seen, flagged, from_name, from_addr, to_addrs,
                               cc_addrs, subject, date, internal_date, size, message_id, in_reply_to,
                               refs, has_attachment, modseq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
         ON CONFLICT (folder_id, uid) DO UPDATE SET
            flags = excluded.flags, seen = excluded.seen, flagged = excluded.flagged,
            modseq = excluded.modseq",
    )?;
    for m in batch {
        let (flags, seen, flagged) = flag_columns(&m.flags);
        let h = &m.header;
        let date = h.date.or(m.internal_date).unwrap_or(0);
        st.execute(params![
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
        ])?;
    }
    Ok(())
}

fn flag_columns(flags: &[String]) -> (String, bool, bool) {
    let seen = flags.iter().any(|f| f.eq_ignore_ascii_case("\\Seen"));
    let flagged = flags.iter().any(|f| f.eq_ignore_ascii_case("\\Flagged"));
    let mut sorted: Vec<&str> = flags.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    (sorted.join(" "), seen, flagged)
}

fn random_id() -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(std::process::id().to_le_bytes());
    h.update(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
            .to_le_bytes(),
    );
    let stack_marker = 0u8;
    h.update((&stack_marker as *const u8 as usize).to_le_bytes());
    h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Creates the data directory readable by the owner only.
pub fn create_private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::Storage(format!("cannot create {}: {e}", dir.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    Ok(())
}

/// The async face of [`Db`]: one connection behind a mutex, used from the blocking pool.
#[derive(Clone)]
pub struct Store {
    db: Arc<Mutex<Db>>,
}

impl Store {
    pub async fn open(path: PathBuf) -> Result<Store> {
        let db = tokio::task::spawn_blocking(move || Db::open(&path))
            .await
            .map_err(Error::storage)??;
        Ok(Store {
            db: Arc::new(Mutex::new(db)),
        })
    }

    /// Runs `f` with the database on tokio's blocking pool.
    pub async fn call<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Db) -> Result<T> + Send + 'static,
    {
        let db = Arc::clone(&self.db);
        tokio::task::spawn_blocking(move || {
            let mut guard = db
                .lock()
                .map_err(|_| Error::Storage("the database lock was poisoned".into()))?;
            f(&mut guard)
        })
        .await
        .map_err(Error::storage)?
    }
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
