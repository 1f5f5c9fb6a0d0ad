//! Autodetection: from an address (and, when given, the password) to verified IMAP and SMTP
//! settings, or to the best partial result with the reason per server.
//!
//! 1. The built-in table answers known domains at once, with no network.
//! 2. Otherwise every source starts at the same time: https autoconfig, the well-known path,
//!    the ISPDB, MX (then the table, autoconfig and ISPDB for the MX host's domains), SRV
//!    (RFC 6186/8314) and, last in priority, plain-http autoconfig. A better-ranked answer wins,
//!    but once any answer is in, slower better-ranked sources get only a short grace.
//! 3. Nothing found: guessing (see `guess`).
//! 4. With a password: IMAP and SMTP are verified at the same time, at most two user names per
//!    server, never in plaintext and never past a certificate that does not verify.
//!
//! Everything ends within `DetectConfig::cap` (20 s). Where the password may go without a
//! question is decided per server by `trust`: a host that needs the person's confirmation is
//! reported in `Detection::needs_confirmation` and never signed in to unless the caller says
//! the person confirmed. Every sign-in needs TLS that verifies for the host (an accepted,
//! pinned certificate is a person's explicit choice, made later).
//!
//! [`find`] finds without signing in; [`verify`] signs in to exactly the servers a detection
//! found (only the user name may vary), so what a person saw after "Next" is what "Log in"
//! uses.

pub mod autoconfig;
mod guess;
pub mod providers;
mod trust;

use futures::stream::{FuturesUnordered, StreamExt};
use serde::Serialize;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

use crate::error::{BlockReason, Error, ErrorKind, Protocol, Result};
use crate::net::{self, Dns, HttpLimits, Url};
use crate::settings::{normalize_email, AccountSettings, Security, ServerSettings};
use crate::tls::{Timeouts, Trust};
use crate::{imap, smtp};
pub use providers::{suggest_domain, ProviderInfo, Requirement, UserForm};
pub use trust::{inside_domain, ispdb_url_is_safe, Confirmation};

/// Where settings came from, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    BuiltIn,
    Autoconfig,
    WellKnown,
    Ispdb,
    MxBuiltIn,
    MxAutoconfig,
    MxIspdb,
    Srv,
    HttpAutoconfig,
    Guess,
}

/// The ISPDB that Thunderbird uses.
pub const DEFAULT_ISPDB_URL: &str = "https://autoconfig.thunderbird.net/v1.1/";

#[derive(Debug, Clone)]
pub struct DetectConfig {
    /// Base URL; the domain is appended.
    pub ispdb_url: String,
    /// Extra CA roots for https sources and for verification (a private CA, tests).
    pub extra_roots_pem: Vec<Vec<u8>>,
    /// The file those roots came from; detected settings carry it so later logins trust it too.
    pub ca_file: Option<PathBuf>,
    /// How long a ready answer waits for better-ranked sources still working.
    pub grace: Duration,
    /// Everything, including verification, ends within this.
    pub cap: Duration,
    /// Discovery ends within this even when sources are still working.
    pub discovery_limit: Duration,
    pub probe_timeout: Duration,
    pub probe_concurrency: usize,
}

impl Default for DetectConfig {
    fn default() -> Self {
        DetectConfig {
            ispdb_url: DEFAULT_ISPDB_URL.into(),
            extra_roots_pem: Vec::new(),
            ca_file: None,
            grace: Duration::from_millis(1500),
            cap: Duration::from_secs(20),
            discovery_limit: Duration::from_secs(8),
            probe_timeout: Duration::from_secs(4),
            probe_concurrency: 6,
        }
    }
}

impl DetectConfig {
    /// Defaults, with `INKORG_ISPDB_URL` and `INKORG_EXTRA_CA` (a PEM file) applied.
    pub fn from_env() -> Result<DetectConfig> {
        let mut c = DetectConfig::default();
        if let Ok(url) = std::env::var("INKORG_ISPDB_URL") {
            if !url.trim().is_empty() {
                c = c.with_ispdb_url(&url)?;
            }
        }
        if let Some(ca) = std::env::var_os("INKORG_EXTRA_CA").filter(|v| !v.is_empty()) {
            c = c.with_ca_file(PathBuf::from(ca))?;
        }
        Ok(c)
    }

    /// Another provider database (a company's mirror, a test bed): https, or http on this
    /// machine only, since its answers may name any host.
    pub fn with_ispdb_url(mut self, url: &str) -> Result<DetectConfig> {
        let url = url.trim();
        if !ispdb_url_is_safe(url) {
            return Err(Error::invalid(
                "ispdb_url",
                format!("the provider database must be an https URL (or http on this machine), not {url:?}"),
            ));
        }
        self.ispdb_url = url.to_string();
        Ok(self)
    }

    pub fn with_ca_file(mut self, path: PathBuf) -> Result<DetectConfig> {
        let trust = Trust::default().with_ca_file(Some(&path))?;
        self.extra_roots_pem.extend(trust.extra_roots_pem);
        self.ca_file = Some(path);
        Ok(self)
    }

