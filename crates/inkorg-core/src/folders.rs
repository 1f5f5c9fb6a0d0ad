//! Folder names and roles. IMAP names travel in modified UTF-7 (RFC 3501 5.1.3): `R&AOQ-kningar`
//! is "Räkningar". A folder's role (Sent, Drafts, Trash …) comes from its SPECIAL-USE attribute
//! (RFC 6154) where the server gives one, otherwise from the names people and servers use in
//! Swedish and English, matched on the last part of the path (`INBOX.Sent` on Courier and Cyrus,
//! `[Gmail]/Sent Mail`). Pure functions; the store keeps the server's name as the key.

use serde::Serialize;

/// What a folder is for, in the order a folder pane lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Inbox,
    Drafts,
    Sent,
    Archive,
    Junk,
    Trash,
}

impl Role {
    /// The SPECIAL-USE attribute for this role.
    pub fn attribute(self) -> Option<&'static str> {
        match self {
            Role::Inbox => None,
            Role::Drafts => Some("\\Drafts"),
            Role::Sent => Some("\\Sent"),
            Role::Archive => Some("\\Archive"),
            Role::Junk => Some("\\Junk"),
            Role::Trash => Some("\\Trash"),
        }
    }
}

/// Names that mean a role where the server marks none, compared without case.
const BY_NAME: &[(Role, &[&str])] = &[
    (
        Role::Sent,
        &[
            "sent",
            "sent items",
            "sent messages",
            "sent mail",
            "skickat",
            "skickade",
            "skickade objekt",
            "skickade meddelanden",
        ],
    ),
    (Role::Drafts, &["drafts", "draft", "utkast"]),
    (
        Role::Trash,
        &[
            "trash",
            "deleted items",
            "deleted messages",
            "bin",
            "papperskorg",
            "papperskorgen",
            "borttaget",
            "borttagna objekt",
            "borttagna meddelanden",
        ],
    ),
    (
        Role::Junk,
        &[
            "junk",
            "junk e-mail",
            "junk email",
            "spam",
            "skräppost",
            "skräp",
        ],
    ),
    (Role::Archive, &["archive", "archives", "arkiv"]),
];

/// The role of a folder: INBOX, its SPECIAL-USE attribute, or a known name.
pub fn role_of(name: &str, special_use: Option<&str>, delimiter: Option<&str>) -> Option<Role> {
    if name.eq_ignore_ascii_case("INBOX") {
        return Some(Role::Inbox);
    }
    if let Some(attr) = special_use {
        let by_attr = [
            Role::Drafts,
            Role::Sent,
            Role::Archive,
            Role::Junk,
            Role::Trash,
        ]
        .into_iter()
        .find(|r| r.attribute().is_some_and(|a| a.eq_ignore_ascii_case(attr)));
        if by_attr.is_some() {
            return by_attr;
        }
    }
    let decoded = decode_name(name);
    let last = match delimiter.filter(|d| !d.is_empty()) {
        Some(d) => decoded.rsplit(d).next().unwrap_or(&decoded),
        None => decoded.as_str(),
    };
    let last = last.trim().to_lowercase();
    BY_NAME
        .iter()
        .find(|(_, names)| names.contains(&last.as_str()))
        .map(|(role, _)| *role)
}

/// A mailbox name as a person reads it (modified UTF-7 decoded). A malformed name is shown as
/// the server sent it rather than lost.
pub fn decode_name(name: &str) -> String {
    decode_utf7(name).unwrap_or_else(|| name.to_string())
}

