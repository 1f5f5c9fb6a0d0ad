//! The built-in provider table: facts only, answered with no network. Keyed by the address's
//! domain and by the suffix of the domain's MX host (Google Workspace, Microsoft 365, one.com
//! and Fastmail customer domains). Swedish ISPs and hosts are left to discovery until their
//! settings are confirmed (see docs/product.md).

use serde::Serialize;

use crate::settings::{Security, ServerSettings};

/// The user name a provider expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UserForm {
    FullAddress,
    LocalPart,
}

impl UserForm {
    pub fn apply(self, email: &str) -> String {
        match self {
            UserForm::FullAddress => email.to_string(),
            UserForm::LocalPart => email
                .rsplit_once('@')
                .map(|(l, _)| l.to_string())
                .unwrap_or_else(|| email.to_string()),
        }
    }
}

/// What a person must do at the provider before a password sign-in can work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// An app password, made in the provider's account settings.
    AppPassword,
    /// The provider accepts only OAuth sign-in, which Inkorg does not offer yet.
    OauthOnly,
    /// IMAP access is off until switched on in the provider's web settings.
    EnableImap,
}

/// What a UI tells the person about a known provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProviderInfo {
    pub id: String,
    pub name: String,
    pub requirement: Option<Requirement>,
    /// Where the app password is made or IMAP switched on.
    pub help_url: Option<String>,
}

