//! The engine's one public error type. Its kinds are what a UI branches on; every kind that
//! comes from a server carries which server and what was tried, so a person can be told exactly
//! what failed. Messages never contain a password.

use serde::Serialize;
use std::fmt;

use crate::settings::Security;

/// Which of the account's two servers an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Imap,
    Smtp,
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protocol::Imap => "IMAP",
            Protocol::Smtp => "SMTP",
        })
    }
}

/// A server and the way the engine tried to reach it: what the person needs to see to fix
/// their settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Endpoint {
    pub protocol: Protocol,
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub user: String,
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}:{} ({}, user {})",
            self.protocol, self.host, self.port, self.security, self.user
        )
    }
}

/// Why a provider refused a sign-in that may well have had the right password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockReason {
    /// 2-Step Verification is on: an app password (or OAuth) is needed.
    AppPasswordRequired,
    /// The provider wants the person to sign in on the web first (security alert).
    WebLoginRequired,
    /// The provider accepts only OAuth ("Sign in with Microsoft/Google").
    OauthRequired,
    /// The organisation's administrator has turned authenticated SMTP off.
    SmtpAuthDisabledByAdmin,
    /// Too many simultaneous connections: back off, not a password problem.
    TooManyConnections,
    /// Bandwidth or rate limit reached: pause sync until it resets.
    Throttled,
    /// An `[ALERT]` we do not know: show the provider's text.
    Other,
}

/// The kinds a UI can branch on, serialized in snake_case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    InvalidInput,
    WrongCredentials,
    BlockedByProvider,
    CertificateUntrusted,
    StarttlsNotOffered,
    CannotConnect,
    Protocol,
    Keyring,
    Storage,
    NotLoggedIn,
    NotFound,
    /// Sending needs the account's address to be the first on the person's contact card.
    NotFirstOnContactCard,
    /// Autodetection found no server for the domain (what was tried goes with it).
    NoServerFound,
    /// The servers found need the person's confirmation before the password goes there.
    NeedsConfirmation,
    /// The work was stopped (the account was removed, the app quit): not a failure.
    Cancelled,
}

