//! HTML mail, sanitised (the first of two layers; the second is where the shell shows it: a
//! sandboxed frame without scripts, under its own Content-Security-Policy).
//!
//! ammonia (html5ever's parser, an allow-list) under a mail policy: layout tags and inline
//! styles stay; scripts, forms, frames, objects, SVG, MathML, `<base>`, `<meta>`, `<link>` and
//! every event handler go. Links keep only https, http and mailto; images only `data:image/…`,
//! `cid:` (turned into `data:` when inline images are on) and, when the person allowed remote
//! content, http(s). `style`, `background`, `srcset` and `poster` are checked too (ammonia
//! does not look inside them). `<style>` blocks are taken out before ammonia, filtered by
//! [`super::css`] and put back as one block. What was kept out is counted, so the reader knows
//! whether to offer "show remote content".

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use super::css::{self, Found};
use super::Resources;

/// Tags a mail's layout uses. Nothing that runs, loads a document, submits or embeds.
const TAGS: &[&str] = &[
    "a",
    "abbr",
    "address",
    "article",
    "aside",
    "b",
    "bdi",
    "big",
    "blockquote",
    "br",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "details",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "font",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "main",
    "mark",
    "nav",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "section",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "time",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
    "wbr",
];

/// Presentational attributes allowed on every tag.
const GENERIC: &[&str] = &[
    "align",
    "bgcolor",
    "border",
    "cellpadding",
    "cellspacing",
    "class",
    "color",
    "colspan",
    "dir",
    "face",
    "height",
    "hspace",
    "lang",
    "nowrap",
    "rowspan",
    "size",
    "style",
    "title",
    "valign",
    "vspace",
    "width",
    "background",
    "id",
    "role",
    "start",
    "type",
    "summary",
    "scope",
    "headers",
    "abbr",
    "span",
];

/// The sanitised body and what it referred to.
pub(crate) struct Sanitized {
    pub body: String,
    /// The mail's own stylesheet, filtered (may be empty).
    pub styles: String,
    pub found: Found,
}

/// `data:` URIs for images only (a `data:text/html` link or frame is a document).
pub(crate) fn is_data_image(lower: &str) -> bool {
    ["png", "gif", "jpeg", "jpg", "webp", "bmp"]
        .iter()
        .any(|t| {
            lower.starts_with(&format!("data:image/{t};"))
                || lower.starts_with(&format!("data:image/{t},"))
        })
}

fn is_remote(lower: &str) -> bool {
    lower.starts_with("https:") || lower.starts_with("http:") || lower.starts_with("//")
}

pub(crate) fn sanitize(html: &str, res: &Arc<Resources>) -> Sanitized {
    let (without_styles, blocks) = take_style_blocks(html);
    let mut found = Found::default();
    let mut styles = String::new();
    for block in &blocks {
        styles.push_str(&css::stylesheet(block, res, &mut found));
    }
    let counts = Arc::new(Mutex::new(Found::default()));
    let filter_res = Arc::clone(res);
    let filter_counts = Arc::clone(&counts);
    let tags: HashSet<&str> = TAGS.iter().copied().collect();
    let generic: HashSet<&str> = GENERIC.iter().copied().collect();
    let body = ammonia::Builder::empty()
        .tags(tags)
        .generic_attributes(generic)
        .add_tag_attributes("a", &["href", "name"])
        .add_tag_attributes("img", &["src", "alt", "srcset"])
        .add_tag_attributes("ol", &["reversed"])
        .add_tag_attributes("td", &["axis"])
        .add_tag_attributes("details", &["open"])
        .add_tag_attributes("time", &["datetime"])
        // The schemes ammonia itself lets through on href/src; the filter below narrows them
        // per element.
        .url_schemes(
            ["http", "https", "mailto", "cid", "data"]
                .into_iter()
                .collect(),
        )
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("noopener noreferrer"))
        // No `target`: a click navigates the frame itself, to the frame's own server
        // (`links::route`), which hands the address to the UI and keeps the frame as it is.
        .strip_comments(true)
        .clean_content_tags(
            [
                "script", "style", "title", "head", "template", "noscript", "iframe", "object",
                "embed", "svg", "math", "textarea", "select", "xmp", "noembed", "noframes",
            ]
            .into_iter()
            .collect(),
        )
        .attribute_filter(move |element, attribute, value| {
            let mut found = Found::default();
            let out = filter_attribute(element, attribute, value, &filter_res, &mut found);
            if found != Found::default() {
                if let Ok(mut c) = filter_counts.lock() {
                    c.add(found);
                }
            }
            out
        })
        .clean(&without_styles)
        .to_string();
    if let Ok(c) = counts.lock() {
        found.add(*c);
    }
    Sanitized {
        body,
        styles,
        found,
    }
}