pub(crate) struct Provider {
    pub id: &'static str,
    pub name: &'static str,
    pub domains: &'static [&'static str],
    /// MX host suffixes (without a leading dot) that identify customer domains.
    pub mx_suffixes: &'static [&'static str],
    pub imap: (&'static str, u16, Security, UserForm),
    pub smtp: (&'static str, u16, Security, UserForm),
    pub requirement: Option<Requirement>,
    pub help_url: Option<&'static str>,
}

use Security::{Starttls, Tls};
use UserForm::{FullAddress, LocalPart};

pub(crate) const PROVIDERS: &[Provider] = &[
    Provider {
        id: "google",
        name: "Gmail",
        domains: &["gmail.com", "googlemail.com"],
        mx_suffixes: &["google.com", "googlemail.com"],
        imap: ("imap.gmail.com", 993, Tls, FullAddress),
        smtp: ("smtp.gmail.com", 465, Tls, FullAddress),
        requirement: Some(Requirement::AppPassword),
        help_url: Some("https://myaccount.google.com/apppasswords"),
    },
    Provider {
        id: "outlook",
        name: "Outlook.com",
        domains: &[
            "outlook.com",
            "hotmail.com",
            "live.com",
            "msn.com",
            "hotmail.se",
            "live.se",
            "outlook.se",
        ],
        mx_suffixes: &[],
        imap: ("outlook.office365.com", 993, Tls, FullAddress),
        smtp: ("smtp-mail.outlook.com", 587, Starttls, FullAddress),
        requirement: Some(Requirement::OauthOnly),
        help_url: Some("https://account.microsoft.com/security"),
    },
    Provider {
        id: "microsoft365",
        name: "Microsoft 365",
        domains: &[],
        mx_suffixes: &["mail.protection.outlook.com"],
        imap: ("outlook.office365.com", 993, Tls, FullAddress),
        smtp: ("smtp.office365.com", 587, Starttls, FullAddress),
        requirement: Some(Requirement::OauthOnly),
        help_url: Some("https://account.microsoft.com/security"),
    },
    Provider {
        id: "yahoo",
        name: "Yahoo Mail",
        domains: &["yahoo.com", "yahoo.se", "ymail.com"],
        mx_suffixes: &["yahoodns.net"],
        imap: ("imap.mail.yahoo.com", 993, Tls, FullAddress),
        smtp: ("smtp.mail.yahoo.com", 465, Tls, FullAddress),
        requirement: Some(Requirement::AppPassword),
        help_url: Some("https://login.yahoo.com/account/security"),
    },
    Provider {
        id: "icloud",
        name: "iCloud Mail",
        domains: &["icloud.com", "me.com", "mac.com"],
        mx_suffixes: &["mail.icloud.com"],
        imap: ("imap.mail.me.com", 993, Tls, LocalPart),
        smtp: ("smtp.mail.me.com", 587, Starttls, FullAddress),
        requirement: Some(Requirement::AppPassword),
        help_url: Some("https://appleid.apple.com"),
    },
    Provider {
        id: "aol",
        name: "AOL Mail",
        domains: &["aol.com"],
        mx_suffixes: &[],
        imap: ("imap.aol.com", 993, Tls, FullAddress),
        smtp: ("smtp.aol.com", 465, Tls, FullAddress),
        requirement: Some(Requirement::AppPassword),
        help_url: Some("https://login.aol.com/account/security"),
    },
    Provider {
        id: "gmx.net",
        name: "GMX",
        domains: &["gmx.net", "gmx.de"],
        mx_suffixes: &[],
        imap: ("imap.gmx.net", 993, Tls, FullAddress),
        smtp: ("mail.gmx.net", 465, Tls, FullAddress),
        requirement: Some(Requirement::EnableImap),
        help_url: None,
    },
    Provider {
        id: "gmx.com",
        name: "GMX",
        domains: &["gmx.com", "gmx.se"],
        mx_suffixes: &[],
        imap: ("imap.gmx.com", 993, Tls, FullAddress),
        smtp: ("mail.gmx.com", 465, Tls, FullAddress),
        requirement: None,
        help_url: None,
    },
    Provider {
        id: "web.de",
        name: "WEB.DE",
        domains: &["web.de"],
        mx_suffixes: &[],
        imap: ("imap.web.de", 993, Tls, LocalPart),
        smtp: ("smtp.web.de", 465, Tls, LocalPart),
        requirement: Some(Requirement::EnableImap),
        help_url: None,
    },
    Provider {
        id: "fastmail",
        name: "Fastmail",
        domains: &["fastmail.com", "fastmail.fm"],
        mx_suffixes: &["messagingengine.com"],
        imap: ("imap.fastmail.com", 993, Tls, FullAddress),
        smtp: ("smtp.fastmail.com", 465, Tls, FullAddress),
        requirement: Some(Requirement::AppPassword),
        help_url: None,
    },
    Provider {
        id: "one.com",
        name: "one.com",
        domains: &[],
        mx_suffixes: &["one.com"],
        imap: ("imap.one.com", 993, Tls, FullAddress),
        smtp: ("send.one.com", 465, Tls, FullAddress),
        requirement: None,
        help_url: None,
    },
    Provider {
        id: "zoho.com",
        name: "Zoho Mail",
        domains: &["zoho.com", "zohomail.com"],
        mx_suffixes: &["zoho.com"],
        imap: ("imap.zoho.com", 993, Tls, FullAddress),
        smtp: ("smtp.zoho.com", 465, Tls, FullAddress),
        requirement: Some(Requirement::EnableImap),
        help_url: None,
    },
    Provider {
        id: "zoho.eu",
        name: "Zoho Mail (EU)",
        domains: &["zoho.eu", "zohomail.eu"],
        mx_suffixes: &["zoho.eu"],
        imap: ("imap.zoho.eu", 993, Tls, FullAddress),
        smtp: ("smtp.zoho.eu", 465, Tls, FullAddress),
        requirement: Some(Requirement::EnableImap),
        help_url: None,
    },
];

/// The provider that owns `domain` (the address's domain, lowercase ASCII).
pub(crate) fn by_domain(domain: &str) -> Option<&'static Provider> {
    PROVIDERS.iter().find(|p| p.domains.contains(&domain))
}

/// The provider whose mail exchangers `mx_host` belongs to.
pub(crate) fn by_mx(mx_host: &str) -> Option<&'static Provider> {
    let host = mx_host.trim_end_matches('.').to_ascii_lowercase();
    PROVIDERS.iter().find(|p| {
        p.mx_suffixes
            .iter()
            .any(|s| host == *s || host.ends_with(&format!(".{s}")))
    })
}

