//! Thunderbird's autoconfig format (config-v1.1.xml), as served by providers at
//! `autoconfig.<domain>`, at `/.well-known/autoconfig/`, and by the ISPDB.
//!
//! Hostile input is refused, not survived: any DOCTYPE (so no DTD, no entity definitions, no
//! external entities), any entity but the five predefined ones and character references, more
//! than a fixed number of elements or a nesting deeper than a fixed bound. The caller limits
//! the size before this sees it.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::settings::{normalize_host, Security, ServerSettings};

const MAX_ELEMENTS: usize = 5_000;
const MAX_DEPTH: usize = 16;

/// The servers a config file names for one address, in the file's order of preference.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedConfig {
    pub imap: Vec<ServerSettings>,
    pub smtp: Vec<ServerSettings>,
    /// True when the only sign-in the file offers for a server is OAuth2.
    pub oauth_only: bool,
    /// Domains the file says it serves (`<domain>`).
    pub domains: Vec<String>,
}

#[derive(Default)]
struct ServerDraft {
    kind: String,
    hostname: String,
    port: String,
    socket_type: String,
    username: String,
    auth: Vec<String>,
}

/// Parses a config file for `email`, filling in %EMAILADDRESS%, %EMAILLOCALPART% and
/// %EMAILDOMAIN%. Servers with unusable values are skipped; a file without any IMAP or SMTP
/// server is an error.
pub fn parse(xml: &[u8], email: &str) -> Result<ParsedConfig, String> {
    let text = std::str::from_utf8(xml).map_err(|_| "the file is not UTF-8".to_string())?;
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(true);
    let mut path: Vec<String> = Vec::new();
    let mut draft: Option<ServerDraft> = None;
    let mut out = ParsedConfig::default();
    let mut elements = 0usize;
    let mut saw_root = false;
    let mut oauth_seen = false;
    let mut password_seen = false;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("not well-formed XML: {e}"))?;
        match event {
            Event::DocType(_) => return Err("a DOCTYPE (DTD) is not accepted".into()),
            Event::Start(e) => {
                elements += 1;
                if elements > MAX_ELEMENTS || path.len() >= MAX_DEPTH {
                    return Err("the file is too large or too deeply nested".into());
                }
                let name = local(&e);
                if path.is_empty() {
                    if name != "clientConfig" {
                        return Err(format!("not an autoconfig file (root <{name}>)"));
                    }
                    saw_root = true;
                }
                if name == "incomingServer" || name == "outgoingServer" {
                    draft = Some(ServerDraft {
                        kind: attr(&e, "type").unwrap_or_default().to_ascii_lowercase(),
                        ..Default::default()
                    });
                }
                path.push(name);
            }
            Event::Empty(_) => {
                elements += 1;
                if elements > MAX_ELEMENTS {
                    return Err("the file is too large".into());
                }
            }
            Event::End(_) => {
                let Some(name) = path.pop() else {
                    return Err("not well-formed XML".into());
                };
                if name == "incomingServer" || name == "outgoingServer" {
                    if let Some(d) = draft.take() {
                        let auth_ok =
                            d.auth.is_empty() || d.auth.iter().any(|a| a.starts_with("password"));
                        if d.auth.iter().any(|a| a.eq_ignore_ascii_case("OAuth2")) {
                            oauth_seen = true;
                        }
                        if auth_ok {
                            password_seen = true;
                        }
                        if let (true, Some(server)) = (auth_ok, finish(&d, email)) {
                            match (name.as_str(), d.kind.as_str()) {
                                ("incomingServer", "imap") => out.imap.push(server),
                                ("outgoingServer", "smtp") => out.smtp.push(server),
                                _ => {}
                            }
                        }
                    }
                }
            }
            Event::Text(t) => append(&path, &mut draft, &mut out, &t.xml10_content()),
            Event::CData(t) => append(&path, &mut draft, &mut out, &t.xml10_content()),
            Event::GeneralRef(r) => {
                let ch = match &*r {
                    "amp" => '&',
                    "lt" => '<',
                    "gt" => '>',
                    "quot" => '"',
                    "apos" => '\'',
                    _ => match r.resolve_char_ref() {
                        Ok(Some(c)) => c,
                        _ => return Err(format!("the entity &{}; is not accepted", &*r)),
                    },
                };
                append(&path, &mut draft, &mut out, ch.encode_utf8(&mut [0u8; 4]));
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
    }
    if !saw_root {
        return Err("not an autoconfig file".into());
    }
    out.oauth_only = oauth_seen && !password_seen;
    if out.imap.is_empty() && out.smtp.is_empty() {
        return Err(if out.oauth_only {
            "the provider offers only OAuth sign-in".into()
        } else {
            "the file names no usable IMAP or SMTP server".into()
        });
    }
    Ok(out)
}

fn local(e: &BytesStart<'_>) -> String {
    e.local_name().as_ref().to_string()
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.try_get_attribute(name).ok().flatten().and_then(|a| {
        a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .ok()
            .map(|v| v.into_owned())
    })
}

