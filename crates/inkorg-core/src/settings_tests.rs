use super::*;
use crate::error::ErrorKind;

fn server(host: &str, port: u16) -> ServerSettings {
    ServerSettings {
        host: host.into(),
        port,
        security: Security::Tls,
        username: String::new(),
    }
}

fn account(email: &str) -> AccountSettings {
    AccountSettings {
        email: email.into(),
        display_name: " Åsa ".into(),
        imap: server("imap.example.se", 993),
        smtp: server("smtp.example.se", 465),
        ca_file: None,
        allow_plaintext: false,
    }
}

#[test]
fn addresses_people_type_are_accepted_and_normalised() {
    let cases = [
        ("  anna@Example.SE ", "anna@example.se"),
        (
            "first.last+tag@sub.example.com",
            "first.last+tag@sub.example.com",
        ),
        ("kalle@räksmörgås.se", "kalle@xn--rksmrgs-5wao1o.se"),
        ("jöns@exempel.se", "jöns@exempel.se"),
        ("a@b.c.", "a@b.c"),
    ];
    for (typed, want) in cases {
        assert_eq!(
            normalize_email(typed).ok().as_deref(),
            Some(want),
            "{typed}"
        );
    }
}

#[test]
fn malformed_addresses_get_a_reason() {
    let cases = [
        ("", "empty"),
        ("anna.example.se", "no @"),
        ("@example.se", "nothing before"),
        ("anna@", "nothing after"),
        ("anna@localhost", "full domain"),
        ("an na@example.se", "not allowed"),
        (".anna@example.se", "dot"),
        ("anna@exa mple.se", "not allowed in a host name"),
        ("anna@-bad.se", "starts or ends"),
    ];
    for (typed, reason) in cases {
        match normalize_email(typed) {
            Err(Error::InvalidInput { field, message }) => {
                assert_eq!(field, "email");
                assert!(
                    message.contains(reason),
                    "{typed:?}: {message:?} should mention {reason:?}"
                );
            }
            other => panic!("{typed:?} should be refused, got {other:?}"),
        }
    }
}

#[test]
fn user_names_default_to_the_full_address() {
    let s = account("Anna@Example.se").validated().unwrap();
    assert_eq!(s.imap.username, "Anna@example.se");
    assert_eq!(s.smtp.username, "Anna@example.se");
    assert_eq!(s.display_name, "Åsa");
}

#[test]
fn empty_host_and_port_zero_are_refused_per_field() {
    let mut a = account("a@example.se");
    a.imap.host = "  ".into();
    let e = a.validated().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().starts_with("imap.host"), "{e}");

    let mut a = account("a@example.se");
    a.smtp.port = 0;
    assert!(a
        .validated()
        .unwrap_err()
        .to_string()
        .starts_with("smtp.port"));
}

#[test]
fn hosts_may_be_names_idn_or_ip_literals() {
    assert_eq!(
        normalize_host("IMAP.Example.se").unwrap(),
        "imap.example.se"
    );
    assert_eq!(normalize_host("127.0.0.1").unwrap(), "127.0.0.1");
    assert_eq!(normalize_host("[::1]").unwrap(), "::1");
    assert_eq!(normalize_host("localhost").unwrap(), "localhost");
    assert_eq!(
        normalize_host("post.räksmörgås.se").unwrap(),
        "post.xn--rksmrgs-5wao1o.se"
    );
    assert!(normalize_host("bad host").is_err());
    assert!(normalize_host("bad_/host").is_err());
}

#[test]
fn ports_outside_the_range_are_refused_with_the_range() {
    assert_eq!(parse_port("imap.port", " 993 ").unwrap(), 993);
    for bad in ["0", "65536", "-1", "abc", ""] {
        let e = parse_port("imap.port", bad).unwrap_err();
        assert!(e.to_string().contains("between 1 and 65535"), "{bad}: {e}");
    }
}

#[test]
fn security_parses_the_three_modes() {
    assert_eq!("TLS".parse::<Security>().unwrap(), Security::Tls);
    assert_eq!("starttls".parse::<Security>().unwrap(), Security::Starttls);
    assert_eq!("none".parse::<Security>().unwrap(), Security::None);
    assert!("maybe".parse::<Security>().is_err());
}
