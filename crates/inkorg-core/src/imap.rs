//! IMAP connections: TCP, TLS or STARTTLS (never silently plaintext), the login with provider
//! answers recognised, and timeouts on every step. One of the two modules that open sockets.

use crate::credential::{xoauth2, Secret, XOAuth2};
use futures::{StreamExt, TryStreamExt};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::error::{Endpoint, Error, Protocol, Result};
use crate::provider_answers::{classify, Verdict};
use crate::settings::{Security, ServerSettings};
use crate::tls::{self, HandshakeFailure, MailStream, Timeouts, Trust};

pub type Session = async_imap::Session<MailStream>;
type Client = async_imap::Client<MailStream>;

pub(crate) fn endpoint(s: &ServerSettings) -> Endpoint {
    Endpoint {
        protocol: Protocol::Imap,
        host: s.host.clone(),
        port: s.port,
        security: s.security,
        user: s.username.clone(),
    }
}

/// Connects and signs in: LOGIN with a password, AUTHENTICATE XOAUTH2 with a token. On a
/// refusal the answer is classified (wrong password, or a provider block with its URL); an
/// `[ALERT]` is returned at once, never retried here.
pub async fn login(
    server: &ServerSettings,
    secret: &Secret,
    trust: &Trust,
    timeouts: &Timeouts,
) -> Result<Session> {
    let ep = endpoint(server);
    let client = connect(&ep, trust, timeouts).await?;
    let attempt = async {
        match secret {
            Secret::Password(p) => client.login(&server.username, p).await,
            Secret::OAuth2(t) => {
                let auth = XOAuth2 {
                    response: xoauth2(&server.username, &t.access_token),
                    sent: false,
                };
                client.authenticate("XOAUTH2", auth).await
            }
        }
    };
    match tokio::time::timeout(timeouts.command, attempt).await {
        Err(_) => Err(Error::CannotConnect {
            endpoint: ep,
            detail: "the server did not answer the login in time".into(),
            source: None,
        }),
        Ok(Ok(session)) => Ok(session),
        Ok(Err((e, _client))) => Err(login_error(&ep, e)),
    }
}

fn login_error(ep: &Endpoint, e: async_imap::error::Error) -> Error {
    use async_imap::error::Error as E;
    match e {
        E::No(text) => {
            let server_text = readable_no(&text);
            match classify(&text) {
                Verdict::WrongCredentials => Error::WrongCredentials {
                    endpoint: ep.clone(),
                    server_text,
                },
                Verdict::Blocked { reason, url } => Error::BlockedByProvider {
                    endpoint: ep.clone(),
                    reason,
                    server_text,
                    url,
                },
            }
        }
        E::Validate(_) => Error::invalid(
            "password",
            "the user name or password contains a line break",
        ),
        other => map_imap_error(ep, other),
    }
}

/// async-imap renders a NO as `code: Some(Alert), info: Some("text")`; turn it back into the
/// form the server sent, for showing to a person.
fn readable_no(text: &str) -> String {
    let code = text
        .split("code: Some(")
        .nth(1)
        .and_then(|r| r.split(')').next())
        .map(|c| format!("[{}] ", c.to_ascii_uppercase()))
        .unwrap_or_default();
    let info = text
        .split("info: Some(\"")
        .nth(1)
        .map(|r| r.trim_end_matches("\")").replace("\\\"", "\""))
        .unwrap_or_else(|| text.to_string());
    format!("{code}{info}")
}

pub(crate) fn map_imap_error(ep: &Endpoint, e: async_imap::error::Error) -> Error {
    use async_imap::error::Error as E;
    match e {
        E::Io(io) => Error::cannot_connect(ep, io.to_string()).because(io),
        E::ConnectionLost => Error::CannotConnect {
            endpoint: ep.clone(),
            detail: "the server closed the connection".into(),
            source: None,
        },
        other => tls::protocol_error(ep, other.to_string()).because(other),
    }
}

/// Opens the connection as the settings say and reads the greeting.
async fn connect(ep: &Endpoint, trust: &Trust, timeouts: &Timeouts) -> Result<Client> {
    let stream = match open_stream(ep, trust, timeouts, false).await? {
        Ok(s) => s,
        Err(HandshakeFailure::Broken(e)) => return Err(e),
        Err(HandshakeFailure::Untrusted(detail)) => {
            return Err(untrusted(ep, trust, timeouts, detail).await);
        }
    };
    let greeting_expected = ep.security != Security::Starttls;
    let mut client = Client::new(stream);
    if greeting_expected {
        match tokio::time::timeout(timeouts.command, client.read_response()).await {
            Ok(Ok(Some(_))) => {}
            Ok(Ok(None)) => {
                return Err(Error::CannotConnect {
                    endpoint: ep.clone(),
                    detail: "the server closed the connection before greeting".into(),
                    source: None,
                })
            }
            Ok(Err(e)) => {
                return Err(tls::protocol_error(ep, format!("no IMAP greeting: {e}")).because(e))
            }
            Err(_) => {
                return Err(tls::protocol_error(
                    ep,
                    "no IMAP greeting in time (is this an IMAP port?)",
                ))
            }
        }
    }
    Ok(client)
}

