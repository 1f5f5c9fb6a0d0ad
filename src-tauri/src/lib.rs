//! The Tauri shell: a thin layer that converts DTOs and calls the engine. It runs no SQL and
//! opens no sockets itself. `app` registers state and commands on any runtime, so the command
//! dispatch is tested with `tauri::test::mock_builder()`.

pub mod commands;
pub mod composer;
pub mod dto;
pub mod notify;
pub mod reader;

use inkorg_core::detect::DetectConfig;
use inkorg_core::{Engine, Overrides};
use std::path::PathBuf;
use std::sync::Arc;
use tauri::webview::NewWindowResponse;
use tauri::{Manager, Runtime, Url, WebviewWindowBuilder};

/// What the commands share: the engine of this profile, and autodetection's settings with the
/// overrides of this run (`INKORG_DNS_SERVER`, `INKORG_ISPDB_URL`, `INKORG_EXTRA_CA`) applied.
pub struct AppState {
    pub engine: Arc<Engine>,
    pub detect: DetectConfig,
}

/// The profile directory: `INKORG_DATA_DIR`, else the platform's app-data dir for Inkorg.
fn data_dir<R: Runtime>(app: &tauri::AppHandle<R>) -> PathBuf {
    if let Some(dir) = std::env::var_os("INKORG_DATA_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    app.path()
        .app_data_dir()
        .unwrap_or_else(|_| inkorg_core::default_data_dir())
}

/// Opens the profile's engine and puts it in the app's state (called from setup). The
/// overrides of this run are said once, on stderr, so they never work unseen.
pub fn init<R: Runtime>(app: &tauri::AppHandle<R>) -> Result<(), inkorg_core::Error> {
    let (overrides, refused) = Overrides::from_env();
    for r in &refused {
        eprintln!("Inkorg: {r}");
    }
    if let Some(line) = overrides.describe() {
        eprintln!("Inkorg: {line}");
    }
    overrides.apply_dns();
    let dir = data_dir(app);
    let mut engine = tauri::async_runtime::block_on(Engine::open(&dir))?;
    engine.set_extra_ca(overrides.extra_ca.clone())?;
    let engine = Arc::new(engine);
    app.manage(AppState {
        engine: Arc::clone(&engine),
        detect: overrides.detect_config()?,
    });
    let notifier = notify::spawn(app.clone(), Arc::clone(&engine));
    forward_events(app, &engine, notifier);
    // The account loop runs from the start when an account exists (after a login otherwise).
    tauri::async_runtime::spawn(async move {
        if engine.status().await.is_ok() {
            engine.start();
        }
    });
    Ok(())
}

/// Every engine event goes to the web UI as `inkorg://event`. A UI that fell behind gets a
/// `folders` event, which makes it reload from the store (the truth). New mail in the inbox
/// also goes to the notifier.
fn forward_events<R: Runtime>(
    app: &tauri::AppHandle<R>,
    engine: &Engine,
    notifier: tokio::sync::mpsc::UnboundedSender<notify::NewMail>,
) {
    use tauri::Emitter;
    use tokio::sync::broadcast::error::RecvError;
    let mut events = engine.subscribe();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            let dto = match events.recv().await {
                Ok(e) => {
                    if let Some(mail) = notify::announced(&e) {
                        let _ = notifier.send(mail);
                    }
                    dto::EventDto::from(e)
                }
                Err(RecvError::Lagged(_)) => dto::EventDto::Folders,
                Err(RecvError::Closed) => return,
            };
            let _ = app.emit("inkorg://event", dto);
        }
    });
}

/// Whether the main window may show `url`: only the app's own pages. Every link to the world
/// goes through `open_link` (https only, in the system browser), so a link or a script that
/// tries to navigate the window elsewhere is refused.
pub fn own_page(url: &Url) -> bool {
    match url.scheme() {
        // Linux and macOS serve the app from tauri://localhost, Windows from
        // http(s)://tauri.localhost.
        "tauri" => url.host_str() == Some("localhost"),
        "http" | "https" => url.host_str() == Some("tauri.localhost"),
        _ => false,
    }
}

