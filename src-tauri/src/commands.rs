//! The commands the web UI calls. Each converts its DTOs, calls the engine and maps the
//! engine's error to the one `CommandError` shape. Sync progress streams through a Channel.

use tauri::ipc::Channel;
use tauri::State;

use crate::dto::{
    AccountDto, CommandError, DetectionDto, FolderDto, LoginRequest, MessageDto, SyncProgressDto,
    SyncReportDto,
};
use crate::AppState;
use inkorg_core::detect::DetectConfig;
use inkorg_core::{Credentials, Error};

type Result<T> = std::result::Result<T, CommandError>;

/// The account, or null on first run.
#[tauri::command]
pub async fn get_account(state: State<'_, AppState>) -> Result<Option<AccountDto>> {
    match state.engine.status().await {
        Ok(s) => Ok(Some(s.into())),
        Err(Error::NotLoggedIn) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Finds the servers for an address (autodetection); with a password, verifies them too.
/// Nothing is saved: the UI logs in with the result, or opens Advanced settings pre-filled.
#[tauri::command]
pub async fn detect(email: String, password: Option<String>) -> Result<DetectionDto> {
    // INKORG_ISPDB_URL and INKORG_EXTRA_CA (the same CA file the app trusts) apply.
    let cfg = DetectConfig::from_env()?;
    let password = password.filter(|p| !p.is_empty());
    Ok(
        inkorg_core::detect::detect(&email, password.as_deref(), &cfg)
            .await?
            .into(),
    )
}

/// Verifies both servers and saves the account; nothing is saved when it fails.
#[tauri::command]
pub async fn login(state: State<'_, AppState>, request: LoginRequest) -> Result<AccountDto> {
    let settings = request.settings(state.extra_ca.clone());
    let creds = Credentials {
        imap_password: request.password.clone(),
        smtp_password: request.smtp_password.clone().filter(|p| !p.is_empty()),
    };
    state
        .engine
        .login(&settings, &creds, &request.accept_fingerprints)
        .await?;
    Ok(state.engine.status().await?.into())
}

/// Syncs the folder list and INBOX; progress arrives on `on_progress` as it happens.
#[tauri::command]
pub async fn sync(
    state: State<'_, AppState>,
    on_progress: Channel<SyncProgressDto>,
) -> Result<SyncReportDto> {
    let report = state
        .engine
        .sync(|p| {
            // A closed channel (window gone) must not stop the sync.
            let _ = on_progress.send(p.into());
        })
        .await?;
    Ok(report.into())
}

/// One page of a folder, newest first, from the local store.
#[tauri::command]
pub async fn list_messages(
    state: State<'_, AppState>,
    folder: String,
    offset: u32,
    limit: u32,
) -> Result<Vec<MessageDto>> {
    let limit = limit.clamp(1, 1000);
    let page = state.engine.list(&folder, limit, offset).await?;
    Ok(page.into_iter().map(Into::into).collect())
}

#[tauri::command]
pub async fn list_folders(state: State<'_, AppState>) -> Result<Vec<FolderDto>> {
    Ok(state
        .engine
        .folders()
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Removes the account: password, settings and local mail. The provider's mailbox stays.
#[tauri::command]
pub async fn logout(state: State<'_, AppState>) -> Result<()> {
    Ok(state.engine.logout().await?)
}
