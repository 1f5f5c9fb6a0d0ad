use super::*;

fn settings() -> AccountSettings {
    let server = |host: &str, port| ServerSettings {
        host: host.into(),
        port,
        security: Security::Tls,
        username: "anna@example.se".into(),
    };
    AccountSettings {
        email: "anna@example.se".into(),
        display_name: "Anna".into(),
        imap: server("imap.example.se", 993),
        smtp: server("smtp.example.se", 465),
        ca_file: None,
        allow_plaintext: false,
    }
}

fn msg(uid: u32, date: i64, subject: &str, flags: &[&str]) -> NewMessage {
    NewMessage {
        uid,
        flags: flags.iter().map(|s| s.to_string()).collect(),
        modseq: Some(uid as u64),
        internal_date: Some(date),
        size: Some(1000),
        header: HeaderSummary {
            subject: subject.into(),
            date: Some(date),
            ..Default::default()
        },
    }
}

#[test]
fn a_new_database_gets_every_migration_and_reopening_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(dir.path());
    let db = Db::open(&path).unwrap();
    assert_eq!(db.schema_version().unwrap(), SCHEMA_VERSION);
    let profile = db.profile_id().unwrap();
    drop(db);
    let db = Db::open(&path).unwrap();
    assert_eq!(db.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(
        db.profile_id().unwrap(),
        profile,
        "the profile id is stable"
    );
    let mode: String = db
        .conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

/// A database as version `version` of the schema left it.
fn schema_at(version: i64) -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    for (i, sql) in MIGRATIONS.iter().enumerate().take(version as usize) {
        conn.execute_batch(sql).unwrap();
        conn.pragma_update(None, "user_version", i as i64 + 1)
            .unwrap();
    }
    conn
}

#[test]
fn every_earlier_schema_upgrades_to_the_current_one() {
    for start in 0..SCHEMA_VERSION {
        let db = Db::init(schema_at(start)).unwrap();
        assert_eq!(db.schema_version().unwrap(), SCHEMA_VERSION, "from {start}");
    }
}

/// A person's account saved by every earlier version (a plaintext IMAP server, a CA file,
/// its own SMTP password) reads back the same after the upgrade, and a plaintext server from
/// before the consent existed must be confirmed again.
#[test]
fn an_account_saved_by_every_earlier_version_survives_the_upgrade() {
    for start in 1..SCHEMA_VERSION {
        let conn = schema_at(start);
        conn.execute(
            "INSERT INTO accounts (email, display_name, imap_host, imap_port, imap_security,
                                   imap_user, smtp_host, smtp_port, smtp_security, smtp_user,
                                   smtp_own_password, ca_file, created_at)
             VALUES ('anna@example.se', 'Anna', 'imap.example.se', 143, 'none', 'anna',
                     'smtp.example.se', 587, 'starttls', 'anna@example.se', 1, '/etc/ca.pem', 1)",
            [],
        )
        .unwrap();
        let db = Db::init(conn).unwrap();
        let a = db.account().unwrap().expect("the account is still there");
        let s = &a.settings;
        assert_eq!(
            (s.email.as_str(), s.display_name.as_str()),
            ("anna@example.se", "Anna"),
            "from {start}"
        );
        assert_eq!(
            (s.imap.host.as_str(), s.imap.port, s.imap.security),
            ("imap.example.se", 143, Security::None)
        );
        assert_eq!(s.imap.username, "anna");
        assert_eq!((s.smtp.port, s.smtp.security), (587, Security::Starttls));
        assert_eq!(
            s.ca_file.as_deref(),
            Some(std::path::Path::new("/etc/ca.pem"))
        );
        assert!(a.smtp_own_password);
        assert!(
            !s.allow_plaintext,
            "from {start}: plaintext must be confirmed again"
        );
        assert_eq!(
            s.check_plaintext().unwrap_err().kind(),
            crate::ErrorKind::InvalidInput
        );
    }
}

