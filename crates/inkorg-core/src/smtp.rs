//! SMTP with lettre: connect (TLS, STARTTLS that must be offered, or plaintext only when chosen),
//! verify the certificate or its pin, AUTH, and send. The login check stops after AUTH: no mail
//! is sent. One of the two modules that open sockets.

use crate::credential::Secret;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use std::net::Ipv4Addr;

use crate::error::{Endpoint, Error, Protocol, Result};
use crate::provider_answers::{classify, Verdict};
use crate::settings::{Security, ServerSettings};
use crate::tls::{self, Timeouts, Trust};

pub(crate) fn endpoint(s: &ServerSettings) -> Endpoint {
    Endpoint {
        protocol: Protocol::Smtp,
        host: s.host.clone(),
        port: s.port,
        security: s.security,
        user: s.username.clone(),
    }
}

/// The EHLO name: an address literal, so the person's machine name is not told to the server.
fn hello() -> ClientId {
    ClientId::Ipv4(Ipv4Addr::LOCALHOST)
}

fn tls_parameters(ep: &Endpoint, trust: &Trust, accept_any: bool) -> Result<TlsParameters> {
    let mut b = TlsParameters::builder(ep.host.clone());
    for pem in &trust.extra_roots_pem {
        let cert = Certificate::from_pem(pem)
            .map_err(|e| Error::invalid("ca_file", format!("not a PEM certificate: {e}")))?;
        b = b.add_root_certificate(cert);
    }
    if accept_any || trust.pinned.is_some() {
        // Only to read the fingerprint, or to compare it with a pin, before AUTH.
        b = b
            .dangerous_accept_invalid_certs(true)
            .dangerous_accept_invalid_hostnames(true);
    }
    b.build_native()
        .map_err(|e| tls::protocol_error(ep, format!("TLS setup: {e}")))
}

enum Opened {
    Ready(Box<AsyncSmtpConnection>),
    Untrusted(String),
}

async fn open(
    ep: &Endpoint,
    trust: &Trust,
    timeouts: &Timeouts,
    accept_any: bool,
) -> Result<Opened> {
    let addrs = match tokio::time::timeout(timeouts.connect, crate::net::resolve(&ep.host, ep.port))
        .await
    {
        Ok(Ok(a)) if !a.is_empty() => a,
        Ok(Ok(_)) | Ok(Err(_)) => {
            return Err(cannot_connect(ep, "the server name was not found (DNS)"))
        }
        Err(_) => {
            return Err(cannot_connect(
                ep,
                "the server name was not found in time (DNS)",
            ))
        }
    };
    let implicit = match ep.security {
        Security::Tls => Some(tls_parameters(ep, trust, accept_any)?),
        _ => None,
    };
    let hello_name = hello();
    let connecting = AsyncSmtpConnection::connect_tokio1(
        addrs.as_slice(),
        Some(timeouts.connect),
        &hello_name,
        implicit,
        None,
    );
    let mut conn = match tokio::time::timeout(timeouts.connect + timeouts.command, connecting).await
    {
        Err(_) => return Err(cannot_connect(ep, "no answer in time")),
        Ok(Err(e)) if (e.is_tls() || is_verify_failure(&e)) && !accept_any => {
            return Ok(Opened::Untrusted(source_text(&e)))
        }
        Ok(Err(e)) => return Err(connect_error(ep, e)),
        Ok(Ok(c)) => c,
    };
    if ep.security == Security::Starttls {
        if !conn.can_starttls() {
            conn.abort().await;
            return Err(Error::StarttlsNotOffered {
                endpoint: ep.clone(),
            });
        }
        let params = tls_parameters(ep, trust, accept_any)?;
        match tokio::time::timeout(timeouts.command, conn.starttls(params, &hello())).await {
            Err(_) => return Err(cannot_connect(ep, "no answer to STARTTLS in time")),
            Ok(Err(e)) if e.is_tls() && !accept_any => {
                return Ok(Opened::Untrusted(source_text(&e)))
            }
            Ok(Err(e)) => return Err(connect_error(ep, e)),
            Ok(Ok(())) => {}
        }
    }
    if let (Some(pin), false) = (trust.pinned.as_deref(), accept_any) {
        if ep.security != Security::None {
            let actual = conn
                .peer_certificate()
                .ok()
                .map(|der| tls::fingerprint(&der));
            if actual.as_deref() != Some(pin) {
                conn.abort().await;
                return Ok(Opened::Untrusted(
                    "the certificate differs from the one you accepted earlier".into(),
                ));
            }
        }
    }
    Ok(Opened::Ready(Box::new(conn)))
}