fn append(path: &[String], draft: &mut Option<ServerDraft>, out: &mut ParsedConfig, text: &str) {
    let Some(leaf) = path.last() else { return };
    if let Some(d) = draft.as_mut() {
        let field = match leaf.as_str() {
            "hostname" => &mut d.hostname,
            "port" => &mut d.port,
            "socketType" => &mut d.socket_type,
            "username" => &mut d.username,
            "authentication" => {
                d.auth.push(text.trim().to_string());
                return;
            }
            _ => return,
        };
        if field.len() < 512 {
            field.push_str(text);
        }
    } else if leaf == "domain" && path.len() == 3 && out.domains.len() < 100 {
        out.domains.push(text.trim().to_ascii_lowercase());
    }
}

fn finish(d: &ServerDraft, email: &str) -> Option<ServerSettings> {
    let (local, domain) = email.rsplit_once('@')?;
    let fill = |s: &str| {
        s.trim()
            .replace("%EMAILADDRESS%", email)
            .replace("%EMAILLOCALPART%", local)
            .replace("%EMAILDOMAIN%", domain)
    };
    let host = normalize_host(&fill(&d.hostname)).ok()?;
    let port: u16 = d.port.trim().parse().ok().filter(|p| *p > 0)?;
    let security = match d.socket_type.trim().to_ascii_uppercase().as_str() {
        "SSL" | "TLS" => Security::Tls,
        "STARTTLS" => Security::Starttls,
        "PLAIN" => Security::None,
        _ => return None,
    };
    let username = fill(&d.username);
    if username.contains('%') || username.chars().any(char::is_control) {
        return None;
    }
    Some(ServerSettings {
        host,
        port,
        security,
        username,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="example.se">
    <domain>example.se</domain>
    <displayName>Example &amp; Co</displayName>
    <incomingServer type="pop3">
      <hostname>pop.example.se</hostname><port>995</port><socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username><authentication>password-cleartext</authentication>
    </incomingServer>
    <incomingServer type="imap">
      <hostname>imap.%EMAILDOMAIN%</hostname>
      <port>993</port>
      <socketType>SSL</socketType>
      <username>%EMAILLOCALPART%</username>
      <authentication>password-cleartext</authentication>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.example.se</hostname>
      <port>587</port>
      <socketType>STARTTLS</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>password-cleartext</authentication>
    </outgoingServer>
  </emailProvider>
</clientConfig>"#;

    #[test]
    fn a_provider_file_gives_imap_and_smtp_with_placeholders_filled() {
        let c = parse(GOOD.as_bytes(), "eva@example.se").unwrap();
        assert_eq!(c.imap.len(), 1, "pop3 is skipped");
        assert_eq!(c.imap[0].host, "imap.example.se");
        assert_eq!(c.imap[0].username, "eva");
        assert_eq!(c.imap[0].security, Security::Tls);
        assert_eq!(c.smtp[0].port, 587);
        assert_eq!(c.smtp[0].security, Security::Starttls);
        assert_eq!(c.smtp[0].username, "eva@example.se");
        assert_eq!(c.domains, vec!["example.se"]);
        assert!(!c.oauth_only);
    }

    #[test]
    fn dtds_and_entities_are_refused() {
        let laughs = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>
<clientConfig><emailProvider><domain>&lol2;</domain></emailProvider></clientConfig>"#;
        assert!(parse(laughs.as_bytes(), "a@b.se")
            .unwrap_err()
            .contains("DOCTYPE"));
        let external = r#"<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><clientConfig>&xxe;</clientConfig>"#;
        assert!(parse(external.as_bytes(), "a@b.se").is_err());
        let undeclared =
            "<clientConfig><emailProvider><domain>&xxe;</domain></emailProvider></clientConfig>";
        assert!(parse(undeclared.as_bytes(), "a@b.se")
            .unwrap_err()
            .contains("entity"));
    }

    #[test]
    fn junk_and_empty_files_are_errors() {
        assert!(parse(b"<html><body>Not here</body></html>", "a@b.se").is_err());
        assert!(parse(b"<clientConfig/>", "a@b.se").is_err());
        assert!(parse(b"\xff\xfe", "a@b.se").is_err());
        let deep = format!("<clientConfig>{}</clientConfig>", "<a>".repeat(40));
        assert!(parse(deep.as_bytes(), "a@b.se").is_err());
    }

    #[test]
    fn oauth_only_servers_are_reported() {
        let xml = r#"<clientConfig><emailProvider>
  <incomingServer type="imap"><hostname>imap.x.se</hostname><port>993</port>
  <socketType>SSL</socketType><username>%EMAILADDRESS%</username>
  <authentication>OAuth2</authentication></incomingServer></emailProvider></clientConfig>"#;
        let err = parse(xml.as_bytes(), "a@x.se").unwrap_err();
        assert!(err.contains("OAuth"), "{err}");
    }
}