#[test]
fn a_database_from_a_newer_version_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(dir.path());
    {
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 5)
            .unwrap();
    }
    let err = Db::open(&path).err().expect("must refuse");
    assert!(err.to_string().contains("newer Inkorg"), "{err}");
}

#[test]
fn the_same_uid_twice_is_stored_once_and_lists_come_newest_first() {
    let mut db = Db::open_in_memory().unwrap();
    let acc = db.save_account(&settings(), false).unwrap();
    let f = db.folder_id(acc, "INBOX").unwrap();
    db.insert_messages(
        f,
        &[msg(1, 100, "old", &[]), msg(2, 300, "new", &["\\Seen"])],
    )
    .unwrap();
    db.insert_messages(
        f,
        &[
            msg(2, 300, "new", &["\\Seen", "\\Flagged"]),
            msg(3, 200, "mid", &[]),
        ],
    )
    .unwrap();
    assert_eq!(db.count(f).unwrap(), 3);
    let list = db.list_messages(f, 10, 0).unwrap();
    let subjects: Vec<_> = list.iter().map(|m| m.subject.as_str()).collect();
    assert_eq!(subjects, ["new", "mid", "old"]);
    assert!(list[0].seen && list[0].flagged);
    let page2 = db.list_messages(f, 2, 2).unwrap();
    assert_eq!(page2.len(), 1);
    assert_eq!(page2[0].subject, "old");
}

#[test]
fn flag_changes_expunges_and_a_new_uidvalidity_apply() {
    let mut db = Db::open_in_memory().unwrap();
    let acc = db.save_account(&settings(), false).unwrap();
    let f = db.folder_id(acc, "INBOX").unwrap();
    db.insert_messages(
        f,
        &(1..=5)
            .map(|u| msg(u, u as i64, "s", &[]))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let changed = db
        .update_flags(
            f,
            &[(1, vec!["\\Seen".into()], Some(9)), (2, vec![], Some(9))],
        )
        .unwrap();
    assert_eq!(changed, 1, "an unchanged flag set is not counted");
    assert_eq!(db.delete_uids(f, &[4, 5, 99]).unwrap(), 2);
    assert_eq!(db.local_uids(f).unwrap(), vec![1, 2, 3]);
    db.reset_folder(f, 777).unwrap();
    assert_eq!(db.count(f).unwrap(), 0);
    assert_eq!(db.folder_state(f).unwrap().uidvalidity, Some(777));
}

#[test]
fn removing_the_account_removes_its_folders_and_messages() {
    let mut db = Db::open_in_memory().unwrap();
    let acc = db.save_account(&settings(), false).unwrap();
    let f = db.folder_id(acc, "INBOX").unwrap();
    db.insert_messages(f, &[msg(1, 1, "x", &[])]).unwrap();
    db.delete_account(acc).unwrap();
    assert!(db.account().unwrap().is_none());
    let n: i64 = db
        .conn
        .query_row("SELECT count(*) FROM messages", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0);
}

#[test]
fn settings_round_trip_and_pins_are_per_host_and_port() {
    let mut db = Db::open_in_memory().unwrap();
    db.save_account(&settings(), true).unwrap();
    let stored = db.account().unwrap().unwrap();
    assert_eq!(stored.settings, settings());
    assert!(stored.smtp_own_password);
    // The person's yes to a server without encryption is kept with the account.
    let plain = AccountSettings {
        allow_plaintext: true,
        ..settings()
    };
    db.save_account(&plain, true).unwrap();
    assert!(db.account().unwrap().unwrap().settings.allow_plaintext);
    db.pin("imap.example.se", 993, "AA:BB").unwrap();
    assert_eq!(
        db.pinned("imap.example.se", 993).unwrap().as_deref(),
        Some("AA:BB")
    );
    assert_eq!(db.pinned("imap.example.se", 143).unwrap(), None);
    db.unpin("imap.example.se", 993).unwrap();
    assert_eq!(db.pinned("imap.example.se", 993).unwrap(), None);
}
