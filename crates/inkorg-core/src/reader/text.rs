//! Text from what the reader shows: the sanitised HTML as a person reads it (block elements on
//! lines of their own, entities decoded), and UTF-7 decoded by RFC 2152 (mail-parser's decoder
//! drops the character that ends a base64 run).

/// The text of sanitised HTML (well-formed: html5ever wrote it).
pub(crate) fn html_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut pre = 0usize;
    let mut rest = html;
    while !rest.is_empty() {
        match rest.find('<') {
            Some(0) => {
                let end = rest.find('>').map_or(rest.len(), |e| e + 1);
                let tag = &rest[1..end.saturating_sub(1).max(1)];
                let closing = tag.starts_with('/');
                let name: String = tag
                    .trim_start_matches('/')
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .collect::<String>()
                    .to_ascii_lowercase();
                match name.as_str() {
                    "br" => out.push('\n'),
                    "pre" => {
                        pre = if closing {
                            pre.saturating_sub(1)
                        } else {
                            pre + 1
                        };
                        newline(&mut out);
                    }
                    "td" | "th"
                        if !closing && !out.is_empty() && !out.ends_with(['\n', ' ', '\t']) =>
                    {
                        out.push('\t');
                    }
                    "li" if !closing => {
                        newline(&mut out);
                        out.push_str("• ");
                    }
                    "p" | "div" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "tr" | "table"
                    | "ul" | "ol" | "blockquote" | "hr" | "section" | "article" | "header"
                    | "footer" | "dl" | "dt" | "dd" | "center" | "address" | "figure"
                    | "details" | "summary" | "main" | "nav" | "aside" | "caption" | "li" => {
                        newline(&mut out);
                    }
                    _ => {}
                }
                rest = &rest[end..];
            }
            found => {
                let end = found.unwrap_or(rest.len());
                let text = decode_entities(&rest[..end]);
                if pre > 0 {
                    out.push_str(&text);
                } else {
                    for (i, word) in text
                        .split(|c: char| c.is_whitespace() && c != '\u{a0}')
                        .enumerate()
                    {
                        if i > 0 && !out.ends_with([' ', '\n', '\t']) && !out.is_empty() {
                            out.push(' ');
                        }
                        out.push_str(&word.replace('\u{a0}', " "));
                    }
                }
                rest = &rest[end..];
            }
        }
    }
    // At most one empty line in a row, no spaces at line ends.
    let mut tidy = String::with_capacity(out.len());
    let mut empty = 0;
    for line in out.lines() {
        let line = line.trim_end();
        if line.trim().is_empty() {
            empty += 1;
            if empty > 1 || tidy.is_empty() {
                continue;
            }
            tidy.push('\n');
        } else {
            empty = 0;
            tidy.push_str(line.trim_start_matches(' '));
            tidy.push('\n');
        }
    }
    while tidy.ends_with("\n\n") {
        tidy.pop();
    }
    tidy
}

fn newline(out: &mut String) {
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let Some(semi) = after.find(';').filter(|n| *n <= 10) else {
            out.push('&');
            rest = after;
            continue;
        };
        let name = &after[..semi];
        let c = match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            n if n.starts_with("#x") || n.starts_with("#X") => u32::from_str_radix(&n[2..], 16)
                .ok()
                .and_then(char::from_u32),
            n if n.starts_with('#') => n[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// RFC 2152 UTF-7: `+` starts modified base64 of UTF-16, ended by `-` (absorbed) or any other
/// character (kept); `+-` is a plus sign.
pub(crate) fn utf7(bytes: &[u8]) -> String {
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let value = |b: u8| B64.iter().position(|x| *x == b).map(|p| p as u32);
    let mut out = String::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b != b'+' {
            out.push(if b.is_ascii() { b as char } else { '\u{fffd}' });
            i += 1;
            continue;
        }
        i += 1;
        if bytes.get(i) == Some(&b'-') {
            out.push('+');
            i += 1;
            continue;
        }
        let (mut bits, mut nbits) = (0u32, 0u32);
        let mut units: Vec<u16> = Vec::new();
        while let Some(v) = bytes.get(i).and_then(|b| value(*b)) {
            bits = (bits << 6) | v;
            nbits += 6;
            if nbits >= 16 {
                nbits -= 16;
                units.push(((bits >> nbits) & 0xffff) as u16);
            }
            i += 1;
        }
        out.push_str(&String::from_utf16_lossy(&units));
        if bytes.get(i) == Some(&b'-') {
            i += 1;
        }
    }
    out
}