/// What an IMAP server says about itself before login.
#[derive(Debug, Clone, Default)]
pub(crate) struct Capabilities {
    /// LOGINDISABLED: the server refuses LOGIN on this connection.
    pub login_disabled: bool,
    pub imap4rev1: bool,
}

/// Connects as `ep` says (certificate verified, STARTTLS required when chosen), asks for
/// CAPABILITY and logs out without signing in. Used by autodetection's guessing.
pub(crate) async fn probe(
    ep: &Endpoint,
    trust: &Trust,
    timeouts: &Timeouts,
) -> Result<Capabilities> {
    let client = connect(ep, trust, timeouts).await?;
    let mut stream = client.into_inner();
    let talk = async {
        stream.write_all(b"p1 CAPABILITY\r\n").await?;
        stream.flush().await?;
        let mut buf = Vec::new();
        let mut caps = Capabilities::default();
        loop {
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).await?;
            if n == 0 || buf.len() > 64 * 1024 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&buf).to_ascii_uppercase();
            if text.contains("\r\nP1 ") || text.starts_with("P1 ") {
                caps.login_disabled = text.contains("LOGINDISABLED");
                caps.imap4rev1 = text.contains("IMAP4REV1") || text.contains("IMAP4REV2");
                break;
            }
        }
        let _ = stream.write_all(b"p2 LOGOUT\r\n").await;
        std::io::Result::Ok(caps)
    };
    match tokio::time::timeout(timeouts.command, talk).await {
        Ok(Ok(caps)) => Ok(caps),
        Ok(Err(e)) => Err(tls::protocol_error(ep, format!("CAPABILITY failed: {e}")).because(e)),
        Err(_) => Err(tls::protocol_error(ep, "no answer to CAPABILITY in time")),
    }
}

/// Verification failed: connect once more, accepting any certificate only to read its
/// fingerprint for the question to the person, then close without sending anything else.
async fn untrusted(ep: &Endpoint, trust: &Trust, timeouts: &Timeouts, detail: String) -> Error {
    let probe = Trust {
        pinned: None,
        ..trust.clone()
    };
    match open_stream(ep, &probe, timeouts, true).await {
        Ok(Ok(MailStream::Tls(s))) => match tls::peer_fingerprint(&s) {
            Some(fingerprint) => {
                drop(s);
                // A handshake cut off by the network (a dropped connection, EOF) fails like
                // an untrusted certificate. Only a second verified handshake that fails again
                // means the certificate: else the person would be asked about a certificate
                // that is fine, and the account loop would stop instead of reconnecting.
                if let Ok(Ok(_)) = open_stream(ep, trust, timeouts, false).await {
                    return Error::CannotConnect {
                        endpoint: ep.clone(),
                        detail: format!("the connection broke during the TLS handshake ({detail})"),
                        source: None,
                    };
                }
                Error::CertificateUntrusted {
                    endpoint: ep.clone(),
                    fingerprint,
                    detail,
                }
            }
            None => tls::protocol_error(ep, format!("TLS failed: {detail}")),
        },
        Ok(Ok(MailStream::Plain(_))) | Ok(Err(_)) => {
            tls::protocol_error(ep, format!("TLS failed: {detail}"))
        }
        Err(e) => e,
    }
}

type Opened = std::result::Result<MailStream, HandshakeFailure>;

async fn open_stream(
    ep: &Endpoint,
    trust: &Trust,
    timeouts: &Timeouts,
    accept_any: bool,
) -> Result<Opened> {
    let mut tcp = tls::tcp_connect(ep, timeouts).await?;
    match ep.security {
        Security::None => Ok(Ok(MailStream::Plain(tcp))),
        Security::Tls => Ok(tls::handshake(ep, tcp, trust, timeouts, accept_any)
            .await
            .map(|s| MailStream::Tls(Box::new(s)))),
        Security::Starttls => {
            starttls_preamble(ep, &mut tcp, timeouts.command).await?;
            Ok(tls::handshake(ep, tcp, trust, timeouts, accept_any)
                .await
                .map(|s| MailStream::Tls(Box::new(s))))
        }
    }
}

