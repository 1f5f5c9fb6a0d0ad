//! The Tauri shell: a thin layer that converts DTOs and calls the engine. It runs no SQL and
//! opens no sockets itself. `app` registers state and commands on any runtime, so the command
//! dispatch is tested with `tauri::test::mock_builder()`.

pub mod commands;
pub mod dto;

use inkorg_core::Engine;
use std::path::PathBuf;
use std::sync::Arc;
use tauri::{Manager, Runtime};

/// What the commands share: the engine of this profile, and an extra CA file from
/// `INKORG_EXTRA_CA` (a company's private CA; the tests' CA) applied to new logins.
pub struct AppState {
    pub engine: Arc<Engine>,
    pub extra_ca: Option<PathBuf>,
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

/// Opens the profile's engine and puts it in the app's state (called from setup).
pub fn init<R: Runtime>(app: &tauri::AppHandle<R>) -> Result<(), inkorg_core::Error> {
    let dir = data_dir(app);
    let engine = tauri::async_runtime::block_on(Engine::open(&dir))?;
    let extra_ca = std::env::var_os("INKORG_EXTRA_CA")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from);
    app.manage(AppState {
        engine: Arc::new(engine),
        extra_ca,
    });
    Ok(())
}

/// Registers the state and the commands on a builder of any runtime.
pub fn app<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .setup(|app| Ok(init(app.handle())?))
        .invoke_handler(tauri::generate_handler![
            commands::get_account,
            commands::detect,
            commands::login,
            commands::sync,
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
