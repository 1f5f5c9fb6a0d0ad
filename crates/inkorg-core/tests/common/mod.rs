//! Shared helpers for the tests that run against the real local mail server
//! (tests/mailserver/). They run when INKORG_TEST_SERVERS=1, which the test command sets after
//! starting the servers and a Secret Service; otherwise each such test says so and returns.
#![allow(dead_code)]

use inkorg_core::{AccountSettings, Credentials, Security, ServerSettings};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Servers {
    pub env: HashMap<String, String>,
}

pub fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/mailserver/mailserver.sh")
}

/// Runs a test-bed script (`bash SCRIPT ARG`) and reads the KEY=VALUE lines it prints.
pub fn script_env(script: &Path, arg: &str) -> HashMap<String, String> {
    let out = Command::new("bash")
        .arg(script)
        .arg(arg)
        .output()
        .unwrap_or_else(|e| panic!("{} {arg}: {e}", script.display()));
    assert!(out.status.success(), "{} {arg} failed", script.display());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The running servers' settings, or None (with a note) when server tests are not enabled.
pub fn servers() -> Option<Servers> {
    if std::env::var("INKORG_TEST_SERVERS").as_deref() != Ok("1") {
        eprintln!("not run: set INKORG_TEST_SERVERS=1 (scripts/test.sh does) to run server tests");
        return None;
    }
    let env = script_env(&script(), "env");
    Some(Servers { env })
}

impl Servers {
    pub fn get(&self, key: &str) -> String {
        self.env
            .get(key)
            .cloned()
            .unwrap_or_else(|| panic!("{key} missing from mailserver env"))
    }

    pub fn port(&self, key: &str) -> u16 {
        self.get(key).parse().expect("port")
    }

    pub fn password(&self) -> String {
        self.get("MAIL_PASSWORD")
    }

    pub fn creds(&self) -> Credentials {
        Credentials {
            imap_password: self.password(),
            smtp_password: None,
        }
    }

    /// Settings for a test user: IMAPS and submission with STARTTLS, trusting the test CA.
    pub fn settings(&self, user: &str) -> AccountSettings {
        self.settings_with(
            user,
            self.port("IMAP_PORT"),
            Security::Tls,
            self.port("SMTP_PORT"),
            Security::Starttls,
        )
    }

    pub fn settings_with(
        &self,
        user: &str,
        imap_port: u16,
        imap: Security,
        smtp_port: u16,
        smtp: Security,
    ) -> AccountSettings {
        let server = |port, security| ServerSettings {
            host: self.get("IMAP_HOST"),
            port,
            security,
            username: String::new(),
        };
        AccountSettings {
            email: format!("{user}@inkorg.test"),
            display_name: format!("Test {user}"),
            imap: server(imap_port, imap),
            smtp: server(smtp_port, smtp),
            ca_file: Some(PathBuf::from(self.get("CA_FILE"))),
            allow_plaintext: false,
        }
    }

    /// Runs a mailserver.sh subcommand (seed, flag, expunge, reset, …).
    pub fn ctl(&self, args: &[&str]) {
        let status = Command::new("bash")
            .arg(script())
            .args(args)
            .status()
            .expect("mailserver.sh");
        assert!(status.success(), "mailserver.sh {args:?} failed");
    }

    /// What each seeded message's subject must decode to, by Message-ID (without brackets).
    pub fn expected_subjects(&self, user: &str) -> HashMap<String, String> {
        let path = Path::new(&self.get("MAILSERVER_ROOT"))
            .join("home")
            .join(user)
            .join("expected.tsv");
        std::fs::read_to_string(&path)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(id, s)| (id.trim_matches(['<', '>']).to_string(), s.to_string()))
            .collect()
    }
}

/// Fails if `needle` occurs in any file below `dir`.
pub fn assert_absent_under(dir: &Path, needle: &str) {
    let mut stack = vec![dir.to_path_buf()];
    let mut files = 0;
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files += 1;
                let bytes = std::fs::read(&path).expect("read");
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                    "the password was found in {}",
                    path.display()
                );
            }
        }
    }
    assert!(files > 0, "nothing was written under {}", dir.display());
}

/// SHA-256 fingerprint of a PEM certificate file, as openssl prints it.
pub fn openssl_fingerprint(pem: &Path) -> String {
    let out = Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
        .arg(pem)
        .output()
        .expect("openssl");
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .rsplit('=')
        .next()
        .unwrap_or_default()
        .to_uppercase()
}
