//! Autodetection against the simulated internet of tests/simnet (DNS, web and mail servers on
//! loopback). Run by scripts/test.sh, which starts it and exports its settings; skipped unless
//! INKORG_TEST_SIMNET=1.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use inkorg_core::detect::{detect, detect_with_progress, DetectConfig, Detection, Source};
use inkorg_core::ErrorKind;

fn enabled() -> bool {
    std::env::var("INKORG_TEST_SIMNET").as_deref() == Ok("1")
}

fn password() -> String {
    std::env::var("SIM_PASSWORD").expect("SIM_PASSWORD from simnet.sh env")
}

async fn run(domain: &str, password: Option<&str>) -> Detection {
    let cfg = DetectConfig::from_env().unwrap();
    detect(&format!("eva@{domain}"), password, &cfg)
        .await
        .unwrap()
}

async fn run_trusting(domain: &str, password: &str) -> Detection {
    let cfg = DetectConfig::from_env().unwrap();
    detect_with_progress(
        &format!("eva@{domain}"),
        Some(password),
        &cfg,
        true,
        &|_| {},
    )
    .await
    .unwrap()
}

fn explain(d: &Detection) -> String {
    serde_json::to_string_pretty(d).unwrap()
}

/// The sim mail server's log from `seen` bytes on: what it saw during one test step.
fn mail_log_since(seen: usize) -> String {
    let log = std::fs::read(std::env::var("SIM_MAIL_LOG").unwrap()).unwrap();
    String::from_utf8_lossy(log.get(seen..).unwrap_or_default()).into_owned()
}

fn mail_log_len() -> usize {
    std::fs::metadata(std::env::var("SIM_MAIL_LOG").unwrap())
        .map(|m| m.len())
        .unwrap_or(0) as usize
}

#[tokio::test]
async fn every_channel_finds_and_verifies_its_servers() {
    if !enabled() {
        return;
    }
    let pw = password();
    let cases = [
        ("gmail.com", Source::BuiltIn, "imap.gmail.com"),
        ("autoconf.test", Source::Autoconfig, "imap.autoconf.test"),
        ("wellknown.test", Source::WellKnown, "mail.wellknown.test"),
        ("ispdb.test", Source::Ispdb, "imap.ispdb.test"),
        ("mxgoogle.test", Source::MxBuiltIn, "imap.gmail.com"),
        ("guess.test", Source::Guess, "imap.guess.test"),
    ];
    for (domain, source, imap_host) in cases {
        let d = run(domain, Some(&pw)).await;
        let found = d
            .found
            .clone()
            .unwrap_or_else(|| panic!("{domain}: {}", explain(&d)));
        assert_eq!(found.source, source, "{domain}: {}", explain(&d));
        assert_eq!(found.trusted, source.trusted());
        assert_eq!(
            d.incoming.settings.as_ref().unwrap().host,
            imap_host,
            "{domain}"
        );
        assert!(d.verified(), "{domain}: {}", explain(&d));
        assert!(
            d.needs_confirmation.is_none(),
            "{domain}: no question for an ordinary domain"
        );
        assert!(d.total_ms < 20_000, "{domain}: {} ms", d.total_ms);
        println!(
            "{domain:<15} {:<13} settings {:>5} ms, verified {:>5} ms",
            format!("{:?}", found.source),
            d.settings_ms.unwrap_or_default(),
            d.verified_ms.unwrap_or_default()
        );
    }
    // The ISPDB names the local part; the server wants the full address: the second name wins.
    let d = run("ispdb.test", Some(&pw)).await;
    assert_eq!(d.incoming.settings.unwrap().username, "eva@ispdb.test");
    // The table says which providers need an app password.
    let d = run("gmail.com", None).await;
    assert!(d.found.unwrap().provider.unwrap().help_url.is_some());
}

