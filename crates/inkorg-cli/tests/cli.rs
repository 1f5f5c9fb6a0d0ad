//! `inkorg-cli` as a person or script runs it, against the real local mail servers
//! (tests/mailserver/) and a real Secret Service: exit codes, one-line messages, the listing,
//! and no password on disk. Runs when INKORG_TEST_SERVERS=1 (scripts/test.sh sets it).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::path::Path;
use std::process::{Command, Stdio};

mod support;
use support::*;

#[test]
fn login_sync_list_status_logout_as_a_person_would() {
    let Some(env) = servers() else { return };
    ctl(&["reset", "bob"]);
    ctl(&["seed", "bob", "30"]);
    let dir = tempfile::tempdir().unwrap();
    let pw = format!("{}\n", env["MAIL_PASSWORD"]);

    let o = cli(
        dir.path(),
        &login_args(&env, "bob@inkorg.test", &env["IMAP_PORT"], "tls"),
        &pw,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("logged in as bob@inkorg.test"));

    let o = cli(dir.path(), &["sync"], "");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("30 new"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );

    let o = cli(dir.path(), &["list", "--limit", "100", "--json"], "");
    assert!(o.status.success(), "{}", stderr(&o));
    let list: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(list.len(), 30);
    assert_eq!(
        list[0]["subject"], "Frågor om årsredovisningen #29",
        "newest first"
    );
    assert_eq!(list[29]["subject"], "Möte om kräftskivan på fredag #0");

    let o = cli(dir.path(), &["list", "--limit", "3"], "");
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(text.lines().count(), 3);
    assert!(text.contains("Jöns Kälvemark"), "{text}");

    let o = cli(dir.path(), &["status"], "");
    assert!(String::from_utf8_lossy(&o.stdout).contains("INBOX"));

    // The folders with their roles: INBOX, and Dovecot's special-use folders.
    let o = cli(dir.path(), &["folders", "--json"], "");
    assert!(o.status.success(), "{}", stderr(&o));
    let folders: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    let inbox = folders.iter().find(|f| f["name"] == "INBOX").unwrap();
    assert_eq!(inbox["role"], "inbox");
    assert_eq!(inbox["total"], 30);

    let o = cli(dir.path(), &["list", "--folder", "Nope"], "");
    assert_eq!(o.status.code(), Some(13), "unknown folder: {}", stderr(&o));

    assert_password_absent(dir.path(), &env["MAIL_PASSWORD"]);

    let o = cli(dir.path(), &["logout"], "");
    assert!(o.status.success(), "{}", stderr(&o));
    let o = cli(dir.path(), &["list"], "");
    assert_eq!(o.status.code(), Some(12), "after logout: {}", stderr(&o));
    assert_password_absent(dir.path(), &env["MAIL_PASSWORD"]);
}

#[test]
fn each_failure_has_its_own_exit_code_and_one_line() {
    let Some(env) = servers() else { return };
    let dir = tempfile::tempdir().unwrap();
    let pw = format!("{}\n", env["MAIL_PASSWORD"]);
    let cases = [
        (
            login_args(&env, "alice@inkorg.test", &env["IMAP_PORT"], "tls"),
            "wrong\n",
            4,
            "wrong user name or password",
        ),
        (
            login_args(
                &env,
                "alice@inkorg.test",
                &env["IMAP_UNTRUSTED_PORT"],
                "tls",
            ),
            pw.as_str(),
            6,
            "--accept-fingerprint",
        ),
        (
            login_args(
                &env,
                "alice@inkorg.test",
                &env["IMAP_NO_STARTTLS_PORT"],
                "starttls",
            ),
            pw.as_str(),
            7,
            "does not offer STARTTLS",
        ),
        (
            login_args(&env, "alice@inkorg.test", "1", "tls"),
            pw.as_str(),
            8,
            "cannot connect",
        ),
        (
            login_args(&env, "not an address", &env["IMAP_PORT"], "tls"),
            pw.as_str(),
            3,
            "email",
        ),
        (
            login_args(&env, "alice@inkorg.test", "99999", "tls"),
            pw.as_str(),
            3,
            "between 1 and 65535",
        ),
        (
            // Plaintext IMAP without --allow-plaintext: refused before connecting.
            login_args(
                &env,
                "alice@inkorg.test",
                &env["IMAP_NO_STARTTLS_PORT"],
                "none",
            ),
            pw.as_str(),
            3,
            "no encryption",
        ),
        (
            login_args(&env, "alice@inkorg.test", &env["IMAP_PORT"], "tls"),
            "",
            3,
            "password-stdin",
        ),
    ];
    for (args, stdin, code, words) in cases {
        let o = cli(dir.path(), &args, stdin);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(code), "{args:?}: {err}");
        assert!(err.contains(words), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
        assert!(!err.contains(&env["MAIL_PASSWORD"]));
    }
    let o = cli(dir.path(), &["status"], "");
    assert_eq!(
        o.status.code(),
        Some(12),
        "nothing was saved: {}",
        stderr(&o)
    );
}

