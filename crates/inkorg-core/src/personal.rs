//! The person's own settings: Email options' General tab ([`Preferences`]) and "my contact
//! card" ([`ContactCard`]) with the help page's rule for sending: the account's address must be
//! the FIRST address on the card. Pure types and checks; the engine stores them.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::settings::normalize_email;

/// Which language the UI speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    /// Follow the operating system (English when it is neither Swedish nor English).
    #[default]
    System,
    Sv,
    En,
}

/// "Ladda ned meddelanden för läsning offline": how far back the background download goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum OfflineRange {
    /// The last 30 days (the default: what is read offline, at little cost on a metered line).
    #[default]
    Days30,
    Days180,
    All,
}

impl OfflineRange {
    /// The oldest date (seconds since the epoch) whose mail is downloaded, `None` for all.
    pub fn since(self, now: i64) -> Option<i64> {
        match self {
            OfflineRange::Days30 => Some(now - 30 * 86_400),
            OfflineRange::Days180 => Some(now - 180 * 86_400),
            OfflineRange::All => None,
        }
    }
}

/// The disk budget choices for downloaded messages, in MB of 1,000,000 bytes (0: no limit).
pub const OFFLINE_BUDGETS_MB: &[u32] = &[250, 1000, 5000, 0];

/// The undo delays Email options offer, in seconds (0: sent at once).
pub const UNDO_SEND_SECONDS: &[u32] = &[0, 5, 10, 20, 30];

/// Email options, tab General. Stored now; each is honoured where its feature exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Preferences {
    pub signature: String,
    /// Use the signature in new mail.
    pub signature_in_new: bool,
    /// Use the signature in replies and forwards.
    pub signature_in_replies: bool,
    pub font_family: String,
    /// Points, 8 to 36.
    pub font_size: u8,
    /// `#rrggbb`.
    pub font_color: String,
    /// Save a copy of sent mail (on by default).
    pub save_sent_copy: bool,
    /// Show inline images (off by default: they can be remote content).
    pub show_inline_images: bool,
    /// Mark as read in preview (off by default).
    pub mark_read_in_preview: bool,
    /// A desktop notification for new mail in the inbox (on by default).
    pub notify_new_mail: bool,
    pub language: Language,
    /// How far back messages are downloaded for offline reading.
    pub offline_range: OfflineRange,
    /// The most the downloaded messages may take on disk, in MB (0: no limit); the
    /// background download stops there (messages the person opens are always kept).
    pub offline_budget_mb: u32,
    /// "Ångra skicka": a sent message waits this many seconds, and can be taken back.
    pub undo_send_seconds: u32,
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences {
            signature: String::new(),
            signature_in_new: false,
            signature_in_replies: false,
            font_family: "sans-serif".into(),
            font_size: 11,
            font_color: "#000000".into(),
            save_sent_copy: true,
            show_inline_images: false,
            mark_read_in_preview: false,
            notify_new_mail: true,
            language: Language::System,
            offline_range: OfflineRange::Days30,
            offline_budget_mb: 1000,
            undo_send_seconds: 5,
        }
    }
}

/// The font families the General tab offers (generic CSS names, present on every OS).
pub const FONT_FAMILIES: &[&str] = &["sans-serif", "serif", "monospace"];

impl Preferences {
    /// Checks every field; the error names the field to fix.
    pub fn validated(self) -> Result<Preferences> {
        if !FONT_FAMILIES.contains(&self.font_family.as_str()) {
            return Err(Error::invalid(
                "font_family",
                format!("unknown font family \"{}\"", self.font_family),
            ));
        }
        if !(8..=36).contains(&self.font_size) {
            return Err(Error::invalid(
                "font_size",
                "the font size must be 8 to 36 points",
            ));
        }
        let c = self.font_color.as_bytes();
        if c.len() != 7 || c[0] != b'#' || !c[1..].iter().all(u8::is_ascii_hexdigit) {
            return Err(Error::invalid(
                "font_color",
                "the colour must look like #1a2b3c",
            ));
        }
        if !OFFLINE_BUDGETS_MB.contains(&self.offline_budget_mb) {
            return Err(Error::invalid(
                "offline_budget_mb",
                format!(
                    "the space for offline reading must be one of {OFFLINE_BUDGETS_MB:?} MB \
                     (0: no limit), not {}",
                    self.offline_budget_mb
                ),
            ));
        }
        if !UNDO_SEND_SECONDS.contains(&self.undo_send_seconds) {
            return Err(Error::invalid(
                "undo_send_seconds",
                format!(
                    "the undo delay must be one of {UNDO_SEND_SECONDS:?} seconds, not {}",
                    self.undo_send_seconds
                ),
            ));
        }
        if self.signature.chars().count() > 10_000 {
            return Err(Error::invalid(
                "signature",
                "the signature is longer than 10,000 characters",
            ));
        }
        Ok(self)
    }
}

/// My contact card: a name and email addresses in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ContactCard {
    pub name: String,
    pub addresses: Vec<String>,
}