/// DNS is not authenticated: an MX, an SRV record or a plain-http file naming hosts outside the
/// address's domain, however valid their certificates, never gets the password without a yes.
#[tokio::test]
async fn hosts_named_by_mx_srv_or_plain_http_outside_the_domain_get_no_password_unasked() {
    if !enabled() {
        return;
    }
    let pw = password();
    let cases = [
        (
            "mxhost.test",
            Source::MxAutoconfig,
            "imap.mailhost.test",
            "smtp.mailhost.test",
        ),
        (
            "srv.test",
            Source::Srv,
            "imap.srvhost.test",
            "smtp.srvhost.test",
        ),
        (
            "httpvalid.test",
            Source::HttpAutoconfig,
            "imap.mailhost.test",
            "smtp.mailhost.test",
        ),
    ];
    for (domain, source, imap_host, smtp_host) in cases {
        let seen = mail_log_len();
        let d = run(domain, Some(&pw)).await;
        let c = d
            .needs_confirmation
            .clone()
            .unwrap_or_else(|| panic!("{domain}: no question asked: {}", explain(&d)));
        assert_eq!(c.source, source, "{domain}");
        assert_eq!(
            c.hosts,
            vec![imap_host.to_string(), smtp_host.to_string()],
            "{domain}"
        );
        for r in [&d.incoming, &d.outgoing] {
            assert!(
                r.needs_confirmation && !r.verified,
                "{domain}: {}",
                explain(&d)
            );
            assert!(
                r.tried.is_empty(),
                "{domain}: signed in anyway: {:?}",
                r.tried
            );
        }
        let user = format!("user=<eva@{domain}>");
        let log = mail_log_since(seen);
        assert!(
            !log.contains(&user),
            "{domain}: the server saw the sign-in:\n{log}"
        );

        // After the person's yes, the same servers are signed in to.
        let d = run_trusting(domain, &pw).await;
        assert!(d.verified(), "{domain} after yes: {}", explain(&d));
        assert_eq!(d.incoming.settings.as_ref().unwrap().host, imap_host);
    }
}

#[tokio::test]
async fn absurd_chunk_sizes_in_an_answer_are_refused_without_a_crash() {
    if !enabled() {
        return;
    }
    let d = run("chunked.test", None).await;
    let step = d
        .steps
        .iter()
        .find(|s| s.source == Source::Autoconfig)
        .unwrap_or_else(|| panic!("{}", explain(&d)));
    assert!(!step.found, "{}", explain(&d));
    assert!(
        step.detail.contains("chunk") || step.detail.contains("larger than"),
        "{}",
        step.detail
    );
}

#[tokio::test]
async fn a_plain_http_answer_never_gets_the_password_to_a_host_with_a_bad_certificate() {
    if !enabled() {
        return;
    }
    let pw = password();
    // Only what the trap logs from now on counts: earlier runs (the end-to-end suite accepts the
    // trap's certificate on purpose, and then signs in) share the log.
    let log_path = std::env::var("SIM_MAIL_LOG").unwrap();
    let seen = std::fs::metadata(&log_path).map(|m| m.len()).unwrap_or(0) as usize;
    // Its hosts are outside httptrap.test: first of all, a question.
    let d = run("httptrap.test", Some(&pw)).await;
    assert!(d.needs_confirmation.is_some(), "{}", explain(&d));
    // Even after a yes, the certificate must verify.
    let d = run_trusting("httptrap.test", &pw).await;
    let found = d.found.clone().unwrap();
    assert_eq!(found.source, Source::HttpAutoconfig, "{}", explain(&d));
    assert!(!found.trusted);
    assert!(!d.incoming.verified && !d.outgoing.verified);
    for r in [&d.incoming, &d.outgoing] {
        let p = r.problem.as_ref().unwrap();
        assert_eq!(p.kind, ErrorKind::CertificateUntrusted, "{}", explain(&d));
        assert!(p.fingerprint.is_some());
    }
    // The trap's IMAP server saw TLS handshakes and nothing else: no login, no user name.
    let log = std::fs::read(&log_path).unwrap();
    let log = String::from_utf8_lossy(log.get(seen..).unwrap_or_default());
    let trap: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("lip=127.0.2.99"))
        .collect();
    assert!(!trap.is_empty(), "the trap was not even contacted");
    for line in trap {
        assert!(!line.contains("user=<eva"), "{line}");
        assert!(
            !line.contains("Login:") && !line.contains("auth failed"),
            "{line}"
        );
    }
    // No web server ever saw the password.
    let requests = std::fs::read_to_string(std::env::var("SIM_REQUEST_LOG").unwrap()).unwrap();
    assert!(!requests.contains(&pw));
}

#[tokio::test]
async fn a_hanging_autoconfig_server_does_not_hold_back_a_ready_ispdb_answer() {
    if !enabled() {
        return;
    }
    let d = run("hang.test", Some(&password())).await;
    let found = d.found.clone().unwrap();
    assert_eq!(found.source, Source::Ispdb, "{}", explain(&d));
    let settings_ms = d.settings_ms.unwrap();
    // The ISPDB answers at once; the hanging sources get the 1.5 s grace and no more.
    assert!(settings_ms < 3_000, "settings after {settings_ms} ms");
    assert!(d.verified(), "{}", explain(&d));
    assert!(d
        .steps
        .iter()
        .any(|s| s.source == Source::Autoconfig && s.detail.contains("not waited for")));
}