async fn connect(ep: &Endpoint, trust: &Trust, timeouts: &Timeouts) -> Result<AsyncSmtpConnection> {
    match open(ep, trust, timeouts, false).await? {
        Opened::Ready(c) => Ok(*c),
        Opened::Untrusted(detail) => {
            let probe = Trust {
                pinned: None,
                ..trust.clone()
            };
            match open(ep, &probe, timeouts, true).await? {
                Opened::Ready(mut c) => {
                    let fp = c.peer_certificate().ok().map(|der| tls::fingerprint(&der));
                    c.abort().await;
                    // A handshake cut off by the network fails like an untrusted certificate:
                    // only a second verified try that fails again means the certificate.
                    if let Ok(Opened::Ready(mut again)) = open(ep, trust, timeouts, false).await {
                        again.abort().await;
                        return Err(Error::CannotConnect {
                            endpoint: ep.clone(),
                            detail: format!(
                                "the connection broke during the TLS handshake ({detail})"
                            ),
                            source: None,
                        });
                    }
                    Err(match fp {
                        Some(fingerprint) => Error::CertificateUntrusted {
                            endpoint: ep.clone(),
                            fingerprint,
                            detail,
                        },
                        None => tls::protocol_error(ep, format!("TLS failed: {detail}")),
                    })
                }
                Opened::Untrusted(d) => Err(tls::protocol_error(ep, format!("TLS failed: {d}"))),
            }
        }
    }
}

/// Connects and authenticates (AUTH PLAIN or LOGIN with a password, XOAUTH2 with a token).
/// The caller either quits (login check) or sends.
async fn connect_and_auth(
    server: &ServerSettings,
    secret: &Secret,
    trust: &Trust,
    timeouts: &Timeouts,
) -> Result<(AsyncSmtpConnection, Endpoint)> {
    let ep = endpoint(server);
    let mut conn = connect(&ep, trust, timeouts).await?;
    let (creds, mechanisms): (Credentials, &[Mechanism]) = match secret {
        Secret::Password(p) => (
            Credentials::new(server.username.clone(), p.clone()),
            &[Mechanism::Plain, Mechanism::Login],
        ),
        Secret::OAuth2(t) => (
            Credentials::new(server.username.clone(), t.access_token.clone()),
            &[Mechanism::Xoauth2],
        ),
    };
    let auth = conn.auth(mechanisms, &creds);
    match tokio::time::timeout(timeouts.command, auth).await {
        Err(_) => Err(cannot_connect(
            &ep,
            "the server did not answer AUTH in time",
        )),
        Ok(Ok(_)) => Ok((conn, ep)),
        Ok(Err(e)) => {
            conn.abort().await;
            Err(auth_error(&ep, e))
        }
    }
}

fn auth_error(ep: &Endpoint, e: lettre::transport::smtp::Error) -> Error {
    let text = e.to_string();
    if e.is_client() && text.contains("No compatible authentication mechanism") {
        return tls::protocol_error(
            ep,
            "the server offers no sign-in method Inkorg can use (AUTH PLAIN or LOGIN, or \
             XOAUTH2 for a sign-in token)",
        )
        .because(e);
    }
    if e.status().is_none() {
        return connect_error(ep, e);
    }
    match classify(&text) {
        Verdict::WrongCredentials => Error::WrongCredentials {
            endpoint: ep.clone(),
            server_text: text,
        },
        Verdict::Blocked { reason, url } => Error::BlockedByProvider {
            endpoint: ep.clone(),
            reason,
            server_text: text,
            url,
        },
    }
}

/// lettre reports a failed verification during an implicit-TLS connect as a connection error.
fn is_verify_failure(e: &lettre::transport::smtp::Error) -> bool {
    let text = source_text(e);
    text.contains("certificate verify failed") || text.contains("certificate is not trusted")
}

fn source_text(e: &lettre::transport::smtp::Error) -> String {
    use std::error::Error as _;
    e.source()
        .map(|s| s.to_string())
        .unwrap_or_else(|| e.to_string())
}

fn cannot_connect(ep: &Endpoint, detail: &str) -> Error {
    Error::cannot_connect(ep, detail)
}

/// The I/O error somewhere in a chain of causes (lettre wraps the socket's).
fn io_cause<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a std::io::Error> {
    let mut cause = Some(e);
    while let Some(c) = cause {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            return Some(io);
        }
        cause = c.source();
    }
    None
}

