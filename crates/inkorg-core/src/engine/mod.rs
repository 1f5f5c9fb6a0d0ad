//! The engine's public face: one profile (a data directory) with at most one account. Log in
//! (verify IMAP and SMTP at the same time, then keep the password in the keyring and the
//! settings in SQLite), sync, list, send, log out. Every UI (the Tauri shell, the CLI) calls
//! only this.

use serde::Serialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

use crate::credential::{OAuth2Token, Secret};
use crate::detect::{self, DetectConfig, Detection, Stage};
use crate::error::{Error, ErrorKind, Result};
use crate::events::{Event, Events};
use crate::imap;
use crate::personal::{ContactCard, Preferences};
use crate::secrets::{self, Role, SecretRef};
use crate::settings::{normalize_email, AccountSettings, ServerSettings};
use crate::smtp;
use crate::store::{self, FolderInfo, MessageSummary, Store, StoredAccount};
use crate::sync::{FolderSync, SyncPhase, SyncProgress, SyncReport};
use crate::tls::{normalize_fingerprint, Timeouts, Trust};

mod live;
mod read;
mod write;
pub use live::{Flushed, Mark};
pub use read::{OfflineUsage, OpenOptions, ReadMessage};
pub use write::{
    prefixed_subject, quote_header, split_addresses, ComposeKind, DraftAttachmentView, DraftInput,
    DraftView, Queued, SendOptions,
};

/// The platform's app-data directory for Inkorg (`INKORG_DATA_DIR` overrides it).
pub fn default_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("INKORG_DATA_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("Inkorg")
}

/// The passwords a person typed. Never printed: Debug shows only whether they are set.
#[derive(Clone, Default)]
pub struct Credentials {
    pub imap_password: String,
    /// The outgoing server's own password, when it differs from the incoming one.
    pub smtp_password: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("imap_password", &"<hidden>")
            .field(
                "smtp_password",
                &self.smtp_password.as_ref().map(|_| "<hidden>"),
            )
            .finish()
    }
}

impl Credentials {
    fn smtp(&self) -> &str {
        self.smtp_password.as_deref().unwrap_or(&self.imap_password)
    }
}

/// The account and its folders, as a UI shows them.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub email: String,
    pub display_name: String,
    pub imap: crate::settings::ServerSettings,
    pub smtp: crate::settings::ServerSettings,
    pub folders: Vec<FolderInfo>,
    pub data_dir: PathBuf,
    /// The CA file the person chose for this account, if any.
    pub ca_file: Option<PathBuf>,
    /// The person confirmed a server without encryption.
    pub allow_plaintext: bool,
}

/// What a successful login verified.
#[derive(Debug, Clone, Serialize)]
pub struct LoginOutcome {
    pub settings: AccountSettings,
    /// Certificates pinned on the way, as (host, port, fingerprint).
    pub pinned: Vec<(String, u16, String)>,
}

/// What the engine's parts share with the account loop: cheap to clone.
#[derive(Clone)]
pub(crate) struct Ctx {
    pub data_dir: PathBuf,
    pub store: Store,
    pub profile: String,
    pub timeouts: Timeouts,
    /// A CA file trusted for every connection of this run (`INKORG_EXTRA_CA`: a company's
    /// private CA, the tests'), never stored with the account.
    pub extra_ca: Option<PathBuf>,
    pub events: Events,
    /// Wakes the loop from IDLE: an action was queued, a folder was opened.
    pub wake: Arc<tokio::sync::Notify>,
    /// The person's "try again" after the loop stopped on a refusal.
    pub retry: Arc<tokio::sync::Notify>,
    /// Folders the person opened, synced in the loop's next round.
    wanted: Arc<std::sync::Mutex<BTreeSet<String>>>,
    /// The body connection (opened when a body is first wanted).
    pub bodies: crate::bodies::Fetcher,
    /// Starts a pass of the background download now (Email options changed).
    pub offline_wake: Arc<tokio::sync::Notify>,
    /// Wakes the outbox: a message was queued, undone or sent again.
    pub outbox_wake: Arc<tokio::sync::Notify>,
}

