use super::*;

fn opts() -> ReadOptions {
    ReadOptions::default()
}

fn mail(headers: &str, body: &str) -> Vec<u8> {
    format!(
        "From: Anna <anna@example.se>\r\nTo: bo@example.se\r\nSubject: Test\r\n{headers}\r\n\r\n{body}"
    )
    .into_bytes()
}

fn html_mail(html: &str) -> Vec<u8> {
    mail("Content-Type: text/html; charset=utf-8", html)
}

#[test]
fn the_html_part_of_an_alternative_is_shown_and_its_text_is_what_a_person_reads() {
    let raw = mail(
        "Content-Type: multipart/alternative; boundary=b",
        "--b\r\nContent-Type: text/plain\r\n\r\nplain version\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>Hej <b>Bo</b></p>\r\n--b--\r\n",
    );
    let b = read(&raw, &opts());
    assert!(b.from_html);
    assert!(b.html.contains("<b>Bo</b>"), "{}", b.html);
    assert_eq!(b.text.trim(), "Hej Bo");
    assert_eq!(b.headers.from, "Anna <anna@example.se>");
}

#[test]
fn flowed_text_joins_its_soft_line_breaks_and_keeps_the_signature() {
    let raw = mail(
        "Content-Type: text/plain; charset=utf-8; format=flowed",
        "Ett stycke som \r\nfortsätter här.\r\n> citat som \r\n> fortsätter\r\n\r\n-- \r\nAnna\r\n",
    );
    let b = read(&raw, &opts());
    assert_eq!(
        b.text,
        "Ett stycke som fortsätter här.\n> citat som fortsätter\n\n-- \nAnna\n"
    );
    assert!(
        b.html
            .contains("<blockquote>citat som fortsätter\n</blockquote>"),
        "{}",
        b.html
    );
}

#[test]
fn delsp_removes_the_space_before_a_soft_break() {
    let lines = plain::lines("日本語の \r\n続き\r\n", true, true);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].text, "日本語の続き");
}

#[test]
fn a_long_quote_is_collapsed_behind_a_summary_that_needs_no_script() {
    let body = "Svar\r\n> 1\r\n> 2\r\n> > 3\r\n> 4\r\n> 5\r\n";
    let b = read(
        &mail("Content-Type: text/plain", body),
        &ReadOptions {
            language: Language::Sv,
            ..opts()
        },
    );
    assert!(
        b.html
            .contains("<details class=\"inkorg-quote\"><summary>Citerad text (5 rader)</summary>"),
        "{}",
        b.html
    );
    assert!(
        b.html.contains("<blockquote>3\n</blockquote>"),
        "nested: {}",
        b.html
    );
    let short = read(&mail("Content-Type: text/plain", "> a\r\n> b\r\n"), &opts());
    assert!(!short.html.contains("<details"), "short quotes stay open");
}

#[test]
fn links_in_plain_text_become_clickable_without_their_punctuation() {
    let h =
        plain::linkify("Se https://example.se/a?b=1&c=2. Eller www.example.org, anna@example.se!");
    assert!(
        h.contains("<a href=\"https://example.se/a?b=1&amp;c=2\""),
        "{h}"
    );
    assert!(h.contains(">https://example.se/a?b=1&amp;c=2</a>."), "{h}");
    assert!(h.contains("<a href=\"https://www.example.org\""), "{h}");
    assert!(h.contains("<a href=\"mailto:anna@example.se\""), "{h}");
    assert!(plain::linkify("<script>").contains("&lt;script&gt;"));
    assert_eq!(
        plain::linkify("(https://x.se/a_(b))"),
        "(<a href=\"https://x.se/a_(b)\" rel=\"noopener noreferrer\">https://x.se/a_(b)</a>)"
    );
}

#[test]
fn scripts_handlers_and_javascript_links_never_survive() {
    let b = read(
        &html_mail(
            "<p onclick=\"x()\">a</p><script>alert(1)</script><a href=\"javascript:alert(1)\">j</a>\
             <iframe src=\"https://e.x\"></iframe><form action=\"https://e.x\"><input></form>",
        ),
        &opts(),
    );
    for bad in [
        "onclick",
        "<script",
        "javascript:",
        "<iframe",
        "<form",
        "<input",
    ] {
        assert!(!b.html.to_lowercase().contains(bad), "{bad} in {}", b.html);
    }
}