/// Greeting, CAPABILITY, STARTTLS over plaintext. Fails with `StarttlsNotOffered` (and sends
/// nothing more) when the server does not offer STARTTLS.
async fn starttls_preamble(ep: &Endpoint, tcp: &mut TcpStream, limit: Duration) -> Result<()> {
    let steps = async {
        let mut reader = LineReader::default();
        let greeting = reader.line(tcp).await?;
        if !greeting.starts_with("* OK") {
            return Err(format!("unexpected greeting: {}", first_chars(&greeting)));
        }
        let mut offered = capability_has_starttls(&greeting);
        if !offered {
            tcp.write_all(b"i0 CAPABILITY\r\n")
                .await
                .map_err(|e| e.to_string())?;
            loop {
                let line = reader.line(tcp).await?;
                if line.starts_with("* CAPABILITY") {
                    offered = capability_has_starttls(&line);
                } else if line.starts_with("i0 ") {
                    break;
                }
            }
        }
        if !offered {
            return Ok(false);
        }
        tcp.write_all(b"i1 STARTTLS\r\n")
            .await
            .map_err(|e| e.to_string())?;
        loop {
            let line = reader.line(tcp).await?;
            if line.starts_with("i1 OK") {
                return Ok(true);
            }
            if line.starts_with("i1 ") {
                return Err(format!("STARTTLS refused: {}", first_chars(&line)));
            }
        }
    };
    match tokio::time::timeout(limit, steps).await {
        Err(_) => Err(tls::protocol_error(ep, "no answer to STARTTLS in time")),
        Ok(Err(detail)) => Err(tls::protocol_error(ep, detail)),
        Ok(Ok(false)) => Err(Error::StarttlsNotOffered {
            endpoint: ep.clone(),
        }),
        Ok(Ok(true)) => Ok(()),
    }
}

fn capability_has_starttls(line: &str) -> bool {
    line.to_ascii_uppercase()
        .split(|c: char| c.is_whitespace() || c == ']' || c == '[')
        .any(|w| w == "STARTTLS")
}

fn first_chars(s: &str) -> String {
    s.chars().take(120).collect()
}

/// Reads CRLF lines from a plaintext socket before STARTTLS. The server sends nothing we have
/// not asked for, so no bytes are left behind when the TLS handshake starts.
#[derive(Default)]
struct LineReader {
    buf: Vec<u8>,
}

impl LineReader {
    async fn line(&mut self, tcp: &mut TcpStream) -> std::result::Result<String, String> {
        loop {
            if let Some(pos) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line: Vec<u8> = self.buf.drain(..pos + 2).collect();
                return Ok(String::from_utf8_lossy(&line[..pos]).into_owned());
            }
            if self.buf.len() > 64 * 1024 {
                return Err("the server sent an overlong line".into());
            }
            let mut chunk = [0u8; 4096];
            let n = tcp.read(&mut chunk).await.map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("the server closed the connection".into());
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}

/// A folder as the server lists it.
#[derive(Debug, Clone)]
pub struct RemoteFolder {
    pub name: String,
    pub delimiter: Option<String>,
    pub special_use: Option<String>,
    pub selectable: bool,
}

pub async fn list_folders(
    session: &mut Session,
    ep: &Endpoint,
    timeouts: &Timeouts,
) -> Result<Vec<RemoteFolder>> {
    let work = async {
        let stream = session
            .list(Some(""), Some("*"))
            .await
            .map_err(|e| map_imap_error(ep, e))?;
        let names: Vec<_> = stream.collect().await;
        let mut out = Vec::new();
        for n in names {
            let n = n.map_err(|e| map_imap_error(ep, e))?;
            let attrs: Vec<String> = n.attributes().iter().map(|a| format!("{a:?}")).collect();
            let special_use = attrs
                .iter()
                .find_map(|a| special_use_of(a))
                .map(String::from);
            let selectable = !attrs.iter().any(|a| a.contains("NoSelect"));
            out.push(RemoteFolder {
                name: n.name().to_string(),
                delimiter: n.delimiter().map(String::from),
                special_use,
                selectable,
            });
        }
        Ok(out)
    };
    tokio::time::timeout(timeouts.command, work)
        .await
        .map_err(|_| tls::protocol_error(ep, "LIST did not finish in time"))?
}

fn special_use_of(attr: &str) -> Option<&'static str> {
    // imap-proto knows some of these as variants and leaves others as Extension("\\Sent").
    let a = attr.to_ascii_lowercase();
    [
        ("sent", "\\Sent"),
        ("drafts", "\\Drafts"),
        ("trash", "\\Trash"),
        ("junk", "\\Junk"),
        ("archive", "\\Archive"),
        ("all", "\\All"),
        ("flagged", "\\Flagged"),
    ]
    .into_iter()
    .find(|(k, _)| {
        a == *k || a.ends_with(&format!("\\\\{k}\")")) || a.ends_with(&format!("\\{k}\")"))
    })
    .map(|(_, v)| v)
}

