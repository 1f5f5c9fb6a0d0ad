//! `inkorg-cli`: the Inkorg engine from a terminal, for people, tests and scripts.
//! Every error ends in one line on stderr and an exit code per kind (see `ErrorKind::exit_code`).

use clap::{Args, Parser, Subcommand};
mod detect;

use inkorg_core::detect::DetectConfig;
use inkorg_core::{
    default_data_dir, AccountSettings, Credentials, Engine, Error, Event, Flushed, Health, Mark,
    Security, ServerSettings, SyncPhase,
};
use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "inkorg-cli",
    version,
    about = "Inkorg's mail engine from a terminal"
)]
struct Cli {
    /// Profile directory (default: the platform's app-data dir).
    #[arg(long, global = true, env = "INKORG_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// One DNS server (IP or IP:PORT) for every lookup, instead of the system's resolver.
    #[arg(long, global = true, env = "INKORG_DNS_SERVER", value_name = "ADDR")]
    dns_server: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Find the IMAP and SMTP settings for an address (and, with a password, verify them).
    Detect(DetectArgs),
    /// Verify the settings against both servers, then keep them (password in the OS keyring).
    /// Without --imap-host and --smtp-host the settings are found by `detect` first.
    Login(LoginArgs),
    /// Fetch the folder list and new, changed and removed headers of every folder, once.
    Sync {
        /// Sync this many times in one process (a running app's steady state, for benchmarks:
        /// the TLS setup and the database open are paid once).
        #[arg(long, default_value_t = 1, value_name = "N")]
        repeat: u32,
    },
    /// Run the account loop in the foreground (sync, push with IDLE, the action queue) and
    /// print one event per line until interrupted (Ctrl-C).
    Watch {
        /// One JSON object per line, with a "type" field.
        #[arg(long)]
        json: bool,
    },
    /// Mark messages (by the id `list --json` prints) read, unread, flagged or unflagged.
    Mark {
        #[command(flatten)]
        how: MarkHow,
        #[arg(required = true, value_name = "ID")]
        ids: Vec<i64>,
    },
    /// Move messages to a folder (its name as `folders` lists it).
    Move {
        #[arg(long, value_name = "FOLDER")]
        to: String,
        #[arg(required = true, value_name = "ID")]
        ids: Vec<i64>,
    },
    /// Delete messages: to Trash; in Trash (or without a Trash folder) only with --for-good.
    Delete {
        /// Remove for good what is in Trash (or everything, where there is no Trash folder).
        #[arg(long)]
        for_good: bool,
        #[arg(required = true, value_name = "ID")]
        ids: Vec<i64>,
    },
    /// Move messages to the Archive folder.
    Archive {
        #[arg(required = true, value_name = "ID")]
        ids: Vec<i64>,
    },
    /// The actions waiting for the server, oldest first.
    Queue {
        #[arg(long)]
        json: bool,
    },
    /// List messages from the local store, newest first.
    List {
        #[arg(long, default_value = "INBOX")]
        folder: String,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long, default_value_t = 0)]
        offset: u32,
        #[arg(long)]
        json: bool,
    },
    /// Read a message (its id as `list --json` prints it): the decoded headers, the text the
    /// reader shows, whether it has remote content, and its attachments. The body is fetched
    /// once (without marking the message read) and kept for offline reading.
    Show {
        #[arg(value_name = "ID")]
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Save an attachment (its INDEX as `show` lists it) to a file; the bytes are the decoded
    /// part.
    SaveAttachment {
        #[arg(value_name = "ID")]
        id: i64,
        #[arg(value_name = "INDEX")]
        index: u32,
        #[arg(long, value_name = "PATH")]
        out: std::path::PathBuf,
    },
    /// The folders from the local store, with their roles (inbox, sent, drafts …) and counts.
    Folders {
        #[arg(long)]
        json: bool,
    },
    /// Follow a folder: it is synced and shown (the server is told too).
    Subscribe {
        #[arg(value_name = "FOLDER")]
        folder: String,
    },
    /// Stop following a folder: no longer synced or shown; Inbox and Sent are always followed.
    Unsubscribe {
        #[arg(value_name = "FOLDER")]
        folder: String,
    },
    /// Offline reading: how many messages are kept and the space they take; with --range or
    /// --budget-mb, also sets how far back the background download (run by `watch` and the
    /// app) goes and where it stops (Email options, General).
    Offline {
        /// 30 or 180 (days), or all.
        #[arg(long, value_parser = ["30", "180", "all"])]
        range: Option<String>,
        /// 250, 1000 or 5000, or 0 for no limit.
        #[arg(long, value_name = "MB")]
        budget_mb: Option<u32>,
        #[arg(long)]
        json: bool,
    },
    /// Show the account, its servers and folders.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Send a message from the account's address, through the outbox: it is stored first,
    /// then sent (here, or by the Inkorg running on this profile), and saved in Sent.
    Send(SendArgs),
    /// The messages in the outbox (Utkorg): waiting, being sent, refused or uncertain.
    Outbox {
        #[arg(long)]
        json: bool,
        /// Send what is due now (when no Inkorg runs on this profile).
        #[arg(long)]
        flush: bool,
        /// Send this refused or uncertain message again.
        #[arg(long, value_name = "ID", conflicts_with_all = ["arrived", "remove"])]
        send_again: Option<i64>,
        /// This uncertain message did arrive: only save its copy in Sent.
        #[arg(long, value_name = "ID", conflicts_with = "remove")]
        arrived: Option<i64>,
        /// Take this message out of the outbox (before it is sent; undo).
        #[arg(long, value_name = "ID")]
        remove: Option<i64>,
    },
    /// Remove the account: its password from the keyring and its local data. The mailbox at
    /// the provider is not touched.
    Logout,
}