fn decode_utf7(name: &str) -> Option<String> {
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after.find('-')?;
        let chunk = &after[..end];
        if chunk.is_empty() {
            out.push('&');
        } else {
            out.push_str(&decode_base64_utf16(chunk)?);
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// The modified base64 alphabet: ',' instead of '/', no padding.
const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

fn decode_base64_utf16(chunk: &str) -> Option<String> {
    let mut bits: u32 = 0;
    let mut nbits = 0;
    let mut bytes = Vec::new();
    for c in chunk.bytes() {
        let v = B64.iter().position(|&b| b == c)? as u32;
        bits = (bits << 6) | v;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            bytes.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    if bytes.len() % 2 != 0 {
        return None;
    }
    let units: Vec<u16> = bytes
        .chunks(2)
        .map(|p| u16::from_be_bytes([p[0], p[1]]))
        .collect();
    String::from_utf16(&units).ok()
}

/// A name as IMAP wants it, for creating or renaming a folder. (No command creates one yet:
/// the folder dialog that will is part of a later issue; the round trip is tested.)
#[cfg_attr(not(test), allow(dead_code))]
pub fn encode_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending: Vec<u16> = Vec::new();
    let flush = |pending: &mut Vec<u16>, out: &mut String| {
        if pending.is_empty() {
            return;
        }
        let bytes: Vec<u8> = pending.iter().flat_map(|u| u.to_be_bytes()).collect();
        out.push('&');
        for group in bytes.chunks(3) {
            let n = group.len();
            let b = [
                group[0],
                *group.get(1).unwrap_or(&0),
                *group.get(2).unwrap_or(&0),
            ];
            let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..=n {
                out.push(B64[((v >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out.push('-');
        pending.clear();
    };
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            flush(&mut pending, &mut out);
            if c == '&' {
                out.push_str("&-");
            } else {
                out.push(c);
            }
        } else {
            let mut buf = [0u16; 2];
            pending.extend_from_slice(c.encode_utf16(&mut buf));
        }
    }
    flush(&mut pending, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swedish_folder_names_are_shown_decoded_and_sent_encoded() {
        for (wire, shown) in [
            ("R&AOQ-kningar", "Räkningar"),
            ("Skr&AOQ-ppost", "Skräppost"),
            ("&AMU-rsredovisning &- bokslut", "Årsredovisning & bokslut"),
            ("INBOX.Kvitton.2026", "INBOX.Kvitton.2026"),
            ("&ZeVnLIqe-", "日本語"),
            ("&2D3eAA-", "😀"),
        ] {
            assert_eq!(decode_name(wire), shown, "{wire}");
            assert_eq!(encode_name(shown), wire, "{shown}");
        }
    }

    #[test]
    fn a_malformed_name_is_shown_as_it_came() {
        assert_eq!(decode_name("Broken&AOQ"), "Broken&AOQ");
        assert_eq!(decode_name("Bad&!!-"), "Bad&!!-");
    }

    #[test]
    fn roles_come_from_special_use_first_then_from_names_people_use() {
        assert_eq!(role_of("INBOX", None, Some("/")), Some(Role::Inbox));
        assert_eq!(
            role_of("Whatever", Some("\\Sent"), Some("/")),
            Some(Role::Sent)
        );
        assert_eq!(
            role_of("[Gmail]/Sent Mail", None, Some("/")),
            Some(Role::Sent)
        );
        assert_eq!(role_of("INBOX.Sent", None, Some(".")), Some(Role::Sent));
        assert_eq!(
            role_of("Skickade objekt", None, Some("/")),
            Some(Role::Sent)
        );
        assert_eq!(role_of("Sent Items", None, None), Some(Role::Sent));
        assert_eq!(role_of("Utkast", None, Some("/")), Some(Role::Drafts));
        assert_eq!(role_of("Papperskorg", None, Some("/")), Some(Role::Trash));
        assert_eq!(role_of("Deleted Items", None, Some("/")), Some(Role::Trash));
        assert_eq!(role_of("Borttaget", None, Some("/")), Some(Role::Trash));
        assert_eq!(role_of("Skr&AOQ-ppost", None, Some("/")), Some(Role::Junk));
        assert_eq!(role_of("INBOX.Spam", None, Some(".")), Some(Role::Junk));
        assert_eq!(role_of("Arkiv", None, Some("/")), Some(Role::Archive));
        assert_eq!(role_of("Kvitton", None, Some("/")), None);
        assert_eq!(role_of("Projekt/Sent-ish", None, Some("/")), None);
    }
}
