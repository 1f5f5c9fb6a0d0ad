//! What signs in to a mail server: a password, or an OAuth2 access token (SASL XOAUTH2, what
//! "Sign in with Microsoft/Google" gives). The keyring keeps one per server; IMAP and SMTP sign
//! in with whichever it is. Neither is ever printed: Debug shows only the kind.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How an entry in the keyring says what it holds. A password is stored as typed (entries from
/// before OAuth2 read as passwords); only a password that happens to start with this prefix is
/// marked, so it cannot be mistaken for a token.
const MARK: &str = "inkorg:";
const OAUTH2: &str = "inkorg:oauth2:";
const PASSWORD: &str = "inkorg:password:";

#[derive(Clone, PartialEq, Eq)]
pub enum Secret {
    Password(String),
    OAuth2(OAuth2Token),
}

/// An OAuth2 grant for one account.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuth2Token {
    pub access_token: String,
    /// Present when the issuer gave one: a new access token is asked for with it.
    pub refresh_token: Option<String>,
    /// When the access token runs out, in seconds since the epoch.
    pub expires_at: Option<i64>,
    /// Which issuer gave it (for the refresh), e.g. "microsoft" or "google".
    pub issuer: String,
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Secret::Password(_) => f.write_str("Secret::Password(<hidden>)"),
            Secret::OAuth2(t) => write!(f, "Secret::OAuth2(<hidden>, issuer {})", t.issuer),
        }
    }
}

impl Secret {
    pub fn password(p: &str) -> Secret {
        Secret::Password(p.to_string())
    }

    /// The text the keyring keeps.
    pub(crate) fn to_keyring(&self) -> Result<String> {
        match self {
            Secret::Password(p) if p.starts_with(MARK) => Ok(format!("{PASSWORD}{p}")),
            Secret::Password(p) => Ok(p.clone()),
            Secret::OAuth2(t) => serde_json::to_string(t)
                .map(|json| format!("{OAUTH2}{json}"))
                .map_err(|e| Error::keyring("cannot encode the sign-in token", Some(Box::new(e)))),
        }
    }

    /// What a keyring entry holds.
    pub(crate) fn from_keyring(text: String) -> Result<Secret> {
        if let Some(json) = text.strip_prefix(OAUTH2) {
            return serde_json::from_str(json).map(Secret::OAuth2).map_err(|e| {
                Error::keyring(
                    "the saved sign-in token cannot be read; sign in again",
                    Some(Box::new(e)),
                )
            });
        }
        match text.strip_prefix(PASSWORD) {
            Some(p) => Ok(Secret::Password(p.to_string())),
            None => Ok(Secret::Password(text)),
        }
    }

    /// The password, when this is one.
    pub fn as_password(&self) -> Option<&str> {
        match self {
            Secret::Password(p) => Some(p),
            Secret::OAuth2(_) => None,
        }
    }
}

/// SASL XOAUTH2's initial response (before base64): who, and the bearer token.
pub(crate) fn xoauth2(user: &str, access_token: &str) -> String {
    format!("user={user}\x01auth=Bearer {access_token}\x01\x01")
}

/// async-imap's side of AUTHENTICATE XOAUTH2: the initial response, then an empty line to a
/// server's error challenge (a JSON document), after which the server answers NO.
pub(crate) struct XOAuth2 {
    pub(crate) response: String,
    pub(crate) sent: bool,
}

impl async_imap::Authenticator for XOAuth2 {
    type Response = String;

    fn process(&mut self, _challenge: &[u8]) -> String {
        if self.sent {
            String::new()
        } else {
            self.sent = true;
            self.response.clone()
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn token() -> OAuth2Token {
        OAuth2Token {
            access_token: "ya29.a0".into(),
            refresh_token: Some("1//refresh".into()),
            expires_at: Some(1_800_000_000),
            issuer: "google".into(),
        }
    }

    #[test]
    fn a_password_saved_before_tokens_existed_still_reads_as_that_password() {
        let old = Secret::from_keyring("hunter2".into()).unwrap();
        assert_eq!(old, Secret::password("hunter2"));
        assert_eq!(Secret::password("hunter2").to_keyring().unwrap(), "hunter2");
    }

    #[test]
    fn a_token_and_a_password_that_looks_like_one_come_back_as_what_they_were() {
        let t = Secret::OAuth2(token());
        assert_eq!(Secret::from_keyring(t.to_keyring().unwrap()).unwrap(), t);
        let tricky = Secret::password("inkorg:oauth2:{\"access_token\":\"x\"}");
        let stored = tricky.to_keyring().unwrap();
        assert_eq!(Secret::from_keyring(stored).unwrap(), tricky);
    }

    #[test]
    fn a_damaged_token_entry_is_a_keyring_error_not_a_password() {
        let e = Secret::from_keyring("inkorg:oauth2:{not json".into()).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Keyring);
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let shown = format!(
            "{:?} {:?}",
            Secret::password("hunter2"),
            Secret::OAuth2(token())
        );
        assert!(
            !shown.contains("hunter2") && !shown.contains("ya29") && !shown.contains("refresh")
        );
    }

    #[test]
    fn xoauth2_says_who_and_the_bearer_token_and_answers_an_error_with_an_empty_line() {
        use async_imap::Authenticator as _;
        assert_eq!(
            xoauth2("a@example.com", "tok"),
            "user=a@example.com\x01auth=Bearer tok\x01\x01"
        );
        let mut auth = XOAuth2 {
            response: xoauth2("a@example.com", "tok"),
            sent: false,
        };
        assert!(auth.process(b"").starts_with("user=a@example.com"));
        assert_eq!(auth.process(b"{\"status\":\"401\"}"), "");
    }
}