impl Ctx {
    pub fn take_wanted_folders(&self) -> BTreeSet<String> {
        std::mem::take(
            &mut *self
                .wanted
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// Asks the loop to sync `folder` in its next round.
    pub fn want_folder(&self, folder: &str) {
        self.wanted
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(folder.to_string());
    }

    /// Tells the front ends how many actions wait for the server.
    pub async fn announce_queue(&self, account_id: i64) -> Result<()> {
        let pending = self
            .store
            .read(move |db| db.pending_count(account_id))
            .await?;
        self.events.emit(Event::Queue { pending });
        Ok(())
    }

    pub async fn trust_for(
        &self,
        settings: &AccountSettings,
        host: &str,
        port: u16,
    ) -> Result<Trust> {
        let (h, p) = (host.to_string(), port);
        let pinned = self.store.read(move |db| db.pinned(&h, p)).await?;
        Trust {
            pinned,
            ..Default::default()
        }
        .with_ca_file(settings.ca_file.as_deref())?
        .with_ca_file(self.extra_ca.as_deref())
    }

    pub async fn account(&self) -> Result<StoredAccount> {
        self.store
            .read(|db| db.account())
            .await?
            .ok_or(Error::NotLoggedIn)
    }

    /// What signs in to the stored account's server for `role` (its password or token).
    pub async fn credential(&self, settings: &AccountSettings, role: Role) -> Result<Secret> {
        let (email, server) = match role {
            Role::Imap => (&settings.email, &settings.imap),
            Role::Smtp => (&settings.email, &settings.smtp),
        };
        secrets::load_saved(&SecretRef::new(&self.profile, email, role, server))
            .await?
            .ok_or_else(|| {
                Error::keyring(
                    format!(
                        "no password or sign-in token for {email} in the keyring; log in again"
                    ),
                    None,
                )
            })
    }
}

/// The running account loop.
struct Runner {
    cancel: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

pub struct Engine {
    ctx: Ctx,
    /// The account loop, while it runs in this process.
    runner: std::sync::Mutex<Option<Runner>>,
    /// One sync at a time per profile.
    sync_lock: Arc<tokio::sync::Mutex<()>>,
    /// Bumped to stop a running sync (removing the account).
    stop_sync: tokio::sync::watch::Sender<u64>,
    /// What the last "Next" found, so "Log in" signs in to exactly those servers.
    detection: std::sync::Mutex<Option<Remembered>>,
}

/// A detection and, once both servers accepted it, a digest of the password that did, so
/// that `save_detected` saves exactly the password that was verified.
#[derive(Clone)]
struct Remembered {
    detection: Detection,
    verified_with: Option<[u8; 32]>,
}

fn digest(password: &str) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(password.as_bytes()).into()
}

/// The key of Email options' General tab in the preferences table.
const GENERAL: &str = "general";

/// Email options, tab General, as stored (defaults until the person saves).
pub(crate) async fn preferences(ctx: &Ctx) -> Result<Preferences> {
    let json = ctx.store.read(|db| db.preference(GENERAL)).await?;
    match json {
        // A value this version cannot read falls back to the defaults rather than failing.
        Some(j) => Ok(serde_json::from_str(&j).unwrap_or_default()),
        None => Ok(Preferences::default()),
    }
}

impl Engine {
    /// Opens (or creates) the profile in `data_dir`.
    pub async fn open(data_dir: impl AsRef<Path>) -> Result<Engine> {
        let data_dir = data_dir.as_ref().to_path_buf();
        let store = Store::open(store::db_path(&data_dir)).await?;
        let profile = store.call(|db| db.profile_id()).await?;
        Ok(Engine {
            ctx: Ctx {
                data_dir,
                store,
                profile,
                timeouts: Timeouts::default(),
                extra_ca: None,
                events: Events::new(),
                wake: Arc::new(tokio::sync::Notify::new()),
                retry: Arc::new(tokio::sync::Notify::new()),
                wanted: Arc::default(),
                bodies: Arc::default(),
                offline_wake: Arc::new(tokio::sync::Notify::new()),
                outbox_wake: Arc::new(tokio::sync::Notify::new()),
            },
            runner: std::sync::Mutex::new(None),
            sync_lock: Arc::new(tokio::sync::Mutex::new(())),
            stop_sync: tokio::sync::watch::channel(0).0,
            detection: std::sync::Mutex::new(None),
        })
    }

    /// Trusts the CA certificates in `path` for every connection of this run, without
    /// storing them with the account (that happens only when the person chooses a CA file in
    /// Advanced settings).
    pub fn set_extra_ca(&mut self, path: Option<PathBuf>) -> Result<()> {
        if let Some(p) = &path {
            Trust::default().with_ca_file(Some(p))?;
        }
        self.ctx.extra_ca = path;
        Ok(())
    }

    /// The random id that keeps this profile's keyring entries apart from other profiles'.
    pub fn profile(&self) -> &str {
        &self.ctx.profile
    }

    pub fn data_dir(&self) -> &Path {
        &self.ctx.data_dir
    }

    pub fn set_timeouts(&mut self, timeouts: Timeouts) {
        self.ctx.timeouts = timeouts;
    }

    fn secret(&self, email: &str, role: Role, server: &ServerSettings) -> SecretRef {
        SecretRef::new(&self.ctx.profile, email, role, server)
    }

    async fn trust_for(&self, settings: &AccountSettings, host: &str, port: u16) -> Result<Trust> {
        self.ctx.trust_for(settings, host, port).await
    }

    /// Finds the servers for `email` without signing in anywhere ("Next"), and remembers
    /// them for [`Engine::verify_detected`].
    pub async fn detect(
        &self,
        email: &str,
        cfg: &DetectConfig,
        stage: &(dyn Fn(Stage) + Sync),
    ) -> Result<Detection> {
        let d = detect::find(email, cfg, stage).await?;
        *self.last_detection() = Some(Remembered {
            detection: d.clone(),
            verified_with: None,
        });
        Ok(d)
    }

    /// "Log in" after "Next": signs in to exactly the servers the last detection for `email`
    /// found (only the user name may vary), never to hosts a second lookup might name. Hosts
    /// that need the person's confirmation get the password only with `trust_found_hosts`.
    pub async fn verify_detected(
        &self,
        email: &str,
        password: &str,
        cfg: &DetectConfig,
        trust_found_hosts: bool,
        stage: &(dyn Fn(Stage) + Sync),
    ) -> Result<Detection> {
        if password.is_empty() {
            return Err(Error::invalid("password", "the password is empty"));
        }
        let mut d = self.detected(email)?.detection;
        detect::verify(&mut d, password, cfg, trust_found_hosts, stage).await;
        *self.last_detection() = Some(Remembered {
            detection: d.clone(),
            verified_with: d.verified().then(|| digest(password)),
        });
        Ok(d)
    }

    /// Saves the account that [`Engine::verify_detected`] verified, with the password that was
    /// verified (any other is refused).
    /// `ca_file` is one the person chose (the CLI's `--ca-file`); the app passes none.
    pub async fn save_detected(
        &self,
        email: &str,
        display_name: &str,
        password: &str,
        ca_file: Option<PathBuf>,
    ) -> Result<LoginOutcome> {
        let r = self.detected(email)?;
        let settings = r
            .detection
            .account_settings(display_name, ca_file)
            .filter(|_| r.verified_with == Some(digest(password)))
            .ok_or_else(|| {
                Error::invalid(
                    "detection",
                    "sign in to both servers with this password first",
                )
            })?
            .validated()?;
        let creds = Credentials {
            imap_password: password.to_string(),
            smtp_password: None,
        };
        let outcome = LoginOutcome {
            settings,
            pinned: Vec::new(),
        };
        self.save(&outcome, &creds).await?;
        Ok(outcome)
    }

    fn last_detection(&self) -> std::sync::MutexGuard<'_, Option<Remembered>> {
        self.detection
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn detected(&self, email: &str) -> Result<Remembered> {
        let email = normalize_email(email)?;
        self.last_detection()
            .clone()
            .filter(|r| r.detection.email == email)
            .ok_or_else(|| {
                Error::invalid(
                    "detection",
                    format!("find the settings for {email} first (Next)"),
                )
            })
    }

    /// Verifies the settings against both servers at the same time (IMAP: login and logout;
    /// SMTP: EHLO and AUTH, no mail sent). `accepted` holds fingerprints the person explicitly
    /// accepted; a server presenting one of them is trusted and, on success, pinned.
    pub async fn verify(
        &self,
        settings: &AccountSettings,
        creds: &Credentials,
        accepted: &[String],
    ) -> Result<LoginOutcome> {
        let imap = Secret::password(&creds.imap_password);
        let smtp = Secret::password(creds.smtp());
        self.verify_secrets(settings, &imap, &smtp, accepted).await
    }

    /// [`Engine::verify`] with what signs in to each server: a password or a token.
    async fn verify_secrets(
        &self,
        settings: &AccountSettings,
        imap_secret: &Secret,
        smtp_secret: &Secret,
        accepted: &[String],
    ) -> Result<LoginOutcome> {
        let settings = settings.validated()?;
        let accepted: Vec<String> = accepted
            .iter()
            .map(|f| normalize_fingerprint(f))
            .collect::<Result<_>>()?;
        let imap_trust = self
            .trust_for(&settings, &settings.imap.host, settings.imap.port)
            .await?;
        let smtp_trust = self
            .trust_for(&settings, &settings.smtp.host, settings.smtp.port)
            .await?;
        let imap_check = with_consent(imap_trust, &accepted, |trust| {
            let (s, pw, t) = (&settings.imap, imap_secret, self.ctx.timeouts);
            async move {
                let mut session = imap::login(s, pw, &trust, &t).await?;
                let _ = tokio::time::timeout(t.command, session.logout()).await;
                Ok(())
            }
        });
        let smtp_check = with_consent(smtp_trust, &accepted, |trust| {
            let (s, pw, t) = (&settings.smtp, smtp_secret, self.ctx.timeouts);
            async move { smtp::check_login(s, pw, &trust, &t).await }
        });
        let (imap_result, smtp_result) = tokio::join!(imap_check, smtp_check);
        let imap_pin = imap_result?;
        let smtp_pin = smtp_result?;
        let mut pinned = Vec::new();
        if let Some(fp) = imap_pin {
            pinned.push((settings.imap.host.clone(), settings.imap.port, fp));
        }
        if let Some(fp) = smtp_pin {
            pinned.push((settings.smtp.host.clone(), settings.smtp.port, fp));
        }
        Ok(LoginOutcome { settings, pinned })
    }

    /// Verifies, then stores the passwords in the keyring and the settings locally. Nothing is
    /// saved when verification fails. Refuses when another account is already set up.
    pub async fn login(
        &self,
        settings: &AccountSettings,
        creds: &Credentials,
        accepted: &[String],
    ) -> Result<LoginOutcome> {
        if creds.imap_password.is_empty() {
            return Err(Error::invalid("password", "the password is empty"));
        }
        let outcome = self.verify(settings, creds, accepted).await?;
        self.save(&outcome, creds).await?;
        Ok(outcome)
    }

    /// Signs in with an OAuth2 token ("Sign in with Microsoft/Google": SASL XOAUTH2 to both
    /// servers, no password anywhere) and saves the account with the token in the keyring.
    /// The browser flow that gets the token comes with the OAuth2 sign-in itself.
    pub async fn login_oauth2(
        &self,
        settings: &AccountSettings,
        token: OAuth2Token,
    ) -> Result<LoginOutcome> {
        if token.access_token.is_empty() {
            return Err(Error::invalid("token", "the sign-in token is empty"));
        }
        let secret = Secret::OAuth2(token);
        let outcome = self.verify_secrets(settings, &secret, &secret, &[]).await?;
        self.save_secrets(&outcome, &secret, None).await?;
        Ok(outcome)
    }

    /// Editing the saved account: an empty password keeps the saved one, but only for a server
    /// whose host, port, security and user name are unchanged. A changed server needs the
    /// password typed again, so an edited host never receives the old host's password.
    pub async fn login_keeping_saved(
        &self,
        settings: &AccountSettings,
        typed: &Credentials,
        accepted: &[String],
    ) -> Result<LoginOutcome> {
        let new = settings.validated()?;
        let mut creds = typed.clone();
        let stored = self.ctx.store.call(|db| db.account()).await?;
        if let Some(stored) = stored.filter(|a| a.settings.email == new.email) {
            let old = &stored.settings;
            let type_again = |field: &str, which: &str| {
                Error::invalid(
                    field,
                    format!(
                        "the {which} server's settings changed, so the saved password is not sent \
                         there: type the password"
                    ),
                )
            };
            let imap_same = old.imap.same_server(&new.imap);
            let smtp_same = old.smtp.same_server(&new.smtp);
            if creds.imap_password.is_empty() {
                if !imap_same {
                    return Err(type_again("saved_password", "incoming"));
                }
                creds.imap_password = self.saved_password(old, Role::Imap).await?;
            }
            if creds.smtp_password.is_none() {
                if stored.smtp_own_password && smtp_same {
                    creds.smtp_password = Some(self.saved_password(old, Role::Smtp).await?);
                } else if !smtp_same && (typed.imap_password.is_empty() || stored.smtp_own_password)
                {
                    // The outgoing password would be a saved one, for another server.
                    return Err(type_again("saved_smtp_password", "outgoing"));
                }
            }
        }
        self.login(&new, &creds, accepted).await
    }

    /// Writes the verified account: both keyring entries and the SQLite rows, or neither.
    async fn save(&self, outcome: &LoginOutcome, creds: &Credentials) -> Result<()> {
        let own_smtp = creds
            .smtp_password
            .as_ref()
            .is_some_and(|p| *p != creds.imap_password);
        let imap = Secret::password(&creds.imap_password);
        let smtp = own_smtp.then(|| Secret::password(creds.smtp()));
        self.save_secrets(outcome, &imap, smtp.as_ref()).await
    }

    /// [`Engine::save`] with the secrets themselves; `smtp` only when the outgoing server has
    /// its own (otherwise it signs in with the incoming one's).
    async fn save_secrets(
        &self,
        outcome: &LoginOutcome,
        imap: &Secret,
        smtp: Option<&Secret>,
    ) -> Result<()> {
        let s = outcome.settings.clone();
        let email = s.email.clone();
        let existing = self.ctx.store.call(|db| db.account()).await?;
        if let Some(existing) = &existing {
            if existing.settings.email != email {
                return Err(Error::invalid(
                    "email",
                    format!(
                        "this profile already has the account {}; log out first or use another data directory",
                        existing.settings.email
                    ),
                ));
            }
        }
        let own_smtp = smtp.is_some();
        let imap_ref = self.secret(&email, Role::Imap, &s.imap);
        let smtp_ref = self.secret(&email, Role::Smtp, &s.smtp);
        // What the keyring held under these names, put back if the database write fails.
        let before = [
            (imap_ref.clone(), secrets::load(&imap_ref).await?),
            (smtp_ref.clone(), secrets::load(&smtp_ref).await?),
        ];
        let written = async {
            secrets::store(&imap_ref, imap).await?;
            if let Some(smtp) = smtp {
                secrets::store(&smtp_ref, smtp).await
            } else {
                secrets::delete(&smtp_ref).await
            }
        }
        .await;
        let saved = match written {
            Ok(()) => {
                let pins = outcome.pinned.clone();
                let s = s.clone();
                self.ctx
                    .store
                    .call(move |db| {
                        db.in_transaction(|db| {
                            for (host, port, fp) in &pins {
                                db.pin(host, *port, fp)?;
                            }
                            db.save_account(&s, own_smtp)?;
                            // A first account on an empty contact card becomes its first
                            // address, so sending works at once; a card the person already
                            // filled is left as it is.
                            let (name, addresses) = db.contact_card()?;
                            if addresses.is_empty() {
                                let name = if name.is_empty() {
                                    s.display_name.clone()
                                } else {
                                    name
                                };
                                db.set_contact_card(&name, std::slice::from_ref(&s.email))?;
                            }
                            Ok(())
                        })
                    })
                    .await
            }
            Err(e) => Err(e),
        };
        if let Err(e) = saved {
            for (r, old) in &before {
                let _ = match old {
                    Some(p) => secrets::store(r, p).await,
                    None => secrets::delete(r).await,
                };
            }
            return Err(e);
        }
        // Settings edited to other servers: the old servers' passwords are not needed any more.
        if let Some(old) = existing {
            let o = &old.settings;
            for stale in [
                self.secret(&email, Role::Imap, &o.imap),
                self.secret(&email, Role::Smtp, &o.smtp),
            ] {
                if stale != imap_ref && stale != smtp_ref {
                    let _ = secrets::delete(&stale).await;
                }
            }
        }
        Ok(())
    }

    async fn account(&self) -> Result<StoredAccount> {
        self.ctx.account().await
    }

    async fn credential(&self, settings: &AccountSettings, role: Role) -> Result<Secret> {
        self.ctx.credential(settings, role).await
    }

    /// The saved password for an edit that keeps it. An account that signs in through its
    /// provider (OAuth2) has none to keep.
    async fn saved_password(&self, settings: &AccountSettings, role: Role) -> Result<String> {
        match self.credential(settings, role).await? {
            Secret::Password(p) => Ok(p),
            Secret::OAuth2(_) => Err(Error::invalid(
                "saved_password",
                "this account signs in through its provider, not with a password: type a password \
                 to switch it to one",
            )),
        }
    }

    /// Syncs the folder list and every folder's headers, INBOX first, once. Progress goes to
    /// `progress` as it happens. (The account loop, [`Engine::start`], does this continuously.)
    /// Removing the account stops a running sync.
    pub async fn sync(&self, progress: impl Fn(SyncProgress) + Sync) -> Result<SyncReport> {
        let _one_at_a_time = self.sync_lock.lock().await;
        let mut stop = self.stop_sync.subscribe();
        stop.mark_unchanged();
        tokio::select! {
            report = self.sync_now(&progress) => report,
            _ = stop.changed() => Err(Error::Cancelled),
        }
    }

    fn folder_sync<'a>(
        &'a self,
        session: &'a mut imap::Session,
        ep: &'a crate::error::Endpoint,
        account_id: i64,
        caps: imap::SessionCaps,
    ) -> FolderSync<'a> {
        FolderSync {
            session,
            endpoint: ep,
            store: &self.ctx.store,
            account_id,
            timeouts: &self.ctx.timeouts,
            condstore: caps.condstore,
            qresync: caps.qresync,
            events: &self.ctx.events,
        }
    }

