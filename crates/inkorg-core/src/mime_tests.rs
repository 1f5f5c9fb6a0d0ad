use super::*;

fn parse(lines: &[&[u8]]) -> HeaderSummary {
    let mut raw = lines.join(&b"\r\n"[..]);
    raw.extend_from_slice(b"\r\n\r\n");
    parse_headers(&raw)
}

/// Each encoding found in real Swedish mailboxes must decode to the same subject.
#[test]
fn swedish_subjects_decode_from_every_common_encoding() {
    let want = "Möte om kräftskivan på fredag #4";
    let cases: &[(&str, &[u8])] = &[
        ("RFC 2047 UTF-8 base64", b"Subject: =?UTF-8?B?TcO2dGUgb20ga3LDpGZ0c2tpdmFuIHDDpSBmcmVkYWcgIzQ=?="),
        ("RFC 2047 ISO-8859-1 Q", b"Subject: =?ISO-8859-1?Q?M=F6te_om_kr=E4ftskivan_p=E5_fredag_#4?="),
        ("raw UTF-8", "Subject: Möte om kräftskivan på fredag #4".as_bytes()),
        ("raw Latin-1", b"Subject: M\xf6te om kr\xe4ftskivan p\xe5 fredag #4"),
        ("folded, two encoded words", b"Subject: =?UTF-8?Q?M=C3=B6te_om?=\r\n =?UTF-8?Q?_kr=C3=A4ftskivan_p=C3=A5_fredag_#4?="),
    ];
    for (what, subject) in cases {
        let h = parse(&[b"From: a@example.se", subject]);
        assert_eq!(h.subject, want, "{what}");
    }
}

#[test]
fn windows_1252_bytes_in_headers_become_the_right_characters() {
    let h = parse(&[b"Subject: Pris 100 \x80 \x96 betala"]);
    assert_eq!(h.subject, "Pris 100 \u{20ac} \u{2013} betala");
    assert!(!h.subject.contains('\u{fffd}'));
}

#[test]
fn sender_names_decode_in_every_form() {
    let cases: &[&[u8]] = &[
        b"From: =?UTF-8?B?w4VzYSDDlmJlcmc=?= <asa.oberg@example.se>",
        b"From: \xc5sa \xd6berg <asa.oberg@example.se>",
        "From: \"Åsa Öberg\" <asa.oberg@example.se>".as_bytes(),
    ];
    for from in cases {
        let h = parse(&[from]);
        assert_eq!(
            h.from_name,
            "Åsa Öberg",
            "{}",
            String::from_utf8_lossy(from)
        );
        assert_eq!(h.from_addr, "asa.oberg@example.se");
    }
}

#[test]
fn recipients_ids_threading_and_date_are_extracted() {
    let h = parse(&[
        b"From: Lars <lars@example.com>",
        b"To: Anna <anna@example.se>, bo@example.se",
        b"Cc: =?ISO-8859-1?Q?J=F6ns?= <jons@example.se>",
        b"Date: Mon, 5 Jan 2026 09:00:00 +0100",
        b"Message-ID: <seed-4.alice@inkorg.test>",
        b"In-Reply-To: <seed-3.alice@inkorg.test>",
        b"References: <seed-0.alice@inkorg.test>\r\n <seed-3.alice@inkorg.test>",
        b"Content-Type: multipart/mixed; boundary=x",
    ]);
    assert_eq!(h.to, "Anna <anna@example.se>, bo@example.se");
    assert_eq!(h.cc, "Jöns <jons@example.se>");
    assert_eq!(h.date, Some(1_767_600_000));
    assert_eq!(h.message_id.as_deref(), Some("seed-4.alice@inkorg.test"));
    assert_eq!(h.in_reply_to.as_deref(), Some("seed-3.alice@inkorg.test"));
    assert_eq!(
        h.references,
        "seed-0.alice@inkorg.test seed-3.alice@inkorg.test"
    );
    assert!(h.has_attachment);
}

#[test]
fn broken_headers_lose_nothing_and_never_panic() {
    let h = parse(&[
        b"Subject: =?UTF-8?B?not base64!?=",
        b"Date: yesterday-ish",
        b"From: <<>>",
    ]);
    assert!(h.date.is_none());
    let _ = parse_headers(b"");
    let _ = parse_headers(b"\xff\xfe\x00garbage without colon");
    let _ = parse_headers(&[b'X'; 100_000]);
    let h = parse(&[b"Subject: line\x01with\x07controls"]);
    assert_eq!(h.subject, "linewithcontrols");
}

#[test]
fn valid_utf8_headers_are_not_copied() {
    assert!(matches!(
        utf8_header_lines(b"Subject: ok\r\n"),
        Cow::Borrowed(_)
    ));
    let fixed = utf8_header_lines(b"Subject: \xe5\r\nFrom: \xc3\xa5\r\n");
    assert_eq!(
        std::str::from_utf8(&fixed).unwrap(),
        "Subject: å\r\nFrom: å\r\n"
    );
}
