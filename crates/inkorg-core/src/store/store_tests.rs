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
    assert_eq!(changed.len(), 1, "an unchanged flag set is not counted");
    assert_eq!(db.delete_uids(f, &[4, 5, 99]).unwrap().len(), 2);
    assert_eq!(db.local_uids(f).unwrap(), vec![1, 2, 3]);
    assert_eq!(db.uid_stats(f).unwrap(), (3, Some(3)));
    db.reset_folder(f, 777).unwrap();
    assert_eq!(db.uid_stats(f).unwrap(), (0, None));
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

/// An account with INBOX (UIDVALIDITY 7) holding UIDs 1..=n, each with a Message-ID, and an
/// empty Archive.
fn mailbox(n: u32) -> (Db, i64, i64, i64) {
    let mut db = Db::open_in_memory().unwrap();
    let acc = db.save_account(&settings(), false).unwrap();
    let inbox = db.folder_id(acc, "INBOX").unwrap();
    let archive = db.folder_id(acc, "Archive").unwrap();
    for f in [inbox, archive] {
        db.set_folder_state(
            f,
            FolderState {
                uidvalidity: Some(7),
                ..Default::default()
            },
        )
        .unwrap();
    }
    let batch: Vec<NewMessage> = (1..=n)
        .map(|u| {
            let mut m = msg(u, u as i64, &format!("m{u}"), &[]);
            m.header.message_id = Some(format!("<{u}@example.se>"));
            m
        })
        .collect();
    db.insert_messages(inbox, &batch).unwrap();
    (db, acc, inbox, archive)
}

fn id_of(db: &Db, folder: i64, uid: u32) -> i64 {
    db.list_messages(folder, 100, 0)
        .unwrap()
        .into_iter()
        .find(|m| m.uid == uid)
        .unwrap()
        .id
}

#[test]
fn a_message_read_offline_stays_read_when_an_older_flag_scan_arrives() {
    let (mut db, acc, inbox, _) = mailbox(3);
    let id = id_of(&db, inbox, 2);
    let changed = db.queue_flags(acc, &[id], &["\\Seen"], &[]).unwrap();
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].1, "INBOX");
    assert!(db.message(id).unwrap().unwrap().seen, "read at once");
    // The server has not seen the action yet: its scan still says unread.
    db.update_flags(inbox, &[(2, vec![], Some(50))]).unwrap();
    db.insert_messages(inbox, &[msg(2, 2, "m2", &[])]).unwrap();
    assert!(db.message(id).unwrap().unwrap().seen, "not put back");
    let queue = db.pending_actions(acc).unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(
        (queue[0].folder.as_str(), queue[0].uid, queue[0].uidvalidity),
        ("INBOX", 2, 7)
    );
    assert_eq!(queue[0].add_flags, ["\\Seen"]);
    // Replayed: from now on the server is the truth again.
    db.action_done(queue[0].id).unwrap();
    db.update_flags(inbox, &[(2, vec![], Some(51))]).unwrap();
    assert!(!db.message(id).unwrap().unwrap().seen);
    // Marking read what is already read queues nothing.
    assert_eq!(
        db.queue_flags(acc, &[id], &["\\Seen"], &[]).unwrap().len(),
        1
    );
    assert!(db
        .queue_flags(acc, &[id], &["\\Seen"], &[])
        .unwrap()
        .is_empty());
}

#[test]
fn a_moved_message_keeps_its_id_and_is_not_fetched_back_where_it_was() {
    let (mut db, acc, inbox, archive) = mailbox(3);
    let id = id_of(&db, inbox, 3);
    let moved = db.queue_move(acc, &[id], archive).unwrap();
    assert_eq!(moved.len(), 1);
    assert_eq!(db.count(inbox).unwrap(), 2);
    assert_eq!(db.count(archive).unwrap(), 1);
    let m = db.message(id).unwrap().unwrap();
    assert_eq!((m.folder.as_str(), m.uid), ("Archive", 0));
    // INBOX still has UID 3 on the server until replay: the store counts it as there, and
    // a sync that sees it does not bring it back.
    assert_eq!(db.local_uids(inbox).unwrap(), vec![1, 2, 3]);
    assert_eq!(
        db.uid_stats(inbox).unwrap(),
        (3, Some(3)),
        "counted the same way"
    );
    let again = db.insert_messages(inbox, &[msg(3, 3, "m3", &[])]).unwrap();
    assert!(again.is_empty());
    assert_eq!(db.count(inbox).unwrap(), 2);
    // Replayed; the Archive's sync finds it under its new UID: same row, not new to anyone.
    let action = db.pending_actions(acc).unwrap()[0].id;
    db.action_done(action).unwrap();
    let mut there = msg(40, 3, "m3", &["\\Seen"]);
    there.header.message_id = Some("<3@example.se>".into());
    let inserted = db.insert_messages(archive, &[there]).unwrap();
    assert!(inserted.is_empty(), "not announced as new mail");
    let m = db.message(id).unwrap().unwrap();
    assert_eq!((m.folder.as_str(), m.uid, m.seen), ("Archive", 40, true));
    assert_eq!(db.count(archive).unwrap(), 1, "no duplicate");
}