    async fn sync_now(&self, progress: &(impl Fn(SyncProgress) + Sync)) -> Result<SyncReport> {
        let started = std::time::Instant::now();
        let account = self.account().await?;
        let s = &account.settings;
        s.check_plaintext()?;
        let secret = self.credential(s, Role::Imap).await?;
        progress(SyncProgress {
            folder: "INBOX".into(),
            phase: SyncPhase::Connecting,
            done: 0,
            total: 0,
        });
        let trust = self.trust_for(s, &s.imap.host, s.imap.port).await?;
        let mut session = imap::login(&s.imap, &secret, &trust, &self.ctx.timeouts).await?;
        drop(secret);
        let ep = imap::endpoint(&s.imap);
        let caps = imap::session_caps(&mut session, &ep, &self.ctx.timeouts).await?;

        // INBOX first (what the person looks at), then the folder list, then every other
        // followed folder. INBOX goes before LIST also because Dovecot rescans a big Maildir
        // INBOX on a SELECT that follows a LIST (40 ms at 100,000 messages, seen here).
        let account_id = account.id;
        let mut job = self.folder_sync(&mut session, &ep, account_id, caps);
        let mut report = job.run("INBOX", progress).await?;

        progress(SyncProgress {
            folder: "INBOX".into(),
            phase: SyncPhase::Folders,
            done: 0,
            total: 0,
        });
        let (_, folders) = crate::sync::refresh_folder_list(
            &mut session,
            &ep,
            &self.ctx.timeouts,
            &self.ctx.store,
            account_id,
        )
        .await?;
        let names: Vec<String> = folders
            .into_iter()
            .filter(|f| f.selectable && f.subscribed && !f.name.eq_ignore_ascii_case("INBOX"))
            .map(|f| f.name)
            .collect();
        let mut job = self.folder_sync(&mut session, &ep, account_id, caps);
        for name in &names {
            let other = job.run(name, progress).await?;
            report.others.push(other);
        }
        report.elapsed_ms = started.elapsed().as_millis() as u64;
        let _ = tokio::time::timeout(self.ctx.timeouts.command, session.logout()).await;
        self.ctx.events.emit(Event::Folders);
        Ok(report)
    }

