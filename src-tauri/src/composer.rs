//! Writing mail: the composer window (one per draft), its draft, attachments (the system's
//! file dialog, or files dropped on it as raw bytes), sending through the engine's outbox,
//! Ångra, and the Utkorg list. The composer window may call only these commands.

use serde::{Deserialize, Serialize};
use tauri::{Emitter, Manager, Runtime, State};
use ts_rs::TS;

use crate::commands::Result;
use crate::dto::CommandError;
use crate::AppState;
use inkorg_core::{ComposeKind, DraftAttachment, DraftInput, Language};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ComposeKindDto {
    New,
    Reply,
    ReplyAll,
    Forward,
}

impl From<ComposeKindDto> for ComposeKind {
    fn from(k: ComposeKindDto) -> Self {
        match k {
            ComposeKindDto::New => ComposeKind::New,
            ComposeKindDto::Reply => ComposeKind::Reply,
            ComposeKindDto::ReplyAll => ComposeKind::ReplyAll,
            ComposeKindDto::Forward => ComposeKind::Forward,
        }
    }
}

impl From<ComposeKind> for ComposeKindDto {
    fn from(k: ComposeKind) -> Self {
        match k {
            ComposeKind::New => ComposeKindDto::New,
            ComposeKind::Reply => ComposeKindDto::Reply,
            ComposeKind::ReplyAll => ComposeKindDto::ReplyAll,
            ComposeKind::Forward => ComposeKindDto::Forward,
        }
    }
}

/// A `mailto:` link's fields (RFC 6068), as the composer starts from them.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MailtoDto {
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    pub subject: String,
    pub body: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DraftAttachmentDto {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    pub mime_type: String,
    #[ts(type = "number")]
    pub size: u64,
}

/// A draft as the composer shows it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DraftDto {
    #[ts(type = "number")]
    pub id: i64,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    pub subject: String,
    pub html: String,
    pub kind: Option<ComposeKindDto>,
    pub attachments: Vec<DraftAttachmentDto>,
    #[ts(type = "number")]
    pub updated_at: i64,
}

impl From<inkorg_core::DraftView> for DraftDto {
    fn from(d: inkorg_core::DraftView) -> Self {
        DraftDto {
            id: d.id,
            to: d.to,
            cc: d.cc,
            bcc: d.bcc,
            subject: d.subject,
            html: d.html,
            kind: d.kind.map(Into::into),
            attachments: d
                .attachments
                .into_iter()
                .map(|a| DraftAttachmentDto {
                    id: a.id,
                    name: inkorg_core::for_display(&a.name),
                    mime_type: a.mime_type,
                    size: a.size,
                })
                .collect(),
            updated_at: d.updated_at,
        }
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DraftInputDto {
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    pub subject: String,
    pub html: String,
}

/// A message handed to the outbox: the main window shows "Skickas om 5 s — Ångra".
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct QueuedDto {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub send_at: i64,
    pub subject: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum OutboxStateDto {
    Queued,
    Sending,
    Sent,
    Uncertain,
    Failed,
}

/// One message in Utkorg.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OutboxEntryDto {
    #[ts(type = "number")]
    pub id: i64,
    pub state: OutboxStateDto,
    #[ts(type = "number")]
    pub send_at: i64,
    pub subject: String,
    pub to: String,
    #[ts(type = "number")]
    pub size: u64,
    pub attempts: u32,
    #[ts(optional, type = "number")]
    pub next_try_at: Option<i64>,
    /// As `CommandError.kind` names it, or "uncertain".
    #[ts(optional)]
    pub error_kind: Option<String>,
    #[ts(optional)]
    pub error: Option<String>,
    /// The provider's own words (a 5.x.x refusal).
    #[ts(optional)]
    pub server_text: Option<String>,
    /// The enhanced status code of a refusal ("5.1.1"): the UI's guidance picks by it.
    #[ts(optional)]
    pub status_code: Option<String>,
}

/// "5.1.1" from "550 5.1.1 <x>: Recipient address rejected".
pub fn enhanced_code(text: &str) -> Option<String> {
    text.split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_ascii_digit() && c != '.'))
        .find(|w| {
            let parts: Vec<&str> = w.split('.').collect();
            parts.len() == 3
                && matches!(parts[0], "4" | "5")
                && parts[1..]
                    .iter()
                    .all(|p| !p.is_empty() && p.len() <= 3 && p.chars().all(|c| c.is_ascii_digit()))
        })
        .map(String::from)
}

