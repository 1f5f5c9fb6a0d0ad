//! Links that deserve a second look before the browser gets them: the visible text names
//! another site than the link goes to, the host is written in punycode or mixes scripts
//! (Cyrillic "а" in "аpple.com"), or a user name before `@` dresses the real host up as
//! another ("https://www.bank.se@evil.example/"). Found in the sanitised HTML, which
//! html5ever wrote, so every `<a>` is well formed with its attributes in double quotes.

use serde::Serialize;

/// Why a link is shown to the person before it opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkReason {
    /// The visible text names another site.
    OtherSite,
    /// The host is an international name in punycode (`xn--`).
    Punycode,
    /// A label of the host mixes letters of different scripts.
    MixedScripts,
    /// Something before `@` in the address looks like a host but is not where it goes.
    UserInfo,
}

/// A link with a reason to show its real target first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkWarning {
    /// The address as the message has it (what a click asks the app to open).
    pub url: String,
    /// The host it really goes to, in Unicode (and punycode in brackets when they differ).
    pub host: String,
    /// The link's visible text.
    pub text: String,
    pub reason: LinkReason,
}

/// The links of sanitised HTML that need a warning, each address once.
pub(crate) fn warnings(html: &str) -> Vec<LinkWarning> {
    let mut out: Vec<LinkWarning> = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<a ") {
        rest = &rest[start + 3..];
        let Some(tag_end) = rest.find('>') else { break };
        let attrs = &rest[..tag_end];
        let body_end = rest.find("</a>").unwrap_or(rest.len());
        let inner = rest.get(tag_end + 1..body_end).unwrap_or("");
        rest = &rest[body_end.min(rest.len())..];
        let Some(href) = attribute(attrs, "href") else {
            continue;
        };
        let text = visible_text(inner);
        if let Some(w) = check(&href, &text) {
            if !out.iter().any(|o| o.url == w.url) {
                out.push(w);
            }
        }
    }
    out
}

/// `html` with every link's address replaced by `?link=N`, a reference relative to the
/// frame's own address, and the addresses in that order. A click in the frame then asks the
/// frame's own server for `…/ID?link=N`; the shell hands the address behind N to the UI and
/// serves the frame the same document again, so it stays on the message. Nothing but a click
/// asks for it: the sanitiser lets no relative address through, so only these links name
/// `?link=`.
pub(crate) fn route(html: &str) -> (String, Vec<String>) {
    let mut out = String::with_capacity(html.len());
    let mut links = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<a ") {
        let Some(tag_len) = rest[start..].find('>') else {
            break;
        };
        let tag = &rest[start..start + tag_len];
        out.push_str(&rest[..start]);
        match tag.find(" href=\"").map(|at| at + 7) {
            Some(at) => match tag[at..].find('"') {
                Some(len) => {
                    out.push_str(&tag[..at]);
                    out.push_str(&format!("?link={}", links.len()));
                    out.push_str(&tag[at + len..]);
                    links.push(decode_entities(&tag[at..at + len]));
                }
                None => out.push_str(tag),
            },
            None => out.push_str(tag),
        }
        rest = &rest[start + tag_len..];
    }
    out.push_str(rest);
    (out, links)
}

fn attribute(attrs: &str, name: &str) -> Option<String> {
    let key = format!("{name}=\"");
    let at = attrs.find(&key)? + key.len();
    let end = attrs[at..].find('"')? + at;
    Some(decode_entities(&attrs[at..end]))
}

fn visible_text(inner: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in inner.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    decode_entities(&text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn decode_entities(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

/// The parts of a web address that matter here.
struct WebAddress {
    user_info: Option<String>,
    host: String,
}

fn web_address(url: &str) -> Option<WebAddress> {
    let lower = url.trim().to_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))?;
    let authority = rest.split(['/', '?', '#', '\\']).next().unwrap_or("");
    let (user_info, host_port) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u.to_string()), h),
        None => (None, authority),
    };
    let host = if host_port.starts_with('[') {
        host_port.split(']').next().unwrap_or("").to_string() + "]"
    } else {
        host_port.split(':').next().unwrap_or("").to_string()
    };
    let host = host.trim_end_matches('.').to_string();
    (!host.is_empty()).then_some(WebAddress { user_info, host })
}

/// The host a visible text names, if it reads as an address or a domain ("www.bank.se",
/// "https://bank.se/login", "Logga in på bank.se" does not count: only the whole text).
fn named_host(text: &str) -> Option<String> {
    let t = text
        .trim()
        .trim_end_matches(['/', '.', ',', ')'])
        .to_lowercase();
    if t.contains(' ') || t.is_empty() {
        return None;
    }
    if let Some(a) = web_address(&t) {
        return Some(a.host);
    }
    let host = t.split(['/', '?', '#']).next().unwrap_or("");
    let labels: Vec<&str> = host.split('.').collect();
    let looks_like_domain = labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_alphanumeric() || c == '-'))
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(char::is_alphabetic));
    (looks_like_domain && !host.contains('@')).then(|| host.to_string())
}

/// The registrable part ("bank.se" for "www.bank.se"), in ASCII.
fn site(host: &str) -> String {
    let ascii = idna::domain_to_ascii(host).unwrap_or_else(|_| host.to_string());
    psl::domain_str(&ascii).map_or(ascii.clone(), str::to_string)
}

