//! The commands the web UI calls. Each converts its DTOs, calls the engine and maps the
//! engine's error to the one `CommandError` shape. Sync progress streams through a Channel.

use tauri::ipc::Channel;
use tauri::State;

use crate::dto::{
    AccountDto, CommandError, ContactCardDto, DetectStageDto, DetectionDto, FolderDto, HealthDto,
    LoginRequest, MarkDto, MessageDto, PreferencesDto, QueuedActionDto,
};
use crate::AppState;
use inkorg_core::{Credentials, Error};

pub(crate) type Result<T> = std::result::Result<T, CommandError>;

/// The account, or null on first run.
#[tauri::command]
pub async fn get_account(state: State<'_, AppState>) -> Result<Option<AccountDto>> {
    match state.engine.status().await {
        Ok(s) => Ok(Some(s.into())),
        Err(Error::NotLoggedIn) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// "Next": finds the servers for an address (autodetection) without signing in anywhere.
/// Nothing is saved; the engine remembers the result for `verify_detected`. The stage it is on
/// streams through `on_stage`.
#[tauri::command]
pub async fn detect(
    state: State<'_, AppState>,
    email: String,
    on_stage: Channel<DetectStageDto>,
) -> Result<DetectionDto> {
    let stage = stage_to(&on_stage);
    Ok(state
        .engine
        .detect(&email, &state.detect, &stage)
        .await?
        .into())
}

/// "Log in": signs in to exactly the servers `detect` found for this address (only the user
/// name may vary). Servers that need the person's confirmation get the password only with
/// `trust_found_hosts`, which the UI sends when the person answered yes to the question.
#[tauri::command]
pub async fn verify_detected(
    state: State<'_, AppState>,
    email: String,
    password: String,
    trust_found_hosts: bool,
    on_stage: Channel<DetectStageDto>,
) -> Result<DetectionDto> {
    let stage = stage_to(&on_stage);
    Ok(state
        .engine
        .verify_detected(&email, &password, &state.detect, trust_found_hosts, &stage)
        .await?
        .into())
}

/// Reports detection's stage on the UI's channel (a closed channel is ignored).
fn stage_to(channel: &Channel<DetectStageDto>) -> impl Fn(inkorg_core::detect::Stage) + Sync + '_ {
    move |s| {
        let _ = channel.send(s.into());
    }
}

/// Saves the account `verify_detected` verified (both servers signed in), with that password.
#[tauri::command]
pub async fn save_detected(
    state: State<'_, AppState>,
    email: String,
    display_name: String,
    password: String,
) -> Result<AccountDto> {
    state
        .engine
        .save_detected(&email, &display_name, &password, None)
        .await?;
    start_loop(&state);
    Ok(state.engine.status().await?.into())
}

/// Advanced settings' Save: verifies both servers and saves the account; nothing is saved when
/// it fails. Editing may keep a saved password, only for a server that did not change.
#[tauri::command]
pub async fn login(state: State<'_, AppState>, request: LoginRequest) -> Result<AccountDto> {
    let settings = request.settings();
    let creds = Credentials {
        imap_password: request.password.clone(),
        smtp_password: request.smtp_password.clone().filter(|p| !p.is_empty()),
    };
    let accepted = &request.accept_fingerprints;
    if request.keep_saved_password == Some(true) {
        state
            .engine
            .login_keeping_saved(&settings, &creds, accepted)
            .await?;
    } else {
        state.engine.login(&settings, &creds, accepted).await?;
    }
    start_loop(&state);
    Ok(state.engine.status().await?.into())
}

/// Advanced settings: the person chooses a CA file (a company's own certificate authority)
/// in the system's file dialog. The path, or null when the dialog was closed.
#[tauri::command]
pub async fn pick_ca_file<R: tauri::Runtime>(app: tauri::AppHandle<R>) -> Result<Option<String>> {
    use tauri_plugin_dialog::DialogExt;
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .add_filter("PEM", &["pem", "crt", "cer"])
        .pick_file(move |path| {
            let _ = tx.send(path.and_then(|p| p.into_path().ok()));
        });
    let picked = rx
        .await
        .map_err(|_| CommandError::internal("the file dialog closed unexpectedly"))?;
    Ok(picked.map(|p| p.to_string_lossy().into_owned()))
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
    if !inkorg_core::is_https_link(&url) {
        return Err(CommandError::from(inkorg_core::Error::InvalidInput {
            field: "url".into(),
            message: format!("only https links are opened, not {url:?}"),
        }));
    }
    open::that_detached(&url).map_err(|e| CommandError::internal(format!("cannot open {url}: {e}")))
}

/// After a login: the account loop runs (again) with the saved settings and password; a loop
/// that stopped on a refusal (the password had changed) tries again now.
fn start_loop(state: &AppState) {
    state.engine.start();
    state.engine.retry_now();
}

/// "Refresh" and "Try again": the loop syncs `folder` now and, if it waits to reconnect or
/// stopped on a refusal, tries again. Returns at once; the news comes as events.
#[tauri::command]
pub async fn sync_now(state: State<'_, AppState>, folder: String) -> Result<()> {
    state.engine.start();
    state.engine.open_folder(&folder);
    state.engine.retry_now();
    Ok(())
}

/// The account loop's health as last said (null before it first said anything): the status
/// line of a window that opened after the event.
#[tauri::command]
pub async fn get_health(state: State<'_, AppState>) -> Result<Option<HealthDto>> {
    Ok(state.engine.health().map(Into::into))
}

/// Email options, Folders: follow a folder or stop following it (Inbox and Sent always on).
#[tauri::command]
pub async fn set_folder_subscribed(
    state: State<'_, AppState>,
    folder: String,
    on: bool,
) -> Result<bool> {
    Ok(state.engine.set_subscribed(&folder, on).await?)
}

/// Read, unread, flag, unflag: written locally and queued; returns how many changed.
#[tauri::command]
pub async fn mark_messages(state: State<'_, AppState>, ids: Vec<i64>, how: MarkDto) -> Result<u32> {
    Ok(state.engine.mark(&ids, how.into()).await?)
}

#[tauri::command]
pub async fn move_messages(
    state: State<'_, AppState>,
    ids: Vec<i64>,
    folder: String,
) -> Result<u32> {
    Ok(state.engine.move_messages(&ids, &folder).await?)
}

/// To Trash; for good (in Trash, or without a Trash folder) only with `forGood`, the person's
/// yes to the question.
#[tauri::command]
pub async fn delete_messages(
    state: State<'_, AppState>,
    ids: Vec<i64>,
    for_good: bool,
) -> Result<u32> {
    Ok(state.engine.delete(&ids, for_good).await?)
}

#[tauri::command]
pub async fn archive_messages(state: State<'_, AppState>, ids: Vec<i64>) -> Result<u32> {
    Ok(state.engine.archive(&ids).await?)
}

/// The actions waiting for the server, oldest first.
#[tauri::command]
pub async fn list_queue(state: State<'_, AppState>) -> Result<Vec<QueuedActionDto>> {
    Ok(state
        .engine
        .queue()
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}