#[test]
fn remote_images_styles_and_fonts_are_blocked_and_counted_until_allowed() {
    let html = "<img src=\"https://t.example/p.gif\"><div style=\"color:red;background:url(https://t.example/bg)\">x</div>\
                <style>@font-face{font-family:f;src:url(https://t.example/f.woff)} p{color:blue}</style>\
                <table><tr><td background=\"http://t.example/b.png\"></td></tr></table><img srcset=\"https://t.example/2x.png 2x\">";
    let blocked = read(&html_mail(html), &opts());
    assert_eq!(blocked.remote_content, 5, "{blocked:?}");
    assert!(!blocked.html.contains("t.example"), "{}", blocked.html);
    assert!(!blocked.styles.contains("t.example"), "{}", blocked.styles);
    assert!(
        blocked.html.contains("color: red"),
        "other declarations stay: {}",
        blocked.html
    );
    assert!(
        blocked.styles.contains("p { color: blue }"),
        "{}",
        blocked.styles
    );

    let shown = read(
        &html_mail(html),
        &ReadOptions {
            remote: true,
            ..opts()
        },
    );
    assert_eq!(shown.remote_content, 5);
    assert!(
        shown.html.contains("src=\"https://t.example/p.gif\""),
        "{}",
        shown.html
    );
    assert!(
        shown.styles.contains("url(\"https://t.example/f.woff\")"),
        "{}",
        shown.styles
    );
}

#[test]
fn a_message_without_remote_content_says_so() {
    let b = read(
        &html_mail("<p>Bara text, <a href=\"https://example.se\">en länk</a></p>"),
        &opts(),
    );
    assert_eq!(b.remote_content, 0, "a link is not remote content");
    assert!(b.html.contains("href=\"https://example.se\""));
}

#[test]
fn inline_images_follow_the_setting_and_are_not_listed_as_attachments() {
    let raw = mail(
        "Content-Type: multipart/related; boundary=r",
        "--r\r\nContent-Type: text/html\r\n\r\n<img src=\"cid:logo@x\">\r\n--r\r\nContent-Type: image/png\r\n\
         Content-ID: <logo@x>\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--r--\r\n",
    );
    let off = read(&raw, &opts());
    assert_eq!(off.hidden_inline_images, 1);
    assert!(!off.html.contains("data:image"), "{}", off.html);
    assert!(off.attachments.is_empty(), "{:?}", off.attachments);
    let on = read(
        &raw,
        &ReadOptions {
            inline_images: true,
            ..opts()
        },
    );
    assert!(
        on.html
            .contains("src=\"data:image/png;base64,iVBORw0KGgo=\""),
        "{}",
        on.html
    );
    assert_eq!(on.hidden_inline_images, 0);
}

#[test]
fn attachment_names_cannot_leave_the_folder_or_disguise_their_type() {
    assert_eq!(safe_file_name("../../etc/passwd", ""), "passwd");
    assert_eq!(safe_file_name("..\\..\\win.ini", ""), "win.ini");
    assert_eq!(
        safe_file_name("invoice\u{202e}fdp.exe", ""),
        "invoicefdp.exe"
    );
    assert_eq!(safe_file_name("CON.txt", ""), "_CON.txt");
    assert_eq!(safe_file_name("lpt1", ""), "_lpt1");
    assert_eq!(safe_file_name("a:b*c?.txt. ", ""), "a_b_c_.txt");
    assert_eq!(safe_file_name("", "application/pdf"), "attachment.pdf");
    assert_eq!(safe_file_name("...", "image/png"), "attachment.png");
    assert_eq!(safe_file_name("x\u{0}y\ttab.doc", ""), "xytab.doc");
    let long = format!("{}.pdf", "å".repeat(400));
    let s = safe_file_name(&long, "");
    assert_eq!(s.chars().count(), 150);
    assert!(s.ends_with(".pdf"));
    assert!(is_risky("x.EXE", "application/octet-stream"));
    assert!(is_risky("run.sh", ""));
    assert!(!is_risky("faktura.pdf", "application/pdf"));
}

#[test]
fn an_attachment_is_saved_as_the_decoded_bytes() {
    let raw = mail(
        "Content-Type: multipart/mixed; boundary=m",
        "--m\r\nContent-Type: text/plain\r\n\r\nSe bilaga\r\n--m\r\nContent-Type: application/pdf; name=\"a.pdf\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--m--\r\n",
    );
    let b = read(&raw, &opts());
    assert_eq!(b.attachments.len(), 1);
    assert_eq!(b.attachments[0].name, "a.pdf");
    assert_eq!(b.attachments[0].size, 9);
    let a = attachment(&raw, b.attachments[0].index).unwrap();
    assert_eq!(a.bytes, b"%PDF-1.4\n");
    assert!(attachment(&raw, 7).is_none());
}

#[test]
fn raw_header_bytes_decode_in_the_charset_the_message_declares() {
    let mut raw = b"From: a@example.ru\r\nSubject: ".to_vec();
    raw.extend_from_slice(&[0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4]); // "Привет" in KOI8-R
    raw.extend_from_slice(b"\r\nContent-Type: text/plain; charset=koi8-r\r\n\r\nx\r\n");
    assert_eq!(read(&raw, &opts()).headers.subject, "Привет");
    assert_eq!(
        crate::mime::parse_headers(&raw).subject,
        "Привет",
        "the list agrees"
    );
}