#[test]
fn moving_a_message_back_before_replay_cancels_the_move() {
    let (mut db, acc, inbox, archive) = mailbox(2);
    let id = id_of(&db, inbox, 1);
    db.queue_move(acc, &[id], archive).unwrap();
    db.queue_move(acc, &[id], inbox).unwrap();
    assert!(db.pending_actions(acc).unwrap().is_empty());
    let m = db.message(id).unwrap().unwrap();
    assert_eq!((m.folder.as_str(), m.uid), ("INBOX", 1));
}

#[test]
fn deleting_for_good_removes_the_row_and_queues_exactly_that_uid() {
    let (mut db, acc, inbox, archive) = mailbox(3);
    let id = id_of(&db, inbox, 2);
    db.queue_expunge(acc, &[id]).unwrap();
    assert!(db.message(id).unwrap().is_none());
    let q = db.pending_actions(acc).unwrap();
    assert_eq!((q[0].kind, q[0].uid), (ActionKind::Expunge, 2));
    // Moved, then deleted before replay: removed where the server still has it.
    let id3 = id_of(&db, inbox, 3);
    db.queue_move(acc, &[id3], archive).unwrap();
    db.queue_expunge(acc, &[id3]).unwrap();
    let q = db.pending_actions(acc).unwrap();
    assert_eq!(q.len(), 2);
    assert_eq!(
        (q[1].kind, q[1].folder.as_str(), q[1].uid),
        (ActionKind::Expunge, "INBOX", 3)
    );
    assert_eq!(db.count(archive).unwrap(), 0);
    // A refused action leaves the queue; what the server has comes back with the next sync.
    db.action_failed(q[1].id, "NO", true).unwrap();
    assert_eq!(db.pending_count(acc).unwrap(), 1);
    let back = db.insert_messages(inbox, &[msg(3, 3, "m3", &[])]).unwrap();
    assert_eq!(back.len(), 1);
}

#[test]
fn a_flag_change_the_server_refused_makes_the_next_sync_scan_every_flag() {
    let (mut db, acc, inbox, _) = mailbox(2);
    db.set_folder_state(
        inbox,
        FolderState {
            uidvalidity: Some(7),
            uidnext: Some(3),
            highestmodseq: Some(99),
        },
    )
    .unwrap();
    let id = id_of(&db, inbox, 1);
    db.queue_flags(acc, &[id], &["\\Flagged"], &[]).unwrap();
    let action = db.pending_actions(acc).unwrap()[0].id;
    db.action_failed(action, "NO", true).unwrap();
    assert_eq!(db.folder_state(inbox).unwrap().highestmodseq, None);
    assert_eq!(db.pending_count(acc).unwrap(), 0);
}

#[test]
fn a_command_beside_a_running_sync_waits_for_the_lock_instead_of_failing() {
    // Two processes on one database: the account loop syncing and a CLI command marking
    // mail read. Each write reads first; a deferred transaction would fail with "database
    // is locked" whenever the other side committed in between.
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(dir.path());
    let mut db = Db::open(&path).unwrap();
    let acc = db.save_account(&settings(), false).unwrap();
    let inbox = db.folder_id(acc, "INBOX").unwrap();
    db.set_folder_state(
        inbox,
        FolderState {
            uidvalidity: Some(7),
            ..Default::default()
        },
    )
    .unwrap();
    db.insert_messages(inbox, &[msg(1, 1, "m1", &[])]).unwrap();
    let id = id_of(&db, inbox, 1);
    let sync_path = path.clone();
    let sync = std::thread::spawn(move || {
        let mut db = Db::open(&sync_path).unwrap();
        for u in 2..400u32 {
            db.insert_messages(inbox, &[msg(u, u as i64, "m", &[])])
                .unwrap();
        }
    });
    for i in 0..400 {
        let (add, remove): (&[&str], &[&str]) = if i % 2 == 0 {
            (&["\\Seen"], &[])
        } else {
            (&[], &["\\Seen"])
        };
        db.queue_flags(acc, &[id], add, remove)
            .unwrap_or_else(|e| panic!("write {i} beside the sync: {e}"));
    }
    sync.join().unwrap();
}

