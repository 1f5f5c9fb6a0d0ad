//! Inkorg's mail engine: account settings, IMAP and SMTP connections with verified TLS,
//! passwords in the OS keyring, a local SQLite store and header sync. It knows nothing of
//! Tauri or any UI, so the desktop app, the `inkorg-cli` binary and the tests drive the same
//! code. Start at [`Engine`]; see docs/ARCHITECTURE.md for the map.

// Every module is private: the shell, the CLI and the tests reach the engine only through what
// is re-exported below (and `detect`, the setup's autodetection, which is its own API). So no
// front end can open a socket, run SQL or touch the keyring around the engine.
mod account_loop;
mod bodies;
mod compose;
mod credential;
pub mod detect;
mod engine;
mod error;
mod events;
mod folders;
mod imap;
mod mime;
mod net;
mod outbox;
mod overrides;
mod personal;
mod prefetch;
mod provider_answers;
mod reader;
mod replay;
mod secrets;
mod settings;
mod smtp;
mod store;
mod sync;
mod text;
mod tls;

pub use compose::{mime_type_for, text_to_html, Draft, DraftAttachment};
pub use credential::{OAuth2Token, Secret};
pub use engine::{
    default_data_dir, prefixed_subject, quote_header, split_addresses, ComposeKind, Credentials,
    DraftAttachmentView, DraftInput, DraftView, Engine, Flushed, LoginOutcome, Mark, OfflineUsage,
    OpenOptions, Queued, ReadMessage, SendOptions, Status,
};
pub use error::{BlockReason, Cause, Endpoint, Error, ErrorKind, Protocol, Result};
pub use events::{ErrorInfo, Event, Health};
pub use folders::Role;
pub use net::{is_https_link, parse_dns_server, set_dns_server};
pub use overrides::Overrides;
pub use personal::{
    ContactCard, Language, OfflineRange, Preferences, OFFLINE_BUDGETS_MB, UNDO_SEND_SECONDS,
};
pub use reader::{
    content_security_policy, document as reader_document, print_document, read as read_raw_message,
    safe_file_name, AttachmentData, AttachmentInfo, Document as ReaderDocument, LinkReason,
    LinkWarning, MessageBody, ReadOptions, ReaderHeaders,
};
pub use settings::{parse_port, AccountSettings, Security, ServerSettings};
pub use store::{ActionKind, FolderInfo, MessageSummary, OutboxEntry, OutboxState, PendingAction};
pub use sync::{SyncPhase, SyncProgress, SyncReport};
pub use text::for_display;
pub use tokio_util::sync::CancellationToken;

/// What the tests (and a person debugging) need to look where the engine keeps things: the
/// database file and the keyring entries. Not for front ends.
#[doc(hidden)]
pub mod inspect {
    pub use crate::secrets::{delete, load, Role, SecretRef};
    pub use crate::store::db_path;
}