#[derive(Args)]
struct SendArgs {
    #[arg(long)]
    to: Vec<String>,
    #[arg(long)]
    cc: Vec<String>,
    #[arg(long)]
    bcc: Vec<String>,
    /// The subject (a reply's or forward's is made from the original's when not given).
    #[arg(long)]
    subject: Option<String>,
    /// The text; read from stdin when neither this nor --body-file is given.
    #[arg(long, conflicts_with = "body_file")]
    body: Option<String>,
    /// The text, from a file (UTF-8).
    #[arg(long, value_name = "FILE")]
    body_file: Option<PathBuf>,
    /// A file to attach (again for more).
    #[arg(long, value_name = "FILE")]
    attach: Vec<PathBuf>,
    /// Reply to the message with this id (quoted, threaded, sent to its sender).
    #[arg(long, value_name = "ID", conflicts_with = "forward")]
    reply_to: Option<i64>,
    /// With --reply-to: reply to everyone the message went to (not to yourself).
    #[arg(long, requires = "reply_to")]
    all: bool,
    /// Forward the message with this id (its headers, text and attachments).
    #[arg(long, value_name = "ID")]
    forward: Option<i64>,
    /// Send later: at this time (seconds since the epoch), not before.
    #[arg(long, value_name = "UNIX_TIME")]
    at: Option<i64>,
    /// The language of a quote line ("Den … skrev …:"): sv or en.
    #[arg(long, default_value = "en")]
    lang: String,
}

#[derive(Args)]
#[group(required = true, multiple = false)]
struct MarkHow {
    #[arg(long)]
    read: bool,
    #[arg(long)]
    unread: bool,
    #[arg(long)]
    flag: bool,
    #[arg(long)]
    unflag: bool,
}

impl MarkHow {
    fn mark(&self) -> Mark {
        if self.read {
            Mark::Read
        } else if self.unread {
            Mark::Unread
        } else if self.flag {
            Mark::Flag
        } else {
            Mark::Unflag
        }
    }
}

#[derive(Args)]
struct DetectArgs {
    /// The email address.
    address: String,
    /// Print the whole result as JSON.
    #[arg(long)]
    json: bool,
    /// Verify with the password from the first line of stdin (or from INKORG_PASSWORD when set).
    #[arg(long)]
    password_stdin: bool,
    /// The provider database's base URL (the domain is appended).
    #[arg(long, env = "INKORG_ISPDB_URL", value_name = "URL")]
    ispdb_url: Option<String>,
    /// Extra trusted CA certificates (PEM), for https sources and for verification.
    #[arg(long, env = "INKORG_EXTRA_CA", value_name = "FILE")]
    ca_file: Option<PathBuf>,
    /// Sign in (with --password-stdin) also to servers found outside the address's domain
    /// through a source that does not speak for its owner (MX, SRV, plain http). Without it
    /// they are only reported, under "needs_confirmation".
    #[arg(long)]
    trust_found_hosts: bool,
}

#[derive(Args)]
struct LoginArgs {
    #[arg(long)]
    email: String,
    /// Your name, shown to people you write to.
    #[arg(long, default_value = "")]
    name: String,
    /// Leave out (with --smtp-host) to find the settings automatically.
    #[arg(long)]
    imap_host: Option<String>,
    /// Default: 993 with tls, 143 otherwise.
    #[arg(long)]
    imap_port: Option<String>,
    #[arg(long, default_value = "tls")]
    imap_security: String,
    /// Default: the email address.
    #[arg(long, default_value = "")]
    imap_user: String,
    #[arg(long)]
    smtp_host: Option<String>,
    /// Default: 465 with tls, 587 otherwise.
    #[arg(long)]
    smtp_port: Option<String>,
    #[arg(long, default_value = "starttls")]
    smtp_security: String,
    /// Default: the email address.
    #[arg(long, default_value = "")]
    smtp_user: String,
    /// Extra trusted CA certificates (PEM), e.g. a company's private CA.
    #[arg(long)]
    ca_file: Option<PathBuf>,
    /// Read the password from the first line of stdin (otherwise from INKORG_PASSWORD).
    #[arg(long)]
    password_stdin: bool,
    /// Trust a server certificate with this SHA-256 fingerprint (as printed when it was refused).
    #[arg(long, value_name = "SHA256")]
    accept_fingerprint: Vec<String>,
    /// Without --imap-host/--smtp-host: also sign in to servers found outside the address's
    /// domain through MX, SRV or plain http (otherwise they are named and nothing is sent).
    #[arg(long)]
    trust_found_hosts: bool,
    /// Allow a server with --imap-security/--smtp-security none: the password and all mail
    /// then cross the network unencrypted, readable by anyone on the way.
    #[arg(long)]
    allow_plaintext: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("inkorg-cli: {}", one_line(&e));
            ExitCode::from(e.kind().exit_code() as u8)
        }
    }
}

