//! The engine against the real local Dovecot and Postfix (tests/mailserver/) and a real Secret
//! Service. Each test uses its own mailbox and its own data directory.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

mod common;

use common::{assert_absent_under, openssl_fingerprint, servers, Servers};
use inkorg_core::inspect::{self as secrets, Role, SecretRef};
use inkorg_core::{
    AccountSettings, Credentials, Draft, Engine, Error, ErrorKind, Security, SendOptions,
};
use std::path::Path;
use std::time::Duration;

/// Send at once (no undo delay).
fn now() -> SendOptions {
    SendOptions {
        no_undo_delay: true,
        ..Default::default()
    }
}

async fn engine(dir: &Path) -> Engine {
    Engine::open(dir).await.expect("open engine")
}

/// Whether the keyring holds the incoming password for exactly these settings' server.
async fn keyring_has(engine: &Engine, settings: &AccountSettings) -> bool {
    // Normal form (user names defaulted); the plaintext yes plays no part in the entry's name.
    let s = AccountSettings {
        allow_plaintext: true,
        ..settings.clone()
    }
    .validated()
    .unwrap();
    let r = SecretRef::new(engine.profile(), &s.email, Role::Imap, &s.imap);
    secrets::load(&r).await.expect("keyring answers").is_some()
}

#[tokio::test]
async fn login_verifies_both_servers_and_keeps_the_password_only_in_the_keyring() {
    let Some(srv) = servers() else { return };
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let outcome = e
        .login(&srv.settings("alice"), &srv.creds(), &[])
        .await
        .unwrap();
    assert_eq!(
        outcome.settings.imap.username, "alice@inkorg.test",
        "user name defaults to the address"
    );
    assert!(keyring_has(&e, &srv.settings("alice")).await);
    let st = e.status().await.unwrap();
    assert_eq!(st.email, "alice@inkorg.test");
    // Right after login, before the first sync, INBOX lists as empty (the app shows it at once
    // and then syncs); another unknown folder is "not found".
    assert!(e.list("INBOX", 50, 0).await.unwrap().is_empty());
    assert_eq!(
        e.list("Nope", 50, 0).await.unwrap_err().kind(),
        inkorg_core::ErrorKind::NotFound
    );
    e.sync(|_| {}).await.unwrap();
    assert_absent_under(dir.path(), &srv.password());
}

#[tokio::test]
async fn starttls_imap_and_implicit_tls_smtp_work_too() {
    let Some(srv) = servers() else { return };
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let s = srv.settings_with(
        "frank",
        srv.port("IMAP_STARTTLS_PORT"),
        Security::Starttls,
        srv.port("SMTPS_PORT"),
        Security::Tls,
    );
    e.login(&s, &srv.creds(), &[]).await.unwrap();
}

#[tokio::test]
async fn a_wrong_password_is_reported_as_such_and_nothing_is_saved() {
    let Some(srv) = servers() else { return };
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let mut creds = srv.creds();
    creds.imap_password = "not-the-password".into();
    let err = e
        .login(&srv.settings("bob"), &creds, &[])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WrongCredentials, "{err}");
    let ep = err.endpoint().expect("names the server");
    assert_eq!(ep.user, "bob@inkorg.test");
    assert!(
        !err.to_string().contains("not-the-password"),
        "the password leaks into: {err}"
    );
    assert!(matches!(e.status().await, Err(Error::NotLoggedIn)));
    assert!(!keyring_has(&e, &srv.settings("bob")).await);
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused_with_its_fingerprint_and_works_once_pinned() {
    let Some(srv) = servers() else { return };
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let s = srv.settings_with(
        "hugo",
        srv.port("IMAP_UNTRUSTED_PORT"),
        Security::Tls,
        srv.port("SMTP_PORT"),
        Security::Starttls,
    );

    let err = e.login(&s, &srv.creds(), &[]).await.unwrap_err();
    let Error::CertificateUntrusted {
        fingerprint,
        endpoint,
        ..
    } = &err
    else {
        panic!("want certificate error, got {err}")
    };
    assert_eq!(endpoint.port, srv.port("IMAP_UNTRUSTED_PORT"));
    let root = srv.get("MAILSERVER_ROOT");
    assert_eq!(
        *fingerprint,
        openssl_fingerprint(&Path::new(&root).join("tls/untrusted-leaf.pem"))
    );
    assert!(
        matches!(e.status().await, Err(Error::NotLoggedIn)),
        "nothing saved before consent"
    );

    // Consent to some other certificate does not help.
    let other = "00:".repeat(31) + "00";
    let err = e.login(&s, &srv.creds(), &[other]).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CertificateUntrusted);

    // Explicit consent to exactly this one pins it; later connections use the pin.
    let outcome = e
        .login(&s, &srv.creds(), std::slice::from_ref(fingerprint))
        .await
        .unwrap();
    assert_eq!(outcome.pinned.len(), 1);
    e.sync(|_| {}).await.unwrap();
}