fn shown_host(host: &str) -> String {
    let ascii = idna::domain_to_ascii(host).unwrap_or_else(|_| host.to_string());
    let (unicode, _) = idna::domain_to_unicode(&ascii);
    if unicode == ascii {
        ascii
    } else {
        format!("{unicode} ({ascii})")
    }
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum Script {
    Latin,
    Greek,
    Cyrillic,
    Armenian,
    Hebrew,
    Arabic,
    /// Han, kana and Hangul: mixed within a name by design.
    EastAsian,
    Other,
}

fn script(c: char) -> Option<Script> {
    let u = c as u32;
    Some(match u {
        _ if c.is_ascii_digit() || c == '-' => return None,
        0x41..=0x5a | 0x61..=0x7a | 0xc0..=0x24f | 0x1e00..=0x1eff => Script::Latin,
        0x370..=0x3ff | 0x1f00..=0x1fff => Script::Greek,
        0x400..=0x52f | 0x2de0..=0x2dff | 0xa640..=0xa69f => Script::Cyrillic,
        0x530..=0x58f => Script::Armenian,
        0x590..=0x5ff => Script::Hebrew,
        0x600..=0x6ff | 0x750..=0x77f => Script::Arabic,
        0x3040..=0x30ff | 0x3400..=0x9fff | 0xac00..=0xd7af | 0x1100..=0x11ff => Script::EastAsian,
        _ => Script::Other,
    })
}

fn mixes_scripts(host: &str) -> bool {
    let ascii = idna::domain_to_ascii(host).unwrap_or_else(|_| host.to_string());
    let (unicode, _) = idna::domain_to_unicode(&ascii);
    unicode.split('.').any(|label| {
        let mut first = None;
        label.chars().filter_map(script).any(|s| {
            let f = *first.get_or_insert(s);
            f != s
        })
    })
}

fn check(href: &str, text: &str) -> Option<LinkWarning> {
    let target = web_address(href)?;
    let warn = |reason| {
        Some(LinkWarning {
            url: href.to_string(),
            host: shown_host(&target.host),
            text: text.to_string(),
            reason,
        })
    };
    let shown = named_host(text);
    if shown
        .as_deref()
        .is_some_and(|shown| site(shown) != site(&target.host))
    {
        return warn(LinkReason::OtherSite);
    }
    if target
        .user_info
        .as_deref()
        .is_some_and(|u| u.contains('.') || named_host(u).is_some())
    {
        return warn(LinkReason::UserInfo);
    }
    if mixes_scripts(&target.host) {
        return warn(LinkReason::MixedScripts);
    }
    let ascii = idna::domain_to_ascii(&target.host).unwrap_or_else(|_| target.host.clone());
    // An international name the text itself spells out ("räksmörgås.se") is no surprise.
    if shown.is_none() && ascii.split('.').any(|l| l.starts_with("xn--")) {
        return warn(LinkReason::Punycode);
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn reasons(html: &str) -> Vec<LinkReason> {
        warnings(html).into_iter().map(|w| w.reason).collect()
    }

    fn a(href: &str, text: &str) -> String {
        format!("<p><a href=\"{href}\" target=\"_blank\">{text}</a></p>")
    }

    #[test]
    fn a_link_whose_text_names_another_site_is_shown_first() {
        let w = warnings(&a(
            "https://evil.example/login",
            "https://www.bank.se/login",
        ));
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].reason, LinkReason::OtherSite);
        assert_eq!(w[0].host, "evil.example");
        assert_eq!(w[0].text, "https://www.bank.se/login");
        assert_eq!(
            reasons(&a("https://evil.example/", "<b>www.bank.se</b>")),
            [LinkReason::OtherSite]
        );
    }

    #[test]
    fn ordinary_links_open_without_a_question() {
        assert!(warnings(&a("https://www.bank.se/login", "bank.se")).is_empty());
        assert!(warnings(&a("https://news.bank.se/x", "https://www.bank.se/y")).is_empty());
        assert!(warnings(&a("https://evil.example/", "Logga in på bank.se")).is_empty());
        assert!(warnings(&a("https://example.se/a?x=1&amp;y=2", "Läs mer")).is_empty());
        assert!(warnings(&a("mailto:anna@example.se", "www.example.org")).is_empty());
        assert!(warnings(&a("https://räksmörgås.se/", "räksmörgås.se")).is_empty());
        assert!(warnings(&a("https://xn--rksmrgs-5wao1o.se/", "räksmörgås.se")).is_empty());
    }

    #[test]
    fn punycode_mixed_scripts_and_user_names_before_the_host_are_shown_first() {
        let w = warnings(&a("https://xn--80ak6aa92e.com/", "Apple"));
        assert_eq!(w[0].reason, LinkReason::Punycode);
        assert_eq!(w[0].host, "аррӏе.com (xn--80ak6aa92e.com)");
        assert_eq!(
            reasons(&a("https://яндекс.рф/", "Яндекс")),
            [LinkReason::Punycode]
        );
        // Cyrillic а (U+0430) then Latin "pple".
        assert_eq!(
            reasons(&a("https://\u{430}pple.com/", "Apple")),
            [LinkReason::MixedScripts]
        );
        assert_eq!(
            reasons(&a("https://www.bank.se@evil.example/", "Logga in")),
            [LinkReason::UserInfo]
        );
        assert_eq!(
            warnings(&a("https://www.bank.se@evil.example/", "x"))[0].host,
            "evil.example"
        );
    }

    #[test]
    fn each_address_is_listed_once() {
        let html = a("https://evil.example/", "bank.se").repeat(3);
        assert_eq!(warnings(&html).len(), 1);
    }
}