    fn trust(&self) -> Trust {
        Trust {
            extra_roots_pem: self.extra_roots_pem.clone(),
            pinned: None,
        }
    }
}

/// Settings one source named.
#[derive(Debug, Clone, Serialize)]
pub struct Found {
    pub source: Source,
    pub trusted: bool,
    /// The URL or DNS name the settings came from.
    pub origin: String,
    pub imap: Option<ServerSettings>,
    pub smtp: Option<ServerSettings>,
    pub provider: Option<ProviderInfo>,
}

/// One thing tried on the way, for the person ("what was tried") and for the benchmark.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub source: Source,
    pub target: String,
    pub found: bool,
    pub detail: String,
    /// How long this step took.
    pub ms: u64,
    /// When it ended, counted from the start of detection.
    pub at_ms: u64,
}

#[derive(Clone)]
pub(crate) struct Steps {
    t0: std::time::Instant,
    list: Arc<Mutex<Vec<Step>>>,
}

impl Steps {
    fn new() -> Steps {
        Steps {
            t0: std::time::Instant::now(),
            list: Arc::new(Mutex::new(Vec::new())),
        }
    }

    pub(crate) fn push(
        &self,
        source: Source,
        target: String,
        found: bool,
        detail: String,
        started: std::time::Instant,
    ) {
        let step = Step {
            source,
            target,
            found,
            detail,
            ms: started.elapsed().as_millis() as u64,
            at_ms: self.t0.elapsed().as_millis() as u64,
        };
        if let Ok(mut list) = self.list.lock() {
            list.push(step);
        }
    }

    fn take(&self) -> Vec<Step> {
        self.list
            .lock()
            .map(|mut l| std::mem::take(&mut *l))
            .unwrap_or_default()
    }
}

/// Why a server is not verified, in a form a UI branches on.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub kind: ErrorKind,
    /// Why the provider blocked the sign-in (kind `BlockedByProvider`).
    pub reason: Option<BlockReason>,
    pub message: String,
    pub fingerprint: Option<String>,
    pub url: Option<String>,
    pub server_text: Option<String>,
    /// For `NoServerFound`: the domain, and the host names and ports that were tried.
    pub domain: Option<String>,
    pub hosts: Vec<String>,
    pub ports: Vec<u16>,
}

impl Problem {
    pub fn from_error(e: &Error) -> Problem {
        let (fingerprint, url, server_text) = match e {
            Error::CertificateUntrusted { fingerprint, .. } => {
                (Some(fingerprint.clone()), None, None)
            }
            Error::BlockedByProvider {
                url, server_text, ..
            } => (None, url.clone(), Some(server_text.clone())),
            Error::WrongCredentials { server_text, .. } => (None, None, Some(server_text.clone())),
            _ => (None, None, None),
        };
        let reason = match e {
            Error::BlockedByProvider { reason, .. } => Some(*reason),
            _ => None,
        };
        Problem {
            kind: e.kind(),
            reason,
            message: e.to_string(),
            fingerprint,
            url,
            server_text,
            domain: None,
            hosts: Vec::new(),
            ports: Vec::new(),
        }
    }

    /// No source named a server and none of the common names answered.
    fn no_server(protocol: Protocol, domain: &str) -> Problem {
        let mut hosts: Vec<String> = Vec::new();
        let mut ports: Vec<u16> = Vec::new();
        for c in guess::candidates(protocol, domain) {
            if !hosts.contains(&c.host) {
                hosts.push(c.host);
            }
            if !ports.contains(&c.port) {
                ports.push(c.port);
            }
        }
        let port_list = ports.iter().map(u16::to_string).collect::<Vec<_>>();
        Problem {
            kind: ErrorKind::NoServerFound,
            reason: None,
            message: format!(
                "Inkorg found no {protocol} server for {domain}. Tried: {} ({})",
                hosts.join(", "),
                port_list.join(", ")
            ),
            fingerprint: None,
            url: None,
            server_text: None,
            domain: Some(domain.to_string()),
            hosts,
            ports,
        }
    }

    fn simple(kind: ErrorKind, message: String) -> Problem {
        Problem {
            kind,
            reason: None,
            message,
            fingerprint: None,
            url: None,
            server_text: None,
            domain: None,
            hosts: Vec::new(),
            ports: Vec::new(),
        }
    }
}