    /// Messages of a folder from the local store, newest first.
    pub async fn list(&self, folder: &str, limit: u32, offset: u32) -> Result<Vec<MessageSummary>> {
        let account = self.account().await?;
        let name = folder.to_string();
        self.ctx
            .store
            .call(move |db| {
                let exists = db.folders(account.id)?.into_iter().any(|f| f.name == name);
                // Every account has an INBOX (RFC 3501): before the first sync it is just empty.
                if !exists && name.eq_ignore_ascii_case("INBOX") {
                    return Ok(Vec::new());
                }
                if !exists {
                    return Err(Error::NotFound(format!("no folder named \"{name}\"")));
                }
                let id = db.folder_id(account.id, &name)?;
                db.list_messages(id, limit, offset)
            })
            .await
    }

    pub async fn folders(&self) -> Result<Vec<FolderInfo>> {
        let account = self.account().await?;
        self.ctx.store.call(move |db| db.folders(account.id)).await
    }

    pub async fn status(&self) -> Result<Status> {
        let account = self.account().await?;
        let folders = self.folders().await?;
        let s = account.settings;
        Ok(Status {
            email: s.email,
            display_name: s.display_name,
            imap: s.imap,
            smtp: s.smtp,
            folders,
            data_dir: self.ctx.data_dir.clone(),
            ca_file: s.ca_file,
            allow_plaintext: s.allow_plaintext,
        })
    }