/// The one line a person reads, per kind.
fn one_line(e: &Error) -> String {
    match e {
        Error::WrongCredentials { endpoint, server_text } => format!(
            "wrong user name or password for {endpoint}; the server said: {server_text}"
        ),
        Error::BlockedByProvider { endpoint, reason, server_text, url } => format!(
            "the provider blocked the sign-in to {endpoint} ({reason:?}): {server_text}{}",
            url.as_ref().map(|u| format!(" — see {u}")).unwrap_or_default()
        ),
        Error::CertificateUntrusted { endpoint, fingerprint, detail } => format!(
            "the certificate of {endpoint} is not trusted ({detail}). SHA-256 fingerprint {fingerprint}. \
             If you are sure this is your server, run login again with --accept-fingerprint {fingerprint}"
        ),
        Error::InvalidInput { field, message } if field == "plaintext" => {
            format!("{message}; if you accept that, run login again with --allow-plaintext")
        }
        other => other.to_string(),
    }
    .replace('\n', " ")
}

async fn run(cli: Cli) -> Result<(), Error> {
    // The environment's overrides; `status` names them (stderr stays one line per error). One
    // that cannot be used is said, never dropped unseen.
    let (overrides, refused) = inkorg_core::Overrides::from_env();
    for r in &refused {
        eprintln!("inkorg-cli: {r}");
    }
    if let Some(dns) = cli.dns_server.as_deref().filter(|d| !d.trim().is_empty()) {
        let addr = inkorg_core::parse_dns_server(dns).map_err(|m| Error::InvalidInput {
            field: "dns_server".into(),
            message: m,
        })?;
        inkorg_core::set_dns_server(Some(addr));
    }
    if let Command::Detect(args) = cli.command {
        return detect::run(args).await;
    }
    let data_dir = cli.data_dir.unwrap_or_else(default_data_dir);
    let mut engine = Engine::open(&data_dir).await?;
    // INKORG_EXTRA_CA is trusted for this run's connections, never stored with the account.
    engine.set_extra_ca(overrides.extra_ca.clone())?;
    match cli.command {
        Command::Login(args) => login(&engine, args).await,
        Command::Detect(_) => Ok(()),
        Command::Sync { repeat } => {
            for _ in 0..repeat.max(1) {
                sync(&engine).await?;
            }
            Ok(())
        }
        Command::Watch { json } => watch(&engine, json).await,
        Command::Mark { how, ids } => {
            let n = engine.mark(&ids, how.mark()).await?;
            acted(&engine, &format!("{n} message(s) changed")).await
        }
        Command::Move { to, ids } => {
            let n = engine.move_messages(&ids, &to).await?;
            acted(&engine, &format!("{n} message(s) moved to {to}")).await
        }
        Command::Delete { for_good, ids } => {
            let n = engine.delete(&ids, for_good).await?;
            acted(&engine, &format!("{n} message(s) deleted")).await
        }
        Command::Archive { ids } => {
            let n = engine.archive(&ids).await?;
            acted(&engine, &format!("{n} message(s) archived")).await
        }
        Command::Queue { json } => queue(&engine, json).await,
        Command::List {
            folder,
            limit,
            offset,
            json,
        } => list(&engine, &folder, limit, offset, json).await,
        Command::Status { json } => status(&engine, json, &overrides).await,
        Command::Offline {
            range,
            budget_mb,
            json,
        } => offline(&engine, range.as_deref(), budget_mb, json).await,
        Command::Folders { json } => folders(&engine, json).await,
        Command::Show { id, json } => show(&engine, id, json).await,
        Command::SaveAttachment { id, index, out } => {
            let a = engine.save_attachment(id, index, &out).await?;
            println!(
                "saved {} ({} bytes) to {}",
                inkorg_core::for_display(&a.info.name),
                a.bytes.len(),
                out.display()
            );
            Ok(())
        }
        Command::Subscribe { folder } => {
            let changed = engine.set_subscribed(&folder, true).await?;
            let what = if changed {
                "now followed"
            } else {
                "already followed"
            };
            acted(&engine, &format!("{folder}: {what}")).await
        }
        Command::Unsubscribe { folder } => {
            let changed = engine.set_subscribed(&folder, false).await?;
            let what = if changed {
                "no longer followed"
            } else {
                "already not followed"
            };
            acted(&engine, &format!("{folder}: {what}")).await
        }
        Command::Send(args) => send(&engine, args).await,
        Command::Outbox {
            json,
            flush,
            send_again,
            arrived,
            remove,
        } => {
            if let Some(id) = send_again {
                engine.send_again(id).await?;
                println!("message {id}: queued to be sent again");
                flush_outbox(&engine, None).await?;
            } else if let Some(id) = arrived {
                engine.confirm_arrived(id).await?;
                println!("message {id}: marked as arrived; its copy goes to Sent");
                flush_outbox(&engine, None).await?;
            } else if let Some(id) = remove {
                engine.undo_send(id).await?;
                println!("message {id}: taken out of the outbox, not sent");
            } else if flush {
                flush_outbox(&engine, None).await?;
            }
            outbox(&engine, json).await
        }
        Command::Logout => {
            engine.logout().await?;
            println!("logged out: the password is removed from the keyring and the local data is deleted");
            Ok(())
        }
    }
}