#[tokio::test]
async fn missing_starttls_is_refused_and_the_server_never_receives_a_login() {
    let Some(srv) = servers() else { return };
    let log = srv.get("PLAIN_LOG");
    let before = std::fs::read_to_string(&log).unwrap_or_default().len();
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let s = srv.settings_with(
        "alice",
        srv.port("IMAP_NO_STARTTLS_PORT"),
        Security::Starttls,
        srv.port("SMTP_PORT"),
        Security::Starttls,
    );
    let err = e.login(&s, &srv.creds(), &[]).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::StarttlsNotOffered, "{err}");

    // Dovecot logs the disconnect; wait for it, then check no authentication happened.
    let mut new = String::new();
    for _ in 0..50 {
        new = std::fs::read_to_string(&log).unwrap_or_default()[before..].to_string();
        if new.contains("Disconnected") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        new.contains("no auth attempts"),
        "Dovecot's log since the attempt:\n{new}"
    );
    assert!(
        !new.contains("Login:") && !new.contains("auth failed"),
        "{new}"
    );
}

#[tokio::test]
async fn a_thousand_messages_sync_with_swedish_subjects_and_later_changes_apply_exactly() {
    let Some(srv) = servers() else { return };
    // Dovecot offers QRESYNC: the changes come with the SELECT (VANISHED, changed flags).
    a_thousand_messages_and_later_changes(&srv, "carol", srv.port("IMAP_PORT")).await;
}

#[tokio::test]
async fn a_server_with_condstore_but_no_qresync_gets_the_same_changes() {
    let Some(srv) = servers() else { return };
    // CHANGEDSINCE for the flags, UID SEARCH for the expunges.
    a_thousand_messages_and_later_changes(&srv, "pia", srv.port("IMAP_CONDSTORE_PORT")).await;
}

async fn a_thousand_messages_and_later_changes(srv: &Servers, carol: &str, port: u16) {
    srv.ctl(&["reset", carol]);
    srv.ctl(&["seed", carol, "1000"]);
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let settings = srv.settings_with(
        carol,
        port,
        Security::Tls,
        srv.port("SMTP_PORT"),
        Security::Starttls,
    );
    e.login(&settings, &srv.creds(), &[]).await.unwrap();

    let progress = std::sync::Mutex::new(Vec::new());
    let r = e
        .sync(|p| progress.lock().unwrap().push(p.done))
        .await
        .unwrap();
    assert_eq!((r.new, r.total, r.full), (1000, 1000, true));
    let steps = progress.into_inner().unwrap();
    assert!(
        steps.iter().filter(|d| **d > 0).count() >= 3,
        "headers arrive in batches: {steps:?}"
    );

    let list = e.list("INBOX", 5000, 0).await.unwrap();
    assert_eq!(list.len(), 1000);
    let expected = srv.expected_subjects(carol);
    assert_eq!(expected.len(), 1000, "the seed manifest ran");
    for m in &list {
        let id = m.message_id.as_deref().expect("message id");
        assert_eq!(Some(&m.subject), expected.get(id), "subject of {id}");
        assert!(
            !m.from_name.contains('\u{fffd}'),
            "sender of {id}: {}",
            m.from_name
        );
    }
    assert!(
        list.windows(2).all(|w| w[0].date >= w[1].date),
        "newest first"
    );

    // 10 new, 5 flag changes, 3 expunges on the server.
    let mut uids: Vec<u32> = list.iter().map(|m| m.uid).collect();
    uids.sort_unstable();
    let flag: Vec<String> = uids[100..105].iter().map(u32::to_string).collect();
    let gone: Vec<u32> = uids[200..203].to_vec();
    let gone_set: Vec<String> = gone.iter().map(u32::to_string).collect();
    srv.ctl(&["seed", carol, "10"]);
    srv.ctl(&["flag", carol, &flag.join(","), "\\Answered"]);
    srv.ctl(&["expunge", carol, &gone_set.join(",")]);

    let r = e.sync(|_| {}).await.unwrap();
    assert_eq!(
        (r.new, r.flags_changed, r.expunged, r.total, r.full),
        (10, 5, 3, 1007, false),
        "{r:?}"
    );
    let list = e.list("INBOX", 5000, 0).await.unwrap();
    for m in &list {
        assert!(
            !gone.contains(&m.uid),
            "expunged UID {} is still listed",
            m.uid
        );
        let answered = m.flags.iter().any(|f| f == "\\Answered");
        assert_eq!(
            answered,
            flag.contains(&m.uid.to_string()),
            "flags of UID {}",
            m.uid
        );
    }
    let expected = srv.expected_subjects(carol);
    let newest = &list[0];
    assert_eq!(
        Some(&newest.subject),
        expected.get(newest.message_id.as_deref().unwrap_or_default())
    );

    let r = e.sync(|_| {}).await.unwrap();
    assert_eq!(
        (r.new, r.flags_changed, r.expunged, r.total),
        (0, 0, 0, 1007),
        "a second sync is a no-op"
    );
    assert_absent_under(dir.path(), &srv.password());
}

