//! The commands the web UI calls. Each converts its DTOs, calls the engine and maps the
//! engine's error to the one `CommandError` shape. Sync progress streams through a Channel.

use tauri::ipc::Channel;
use tauri::State;

use crate::dto::{
    AccountDto, CommandError, ContactCardDto, DetectStageDto, DetectionDto, FolderDto,
    LoginRequest, MessageDto, PreferencesDto, SyncProgressDto, SyncReportDto,
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
/// The stage it is on streams through `on_stage`.
#[tauri::command]
pub async fn detect(
    email: String,
    password: Option<String>,
    on_stage: Channel<DetectStageDto>,
) -> Result<DetectionDto> {
    // INKORG_ISPDB_URL and INKORG_EXTRA_CA (the same CA file the app trusts) apply.
    let cfg = DetectConfig::from_env()?;
    let password = password.filter(|p| !p.is_empty());
    let stage = |s: inkorg_core::detect::Stage| {
        let _ = on_stage.send(s.into());
    };
    Ok(
        inkorg_core::detect::detect_with_progress(&email, password.as_deref(), &cfg, &stage)
            .await?
            .into(),
    )
}

/// Verifies both servers and saves the account; nothing is saved when it fails.
#[tauri::command]
pub async fn login(state: State<'_, AppState>, request: LoginRequest) -> Result<AccountDto> {
    let settings = request.settings(state.extra_ca.clone());
    let mut creds = Credentials {
        imap_password: request.password.clone(),
        smtp_password: request.smtp_password.clone().filter(|p| !p.is_empty()),
    };
    if request.keep_saved_password == Some(true) && creds.imap_password.is_empty() {
        // Editing the saved account: its keyring passwords, for this same address only.
        if let Some(saved) = state.engine.saved_credentials(&request.email).await? {
            creds.imap_password = saved.imap_password;
            if creds.smtp_password.is_none() {
                creds.smtp_password = saved.smtp_password;
            }
        }
    }
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

/// Email options, tab General.
#[tauri::command]
pub async fn get_preferences(state: State<'_, AppState>) -> Result<PreferencesDto> {
    Ok(state.engine.preferences().await?.into())
}

#[tauri::command]
pub async fn set_preferences(
    state: State<'_, AppState>,
    preferences: PreferencesDto,
) -> Result<PreferencesDto> {
    Ok(state
        .engine
        .set_preferences(preferences.into())
        .await?
        .into())
}

#[tauri::command]
pub async fn get_contact_card(state: State<'_, AppState>) -> Result<ContactCardDto> {
    Ok(state.engine.contact_card().await?.into())
}

#[tauri::command]
pub async fn set_contact_card(
    state: State<'_, AppState>,
    card: ContactCardDto,
) -> Result<ContactCardDto> {
    Ok(state.engine.set_contact_card(card.into()).await?.into())
}

/// The one-click fix for sending: `email` becomes the first address on the contact card.
#[tauri::command]
pub async fn make_first_on_card(
    state: State<'_, AppState>,
    email: String,
) -> Result<ContactCardDto> {
    Ok(state.engine.make_first_on_card(&email).await?.into())
}

/// The operating system's language as a BCP 47 tag ("sv-SE"), or null when unknown. Webviews
/// do not reliably report it through `navigator.language`.
#[tauri::command]
pub fn system_language() -> Option<String> {
    sys_locale::get_locale()
}

/// Opens a provider's help page in the system browser. Only https links are opened.
#[tauri::command]
pub async fn open_link(url: String) -> Result<()> {
    let https = inkorg_core::net::Url::parse(&url).is_ok_and(|u| u.https);
    if !https || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(CommandError::from(inkorg_core::Error::InvalidInput {
            field: "url".into(),
            message: format!("only https links are opened, not {url:?}"),
        }));
    }
    open::that_detached(&url).map_err(|e| CommandError::internal(format!("cannot open {url}: {e}")))
}