fn read_stdin_all() -> Result<String, Error> {
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .map_err(|e| Error::InvalidInput {
            field: "stdin".into(),
            message: e.to_string(),
        })?;
    Ok(s)
}

fn server(
    which: &str,
    host: String,
    port: Option<String>,
    security: &str,
    user: String,
) -> Result<ServerSettings, Error> {
    let security: Security = security.parse()?;
    let port = match port {
        Some(p) => inkorg_core::parse_port(&format!("{which}.port"), &p)?,
        None => match (which, security) {
            ("imap", Security::Tls) => 993,
            ("imap", _) => 143,
            (_, Security::Tls) => 465,
            _ => 587,
        },
    };
    Ok(ServerSettings {
        host,
        port,
        security,
        username: user,
    })
}

pub(crate) fn read_password(from_stdin: bool) -> Result<String, Error> {
    let missing = || Error::InvalidInput {
        field: "password".into(),
        message: "give the password on stdin with --password-stdin, or in INKORG_PASSWORD".into(),
    };
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|_| missing())?;
        let pw = line.trim_end_matches(['\r', '\n']).to_string();
        if pw.is_empty() {
            return Err(missing());
        }
        return Ok(pw);
    }
    std::env::var("INKORG_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty())
        .ok_or_else(missing)
}

async fn login(engine: &Engine, a: LoginArgs) -> Result<(), Error> {
    let password = read_password(a.password_stdin)?;
    let settings =
        match (a.imap_host, a.smtp_host) {
            (Some(imap_host), Some(smtp_host)) => AccountSettings {
                email: a.email,
                display_name: a.name,
                imap: server(
                    "imap",
                    imap_host,
                    a.imap_port,
                    &a.imap_security,
                    a.imap_user,
                )?,
                smtp: server(
                    "smtp",
                    smtp_host,
                    a.smtp_port,
                    &a.smtp_security,
                    a.smtp_user,
                )?,
                ca_file: a.ca_file,
                allow_plaintext: a.allow_plaintext,
            },
            (None, None) => {
                let mut cfg = DetectConfig::from_env()?;
                if let Some(ca) = a.ca_file.clone() {
                    cfg = cfg.with_ca_file(ca)?;
                }
                // Find, then sign in to exactly what was found, then save without signing in again.
                let quiet = |_: inkorg_core::detect::Stage| {};
                let found = engine.detect(&a.email, &cfg, &quiet).await?;
                if let (Some(c), false) = (&found.needs_confirmation, a.trust_found_hosts) {
                    eprint!("{}", detect::describe(&found));
                    return Err(Error::NeedsConfirmation {
                        hosts: c.hosts.clone(),
                        source_text: c.source.describe().to_string(),
                    });
                }
                let verified = engine
                    .verify_detected(&a.email, &password, &cfg, a.trust_found_hosts, &quiet)
                    .await?;
                eprint!("{}", detect::describe(&verified));
                if !verified.verified() {
                    return Err(detect::failure(&verified));
                }
                let outcome = engine
                    .save_detected(&a.email, &a.name, &password, a.ca_file)
                    .await?;
                print_logged_in(&outcome);
                return Ok(());
            }
            _ => return Err(Error::InvalidInput {
                field: "imap_host".into(),
                message:
                    "give both --imap-host and --smtp-host, or neither to find them automatically"
                        .into(),
            }),
        };
    let creds = Credentials {
        imap_password: password,
        smtp_password: std::env::var("INKORG_SMTP_PASSWORD")
            .ok()
            .filter(|p| !p.is_empty()),
    };
    let outcome = engine
        .login(&settings, &creds, &a.accept_fingerprint)
        .await?;
    print_logged_in(&outcome);
    Ok(())
}