fn filter_attribute<'u>(
    element: &str,
    attribute: &str,
    value: &'u str,
    res: &Resources,
    found: &mut Found,
) -> Option<Cow<'u, str>> {
    let lower = value.trim().to_ascii_lowercase();
    match (element, attribute) {
        ("a", "href") => {
            let ok = lower.starts_with("https://")
                || lower.starts_with("http://")
                || lower.starts_with("mailto:");
            ok.then(|| Cow::Borrowed(value.trim()))
        }
        ("img", "src") => image_url(value.trim(), &lower, res, found).map(Cow::Owned),
        (_, "background") => image_url(value.trim(), &lower, res, found).map(Cow::Owned),
        ("img", "srcset") => {
            // Every candidate must pass; a mail that needs srcset has a src as well.
            let mut kept = Vec::new();
            for candidate in value.split(',') {
                let mut words = candidate.split_whitespace();
                let url = words.next()?;
                let descriptor: Vec<&str> = words.collect();
                let url = image_url(url, &url.to_ascii_lowercase(), res, found)?;
                kept.push(if descriptor.is_empty() {
                    url
                } else {
                    format!("{url} {}", descriptor.join(" "))
                });
            }
            (!kept.is_empty()).then(|| Cow::Owned(kept.join(", ")))
        }
        (_, "style") => css::declarations(value, res, found).map(Cow::Owned),
        // `class` and `id` cannot load anything; everything else on the allow-list is
        // presentational text. Event handlers never reach here (not on the list).
        _ => Some(Cow::Borrowed(value)),
    }
}

/// An image source: data: images kept, cid: resolved, remote kept only when allowed.
fn image_url(value: &str, lower: &str, res: &Resources, found: &mut Found) -> Option<String> {
    if is_remote(lower) {
        found.remote += 1;
        return (res.remote && !lower.starts_with("//")).then(|| value.to_string());
    }
    if let Some(id) = lower.strip_prefix("cid:") {
        return res.inline_image(id, found);
    }
    is_data_image(lower).then(|| value.to_string())
}

/// Takes the text of every `<style>…</style>` out of the document (ammonia would drop it with
/// its tag). What stays is sanitised as usual; the blocks are filtered as CSS, so a block that
/// the browser would not have seen as CSS loses nothing by being treated as CSS.
fn take_style_blocks(html: &str) -> (String, Vec<String>) {
    let mut rest_out = String::with_capacity(html.len());
    let mut blocks = Vec::new();
    let mut rest = html;
    loop {
        let Some(start) = find_ci(rest, "<style") else {
            rest_out.push_str(rest);
            break;
        };
        rest_out.push_str(&rest[..start]);
        let after_tag = &rest[start..];
        let Some(open_end) = after_tag.find('>') else {
            break;
        };
        let content = &after_tag[open_end + 1..];
        match find_ci(content, "</style") {
            Some(close) => {
                blocks.push(content[..close].to_string());
                let after_close = &content[close..];
                rest = match after_close.find('>') {
                    Some(gt) => &after_close[gt + 1..],
                    None => "",
                };
            }
            None => {
                blocks.push(content.to_string());
                break;
            }
        }
    }
    (rest_out, blocks)
}

fn find_ci(haystack: &str, needle: &str) -> Option<usize> {
    let h = haystack.as_bytes();
    let n = needle.as_bytes();
    if h.len() < n.len() {
        return None;
    }
    (0..=h.len() - n.len()).find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
}
