//! Passwords and sign-in tokens ([`Secret`]) in the OS keyring (Secret Service on Linux,
//! Keychain on macOS, Credential Manager on Windows) and nowhere else. Every call runs off the async runtime with a timeout: a locked
//! keyring can block forever.

use std::time::Duration;

use crate::credential::Secret;
use crate::error::{Error, Result};
use crate::settings::ServerSettings;

const SERVICE: &str = "Inkorg";
const TIMEOUT: Duration = Duration::from_secs(20);

/// Which password of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Imap,
    Smtp,
}

/// Names one keyring entry. The profile id keeps two data directories (two profiles) with the
/// same address apart; the server (user name, host and port) is part of the name, so settings
/// edited to another host can never read the password that was given for the old one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRef {
    pub email: String,
    pub role: Role,
    pub profile: String,
    /// `user@host:port` of the server the password is for.
    pub server: String,
}

impl SecretRef {
    pub fn new(profile: &str, email: &str, role: Role, server: &ServerSettings) -> SecretRef {
        SecretRef {
            email: email.to_string(),
            role,
            profile: profile.to_string(),
            server: format!(
                "{}@{}:{}",
                server.username,
                server.host.to_ascii_lowercase(),
                server.port
            ),
        }
    }

    fn role_text(&self) -> &'static str {
        match self.role {
            Role::Imap => "incoming",
            Role::Smtp => "outgoing",
        }
    }

    fn user(&self) -> String {
        format!(
            "{} ({} {}, profile {})",
            self.email,
            self.role_text(),
            self.server,
            self.profile
        )
    }

    /// The name entries had before the server was part of it (schema 1 and 2).
    fn legacy_user(&self) -> String {
        format!(
            "{} ({}, profile {})",
            self.email,
            self.role_text(),
            self.profile
        )
    }
}

async fn blocking<T: Send + 'static>(
    what: &'static str,
    f: impl FnOnce() -> std::result::Result<T, keyring::Error> + Send + 'static,
) -> Result<T> {
    let task = tokio::task::spawn_blocking(f);
    match tokio::time::timeout(TIMEOUT, task).await {
        Err(_) => Err(Error::keyring(
            format!(
                "the keyring did not answer within {} s while trying to {what} (is it locked?)",
                TIMEOUT.as_secs()
            ),
            None,
        )),
        Ok(Err(join)) => Err(Error::keyring(
            format!("{what}: {join}"),
            Some(Box::new(join)),
        )),
        Ok(Ok(Err(e))) => {
            let detail = format!("{what}: {}", describe(&e));
            Err(Error::keyring(detail, Some(Box::new(e))))
        }
        Ok(Ok(Ok(v))) => Ok(v),
    }
}

fn describe(e: &keyring::Error) -> String {
    match e {
        keyring::Error::NoStorageAccess(_) | keyring::Error::PlatformFailure(_) => format!(
            "no keyring is available ({e}); on Linux a Secret Service such as gnome-keyring must run"
        ),
        other => other.to_string(),
    }
}

pub async fn store(r: &SecretRef, secret: &Secret) -> Result<()> {
    let user = r.user();
    let password = secret.to_keyring()?;
    blocking("store the password", move || {
        keyring::Entry::new(SERVICE, &user)?.set_password(&password)
    })
    .await
}

/// The stored secret, or `None` if there is none.
pub async fn load(r: &SecretRef) -> Result<Option<Secret>> {
    load_named(r.user())
        .await?
        .map(Secret::from_keyring)
        .transpose()
}

/// The password of the account's saved server. An entry from before server-scoped names is
/// moved to its new name on the way: it can only be the saved server's, since `load_saved`
/// is called with the settings stored in SQLite, never with edited ones.
pub async fn load_saved(r: &SecretRef) -> Result<Option<Secret>> {
    if let Some(p) = load(r).await? {
        return Ok(Some(p));
    }
    let Some(p) = load_named(r.legacy_user()).await? else {
        return Ok(None);
    };
    let secret = Secret::from_keyring(p)?;
    store(r, &secret).await?;
    delete_named(r.legacy_user()).await?;
    Ok(Some(secret))
}

async fn load_named(user: String) -> Result<Option<String>> {
    blocking("read the password", move || {
        match keyring::Entry::new(SERVICE, &user)?.get_password() {
            Ok(p) => Ok(Some(p)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e),
        }
    })
    .await
}

/// Deletes the entry (and one under its name from before server-scoped names); a missing
/// entry is not an error.
pub async fn delete(r: &SecretRef) -> Result<()> {
    delete_named(r.user()).await?;
    delete_named(r.legacy_user()).await
}

async fn delete_named(user: String) -> Result<()> {
    blocking("delete the password", move || {
        match keyring::Entry::new(SERVICE, &user)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e),
        }
    })
    .await
}