fn print_logged_in(outcome: &inkorg_core::LoginOutcome) {
    for (host, port, fp) in &outcome.pinned {
        println!("pinned the certificate of {host}:{port} (SHA-256 {fp})");
    }
    let s = &outcome.settings;
    println!(
        "logged in as {}: IMAP {}:{} ({}) and SMTP {}:{} ({}) verified",
        s.email,
        s.imap.host,
        s.imap.port,
        s.imap.security,
        s.smtp.host,
        s.smtp.port,
        s.smtp.security
    );
}

async fn sync(engine: &Engine) -> Result<(), Error> {
    let tty = std::io::stderr().is_terminal();
    let report = engine
        .sync(|p| {
            if tty && p.phase == SyncPhase::Headers {
                eprint!("\r{}: {} / {} headers", p.folder, p.done, p.total);
            }
        })
        .await?;
    if tty {
        eprintln!();
    }
    println!(
        "synced {}: {} new, {} flag changes, {} removed, {} in total{}, in {} ms",
        report.folder,
        report.new,
        report.flags_changed,
        report.expunged,
        report.total,
        if report.full { " (full sync)" } else { "" },
        report.elapsed_ms
    );
    Ok(())
}

/// After a local action: it is done here; now it goes to the server (or to the loop that runs).
async fn send(engine: &Engine, a: SendArgs) -> Result<(), Error> {
    use inkorg_core::{ComposeKind, DraftAttachment, DraftInput, Language};
    let text = match (&a.body, &a.body_file) {
        (Some(b), _) => b.clone(),
        (None, Some(f)) => std::fs::read_to_string(f).map_err(|e| Error::InvalidInput {
            field: "body-file".into(),
            message: format!("{}: {e}", f.display()),
        })?,
        (None, None) => read_stdin_all()?,
    };
    let lang = if a.lang == "sv" {
        Language::Sv
    } else {
        Language::En
    };
    let (kind, source) = match (a.reply_to, a.forward) {
        (Some(id), _) if a.all => (ComposeKind::ReplyAll, Some(id)),
        (Some(id), _) => (ComposeKind::Reply, Some(id)),
        (None, Some(id)) => (ComposeKind::Forward, Some(id)),
        (None, None) => (ComposeKind::New, None),
    };
    let start = engine.start_draft(kind, source, lang).await?;
    let draft_id = start.id;
    let result = async {
        let body = inkorg_core::text_to_html(&text);
        // The text goes where the composer's cursor starts: above the signature and the
        // quote the draft begins with.
        let html = format!("{body}{}", start.html.trim_start_matches("<div><br></div>"));
        let to = if a.to.is_empty() {
            start.to.clone()
        } else {
            a.to.clone()
        };
        if to.is_empty() && a.cc.is_empty() && a.bcc.is_empty() {
            return Err(Error::InvalidInput {
                field: "to".into(),
                message: "the message has no recipient (--to)".into(),
            });
        }
        let cc = if a.cc.is_empty() {
            start.cc.clone()
        } else {
            a.cc.clone()
        };
        engine
            .save_draft(
                draft_id,
                DraftInput {
                    to,
                    cc,
                    bcc: a.bcc.clone(),
                    subject: a.subject.clone().unwrap_or(start.subject.clone()),
                    html,
                },
            )
            .await?;
        for path in &a.attach {
            let bytes = std::fs::read(path).map_err(|e| Error::InvalidInput {
                field: "attach".into(),
                message: format!("{}: {e}", path.display()),
            })?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "attachment".into());
            let mime_type = inkorg_core::mime_type_for(&name).to_string();
            engine
                .add_draft_attachment(
                    draft_id,
                    DraftAttachment {
                        name,
                        mime_type,
                        bytes,
                    },
                )
                .await?;
        }
        engine.send_draft(draft_id, a.at, false).await
    }
    .await;
    let queued = match result {
        Ok(q) => q,
        Err(e) => {
            // Nothing was queued: the draft made for this command goes too.
            let _ = engine.discard_draft(draft_id).await;
            return Err(e);
        }
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    if queued.send_at > now {
        println!(
            "queued {} (outbox {}) to be sent at {}",
            queued.message_id, queued.id, queued.send_at
        );
        return Ok(());
    }
    flush_outbox(engine, Some(queued.id)).await?;
    // The flag on the message answered or forwarded is queued like any other action.
    if source.is_some() {
        let _ = engine.flush_queue().await;
    }
    match engine.outbox_entry(queued.id).await? {
        None => {
            println!("sent {}", queued.message_id);
            Ok(())
        }
        Some(e) => {
            let why = e.last_error.clone().unwrap_or_default();
            match e.state {
                inkorg_core::OutboxState::Failed => Err(Error::Reported {
                    kind: inkorg_core::ErrorKind::Protocol,
                    message: format!("not sent (outbox {}): {why}", e.id),
                }),
                inkorg_core::OutboxState::Uncertain => {
                    println!("uncertain (outbox {}): {why}", e.id);
                    Ok(())
                }
                _ => {
                    let when = e
                        .next_try_at
                        .map(|t| format!("; next try at {t}"))
                        .unwrap_or_default();
                    println!(
                        "queued {} (outbox {}): not sent yet ({why}){when}",
                        queued.message_id, e.id
                    );
                    Ok(())
                }
            }
        }
    }
}