#[tokio::test]
async fn a_new_uidvalidity_resyncs_the_folder_without_duplicates() {
    let Some(srv) = servers() else { return };
    srv.ctl(&["reset", "erin"]);
    srv.ctl(&["seed", "erin", "40"]);
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    e.login(&srv.settings("erin"), &srv.creds(), &[])
        .await
        .unwrap();
    let first = e.sync(|_| {}).await.unwrap();
    assert_eq!(first.total, 40);
    // Dovecot's SPECIAL-USE folders get their roles.
    let roles: Vec<(String, Option<inkorg_core::Role>)> = e
        .folders()
        .await
        .unwrap()
        .into_iter()
        .map(|f| (f.name, f.role))
        .collect();
    use inkorg_core::Role;
    for (name, role) in [
        ("INBOX", Role::Inbox),
        ("Sent", Role::Sent),
        ("Drafts", Role::Drafts),
        ("Trash", Role::Trash),
    ] {
        assert!(
            roles.contains(&(name.to_string(), Some(role))),
            "{name}: {roles:?}"
        );
    }
    let before = e
        .folders()
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.name == "INBOX")
        .unwrap()
        .uidvalidity;

    srv.ctl(&["new-uidvalidity", "erin"]);
    let r = e.sync(|_| {}).await.unwrap();
    let after = e
        .folders()
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.name == "INBOX")
        .unwrap()
        .uidvalidity;
    assert_ne!(before, after, "the server really changed UIDVALIDITY");
    assert!(r.full, "{r:?}");
    assert_eq!(r.total, 40, "no duplicates: {r:?}");
    assert_eq!(e.list("INBOX", 100, 0).await.unwrap().len(), 40);
}

