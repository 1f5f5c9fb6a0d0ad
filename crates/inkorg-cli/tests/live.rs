//! The live mailbox as a person lives with it, through `inkorg-cli watch --json` against the
//! real Dovecot and Postfix: new mail appears by itself, also after the server restarted;
//! what is done offline reaches the server once and in order, also across a restart; and
//! connections cut at random points leave the store equal to the server.
//! Runs when INKORG_TEST_SERVERS=1 (scripts/test.sh sets it).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use serde_json::Value;
use std::collections::BTreeMap;
use std::io::BufRead;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

mod support;
use support::*;

#[path = "../../../tests/faultproxy/faultproxy.rs"]
mod faultproxy;
use faultproxy::FaultProxy;

/// `inkorg-cli watch --json` in the background, its events on a channel.
struct Watch {
    child: Child,
    events: mpsc::Receiver<Value>,
    /// Every line it printed, shown when a test fails.
    history: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Watch {
    fn start(dir: &Path) -> Watch {
        let mut child = Command::new(env!("CARGO_BIN_EXE_inkorg-cli"))
            .arg("--data-dir")
            .arg(dir)
            .args(["watch", "--json"])
            .env_remove("INKORG_DATA_DIR")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, events) = mpsc::channel();
        let history = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let h = std::sync::Arc::clone(&history);
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                h.lock().unwrap().push(line.clone());
                let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| {
                    panic!("watch printed a line that is not JSON ({e}): {line}")
                });
                if tx.send(v).is_err() {
                    break;
                }
            }
        });
        Watch {
            child,
            events,
            history,
        }
    }

    /// The first event (from now) that `pred` accepts, within `limit`.
    fn wait_for(&self, limit: Duration, pred: impl Fn(&Value) -> bool) -> Option<Value> {
        let end = Instant::now() + limit;
        loop {
            let left = end.checked_duration_since(Instant::now())?;
            match self.events.recv_timeout(left) {
                Ok(v) if pred(&v) => return Some(v),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
    }

    fn online(&self, limit: Duration) -> bool {
        self.wait_for(limit, |v| v["type"] == "health" && v["state"] == "online")
            .is_some()
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let h = self.history.lock().unwrap_or_else(|e| e.into_inner());
            let skip = h.len().saturating_sub(60);
            eprintln!("watch printed ({} lines, the last 60 here):", h.len());
            for line in &h[skip..] {
                eprintln!("  {line}");
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn imaps(env: &std::collections::HashMap<String, String>) -> SocketAddr {
    format!("127.0.0.1:{}", env["IMAP_PORT"]).parse().unwrap()
}

fn log_in(env: &std::collections::HashMap<String, String>, dir: &Path, user: &str, port: &str) {
    let email = format!("{user}@inkorg.test");
    let pw = format!("{}\n", env["MAIL_PASSWORD"]);
    let o = cli(dir, &login_args(env, &email, port, "tls"), &pw);
    assert!(o.status.success(), "{}", stderr(&o));
}

fn json(dir: &Path, args: &[&str]) -> Value {
    let o = cli(dir, args, "");
    assert!(o.status.success(), "{:?}: {}", args, stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Folder → sorted (UID, flags) as the server has them.
type MailboxState = BTreeMap<String, Vec<(u64, String)>>;

fn server_state(user: &str) -> MailboxState {
    server_state_at(user, "main")
}

/// As the Dovecot instance `instance` names the folders.
fn server_state_at(user: &str, instance: &str) -> MailboxState {
    let out = Command::new("bash")
        .arg(script())
        .args(["dump", user, instance])
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut state = MailboxState::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let mut parts = line.split('\t');
        let (Some(folder), Some(uid)) = (parts.next(), parts.next()) else {
            continue;
        };
        let flags = normal_flags(parts.next().unwrap_or("").split_whitespace());
        state
            .entry(folder.to_string())
            .or_default()
            .push((uid.parse().unwrap(), flags));
    }
    for v in state.values_mut() {
        v.sort();
    }
    state
}

fn normal_flags<'a>(flags: impl Iterator<Item = &'a str>) -> String {
    let mut f: Vec<&str> = flags.filter(|f| *f != "\\Recent").collect();
    f.sort_unstable();
    f.join(" ")
}

fn local_state(dir: &Path) -> MailboxState {
    let mut state = MailboxState::new();
    for f in json(dir, &["folders", "--json"]).as_array().unwrap() {
        let name = f["name"].as_str().unwrap();
        // doveadm prints folder names decoded, as a person reads them.
        let shown = f["display_name"].as_str().unwrap();
        let list = json(
            dir,
            &["list", "--folder", name, "--limit", "100000", "--json"],
        );
        let mut rows: Vec<(u64, String)> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                let flags = m["flags"].as_array().unwrap();
                (
                    m["uid"].as_u64().unwrap(),
                    normal_flags(flags.iter().map(|f| f.as_str().unwrap())),
                )
            })
            .collect();
        rows.sort();
        if !rows.is_empty() {
            state.insert(shown.to_string(), rows);
        }
    }
    state
}

fn ids(dir: &Path) -> Vec<i64> {
    json(dir, &["list", "--limit", "100000", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect()
}

fn run(dir: &Path, args: &[&str]) -> String {
    let o = cli(dir, args, "");
    assert!(o.status.success(), "{:?}: {}", args, stderr(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn new_mail_appears_by_itself_within_two_seconds_also_after_the_server_restarted() {
    let Some(env) = servers() else { return };
    ctl(&["reset", "carol"]);
    ctl(&["seed", "carol", "5"]);
    let dir = tempfile::tempdir().unwrap();
    log_in(&env, dir.path(), "carol", &env["IMAP_PORT"]);
    let watch = Watch::start(dir.path());
    assert!(
        watch.online(Duration::from_secs(30)),
        "the loop came online"
    );

    for round in 1..=2 {
        let subject = format!("Push {round}: kräftskiva på fredag");
        let sent = Instant::now();
        ctl(&["deliver", "carol", &subject]);
        let event = watch
            .wait_for(Duration::from_secs(10), |v| {
                v["type"] == "new_message" && v["subject"] == subject.as_str()
            })
            .unwrap_or_else(|| panic!("no new_message event for {subject}"));
        let delay = sent.elapsed();
        eprintln!("round {round}: new_message {delay:?} after Postfix accepted the mail");
        assert!(delay < Duration::from_secs(2), "took {delay:?}");
        assert_eq!(event["folder"], "INBOX");
        assert_eq!(event["from"], "Test Avsändare");
        let listed = json(dir.path(), &["list", "--json"]);
        assert!(
            listed
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["id"] == event["id"] && m["subject"] == subject.as_str()),
            "the message is in the list under the event's id"
        );
        if round == 1 {
            ctl(&["restart-imap"]);
            assert!(
                watch
                    .wait_for(Duration::from_secs(15), |v| v["type"] == "health"
                        && v["state"] != "online")
                    .is_some(),
                "the cut IDLE was noticed"
            );
            assert!(watch.online(Duration::from_secs(30)), "back online");
        }
    }
}

#[test]
fn fifty_actions_taken_offline_reach_the_server_once_and_in_order_after_a_restart() {
    let Some(env) = servers() else { return };
    ctl(&["reset", "dave"]);
    ctl(&["seed", "dave", "40"]);
    let proxy = FaultProxy::start(imaps(&env));
    let dir = tempfile::tempdir().unwrap();
    log_in(&env, dir.path(), "dave", &proxy.port.to_string());
    run(dir.path(), &["sync"]);
    let ids = ids(dir.path());
    assert_eq!(ids.len(), 40);
    let strs: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    let some = |r: std::ops::Range<usize>| strs[r].iter().map(String::as_str).collect::<Vec<_>>();
    // A clean start (the generator marks some mail read or flagged), sent while online.
    for how in ["--unread", "--unflag"] {
        let mut a = vec!["mark", how];
        a.extend(some(0..40));
        run(dir.path(), &a);
    }
    assert!(json(dir.path(), &["queue", "--json"])
        .as_array()
        .unwrap()
        .is_empty());

    proxy.set_down(true);
    let act = |args: &[&str], range: std::ops::Range<usize>| {
        let mut a = args.to_vec();
        a.extend(some(range));
        let out = run(dir.path(), &a);
        assert!(out.contains("queued: not sent yet"), "{out}");
    };
    act(&["mark", "--read"], 0..20);
    act(&["mark", "--flag"], 0..10);
    act(&["mark", "--unread"], 0..5);
    act(&["move", "--to", "Trash"], 20..30);
    act(&["delete"], 30..35);
    let queue = json(dir.path(), &["queue", "--json"]);
    assert_eq!(queue.as_array().unwrap().len(), 50, "50 actions wait");
    assert!(run(dir.path(), &["queue"]).contains("50 action(s) waiting"));
    let expected_local = local_state(dir.path());
    assert_eq!(expected_local["INBOX"].len(), 25, "done locally at once");

    // A new process (the restart) with the server reachable again.
    proxy.set_down(false);
    let watch = Watch::start(dir.path());
    assert!(
        watch
            .wait_for(Duration::from_secs(60), |v| v["type"] == "queue"
                && v["pending"] == 0)
            .is_some(),
        "the queue emptied"
    );
    assert!(watch.online(Duration::from_secs(30)));
    drop(watch);

    let server = server_state("dave");
    let inbox = &server["INBOX"];
    assert_eq!(inbox.len(), 25);
    let with = |f: &str| inbox.iter().filter(|(_, fl)| fl == f).count();
    assert_eq!(
        with("\\Flagged"),
        5,
        "read, flagged, then unread again: in order"
    );
    assert_eq!(with("\\Flagged \\Seen"), 5);
    assert_eq!(with("\\Seen"), 10);
    assert_eq!(with(""), 5);
    assert_eq!(
        server["Trash"].len(),
        15,
        "each moved message once in Trash"
    );
    assert_eq!(
        local_state(dir.path()),
        server,
        "the store equals the server"
    );
    assert!(json(dir.path(), &["queue", "--json"])
        .as_array()
        .unwrap()
        .is_empty());
}

#[test]
fn thirty_cuts_at_random_points_leave_the_store_equal_to_the_server() {
    let Some(env) = servers() else { return };
    ctl(&["reset", "erin"]);
    ctl(&["seed", "erin", "300"]);
    let proxy = FaultProxy::start(imaps(&env));
    let dir = tempfile::tempdir().unwrap();
    log_in(&env, dir.path(), "erin", &proxy.port.to_string());
    // Cuts anywhere from inside the TLS handshake to past the end of the first sync (about
    // 200 kB); the test also cuts every open connection now and then, which lands on IDLE.
    proxy.cut_after(Some((2_000, 300_000)));
    let watch = Watch::start(dir.path());
    // The person acts once the folders are listed (Trash among them).
    let listed = Instant::now();
    while !json(dir.path(), &["folders", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["name"] == "Trash")
    {
        assert!(
            listed.elapsed() < Duration::from_secs(90),
            "Trash never listed"
        );
        std::thread::sleep(Duration::from_millis(300));
    }

    let started = Instant::now();
    let mut round = 0;
    while (proxy.cuts() < 30 || round < 12) && started.elapsed() < Duration::from_secs(150) {
        round += 1;
        let ids = ids(dir.path());
        let pick = |k: usize| ids.get((round * 7 + k * 13) % ids.len().max(1)).copied();
        match round % 4 {
            0 => ctl(&["deliver", "erin", &format!("Avbrott {round}")]),
            1 => {
                if let (Some(a), Some(b)) = (pick(1), pick(2)) {
                    run(
                        dir.path(),
                        &["mark", "--read", &a.to_string(), &b.to_string()],
                    );
                }
            }
            2 => {
                if let Some(a) = pick(3) {
                    run(dir.path(), &["move", "--to", "Trash", &a.to_string()]);
                }
            }
            _ => {
                if let Some(a) = pick(4) {
                    run(dir.path(), &["mark", "--flag", &a.to_string()]);
                }
                // A change on the server while the loop is connected (or not).
                ctl(&["flag", "erin", &(round * 3).to_string(), "\\Answered"]);
            }
        }
        std::thread::sleep(Duration::from_millis(400));
        if round % 3 == 0 {
            proxy.cut_all(); // lands on IDLE as often as not
        }
    }
    eprintln!(
        "{} cuts over {} connections in {round} rounds ({:?})",
        proxy.cuts(),
        proxy.connections(),
        started.elapsed()
    );
    assert!(proxy.cuts() >= 30, "only {} cuts", proxy.cuts()); // (prints the watch's events)

    // The network heals: the loop catches up on its own.
    proxy.cut_after(None);
    proxy.cut_all();
    let end = Instant::now() + Duration::from_secs(90);
    let (mut local, mut server) = (MailboxState::new(), MailboxState::new());
    while Instant::now() < end {
        std::thread::sleep(Duration::from_secs(2));
        let waiting = json(dir.path(), &["queue", "--json"]);
        if !waiting.as_array().unwrap().is_empty() {
            continue;
        }
        local = local_state(dir.path());
        server = server_state("erin");
        if local == server {
            break;
        }
    }
    drop(watch);
    assert_eq!(local, server, "the store equals the server after the cuts");
    assert!(server["INBOX"].len() > 250);
}

#[test]
fn a_server_shaped_like_courier_gives_roles_by_name_and_acts_without_move_or_condstore() {
    let Some(env) = servers() else { return };
    ctl(&["reset", "olof"]);
    ctl(&["seed", "olof", "20"]);
    ctl(&[
        "flat-folders",
        "olof",
        "Skickat",
        "Papperskorg",
        "Utkast",
        "Arkiv",
        "Räkningar",
    ]);
    let dir = tempfile::tempdir().unwrap();
    log_in(&env, dir.path(), "olof", &env["IMAP_FLAT_PORT"]);
    run(dir.path(), &["sync"]);

    // Every folder under "INBOX." with "." as the delimiter, and no SPECIAL-USE: the roles
    // come from the Swedish names, the names are decoded from modified UTF-7.
    let folders = json(dir.path(), &["folders", "--json"]);
    let role = |name: &str| {
        folders
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap_or_else(|| panic!("no folder {name} in {folders}"))["role"]
            .clone()
    };
    assert_eq!(role("INBOX"), "inbox");
    assert_eq!(role("INBOX.Skickat"), "sent");
    assert_eq!(role("INBOX.Papperskorg"), "trash");
    assert_eq!(role("INBOX.Utkast"), "drafts");
    assert_eq!(role("INBOX.Arkiv"), "archive");
    let bills = folders
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "INBOX.R&AOQ-kningar")
        .expect("Räkningar, as the server encodes it");
    assert!(bills["display_name"]
        .as_str()
        .unwrap()
        .ends_with("Räkningar"));

    // Acting without MOVE (COPY, \Deleted, UID EXPUNGE) and without CONDSTORE (flag scans).
    let ids = ids(dir.path());
    let id = |i: usize| ids[i].to_string();
    run(dir.path(), &["mark", "--read", &id(0), &id(1)]);
    run(dir.path(), &["mark", "--flag", &id(2)]);
    let out = run(dir.path(), &["move", "--to", "Räkningar", &id(3), &id(4)]);
    assert!(out.contains("the server has it"), "{out}");
    run(dir.path(), &["delete", &id(5)]);
    run(dir.path(), &["archive", &id(6)]);
    ctl(&["flag", "olof", "1:3", "\\Answered"]);
    run(dir.path(), &["sync"]);
    let server = server_state_at("olof", "flat");
    assert_eq!(server["INBOX"].len(), 16);
    assert_eq!(server["INBOX.Räkningar"].len(), 2, "moved once each");
    assert_eq!(server["INBOX.Papperskorg"].len(), 1);
    assert_eq!(server["INBOX.Arkiv"].len(), 1);
    assert_eq!(
        local_state(dir.path()),
        server,
        "the store equals the server"
    );

    // A folder renamed on the server is renamed here, with its mail, which keeps its local
    // ids (the same UIDVALIDITY says it is the same folder; nothing is fetched again).
    let ids_in = |folder: &str| -> Vec<i64> {
        json(dir.path(), &["list", "--folder", folder, "--json"])
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_i64().unwrap())
            .collect()
    };
    let archived = ids_in("INBOX.Arkiv");
    assert_eq!(archived.len(), 1);
    ctl(&["flat-rename", "olof", "Arkiv", "Arkiv 2026"]);
    run(dir.path(), &["sync"]);
    assert_eq!(
        ids_in("INBOX.Arkiv 2026"),
        archived,
        "the same message, the same id"
    );
    let names: Vec<String> = json(dir.path(), &["folders", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect();
    assert!(names.contains(&"INBOX.Arkiv 2026".to_string()), "{names:?}");
    assert!(!names.contains(&"INBOX.Arkiv".to_string()), "{names:?}");
    assert_eq!(
        local_state(dir.path()),
        server_state_at("olof", "flat"),
        "the renamed folder holds its mail here too"
    );

    // Following a folder or not (Email options, Folders): the server's subscription list
    // follows, and Inbox and Sent cannot be turned off.
    let subscribed = || {
        let out = std::process::Command::new("bash")
            .arg(support::script())
            .args(["subscribed", "olof", "flat"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    // doveadm lists names decoded.
    let listed = || subscribed().lines().any(|l| l == "INBOX.Räkningar");
    let out = run(dir.path(), &["unsubscribe", "Räkningar"]);
    assert!(out.contains("no longer followed"), "{out}");
    assert!(!listed(), "{}", subscribed());
    let out = run(dir.path(), &["subscribe", "Räkningar"]);
    assert!(out.contains("now followed"), "{out}");
    assert!(listed(), "{}", subscribed());
    run(dir.path(), &["unsubscribe", "Räkningar"]);
    assert!(!listed(), "{}", subscribed());
    let followed = |name: &str| {
        json(dir.path(), &["folders", "--json"])
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .map(|f| f["subscribed"].as_bool().unwrap())
    };
    assert_eq!(followed("INBOX.R&AOQ-kningar"), Some(false));
    let refused = cli(dir.path(), &["unsubscribe", "INBOX"], "");
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("always followed"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(followed("INBOX"), Some(true));
}

/// An RFC 5322 date `days_ago` days before now (GNU date writes it).
fn date_days_ago(days_ago: i64) -> String {
    let out = Command::new("date")
        .args(["-u", "-R", "-d", &format!("{days_ago} days ago")])
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Mailbox files for `user`: one per (subject, days ago, body), put on the server as they are.
fn put_mail(user: &str, dir: &Path, mails: &[(String, i64, String)]) {
    let mut files = Vec::new();
    for (i, (subject, days, body)) in mails.iter().enumerate() {
        let path = dir.join(format!("{i}.eml"));
        std::fs::write(
            &path,
            format!(
                "From: Anna <anna@inkorg.test>\r\nTo: {user}@inkorg.test\r\nSubject: {subject}\r\n\
                 Date: {}\r\nMessage-ID: <offline-{i}@inkorg.test>\r\nMIME-Version: 1.0\r\n\
                 Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n",
                date_days_ago(*days)
            ),
        )
        .unwrap();
        files.push(path.display().to_string());
    }
    ctl(&["reset", user]);
    let mut args = vec!["save", user];
    args.extend(files.iter().map(String::as_str));
    ctl(&args);
}

#[test]
fn mail_of_the_last_30_days_downloads_by_itself_unread_and_reads_with_the_server_gone() {
    let Some(env) = servers() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let mut mails: Vec<(String, i64, String)> = (1..=8)
        .map(|d| (format!("Ny {d}"), d, format!("Färsk text nummer {d}.")))
        .collect();
    mails.extend((0..4).map(|i| (format!("Gammal {i}"), 90 + i, format!("Gammal text {i}."))));
    put_mail("ulla", tmp.path(), &mails);
    let dir = tempfile::tempdir().unwrap();
    log_in(&env, dir.path(), "ulla", &env["IMAP_PORT"]);
    let setting = json(dir.path(), &["offline", "--json"]);
    assert_eq!(setting["range"], "days30", "the default: {setting}");
    assert_eq!(setting["messages"], 0);

    let watch = Watch::start(dir.path());
    let end = watch
        .wait_for(Duration::from_secs(60), |v| {
            v["type"] == "offline" && v["done"] == v["total"]
        })
        .expect("the download finished");
    assert_eq!(end["total"], 8, "the mail of the last 30 days: {end}");
    assert_eq!(end["budget_reached"], false);
    drop(watch);
    let flags = server_state("ulla");
    assert!(
        flags["INBOX"].iter().all(|(_, f)| !f.contains("\\Seen")),
        "downloading marks nothing read: {flags:?}"
    );
    let kept = json(dir.path(), &["offline", "--json"]);
    assert_eq!(kept["messages"], 8, "{kept}");
    assert!(kept["bytes"].as_u64().unwrap() > 8 * 200, "{kept}");

    // The mailbox emptied at the provider (as on a train without a network, the server
    // cannot answer): the new mail reads from the store, the old mail was never downloaded.
    ctl(&["reset", "ulla"]);
    for m in json(dir.path(), &["list", "--limit", "100", "--json"])
        .as_array()
        .unwrap()
    {
        let id = m["id"].as_i64().unwrap().to_string();
        let subject = m["subject"].as_str().unwrap();
        let o = cli(dir.path(), &["show", &id, "--json"], "");
        if subject.starts_with("Ny ") {
            assert!(o.status.success(), "{subject}: {}", stderr(&o));
            let shown: Value = serde_json::from_slice(&o.stdout).unwrap();
            let n = subject.trim_start_matches("Ny ");
            assert_eq!(
                shown["text"].as_str().unwrap().trim(),
                format!("Färsk text nummer {n}.")
            );
        } else {
            assert!(!o.status.success(), "{subject} was not downloaded");
        }
    }
}

#[test]
fn the_download_for_offline_reading_stops_at_its_disk_budget() {
    let Some(env) = servers() else { return };
    let tmp = tempfile::tempdir().unwrap();
    // Six messages of 400 kB; a budget of 1 MB holds two of them.
    let filler = "Lorem ipsum dolor sit amet, ".repeat(14_300);
    let mails: Vec<(String, i64, String)> = (1..=6)
        .map(|d| (format!("Stor {d}"), d, filler.clone()))
        .collect();
    put_mail("vera", tmp.path(), &mails);
    let dir = tempfile::tempdir().unwrap();
    log_in(&env, dir.path(), "vera", &env["IMAP_PORT"]);
    // Email options offers 250 MB and more; the test writes a smaller budget into the store
    // itself, as an older or newer version might have saved it.
    let o = Command::new("python3")
        .args([
            "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); \
             c.execute(\"INSERT INTO preferences (key, value) VALUES ('general', ?) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value\", \
             ('{\"offline_range\":\"all\",\"offline_budget_mb\":1}',)); c.commit()",
        ])
        .arg(dir.path().join("inkorg.sqlite3"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(json(dir.path(), &["offline", "--json"])["budget_mb"], 1);

    let watch = Watch::start(dir.path());
    let end = watch
        .wait_for(Duration::from_secs(60), |v| {
            v["type"] == "offline" && v["budget_reached"] == true
        })
        .expect("the download stopped at the budget");
    assert_eq!(end["done"], 2, "{end}");
    assert!(end["stored_bytes"].as_u64().unwrap() <= 1_000_000, "{end}");
    drop(watch);
    let kept = json(dir.path(), &["offline", "--json"]);
    assert_eq!(kept["messages"], 2, "the two newest: {kept}");
    // What the person opens is always kept, budget or not.
    let newest_but_two = json(dir.path(), &["list", "--limit", "3", "--json"])[2]["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let o = cli(dir.path(), &["show", &newest_but_two, "--json"], "");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(json(dir.path(), &["offline", "--json"])["messages"], 3);
}