/// Sends what is due, here unless an Inkorg runs on this profile. With `wait_for`, waits
/// until that message left the outbox or stopped there (another process may send it).
async fn flush_outbox(engine: &Engine, wait_for: Option<i64>) -> Result<(), Error> {
    match engine.flush_outbox().await {
        Ok(true) => {}
        Ok(false) => {
            println!("the Inkorg running on this profile sends it");
            if let Some(id) = wait_for {
                for _ in 0..120 {
                    match engine.outbox_entry(id).await? {
                        None => return Ok(()),
                        Some(e)
                            if e.attempts > 0 && e.state != inkorg_core::OutboxState::Sending =>
                        {
                            return Ok(())
                        }
                        Some(_) => tokio::time::sleep(std::time::Duration::from_millis(500)).await,
                    }
                }
            }
        }
        // The message is kept: it goes out with the next watch or app start.
        Err(e) => println!("not sent yet: {}", one_line(&e)),
    }
    Ok(())
}

async fn outbox(engine: &Engine, json: bool) -> Result<(), Error> {
    let list = engine.outbox().await?;
    if json {
        let text =
            serde_json::to_string_pretty(&list).map_err(|e| Error::storage(e.to_string()))?;
        println!("{text}");
        return Ok(());
    }
    if list.is_empty() {
        println!("the outbox is empty");
    }
    use inkorg_core::for_display;
    for e in &list {
        let state = serde_json::to_value(e.state)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        println!(
            "{:>5}  {:<9}  {}  to {}{}",
            e.id,
            state,
            for_display(&e.subject),
            for_display(&e.to),
            e.last_error
                .as_deref()
                .map(|w| format!("  ({})", for_display(w)))
                .unwrap_or_default()
        );
    }
    Ok(())
}

async fn acted(engine: &Engine, done: &str) -> Result<(), Error> {
    println!("{done}");
    match engine.flush_queue().await {
        Ok(Flushed::Replayed(n)) if n > 0 => println!("the server has it ({n} action(s) sent)"),
        Ok(Flushed::Replayed(_)) => {}
        Ok(Flushed::Elsewhere) => {
            println!("queued: the Inkorg running on this profile sends it to the server")
        }
        // The action is kept: it goes out with the next sync, watch or app start.
        Err(e) => println!("queued: not sent yet ({})", one_line(&e)),
    }
    Ok(())
}

async fn queue(engine: &Engine, json: bool) -> Result<(), Error> {
    let queue = engine.queue().await?;
    if json {
        let text =
            serde_json::to_string_pretty(&queue).map_err(|e| Error::storage(e.to_string()))?;
        println!("{text}");
        return Ok(());
    }
    use inkorg_core::for_display;
    for a in &queue {
        let what = match a.kind {
            inkorg_core::ActionKind::Flags => {
                let mut parts: Vec<String> = a.add_flags.iter().map(|f| format!("+{f}")).collect();
                parts.extend(a.remove_flags.iter().map(|f| format!("-{f}")));
                parts.join(" ")
            }
            inkorg_core::ActionKind::Move => {
                format!("move to {}", a.target.as_deref().unwrap_or_default())
            }
            inkorg_core::ActionKind::Expunge => "delete for good".to_string(),
        };
        println!(
            "{:>5} {} {:<28} {} {}{}",
            a.id,
            format_date(a.created_at),
            what,
            a.folder,
            truncate(&for_display(&a.subject), 40),
            a.last_error
                .as_ref()
                .map(|e| format!(" (last try: {e})"))
                .unwrap_or_default()
        );
    }
    println!("{} action(s) waiting", queue.len());
    Ok(())
}

/// The account loop in the foreground; events on stdout, one per line.
async fn watch(engine: &Engine, json: bool) -> Result<(), Error> {
    let mut events = engine.subscribe();
    let cancel = inkorg_core::CancellationToken::new();
    let stop = cancel.clone();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        stop.cancel();
    });
    let printer = async {
        use std::io::Write;
        loop {
            let event = match events.recv().await {
                Ok(e) => e,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            };
            let line = if json {
                serde_json::to_string(&event).unwrap_or_default()
            } else {
                describe_event(&event)
            };
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
    };
    tokio::select! {
        r = engine.run(cancel) => r,
        () = printer => Ok(()),
    }
}