    /// Pins a certificate the person accepted for host:port.
    pub async fn accept_certificate(&self, host: &str, port: u16, fingerprint: &str) -> Result<()> {
        let fp = normalize_fingerprint(fingerprint)?;
        let host = host.to_string();
        self.ctx
            .store
            .call(move |db| db.pin(&host, port, &fp))
            .await
    }

    /// Disconnects the account: deletes its passwords from the keyring, and its settings,
    /// folders, messages and pinned certificates from this profile. The mailbox at the
    /// provider is not touched.
    pub async fn logout(&self) -> Result<()> {
        // Stop the loop and a running sync first and wait until they have let go.
        self.stop().await;
        crate::bodies::close(&self.ctx.bodies).await;
        self.stop_sync.send_modify(|n| *n += 1);
        let _no_sync = self.sync_lock.lock().await;
        let account = self.account().await?;
        let s = &account.settings;
        secrets::delete(&self.secret(&s.email, Role::Imap, &s.imap)).await?;
        secrets::delete(&self.secret(&s.email, Role::Smtp, &s.smtp)).await?;
        self.ctx
            .store
            .call(move |db| {
                let s = &account.settings;
                db.unpin(&s.imap.host, s.imap.port)?;
                db.unpin(&s.smtp.host, s.smtp.port)?;
                db.delete_account(account.id)
            })
            .await
    }

