//! What the engine tells its front ends as it happens: new mail, changed flags, removed
//! messages, the folder list, the account's health, the action queue and the download for
//! offline reading. The Tauri shell forwards each event to the web UI; `inkorg-cli watch
//! --json` prints one per line.
//!
//! Events go out on a broadcast channel: a slow listener misses old events (and is told so by
//! the channel) rather than slowing the engine down; the store stays the truth to reload from.

use serde::Serialize;
use tokio::sync::broadcast;

use crate::error::{Error, ErrorKind};

/// How many events a listener may fall behind before it misses some.
const CAPACITY: usize = 1024;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A message arrived in a folder after its first sync (the first sync of a folder reports
    /// `synced` instead, not one event per old message).
    NewMessage {
        id: i64,
        folder: String,
        uid: u32,
        from: String,
        subject: String,
        date: i64,
        seen: bool,
    },
    /// A message's flags changed (on the server, or by the person's action).
    Flags {
        id: i64,
        folder: String,
        seen: bool,
        flagged: bool,
    },
    /// A message left a folder (expunged on the server, deleted or moved by the person).
    Removed {
        id: i64,
        folder: String,
        /// Where it went, for a move.
        moved_to: Option<String>,
    },
    /// The folder list or a folder's counts changed: reload them.
    Folders,
    /// Headers of a folder's first sync are arriving (one event per stored batch).
    Progress {
        folder: String,
        done: u32,
        total: u32,
    },
    /// A folder's sync finished.
    Synced {
        folder: String,
        new: u32,
        total: u32,
        full: bool,
    },
    /// The account's connection state.
    Health(Health),
    /// The number of actions waiting for the server.
    Queue { pending: u32 },
    /// The outbox changed: `waiting` messages are not out yet (queued, sending, refused,
    /// uncertain). The Utkorg list reloads.
    Outbox { waiting: u32 },
    /// A message was accepted by the SMTP server (its copy in Sent follows).
    MessageSent {
        message_id: String,
        subject: String,
        to: String,
    },
    /// The background download for offline reading: `done` of the `total` messages in range
    /// that had no stored body when the pass began; `stored_bytes` is what the account's
    /// bodies take now. `budget_reached`: the pass stopped at the disk budget.
    Offline {
        done: u32,
        total: u32,
        stored_bytes: u64,
        budget_reached: bool,
    },
}

/// The account loop's state, in the words a UI shows ("Uppdaterad 10:42", "Offline – försöker
/// igen om 30 s", "Kan inte logga in: …").
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Health {
    Connecting,
    /// Connected and up to date as of `updated_at` (seconds since the epoch).
    Online {
        updated_at: i64,
        push: bool,
    },
    /// The server cannot be reached; the loop tries again in `retry_in_s`.
    Offline {
        retry_in_s: u64,
        error: ErrorInfo,
    },
    /// The server refused the account (wrong password, a provider block, an untrusted
    /// certificate): the loop has stopped and waits for the person.
    Stopped {
        error: ErrorInfo,
    },
    /// Another Inkorg process (the app or `inkorg-cli watch`) runs this profile's loop.
    Elsewhere,
}

/// An error as events carry it: the kind a UI branches on, the server, and the engine's and
/// the server's words (never a password).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ErrorInfo {
    pub kind: ErrorKind,
    pub message: String,
    pub endpoint: Option<crate::error::Endpoint>,
    /// Why a provider blocked the sign-in, when it did.
    pub reason: Option<crate::error::BlockReason>,
    /// The server's own words, when it gave some.
    pub server_text: Option<String>,
    /// The provider's page about the block.
    pub url: Option<String>,
    /// An untrusted certificate's SHA-256 fingerprint.
    pub fingerprint: Option<String>,
}

impl From<&Error> for ErrorInfo {
    fn from(e: &Error) -> ErrorInfo {
        let mut info = ErrorInfo {
            kind: e.kind(),
            message: e.to_string(),
            endpoint: e.endpoint().cloned(),
            reason: None,
            server_text: None,
            url: None,
            fingerprint: None,
        };
        match e {
            Error::BlockedByProvider {
                reason,
                server_text,
                url,
                ..
            } => {
                info.reason = Some(*reason);
                info.server_text = Some(server_text.clone());
                info.url = url.clone();
            }
            Error::WrongCredentials { server_text, .. } => {
                info.server_text = Some(server_text.clone())
            }
            Error::CertificateUntrusted { fingerprint, .. } => {
                info.fingerprint = Some(fingerprint.clone())
            }
            _ => {}
        }
        info
    }
}

/// The sending side, shared by everything in the engine that has news.
#[derive(Clone)]
pub(crate) struct Events {
    tx: broadcast::Sender<Event>,
    /// The last health said, for a window that starts listening later.
    health: std::sync::Arc<std::sync::Mutex<Option<Health>>>,
}

impl Events {
    pub fn new() -> Events {
        Events {
            tx: broadcast::channel(CAPACITY).0,
            health: Default::default(),
        }
    }

    pub fn emit(&self, event: Event) {
        if let Event::Health(h) = &event {
            *self
                .health
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(h.clone());
        }
        // No listener is not an error: the CLI's one-shot commands have none.
        let _ = self.tx.send(event);
    }

    /// The account loop's health as last said (None: no loop has run in this process).
    pub fn health(&self) -> Option<Health> {
        self.health
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.tx.subscribe()
    }
}