fn outgoing(subject: &str, send_at: i64) -> NewOutgoing {
    NewOutgoing {
        message_id: format!("<{subject}@example.se>"),
        send_at,
        subject: subject.into(),
        to_display: "bo@example.se".into(),
        envelope_from: "anna@example.se".into(),
        recipients: vec!["bo@example.se".into(), "hemlig@example.se".into()],
        raw: b"Bcc: hemlig@example.se\r\nSubject: x\r\n\r\nHej\r\n".to_vec(),
        save_copy: true,
        replied: None,
        draft_id: None,
    }
}

#[test]
fn a_message_left_half_sent_comes_before_new_ones_and_cannot_be_undone_any_more() {
    let (mut db, acc, _, _) = mailbox(0);
    let later = db
        .queue_outgoing(acc, &outgoing("later", 2_000_000_000))
        .unwrap();
    let due = db.queue_outgoing(acc, &outgoing("due", 10)).unwrap();
    let next = db.next_outgoing(acc, 100).unwrap().unwrap();
    assert_eq!(next.entry.id, due, "the scheduled one waits for its time");
    assert_eq!(next.recipients, ["bo@example.se", "hemlig@example.se"]);
    db.set_outbox_state(due, OutboxState::Sending).unwrap();
    db.outgoing_handing_over(due).unwrap();
    assert!(db.outgoing_handed_over(due).unwrap().is_some());
    let err = db.unqueue_outgoing(acc, due).unwrap_err();
    assert_eq!(err.kind(), crate::ErrorKind::InvalidInput, "{err}");
    // A new due message does not overtake the one left in the middle.
    let third = db.queue_outgoing(acc, &outgoing("third", 5)).unwrap();
    assert_eq!(db.next_outgoing(acc, 100).unwrap().unwrap().entry.id, due);
    // A temporary failure: queued again, not handed over, waits for its next try.
    let e = OutboxError {
        kind: "cannot_connect".into(),
        text: "refused".into(),
        server_text: None,
    };
    db.outgoing_retry(due, 500, &e).unwrap();
    assert!(db.outgoing_handed_over(due).unwrap().is_none());
    assert_eq!(db.next_outgoing(acc, 100).unwrap().unwrap().entry.id, third);
    let entry = db.outbox_entry(due).unwrap().unwrap();
    assert_eq!((entry.attempts, entry.next_try_at), (1, Some(500)));
    assert_eq!(entry.last_error.as_deref(), Some("refused"));
    // Undo before it went: gone. The scheduled one is still there.
    db.unqueue_outgoing(acc, third).unwrap();
    db.outgoing_sent(due).unwrap();
    db.outgoing_done(due).unwrap();
    let left: Vec<i64> = db.outbox(acc).unwrap().iter().map(|e| e.id).collect();
    assert_eq!(left, [later]);
    assert_eq!(db.outbox_waiting(acc).unwrap(), 1);
}

#[test]
fn a_draft_keeps_its_attachments_and_is_gone_once_sent() {
    let (mut db, acc, _, _) = mailbox(0);
    let fields = DraftFields {
        subject: "Utkast".into(),
        ..Default::default()
    };
    let d = db.create_draft(acc, "<d1@example.se>", &fields).unwrap();
    db.add_draft_attachment(d, "Bilaga å.pdf", "application/pdf", b"%PDF")
        .unwrap();
    let changed = DraftFields {
        html: "<p>Hej</p>".into(),
        ..fields.clone()
    };
    assert!(db.update_draft(d, &changed).unwrap());
    let stored = db.draft(d).unwrap().unwrap();
    assert_eq!(stored.fields.html, "<p>Hej</p>");
    assert_eq!(stored.attachments[0].1, "Bilaga å.pdf");
    assert!(stored.revision > stored.uploaded, "Drafts is behind");
    assert_eq!(db.drafts_to_upload(acc).unwrap(), [d]);
    db.draft_uploaded(d, stored.revision).unwrap();
    assert!(db.drafts_to_upload(acc).unwrap().is_empty());
    // Queued for sending: not among the drafts being written; sent: gone, and its copy in
    // Drafts is next to go.
    let mut m = outgoing("from draft", 0);
    m.draft_id = Some(d);
    let o = db.queue_outgoing(acc, &m).unwrap();
    assert!(db.open_drafts(acc).unwrap().is_empty());
    db.outgoing_sent(o).unwrap();
    assert!(db.draft(d).unwrap().unwrap().gone);
    assert!(
        !db.update_draft(d, &fields).unwrap(),
        "a sent draft takes no more edits"
    );
    assert_eq!(db.drafts_to_upload(acc).unwrap(), [d]);
    db.forget_draft(d).unwrap();
    assert!(db.draft(d).unwrap().is_none());
}