/// One server: what was found, whether the password was verified there, and what was tried.
#[derive(Debug, Clone, Serialize, Default)]
pub struct ServerReport {
    pub settings: Option<ServerSettings>,
    /// Where the settings came from (a server no source named may have been guessed).
    pub source: Option<Source>,
    /// The password goes here only after the person confirms (see `trust`).
    pub needs_confirmation: bool,
    pub verified: bool,
    pub tried: Vec<String>,
    pub problem: Option<Problem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Detection {
    pub email: String,
    /// "Did you mean …?" for a likely typo of a common domain.
    pub suggestion: Option<String>,
    pub found: Option<Found>,
    pub incoming: ServerReport,
    pub outgoing: ServerReport,
    /// Servers found through a source that does not speak for the address's owner, outside
    /// its domain: the password goes there only after the person says yes.
    pub needs_confirmation: Option<Confirmation>,
    pub steps: Vec<Step>,
    /// From the start to settings for both servers (before verification).
    pub settings_ms: Option<u64>,
    /// From the start to both servers verified.
    pub verified_ms: Option<u64>,
    pub total_ms: u64,
}

impl Detection {
    /// Both servers verified with the password.
    pub fn verified(&self) -> bool {
        self.incoming.verified && self.outgoing.verified
    }

    /// The settings to save (or to pre-fill Advanced settings with), when both servers are known.
    pub fn account_settings(
        &self,
        display_name: &str,
        ca_file: Option<PathBuf>,
    ) -> Option<AccountSettings> {
        Some(AccountSettings {
            email: self.email.clone(),
            display_name: display_name.to_string(),
            imap: self.incoming.settings.clone()?,
            smtp: self.outgoing.settings.clone()?,
            ca_file,
            allow_plaintext: false,
        })
    }
}

/// Which part of detection is running, for a UI that shows the step it is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The built-in table, autoconfig, ISPDB, MX and SRV, all at once.
    LookingUp,
    /// Probing common server names.
    Guessing,
    /// Signing in to both servers with the password.
    Verifying,
}

/// Finds (and, with a password, verifies) the settings for `email`. Servers that need the
/// person's confirmation are not signed in to (see [`verify`] for signing in after a yes).
pub async fn detect(email: &str, password: Option<&str>, cfg: &DetectConfig) -> Result<Detection> {
    detect_with_progress(email, password, cfg, false, &|_| {}).await
}

/// [`detect`], telling `stage` when each part starts. With `trust_found_hosts` the person has
/// already said yes to whatever hosts are found (the CLI's `--trust-found-hosts`).
pub async fn detect_with_progress(
    email: &str,
    password: Option<&str>,
    cfg: &DetectConfig,
    trust_found_hosts: bool,
    stage: &(dyn Fn(Stage) + Sync),
) -> Result<Detection> {
    let t0 = Instant::now();
    let mut d = find_inner(email, cfg, stage, t0).await?;
    if let Some(password) = password.filter(|p| !p.is_empty()) {
        verify_inner(&mut d, password, cfg, trust_found_hosts, stage, t0).await;
    }
    d.total_ms = t0.elapsed().as_millis() as u64;
    Ok(d)
}

/// Finds the settings for `email` without signing in anywhere.
pub async fn find(
    email: &str,
    cfg: &DetectConfig,
    stage: &(dyn Fn(Stage) + Sync),
) -> Result<Detection> {
    find_inner(email, cfg, stage, Instant::now()).await
}

/// Signs in to exactly the servers `d` found, with the password: only the user name may
/// change (the source's form, the full address, the local part). A server that needs the
/// person's confirmation is signed in to only with `trust_found_hosts`. Ends within the cap.
pub async fn verify(
    d: &mut Detection,
    password: &str,
    cfg: &DetectConfig,
    trust_found_hosts: bool,
    stage: &(dyn Fn(Stage) + Sync),
) {
    let t0 = Instant::now();
    verify_inner(d, password, cfg, trust_found_hosts, stage, t0).await;
    d.total_ms = t0.elapsed().as_millis() as u64;
}

