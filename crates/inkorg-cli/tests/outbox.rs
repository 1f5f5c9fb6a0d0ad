//! Sending as a person relies on it, through `inkorg-cli` against the real Postfix delivering
//! into Dovecot: a Swedish message with a 3 MB attachment arrives intact (read back by
//! Python's email package); a reply threads and quotes; the sending process killed at every
//! step of the outbox still gives exactly one copy to the recipient and one in Sent; with
//! Postfix stopped the message waits in the outbox with the reason and goes once when it is
//! back; a refusal for good stays with the provider's words; undo and send later.
//! Runs when INKORG_TEST_SERVERS=1 (scripts/test.sh sets it). The tests take turns (one
//! stops Postfix).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use serde_json::Value;
use std::io::{BufRead, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

mod support;
use support::*;

/// One test at a time: a stopped Postfix must not fail another test's send.
static TURN: Mutex<()> = Mutex::new(());

fn turn() -> std::sync::MutexGuard<'static, ()> {
    TURN.lock().unwrap_or_else(|e| e.into_inner())
}

fn log_in(env: &std::collections::HashMap<String, String>, dir: &Path, user: &str) {
    let email = format!("{user}@inkorg.test");
    let pw = format!("{}\n", env["MAIL_PASSWORD"]);
    let mut args = login_args(env, &email, &env["IMAP_PORT"], "tls");
    let name = match user {
        "will" => "Will Åkesson",
        "xena" => "Xena Ödmark",
        _ => "",
    };
    if !name.is_empty() {
        args.extend(["--name", name]);
    }
    let o = cli(dir, &args, &pw);
    assert!(o.status.success(), "{}", stderr(&o));
}

fn run(dir: &Path, args: &[&str]) -> String {
    let o = cli(dir, args, "");
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn outbox(dir: &Path) -> Vec<Value> {
    let out = run(dir, &["outbox", "--json"]);
    serde_json::from_str::<Value>(&out)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn count(user: &str, folder: &str, message_id: &str) -> usize {
    let out = Command::new("bash")
        .arg(script())
        .args(["count", user, folder, message_id])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}

fn raw(user: &str, folder: &str, message_id: &str) -> Vec<u8> {
    let out = Command::new("bash")
        .arg(script())
        .args(["raw", user, folder, message_id])
        .output()
        .unwrap();
    assert!(out.status.success());
    out.stdout
}

/// Waits until `user`'s `folder` has the message, then a moment more, and returns how many
/// copies it has (so a late second copy is counted too).
fn copies(user: &str, folder: &str, message_id: &str) -> usize {
    let end = Instant::now() + Duration::from_secs(15);
    while count(user, folder, message_id) == 0 && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_millis(1500));
    count(user, folder, message_id)
}

fn message_id_in(out: &str) -> String {
    let start = out.find('<').expect("a Message-ID in the output");
    let end = out[start..].find('>').unwrap() + start + 1;
    out[start..end].to_string()
}

fn unique(what: &str) -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{what} {t}")
}

/// `inkorg-cli send …` with the outbox paused at `step`, killed with SIGKILL once it is
/// there.
fn send_killed_at(dir: &Path, step: &str, args: &[&str]) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_inkorg-cli"))
        .arg("--data-dir")
        .arg(dir)
        .arg("send")
        .args(args)
        .env_remove("INKORG_DATA_DIR")
        .env("INKORG_TEST_OUTBOX_PAUSE", step)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            let _ = tx.send(line);
        }
    });
    let want = format!("outbox: paused at {step}");
    let end = Instant::now() + Duration::from_secs(30);
    loop {
        let left = end.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) if line == want => break,
            Ok(_) => {}
            Err(_) => {
                let _ = child.kill();
                panic!("the send never reached {step}");
            }
        }
    }
    child.kill().unwrap(); // SIGKILL: nothing runs after it
    child.wait().unwrap();
}