fn describe_event(e: &Event) -> String {
    use inkorg_core::for_display;
    match e {
        Event::NewMessage {
            id,
            folder,
            from,
            subject,
            ..
        } => format!(
            "new      {folder} #{id} {} — {}",
            for_display(from),
            for_display(subject)
        ),
        Event::Flags {
            id,
            folder,
            seen,
            flagged,
        } => format!(
            "flags    {folder} #{id} {}{}",
            if *seen { "read" } else { "unread" },
            if *flagged { ", flagged" } else { "" }
        ),
        Event::Removed {
            id,
            folder,
            moved_to,
        } => match moved_to {
            Some(t) => format!("moved    {folder} #{id} to {t}"),
            None => format!("removed  {folder} #{id}"),
        },
        Event::Folders => "folders  changed".into(),
        Event::Progress {
            folder,
            done,
            total,
        } => format!("progress {folder}: {done} of {total} headers"),
        Event::Synced {
            folder, new, total, ..
        } => format!("synced   {folder}: {new} new, {total} in total"),
        Event::Queue { pending } => format!("queue    {pending} action(s) waiting"),
        Event::Outbox { waiting } => format!("outbox   {waiting} message(s) not sent yet"),
        Event::MessageSent {
            message_id,
            subject,
            to,
        } => format!(
            "sent     {} to {} {message_id}",
            for_display(subject),
            for_display(to)
        ),
        Event::Offline {
            done,
            total,
            stored_bytes,
            budget_reached,
        } => format!(
            "offline  {done} of {total} messages downloaded for offline reading, {:.1} MB kept{}",
            *stored_bytes as f64 / 1e6,
            if *budget_reached {
                " (the space for it is full)"
            } else {
                ""
            }
        ),
        Event::Health(h) => match h {
            Health::Connecting => "health   connecting".into(),
            Health::Online { updated_at, push } => format!(
                "health   up to date {} UTC{}",
                format_date(*updated_at),
                if *push { " (push)" } else { " (polling)" }
            ),
            Health::Offline { retry_in_s, error } => format!(
                "health   offline, trying again in {retry_in_s} s: {}",
                error.message.replace('\n', " ")
            ),
            Health::Stopped { error } => {
                format!("health   stopped: {}", error.message.replace('\n', " "))
            }
            Health::Elsewhere => "health   another Inkorg runs this profile's sync".into(),
        },
    }
}

async fn list(
    engine: &Engine,
    folder: &str,
    limit: u32,
    offset: u32,
    json: bool,
) -> Result<(), Error> {
    let messages = engine.list(folder, limit, offset).await?;
    if json {
        let text =
            serde_json::to_string_pretty(&messages).map_err(|e| Error::storage(e.to_string()))?;
        println!("{text}");
        return Ok(());
    }
    // Shown text without bidi controls, invisible characters or terminal escapes.
    use inkorg_core::for_display;
    for m in &messages {
        let from = if m.from_name.is_empty() {
            &m.from_addr
        } else {
            &m.from_name
        };
        println!(
            "{} {}{} {:<24} {}",
            format_date(m.date),
            if m.seen { ' ' } else { '*' },
            if m.has_attachment { '@' } else { ' ' },
            truncate(&for_display(from), 24),
            for_display(&m.subject)
        );
    }
    Ok(())
}

/// `show --json`: what a script (or a checker) needs of a message as the reader shows it.
#[derive(serde::Serialize)]
struct ShowJson<'a> {
    id: i64,
    folder: &'a str,
    headers: &'a inkorg_core::ReaderHeaders,
    text: &'a str,
    /// Shown from an HTML part (its text is what is printed).
    html: bool,
    /// The message has remote content (blocked until the person allows it).
    remote_content: bool,
    remote_references: u32,
    attachments: &'a [inkorg_core::AttachmentInfo],
}

async fn show(engine: &Engine, id: i64, json: bool) -> Result<(), Error> {
    let m = engine
        .read_message(
            id,
            inkorg_core::OpenOptions {
                remote_once: false,
                language: inkorg_core::Language::En,
            },
        )
        .await?;
    let b = &m.body;
    if json {
        let out = ShowJson {
            id,
            folder: &m.summary.folder,
            headers: &b.headers,
            text: &b.text,
            html: b.from_html,
            remote_content: b.remote_content > 0,
            remote_references: b.remote_content,
            attachments: &b.attachments,
        };
        let text = serde_json::to_string_pretty(&out).map_err(|e| Error::storage(e.to_string()))?;
        println!("{text}");
        return Ok(());
    }
    use inkorg_core::for_display;
    let h = &b.headers;
    println!("From:    {}", for_display(&h.from));
    println!("To:      {}", for_display(&h.to));
    if !h.cc.is_empty() {
        println!("Cc:      {}", for_display(&h.cc));
    }
    if let Some(d) = h.date {
        println!("Date:    {}", format_date(d));
    }
    println!("Subject: {}", for_display(&h.subject));
    if b.remote_content > 0 {
        println!("(remote content blocked: {} references)", b.remote_content);
    }
    println!();
    for line in b.text.lines() {
        println!("{}", for_display(line));
    }
    if !b.attachments.is_empty() {
        println!();
        for a in &b.attachments {
            println!(
                "[{}] {} ({}, {} bytes){}",
                a.index,
                for_display(&a.name),
                a.mime_type,
                a.size,
                if a.risky {
                    " (a program: check before opening)"
                } else {
                    ""
                }
            );
        }
    }
    Ok(())
}