async fn find_inner(
    email: &str,
    cfg: &DetectConfig,
    stage: &(dyn Fn(Stage) + Sync),
    t0: Instant,
) -> Result<Detection> {
    let deadline = t0 + cfg.cap;
    let email = normalize_email(email)?;
    let (local, domain) = email
        .rsplit_once('@')
        .map(|(l, d)| (l.to_string(), d.to_string()))
        .ok_or_else(|| Error::invalid("email", "the email address has no @"))?;
    let suggestion = suggest_domain(&domain).map(|d| format!("{local}@{d}"));
    let steps = Steps::new();
    stage(Stage::LookingUp);

    // Discovery, with time left for guessing and verification inside the cap.
    let discovery_end = (t0 + cfg.discovery_limit).min(deadline - cfg.cap / 2);
    let mut found = discover(&email, &domain, cfg, &steps, discovery_end).await;

    let mut incoming = ServerReport::default();
    let mut outgoing = ServerReport::default();
    if let Some(f) = &found {
        incoming.settings = f.imap.clone();
        outgoing.settings = f.smtp.clone();
        for r in [&mut incoming, &mut outgoing] {
            if r.settings.is_some() {
                r.source = Some(f.source);
            }
        }
    }
    // Guess whatever no source named.
    let guess_end = (Instant::now() + cfg.probe_timeout * 2 + Duration::from_secs(1))
        .min(deadline - Duration::from_secs(4));
    let trust = cfg.trust();
    let need_imap = incoming.settings.is_none();
    let need_smtp = outgoing.settings.is_none();
    if need_imap || need_smtp {
        stage(Stage::Guessing);
        let g_imap = async {
            if need_imap {
                guess::guess(
                    Protocol::Imap,
                    &domain,
                    &trust,
                    cfg.probe_timeout,
                    cfg.probe_concurrency,
                    &steps,
                    guess_end,
                )
                .await
            } else {
                None
            }
        };
        let g_smtp = async {
            if need_smtp {
                guess::guess(
                    Protocol::Smtp,
                    &domain,
                    &trust,
                    cfg.probe_timeout,
                    cfg.probe_concurrency,
                    &steps,
                    guess_end,
                )
                .await
            } else {
                None
            }
        };
        let (gi, gs) = tokio::join!(g_imap, g_smtp);
        for (guessed, report) in [(gi, &mut incoming), (gs, &mut outgoing)] {
            if let Some((mut s, problem)) = guessed {
                s.username = email.clone();
                report.settings = Some(s);
                report.source = Some(Source::Guess);
                report.problem = problem;
            }
        }
        if found.is_none() && (incoming.settings.is_some() || outgoing.settings.is_some()) {
            found = Some(Found {
                source: Source::Guess,
                trusted: false,
                origin: format!("common server names under {domain}"),
                imap: incoming.settings.clone(),
                smtp: outgoing.settings.clone(),
                provider: None,
            });
        }
    }
    if incoming.settings.is_none() {
        incoming.problem = Some(Problem::no_server(Protocol::Imap, &domain));
    }
    if outgoing.settings.is_none() {
        outgoing.problem = Some(Problem::no_server(Protocol::Smtp, &domain));
    }
    let settings_ms = (incoming.settings.is_some() && outgoing.settings.is_some())
        .then(|| t0.elapsed().as_millis() as u64);
    let needs_confirmation = judge_hosts(&mut incoming, &mut outgoing, found.as_ref(), &domain);
    Ok(Detection {
        email,
        suggestion,
        found,
        incoming,
        outgoing,
        needs_confirmation,
        steps: steps.take(),
        settings_ms,
        verified_ms: None,
        total_ms: t0.elapsed().as_millis() as u64,
    })
}

/// Marks each server whose host needs the person's yes, and words the question.
fn judge_hosts(
    incoming: &mut ServerReport,
    outgoing: &mut ServerReport,
    found: Option<&Found>,
    domain: &str,
) -> Option<Confirmation> {
    let mut hosts: Vec<String> = Vec::new();
    let mut asked_for: Option<Source> = None;
    for r in [incoming, outgoing] {
        let (Some(s), Some(source)) = (&r.settings, r.source) else {
            continue;
        };
        r.needs_confirmation = !trust::automatic(source, &s.host, domain);
        if r.needs_confirmation {
            if !hosts.contains(&s.host) {
                hosts.push(s.host.clone());
            }
            asked_for.get_or_insert(source);
        }
    }
    let source = asked_for?;
    let origin = found
        .filter(|f| f.source == source)
        .map_or_else(|| domain.to_string(), |f| f.origin.clone());
    Some(Confirmation::new(source, origin, hosts, domain))
}

async fn verify_inner(
    d: &mut Detection,
    password: &str,
    cfg: &DetectConfig,
    trust_found_hosts: bool,
    stage: &(dyn Fn(Stage) + Sync),
    t0: Instant,
) {
    let deadline = t0 + cfg.cap;
    let email = d.email.clone();
    let local = email
        .rsplit_once('@')
        .map_or(email.as_str(), |(l, _)| l)
        .to_string();
    // What an earlier attempt left is replaced by this one's outcome.
    for r in [&mut d.incoming, &mut d.outgoing] {
        r.verified = false;
        r.tried.clear();
        if r.settings.is_some() {
            r.problem = None;
        }
    }
    d.verified_ms = None;
    let allowed = |r: &ServerReport| trust_found_hosts || !r.needs_confirmation;
    if [&d.incoming, &d.outgoing]
        .iter()
        .all(|r| r.settings.is_none() || !allowed(r))
    {
        return;
    }
    stage(Stage::Verifying);
    let trust = cfg.trust();
    let timeouts = Timeouts {
        connect: Duration::from_secs(6),
        command: Duration::from_secs(8),
        fetch: Duration::from_secs(8),
    };
    let (go_in, go_out) = (allowed(&d.incoming), allowed(&d.outgoing));
    let (email, local) = (email.as_str(), local.as_str());
    let v_imap = only_if(
        go_in,
        sign_in(
            Protocol::Imap,
            &mut d.incoming,
            email,
            local,
            password,
            &trust,
            timeouts,
        ),
    );
    let v_smtp = only_if(
        go_out,
        sign_in(
            Protocol::Smtp,
            &mut d.outgoing,
            email,
            local,
            password,
            &trust,
            timeouts,
        ),
    );
    let both = async { tokio::join!(v_imap, v_smtp) };
    if tokio::time::timeout_at(deadline, both).await.is_err() {
        for r in [&mut d.incoming, &mut d.outgoing] {
            if !r.verified && r.problem.is_none() && allowed(&*r) && r.settings.is_some() {
                r.problem = Some(Problem::simple(
                    ErrorKind::CannotConnect,
                    format!("no answer within {} s", cfg.cap.as_secs()),
                ));
            }
        }
    }
    if d.incoming.verified && d.outgoing.verified {
        d.verified_ms = Some(t0.elapsed().as_millis() as u64);
    }
}

