//! Every provider answer of the table in docs/product.md, spoken by a scripted server
//! (tests/provider-answers/responder.py, since the real providers cannot be reached here), turns
//! into the kind and reason a UI words as guidance. Runs with INKORG_TEST_SERVERS=1
//! (scripts/test.sh starts the responder).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use inkorg_core::{
    AccountSettings, BlockReason, Credentials, Engine, Error, ErrorKind, Protocol, Security,
    ServerSettings,
};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn responder() -> Option<HashMap<String, String>> {
    common::servers()?;
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/provider-answers/responder.sh");
    Some(common::script_env(&script, "start"))
}

fn settings(env: &HashMap<String, String>, ca: &str, user: &str) -> AccountSettings {
    let server = |port: &str| ServerSettings {
        host: "localhost".into(),
        port: env[port].parse().unwrap(),
        security: Security::Tls,
        username: String::new(),
    };
    AccountSettings {
        email: format!("{user}+{}@provider.test", std::process::id()),
        display_name: String::new(),
        imap: server("RESPONDER_IMAP_PORT"),
        smtp: server("RESPONDER_SMTP_PORT"),
        ca_file: Some(PathBuf::from(ca)),
        allow_plaintext: false,
    }
}

#[tokio::test]
async fn each_provider_answer_becomes_its_kind_and_reason() {
    let Some(env) = responder() else { return };
    let ca = common::servers().unwrap().get("CA_FILE");
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(dir.path()).await.unwrap();
    use BlockReason::*;
    // user (picks the scripted answer), the server that refuses, the expected reason
    // (None: wrong credentials), whether the provider's link must come through.
    let table: &[(&str, Protocol, Option<BlockReason>, bool)] = &[
        (
            "apppassword",
            Protocol::Imap,
            Some(AppPasswordRequired),
            true,
        ),
        ("weblogin", Protocol::Imap, Some(WebLoginRequired), true),
        ("webalert", Protocol::Imap, Some(WebLoginRequired), true),
        ("invalid", Protocol::Imap, None, false),
        ("toomany", Protocol::Imap, Some(TooManyConnections), false),
        ("throttled", Protocol::Imap, Some(Throttled), false),
        ("overquota", Protocol::Imap, Some(Throttled), false),
        ("m365", Protocol::Imap, Some(OauthRequired), false),
        ("basicauth", Protocol::Imap, Some(OauthRequired), false),
        ("suspended", Protocol::Imap, Some(Other), false),
        ("smtpbasic", Protocol::Smtp, Some(OauthRequired), false),
        (
            "tenant",
            Protocol::Smtp,
            Some(SmtpAuthDisabledByAdmin),
            true,
        ),
        ("mswrong", Protocol::Smtp, None, false),
        ("submission", Protocol::Smtp, Some(OauthRequired), false),
    ];
    for (user, protocol, reason, has_url) in table {
        let creds = Credentials {
            imap_password: "an-ordinary-password".into(),
            smtp_password: None,
        };
        let err = engine
            .verify(&settings(&env, &ca, user), &creds, &[])
            .await
            .expect_err(user);
        assert_eq!(
            err.endpoint().map(|e| e.protocol),
            Some(*protocol),
            "{user}: {err}"
        );
        match (reason, &err) {
            (None, Error::WrongCredentials { .. }) => {}
            (Some(want), Error::BlockedByProvider { reason, url, .. }) => {
                assert_eq!(reason, want, "{user}: {err}");
                assert_eq!(url.is_some(), *has_url, "{user}: {err}");
            }
            _ => panic!("{user}: expected {reason:?}, got {err}"),
        }
        if reason.is_none() {
            assert_eq!(err.kind(), ErrorKind::WrongCredentials);
        }
    }
    // One attempt per refusal: nothing was retried.
    let log = std::fs::read_to_string(&env["RESPONDER_LOG"]).unwrap();
    for (user, protocol, _, _) in table {
        let line = format!("{protocol} {user}+{}@provider.test", std::process::id());
        assert_eq!(
            log.lines().filter(|l| *l == line).count(),
            1,
            "{line} in {log}"
        );
    }
}