/// A failed connect or command, with lettre's error (and the socket's inside it) as the cause.
fn connect_error(ep: &Endpoint, e: lettre::transport::smtp::Error) -> Error {
    let detail = source_text(&e);
    if e.status().is_some() || e.is_response() {
        return tls::protocol_error(ep, e.to_string()).because(e);
    }
    let io_kind = io_cause(&e).map(std::io::Error::kind);
    let detail = if io_kind == Some(std::io::ErrorKind::ConnectionRefused) {
        "connection refused (nothing listens on that port)".to_string()
    } else if detail.contains("failed to lookup address") {
        "the server name was not found (DNS)".to_string()
    } else {
        detail
    };
    Error::cannot_connect(ep, detail).because(e)
}

/// Connects as `ep` says (certificate verified), reads EHLO and quits without signing in.
/// Returns whether AUTH PLAIN or LOGIN is offered. Used by autodetection's guessing.
pub(crate) async fn probe(ep: &Endpoint, trust: &Trust, timeouts: &Timeouts) -> Result<bool> {
    let mut conn = connect(ep, trust, timeouts).await?;
    let info = conn.server_info();
    let auth = info.supports_auth_mechanism(Mechanism::Plain)
        || info.supports_auth_mechanism(Mechanism::Login);
    let _ = tokio::time::timeout(timeouts.command, conn.quit()).await;
    Ok(auth)
}

/// EHLO + AUTH, then QUIT. No mail is sent.
pub async fn check_login(
    server: &ServerSettings,
    secret: &Secret,
    trust: &Trust,
    timeouts: &Timeouts,
) -> Result<()> {
    let (mut conn, _) = connect_and_auth(server, secret, trust, timeouts).await?;
    let _ = tokio::time::timeout(timeouts.command, conn.quit()).await;
    Ok(())
}

/// How a submission went wrong, in the terms the outbox needs: may the message have been
/// delivered, and is another try worth it?
#[derive(Debug)]
pub(crate) enum SubmitError {
    /// Nothing was handed over: the connection, the sign-in or an envelope command failed,
    /// or the connection broke before the end of the message was written. Safe to try again.
    /// `permanent`: the server answered 5xx.
    NotSent {
        error: Box<Error>,
        permanent: bool,
        server_text: Option<String>,
    },
    /// The whole message was written but its answer never came (cut, timeout): the server
    /// may have accepted it.
    Unknown { error: Box<Error> },
    /// The server answered the message itself with a refusal.
    Refused {
        error: Box<Error>,
        permanent: bool,
        server_text: String,
    },
}

/// The server's own words in one of lettre's response errors ("permanent error (550):
/// 5.1.1 …" → "550 5.1.1 …").
fn server_words(e: &lettre::transport::smtp::Error) -> Option<String> {
    use std::error::Error as _;
    let code = e.status()?;
    let text = e.source().map(|s| s.to_string()).unwrap_or_default();
    Some(format!("{code} {text}").trim().to_string())
}

fn refused(ep: &Endpoint, what: &str, e: lettre::transport::smtp::Error) -> SubmitError {
    match server_words(&e) {
        Some(words) => SubmitError::NotSent {
            permanent: e.is_permanent(),
            error: Box::new(
                tls::protocol_error(ep, format!("{what} was refused: {words}")).because(e),
            ),
            server_text: Some(words),
        },
        None => SubmitError::NotSent {
            error: Box::new(connect_error(ep, e)),
            permanent: false,
            server_text: None,
        },
    }
}

fn not_sent(error: Error) -> SubmitError {
    SubmitError::NotSent {
        error: Box::new(error),
        permanent: false,
        server_text: None,
    }
}

/// One message's SMTP transaction, in the steps the outbox records: [`Submission::open`]
/// (connect, TLS, AUTH), [`Submission::envelope`] (MAIL, RCPT, DATA), then
/// [`Submission::content`], the only step after which the server may have the message.
pub(crate) struct Submission {
    conn: AsyncSmtpConnection,
    ep: Endpoint,
    timeouts: Timeouts,
}

impl Submission {
    pub async fn open(
        server: &ServerSettings,
        secret: &Secret,
        trust: &Trust,
        timeouts: &Timeouts,
    ) -> std::result::Result<Submission, SubmitError> {
        match connect_and_auth(server, secret, trust, timeouts).await {
            Ok((conn, ep)) => Ok(Submission {
                conn,
                ep,
                timeouts: *timeouts,
            }),
            Err(e) => {
                // A refused sign-in is not fixed by trying again (and providers lock
                // accounts that keep trying); the person gets the guidance.
                let (permanent, server_text) = match &e {
                    Error::WrongCredentials { server_text, .. }
                    | Error::BlockedByProvider { server_text, .. } => {
                        (true, Some(server_text.clone()))
                    }
                    Error::CertificateUntrusted { .. } | Error::StarttlsNotOffered { .. } => {
                        (true, None)
                    }
                    _ => (false, None),
                };
                Err(SubmitError::NotSent {
                    permanent,
                    server_text,
                    error: Box::new(e),
                })
            }
        }
    }

