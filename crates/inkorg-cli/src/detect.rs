//! `inkorg-cli detect ADDRESS`: what autodetection found, where from, and what it tried.

use inkorg_core::detect::{self, DetectConfig, Detection, ServerReport};
use inkorg_core::Error;
use std::fmt::Write as _;

use crate::DetectArgs;

pub(crate) async fn run(a: DetectArgs) -> Result<(), Error> {
    let mut cfg = DetectConfig::default();
    if let Some(url) = a.ispdb_url.filter(|u| !u.trim().is_empty()) {
        cfg = cfg.with_ispdb_url(&url)?;
    }
    if let Some(ca) = a.ca_file.filter(|c| !c.as_os_str().is_empty()) {
        cfg = cfg.with_ca_file(ca)?;
    }
    let password = if a.password_stdin {
        Some(crate::read_password(true)?)
    } else {
        std::env::var("INKORG_PASSWORD")
            .ok()
            .filter(|p| !p.is_empty())
    };
    let found = detect::detect_with_progress(
        &a.address,
        password.as_deref(),
        &cfg,
        a.trust_found_hosts,
        &|_| {},
    )
    .await?;
    if a.json {
        let text = serde_json::to_string_pretty(&found).map_err(|e| Error::InvalidInput {
            field: "json".into(),
            message: e.to_string(),
        })?;
        println!("{text}");
    } else {
        print!("{}", describe(&found));
    }
    let complete = found.incoming.settings.is_some() && found.outgoing.settings.is_some();
    // Settings that wait for the person's yes were found: that is not a failure.
    let waiting = found.needs_confirmation.is_some() && !a.trust_found_hosts;
    if complete && (password.is_none() || found.verified() || waiting) {
        Ok(())
    } else {
        Err(failure(&found))
    }
}

/// The error a detection ends in when it did not give verified settings for both servers.
pub(crate) fn failure(d: &Detection) -> Error {
    let problem = [&d.incoming, &d.outgoing]
        .into_iter()
        .find_map(|r| r.problem.clone().filter(|_| !r.verified));
    match problem {
        Some(p) => Error::Reported {
            kind: p.kind,
            message: p.message,
        },
        None => Error::NotFound(format!("no settings were found for {}", d.email)),
    }
}

/// What a person reads: the result per server, the source, the timings and every step.
pub(crate) fn describe(d: &Detection) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", d.email);
    if let Some(s) = &d.suggestion {
        let _ = writeln!(out, "  did you mean {s}?");
    }
    match &d.found {
        Some(f) => {
            let trust = if f.trusted {
                "speaks for the domain"
            } else {
                "does not speak for the domain: hosts outside it need confirmation"
            };
            let _ = writeln!(out, "  found by {:?} ({trust}): {}", f.source, f.origin);
            if let Some(p) = &f.provider {
                let _ = write!(out, "  provider: {}", p.name);
                if let Some(r) = p.requirement {
                    let _ = write!(out, "; needs {r:?}");
                }
                if let Some(u) = &p.help_url {
                    let _ = write!(out, " ({u})");
                }
                let _ = writeln!(out);
            }
        }
        None => {
            let _ = writeln!(out, "  nothing found");
        }
    }
    if let Some(c) = &d.needs_confirmation {
        let _ = writeln!(
            out,
            "  NEEDS CONFIRMATION: found through {} ({}): {}",
            c.source.describe(),
            c.origin,
            c.hosts.join(", ")
        );
        let _ = writeln!(
            out,
            "    these hosts are outside {} and were named by a source that does not speak for it;",
            d.email.rsplit_once('@').map_or("", |(_, dom)| dom)
        );
        let _ = writeln!(
            out,
            "    no password was sent there. Sign in there only if you trust them: --trust-found-hosts"
        );
    }
    server_line(&mut out, "incoming IMAP", &d.incoming);
    server_line(&mut out, "outgoing SMTP", &d.outgoing);
    let ms = |v: Option<u64>| v.map_or("-".to_string(), |v| format!("{v} ms"));
    let _ = writeln!(
        out,
        "  settings in {}, verified in {}, total {} ms",
        ms(d.settings_ms),
        ms(d.verified_ms),
        d.total_ms
    );
    let _ = writeln!(out, "  tried:");
    for s in &d.steps {
        let mark = if s.found { "+" } else { "-" };
        let _ = writeln!(
            out,
            "    {mark} {:>5} ms {:<15} {} {}",
            s.at_ms,
            format!("{:?}", s.source),
            s.target,
            s.detail
        );
    }
    out
}

fn server_line(out: &mut String, label: &str, r: &ServerReport) {
    match &r.settings {
        Some(s) => {
            let state = if r.verified {
                "verified"
            } else if r.needs_confirmation {
                "not signed in: needs confirmation"
            } else {
                "not verified"
            };
            let _ = writeln!(
                out,
                "  {label}: {}:{} {} user {} ({state})",
                s.host, s.port, s.security, s.username
            );
        }
        None => {
            let _ = writeln!(out, "  {label}: not found");
        }
    }
    for t in &r.tried {
        let _ = writeln!(out, "      {t}");
    }
    if let Some(p) = &r.problem {
        let _ = writeln!(out, "      problem ({:?}): {}", p.kind, p.message);
        if let Some(fp) = &p.fingerprint {
            let _ = writeln!(out, "      certificate SHA-256 {fp}");
        }
    }
}