impl Provider {
    pub(crate) fn servers(&self, email: &str) -> (ServerSettings, ServerSettings) {
        let make = |(host, port, security, form): (&str, u16, Security, UserForm)| ServerSettings {
            host: host.to_string(),
            port,
            security,
            username: form.apply(email),
        };
        (make(self.imap), make(self.smtp))
    }

    /// This provider's servers for `email`, as found by `source`.
    pub(crate) fn found(&self, email: &str, source: super::Source, origin: String) -> super::Found {
        let (imap, smtp) = self.servers(email);
        super::Found {
            source,
            trusted: source.trusted(),
            origin,
            imap: Some(imap),
            smtp: Some(smtp),
            provider: Some(self.info()),
        }
    }

    pub(crate) fn info(&self) -> ProviderInfo {
        ProviderInfo {
            id: self.id.to_string(),
            name: self.name.to_string(),
            requirement: self.requirement,
            help_url: self.help_url.map(str::to_string),
        }
    }
}

/// Domains people mistype most, for "did you mean …?".
const COMMON: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "hotmail.com",
    "hotmail.se",
    "outlook.com",
    "live.com",
    "live.se",
    "msn.com",
    "yahoo.com",
    "yahoo.se",
    "icloud.com",
    "me.com",
    "aol.com",
    "gmx.com",
    "gmx.net",
    "gmx.se",
    "web.de",
    "fastmail.com",
    "protonmail.com",
    "proton.me",
    "telia.com",
    "comhem.se",
    "bredband.net",
    "bahnhof.se",
    "tele2.se",
    "spray.se",
];

/// A likely intended domain when `domain` looks like a typo of a common one.
pub fn suggest_domain(domain: &str) -> Option<&'static str> {
    if COMMON.contains(&domain) || by_domain(domain).is_some() {
        return None;
    }
    let limit = if domain.len() >= 9 { 2 } else { 1 };
    COMMON
        .iter()
        .map(|c| (distance(domain, c), *c))
        .filter(|(d, _)| *d > 0 && *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
/// neighbouring characters each cost one ("hotmial" is one step from "hotmail").
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[n][m]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_and_mx_hosts_find_their_provider() {
        assert_eq!(by_domain("gmail.com").map(|p| p.id), Some("google"));
        assert_eq!(by_domain("hotmail.se").map(|p| p.id), Some("outlook"));
        assert!(by_domain("example.se").is_none());
        assert_eq!(by_mx("aspmx.l.google.com.").map(|p| p.id), Some("google"));
        assert_eq!(
            by_mx("contoso-se.mail.protection.outlook.com").map(|p| p.id),
            Some("microsoft365")
        );
        assert_eq!(by_mx("mx1.one.com").map(|p| p.id), Some("one.com"));
        assert!(by_mx("notgoogle.com").is_none());
    }

    #[test]
    fn user_names_follow_the_provider() {
        let icloud = by_domain("icloud.com").unwrap();
        let (imap, smtp) = icloud.servers("eva@icloud.com");
        assert_eq!(imap.username, "eva");
        assert_eq!(smtp.username, "eva@icloud.com");
        assert_eq!((imap.host.as_str(), imap.port), ("imap.mail.me.com", 993));
    }

    #[test]
    fn typos_of_common_domains_get_a_suggestion() {
        assert_eq!(suggest_domain("gmail.con"), Some("gmail.com"));
        assert_eq!(suggest_domain("hotmial.com"), Some("hotmail.com"));
        assert_eq!(suggest_domain("gmial.com"), Some("gmail.com"));
        assert_eq!(suggest_domain("gmail.com"), None);
        assert_eq!(suggest_domain("example.se"), None);
        assert_eq!(suggest_domain("gmx.de"), None);
    }
}