#[test]
fn unencoded_iso_2022_jp_in_a_header_is_decoded() {
    let mut raw = b"From: a@example.jp\r\nSubject: ".to_vec();
    raw.extend_from_slice(b"\x1b$B$3$s$K$A$O\x1b(B"); // "こんにちは"
    raw.extend_from_slice(b"\r\n\r\nx\r\n");
    assert_eq!(read(&raw, &opts()).headers.subject, "こんにちは");
}

#[test]
fn mail_without_anything_still_shows_something() {
    for raw in [
        &b""[..],
        b"\r\n\r\n",
        b"garbage without headers",
        b"Content-Type: multipart/mixed\r\n\r\n--\r\n",
    ] {
        let _ = read(raw, &opts());
    }
    let b = read(b"\nOnly a body\n", &opts());
    assert!(b.text.contains("Only a body"), "{b:?}");
}

#[test]
fn the_frame_policy_allows_nothing_to_run_or_load() {
    let csp = content_security_policy(false);
    assert!(csp.contains("default-src 'none'"));
    assert!(csp.contains("script-src 'none'"));
    assert!(csp.contains("img-src data:;"));
    assert!(csp.contains("sandbox"));
    assert!(
        csp.ends_with("; sandbox"),
        "a sandbox without exceptions: {csp}"
    );
    assert!(content_security_policy(true).contains("img-src data: https: http:"));
}

/// Every hostile vector of tests/hostile/vectors.html, sanitised: no reference to the canary
/// is left (remote content blocked), and nothing that runs.
#[test]
fn no_hostile_vector_keeps_a_request_or_a_script() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/hostile/vectors.html"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let vectors: Vec<&str> = text.split("\n----\n").collect();
    assert!(vectors.len() >= 60, "only {} vectors", vectors.len());
    for (i, v) in vectors.iter().enumerate() {
        let v = v
            .replace("{C}", &format!("http://127.0.0.1:9/v{i}"))
            .replace("{CPATH}", &format!(":9/v{i}"));
        let b = read(&html_mail(&v), &opts());
        let all = format!("{}{}", b.html, b.styles).to_lowercase();
        // Only markup can load something: the tags (text is escaped) and the stylesheet. A
        // link may keep its target (a click opens the browser after a question).
        let tags: Vec<&str> = b
            .html
            .split('<')
            .skip(1)
            .map(|t| t.split('>').next().unwrap_or(""))
            .filter(|t| !t.starts_with("a "))
            .collect();
        assert!(
            !tags.iter().any(|t| t.contains("127.0.0.1")) && !b.styles.contains("127.0.0.1"),
            "vector {i} keeps a request: {v}\n=> {all}"
        );
        for bad in [
            "<script",
            "javascript:",
            "onload",
            "onerror",
            "onclick",
            "<svg",
            "<math",
            "<iframe",
            "<form",
            "<meta",
            "<base",
            "<link",
            "<object",
            "<embed",
            "expression(",
            "@import",
            "ping=",
        ] {
            assert!(!all.contains(bad), "vector {i} keeps {bad}: {v}\n=> {all}");
        }
    }
}

/// The .eml corpus under tests/corpus: each message read with the default options must match
/// its snapshot (`NAME.expected.json`). `INKORG_UPDATE_SNAPSHOTS=1` rewrites them (then read
/// the diff). Also a guard that the corpus ran.
#[test]
fn every_message_of_the_corpus_reads_as_its_snapshot() {
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/corpus"));
    let update = std::env::var_os("INKORG_UPDATE_SNAPSHOTS").is_some();
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    names.sort();
    assert!(
        names.len() >= 30,
        "the corpus has only {} messages",
        names.len()
    );
    let mut failed = Vec::new();
    for eml in &names {
        let raw = std::fs::read(eml).unwrap();
        let b = read(
            &raw,
            &ReadOptions {
                language: Language::En,
                ..opts()
            },
        );
        let got = serde_json::to_string_pretty(&b).unwrap() + "\n";
        let expected_path = eml.with_extension("expected.json");
        if update {
            std::fs::write(&expected_path, &got).unwrap();
            continue;
        }
        match std::fs::read_to_string(&expected_path) {
            Ok(want) if want == got => {}
            Ok(_) => failed.push(format!("{} differs from its snapshot", eml.display())),
            Err(_) => failed.push(format!("{} has no snapshot", eml.display())),
        }
        assert!(
            !b.text.contains('\u{fffd}') || eml.to_string_lossy().contains("broken"),
            "{}: replacement characters in {:?}",
            eml.display(),
            b.text
        );
    }
    eprintln!("corpus: {} messages read", names.len());
    assert!(
        failed.is_empty(),
        "{failed:#?}\n(INKORG_UPDATE_SNAPSHOTS=1 rewrites them; read the diff)"
    );
}