/// `builder` with the rules every window of the app keeps: it shows only the app's own pages
/// and the message frames; a navigation elsewhere that is a link (http, https, mailto) goes
/// to that window's UI as `inkorg://link`, which shows its real target when it needs to
/// before the browser gets it; no new windows at all. (Links in a message reach the UI through
/// the frame's own scheme instead, see `reader`.)
pub(crate) fn guarded<'a, R: Runtime, M: Manager<R>>(
    builder: WebviewWindowBuilder<'a, R, M>,
    app: &tauri::AppHandle<R>,
    label: &str,
) -> WebviewWindowBuilder<'a, R, M> {
    let link = |app: tauri::AppHandle<R>, label: String| {
        move |url: &Url| reader::hand_link(&app, &label, url.as_str())
    };
    let on_link = link(app.clone(), label.to_string());
    let on_popup = link(app.clone(), label.to_string());
    builder
        .on_navigation(move |url| {
            if own_page(url) || reader::is_frame(url) {
                return true;
            }
            if !on_link(url) {
                eprintln!("Inkorg: refused to navigate to {url}");
            }
            false
        })
        .on_new_window(move |url, _| {
            if !on_popup(&url) {
                eprintln!("Inkorg: refused to open a new window for {url}");
            }
            NewWindowResponse::Deny
        })
}

/// The main window from tauri.conf.json, with navigation kept to the app's own pages and no
/// new windows at all.
fn main_window<R: Runtime>(app: &tauri::AppHandle<R>) -> tauri::Result<()> {
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == "main")
        .cloned()
        .unwrap_or_default();
    guarded(
        WebviewWindowBuilder::from_config(app, &config)?,
        app,
        "main",
    )
    .build()?;
    Ok(())
}

/// Registers the state and the commands on a builder of any runtime.
pub fn app<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .plugin(tauri_plugin_dialog::init())
        .manage(reader::Frames::default())
        .register_asynchronous_uri_scheme_protocol(reader::SCHEME, |ctx, request, responder| {
            reader::serve(
                ctx.app_handle().clone(),
                ctx.webview_label(),
                request,
                responder,
            );
        })
        .setup(|app| {
            init(app.handle())?;
            main_window(app.handle())?;
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::get_account,
            commands::detect,
            commands::verify_detected,
            commands::save_detected,
            commands::login,
            commands::pick_ca_file,
            commands::list_messages,
            commands::list_folders,
            commands::logout,
            commands::get_preferences,
            commands::set_preferences,
            commands::get_contact_card,
            commands::set_contact_card,
            commands::make_first_on_card,
            commands::system_language,
            commands::open_link,
            commands::sync_now,
            commands::mark_messages,
            commands::move_messages,
            commands::delete_messages,
            commands::archive_messages,
            commands::list_queue,
            commands::set_folder_subscribed,
            commands::get_health,
            reader::read_message,
            reader::set_remote_content_sender,
            reader::list_remote_content_senders,
            reader::offline_usage,
            reader::save_attachment,
            reader::save_all_attachments,
            reader::open_attachment,
            reader::open_message_link,
            reader::open_message_window,
            reader::print_message,
            composer::open_composer,
            composer::get_draft,
            composer::list_drafts,
            composer::save_draft,
            composer::pick_draft_attachments,
            composer::drop_draft_attachment,
            composer::remove_draft_attachment,
            composer::discard_draft,
            composer::send_draft,
            composer::undo_send,
            composer::list_outbox,
            composer::send_again,
            composer::confirm_arrived,
            composer::suggest_addresses,
        ])
}

/// Starts the desktop app.
pub fn run() {
    let result = app(tauri::Builder::default()).run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("Inkorg could not start: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests;
