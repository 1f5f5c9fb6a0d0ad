//! TLS for both protocols: certificates verified against the OS trust store plus any extra CA
//! roots the account names; a certificate the person accepted is pinned by its SHA-256
//! fingerprint for that host and port, and nothing else is ever accepted. Also the stream type
//! the IMAP client runs over, and connect/handshake with timeouts.

use anyhow::Context as _;
use sha2::{Digest, Sha256};
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_native_tls::TlsStream;

use crate::error::{Endpoint, Error, Result};

/// Timeouts for every network step. Generous enough for a slow provider, short enough that
/// a dead server is reported within a minute.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    pub command: Duration,
    /// For one batch of a large FETCH.
    pub fetch: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(15),
            command: Duration::from_secs(30),
            fetch: Duration::from_secs(120),
        }
    }
}

/// What a connection trusts beyond the OS store.
#[derive(Debug, Clone, Default)]
pub struct Trust {
    /// Extra CA roots, PEM, one or more certificates.
    pub extra_roots_pem: Vec<Vec<u8>>,
    /// A pinned SHA-256 fingerprint ("AB:CD:…") for this endpoint, from explicit consent.
    pub pinned: Option<String>,
}

impl Trust {
    /// Reads a CA bundle file (PEM with one or more certificates).
    pub fn with_ca_file(mut self, path: Option<&Path>) -> Result<Self> {
        if let Some(path) = path {
            let pem = std::fs::read(path).map_err(|e| {
                Error::invalid("ca_file", format!("cannot read {}: {e}", path.display()))
            })?;
            let blocks = split_pem(&pem);
            if blocks.is_empty() {
                return Err(Error::invalid(
                    "ca_file",
                    format!("{} holds no PEM certificate", path.display()),
                ));
            }
            self.extra_roots_pem.extend(blocks);
        }
        Ok(self)
    }

    /// The TLS connector for this trust. Building one reads and parses the OS's whole CA
    /// bundle (about 25 ms, twice over with OpenSSL): each distinct trust is built once per
    /// process and reused, so a reconnect or a one-shot command does not pay it again.
    pub(crate) fn native_connector(
        &self,
        accept_any: bool,
    ) -> anyhow::Result<native_tls::TlsConnector> {
        use sha2::{Digest, Sha256};
        type Cache = std::collections::HashMap<([u8; 32], bool), native_tls::TlsConnector>;
        static BUILT: std::sync::OnceLock<std::sync::Mutex<Cache>> = std::sync::OnceLock::new();
        let mut key = Sha256::new();
        for pem in &self.extra_roots_pem {
            key.update((pem.len() as u64).to_le_bytes());
            key.update(pem);
        }
        let key = (<[u8; 32]>::from(key.finalize()), accept_any);
        let cache = BUILT.get_or_init(Default::default);
        if let Some(c) = cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&key)
        {
            return Ok(c.clone());
        }
        let built = self.build_connector(accept_any)?;
        cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(key, built.clone());
        Ok(built)
    }

    fn build_connector(&self, accept_any: bool) -> anyhow::Result<native_tls::TlsConnector> {
        let mut b = native_tls::TlsConnector::builder();
        b.min_protocol_version(Some(native_tls::Protocol::Tlsv12));
        for pem in &self.extra_roots_pem {
            let cert = native_tls::Certificate::from_pem(pem).context("extra CA certificate")?;
            b.add_root_certificate(cert);
        }
        if accept_any {
            // Only used to read the certificate's fingerprint (to ask the person, or to compare
            // with a pin) before anything is sent; see `handshake`.
            b.danger_accept_invalid_certs(true);
            b.danger_accept_invalid_hostnames(true);
        }
        b.build().context("building the TLS connector")
    }
}

/// Splits a PEM bundle into one PEM block per certificate.
fn split_pem(pem: &[u8]) -> Vec<Vec<u8>> {
    let text = String::from_utf8_lossy(pem);
    let mut out = Vec::new();
    let mut current = String::new();
    let mut inside = false;
    for line in text.lines() {
        if line.starts_with("-----BEGIN CERTIFICATE-----") {
            inside = true;
            current.clear();
        }
        if inside {
            current.push_str(line);
            current.push('\n');
        }
        if line.starts_with("-----END CERTIFICATE-----") && inside {
            inside = false;
            out.push(current.as_bytes().to_vec());
        }
    }
    out
}

