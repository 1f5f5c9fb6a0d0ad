//! CSS from mail, filtered: what a `style` attribute or a `<style>` block may keep. ammonia
//! checks URLs only in the attributes it knows, so a `url()` inside CSS would load a tracker
//! (Nextcloud Mail had that leak). Here every declaration is parsed and rebuilt: `url()` keeps
//! only `data:` images, `cid:` parts (turned into `data:`) and, when the person allowed remote
//! content, http(s); `@import`, `expression()`, `-moz-binding`, `behavior` and
//! `javascript:` go; escapes that could hide any of these drop the declaration. Nothing is
//! passed through unparsed, and no `<` survives, so a block cannot close its `<style>`.

use super::Resources;

/// What a stylesheet or declaration list referred to that was kept out.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Found {
    /// Remote references (blocked unless remote content is allowed).
    pub remote: u32,
    /// Inline `cid:` images not shown because inline images are off.
    pub hidden_inline: u32,
}

impl Found {
    pub fn add(&mut self, other: Found) {
        self.remote += other.remote;
        self.hidden_inline += other.hidden_inline;
    }
}

/// Filters a `style` attribute's declarations. `None` when nothing is left.
pub(crate) fn declarations(css: &str, res: &Resources, found: &mut Found) -> Option<String> {
    let mut out = String::new();
    for decl in split_top_level(&strip_comments(css), ';') {
        if let Some(d) = declaration(decl, res, found) {
            if !out.is_empty() {
                out.push_str("; ");
            }
            out.push_str(&d);
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Filters a whole stylesheet (a `<style>` block).
pub(crate) fn stylesheet(css: &str, res: &Resources, found: &mut Found) -> String {
    let mut out = String::new();
    rules(&strip_comments(css), res, found, &mut out, 0);
    out
}

/// One level of rules: `prelude { body }` repeated, and `@…;` statements (dropped).
fn rules(css: &str, res: &Resources, found: &mut Found, out: &mut String, depth: usize) {
    let mut rest = css;
    loop {
        let Some(open) = find_top_level(rest, '{') else {
            return;
        };
        // Statements such as `@import url(…);` or `@charset "x";` end with `;` before any
        // block: none of them is kept.
        let mut prelude = &rest[..open];
        while let Some(semi) = find_top_level(prelude, ';') {
            prelude = &prelude[semi + 1..];
        }
        let Some(len) = block_len(&rest[open..]) else {
            return;
        };
        let body = &rest[open + 1..open + len - 1];
        rest = &rest[open + len..];
        let prelude = prelude.trim();
        let lower = prelude.to_ascii_lowercase();
        if prelude.contains('\\') || prelude.contains('<') {
            continue;
        }
        if let Some(at) = lower.strip_prefix('@') {
            let name: String = at
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            match name.as_str() {
                // Conditional groups hold rules: filter them the same way.
                "media" | "supports" | "document" if depth < 4 => {
                    let mut inner = String::new();
                    rules(body, res, found, &mut inner, depth + 1);
                    if !inner.is_empty() {
                        out.push_str(prelude);
                        out.push_str(" {\n");
                        out.push_str(&inner);
                        out.push_str("}\n");
                    }
                }
                // A web font is remote content (or an inline data: font).
                "font-face" => {
                    if let Some(d) = declarations(body, res, found) {
                        out.push_str("@font-face { ");
                        out.push_str(&d);
                        out.push_str(" }\n");
                    }
                }
                // Everything else (@import inside a block, @namespace, @keyframes, @page …):
                // nothing a mail needs.
                _ => {}
            }
            continue;
        }
        if let Some(d) = declarations(body, res, found) {
            out.push_str(prelude);
            out.push_str(" { ");
            out.push_str(&d);
            out.push_str(" }\n");
        }
    }
}

/// One `property: value`, checked and rebuilt, or `None` to drop it.
fn declaration(decl: &str, res: &Resources, found: &mut Found) -> Option<String> {
    let (name, value) = decl.split_once(':')?;
    let name = name.trim().to_ascii_lowercase();
    let value = value.trim();
    if name.is_empty()
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        || value.is_empty()
    {
        return None;
    }
    // Escapes can spell `url(` or `expression(` so a check of the text misses them; real mail
    // uses them almost only in font names, which lose nothing by falling back.
    if value.contains('\\') || value.contains('<') || value.contains('>') {
        return None;
    }
    let lower = value.to_ascii_lowercase();
    let squeezed: String = lower.chars().filter(|c| !c.is_whitespace()).collect();
    const NEVER: [&str; 6] = [
        "expression(",
        "javascript:",
        "vbscript:",
        "@import",
        "-moz-binding",
        "behavior",
    ];
    if NEVER.iter().any(|n| squeezed.contains(n))
        || matches!(name.as_str(), "behavior" | "-moz-binding" | "behaviour")
    {
        return None;
    }
    // Image functions that take a bare string as a URL.
    if ["image(", "image-set(", "cross-fade(", "element("]
        .iter()
        .any(|f| squeezed.contains(f))
    {
        return None;
    }
    let value = urls(value, res, found)?;
    Some(format!("{name}: {value}"))
}

/// Rewrites every `url(…)` in a value: kept (http(s) only when allowed, `data:image/…`),
/// `cid:` made `data:`, else the whole declaration goes.
fn urls(value: &str, res: &Resources, found: &mut Found) -> Option<String> {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(at) = find_ascii_ci(rest, "url(") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 4..];
        let close = after.find(')')?;
        let target = after[..close]
            .trim()
            .trim_matches(|c| c == '"' || c == '\'')
            .trim();
        let kept = resolve(target, res, found)?;
        out.push_str("url(\"");
        out.push_str(&kept.replace('"', "%22"));
        out.push_str("\")");
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// A URL inside CSS: what it may become, or `None` (and a count of why).
fn resolve(target: &str, res: &Resources, found: &mut Found) -> Option<String> {
    let lower = target.to_ascii_lowercase();
    if lower.starts_with("https:") || lower.starts_with("http:") || lower.starts_with("//") {
        found.remote += 1;
        return (res.remote && !lower.starts_with("//")).then(|| target.to_string());
    }
    if let Some(id) = lower.strip_prefix("cid:") {
        return res.inline_image(id, found);
    }
    if super::html::is_data_image(&lower) {
        return Some(target.to_string());
    }
    None
}

fn strip_comments(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        out.push(' ');
        match rest[start + 2..].find("*/") {
            Some(end) => rest = &rest[start + 2 + end + 2..],
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

/// Splits at `sep` outside quotes and parentheses.
fn split_top_level(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth = depth.saturating_sub(1),
            (None, c) if c == sep && depth == 0 => {
                parts.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

fn find_top_level(s: &str, wanted: char) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, c) if c == wanted => return Some(i),
            _ => {}
        }
    }
    None
}

/// The length of the `{…}` block at the start of `s`, braces included.
fn block_len(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '{') => depth += 1,
            (None, '}') => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

fn find_ascii_ci(haystack: &str, needle: &str) -> Option<usize> {
    let h = haystack.as_bytes();
    let n = needle.as_bytes();
    (0..h.len().checked_sub(n.len())? + 1).find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
}