/// What the account loop needs to know about a logged-in server.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SessionCaps {
    pub idle: bool,
    pub condstore: bool,
    pub move_: bool,
    pub uidplus: bool,
    /// QRESYNC is offered and ENABLEd on this session.
    pub qresync: bool,
}

/// What the server offers, read after login; QRESYNC, where offered, is ENABLEd here (a
/// server that then refuses it is used with CONDSTORE).
pub(crate) async fn session_caps(
    session: &mut Session,
    ep: &Endpoint,
    timeouts: &Timeouts,
) -> Result<SessionCaps> {
    let caps = tokio::time::timeout(timeouts.command, session.capabilities())
        .await
        .map_err(|_| tls::protocol_error(ep, "CAPABILITY did not finish in time"))?
        .map_err(|e| map_imap_error(ep, e))?;
    let mut out = SessionCaps {
        idle: caps.has_str("IDLE"),
        condstore: caps.has_str("CONDSTORE") || caps.has_str("QRESYNC"),
        move_: caps.has_str("MOVE"),
        uidplus: caps.has_str("UIDPLUS"),
        qresync: false,
    };
    if caps.has_str("QRESYNC") && caps.has_str("ENABLE") {
        match enable_qresync(session, ep, timeouts).await {
            Ok(()) => out.qresync = true,
            Err(e) if e.kind() == crate::ErrorKind::Protocol => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// A command's outcome for replay: the server said no (the action cannot be applied, drop
/// it), or the connection failed (try again on the next connection).
#[derive(Debug)]
pub(crate) enum CommandFailure {
    Refused(String),
    Failed(Error),
}

fn command_failure(ep: &Endpoint, e: async_imap::error::Error) -> CommandFailure {
    use async_imap::error::Error as E;
    match e {
        E::No(t) | E::Bad(t) => CommandFailure::Refused(readable_no(&t)),
        other => CommandFailure::Failed(map_imap_error(ep, other)),
    }
}

type Cmd<T> = std::result::Result<T, CommandFailure>;

async fn timed<T>(
    ep: &Endpoint,
    limit: Duration,
    what: &str,
    work: impl std::future::Future<Output = std::result::Result<T, async_imap::error::Error>>,
) -> Cmd<T> {
    match tokio::time::timeout(limit, work).await {
        Err(_) => Err(CommandFailure::Failed(tls::protocol_error(
            ep,
            format!("{what} did not finish in time"),
        ))),
        Ok(r) => r.map_err(|e| command_failure(ep, e)),
    }
}

/// SUBSCRIBE or UNSUBSCRIBE a folder.
pub(crate) async fn subscribe(
    session: &mut Session,
    ep: &Endpoint,
    timeouts: &Timeouts,
    folder: &str,
    on: bool,
) -> Cmd<()> {
    if on {
        timed(ep, timeouts.command, "SUBSCRIBE", session.subscribe(folder)).await
    } else {
        timed(
            ep,
            timeouts.command,
            "UNSUBSCRIBE",
            session.unsubscribe(folder),
        )
        .await
    }
}

/// SELECT for replay: the folder's UIDVALIDITY.
pub(crate) async fn select(
    session: &mut Session,
    ep: &Endpoint,
    timeouts: &Timeouts,
    folder: &str,
) -> Cmd<u32> {
    let mb = timed(ep, timeouts.command, "SELECT", session.select(folder)).await?;
    Ok(mb.uid_validity.unwrap_or(0))
}

/// `UID STORE uid ±FLAGS.SILENT (flags)`.
pub(crate) async fn store_flags(
    session: &mut Session,
    ep: &Endpoint,
    timeouts: &Timeouts,
    uid: u32,
    add: bool,
    flags: &[String],
) -> Cmd<()> {
    let op = if add { "+" } else { "-" };
    let query = format!("{op}FLAGS.SILENT ({})", flags.join(" "));
    let work = async {
        session
            .uid_store(uid.to_string(), &query)
            .await?
            .try_collect::<Vec<_>>()
            .await
    };
    timed(ep, timeouts.command, "UID STORE", work).await?;
    Ok(())
}

/// `UID MOVE uid target`, or with `keep` `UID COPY uid target`.
pub(crate) async fn uid_transfer(
    session: &mut Session,
    ep: &Endpoint,
    timeouts: &Timeouts,
    uid: u32,
    target: &str,
    keep: bool,
) -> Cmd<()> {
    if keep {
        let work = session.uid_copy(uid.to_string(), target);
        timed(ep, timeouts.command, "UID COPY", work).await
    } else {
        let work = session.uid_mv(uid.to_string(), target);
        timed(ep, timeouts.command, "UID MOVE", work).await
    }
}

/// `UID EXPUNGE uid` (UIDPLUS): removes exactly this message, never others marked \Deleted.
pub(crate) async fn uid_expunge(
    session: &mut Session,
    ep: &Endpoint,
    timeouts: &Timeouts,
    uid: u32,
) -> Cmd<()> {
    let work = async {
        session
            .uid_expunge(uid.to_string())
            .await?
            .try_collect::<Vec<_>>()
            .await
    };
    timed(ep, timeouts.command, "UID EXPUNGE", work).await?;
    Ok(())
}

/// `APPEND folder (flags) {n}` with the message: a copy in Sent, a version of a draft.
pub(crate) async fn append(
    session: &mut Session,
    ep: &Endpoint,
    timeouts: &Timeouts,
    folder: &str,
    flags: &str,
    message: &[u8],
) -> Cmd<()> {
    // Uploading counts like downloading: a 25 MB message on a slow line takes a while.
    let limit = timeouts.fetch + timeouts.fetch * (message.len() / 1_000_000) as u32;
    let work = session.append(folder, Some(flags), None, message);
    timed(ep, limit, "APPEND", work).await
}

/// Every UID in the selected folder with this Message-ID (a draft's versions), lowest first.
pub(crate) async fn uids_with_message_id(
    session: &mut Session,
    ep: &Endpoint,
    timeouts: &Timeouts,
    message_id: &str,
) -> Cmd<Vec<u32>> {
    if message_id
        .chars()
        .any(|c| c == '"' || c == '\\' || c.is_control())
    {
        return Ok(Vec::new());
    }
    let query = format!("HEADER Message-ID \"{message_id}\"");
    let found = timed(ep, timeouts.fetch, "UID SEARCH", session.uid_search(query)).await?;
    let mut uids: Vec<u32> = found.into_iter().collect();
    uids.sort_unstable();
    Ok(uids)
}

/// The UID of the message with this Message-ID in the selected folder, if it is there.
pub(crate) async fn find_message_id(
    session: &mut Session,
    ep: &Endpoint,
    timeouts: &Timeouts,
    message_id: &str,
) -> Cmd<Option<u32>> {
    // A quoted string may not hold quotes, backslashes or line breaks.
    if message_id
        .chars()
        .any(|c| c == '"' || c == '\\' || c.is_control())
    {
        return Ok(None);
    }
    let query = format!("HEADER Message-ID \"{message_id}\"");
    let found = timed(ep, timeouts.fetch, "UID SEARCH", session.uid_search(query)).await?;
    Ok(found.into_iter().max())
}

/// Folders renamed on the server since `stored` (name, UIDVALIDITY) was listed: one that is
/// gone and one that is new with the same UIDVALIDITY (a RENAME keeps it) are the same folder,
/// so its mail keeps its local ids instead of being dropped and fetched again. Only new folders
/// are asked (STATUS), and only when a stored one is gone.
pub(crate) async fn renamed_folders(
    session: &mut Session,
    ep: &Endpoint,
    timeouts: &Timeouts,
    stored: &[(String, Option<u32>)],
    remote: &[RemoteFolder],
) -> Result<Vec<(String, String)>> {
    let listed = |name: &str| remote.iter().any(|r| r.name == name);
    let gone: Vec<(&str, u32)> = stored
        .iter()
        .filter(|(name, _)| !listed(name))
        .filter_map(|(name, uv)| Some((name.as_str(), (*uv)?)))
        .collect();
    if gone.is_empty() {
        return Ok(Vec::new());
    }
    let mut pairs = Vec::new();
    for new in remote
        .iter()
        .filter(|r| r.selectable && !stored.iter().any(|(name, _)| *name == r.name))
    {
        let mb = tokio::time::timeout(timeouts.command, session.status(&new.name, "(UIDVALIDITY)"))
            .await
            .map_err(|_| tls::protocol_error(ep, "STATUS did not finish in time"))?;
        let Some(uv) = mb.ok().and_then(|m| m.uid_validity) else {
            continue;
        };
        let same: Vec<&str> = gone
            .iter()
            .filter(|(_, v)| *v == uv)
            .map(|(n, _)| *n)
            .collect();
        if let [old] = same[..] {
            if !pairs.iter().any(|(o, _): &(String, String)| o == old) {
                pairs.push((old.to_string(), new.name.clone()));
            }
        }
    }
    Ok(pairs)
}

/// `STATUS folder (UIDNEXT MESSAGES)`.
pub(crate) async fn status(
    session: &mut Session,
    ep: &Endpoint,
    timeouts: &Timeouts,
    folder: &str,
) -> Result<(Option<u32>, u32)> {
    let mb = tokio::time::timeout(
        timeouts.command,
        session.status(folder, "(UIDNEXT MESSAGES)"),
    )
    .await
    .map_err(|_| tls::protocol_error(ep, "STATUS did not finish in time"))?
    .map_err(|e| map_imap_error(ep, e))?;
    Ok((mb.uid_next, mb.exists))
}

/// Why an IDLE ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdleEnd {
    /// The server reported a change.
    NewData,
    /// The longest IDLE we allow passed (re-issued whatever keepalives the server sent).
    Timeout,
    /// We stopped it (an action to replay, the person opened a folder, quitting).
    Interrupted,
}

/// IDLE on the selected folder until the server reports something, `max` passes, or
/// `interrupt` completes; then DONE. Gives the session back.
pub(crate) async fn idle(
    session: Session,
    ep: &Endpoint,
    timeouts: &Timeouts,
    max: Duration,
    interrupt: impl std::future::Future<Output = ()>,
) -> Result<(Session, IdleEnd)> {
    let mut handle = session.idle();
    tokio::time::timeout(timeouts.command, handle.init())
        .await
        .map_err(|_| tls::protocol_error(ep, "IDLE was not accepted in time"))?
        .map_err(|e| map_imap_error(ep, e))?;
    let end = {
        let (wait, stop) = handle.wait_with_timeout(max);
        tokio::pin!(wait);
        tokio::pin!(interrupt);
        let outcome = tokio::select! {
            r = &mut wait => Some(r),
            () = &mut interrupt => None,
        };
        match outcome {
            None => {
                drop(stop);
                // Let the wait see the interrupt, so the stream is not left mid-read.
                let _ = tokio::time::timeout(timeouts.command, wait).await;
                IdleEnd::Interrupted
            }
            Some(r) => {
                drop(stop);
                use async_imap::extensions::idle::IdleResponse;
                match r.map_err(|e| map_imap_error(ep, e))? {
                    IdleResponse::NewData(_) => IdleEnd::NewData,
                    IdleResponse::Timeout => IdleEnd::Timeout,
                    IdleResponse::ManualInterrupt => IdleEnd::Interrupted,
                }
            }
        }
    };
    let session = tokio::time::timeout(timeouts.command, handle.done())
        .await
        .map_err(|_| tls::protocol_error(ep, "IDLE did not end in time"))?
        .map_err(|e| map_imap_error(ep, e))?;
    Ok((session, end))
}

/// `ENABLE QRESYNC` (RFC 7162) on a session whose server offers it. From then on the server
/// reports expunges as VANISHED (UIDs), and a SELECT can ask for everything since a MODSEQ.
pub(crate) async fn enable_qresync(
    session: &mut Session,
    ep: &Endpoint,
    timeouts: &Timeouts,
) -> Result<()> {
    tokio::time::timeout(
        timeouts.command,
        session.run_command_and_check_ok("ENABLE QRESYNC"),
    )
    .await
    .map_err(|_| tls::protocol_error(ep, "ENABLE QRESYNC did not finish in time"))?
    .map_err(|e| map_imap_error(ep, e))
}

/// A message's flags as the server has them: (uid, flags, modseq).
pub(crate) type FlagChange = (u32, Vec<String>, Option<u64>);

/// What `SELECT folder (QRESYNC (uidvalidity modseq))` reported: the folder's state and every
/// change since `modseq` (expunged UIDs and changed flags).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct QresyncSelect {
    pub exists: u32,
    pub uidvalidity: Option<u32>,
    pub uidnext: Option<u32>,
    pub highestmodseq: Option<u64>,
    /// UIDs expunged since `modseq`.
    pub vanished: Vec<u32>,
    /// Messages whose flags changed since `modseq`.
    pub changed: Vec<FlagChange>,
    /// The server said no (or BAD) to this SELECT, with its words: the caller selects the
    /// folder the plain way instead, so a server with a broken QRESYNC still syncs.
    pub refused: Option<String>,
}

/// A quoted IMAP string for a folder name (names with line breaks cannot be sent).
fn quoted(name: &str, ep: &Endpoint) -> Result<String> {
    if name.contains(['\r', '\n', '\0']) {
        return Err(tls::protocol_error(ep, "a folder name with a line break"));
    }
    Ok(format!(
        "\"{}\"",
        name.replace('\\', "\\\\").replace('"', "\\\"")
    ))
}

/// SELECT with QRESYNC parameters. async-imap has no API for it: the command is sent as is and
/// the responses are read here (imap-proto parses VANISHED). A server that answers with another
/// UIDVALIDITY sends no changes; the caller then resyncs the folder from scratch.
pub(crate) async fn select_qresync(
    session: &mut Session,
    ep: &Endpoint,
    timeouts: &Timeouts,
    folder: &str,
    uidvalidity: u32,
    modseq: u64,
) -> Result<QresyncSelect> {
    let command = format!(
        "SELECT {} (QRESYNC ({uidvalidity} {modseq}))",
        quoted(folder, ep)?
    );
    let work = async {
        let tag = session
            .run_command(&command)
            .await
            .map_err(|e| map_imap_error(ep, e))?;
        let mut out = QresyncSelect::default();
        loop {
            let Some(data) = session
                .read_response()
                .await
                .map_err(|e| Error::cannot_connect(ep, e.to_string()).because(e))?
            else {
                return Err(Error::cannot_connect(
                    ep,
                    "the server closed the connection",
                ));
            };
            if read_qresync_line(data.parsed(), &tag, &mut out) {
                return Ok(out);
            }
        }
    };
    tokio::time::timeout(timeouts.fetch, work)
        .await
        .map_err(|_| tls::protocol_error(ep, format!("SELECT {folder} did not finish in time")))?
}

/// Takes one response of a QRESYNC SELECT into `out`; true at the tagged end.
fn read_qresync_line(
    r: &async_imap::imap_proto::Response<'_>,
    tag: &async_imap::imap_proto::RequestId,
    out: &mut QresyncSelect,
) -> bool {
    use async_imap::imap_proto::{AttributeValue, MailboxDatum, Response, ResponseCode, Status};
    match r {
        Response::Done {
            tag: t,
            status,
            outcome,
        } if t == tag => {
            if *status == Status::Ok {
                if let Some(ResponseCode::HighestModSeq(m)) = outcome.code {
                    out.highestmodseq = Some(m);
                }
                return true;
            }
            out.refused = Some(outcome.information.as_deref().unwrap_or("").to_string());
            return true;
        }
        Response::MailboxData(MailboxDatum::Exists(n)) => out.exists = *n,
        Response::Data { outcome, .. } => match outcome.code {
            Some(ResponseCode::UidValidity(v)) => out.uidvalidity = Some(v),
            Some(ResponseCode::UidNext(v)) => out.uidnext = Some(v),
            Some(ResponseCode::HighestModSeq(v)) => out.highestmodseq = Some(v),
            _ => {}
        },
        Response::Vanished { uids, .. } => {
            for range in uids {
                out.vanished.extend(range.clone());
            }
        }
        Response::Fetch(_, attrs) => {
            let mut uid = None;
            let mut flags = None;
            let mut modseq = None;
            for a in attrs {
                match a {
                    AttributeValue::Uid(u) => uid = Some(*u),
                    AttributeValue::Flags(f) => {
                        flags = Some(
                            f.iter()
                                .filter(|f| !f.eq_ignore_ascii_case("\\Recent"))
                                .map(|f| f.to_string())
                                .collect::<Vec<_>>(),
                        )
                    }
                    AttributeValue::ModSeq(m) => modseq = Some(*m),
                    _ => {}
                }
            }
            if let (Some(uid), Some(flags)) = (uid, flags) {
                out.changed.push((uid, flags, modseq));
            }
        }
        _ => {}
    }
    false
}

/// EXAMINE (read-only SELECT): the folder's UIDVALIDITY. For body fetches, which must never
/// change a flag.
pub(crate) async fn examine(
    session: &mut Session,
    ep: &Endpoint,
    timeouts: &Timeouts,
    folder: &str,
) -> Cmd<u32> {
    let mb = timed(ep, timeouts.command, "EXAMINE", session.examine(folder)).await?;
    Ok(mb.uid_validity.unwrap_or(0))
}

/// The raw messages `uids` of the selected folder (BODY.PEEK[]: reading does not mark them
/// read), as the server has them; a UID the server no longer has is left out. One command for
/// all of them (the background download asks for a batch at a time).
pub(crate) async fn fetch_bodies(
    session: &mut Session,
    ep: &Endpoint,
    timeouts: &Timeouts,
    uids: &[u32],
) -> Cmd<Vec<(u32, Vec<u8>)>> {
    let set = uids
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let work = async {
        let fetches: Vec<_> = session
            .uid_fetch(set, "(UID BODY.PEEK[])")
            .await?
            .try_collect()
            .await?;
        let one = uids.len() == 1 && fetches.len() == 1;
        Ok(fetches
            .iter()
            .filter_map(|f| {
                // A server that leaves the UID out of its answer to one UID FETCH: it is that.
                let uid = f.uid.or(if one { uids.first().copied() } else { None })?;
                let body = f.body()?;
                uids.contains(&uid).then(|| (uid, body.to_vec()))
            })
            .collect())
    };
    // The timeout covers the batch: give a batch of n messages n times a single one's time.
    let limit = timeouts.fetch * u32::try_from(uids.len().clamp(1, 50)).unwrap_or(1);
    timed(ep, limit, "UID FETCH BODY", work).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::unwrap_used)]
    fn a_qresync_select_brings_the_expunged_uids_and_the_changed_flags() {
        use async_imap::imap_proto::{RequestId, Response};
        let tag = RequestId("A7".into());
        let lines: &[&[u8]] = &[
            b"* 998 EXISTS\r\n",
            b"* OK [UIDVALIDITY 1700000000] UIDs valid\r\n",
            b"* OK [UIDNEXT 1011] Predicted next UID\r\n",
            b"* OK [HIGHESTMODSEQ 2042] Highest\r\n",
            b"* VANISHED (EARLIER) 201:202,500\r\n",
            b"* 101 FETCH (UID 101 FLAGS (\\Seen \\Answered \\Recent $Label1) MODSEQ (2040))\r\n",
            b"* 3 FETCH (UID 3 FLAGS () MODSEQ (2041))\r\n",
            b"A7 OK [READ-WRITE] Select completed\r\n",
        ];
        let mut out = QresyncSelect::default();
        let mut done = false;
        for line in lines {
            let (_, r) = Response::parse(line).unwrap();
            assert!(!done, "nothing after the tagged line");
            done = read_qresync_line(&r, &tag, &mut out);
        }
        assert!(done);
        assert_eq!(out.exists, 998);
        assert_eq!(
            (out.uidvalidity, out.uidnext, out.highestmodseq),
            (Some(1_700_000_000), Some(1011), Some(2042))
        );
        assert_eq!(out.vanished, [201, 202, 500]);
        let seen_answered = vec!["\\Seen".to_string(), "\\Answered".into(), "$Label1".into()];
        assert_eq!(
            out.changed,
            [(101, seen_answered, Some(2040)), (3, vec![], Some(2041))],
            "\\Recent is per session and not a change"
        );
        // The server's no ends it too, with its words kept (the caller falls back).
        let (_, no) = Response::parse(b"A7 NO [CLOSED] Mailbox doesn't exist\r\n").unwrap();
        assert!(read_qresync_line(&no, &tag, &mut out));
        let words = out.refused.unwrap_or_default();
        assert!(words.contains("Mailbox doesn't exist"), "{words}");
    }

    #[test]
    fn folder_names_are_quoted_for_the_server_and_line_breaks_refused() {
        let ep = endpoint(&ServerSettings {
            host: "h".into(),
            port: 993,
            security: Security::Tls,
            username: "u".into(),
        });
        let q = |n: &str| quoted(n, &ep).unwrap_or_default();
        assert_eq!(q("Arbete/\"2026\""), r#""Arbete/\"2026\"""#);
        assert_eq!(q("a\\b"), r#""a\\b""#);
        assert!(quoted("x\r\nA1 DELETE INBOX", &ep).is_err());
    }

    #[test]
    fn starttls_is_found_in_greetings_and_capability_lines() {
        assert!(capability_has_starttls(
            "* OK [CAPABILITY IMAP4rev1 SASL-IR STARTTLS AUTH=PLAIN] Dovecot ready."
        ));
        assert!(capability_has_starttls("* CAPABILITY IMAP4rev1 starttls"));
        assert!(!capability_has_starttls(
            "* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] Dovecot ready."
        ));
        assert!(!capability_has_starttls("* CAPABILITY IMAP4rev1 XSTARTTLS"));
    }

    #[test]
    fn library_no_text_is_shown_as_the_server_wrote_it() {
        let t = r#"code: Some(Alert), info: Some("Application-specific password required: https://x.example/y (Failure)")"#;
        assert_eq!(
            readable_no(t),
            "[ALERT] Application-specific password required: https://x.example/y (Failure)"
        );
        assert_eq!(
            readable_no(
                r#"code: None, info: Some("[AUTHENTICATIONFAILED] Authentication failed.")"#
            ),
            "[AUTHENTICATIONFAILED] Authentication failed."
        );
    }

    #[test]
    fn special_use_attributes_are_recognised() {
        assert_eq!(special_use_of("Sent"), Some("\\Sent"));
        assert_eq!(
            special_use_of(r#"Extension("\\Archive")"#),
            Some("\\Archive")
        );
        assert_eq!(special_use_of("Marked"), None);
    }
}