/// Runs `f` (a future does nothing until awaited) only when `go`.
async fn only_if(go: bool, f: impl Future<Output = ()>) {
    if go {
        f.await
    }
}

/// Signs in with at most two user names (the source's form, the full address, the local part).
/// The second starts only if the first has not succeeded within a short head start, so a
/// server's delay after a wrong name (often seconds) does not add up, and a server that
/// accepts the first name never sees the second. The first success wins; a provider block or
/// an `[ALERT]` ends the attempts at once (the second name is never tried).
async fn sign_in(
    protocol: Protocol,
    report: &mut ServerReport,
    email: &str,
    local: &str,
    password: &str,
    trust: &Trust,
    timeouts: Timeouts,
) {
    let Some(mut server) = report.settings.clone() else {
        return;
    };
    if server.security == Security::None {
        // Never send a password in the clear on our own: ask the server for STARTTLS instead.
        server.security = Security::Starttls;
        report.settings = Some(server.clone());
    }
    let mut names: Vec<String> = Vec::new();
    for n in [server.username.as_str(), email, local] {
        if !n.is_empty() && !names.iter().any(|m| m == n) {
            names.push(n.to_string());
        }
    }
    names.truncate(2);
    let secret = crate::credential::Secret::password(password);
    let secret = &secret;
    let mut attempts = FuturesUnordered::new();
    for (i, name) in names.into_iter().enumerate() {
        let attempt = ServerSettings {
            username: name,
            ..server.clone()
        };
        attempts.push(async move {
            if i > 0 {
                tokio::time::sleep(SECOND_NAME_HEAD_START).await;
            }
            let result = match protocol {
                Protocol::Imap => match imap::login(&attempt, secret, trust, &timeouts).await {
                    Ok(mut session) => {
                        let _ = tokio::time::timeout(timeouts.command, session.logout()).await;
                        Ok(())
                    }
                    Err(e) => Err(e),
                },
                Protocol::Smtp => smtp::check_login(&attempt, secret, trust, &timeouts).await,
            };
            (i, attempt, result)
        });
    }
    let mut failures: Vec<(usize, Error)> = Vec::new();
    while let Some((i, attempt, result)) = attempts.next().await {
        let label = format!(
            "{}:{} ({}) as {}",
            attempt.host, attempt.port, attempt.security, attempt.username
        );
        match result {
            Ok(()) => {
                report.tried.push(format!("{label}: signed in"));
                report.settings = Some(attempt);
                report.verified = true;
                report.problem = None;
                return;
            }
            Err(e) => {
                report.tried.push(format!("{label}: {e}"));
                let blocked = e.kind() == ErrorKind::BlockedByProvider;
                failures.push((i, e));
                if blocked {
                    // The provider said no for a reason another user name will not fix (an
                    // [ALERT], a web-login demand): stop, so it never sees a retry.
                    break;
                }
            }
        }
    }
    // The reason shown: the first answer that is not "wrong user name or password", else the
    // source's own user name's answer.
    failures.sort_by_key(|(i, _)| *i);
    let shown = failures
        .iter()
        .find(|(_, e)| e.kind() != ErrorKind::WrongCredentials)
        .or_else(|| failures.first());
    if let Some((_, e)) = shown {
        report.problem = Some(Problem::from_error(e));
    }
}

/// How long the first user name gets before the second is tried alongside it.
const SECOND_NAME_HEAD_START: Duration = Duration::from_millis(400);

type SourceFuture<'a> = Pin<Box<dyn Future<Output = (Source, Option<Found>)> + Send + 'a>>;