impl ContactCard {
    /// Trims, normalizes each address (lower-case domain, IDN as punycode), drops empty rows,
    /// refuses a malformed address or the same address twice.
    pub fn validated(self) -> Result<ContactCard> {
        let name = self.name.trim().to_string();
        if name.chars().count() > 200 {
            return Err(Error::invalid("name", "the name is too long"));
        }
        let mut addresses: Vec<String> = Vec::new();
        for raw in self.addresses.iter().filter(|a| !a.trim().is_empty()) {
            let a = normalize_email(raw).map_err(|e| match e {
                Error::InvalidInput { message, .. } => {
                    Error::invalid("addresses", format!("\"{}\": {message}", raw.trim()))
                }
                other => other,
            })?;
            if addresses.iter().any(|b| b.eq_ignore_ascii_case(&a)) {
                return Err(Error::invalid(
                    "addresses",
                    format!("\"{a}\" is on the card twice"),
                ));
            }
            addresses.push(a);
        }
        if addresses.len() > 50 {
            return Err(Error::invalid("addresses", "at most 50 addresses"));
        }
        Ok(ContactCard { name, addresses })
    }

    pub fn first(&self) -> Option<&str> {
        self.addresses.first().map(String::as_str)
    }

    /// Whether `account` may send: it is the card's first address.
    pub fn allows_sending_as(&self, account: &str) -> bool {
        self.first()
            .is_some_and(|f| f.eq_ignore_ascii_case(account))
    }

    /// The one-click fix: `account` moves to (or is added at) the first place; the other
    /// addresses keep their order.
    pub fn with_first(mut self, account: &str) -> ContactCard {
        self.addresses.retain(|a| !a.eq_ignore_ascii_case(account));
        self.addresses.insert(0, account.to_string());
        self
    }

    /// The send rule as an error: `Ok` when the account's address is first.
    pub fn check_sender(&self, account: &str) -> Result<()> {
        if self.allows_sending_as(account) {
            return Ok(());
        }
        Err(Error::NotFirstOnContactCard {
            account: account.to_string(),
            first: self.first().map(str::to_string),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn defaults_follow_the_vendor() {
        let p = Preferences::default();
        assert!(p.save_sent_copy && !p.show_inline_images && !p.mark_read_in_preview);
        assert!(
            p.notify_new_mail,
            "new mail is announced unless the person turns it off"
        );
        // Options stored before the switch existed read as on.
        let old: Preferences = serde_json::from_str(r#"{"font_size": 12}"#).unwrap();
        assert!(old.notify_new_mail && old.font_size == 12);
        assert_eq!(p.language, Language::System);
        assert_eq!(p.clone().validated().unwrap(), p);
    }

    #[test]
    fn an_old_stored_json_without_new_fields_still_reads() {
        let p: Preferences = serde_json::from_str(r#"{"save_sent_copy":false}"#).unwrap();
        assert!(!p.save_sent_copy);
        assert_eq!(p.font_size, 11);
    }

    #[test]
    fn bad_values_name_their_field() {
        for (p, field) in [
            (
                Preferences {
                    font_size: 99,
                    ..Default::default()
                },
                "font_size",
            ),
            (
                Preferences {
                    font_color: "red; x".into(),
                    ..Default::default()
                },
                "font_color",
            ),
            (
                Preferences {
                    font_family: "Comic\"; }".into(),
                    ..Default::default()
                },
                "font_family",
            ),
        ] {
            match p.validated() {
                Err(Error::InvalidInput { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn the_card_is_normalized_and_refuses_duplicates_and_junk() {
        let card = ContactCard {
            name: "  Eva Ek ".into(),
            addresses: vec![" eva@Example.SE ".into(), "".into(), "eva@work.test".into()],
        }
        .validated()
        .unwrap();
        assert_eq!(card.name, "Eva Ek");
        assert_eq!(card.addresses, ["eva@example.se", "eva@work.test"]);
        let dup = ContactCard {
            name: String::new(),
            addresses: vec!["a@b.se".into(), "A@B.SE".into()],
        };
        assert!(dup.validated().is_err());
        let junk = ContactCard {
            name: String::new(),
            addresses: vec!["not an address".into()],
        };
        assert_eq!(
            junk.validated().unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
    }

    #[test]
    fn sending_needs_the_account_first_and_the_fix_moves_it_there() {
        let card = ContactCard {
            name: "Eva".into(),
            addresses: vec!["eva@work.test".into(), "eva@example.se".into()],
        };
        let err = card.check_sender("eva@example.se").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFirstOnContactCard);
        let fixed = card.with_first("eva@example.se");
        assert_eq!(fixed.addresses, ["eva@example.se", "eva@work.test"]);
        fixed.check_sender("EVA@example.se").unwrap();
        let empty = ContactCard::default();
        assert!(empty.check_sender("eva@example.se").is_err());
        assert_eq!(
            empty.with_first("eva@example.se").addresses,
            ["eva@example.se"]
        );
    }
}