    pub async fn envelope(
        &mut self,
        envelope: &Envelope,
        message: &[u8],
    ) -> std::result::Result<(), SubmitError> {
        use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
        use lettre::transport::smtp::extension::{Extension, MailBodyParameter, MailParameter};
        let mut options = Vec::new();
        let non_ascii = envelope
            .from()
            .into_iter()
            .chain(envelope.to())
            .any(|a: &lettre::Address| !AsRef::<str>::as_ref(a).is_ascii());
        if non_ascii {
            if !self
                .conn
                .server_info()
                .supports_feature(Extension::SmtpUtfEight)
            {
                return Err(SubmitError::NotSent {
                    error: Box::new(Error::invalid(
                        "to",
                        "an address is not ASCII and the server does not take such addresses                          (SMTPUTF8)",
                    )),
                    permanent: true,
                    server_text: None,
                });
            }
            options.push(MailParameter::SmtpUtfEight);
        }
        if !message.is_ascii() {
            if !self
                .conn
                .server_info()
                .supports_feature(Extension::EightBitMime)
            {
                return Err(SubmitError::NotSent {
                    error: Box::new(Error::invalid(
                        "message",
                        "the message has 8-bit text and the server does not take it (8BITMIME)",
                    )),
                    permanent: true,
                    server_text: None,
                });
            }
            options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        let t = self.timeouts.command;
        let ep = self.ep.clone();
        let step = |r: std::result::Result<
            std::result::Result<lettre::transport::smtp::response::Response, _>,
            tokio::time::error::Elapsed,
        >,
                    what: &str| match r {
            Err(_) => Err(not_sent(cannot_connect(
                &ep,
                &format!("the server did not answer {what} in time"),
            ))),
            Ok(Err(e)) => Err(refused(&ep, what, e)),
            Ok(Ok(_)) => Ok(()),
        };
        let mail = Mail::new(envelope.from().cloned(), options);
        step(
            tokio::time::timeout(t, self.conn.command(mail)).await,
            "the sender",
        )?;
        for to in envelope.to() {
            let rcpt = Rcpt::new(to.clone(), vec![]);
            step(
                tokio::time::timeout(t, self.conn.command(rcpt)).await,
                &format!("the recipient {to}"),
            )?;
        }
        step(
            tokio::time::timeout(t, self.conn.command(Data)).await,
            "DATA",
        )
    }

    /// Writes the message and reads the server's answer.
    pub async fn content(&mut self, message: &[u8]) -> std::result::Result<(), SubmitError> {
        // Given to lettre in chunks; once it has taken the last one it writes the final dot,
        // and from then on the server may have the message whatever happens.
        let all_taken = std::sync::atomic::AtomicBool::new(false);
        let mut chunks = message.chunks(64 * 1024);
        let iter = std::iter::from_fn(|| {
            let next = chunks.next();
            if next.is_none() {
                all_taken.store(true, std::sync::atomic::Ordering::SeqCst);
            }
            next
        });
        // A big message on a slow line: the time to write it counts, as for a big fetch.
        let limit = self.timeouts.fetch + self.timeouts.fetch * (message.len() / 1_000_000) as u32;
        let result = tokio::time::timeout(limit, self.conn.message_iter(iter)).await;
        let taken = all_taken.load(std::sync::atomic::Ordering::SeqCst);
        match result {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) if e.status().is_some() => Err(SubmitError::Refused {
                permanent: e.is_permanent(),
                server_text: server_words(&e).unwrap_or_default(),
                error: Box::new(
                    tls::protocol_error(
                        &self.ep,
                        format!(
                            "the message was refused: {}",
                            server_words(&e).unwrap_or_default()
                        ),
                    )
                    .because(e),
                ),
            }),
            Ok(Err(e)) if !taken => Err(not_sent(connect_error(&self.ep, e))),
            Ok(Err(e)) => Err(SubmitError::Unknown {
                error: Box::new(connect_error(&self.ep, e)),
            }),
            Err(_) if !taken => Err(not_sent(cannot_connect(
                &self.ep,
                "the message could not be written in time",
            ))),
            Err(_) => Err(SubmitError::Unknown {
                error: Box::new(cannot_connect(
                    &self.ep,
                    "the server did not answer the message in time",
                )),
            }),
        }
    }

    pub async fn quit(mut self) {
        let _ = tokio::time::timeout(self.timeouts.command, self.conn.quit()).await;
    }
}