async fn discover(
    email: &str,
    domain: &str,
    cfg: &DetectConfig,
    steps: &Steps,
    end: Instant,
) -> Option<Found> {
    let started = std::time::Instant::now();
    if let Some(p) = providers::by_domain(domain) {
        steps.push(
            Source::BuiltIn,
            domain.to_string(),
            true,
            p.name.to_string(),
            started,
        );
        return Some(p.found(
            email,
            Source::BuiltIn,
            format!("built-in table: {}", p.name),
        ));
    }
    steps.push(
        Source::BuiltIn,
        domain.to_string(),
        false,
        "not in the table".into(),
        started,
    );

    let dns = Arc::new(Dns::new());
    let roots = cfg.extra_roots_pem.clone();
    let enc = email.replace('@', "%40");
    let fetch = |source: Source, url: String| -> SourceFuture<'static> {
        let (email, roots, steps) = (email.to_string(), roots.clone(), steps.clone());
        Box::pin(async move {
            let found = fetch_config(source, &url, &email, &roots, &steps).await;
            (source, found)
        })
    };
    let mx: SourceFuture<'static> = {
        let (email, domain, roots, steps, dns, base) = (
            email.to_string(),
            domain.to_string(),
            roots.clone(),
            steps.clone(),
            dns.clone(),
            cfg.ispdb_url.clone(),
        );
        Box::pin(async move {
            let found = via_mx(&email, &domain, &dns, &base, &roots, &steps).await;
            (Source::MxBuiltIn, found)
        })
    };
    let srv: SourceFuture<'static> = {
        let (email, domain, steps, dns) = (
            email.to_string(),
            domain.to_string(),
            steps.clone(),
            dns.clone(),
        );
        Box::pin(async move {
            let found = via_srv(&email, &domain, &dns, &steps).await;
            (Source::Srv, found)
        })
    };
    let sources: Vec<(Source, SourceFuture<'static>)> = vec![
        (
            Source::Autoconfig,
            fetch(
                Source::Autoconfig,
                format!("https://autoconfig.{domain}/mail/config-v1.1.xml?emailaddress={enc}"),
            ),
        ),
        (
            Source::WellKnown,
            fetch(
                Source::WellKnown,
                format!("https://{domain}/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress={enc}"),
            ),
        ),
        (Source::Ispdb, fetch(Source::Ispdb, ispdb_url(&cfg.ispdb_url, domain))),
        (Source::MxBuiltIn, mx),
        (Source::Srv, srv),
        (
            Source::HttpAutoconfig,
            fetch(
                Source::HttpAutoconfig,
                format!("http://autoconfig.{domain}/mail/config-v1.1.xml?emailaddress={enc}"),
            ),
        ),
    ];
    let mut pending: Vec<Source> = sources.iter().map(|(s, _)| *s).collect();
    let mut tasks: FuturesUnordered<SourceFuture<'static>> =
        sources.into_iter().map(|(_, f)| f).collect();

    let mut best: Option<Found> = None;
    let mut grace_until: Option<Instant> = None;
    while !tasks.is_empty() {
        if let Some(b) = &best {
            if pending.iter().all(|p| *p >= b.source) {
                for p in &pending {
                    steps.push(
                        *p,
                        String::new(),
                        false,
                        "not needed: a better-ranked source answered".into(),
                        started,
                    );
                }
                break;
            }
        }
        let wake = grace_until.map_or(end, |g| g.min(end));
        match tokio::time::timeout_at(wake, tasks.next()).await {
            Ok(Some((source, result))) => {
                if let Some(i) = pending.iter().position(|p| *p == source) {
                    pending.remove(i);
                }
                if let Some(f) = result {
                    if best.as_ref().is_none_or(|b| f.source < b.source) {
                        if grace_until.is_none() {
                            let wait = if f.trusted { cfg.grace } else { cfg.grace * 2 };
                            grace_until = Some(Instant::now() + wait);
                        }
                        best = Some(f);
                    }
                }
            }
            Ok(None) => break,
            Err(_) => {
                let why = if best.is_some() {
                    "still working when a ready answer's grace ran out; not waited for"
                } else {
                    "no answer in time; not waited for"
                };
                for p in &pending {
                    steps.push(*p, String::new(), false, why.into(), started);
                }
                break;
            }
        }
    }
    best
}

fn ispdb_url(base: &str, domain: &str) -> String {
    if base.ends_with('/') {
        format!("{base}{domain}")
    } else {
        format!("{base}/{domain}")
    }
}

async fn fetch_config(
    source: Source,
    url: &str,
    email: &str,
    roots: &[Vec<u8>],
    steps: &Steps,
) -> Option<Found> {
    let started = std::time::Instant::now();
    if matches!(source, Source::Ispdb | Source::MxIspdb) && !ispdb_url_is_safe(url) {
        // Its answer may name any host: never over a network someone else can answer for.
        let why = "refused: the provider database must be https (or on this machine)";
        steps.push(source, url.to_string(), false, why.into(), started);
        return None;
    }
    let parsed = match Url::parse(url) {
        Ok(u) => u,
        Err(e) => {
            steps.push(source, url.to_string(), false, e, started);
            return None;
        }
    };
    let shown = parsed.to_string();
    let body = match net::http_get(&parsed, roots, &HttpLimits::default()).await {
        Ok(b) => b,
        Err(e) => {
            steps.push(source, shown, false, e, started);
            return None;
        }
    };
    match autoconfig::parse(&body, email) {
        Ok(c) => {
            let pick = |list: &[ServerSettings]| {
                list.iter()
                    .find(|s| s.security != Security::None)
                    .or_else(|| list.first())
                    .cloned()
            };
            let (imap, smtp) = (pick(&c.imap), pick(&c.smtp));
            steps.push(source, shown.clone(), true, describe(&imap, &smtp), started);
            Some(Found {
                source,
                trusted: source.trusted(),
                origin: shown,
                imap,
                smtp,
                provider: None,
            })
        }
        Err(e) => {
            steps.push(source, shown, false, format!("ignored: {e}"), started);
            None
        }
    }
}

