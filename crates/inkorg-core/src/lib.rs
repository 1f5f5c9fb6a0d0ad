//! Inkorg's mail engine: account settings, IMAP and SMTP connections with verified TLS,
//! passwords in the OS keyring, a local SQLite store and header sync. It knows nothing of
//! Tauri or any UI, so the desktop app, the `inkorg-cli` binary and the tests drive the same
//! code. Start at [`Engine`]; see docs/ARCHITECTURE.md for the map.

mod account_loop;
pub mod detect;
pub mod engine;
pub mod error;
pub mod events;
pub mod folders;
pub mod imap;
pub mod mime;
pub mod net;
pub mod overrides;
pub mod personal;
pub mod provider_answers;
mod replay;
pub mod secrets;
pub mod settings;
pub mod smtp;
pub mod store;
pub mod sync;
pub mod text;
pub mod tls;

pub use engine::{
    default_data_dir, Credentials, Engine, Flushed, LoginOutcome, Mark, OutgoingMessage, Status,
};
pub use error::{BlockReason, Endpoint, Error, ErrorKind, Protocol, Result};
pub use events::{ErrorInfo, Event, Health};
pub use folders::Role;
pub use overrides::Overrides;
pub use personal::{ContactCard, Language, Preferences};
pub use settings::{AccountSettings, Security, ServerSettings};
pub use store::{ActionKind, FolderInfo, MessageSummary, PendingAction};
pub use sync::{SyncPhase, SyncProgress, SyncReport};
pub use tokio_util::sync::CancellationToken;
