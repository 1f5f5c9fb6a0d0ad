//! Guessing, when no source names the servers: `imap.`, `mail.` and the bare domain for
//! incoming, `smtp.`, `mail.` and the bare domain for outgoing; implicit TLS first (993, 465),
//! then STARTTLS (143, 587). Probes run in parallel with a bound on concurrency and short
//! timeouts; each reads the greeting and CAPABILITY or EHLO and signs in to nothing. The first
//! usable server in that order wins as soon as every better one has answered.

use futures::stream::{FuturesUnordered, StreamExt};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::time::Instant;

use super::{Problem, Source, Steps};
use crate::error::{Endpoint, Error, Protocol};
use crate::settings::{Security, ServerSettings};
use crate::tls::{Timeouts, Trust};
use crate::{imap, smtp};

/// The best server found for one protocol, with what stands in its way (an untrusted
/// certificate, say), if anything.
pub(crate) type Guessed = Option<(ServerSettings, Option<Problem>)>;

pub(crate) fn candidates(protocol: Protocol, domain: &str) -> Vec<ServerSettings> {
    let (first, ports) = match protocol {
        Protocol::Imap => ("imap", [(993, Security::Tls), (143, Security::Starttls)]),
        Protocol::Smtp => ("smtp", [(465, Security::Tls), (587, Security::Starttls)]),
    };
    let hosts = [
        format!("{first}.{domain}"),
        format!("mail.{domain}"),
        domain.to_string(),
    ];
    let mut out = Vec::new();
    for (port, security) in ports {
        for host in &hosts {
            out.push(ServerSettings {
                host: host.clone(),
                port,
                security,
                username: String::new(),
            });
        }
    }
    out
}

enum Probed {
    Usable,
    Untrusted(Problem),
    Failed,
}

pub(crate) async fn guess(
    protocol: Protocol,
    domain: &str,
    trust: &Trust,
    per_probe: Duration,
    concurrency: usize,
    steps: &Steps,
    deadline: Instant,
) -> Guessed {
    let list = candidates(protocol, domain);
    let gate = Arc::new(Semaphore::new(concurrency.max(1)));
    let timeouts = Timeouts {
        connect: per_probe,
        command: per_probe,
        fetch: per_probe,
    };
    let mut tasks = FuturesUnordered::new();
    for (i, server) in list.iter().cloned().enumerate() {
        let gate = gate.clone();
        let trust = trust.clone();
        let steps = steps.clone();
        tasks.push(async move {
            let Ok(_permit) = gate.acquire_owned().await else {
                return (i, Probed::Failed);
            };
            let started = std::time::Instant::now();
            let ep = Endpoint {
                protocol,
                host: server.host.clone(),
                port: server.port,
                security: server.security,
                user: String::new(),
            };
            let result = match protocol {
                Protocol::Imap => imap::probe(&ep, &trust, &timeouts).await.and_then(|caps| {
                    if caps.login_disabled {
                        Err(crate::tls::protocol_error(
                            &ep,
                            "the server refuses LOGIN (LOGINDISABLED)",
                        ))
                    } else {
                        Ok(())
                    }
                }),
                Protocol::Smtp => smtp::probe(&ep, &trust, &timeouts).await.and_then(|auth| {
                    if auth {
                        Ok(())
                    } else {
                        Err(crate::tls::protocol_error(
                            &ep,
                            "the server offers no AUTH PLAIN or LOGIN",
                        ))
                    }
                }),
            };
            let target = format!("{}:{} ({})", server.host, server.port, server.security);
            let outcome = match result {
                Ok(()) => {
                    steps.push(Source::Guess, target, true, "answers".into(), started);
                    Probed::Usable
                }
                Err(e) => {
                    let detail = short(&e);
                    steps.push(Source::Guess, target, false, detail, started);
                    match e {
                        Error::CertificateUntrusted { .. } => {
                            Probed::Untrusted(Problem::from_error(&e))
                        }
                        _ => Probed::Failed,
                    }
                }
            };
            (i, outcome)
        });
    }
    let mut results: Vec<Option<Probed>> = list.iter().map(|_| None).collect();
    loop {
        // The best usable server wins once every better candidate has answered.
        let mut all_done_before = true;
        for (i, r) in results.iter().enumerate() {
            match r {
                Some(Probed::Usable) if all_done_before => return Some((list[i].clone(), None)),
                None => all_done_before = false,
                _ => {}
            }
        }
        let next = tokio::time::timeout_at(deadline, tasks.next()).await;
        match next {
            Ok(Some((i, probed))) => results[i] = Some(probed),
            Ok(None) | Err(_) => break,
        }
    }
    // No better candidate will answer: the first usable one, else the first that answered
    // with a certificate we cannot trust (Advanced settings shows it with the reason).
    if let Some(i) = results
        .iter()
        .position(|r| matches!(r, Some(Probed::Usable)))
    {
        return Some((list[i].clone(), None));
    }
    results.into_iter().enumerate().find_map(|(i, r)| match r {
        Some(Probed::Untrusted(p)) => Some((list[i].clone(), Some(p))),
        _ => None,
    })
}

fn short(e: &Error) -> String {
    match e {
        Error::CannotConnect { detail, .. } | Error::Protocol { detail, .. } => detail.clone(),
        Error::CertificateUntrusted { detail, .. } => format!("certificate not trusted: {detail}"),
        Error::StarttlsNotOffered { .. } => "no STARTTLS offered".into(),
        other => other.to_string(),
    }
}