fn describe(imap: &Option<ServerSettings>, smtp: &Option<ServerSettings>) -> String {
    let one = |s: &Option<ServerSettings>| {
        s.as_ref().map_or("-".to_string(), |s| {
            format!("{}:{} {}", s.host, s.port, s.security)
        })
    };
    format!("IMAP {}, SMTP {}", one(imap), one(smtp))
}

/// MX, then the table by MX host, then autoconfig and ISPDB for the MX host's parent domain
/// and its registrable domain.
async fn via_mx(
    email: &str,
    domain: &str,
    dns: &Dns,
    ispdb_base: &str,
    roots: &[Vec<u8>],
    steps: &Steps,
) -> Option<Found> {
    let started = std::time::Instant::now();
    let hosts = match dns.mx(domain).await {
        Ok(h) if !h.is_empty() => h,
        Ok(_) => {
            steps.push(
                Source::MxBuiltIn,
                format!("MX {domain}"),
                false,
                "no MX records".into(),
                started,
            );
            return None;
        }
        Err(e) => {
            steps.push(Source::MxBuiltIn, format!("MX {domain}"), false, e, started);
            return None;
        }
    };
    let mx = hosts[0].clone();
    let mut domains: Vec<String> = Vec::new();
    if let Some((_, parent)) = mx.split_once('.') {
        if parent.contains('.') {
            domains.push(parent.to_string());
        }
    }
    if let Some(reg) = psl::domain_str(&mx) {
        if !domains.iter().any(|d| d == reg) {
            domains.push(reg.to_string());
        }
    }
    domains.retain(|d| d != domain);
    // A known provider by its MX suffix, or by the MX host's own domain.
    let known =
        providers::by_mx(&mx).or_else(|| domains.iter().find_map(|d| providers::by_domain(d)));
    if let Some(p) = known {
        steps.push(
            Source::MxBuiltIn,
            format!("MX {domain}"),
            true,
            format!("{mx}: {}", p.name),
            started,
        );
        return Some(p.found(email, Source::MxBuiltIn, format!("MX {mx} ({})", p.name)));
    }
    steps.push(
        Source::MxBuiltIn,
        format!("MX {domain}"),
        false,
        format!("{mx}: not a known provider"),
        started,
    );
    if domains.is_empty() {
        return None;
    }
    let lookups = domains.iter().flat_map(|d| {
        [
            (
                Source::MxAutoconfig,
                format!("https://autoconfig.{d}/mail/config-v1.1.xml"),
            ),
            (Source::MxIspdb, ispdb_url(ispdb_base, d)),
        ]
    });
    let results =
        futures::future::join_all(lookups.map(|(source, url)| async move {
            fetch_config(source, &url, email, roots, steps).await
        }))
        .await;
    results
        .into_iter()
        .flatten()
        .map(|mut f| {
            f.trusted = false;
            f
        })
        .min_by_key(|f| f.source)
}