impl From<inkorg_core::OutboxEntry> for OutboxEntryDto {
    fn from(e: inkorg_core::OutboxEntry) -> Self {
        use inkorg_core::OutboxState as S;
        OutboxEntryDto {
            id: e.id,
            state: match e.state {
                S::Queued => OutboxStateDto::Queued,
                S::Sending => OutboxStateDto::Sending,
                S::Sent => OutboxStateDto::Sent,
                S::Uncertain => OutboxStateDto::Uncertain,
                S::Failed => OutboxStateDto::Failed,
            },
            send_at: e.send_at,
            subject: inkorg_core::for_display(&e.subject),
            to: inkorg_core::for_display(&e.to),
            size: e.size,
            attempts: e.attempts,
            next_try_at: e.next_try_at,
            error_kind: e.error_kind,
            error: e.last_error.as_deref().map(inkorg_core::for_display),
            status_code: e.server_text.as_deref().and_then(enhanced_code),
            server_text: e.server_text.as_deref().map(inkorg_core::for_display),
        }
    }
}

fn language(lang: &str) -> Language {
    if lang == "sv" {
        Language::Sv
    } else {
        Language::En
    }
}

fn window_error(e: impl std::fmt::Display) -> CommandError {
    CommandError::internal(format!("cannot open the composer: {e}"))
}

/// Opens the composer in its own window: for a new message (or a `mailto:` link), a reply,
/// a reply to all or a forward of message `source`, or a stored draft. The draft is made
/// (and stored) first, so nothing typed is ever only in a window.
#[tauri::command]
pub async fn open_composer<R: Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    kind: ComposeKindDto,
    source: Option<i64>,
    draft: Option<i64>,
    mailto: Option<MailtoDto>,
    lang: String,
) -> Result<i64> {
    let id = match draft {
        Some(id) => state.engine.draft(id).await?.id,
        None => {
            let d = state
                .engine
                .start_draft(kind.into(), source, language(&lang))
                .await?;
            if let Some(m) = mailto {
                let body = if m.body.is_empty() {
                    d.html.clone()
                } else {
                    format!("{}{}", inkorg_core::text_to_html(&m.body), d.html)
                };
                state
                    .engine
                    .save_draft(
                        d.id,
                        DraftInput {
                            to: m.to,
                            cc: m.cc,
                            bcc: m.bcc,
                            subject: m.subject,
                            html: body,
                        },
                    )
                    .await?;
            }
            d.id
        }
    };
    let label = format!("composer-{id}");
    if let Some(w) = app.get_webview_window(&label) {
        let _ = w.unminimize();
        w.set_focus().map_err(window_error)?;
        return Ok(id);
    }
    let url = tauri::WebviewUrl::App(format!("index.html?composer={id}").into());
    crate::guarded(
        tauri::WebviewWindowBuilder::new(&app, &label, url),
        &app,
        &label,
    )
    .title("Inkorg")
    .inner_size(780.0, 680.0)
    .min_inner_size(480.0, 400.0)
    .build()
    .map_err(window_error)?;
    Ok(id)
}

#[tauri::command]
pub async fn get_draft(state: State<'_, AppState>, id: i64) -> Result<DraftDto> {
    Ok(state.engine.draft(id).await?.into())
}

#[tauri::command]
pub async fn list_drafts(state: State<'_, AppState>) -> Result<Vec<DraftDto>> {
    Ok(state
        .engine
        .drafts()
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Saves the composer's fields (a few seconds after each change and when it closes).
#[tauri::command]
pub async fn save_draft(state: State<'_, AppState>, id: i64, input: DraftInputDto) -> Result<()> {
    state
        .engine
        .save_draft(
            id,
            DraftInput {
                to: input.to,
                cc: input.cc,
                bcc: input.bcc,
                subject: input.subject,
                html: input.html,
            },
        )
        .await?;
    Ok(())
}

/// "Bifoga fil": the system's file dialog (several files); each chosen file is attached.
#[tauri::command]
pub async fn pick_draft_attachments<R: Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    id: i64,
) -> Result<DraftDto> {
    use tauri_plugin_dialog::DialogExt;
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog().file().pick_files(move |paths| {
        let _ = tx.send(paths);
    });
    let paths = rx
        .await
        .map_err(|_| CommandError::internal("the file dialog closed unexpectedly"))?
        .unwrap_or_default();
    for p in paths {
        let path = p
            .into_path()
            .map_err(|e| CommandError::internal(format!("not a file: {e}")))?;
        let bytes = tokio::fs::read(&path).await.map_err(|e| {
            CommandError::from(inkorg_core::Error::NotFound(format!(
                "{}: {e}",
                path.display()
            )))
        })?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "bilaga".into());
        let mime_type = inkorg_core::mime_type_for(&name).to_string();
        state
            .engine
            .add_draft_attachment(
                id,
                DraftAttachment {
                    name,
                    mime_type,
                    bytes,
                },
            )
            .await?;
    }
    Ok(state.engine.draft(id).await?.into())
}

