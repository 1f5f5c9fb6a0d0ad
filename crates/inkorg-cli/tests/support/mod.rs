//! What the CLI's test files share: the real mail servers' settings, running the binary as a
//! person would, and the login arguments.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)] // test helpers may panic

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

pub fn script() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/mailserver/mailserver.sh")
}

pub fn servers() -> Option<HashMap<String, String>> {
    if std::env::var("INKORG_TEST_SERVERS").as_deref() != Ok("1") {
        eprintln!("not run: set INKORG_TEST_SERVERS=1 (scripts/test.sh does) to run server tests");
        return None;
    }
    let out = Command::new("bash")
        .arg(script())
        .arg("env")
        .output()
        .unwrap();
    assert!(out.status.success());
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

pub fn ctl(args: &[&str]) {
    assert!(Command::new("bash")
        .arg(script())
        .args(args)
        .status()
        .unwrap()
        .success());
}

/// Runs inkorg-cli with `args`, the password on stdin, and no INKORG_* from the outside.
pub fn cli(data_dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_inkorg-cli"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("INKORG_PASSWORD")
        .env_remove("INKORG_DATA_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

pub fn login_args<'a>(
    env: &'a HashMap<String, String>,
    email: &'a str,
    imap_port: &'a str,
    imap_security: &'a str,
) -> Vec<&'a str> {
    vec![
        "login",
        "--email",
        email,
        "--imap-host",
        &env["IMAP_HOST"],
        "--imap-port",
        imap_port,
        "--imap-security",
        imap_security,
        "--smtp-host",
        &env["SMTP_HOST"],
        "--smtp-port",
        &env["SMTP_PORT"],
        "--smtp-security",
        &env["SMTP_SECURITY"],
        "--ca-file",
        &env["CA_FILE"],
        "--password-stdin",
    ]
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