#[test]
fn a_swedish_message_with_a_3_mb_attachment_arrives_intact_and_a_reply_threads_and_quotes() {
    let Some(env) = servers() else { return };
    let _turn = turn();
    ctl(&["reset", "will"]);
    ctl(&["reset", "xena"]);
    let dir = tempfile::tempdir().unwrap();
    log_in(&env, dir.path(), "will");
    let files = tempfile::tempdir().unwrap();
    let name = "Årsredovisning 2026 – slutlig version.pdf";
    let path = files.path().join(name);
    let bytes: Vec<u8> = (0..3_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&path, &bytes).unwrap();
    let subject = unique("Årsmöte på Söder – kallelse och underlag");
    let body = "Hej Xena!\n\nHär kommer årsredovisningen. Välkommen på mötet på fredag.\n\nHälsningar\nWill";
    let out = run(
        dir.path(),
        &[
            "send",
            "--to",
            "Xena Ödmark <xena@inkorg.test>",
            "--subject",
            &subject,
            "--body",
            body,
            "--attach",
            path.to_str().unwrap(),
        ],
    );
    assert!(out.starts_with("sent <"), "{out}");
    let id = message_id_in(&out);
    assert_eq!(copies("xena", "INBOX", &id), 1);
    assert_eq!(copies("will", "Sent", &id), 1, "one copy in Sent");
    assert!(outbox(dir.path()).is_empty());

    // Read back by an independent decoder.
    let msg = files.path().join("received.eml");
    std::fs::write(&msg, raw("xena", "INBOX", &id)).unwrap();
    let check = r#"
import email, email.policy, hashlib, json, sys
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
body = m.get_body(preferencelist=('plain',)).get_content()
att = [p for p in m.iter_attachments()]
print(json.dumps({
  'subject': str(m['subject']), 'from': str(m['from']), 'to': str(m['to']),
  'ctype': m.get_content_type(), 'body': body,
  'names': [a.get_filename() for a in att],
  'sha': [hashlib.sha256(a.get_content()).hexdigest() for a in att],
  'bcc': m['bcc'] is not None, 'in_reply_to': str(m['in-reply-to'] or ''),
  'references': str(m['references'] or ''),
}))
"#;
    let parsed = Command::new("python3")
        .args(["-c", check])
        .arg(&msg)
        .output()
        .unwrap();
    assert!(
        parsed.status.success(),
        "{}",
        String::from_utf8_lossy(&parsed.stderr)
    );
    let v: Value = serde_json::from_slice(&parsed.stdout).unwrap();
    assert_eq!(v["subject"], subject.as_str());
    assert_eq!(v["from"], "Will Åkesson <will@inkorg.test>");
    assert_eq!(v["to"], "Xena Ödmark <xena@inkorg.test>");
    assert_eq!(v["ctype"], "multipart/mixed");
    assert!(
        v["body"]
            .as_str()
            .unwrap()
            .contains("Här kommer årsredovisningen. Välkommen på mötet på fredag."),
        "{}",
        v["body"]
    );
    assert_eq!(v["names"][0], name);
    use sha2_lite::hex_sha256;
    assert_eq!(v["sha"][0], hex_sha256(&bytes).as_str());

    // Xena replies from her own Inkorg: threaded and quoted.
    let xdir = tempfile::tempdir().unwrap();
    log_in(&env, xdir.path(), "xena");
    run(xdir.path(), &["sync"]);
    let list: Value = serde_json::from_str(&run(xdir.path(), &["list", "--json"])).unwrap();
    let original = list
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["subject"] == subject.as_str())
        .expect("the message is in Xena's list");
    let oid = original["id"].as_i64().unwrap().to_string();
    let out = run(
        xdir.path(),
        &[
            "send",
            "--reply-to",
            &oid,
            "--lang",
            "sv",
            "--body",
            "Tack, jag kommer!",
        ],
    );
    let reply_id = message_id_in(&out);
    assert_eq!(copies("will", "INBOX", &reply_id), 1);
    std::fs::write(&msg, raw("will", "INBOX", &reply_id)).unwrap();
    let parsed = Command::new("python3")
        .args(["-c", check])
        .arg(&msg)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&parsed.stdout).unwrap();
    assert_eq!(v["subject"], format!("Re: {subject}").as_str());
    assert_eq!(v["to"], "Will Åkesson <will@inkorg.test>");
    assert_eq!(v["in_reply_to"], id.as_str());
    assert!(v["references"].as_str().unwrap().contains(&id), "{v}");
    let text = v["body"].as_str().unwrap();
    assert!(text.starts_with("Tack, jag kommer!"), "{text}");
    assert!(
        text.contains(" skrev Will Åkesson:"),
        "the quote line: {text}"
    );
    assert!(
        text.contains("Här kommer årsredovisningen."),
        "the quote: {text}"
    );
    assert!(
        v["names"].as_array().unwrap().is_empty(),
        "a reply carries no attachment"
    );
    // The original is answered, on the server too.
    run(xdir.path(), &["sync"]);
    let list: Value = serde_json::from_str(&run(xdir.path(), &["list", "--json"])).unwrap();
    let flags = list
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["subject"] == subject.as_str())
        .unwrap()["flags"]
        .to_string();
    assert!(flags.contains("\\\\Answered"), "{flags}");
}