async fn folders(engine: &Engine, json: bool) -> Result<(), Error> {
    let folders = engine.folders().await?;
    if json {
        let text =
            serde_json::to_string_pretty(&folders).map_err(|e| Error::storage(e.to_string()))?;
        println!("{text}");
        return Ok(());
    }
    for f in &folders {
        let role = f
            .role
            .map(|r| format!("{r:?}").to_lowercase())
            .unwrap_or_default();
        println!(
            "{:<30} {:<8} {:>6} messages, {:>5} unread{}",
            inkorg_core::for_display(&f.display_name),
            role,
            f.total,
            f.unread,
            if f.subscribed { "" } else { "  (not followed)" }
        );
    }
    Ok(())
}

async fn status(
    engine: &Engine,
    json: bool,
    overrides: &inkorg_core::Overrides,
) -> Result<(), Error> {
    let st = engine.status().await?;
    if json {
        let text = serde_json::to_string_pretty(&st).map_err(|e| Error::storage(e.to_string()))?;
        println!("{text}");
        return Ok(());
    }
    println!(
        "account:  {} {}",
        st.email,
        if st.display_name.is_empty() {
            String::new()
        } else {
            format!("({})", st.display_name)
        }
    );
    println!(
        "incoming: {}:{} {} as {}",
        st.imap.host, st.imap.port, st.imap.security, st.imap.username
    );
    println!(
        "outgoing: {}:{} {} as {}",
        st.smtp.host, st.smtp.port, st.smtp.security, st.smtp.username
    );
    println!("data:     {}", st.data_dir.display());
    if let Some(ca) = &st.ca_file {
        println!("CA file:  {} (chosen for this account)", ca.display());
    }
    if st.allow_plaintext {
        println!("plaintext: confirmed (a server without encryption gets the password)");
    }
    if let Some(line) = overrides.describe() {
        println!("{line}");
    }
    for f in &st.folders {
        let synced = f
            .last_sync
            .map(format_date)
            .unwrap_or_else(|| "never synced".into());
        println!(
            "folder:   {:<20} {:>6} messages, {:>5} unread, {}",
            f.name, f.total, f.unread, synced
        );
    }
    Ok(())
}

async fn offline(
    engine: &Engine,
    range: Option<&str>,
    budget_mb: Option<u32>,
    json: bool,
) -> Result<(), Error> {
    use inkorg_core::OfflineRange;
    let mut prefs = engine.preferences().await?;
    if range.is_some() || budget_mb.is_some() {
        if let Some(r) = range {
            prefs.offline_range = match r {
                "30" => OfflineRange::Days30,
                "180" => OfflineRange::Days180,
                _ => OfflineRange::All,
            };
        }
        if let Some(b) = budget_mb {
            prefs.offline_budget_mb = b;
        }
        prefs = engine.set_preferences(prefs).await?;
    }
    let usage = engine.offline_usage().await?;
    if json {
        let v = serde_json::json!({
            "range": prefs.offline_range,
            "budget_mb": prefs.offline_budget_mb,
            "messages": usage.messages,
            "bytes": usage.bytes,
        });
        println!("{v}");
        return Ok(());
    }
    let range = match prefs.offline_range {
        OfflineRange::Days30 => "the last 30 days",
        OfflineRange::Days180 => "the last 180 days",
        OfflineRange::All => "all mail",
    };
    let budget = match prefs.offline_budget_mb {
        0 => "no limit".to_string(),
        mb => format!("at most {mb} MB"),
    };
    println!("download: {range}, {budget}");
    println!(
        "kept:     {} messages, {:.1} MB",
        usage.messages,
        usage.bytes as f64 / 1e6
    );
    Ok(())
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

/// "YYYY-MM-DD HH:MM" in UTC, from seconds since the epoch.
fn format_date(ts: i64) -> String {
    let days = ts.div_euclid(86_400);
    let secs = ts.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_print_in_utc() {
        assert_eq!(format_date(0), "1970-01-01 00:00");
        assert_eq!(format_date(1_767_600_000), "2026-01-05 08:00");
        assert_eq!(format_date(951_782_400), "2000-02-29 00:00");
    }

    #[test]
    fn default_ports_follow_the_security_mode() {
        let s = |w, sec| {
            server(w, "h".into(), None, sec, String::new())
                .unwrap()
                .port
        };
        assert_eq!(s("imap", "tls"), 993);
        assert_eq!(s("imap", "starttls"), 143);
        assert_eq!(s("smtp", "tls"), 465);
        assert_eq!(s("smtp", "starttls"), 587);
        assert!(server(
            "imap",
            "h".into(),
            Some("70000".into()),
            "tls",
            String::new()
        )
        .is_err());
    }
}