#[tokio::test]
async fn a_message_sent_through_postfix_arrives_and_appears_after_sync() {
    let Some(srv) = servers() else { return };
    srv.ctl(&["reset", "dave"]);
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    e.login(&srv.settings("dave"), &srv.creds(), &[])
        .await
        .unwrap();
    e.sync(|_| {}).await.unwrap();
    let subject = format!("Kvitto på beställning {}", std::process::id());
    let queued = e
        .send(
            Draft {
                to: vec!["dave@inkorg.test".into()],
                subject: subject.clone(),
                html: inkorg_core::text_to_html(
                    "Hej!\n\nTack för din beställning. Åtta äpplen och ölkorv.\n",
                ),
                ..Default::default()
            },
            now(),
        )
        .await
        .unwrap();
    assert!(e.flush_outbox().await.unwrap(), "sent in this process");
    assert!(e.outbox().await.unwrap().is_empty(), "the outbox is empty");
    let message_id = queued.message_id;
    assert!(
        message_id.ends_with("@inkorg.test>"),
        "the Message-ID names the sender's domain: {message_id}"
    );
    for _ in 0..100 {
        e.sync(|_| {}).await.unwrap();
        let list = e.list("INBOX", 10, 0).await.unwrap();
        if let Some(m) = list.iter().find(|m| m.subject == subject) {
            assert_eq!(m.from_addr, "dave@inkorg.test");
            assert_eq!(m.from_name, "Test dave");
            // Delivered as multipart/alternative; the reader shows the text as written.
            let shown = e
                .read_message(m.id, inkorg_core::OpenOptions::default())
                .await
                .unwrap();
            assert!(
                shown
                    .body
                    .text
                    .contains("Tack för din beställning. Åtta äpplen och ölkorv."),
                "{}",
                shown.body.text
            );
            // And the copy in Sent, once.
            e.sync(|_| {}).await.unwrap();
            let sent = e.list("Sent", 10, 0).await.unwrap();
            let copies = sent.iter().filter(|m| m.subject == subject).count();
            assert_eq!(copies, 1, "one copy in Sent: {sent:?}");
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the sent message did not arrive within 10 s");
}

#[tokio::test]
async fn logout_removes_the_password_and_the_local_data_but_not_the_mail() {
    let Some(srv) = servers() else { return };
    srv.ctl(&["reset", "gina"]);
    srv.ctl(&["seed", "gina", "5"]);
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    e.login(&srv.settings("gina"), &srv.creds(), &[])
        .await
        .unwrap();
    assert_eq!(e.sync(|_| {}).await.unwrap().total, 5);
    e.logout().await.unwrap();
    assert!(matches!(e.status().await, Err(Error::NotLoggedIn)));
    assert!(!keyring_has(&e, &srv.settings("gina")).await);
    assert!(matches!(e.sync(|_| {}).await, Err(Error::NotLoggedIn)));

    // The mailbox at the provider is untouched: logging in again finds the same mail.
    e.login(&srv.settings("gina"), &srv.creds(), &[])
        .await
        .unwrap();
    assert_eq!(e.sync(|_| {}).await.unwrap().total, 5);
    e.logout().await.unwrap();
}

#[tokio::test]
async fn sending_needs_the_account_first_on_the_contact_card() {
    let Some(srv) = servers() else { return };
    srv.ctl(&["reset", "hugo"]);
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    e.login(&srv.settings("hugo"), &srv.creds(), &[])
        .await
        .unwrap();
    // The first login puts the address on the empty card, so sending works at once.
    let card = e.contact_card().await.unwrap();
    assert_eq!(card.name, "Test hugo");
    assert_eq!(card.addresses, ["hugo@inkorg.test"]);
    e.check_sender().await.unwrap();

    // Another address first: reading works, sending is refused before any connection.
    e.set_contact_card(inkorg_core::ContactCard {
        name: "Hugo".into(),
        addresses: vec!["hugo@work.test".into(), "hugo@inkorg.test".into()],
    })
    .await
    .unwrap();
    let msg = Draft {
        to: vec!["hugo@inkorg.test".into()],
        subject: "ska inte skickas".into(),
        html: "x".into(),
        ..Default::default()
    };
    let err = e.send(msg.clone(), now()).await.unwrap_err();
    assert!(e.outbox().await.unwrap().is_empty(), "nothing was queued");
    assert_eq!(err.kind(), ErrorKind::NotFirstOnContactCard, "{err}");
    assert!(matches!(
        &err,
        Error::NotFirstOnContactCard { first: Some(f), .. } if f == "hugo@work.test"
    ));
    assert_eq!(
        e.check_sender().await.unwrap_err().kind(),
        ErrorKind::NotFirstOnContactCard
    );
    e.sync(|_| {}).await.unwrap();

    // The one-click fix moves it first and keeps the other address.
    let fixed = e.make_first_on_card("hugo@inkorg.test").await.unwrap();
    assert_eq!(fixed.addresses, ["hugo@inkorg.test", "hugo@work.test"]);
    e.send(msg, now()).await.unwrap();
    assert!(e.flush_outbox().await.unwrap());
    assert!(e.outbox().await.unwrap().is_empty(), "sent");

    // Removing the account keeps the person's card and options; a later login leaves a filled
    // card alone.
    let prefs = inkorg_core::Preferences {
        mark_read_in_preview: true,
        language: inkorg_core::Language::Sv,
        ..Default::default()
    };
    e.set_preferences(prefs.clone()).await.unwrap();
    e.logout().await.unwrap();
    assert_eq!(e.contact_card().await.unwrap(), fixed);
    assert_eq!(e.preferences().await.unwrap(), prefs);
    drop(e);
    let e = engine(dir.path()).await;
    assert_eq!(
        e.preferences().await.unwrap(),
        prefs,
        "kept across restarts"
    );
    e.logout().await.unwrap_err();
}

#[tokio::test]
async fn removing_the_account_stops_a_running_sync() {
    let Some(srv) = servers() else { return };
    srv.ctl(&["reset", "iris"]);
    srv.ctl(&["seed", "iris", "3000"]);
    let dir = tempfile::tempdir().unwrap();
    let e = std::sync::Arc::new(engine(dir.path()).await);
    e.login(&srv.settings("iris"), &srv.creds(), &[])
        .await
        .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let syncing = {
        let e = e.clone();
        tokio::spawn(async move {
            e.sync(move |p| {
                let _ = tx.send(p.done);
            })
            .await
        })
    };
    // Wait until headers are arriving, then remove the account in the middle of it.
    while let Some(done) = rx.recv().await {
        if done > 0 {
            break;
        }
    }
    let t = std::time::Instant::now();
    e.logout().await.unwrap();
    let result = syncing.await.unwrap();
    // Said as what happened (stopped), not as "log in first".
    assert!(matches!(result, Err(Error::Cancelled)), "{result:?}");
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    assert!(matches!(e.status().await, Err(Error::NotLoggedIn)));
    assert!(!keyring_has(&e, &srv.settings("iris")).await);
    // No message row survived (a batch stored after the removal has no folder to go to).
    let db = rusqlite_count(dir.path());
    assert_eq!(db, (0, 0, 0), "accounts, folders, messages left");
}

fn rusqlite_count(dir: &Path) -> (i64, i64, i64) {
    let db = rusqlite::Connection::open(inkorg_core::inspect::db_path(dir)).unwrap();
    db.query_row(
        "SELECT (SELECT count(*) FROM accounts), (SELECT count(*) FROM folders),
                (SELECT count(*) FROM messages)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .unwrap()
}

/// Editing the account with an empty password keeps the saved one only while the server is the
/// same; an edited host must never receive the old host's password.
#[tokio::test]
async fn an_edited_server_never_gets_the_saved_password() {
    let Some(srv) = servers() else { return };
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let saved = srv.settings("jon");
    e.login(&saved, &srv.creds(), &[]).await.unwrap();
    let empty = Credentials::default();

    // The same servers, nothing typed: the saved password signs in again.
    e.login_keeping_saved(&saved, &empty, &[]).await.unwrap();

    // Another host (or port, security, user name) with nothing typed: refused before any
    // connection, and the saved settings stay as they were.
    let mut moved = saved.clone();
    moved.imap.host = "imap.elsewhere.test".into();
    let mut other_port = saved.clone();
    other_port.smtp.port = 2525;
    let mut other_user = saved.clone();
    other_user.imap.username = "jon".into();
    for (edited, field) in [
        (&moved, "saved_password"),
        (&other_user, "saved_password"),
        (&other_port, "saved_smtp_password"),
    ] {
        match e.login_keeping_saved(edited, &empty, &[]).await {
            Err(Error::InvalidInput { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    assert_eq!(e.status().await.unwrap().imap.host, saved.imap.host);

    // Keyring entries are named by server: the edited host has none of its own.
    let m = moved.validated().unwrap();
    let r = SecretRef::new(e.profile(), &m.email, Role::Imap, &m.imap);
    assert!(secrets::load(&r).await.unwrap().is_none());
    assert!(keyring_has(&e, &saved).await);
    e.logout().await.unwrap();
    assert!(!keyring_has(&e, &saved).await);
}

/// Login writes the keyring and SQLite together: when the database write fails, the keyring
/// holds nothing new (no orphan entry), and the error says it was storage.
#[tokio::test]
async fn a_failed_database_write_at_login_leaves_no_keyring_entry() {
    let Some(srv) = servers() else { return };
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    // A real failure inside SQLite: a trigger that aborts every insert into accounts.
    let db = rusqlite::Connection::open(dir.path().join("inkorg.sqlite3")).unwrap();
    db.execute_batch(
        "CREATE TRIGGER fail_accounts BEFORE INSERT ON accounts
         BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END;",
    )
    .unwrap();
    let settings = srv.settings("kim");
    let err = e.login(&settings, &srv.creds(), &[]).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Storage, "{err}");
    assert!(
        !keyring_has(&e, &settings).await,
        "an orphan keyring entry was left"
    );
    assert!(matches!(e.status().await, Err(Error::NotLoggedIn)));
    // Nothing half-written either: the contact card is still empty.
    assert!(e.contact_card().await.unwrap().addresses.is_empty());

    db.execute_batch("DROP TRIGGER fail_accounts").unwrap();
    e.login(&settings, &srv.creds(), &[]).await.unwrap();
    assert!(keyring_has(&e, &settings).await);
}

/// "Security: none" is used only with the person's explicit, stored confirmation.
#[tokio::test]
async fn a_plaintext_server_is_refused_without_the_persons_yes() {
    let Some(srv) = servers() else { return };
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let mut s = srv.settings("lea");
    s.imap.security = Security::None;
    s.imap.port = srv.port("IMAP_STARTTLS_PORT");
    let err = e.login(&s, &srv.creds(), &[]).await.unwrap_err();
    match &err {
        Error::InvalidInput { field, .. } => assert_eq!(field, "plaintext"),
        other => panic!("{other:?}"),
    }
    assert!(!keyring_has(&e, &s).await);
    assert!(matches!(e.status().await, Err(Error::NotLoggedIn)));
}

/// A password saved by an earlier version (its keyring entry named without the server) still
/// works after the upgrade and moves to the server-scoped name on first use.
#[tokio::test]
async fn a_password_saved_before_server_scoped_names_keeps_working() {
    let Some(srv) = servers() else { return };
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let settings = srv.settings("mia");
    e.login(&settings, &srv.creds(), &[]).await.unwrap();
    // Put the password back under the old name only.
    let s = settings.validated().unwrap();
    let current = SecretRef::new(e.profile(), &s.email, Role::Imap, &s.imap);
    secrets::delete(&current).await.unwrap();
    let legacy = format!("{} (incoming, profile {})", s.email, e.profile());
    keyring::Entry::new("Inkorg", &legacy)
        .unwrap()
        .set_password(&srv.password())
        .unwrap();
    e.sync(|_| {}).await.unwrap();
    assert!(keyring_has(&e, &settings).await, "moved to the new name");
    assert!(matches!(
        keyring::Entry::new("Inkorg", &legacy)
            .unwrap()
            .get_password(),
        Err(keyring::Error::NoEntry)
    ));
    e.logout().await.unwrap();
}

#[tokio::test]
async fn an_oauth2_token_signs_in_to_imap_and_smtp_and_only_the_keyring_keeps_it() {
    let Some(srv) = servers() else { return };
    srv.ctl(&["reset", "rut"]);
    srv.ctl(&["seed", "rut", "5"]);
    let out = std::process::Command::new("bash")
        .arg(common::script())
        .args(["oauth2-token", "rut"])
        .output()
        .unwrap();
    let access = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(access.starts_with("ya29."), "{access}");
    let token = |access: &str| inkorg_core::OAuth2Token {
        access_token: access.to_string(),
        refresh_token: Some("1//refresh-rut".into()),
        expires_at: None,
        issuer: "test".into(),
    };
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let settings = srv.settings("rut");

    // A token the issuer does not know is refused like a wrong password, and nothing is saved.
    let refused = e
        .login_oauth2(&settings, token("ya29.unknown"))
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::WrongCredentials, "{refused}");
    assert!(!keyring_has(&e, &settings).await);

    // The good one: XOAUTH2 to Dovecot and (through its auth service) to Postfix.
    e.login_oauth2(&settings, token(&access)).await.unwrap();
    let s = settings.validated().unwrap();
    let r = SecretRef::new(e.profile(), &s.email, Role::Imap, &s.imap);
    match secrets::load(&r).await.unwrap() {
        Some(inkorg_core::Secret::OAuth2(t)) => assert_eq!(t.access_token, access),
        other => panic!("the keyring should hold the token, not {other:?}"),
    }
    let r = e.sync(|_| {}).await.unwrap();
    assert_eq!(r.total, 5, "synced over a session opened with the token");
    let draft = Draft {
        to: vec!["rut@inkorg.test".into()],
        subject: "Skickat med token".into(),
        html: "Hej!".into(),
        ..Default::default()
    };
    e.send(draft, now()).await.unwrap();
    assert!(e.flush_outbox().await.unwrap());
    assert!(e.outbox().await.unwrap().is_empty(), "sent with the token");
    assert_absent_under(dir.path(), &access);
    assert_absent_under(dir.path(), "1//refresh-rut");
}