/// A SHA-256 for the check above without another dependency: Python computes it too.
mod sha2_lite {
    pub fn hex_sha256(bytes: &[u8]) -> String {
        let mut child = std::process::Command::new("sha256sum")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(bytes).unwrap();
        let out = child.wait_with_output().unwrap();
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .next()
            .unwrap()
            .to_string()
    }
}

#[test]
fn killed_at_every_step_of_sending_the_recipient_gets_one_copy_and_sent_has_one() {
    let Some(env) = servers() else { return };
    let _turn = turn();
    // Cc to oneself, as many do: the mail received is where a hand-over that was never
    // answered is found again.
    for step in ["sending", "content", "answered", "sent", "saved"] {
        ctl(&["reset", "yara"]);
        ctl(&["reset", "zoe"]);
        let dir = tempfile::tempdir().unwrap();
        log_in(&env, dir.path(), "yara");
        run(dir.path(), &["sync"]);
        let subject = unique(&format!("Avbrott vid {step}"));
        send_killed_at(
            dir.path(),
            step,
            &[
                "--to",
                "zoe@inkorg.test",
                "--cc",
                "yara@inkorg.test",
                "--subject",
                &subject,
                "--body",
                "Det här ska komma fram en gång.",
            ],
        );
        let waiting = outbox(dir.path());
        assert_eq!(waiting.len(), 1, "{step}: the message is kept: {waiting:?}");
        let id = waiting[0]["message_id"].as_str().unwrap().to_string();
        let after_kill = run(dir.path(), &["outbox", "--flush"]);
        assert!(
            outbox(dir.path()).is_empty(),
            "{step}: sent after the restart: {after_kill}"
        );
        assert_eq!(
            copies("zoe", "INBOX", &id),
            1,
            "{step}: the recipient has one copy"
        );
        assert_eq!(
            copies("yara", "INBOX", &id),
            1,
            "{step}: the Cc has one copy"
        );
        assert_eq!(copies("yara", "Sent", &id), 1, "{step}: Sent has one copy");
    }
}

#[test]
fn killed_while_the_server_answered_it_is_not_sent_twice_on_a_guess() {
    let Some(env) = servers() else { return };
    let _turn = turn();
    ctl(&["reset", "yara"]);
    ctl(&["reset", "zoe"]);
    let dir = tempfile::tempdir().unwrap();
    log_in(&env, dir.path(), "yara");
    run(dir.path(), &["sync"]);
    let subject = unique("Svaret kom aldrig");
    send_killed_at(
        dir.path(),
        "answered",
        &[
            "--to",
            "zoe@inkorg.test",
            "--subject",
            &subject,
            "--body",
            "En gång.",
        ],
    );
    run(dir.path(), &["outbox", "--flush"]);
    let waiting = outbox(dir.path());
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0]["state"], "uncertain", "{waiting:?}");
    let id = waiting[0]["message_id"].as_str().unwrap().to_string();
    assert_eq!(copies("zoe", "INBOX", &id), 1, "it did arrive, once");
    assert_eq!(
        count("yara", "Sent", &id),
        0,
        "not in Sent before the person says so"
    );
    // The person says it arrived: the copy goes to Sent, nothing is sent again.
    let oid = waiting[0]["id"].as_i64().unwrap().to_string();
    run(dir.path(), &["outbox", "--arrived", &oid]);
    assert!(outbox(dir.path()).is_empty());
    assert_eq!(copies("yara", "Sent", &id), 1);
    assert_eq!(count("zoe", "INBOX", &id), 1, "still one");
}

