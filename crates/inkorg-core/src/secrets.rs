//! Passwords in the OS keyring (Secret Service on Linux, Keychain on macOS, Credential Manager
//! on Windows) and nowhere else. Every call runs off the async runtime with a timeout: a locked
//! keyring can block forever.

use std::time::Duration;

use crate::error::{Error, Result};

const SERVICE: &str = "Inkorg";
const TIMEOUT: Duration = Duration::from_secs(20);

/// Which password of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Imap,
    Smtp,
}

/// Names one keyring entry. The profile id keeps two data directories (two profiles) with the
/// same address apart.
#[derive(Debug, Clone)]
pub struct SecretRef {
    pub email: String,
    pub role: Role,
    pub profile: String,
}

impl SecretRef {
    fn user(&self) -> String {
        let role = match self.role {
            Role::Imap => "incoming",
            Role::Smtp => "outgoing",
        };
        format!("{} ({role}, profile {})", self.email, self.profile)
    }
}

async fn blocking<T: Send + 'static>(
    what: &'static str,
    f: impl FnOnce() -> std::result::Result<T, keyring::Error> + Send + 'static,
) -> Result<T> {
    let task = tokio::task::spawn_blocking(f);
    match tokio::time::timeout(TIMEOUT, task).await {
        Err(_) => Err(Error::Keyring(format!(
            "the keyring did not answer within {} s while trying to {what} (is it locked?)",
            TIMEOUT.as_secs()
        ))),
        Ok(Err(join)) => Err(Error::Keyring(format!("{what}: {join}"))),
        Ok(Ok(Err(e))) => Err(Error::Keyring(format!("{what}: {}", describe(&e)))),
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

pub async fn store(r: &SecretRef, password: &str) -> Result<()> {
    let user = r.user();
    let password = password.to_string();
    blocking("store the password", move || {
        keyring::Entry::new(SERVICE, &user)?.set_password(&password)
    })
    .await
}

/// The stored password, or `None` if there is none.
pub async fn load(r: &SecretRef) -> Result<Option<String>> {
    let user = r.user();
    blocking("read the password", move || {
        match keyring::Entry::new(SERVICE, &user)?.get_password() {
            Ok(p) => Ok(Some(p)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e),
        }
    })
    .await
}

/// Deletes the entry; a missing entry is not an error.
pub async fn delete(r: &SecretRef) -> Result<()> {
    let user = r.user();
    blocking("delete the password", move || {
        match keyring::Entry::new(SERVICE, &user)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e),
        }
    })
    .await
}