/// SHA-256 of a DER certificate as upper-case hex pairs joined by colons, the form browsers show.
pub fn fingerprint(der: &[u8]) -> String {
    let digest = Sha256::digest(der);
    digest
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Normalises a fingerprint as a person might paste it (spaces, lower case, no colons).
pub fn normalize_fingerprint(text: &str) -> Result<String> {
    let hex: String = text
        .chars()
        .filter(|c| c.is_ascii_hexdigit())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let stray = text
        .chars()
        .any(|c| !(c.is_ascii_hexdigit() || c == ':' || c.is_whitespace()));
    if hex.len() != 64 || stray {
        return Err(Error::invalid(
            "fingerprint",
            "a SHA-256 fingerprint is 64 hex digits (colons allowed)",
        ));
    }
    Ok(hex
        .as_bytes()
        .chunks(2)
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect::<Vec<_>>()
        .join(":"))
}

pub(crate) async fn tcp_connect(ep: &Endpoint, timeouts: &Timeouts) -> Result<TcpStream> {
    match crate::net::connect(&ep.host, ep.port, timeouts.connect).await {
        Ok(s) => Ok(s),
        Err(e) if e.kind() == io::ErrorKind::TimedOut => Err(Error::CannotConnect {
            endpoint: ep.clone(),
            detail: format!("no answer within {} s", timeouts.connect.as_secs()),
            source: None,
        }),
        Err(e) => Err(Error::CannotConnect {
            endpoint: ep.clone(),
            detail: describe_io(&e),
            source: None,
        }),
    }
}

fn describe_io(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => {
            "connection refused (nothing listens on that port)".into()
        }
        io::ErrorKind::TimedOut => "timed out".into(),
        _ if e.to_string().contains("failed to lookup address") => {
            "the server name was not found (DNS)".into()
        }
        _ => e.to_string(),
    }
}

/// The outcome of a TLS handshake that failed verification, before anything was sent.
pub(crate) enum HandshakeFailure {
    /// Verification failed (or a pin did not match): probe again to learn the fingerprint.
    Untrusted(String),
    /// The handshake itself failed (not TLS, wrong protocol version, reset).
    Broken(Error),
}

/// Runs the TLS handshake over `tcp`. With a pin, any certificate is accepted for the handshake
/// but the connection is dropped unless its fingerprint equals the pin; the caller sends nothing
/// before this returns Ok.
pub(crate) async fn handshake(
    ep: &Endpoint,
    tcp: TcpStream,
    trust: &Trust,
    timeouts: &Timeouts,
    accept_any: bool,
) -> std::result::Result<TlsStream<TcpStream>, HandshakeFailure> {
    let pinned = trust.pinned.as_deref();
    let connector = trust
        .native_connector(accept_any || pinned.is_some())
        .map_err(|e| HandshakeFailure::Broken(protocol_error(ep, format!("{e:#}"))))?;
    let connector = tokio_native_tls::TlsConnector::from(connector);
    let fut = connector.connect(&ep.host, tcp);
    let stream = match tokio::time::timeout(timeouts.connect, fut).await {
        Err(_) => {
            return Err(HandshakeFailure::Broken(Error::CannotConnect {
                endpoint: ep.clone(),
                detail: format!(
                    "the TLS handshake did not finish within {} s",
                    timeouts.connect.as_secs()
                ),
                source: None,
            }))
        }
        Ok(Err(e)) => {
            let text = e.to_string();
            if accept_any {
                return Err(HandshakeFailure::Broken(protocol_error(
                    ep,
                    format!("TLS handshake failed: {text}"),
                )));
            }
            return Err(HandshakeFailure::Untrusted(text));
        }
        Ok(Ok(s)) => s,
    };
    if let (Some(pin), false) = (pinned, accept_any) {
        let actual = peer_fingerprint(&stream);
        if actual.as_deref() != Some(pin) {
            return Err(HandshakeFailure::Untrusted(
                "the certificate differs from the one you accepted earlier".into(),
            ));
        }
    }
    Ok(stream)
}

pub(crate) fn peer_fingerprint(stream: &TlsStream<TcpStream>) -> Option<String> {
    let cert = stream.get_ref().peer_certificate().ok()??;
    let der = cert.to_der().ok()?;
    Some(fingerprint(&der))
}

pub(crate) fn protocol_error(ep: &Endpoint, detail: impl Into<String>) -> Error {
    Error::Protocol {
        endpoint: ep.clone(),
        detail: detail.into(),
        source: None,
    }
}

/// The byte stream an IMAP session runs over.
#[derive(Debug)]
pub enum MailStream {
    Tls(Box<TlsStream<TcpStream>>),
    Plain(TcpStream),
}

impl AsyncRead for MailStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MailStream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
            MailStream::Plain(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for MailStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            MailStream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
            MailStream::Plain(s) => Pin::new(s).poll_write(cx, buf),
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MailStream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
            MailStream::Plain(s) => Pin::new(s).poll_flush(cx),
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MailStream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
            MailStream::Plain(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_sha256_hex_pairs() {
        let fp = fingerprint(b"abc");
        assert_eq!(fp.len(), 32 * 3 - 1);
        assert!(fp.starts_with("BA:78:16:BF"));
    }

    #[test]
    fn pasted_fingerprints_are_normalised_and_checked() {
        let fp = fingerprint(b"abc");
        let pasted = fp.to_lowercase().replace(':', " ");
        assert_eq!(normalize_fingerprint(&pasted).unwrap(), fp);
        assert!(normalize_fingerprint("AB:CD").is_err());
        assert!(normalize_fingerprint(&format!("{fp}:ZZ")).is_err());
    }

    #[test]
    fn a_ca_bundle_splits_into_certificates() {
        let pem = b"junk\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n";
        let blocks = split_pem(pem);
        assert_eq!(blocks.len(), 2);
        assert!(String::from_utf8_lossy(&blocks[1]).contains("BBBB"));
    }
}