/// The failure an error came from (an I/O error, SQLite's, the keyring's, the IMAP library's),
/// kept as the error's `source()` for logs and chains. A UI branches on [`Error::kind`], never
/// on this or on the words.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{field}: {message}")]
    InvalidInput { field: String, message: String },

    #[error("{endpoint}: the server did not accept the user name or password ({server_text})")]
    WrongCredentials {
        endpoint: Endpoint,
        server_text: String,
    },

    #[error("{endpoint}: the provider blocked the sign-in ({reason:?}): {server_text}")]
    BlockedByProvider {
        endpoint: Endpoint,
        reason: BlockReason,
        server_text: String,
        url: Option<String>,
    },

    #[error("{endpoint}: the server's certificate is not trusted ({detail}); SHA-256 fingerprint {fingerprint}")]
    CertificateUntrusted {
        endpoint: Endpoint,
        fingerprint: String,
        detail: String,
    },

    #[error("{endpoint}: the server does not offer STARTTLS, so the connection was not used")]
    StarttlsNotOffered { endpoint: Endpoint },

    #[error("{endpoint}: cannot connect: {detail}")]
    CannotConnect {
        endpoint: Endpoint,
        detail: String,
        #[source]
        source: Option<Cause>,
    },

    #[error("{endpoint}: unexpected answer from the server: {detail}")]
    Protocol {
        endpoint: Endpoint,
        detail: String,
        #[source]
        source: Option<Cause>,
    },

    #[error("keyring: {detail}")]
    Keyring {
        detail: String,
        #[source]
        source: Option<Cause>,
    },

    #[error("local storage: {detail}")]
    Storage {
        detail: String,
        #[source]
        source: Option<Cause>,
    },

    #[error("no account is set up; log in first")]
    NotLoggedIn,

    #[error("stopped before it finished")]
    Cancelled,

    #[error("not found: {0}")]
    NotFound(String),

    #[error("cannot send as {account}: it must be the first address on your contact card (the first is {})", first.as_deref().unwrap_or("none"))]
    NotFirstOnContactCard {
        account: String,
        first: Option<String>,
    },

    /// Autodetection found servers outside the address's domain through a source that does
    /// not speak for its owner; the password goes there only after the person says yes.
    #[error("Inkorg found {} through {source_text}; sign in there only if you trust them (--trust-found-hosts)", hosts.join(", "))]
    NeedsConfirmation {
        hosts: Vec<String>,
        source_text: String,
    },

    /// An outcome already reduced to its kind and words, e.g. the reason autodetection gives
    /// for a server it could not verify.
    #[error("{message}")]
    Reported { kind: ErrorKind, message: String },
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidInput { .. } => ErrorKind::InvalidInput,
            Error::WrongCredentials { .. } => ErrorKind::WrongCredentials,
            Error::BlockedByProvider { .. } => ErrorKind::BlockedByProvider,
            Error::CertificateUntrusted { .. } => ErrorKind::CertificateUntrusted,
            Error::StarttlsNotOffered { .. } => ErrorKind::StarttlsNotOffered,
            Error::CannotConnect { .. } => ErrorKind::CannotConnect,
            Error::Protocol { .. } => ErrorKind::Protocol,
            Error::Keyring { .. } => ErrorKind::Keyring,
            Error::Storage { .. } => ErrorKind::Storage,
            Error::NotLoggedIn => ErrorKind::NotLoggedIn,
            Error::Cancelled => ErrorKind::Cancelled,
            Error::NotFound(_) => ErrorKind::NotFound,
            Error::NotFirstOnContactCard { .. } => ErrorKind::NotFirstOnContactCard,
            Error::NeedsConfirmation { .. } => ErrorKind::NeedsConfirmation,
            Error::Reported { kind, .. } => *kind,
        }
    }

    /// The server an error is about, when it is about one.
    pub fn endpoint(&self) -> Option<&Endpoint> {
        match self {
            Error::WrongCredentials { endpoint, .. }
            | Error::BlockedByProvider { endpoint, .. }
            | Error::CertificateUntrusted { endpoint, .. }
            | Error::StarttlsNotOffered { endpoint }
            | Error::CannotConnect { endpoint, .. }
            | Error::Protocol { endpoint, .. } => Some(endpoint),
            _ => None,
        }
    }

    pub(crate) fn invalid(field: &str, message: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.to_string(),
            message: message.into(),
        }
    }

    /// Local storage failed for a reason only words can give (no underlying error).
    pub fn storage(detail: impl Into<String>) -> Self {
        Error::Storage {
            detail: detail.into(),
            source: None,
        }
    }

    /// Local storage failed: `context` says what was being done, `cause` why.
    pub(crate) fn storage_because(
        context: impl fmt::Display,
        cause: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Error::Storage {
            detail: format!("{context}: {cause}"),
            source: Some(Box::new(cause)),
        }
    }

    pub(crate) fn keyring(detail: impl Into<String>, source: Option<Cause>) -> Self {
        Error::Keyring {
            detail: detail.into(),
            source,
        }
    }

    pub(crate) fn cannot_connect(endpoint: &Endpoint, detail: impl Into<String>) -> Self {
        Error::CannotConnect {
            endpoint: endpoint.clone(),
            detail: detail.into(),
            source: None,
        }
    }

    /// The same error with `cause` as its source (for the kinds that keep one).
    pub(crate) fn because(mut self, cause: impl Into<Cause>) -> Self {
        if let Error::CannotConnect { source, .. }
        | Error::Protocol { source, .. }
        | Error::Keyring { source, .. }
        | Error::Storage { source, .. } = &mut self
        {
            *source = Some(cause.into());
        }
        self
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Storage {
            detail: e.to_string(),
            source: Some(Box::new(e)),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn a_storage_error_keeps_what_sqlite_said_as_its_source() {
        let e = Error::from(rusqlite::Error::InvalidQuery);
        assert_eq!(e.kind(), ErrorKind::Storage);
        let source = e.source().unwrap();
        assert!(source.downcast_ref::<rusqlite::Error>().is_some());
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "no");
        let e = Error::storage_because("cannot open /x", io);
        assert_eq!(e.to_string(), "local storage: cannot open /x: no");
        let io = e
            .source()
            .unwrap()
            .downcast_ref::<std::io::Error>()
            .unwrap();
        assert_eq!(io.kind(), std::io::ErrorKind::PermissionDenied);
    }

    #[test]
    fn a_broken_connection_keeps_the_io_error_and_its_kind_is_cannot_connect() {
        let ep = Endpoint {
            protocol: Protocol::Imap,
            host: "imap.example".into(),
            port: 993,
            security: Security::Tls,
            user: "a".into(),
        };
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        let e = Error::cannot_connect(&ep, "the server closed the connection").because(reset);
        assert_eq!(e.kind(), ErrorKind::CannotConnect);
        let io = e
            .source()
            .unwrap()
            .downcast_ref::<std::io::Error>()
            .unwrap();
        assert_eq!(io.kind(), std::io::ErrorKind::ConnectionReset);
    }
}