    /// Email options, tab General (defaults until the person saves).
    pub async fn preferences(&self) -> Result<Preferences> {
        preferences(&self.ctx).await
    }

    pub async fn set_preferences(&self, prefs: Preferences) -> Result<Preferences> {
        let prefs = prefs.validated()?;
        let json = serde_json::to_string(&prefs)
            .map_err(|e| Error::storage_because("encoding Email options", e))?;
        self.ctx
            .store
            .call(move |db| db.set_preference(GENERAL, &json))
            .await?;
        // The range or the budget for offline reading may have changed.
        self.ctx.offline_wake.notify_one();
        Ok(prefs)
    }

    /// My contact card.
    pub async fn contact_card(&self) -> Result<ContactCard> {
        let (name, addresses) = self.ctx.store.call(|db| db.contact_card()).await?;
        Ok(ContactCard { name, addresses })
    }

    pub async fn set_contact_card(&self, card: ContactCard) -> Result<ContactCard> {
        let card = card.validated()?;
        let c = card.clone();
        self.ctx
            .store
            .call(move |db| db.set_contact_card(&c.name, &c.addresses))
            .await?;
        Ok(card)
    }

    /// The help page's rule for sending, as the send path checks it: `Ok` when the account's
    /// address is the first on the contact card, else `NotFirstOnContactCard`.
    pub async fn check_sender(&self) -> Result<()> {
        let account = self.account().await?;
        self.contact_card()
            .await?
            .check_sender(&account.settings.email)
    }

