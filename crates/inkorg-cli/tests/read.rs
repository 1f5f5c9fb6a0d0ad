//! Reading mail as a person does, through `inkorg-cli show` against the real Dovecot: every
//! message of the .eml corpus (tests/corpus), put into the mailbox as it is, reads as its
//! snapshot; opening does not mark it read; a second reading needs no server; an attachment
//! saves as exactly the decoded bytes. Runs when INKORG_TEST_SERVERS=1.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

mod support;
use support::*;

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus");
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    v.sort();
    v
}

fn json(dir: &Path, args: &[&str]) -> Value {
    let o = cli(dir, args, "");
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn unseen_on_server(user: &str) -> usize {
    let out = Command::new("bash")
        .arg(script())
        .args(["dump", user])
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.contains("\\Seen"))
        .count()
}

#[test]
fn every_corpus_message_on_the_server_reads_as_its_snapshot_and_stays_unread() {
    let Some(env) = servers() else { return };
    let files = corpus();
    assert!(files.len() >= 30, "corpus: {} files", files.len());
    ctl(&["reset", "sam"]);
    let mut args = vec!["save", "sam"];
    let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    args.extend(names.iter().map(String::as_str));
    ctl(&args);
    let dir = tempfile::tempdir().unwrap();
    let pw = format!("{}\n", env["MAIL_PASSWORD"]);
    let o = cli(
        dir.path(),
        &login_args(&env, "sam@inkorg.test", &env["IMAP_PORT"], "tls"),
        &pw,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = cli(dir.path(), &["sync"], "");
    assert!(o.status.success(), "{}", stderr(&o));
    let listed = json(dir.path(), &["list", "--limit", "1000", "--json"]);
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), files.len(), "every message was synced");

    // Each file's snapshot, by subject (the corpus gives each message its own).
    let snapshots: Vec<Value> = files
        .iter()
        .map(|p| {
            serde_json::from_str(
                &std::fs::read_to_string(p.with_extension("expected.json")).unwrap(),
            )
            .unwrap()
        })
        .collect();
    let started = std::time::Instant::now();
    for m in listed {
        let id = m["id"].as_i64().unwrap().to_string();
        let shown = json(dir.path(), &["show", &id, "--json"]);
        let subject = &shown["headers"]["subject"];
        assert_eq!(
            &m["subject"], subject,
            "the list and the reader agree on the subject"
        );
        let want = snapshots
            .iter()
            .find(|s| &s["headers"]["subject"] == subject && s["text"] == shown["text"])
            .unwrap_or_else(|| panic!("no snapshot reads like message {id}: {shown:#}"));
        assert_eq!(shown["attachments"], want["attachments"], "{subject}");
        assert_eq!(
            shown["remote_content"].as_bool().unwrap(),
            want["remote_content"].as_u64().unwrap() > 0
        );
    }
    eprintln!(
        "{} messages fetched and shown in {:?}",
        listed.len(),
        started.elapsed()
    );
    assert_eq!(
        unseen_on_server("sam"),
        files.len(),
        "opening a message does not mark it read"
    );

    // The mailbox emptied on the server: what was read is still there to read (no sync ran).
    ctl(&["reset", "sam"]);
    let with_attachments = listed
        .iter()
        .find(|m| m["subject"] == "Bilagor")
        .expect("the corpus has a message with attachments");
    let id = with_attachments["id"].as_i64().unwrap().to_string();
    let again = json(dir.path(), &["show", &id, "--json"]);
    assert_eq!(again["attachments"][0]["name"], "Faktura növember.pdf");
    let out = dir.path().join("saved.pdf");
    let o = cli(
        dir.path(),
        &["save-attachment", &id, "0", "--out", out.to_str().unwrap()],
        "",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(&out).unwrap(),
        b"%PDF-1.4\n% inkorg test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
        "the saved bytes are the decoded part"
    );
    let missing = cli(
        dir.path(),
        &["save-attachment", &id, "9", "--out", "/tmp/x"],
        "",
    );
    assert!(!missing.status.success(), "no attachment 9");
}
