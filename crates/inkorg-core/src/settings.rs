//! Account settings: the address, the incoming (IMAP) and outgoing (SMTP) servers, and the
//! validation that turns what a person typed into settings the engine can use, with a clear
//! error per field. Internationalised domains are accepted and stored in their ASCII form.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::str::FromStr;

use crate::error::{Error, Result};

/// How a connection is secured. `None` is plaintext and is used only when chosen explicitly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// TLS from the first byte (IMAPS 993, SMTPS 465).
    Tls,
    /// Plaintext greeting, then STARTTLS before anything else; refused if not offered.
    Starttls,
    /// No encryption at all.
    None,
}

impl fmt::Display for Security {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Security::Tls => "tls",
            Security::Starttls => "starttls",
            Security::None => "none",
        })
    }
}

impl FromStr for Security {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "tls" | "ssl" => Ok(Security::Tls),
            "starttls" => Ok(Security::Starttls),
            "none" | "plain" => Ok(Security::None),
            other => Err(Error::invalid(
                "security",
                format!("\"{other}\" is not one of tls, starttls, none"),
            )),
        }
    }
}

/// One server as the person entered it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// Empty means "the full email address".
    pub username: String,
}

/// Everything needed to reach an account, except the password (which lives in the keyring).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSettings {
    pub email: String,
    pub display_name: String,
    pub imap: ServerSettings,
    pub smtp: ServerSettings,
    /// Extra trusted CA certificates (PEM), for a private CA the person chose in Advanced
    /// settings. The OS trust store still applies.
    pub ca_file: Option<PathBuf>,
    /// The person confirmed, naming the risk, that a server with `Security::None` may get the
    /// password unencrypted. Without it such settings are refused.
    pub allow_plaintext: bool,
}

impl AccountSettings {
    /// Checks every field and returns the settings in normal form: trimmed, the address's
    /// domain lowercased and in ASCII (punycode), user names defaulted to the address.
    pub fn validated(&self) -> Result<AccountSettings> {
        let email = normalize_email(&self.email)?;
        let imap = validate_server("imap", &self.imap, &email)?;
        let smtp = validate_server("smtp", &self.smtp, &email)?;
        self.check_plaintext()?;
        if let Some(ca) = &self.ca_file {
            if !ca.is_file() {
                return Err(Error::invalid(
                    "ca_file",
                    format!("{} is not a readable file", ca.display()),
                ));
            }
        }
        Ok(AccountSettings {
            email,
            display_name: self.display_name.trim().to_string(),
            imap,
            smtp,
            ca_file: self.ca_file.clone(),
            allow_plaintext: self.allow_plaintext,
        })
    }

    /// Refuses a server without encryption unless the person confirmed it for this account.
    pub fn check_plaintext(&self) -> Result<()> {
        let plain: Vec<&str> = [("incoming", &self.imap), ("outgoing", &self.smtp)]
            .into_iter()
            .filter(|(_, s)| s.security == Security::None)
            .map(|(which, _)| which)
            .collect();
        if plain.is_empty() || self.allow_plaintext {
            return Ok(());
        }
        Err(Error::invalid(
            "plaintext",
            format!(
                "the {} server has no encryption: the password and all mail would cross the \
                 network readable by anyone on the way; confirm that risk first",
                plain.join(" and ")
            ),
        ))
    }
}

impl ServerSettings {
    /// Same host, port, security and user name: the server a saved password was given for.
    pub fn same_server(&self, other: &ServerSettings) -> bool {
        self.host.eq_ignore_ascii_case(&other.host)
            && self.port == other.port
            && self.security == other.security
            && self.username == other.username
    }
}

fn validate_server(which: &str, s: &ServerSettings, email: &str) -> Result<ServerSettings> {
    let host = normalize_host(&s.host).map_err(|m| Error::invalid(&format!("{which}.host"), m))?;
    if s.port == 0 {
        return Err(Error::invalid(
            &format!("{which}.port"),
            "the port must be between 1 and 65535",
        ));
    }
    let username = match s.username.trim() {
        "" => email.to_string(),
        u if u.chars().any(|c| c.is_control()) => {
            return Err(Error::invalid(
                &format!("{which}.username"),
                "the user name contains control characters",
            ))
        }
        u => u.to_string(),
    };
    Ok(ServerSettings {
        host,
        port: s.port,
        security: s.security,
        username,
    })
}

/// Parses a port as typed, with the range in the error.
pub fn parse_port(field: &str, text: &str) -> Result<u16> {
    match text.trim().parse::<u32>() {
        Ok(p) if (1..=65535).contains(&p) => Ok(p as u16),
        _ => Err(Error::invalid(
            field,
            format!("\"{}\" is not a port between 1 and 65535", text.trim()),
        )),
    }
}

/// Trims and checks an email address; returns it with the domain in lowercase ASCII form.
pub fn normalize_email(raw: &str) -> Result<String> {
    let field = "email";
    let addr = raw.trim();
    if addr.is_empty() {
        return Err(Error::invalid(field, "the email address is empty"));
    }
    let Some((local, domain)) = addr.rsplit_once('@') else {
        return Err(Error::invalid(field, "the email address has no @"));
    };
    if local.is_empty() {
        return Err(Error::invalid(field, "nothing before the @"));
    }
    if local.chars().count() > 64 {
        return Err(Error::invalid(field, "the part before the @ is too long"));
    }
    let bad_local = |c: char| c.is_whitespace() || c.is_control() || "\"(),:;<>@[\\]".contains(c);
    if local.chars().any(bad_local) {
        return Err(Error::invalid(
            field,
            "the part before the @ contains a character that is not allowed",
        ));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(Error::invalid(
            field,
            "the part before the @ has a misplaced dot",
        ));
    }
    let domain = normalize_domain(domain).map_err(|m| Error::invalid(field, m))?;
    Ok(format!("{local}@{domain}"))
}

fn normalize_domain(raw: &str) -> std::result::Result<String, String> {
    let raw = raw.trim().trim_end_matches('.');
    if raw.is_empty() {
        return Err("nothing after the @".into());
    }
    let ascii =
        idna::domain_to_ascii(raw).map_err(|_| format!("\"{raw}\" is not a valid domain"))?;
    if !ascii.contains('.') {
        return Err(format!("\"{raw}\" is not a full domain (like example.com)"));
    }
    check_labels(&ascii).map_err(|m| format!("\"{raw}\" {m}"))?;
    Ok(ascii)
}

fn check_labels(ascii: &str) -> std::result::Result<(), String> {
    if ascii.len() > 253 {
        return Err("is too long".into());
    }
    for label in ascii.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err("has an empty or too long part".into());
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("has a part that starts or ends with -".into());
        }
        if !label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err("contains a character that is not allowed in a host name".into());
        }
    }
    Ok(())
}

/// A server host: a DNS name (internationalised allowed) or an IP address.
pub fn normalize_host(raw: &str) -> std::result::Result<String, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("the server name is empty".into());
    }
    let unbracketed = raw.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = unbracketed.parse::<IpAddr>() {
        return Ok(ip.to_string());
    }
    let name = raw.trim_end_matches('.');
    let ascii =
        idna::domain_to_ascii(name).map_err(|_| format!("\"{raw}\" is not a valid server name"))?;
    if ascii.is_empty() {
        return Err(format!("\"{raw}\" is not a valid server name"));
    }
    check_labels(&ascii).map_err(|m| format!("\"{raw}\" {m}"))?;
    Ok(ascii)
}

#[cfg(test)]
#[path = "settings_tests.rs"]
mod tests;