#[test]
fn with_postfix_stopped_the_mail_waits_with_the_reason_and_goes_once_when_it_is_back() {
    let Some(env) = servers() else { return };
    let _turn = turn();
    ctl(&["reset", "yara"]);
    ctl(&["reset", "zoe"]);
    let dir = tempfile::tempdir().unwrap();
    log_in(&env, dir.path(), "yara");
    ctl(&["smtp-stop"]);
    let subject = unique("Medan servern var nere");
    let o = cli(
        dir.path(),
        &[
            "send",
            "--to",
            "zoe@inkorg.test",
            "--subject",
            &subject,
            "--body",
            "Vänta på mig.",
        ],
        "",
    );
    ctl(&["smtp-start"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("not sent yet"), "{out}");
    let waiting = outbox(dir.path());
    assert_eq!(waiting.len(), 1);
    let w = &waiting[0];
    assert_eq!(w["state"], "queued");
    assert_eq!(w["attempts"], 1);
    assert_eq!(w["error_kind"], "cannot_connect", "{w}");
    assert!(
        w["last_error"]
            .as_str()
            .unwrap()
            .contains("connection refused"),
        "the reason: {w}"
    );
    assert!(w["next_try_at"].as_i64().unwrap() > w["queued_at"].as_i64().unwrap());
    let id = w["message_id"].as_str().unwrap().to_string();
    assert_eq!(count("zoe", "INBOX", &id), 0);
    // Postfix is back; "send now" (the next try would come by itself in 30 s).
    let oid = w["id"].as_i64().unwrap().to_string();
    run(dir.path(), &["outbox", "--send-again", &oid]);
    assert!(outbox(dir.path()).is_empty());
    assert_eq!(copies("zoe", "INBOX", &id), 1);
    assert_eq!(copies("yara", "Sent", &id), 1);
}

#[test]
fn a_refusal_for_good_stays_in_the_outbox_with_the_providers_words() {
    let Some(env) = servers() else { return };
    let _turn = turn();
    ctl(&["reset", "yara"]);
    let dir = tempfile::tempdir().unwrap();
    log_in(&env, dir.path(), "yara");
    let o = cli(
        dir.path(),
        &[
            "send",
            "--to",
            "ingen-alls@inkorg.test",
            "--subject",
            "Till ingen",
            "--body",
            "x",
        ],
        "",
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("5.1.1"), "{}", stderr(&o));
    let waiting = outbox(dir.path());
    assert_eq!(waiting[0]["state"], "failed", "{waiting:?}");
    let words = waiting[0]["server_text"].as_str().unwrap();
    assert!(
        words.starts_with("550 5.1.1") && words.contains("ingen-alls@inkorg.test"),
        "{words}"
    );
    // Removed by the person: gone, and never sent.
    let oid = waiting[0]["id"].as_i64().unwrap().to_string();
    run(dir.path(), &["outbox", "--remove", &oid]);
    assert!(outbox(dir.path()).is_empty());
}

#[test]
fn undone_in_time_nothing_goes_and_sent_later_it_goes_at_its_time_not_before() {
    let Some(env) = servers() else { return };
    let _turn = turn();
    ctl(&["reset", "yara"]);
    ctl(&["reset", "zoe"]);
    let dir = tempfile::tempdir().unwrap();
    log_in(&env, dir.path(), "yara");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    // A running Inkorg (the loop and its outbox) on this profile.
    let mut watch = Command::new(env!("CARGO_BIN_EXE_inkorg-cli"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["watch", "--json"])
        .env_remove("INKORG_DATA_DIR")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let undone = unique("Ångrat");
    let later = unique("Skickat senare");
    let at_undone = (now + 4).to_string();
    let at_later = (now + 6).to_string();
    let out = run(
        dir.path(),
        &[
            "send",
            "--to",
            "zoe@inkorg.test",
            "--subject",
            &undone,
            "--body",
            "Nej",
            "--at",
            &at_undone,
        ],
    );
    let undone_id = message_id_in(&out);
    let out = run(
        dir.path(),
        &[
            "send",
            "--to",
            "zoe@inkorg.test",
            "--subject",
            &later,
            "--body",
            "Ja",
            "--at",
            &at_later,
        ],
    );
    let later_id = message_id_in(&out);
    let first = outbox(dir.path())
        .into_iter()
        .find(|e| e["message_id"] == undone_id.as_str())
        .unwrap();
    run(
        dir.path(),
        &["outbox", "--remove", &first["id"].to_string()],
    );
    // Not before its time.
    while std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        < now + 5
    {
        assert_eq!(count("zoe", "INBOX", &later_id), 0, "sent before its time");
        std::thread::sleep(Duration::from_millis(300));
    }
    assert_eq!(copies("zoe", "INBOX", &later_id), 1, "sent at its time");
    let _ = watch.kill();
    let _ = watch.wait();
    assert_eq!(
        count("zoe", "INBOX", &undone_id),
        0,
        "the undone one never went"
    );
    let _ = std::io::stdout().flush();
}