    /// The one-click fix: puts `email` first on the contact card.
    pub async fn make_first_on_card(&self, email: &str) -> Result<ContactCard> {
        let email = crate::settings::normalize_email(email)?;
        let card = self.contact_card().await?.with_first(&email);
        self.set_contact_card(card).await
    }
}

/// Runs a check; if it fails only because the certificate is untrusted and the person accepted
/// exactly that fingerprint, runs it once more with that fingerprint pinned. Returns the pin
/// that was used, if it was newly accepted.
async fn with_consent<F, Fut>(trust: Trust, accepted: &[String], check: F) -> Result<Option<String>>
where
    F: Fn(Trust) -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    match check(trust.clone()).await {
        Ok(()) => Ok(None),
        Err(Error::CertificateUntrusted { fingerprint, .. }) if accepted.contains(&fingerprint) => {
            let pinned = Trust {
                pinned: Some(fingerprint.clone()),
                ..trust
            };
            check(pinned).await.map(|()| Some(fingerprint))
        }
        Err(e) => Err(e),
    }
}

impl ErrorKind {
    /// A stable exit code per kind, for the CLI and scripts.
    pub fn exit_code(self) -> i32 {
        match self {
            ErrorKind::InvalidInput => 3,
            ErrorKind::WrongCredentials => 4,
            ErrorKind::BlockedByProvider => 5,
            ErrorKind::CertificateUntrusted => 6,
            ErrorKind::StarttlsNotOffered => 7,
            ErrorKind::CannotConnect => 8,
            ErrorKind::Protocol => 9,
            ErrorKind::Keyring => 10,
            ErrorKind::Storage => 11,
            ErrorKind::NotLoggedIn => 12,
            ErrorKind::NotFound => 13,
            ErrorKind::NotFirstOnContactCard => 14,
            ErrorKind::NeedsConfirmation => 15,
            // "Nothing found", like a folder that is not there: the CLI's long-standing 13.
            ErrorKind::NoServerFound => 13,
            ErrorKind::Cancelled => 16,
        }
    }
}