#[tokio::test]
async fn hostile_xml_and_huge_answers_are_ignored_with_a_reason() {
    if !enabled() {
        return;
    }
    let d = run("hostile.test", Some(&password())).await;
    let detail = |s: Source| {
        d.steps
            .iter()
            .find(|st| st.source == s)
            .map(|st| st.detail.clone())
            .unwrap_or_default()
    };
    assert!(
        detail(Source::Autoconfig).contains("DOCTYPE"),
        "{}",
        explain(&d)
    );
    assert!(detail(Source::Ispdb).contains("DOCTYPE"), "{}", explain(&d));
    assert!(
        detail(Source::WellKnown).contains("bytes"),
        "{}",
        explain(&d)
    );
    // Nothing usable from the files: guessing finds the real servers.
    assert_eq!(d.found.as_ref().unwrap().source, Source::Guess);
    assert!(d.verified());
}

#[tokio::test]
async fn nothing_found_ends_quickly_with_a_reason_per_server() {
    if !enabled() {
        return;
    }
    for domain in ["nothing.test", "nosuch.test"] {
        let d = run(domain, Some(&password())).await;
        assert!(d.found.is_none(), "{domain}: {}", explain(&d));
        assert!(d.total_ms < 20_000);
        // Each server says what happened and what was tried, not "not found".
        for (r, first) in [(&d.incoming, "imap"), (&d.outgoing, "smtp")] {
            assert!(r.settings.is_none());
            let p = r.problem.as_ref().unwrap();
            assert_eq!(p.kind, ErrorKind::NoServerFound);
            assert_eq!(p.domain.as_deref(), Some(domain));
            let expected = [
                format!("{first}.{domain}"),
                format!("mail.{domain}"),
                domain.to_string(),
            ];
            assert_eq!(p.hosts, expected);
            assert_eq!(p.ports.len(), 2);
            assert!(p.message.starts_with("Inkorg found no"), "{}", p.message);
        }
        // Guessing tried every common name, and each step says why it failed.
        assert!(d.steps.iter().filter(|s| s.source == Source::Guess).count() >= 12);
    }
    // A typo of a common domain finds nothing, but the result says what was probably meant.
    let d = run("gmail.con", None).await;
    assert!(d.found.is_none());
    assert_eq!(d.suggestion.as_deref(), Some("eva@gmail.com"));
}

#[tokio::test]
async fn a_wrong_password_is_reported_after_at_most_two_user_names() {
    if !enabled() {
        return;
    }
    let d = run("autoconf.test", Some("not-the-password")).await;
    assert!(d.found.is_some());
    for r in [&d.incoming, &d.outgoing] {
        assert!(!r.verified);
        assert_eq!(
            r.problem.as_ref().unwrap().kind,
            ErrorKind::WrongCredentials,
            "{}",
            explain(&d)
        );
        assert!(r.tried.len() <= 2, "{:?}", r.tried);
        // Advanced settings opens pre-filled with what was found.
        assert!(matches!(r.settings.as_ref().unwrap().port, 993 | 465));
    }
}

/// The setup's "Next" then "Log in", through the engine: the servers signed in to and saved
/// are exactly those found, and only the password that was verified is saved.
#[tokio::test]
async fn log_in_saves_exactly_what_next_found_with_the_verified_password() {
    if !enabled() {
        return;
    }
    let pw = password();
    let dir = tempfile::tempdir().unwrap();
    let mut engine = inkorg_core::Engine::open(dir.path()).await.unwrap();
    engine
        .set_extra_ca(std::env::var_os("INKORG_EXTRA_CA").map(Into::into))
        .unwrap();
    let cfg = DetectConfig::from_env().unwrap();
    let quiet = |_: inkorg_core::detect::Stage| {};

    // Log in before Next, or for another address: refused.
    let err = engine
        .verify_detected("eva@autoconf.test", &pw, &cfg, false, &quiet)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);

    let shown = engine
        .detect("eva@autoconf.test", &cfg, &quiet)
        .await
        .unwrap();
    assert!(!shown.incoming.verified, "Next signs in nowhere");
    let d = engine
        .verify_detected("eva@autoconf.test", &pw, &cfg, false, &quiet)
        .await
        .unwrap();
    assert!(d.verified(), "{}", explain(&d));
    assert_eq!(
        d.incoming.settings.as_ref().unwrap().host,
        shown.incoming.settings.as_ref().unwrap().host
    );
    // A password other than the verified one is not saved.
    let err = engine
        .save_detected("eva@autoconf.test", "Eva", "another-password", None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(engine.status().await.is_err(), "nothing saved");
    let saved = engine
        .save_detected("eva@autoconf.test", "Eva", &pw, None)
        .await
        .unwrap();
    assert_eq!(saved.settings.imap.host, "imap.autoconf.test");
    assert_eq!(
        saved.settings.ca_file, None,
        "INKORG_EXTRA_CA is never stored"
    );
    // Syncing works with the CA of this run alone.
    engine.sync(|_| {}).await.unwrap();
    engine.logout().await.unwrap();
}
