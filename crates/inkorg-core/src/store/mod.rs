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

mod accounts;
mod actions;
mod bodies;
mod folders;
mod messages;
mod outbox;

pub use actions::{ActionKind, PendingAction, Relocated};
pub use bodies::{OfflineScope, OfflineWanted};
pub use messages::Inserted;
pub use outbox::{
    DraftFields, NewOutgoing, OutboxEntry, OutboxError, OutboxState, Outgoing, StoredDraft,
};

/// The migrations, in order. Entry N takes the schema from version N to N+1.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_initial.sql"),
    include_str!("migrations/0002_personal.sql"),
    include_str!("migrations/0003_plaintext_consent.sql"),
    include_str!("migrations/0004_actions.sql"),
    include_str!("migrations/0005_subscriptions.sql"),
    include_str!("migrations/0006_unread_index.sql"),
    include_str!("migrations/0007_bodies.sql"),
    include_str!("migrations/0008_outbox.sql"),
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
    /// The person follows it: it is synced and in the folder pane.
    pub subscribed: bool,
}

/// One message in a list, newest first.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MessageSummary {
    /// The stable local id (what `list --json` prints and actions take).
    pub id: i64,
    /// The folder's server name.
    pub folder: String,
    /// 0 while a local move waits for the server.
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

pub(crate) fn now() -> i64 {
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
            .map_err(|e| Error::storage_because(format!("cannot open {}", path.display()), e))?;
        Self::init(conn)
    }

    /// A read-only connection to an existing database (migrations are the writer's job).
    pub fn open_reader(path: &Path) -> Result<Db> {
        use rusqlite::OpenFlags;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| Error::storage_because(format!("cannot open {}", path.display()), e))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        Ok(Db { conn })
    }

    /// Changes whenever another connection (this process's writer or another process)
    /// commits: the account loop's cheap "did anything change?" check.
    pub fn data_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .pragma_query_value(None, "data_version", |r| r.get(0))?)
    }

    #[cfg(test)]
    pub fn open_in_memory() -> Result<Db> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Db> {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        // Every write transaction takes the write lock when it begins. A deferred one
        // that reads first and then writes fails at once with "database is locked" when
        // another process (the account loop beside a CLI command) committed in between:
        // SQLite cannot wait for a snapshot that is already stale.
        conn.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
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
            return Err(Error::storage(format!(
                "the database has schema version {current}, made by a newer Inkorg than this one \
                 (which knows up to {SCHEMA_VERSION}); nothing was changed"
            )));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
            let version = i as i64 + 1;
            let tx = self.conn.transaction()?;
            tx.execute_batch(sql)
                .map_err(|e| Error::storage_because(format!("migration {version} failed"), e))?;
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
        .map_err(|e| Error::storage_because(format!("cannot create {}", dir.display()), e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    Ok(())
}

/// Read-only connections beside the one writer: listing never waits behind a batch write.
const READERS: usize = 3;

/// The async face of [`Db`]: one writer connection and a few read-only ones (WAL lets them
/// read while the writer commits), used from tokio's blocking pool.
#[derive(Clone)]
pub struct Store {
    db: Arc<Mutex<Db>>,
    readers: Arc<Vec<Mutex<Db>>>,
}

impl Store {
    pub async fn open(path: PathBuf) -> Result<Store> {
        let (db, readers) = tokio::task::spawn_blocking(move || {
            let db = Db::open(&path)?;
            let readers = (0..READERS)
                .map(|_| Db::open_reader(&path).map(Mutex::new))
                .collect::<Result<Vec<_>>>()?;
            Ok::<_, Error>((db, readers))
        })
        .await
        .map_err(|e| Error::storage_because("opening the database", e))??;
        Ok(Store {
            db: Arc::new(Mutex::new(db)),
            readers: Arc::new(readers),
        })
    }

    /// Runs `f` with the writer on tokio's blocking pool. A panic inside `f` rolls its
    /// transaction back (rusqlite's `Transaction` does on drop) and leaves the store usable.
    pub async fn call<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Db) -> Result<T> + Send + 'static,
    {
        let db = Arc::clone(&self.db);
        tokio::task::spawn_blocking(move || {
            let mut guard = db.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            f(&mut guard)
        })
        .await
        .map_err(|e| Error::storage_because("a database write", e))?
    }

    /// The writer connection's `data_version`: changes when another process commits.
    pub async fn data_version(&self) -> Result<i64> {
        self.call(|db| db.data_version()).await
    }

    /// Runs `f` with a read-only connection (the first free one).
    pub async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Db) -> Result<T> + Send + 'static,
    {
        let readers = Arc::clone(&self.readers);
        tokio::task::spawn_blocking(move || {
            let free = readers.iter().find_map(|r| r.try_lock().ok());
            let guard = match free {
                Some(g) => g,
                None => readers[0]
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
            };
            f(&guard)
        })
        .await
        .map_err(|e| Error::storage_because("a database read", e))?
    }
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