#[test]
fn the_password_is_never_taken_from_the_command_line() {
    let o = Command::new(env!("CARGO_BIN_EXE_inkorg-cli"))
        .args(["login", "--password", "x"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("--password"),
        "clap names the unknown flag"
    );
}

fn assert_password_absent(dir: &Path, password: &str) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                assert!(
                    !bytes
                        .windows(password.len())
                        .any(|w| w == password.as_bytes()),
                    "password found in {}",
                    path.display()
                );
            }
        }
    }
}

/// `detect` and `login` without hosts, as a new user runs them against the simulated internet
/// (tests/simnet; scripts/test.sh exports its INKORG_* settings and INKORG_TEST_SIMNET=1).
#[test]
fn detect_finds_verifies_and_login_uses_it() {
    if std::env::var("INKORG_TEST_SIMNET").as_deref() != Ok("1") {
        eprintln!("not run: set INKORG_TEST_SIMNET=1 with the simulated internet running");
        return;
    }
    let password = std::env::var("SIM_PASSWORD").unwrap();
    let dir = tempfile::tempdir().unwrap();

    // Without a password: the settings and where they came from, as JSON.
    let out = cli(dir.path(), &["detect", "eva@srv.test", "--json"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["found"]["source"], "srv");
    assert_eq!(json["found"]["trusted"], false);
    assert_eq!(json["incoming"]["settings"]["host"], "imap.srvhost.test");
    assert_eq!(json["incoming"]["verified"], false);
    // Its targets are outside srv.test: named, with the reason, before anything is sent.
    assert_eq!(
        json["needs_confirmation"]["hosts"],
        serde_json::json!(["imap.srvhost.test", "smtp.srvhost.test"])
    );
    assert_eq!(json["needs_confirmation"]["source"], "srv");
    assert!(json["needs_confirmation"]["why"]
        .as_str()
        .unwrap()
        .contains("srv.test"));

    // With the password but without --trust-found-hosts: exit 0 (settings were found), not
    // signed in; with it, verified.
    let out = cli(
        dir.path(),
        &["detect", "eva@srv.test", "--json", "--password-stdin"],
        &format!("{password}\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["incoming"]["verified"], false);
    assert_eq!(json["incoming"]["tried"], serde_json::json!([]));
    assert!(json["needs_confirmation"].is_object());
    let out = cli(
        dir.path(),
        &[
            "detect",
            "eva@srv.test",
            "--json",
            "--password-stdin",
            "--trust-found-hosts",
        ],
        &format!("{password}\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["incoming"]["verified"], true, "{json}");
    assert_eq!(json["outgoing"]["verified"], true, "{json}");

    // login without hosts refuses them without the flag (exit 15) and saves nothing.
    let out = cli(
        dir.path(),
        &["login", "--email", "eva@mxhost.test", "--password-stdin"],
        &format!("{password}\n"),
    );
    assert_eq!(
        out.status.code(),
        Some(15),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("imap.mailhost.test"));
    let out = cli(dir.path(), &["status", "--json"], "");
    assert_eq!(out.status.code(), Some(12), "nothing saved");

    // With the password on stdin: verified, in words.
    let out = cli(
        dir.path(),
        &["detect", "eva@autoconf.test", "--password-stdin"],
        &format!("{password}\n"),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("imap.autoconf.test:993 tls user eva@autoconf.test (verified)"),
        "{text}"
    );

    // The trap: settings from plain http, a host with an untrusted certificate: even after a
    // yes to the hosts, exit code 6.
    let out = cli(
        dir.path(),
        &[
            "detect",
            "eva@httptrap.test",
            "--password-stdin",
            "--trust-found-hosts",
        ],
        &format!("{password}\n"),
    );
    assert_eq!(
        out.status.code(),
        Some(6),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // Nothing to find: exit code 13 and one line saying so.
    let out = cli(dir.path(), &["detect", "eva@nosuch.test"], "");
    assert_eq!(out.status.code(), Some(13));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("Inkorg found no IMAP server for nosuch.test. Tried: imap.nosuch.test, mail.nosuch.test, nosuch.test (993, 143)"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // login without hosts: detect, verify, save; the account is then there.
    let out = cli(
        dir.path(),
        &["login", "--email", "eva@wellknown.test", "--password-stdin"],
        &format!("{password}\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = cli(dir.path(), &["status", "--json"], "");
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["imap"]["host"], "mail.wellknown.test");
    assert_eq!(status["imap"]["security"], "starttls");
    let out = cli(dir.path(), &["logout"], "");
    assert!(out.status.success());
}

/// Messages stored in the profile's database (read as another process would, while a sync
/// may be writing).
fn stored_messages(dir: &Path) -> u64 {
    let py = "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from messages').fetchone()[0])";
    let out = Command::new("python3")
        .args(["-c", py])
        .arg(dir.join("inkorg.sqlite3"))
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}

/// kill -9 in the middle of the first sync of 20,000 messages (5,000 were synced too fast to
/// kill mid-way once INBOX went first): the next sync brings every one
/// of them, none twice, and an expunge on the server afterwards is still seen.
#[test]
fn a_first_sync_killed_halfway_loses_nothing_on_the_next_run() {
    let Some(env) = servers() else { return };
    const N: u64 = 20_000;
    ctl(&["reset", "nina"]);
    ctl(&["seed", "nina", &N.to_string()]);
    let dir = tempfile::tempdir().unwrap();
    let pw = format!("{}\n", env["MAIL_PASSWORD"]);
    let o = cli(
        dir.path(),
        &login_args(&env, "nina@inkorg.test", &env["IMAP_PORT"], "tls"),
        &pw,
    );
    assert!(o.status.success(), "{}", stderr(&o));

    let mut sync = Command::new(env!("CARGO_BIN_EXE_inkorg-cli"))
        .arg("--data-dir")
        .arg(dir.path())
        .arg("sync")
        .env_remove("INKORG_DATA_DIR")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // As soon as the first batch of headers is committed, kill it without a chance to clean
    // up. The write-ahead log growing says a batch is being written (polling its size costs
    // nothing); then a reader sees the first committed rows.
    let wal = dir.path().join("inkorg.sqlite3-wal");
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(60) {
        if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 64 * 1024)
            && stored_messages(dir.path()) > 0
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    sync.kill().unwrap(); // SIGKILL on Unix
    sync.wait().unwrap();
    let after_kill = stored_messages(dir.path());
    assert!(
        after_kill > 0 && after_kill < N,
        "the kill must land mid-sync: {after_kill} of {N} stored"
    );

    let o = cli(dir.path(), &["sync"], "");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stored_messages(dir.path()), N, "every message, none twice");
    let limit = N.to_string();
    let o = cli(dir.path(), &["list", "--limit", &limit, "--json"], "");
    let list: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    let uids: std::collections::HashSet<u64> =
        list.iter().map(|m| m["uid"].as_u64().unwrap()).collect();
    assert_eq!(uids.len() as u64, N);
    assert_eq!(
        list[0]["subject"].as_str().unwrap().split('#').nth(1),
        Some((N - 1).to_string().as_str())
    );

    // Expunge detection works after the resume (the oldest ten; UIDs go on across resets).
    let oldest = uids.iter().min().unwrap();
    ctl(&["expunge", "nina", &format!("{oldest}:{}", oldest + 9)]);
    let o = cli(dir.path(), &["sync"], "");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stored_messages(dir.path()), N - 10);
    let o = cli(dir.path(), &["logout"], "");
    assert!(o.status.success());
}