#[test]
fn the_printout_carries_the_headers_in_the_language_and_nothing_that_runs() {
    let raw = mail(
        "Content-Type: text/html; charset=utf-8",
        "<p>Hej Bo</p><script>alert(1)</script>",
    );
    let b = read(&raw, &opts());
    let doc = super::print_document(&b, Language::Sv, "tisdag 1 december 2026 10:00").html;
    for want in [
        "<th>Från</th><td>Anna &lt;anna@example.se&gt;</td>",
        "<th>Till</th><td>bo@example.se</td>",
        "<th>Datum</th><td>tisdag 1 december 2026 10:00</td>",
        "<th>Ämne</th><td>Test</td>",
        "<p>Hej Bo</p>",
    ] {
        assert!(doc.contains(want), "{want} missing from {doc}");
    }
    assert!(!doc.contains("<th>Kopia</th>"), "an empty Cc is left out");
    assert!(!doc.contains("<script"));
    let en = super::print_document(&b, Language::En, "1 December 2026").html;
    assert!(en.contains("<th>From</th>") && en.contains("<th>Subject</th>"));
}

#[test]
fn a_deceptive_link_in_a_message_is_listed_with_its_real_host() {
    let b = read(
        &html_mail(
            r#"<p><a href="https://evil.example/x">https://www.bank.se/</a> <a href="https://www.bank.se/">Banken</a></p>"#,
        ),
        &opts(),
    );
    assert_eq!(b.links.len(), 1);
    assert_eq!(b.links[0].url, "https://evil.example/x");
    assert_eq!(b.links[0].host, "evil.example");
    assert_eq!(b.links[0].reason, super::LinkReason::OtherSite);
}

#[test]
fn a_link_in_the_frame_points_back_at_the_frame_and_only_the_app_knows_where_it_goes() {
    let b = read(
        &html_mail(
            r#"<p><a href="https://www.example.se/a?x=1&amp;y=2" target="_top">Läs</a>
               <a name="top">ankare</a> <a href="mailto:anna@example.se">Anna</a>
               <a href="javascript:alert(1)">bad</a> <a href="?link=0">relative</a></p>"#,
        ),
        &opts(),
    );
    let doc = super::document(&b);
    assert_eq!(
        doc.links,
        ["https://www.example.se/a?x=1&y=2", "mailto:anna@example.se"]
    );
    assert_eq!(doc.link(1), Some("mailto:anna@example.se"));
    assert_eq!(doc.link(2), None);
    assert!(doc.html.contains(r#"<a href="?link=0""#), "{}", doc.html);
    assert!(doc.html.contains(r#"<a href="?link=1""#), "{}", doc.html);
    assert!(doc.html.contains(r#"<a name="top" "#), "{}", doc.html);
    for gone in ["example.se/a", "target=", "javascript", "anna@example.se\""] {
        assert!(!doc.html.contains(gone), "{gone} in {}", doc.html);
    }
    // The mail's own relative link was dropped, so `?link=` appears exactly twice.
    assert_eq!(doc.html.matches("?link=").count(), 2, "{}", doc.html);

    let plain = read(
        &mail(
            "Content-Type: text/plain; charset=utf-8",
            "Se https://example.se/x\r\n",
        ),
        &opts(),
    );
    let doc = super::document(&plain);
    assert_eq!(doc.links, ["https://example.se/x"]);
    assert!(
        doc.html
            .contains(r#"<a href="?link=0" rel="noopener noreferrer">"#),
        "{}",
        doc.html
    );
}

#[test]
fn a_forwarded_message_opens_in_the_viewer_with_its_own_headers_and_text() {
    let raw = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/corpus/forwarded-message.eml"),
    )
    .unwrap();
    let outer = read(&raw, &opts());
    let fwd = outer
        .attachments
        .iter()
        .find(|a| a.is_message)
        .expect("the forwarded message is listed as an attachment");
    let inner = super::nested(&raw, &[fwd.index]).expect("it opens");
    let shown = read(&inner, &opts());
    assert_eq!(shown.headers.subject, "Kallelse till möte");
    assert!(
        shown.headers.from.contains("carl@example.se"),
        "{}",
        shown.headers.from
    );
    assert_eq!(shown.text.trim(), "Välkommen på möte.");
    // Only messages open as messages; a path past the end opens nothing.
    assert!(super::nested(&raw, &[fwd.index + 1]).is_none());
    let with_pdf = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus/attachments.eml"),
    )
    .unwrap();
    assert!(
        super::nested(&with_pdf, &[0]).is_none(),
        "a PDF is not a message"
    );
}
