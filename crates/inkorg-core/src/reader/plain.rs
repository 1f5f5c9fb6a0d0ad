//! text/plain for reading: format=flowed lines joined (RFC 3676, with DelSp), quoted lines
//! (`>`) nested as blockquotes, long quotes collapsed behind a `<details>` that needs no script,
//! and links made clickable. The HTML is built from escaped text only.

/// One logical line: its quote depth and its text without the `>` marks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    pub depth: usize,
    pub text: String,
}

/// Splits a text/plain body into logical lines, joining flowed ones.
pub(crate) fn lines(body: &str, flowed: bool, delsp: bool) -> Vec<Line> {
    let mut out: Vec<Line> = Vec::new();
    // The previous line ended with a soft break: the next one of the same depth continues it.
    let mut open = false;
    for raw in body.split('\n') {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let (depth, text) = quote_depth(raw, flowed);
        if flowed {
            let mut text = text.strip_prefix(' ').unwrap_or(text).to_string();
            let soft = text.ends_with(' ') && text != "-- ";
            if soft && delsp {
                text.pop();
            }
            match out.last_mut() {
                Some(last) if open && last.depth == depth => last.text.push_str(&text),
                _ => out.push(Line { depth, text }),
            }
            open = soft;
        } else {
            out.push(Line {
                depth,
                text: text.to_string(),
            });
        }
    }
    // A body's last newline is not an empty line of its own.
    while out
        .last()
        .is_some_and(|l| l.text.trim().is_empty() && l.depth == 0)
    {
        out.pop();
    }
    out
}

/// Counts leading `>` (with the spaces people put between them, unless flowed, where quote
/// marks stand together).
fn quote_depth(line: &str, flowed: bool) -> (usize, &str) {
    let mut depth = 0;
    let mut rest = line;
    loop {
        if let Some(r) = rest.strip_prefix('>') {
            depth += 1;
            rest = r;
        } else if !flowed && depth > 0 && rest.starts_with(" >") {
            rest = &rest[1..];
        } else {
            break;
        }
    }
    if !flowed && depth > 0 {
        rest = rest.strip_prefix(' ').unwrap_or(rest);
    }
    (depth, rest)
}

/// The text a person reads: logical lines with `> ` marks for quotes.
pub(crate) fn text(lines: &[Line]) -> String {
    let mut out = String::new();
    for l in lines {
        for _ in 0..l.depth {
            out.push_str("> ");
        }
        out.push_str(&l.text);
        out.push('\n');
    }
    out
}

/// Quotes longer than this many lines start collapsed.
const COLLAPSE_AFTER: usize = 4;

/// HTML for the reader. `quote_label` is the summary of a collapsed quote, with `{n}` for the
/// number of lines.
pub(crate) fn html(lines: &[Line], quote_label: &str) -> String {
    let mut out = String::from("<div class=\"inkorg-plain\">");
    let mut i = 0;
    while i < lines.len() {
        if lines[i].depth == 0 {
            out.push_str(&linkify(&lines[i].text));
            out.push('\n');
            i += 1;
            continue;
        }
        let start = i;
        while i < lines.len() && lines[i].depth > 0 {
            i += 1;
        }
        let block = &lines[start..i];
        let inner = quote_html(block, 1);
        if block.len() > COLLAPSE_AFTER {
            out.push_str("<details class=\"inkorg-quote\"><summary>");
            out.push_str(&escape(
                &quote_label.replace("{n}", &block.len().to_string()),
            ));
            out.push_str("</summary>");
            out.push_str(&inner);
            out.push_str("</details>");
        } else {
            out.push_str(&inner);
        }
    }
    out.push_str("</div>");
    out
}

fn quote_html(block: &[Line], depth: usize) -> String {
    let mut out = String::from("<blockquote>");
    let mut i = 0;
    while i < block.len() {
        if block[i].depth <= depth {
            out.push_str(&linkify(&block[i].text));
            out.push('\n');
            i += 1;
        } else {
            let start = i;
            while i < block.len() && block[i].depth > depth {
                i += 1;
            }
            out.push_str(&quote_html(&block[start..i], depth + 1));
        }
    }
    out.push_str("</blockquote>");
    out
}

pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a line and makes its web links and addresses clickable.
pub(crate) fn linkify(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 16);
    let mut last = 0;
    let mut i = 0;
    let bytes = line.as_bytes();
    while i < line.len() {
        if !line.is_char_boundary(i) {
            i += 1;
            continue;
        }
        let at_word_start = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        if at_word_start {
            if let Some((len, href)) = link_at(&line[i..]) {
                out.push_str(&escape(&line[last..i]));
                out.push_str("<a href=\"");
                out.push_str(&escape(&href));
                out.push_str("\" rel=\"noopener noreferrer\">");
                out.push_str(&escape(&line[i..i + len]));
                out.push_str("</a>");
                i += len;
                last = i;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&escape(&line[last..]));
    out
}

/// A link starting at the beginning of `s`: its length in `s` and its target.
fn link_at(s: &str) -> Option<(usize, String)> {
    let lower_start: String = s.chars().take(8).collect::<String>().to_ascii_lowercase();
    let scheme_len = if lower_start.starts_with("https://") {
        8
    } else if lower_start.starts_with("http://") {
        7
    } else if lower_start.starts_with("www.") {
        0
    } else if lower_start.starts_with("mailto:") {
        7
    } else {
        return email_at(s);
    };
    let end = s
        .char_indices()
        .find(|(_, c)| c.is_whitespace() || matches!(c, '<' | '>' | '"'))
        .map_or(s.len(), |(i, _)| i);
    let mut url = &s[..end];
    // Trailing punctuation belongs to the sentence, and a closing parenthesis unless the link
    // opened one.
    while let Some(last) = url.chars().last() {
        let strip = matches!(last, '.' | ',' | ';' | ':' | '!' | '?' | '\'' | ']')
            || (last == ')' && url.matches('(').count() < url.matches(')').count());
        if strip {
            url = &url[..url.len() - last.len_utf8()];
        } else {
            break;
        }
    }
    if url.len() <= scheme_len.max(4) + 1 {
        return None;
    }
    let href = if scheme_len == 0 {
        format!("https://{url}")
    } else {
        url.to_string()
    };
    Some((url.len(), href))
}

/// A bare address (`anna@example.se`) at the start of `s`.
fn email_at(s: &str) -> Option<(usize, String)> {
    let local_len = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || "._%+-".contains(c)))
        .unwrap_or(s.len());
    if local_len == 0 || !s[local_len..].starts_with('@') {
        return None;
    }
    let domain = &s[local_len + 1..];
    let mut dlen = domain
        .find(|c: char| !(c.is_alphanumeric() || c == '.' || c == '-'))
        .unwrap_or(domain.len());
    while dlen > 0 && domain[..dlen].ends_with(['.', '-']) {
        dlen -= 1;
    }
    let d = &domain[..dlen];
    if !d.contains('.') || d.starts_with('.') {
        return None;
    }
    let len = local_len + 1 + dlen;
    Some((len, format!("mailto:{}", &s[..len])))
}