/// RFC 6186 / 8314 service records. The password goes only where TLS verifies.
async fn via_srv(email: &str, domain: &str, dns: &Dns, steps: &Steps) -> Option<Found> {
    let started = std::time::Instant::now();
    let names = [
        ("_imaps._tcp", Security::Tls),
        ("_imap._tcp", Security::Starttls),
        ("_submissions._tcp", Security::Tls),
        ("_submission._tcp", Security::Starttls),
    ];
    let answers = futures::future::join_all(names.iter().map(|(prefix, _)| {
        let name = format!("{prefix}.{domain}");
        async move { dns.srv(&name).await }
    }))
    .await;
    let first = |i: usize| -> Option<ServerSettings> {
        let (_, security) = names[i];
        match &answers[i] {
            Ok(list) => list.first().map(|(host, port)| ServerSettings {
                host: host.clone(),
                port: *port,
                security,
                username: email.to_string(),
            }),
            Err(_) => None,
        }
    };
    let imap = first(0).or_else(|| first(1));
    let smtp = first(2).or_else(|| first(3));
    let found = imap.is_some() || smtp.is_some();
    let detail = if found {
        describe(&imap, &smtp)
    } else {
        "no service records".into()
    };
    steps.push(
        Source::Srv,
        format!("SRV _imaps/_imap/_submissions/_submission._tcp.{domain}"),
        found,
        detail,
        started,
    );
    found.then(|| Found {
        source: Source::Srv,
        trusted: false,
        origin: format!("SRV records of {domain}"),
        imap,
        smtp,
        provider: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_known_domain_is_answered_from_the_table_at_once() {
        let cfg = DetectConfig::default();
        let d = detect("Eva@GMAIL.com", None, &cfg).await.unwrap();
        assert!(d.total_ms < 100, "{} ms", d.total_ms);
        assert_eq!(d.email, "Eva@gmail.com");
        let f = d.found.unwrap();
        assert_eq!(f.source, Source::BuiltIn);
        assert!(f.trusted);
        assert_eq!(d.incoming.settings.unwrap().host, "imap.gmail.com");
        assert_eq!(d.outgoing.settings.unwrap().port, 465);
        assert_eq!(
            f.provider.unwrap().requirement,
            Some(Requirement::AppPassword)
        );
        assert!(!d.incoming.verified);
    }

    #[tokio::test]
    async fn a_typo_gets_a_suggestion_and_bad_input_a_clear_error() {
        let err = detect("eva@", None, &DetectConfig::default())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert_eq!(suggest_domain("gmail.con"), Some("gmail.com"));
    }

    fn report(host: &str, source: Source) -> ServerReport {
        ServerReport {
            settings: Some(ServerSettings {
                host: host.into(),
                port: 993,
                security: Security::Tls,
                username: "eva@example.se".into(),
            }),
            source: Some(source),
            ..Default::default()
        }
    }

    #[test]
    fn hosts_outside_the_domain_from_an_mx_need_a_question_that_names_them() {
        let found = Found {
            source: Source::MxAutoconfig,
            trusted: false,
            origin: "https://autoconfig.attacker.test/mail/config-v1.1.xml".into(),
            imap: None,
            smtp: None,
            provider: None,
        };
        let mut i = report("imap.attacker.test", Source::MxAutoconfig);
        let mut o = report("smtp.attacker.test", Source::MxAutoconfig);
        let c = judge_hosts(&mut i, &mut o, Some(&found), "example.se").unwrap();
        assert!(i.needs_confirmation && o.needs_confirmation);
        assert_eq!(c.source, Source::MxAutoconfig);
        assert_eq!(c.hosts, ["imap.attacker.test", "smtp.attacker.test"]);
        assert_eq!(c.origin, found.origin);
        assert!(c.why.contains("example.se"), "{}", c.why);

        // Inside the domain (an SRV target, a guess) or from the table: no question.
        let mut i = report("imap.example.se", Source::Srv);
        let mut o = report("mail.example.se", Source::Guess);
        assert!(judge_hosts(&mut i, &mut o, None, "example.se").is_none());
        let mut i = report("imap.gmail.com", Source::MxBuiltIn);
        let mut o = report("smtp.gmail.com", Source::MxBuiltIn);
        assert!(judge_hosts(&mut i, &mut o, None, "example.se").is_none());
        assert!(!i.needs_confirmation && !o.needs_confirmation);
    }

    #[tokio::test]
    async fn verifying_never_signs_in_where_a_question_is_open() {
        let mut d = Detection {
            email: "eva@example.se".into(),
            suggestion: None,
            found: None,
            incoming: report("imap.attacker.test", Source::Srv),
            outgoing: report("smtp.attacker.test", Source::Srv),
            needs_confirmation: None,
            steps: Vec::new(),
            settings_ms: None,
            verified_ms: None,
            total_ms: 0,
        };
        d.needs_confirmation = judge_hosts(&mut d.incoming, &mut d.outgoing, None, "example.se");
        let stages = Mutex::new(Vec::new());
        let record = |s: Stage| stages.lock().unwrap().push(s);
        verify(&mut d, "secret", &DetectConfig::default(), false, &record).await;
        // No sign-in was even started: the hosts do not exist, so an attempt would have left
        // a problem and a line in `tried`.
        for r in [&d.incoming, &d.outgoing] {
            assert!(
                !r.verified && r.tried.is_empty() && r.problem.is_none(),
                "{r:?}"
            );
        }
        assert!(stages.lock().unwrap().is_empty());
    }

    #[test]
    fn an_ispdb_over_plain_http_elsewhere_is_refused() {
        let err = DetectConfig::default()
            .with_ispdb_url("http://ispdb.example/v1.1/")
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(DetectConfig::default()
            .with_ispdb_url("http://127.0.0.1:8080/v1.1/")
            .is_ok());
    }

    #[test]
    fn sources_rank_trusted_ones_first() {
        assert!(Source::BuiltIn < Source::Autoconfig);
        assert!(Source::Ispdb < Source::MxBuiltIn);
        assert!(Source::Srv < Source::HttpAutoconfig);
        assert!(
            Source::Ispdb.trusted()
                && Source::MxBuiltIn.trusted()
                && !Source::Srv.trusted()
                && !Source::HttpAutoconfig.trusted()
        );
        assert_eq!(
            ispdb_url("https://x.test/v1.1", "a.se"),
            "https://x.test/v1.1/a.se"
        );
    }
}