/// A file dropped on the composer: its bytes as the request's raw body, its name in the
/// `x-name` header (percent-encoded), the draft in `x-draft`.
#[tauri::command]
pub async fn drop_draft_attachment(
    state: State<'_, AppState>,
    request: tauri::ipc::Request<'_>,
) -> Result<DraftDto> {
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
        return Err(CommandError::internal("the file's bytes are missing"));
    };
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(String::from)
    };
    let id: i64 = header("x-draft")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| CommandError::internal("which draft is missing"))?;
    let name = header("x-name")
        .map(|n| percent_decode(&n))
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "bilaga".into());
    let mime_type = inkorg_core::mime_type_for(&name).to_string();
    Ok(state
        .engine
        .add_draft_attachment(
            id,
            DraftAttachment {
                name,
                mime_type,
                bytes: bytes.clone(),
            },
        )
        .await?
        .into())
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[tauri::command]
pub async fn remove_draft_attachment(
    state: State<'_, AppState>,
    id: i64,
    attachment: i64,
) -> Result<DraftDto> {
    Ok(state
        .engine
        .remove_draft_attachment(id, attachment)
        .await?
        .into())
}

/// "Ta bort utkast": gone here and from Drafts; the window closes.
#[tauri::command]
pub async fn discard_draft<R: Runtime>(
    window: tauri::WebviewWindow<R>,
    state: State<'_, AppState>,
    id: i64,
) -> Result<()> {
    state.engine.discard_draft(id).await?;
    let _ = window.close();
    Ok(())
}

/// "Skicka" (after the undo delay) or "Skicka senare" (`send_at`): handed to the outbox; the
/// composer closes and the main window shows the message's way out.
#[tauri::command]
pub async fn send_draft<R: Runtime>(
    app: tauri::AppHandle<R>,
    window: tauri::WebviewWindow<R>,
    state: State<'_, AppState>,
    id: i64,
    send_at: Option<i64>,
) -> Result<QueuedDto> {
    let subject = state.engine.draft(id).await?.subject;
    let q = state.engine.send_draft(id, send_at, true).await?;
    let dto = QueuedDto {
        id: q.id,
        send_at: q.send_at,
        subject: inkorg_core::for_display(&subject),
    };
    let _ = app.emit_to("main", "inkorg://queued", dto.clone());
    if window.label().starts_with("composer-") {
        let _ = window.close();
    }
    Ok(dto)
}

/// "Ångra": the message back from the outbox into its composer.
#[tauri::command]
pub async fn undo_send<R: Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    id: i64,
) -> Result<Option<i64>> {
    let draft = state.engine.undo_send(id).await?;
    if let Some(d) = draft {
        open_composer(
            app,
            state,
            ComposeKindDto::New,
            None,
            Some(d),
            None,
            String::new(),
        )
        .await?;
    }
    Ok(draft)
}

#[tauri::command]
pub async fn list_outbox(state: State<'_, AppState>) -> Result<Vec<OutboxEntryDto>> {
    Ok(state
        .engine
        .outbox()
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// "Skicka igen" (refused or uncertain) or "Skicka nu" (scheduled).
#[tauri::command]
pub async fn send_again(state: State<'_, AppState>, id: i64) -> Result<()> {
    Ok(state.engine.send_again(id).await?)
}

/// "Det kom fram": an uncertain message arrived; only its copy in Sent is saved.
#[tauri::command]
pub async fn confirm_arrived(state: State<'_, AppState>, id: i64) -> Result<()> {
    Ok(state.engine.confirm_arrived(id).await?)
}

/// Addresses for the To/Cc/Bcc completion: the contact card's and those written to or
/// seen in mail, best first.
#[tauri::command]
pub async fn suggest_addresses(state: State<'_, AppState>, prefix: String) -> Result<Vec<String>> {
    Ok(state
        .engine
        .suggest_addresses(&prefix, 8)
        .await?
        .iter()
        .map(|a| inkorg_core::for_display(a))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_enhanced_code_is_found_in_a_refusal() {
        assert_eq!(
            enhanced_code("550 5.1.1 <x@y>: Recipient address rejected").as_deref(),
            Some("5.1.1")
        );
        assert_eq!(
            enhanced_code("554 5.7.1 Relay access denied").as_deref(),
            Some("5.7.1")
        );
        assert_eq!(enhanced_code("421 Service not available"), None);
    }

    #[test]
    fn a_dropped_file_name_is_decoded() {
        assert_eq!(percent_decode("%C3%85rsm%C3%B6te.pdf"), "Årsmöte.pdf");
        assert_eq!(percent_decode("a%2"), "a%2");
    }
}
