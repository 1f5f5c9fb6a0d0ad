//! Showing a message: the `inkorg-msg` scheme serves the sanitised document of a message
//! (`inkorg-msg://localhost/ID?remote=0&lang=sv`; `http://inkorg-msg.localhost/…` on Windows)
//! with its own Content-Security-Policy (nothing runs; nothing loads but inline styles and
//! `data:` images unless remote content is allowed), into a sandboxed frame without scripts
//! or same-origin. The commands open a message, save and open attachments, and remember the
//! senders whose remote content is always shown. Links never leave the frame: each points back
//! at the frame's own address (`…/ID?link=N`), and the scheme hands the address behind N to
//! the UI of the window that asked (`inkorg://link`), which shows the real target before the
//! system browser gets it, and serves the frame the same document again, so it stays on the
//! message (WebKitGTK does not keep it on "204 No Content" from a custom scheme). (A
//! frame's own navigations reach neither the navigation nor the new-window handler in
//! WebKitGTK, so the scheme is the one place every platform sees a click.)

use std::borrow::Cow;
use std::sync::{Arc, Mutex};

use inkorg_core::{Engine, Language, OpenOptions, ReaderDocument as Document};
use tauri::http::{Request, Response, StatusCode};
use tauri::{Manager, Runtime, State};

use crate::commands::Result;
use crate::dto::{CommandError, LanguageDto, ReaderDto};
use crate::AppState;

/// The scheme of message frames.
pub const SCHEME: &str = "inkorg-msg";

/// The documents last opened, so the frame's request does not parse the message again.
#[derive(Default)]
pub struct Frames {
    recent: Mutex<Vec<(FrameKey, Arc<Document>)>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct FrameKey {
    id: i64,
    /// A message forwarded inside `id`: the attachment index at each level (empty: `id`).
    part: Vec<u32>,
    remote: bool,
    sv: bool,
    /// The document "Skriv ut" prints (headers above the body); made by `print_message`.
    print: bool,
}

impl Frames {
    fn put(&self, key: FrameKey, doc: Arc<Document>) {
        let mut r = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        r.retain(|(k, _)| *k != key);
        r.push((key, doc));
        if r.len() > 4 {
            r.remove(0);
        }
    }

    fn get(&self, key: &FrameKey) -> Option<Arc<Document>> {
        let r = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        r.iter().find(|(k, _)| k == key).map(|(_, d)| Arc::clone(d))
    }
}

async fn render(
    engine: &Engine,
    frames: &Frames,
    key: FrameKey,
) -> inkorg_core::Result<(inkorg_core::ReadMessage, Arc<Document>)> {
    let m = engine
        .read_message_part(
            key.id,
            &key.part,
            OpenOptions {
                remote_once: key.remote,
                language: if key.sv { Language::Sv } else { Language::En },
            },
        )
        .await?;
    let doc = Arc::new(inkorg_core::reader_document(&m.body));
    let remote = m.remote_shown || key.remote;
    frames.put(FrameKey { remote, ..key }, Arc::clone(&doc));
    Ok((m, doc))
}

/// Opens a message for reading: fetched if it is not stored yet (without marking it read).
/// `remoteOnce` is "Visa en gång"; `part` names a message forwarded inside it.
#[tauri::command]
pub async fn read_message(
    state: State<'_, AppState>,
    frames: State<'_, Frames>,
    id: i64,
    remote_once: bool,
    language: LanguageDto,
    part: Option<Vec<u32>>,
) -> Result<ReaderDto> {
    let key = FrameKey {
        id,
        part: checked_part(part)?,
        remote: remote_once,
        sv: language == LanguageDto::Sv,
        print: false,
    };
    let (m, _) = render(&state.engine, &frames, key).await?;
    Ok(m.into())
}

/// Enter or a double-click: the message in a window of its own (the same reader; opening it
/// there marks it read, as "Markera som läst i förhandsgranskning" off promises). A window
/// for the message that is open already comes to the front.
#[tauri::command]
pub async fn open_message_window<R: Runtime>(
    app: tauri::AppHandle<R>,
    id: i64,
    title: String,
    part: Option<Vec<u32>>,
) -> Result<()> {
    let part = checked_part(part)?;
    let label = format!("message-{id}{}", joined(&part, "-"));
    if let Some(w) = app.get_webview_window(&label) {
        let _ = w.unminimize();
        return w
            .set_focus()
            .map_err(|e| CommandError::internal(format!("cannot show the window: {e}")));
    }
    let query = if part.is_empty() {
        String::new()
    } else {
        format!("&part={}", joined(&part, ".").trim_start_matches('.'))
    };
    let url = tauri::WebviewUrl::App(format!("index.html?message={id}{query}").into());
    crate::guarded(
        tauri::WebviewWindowBuilder::new(&app, &label, url),
        &app,
        &label,
    )
    .title(if title.trim().is_empty() {
        "Inkorg".to_string()
    } else {
        title
    })
    .inner_size(860.0, 720.0)
    .min_inner_size(420.0, 320.0)
    .build()
    .map(|_| ())
    .map_err(|e| CommandError::internal(format!("cannot open the window: {e}")))
}

/// "Skriv ut": the message with its headers (`date` as the reading pane shows it) in a window
/// of its own that is the message frame's document, under the same policy (nothing runs,
/// nothing loads that the reader would not load; no IPC: no capability names it), and the
/// system's print dialog for it.
#[tauri::command]
// A command's arguments are its IPC shape (named fields the UI sends), not a Rust call site.
#[allow(clippy::too_many_arguments)]
pub async fn print_message<R: Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    frames: State<'_, Frames>,
    id: i64,
    remote: bool,
    language: LanguageDto,
    date: String,
    part: Option<Vec<u32>>,
) -> Result<()> {
    let part = checked_part(part)?;
    let sv = language == LanguageDto::Sv;
    let lang = if sv { Language::Sv } else { Language::En };
    let m = state
        .engine
        .read_message_part(
            id,
            &part,
            OpenOptions {
                remote_once: remote,
                language: lang,
            },
        )
        .await?;
    let remote = remote || m.remote_shown;
    let doc = inkorg_core::print_document(&m.body, lang, &date);
    let key = FrameKey {
        id,
        part,
        remote,
        sv,
        print: true,
    };
    let url =
        frame_url(&key).ok_or_else(|| CommandError::internal("no address for the print view"))?;
    frames.put(key, Arc::new(doc));
    let label = format!("print-{id}");
    if let Some(old) = app.get_webview_window(&label) {
        let _ = old.destroy();
    }
    let title = if m.body.headers.subject.trim().is_empty() {
        "Inkorg".to_string()
    } else {
        m.body.headers.subject.clone()
    };
    crate::guarded(
        tauri::WebviewWindowBuilder::new(&app, &label, tauri::WebviewUrl::External(url)),
        &app,
        &label,
    )
    .title(title)
    .inner_size(800.0, 900.0)
    // The print dialog once the document has loaded (earlier would print a blank page).
    .on_page_load(|window, payload| {
        if matches!(payload.event(), tauri::webview::PageLoadEvent::Finished) {
            if let Err(e) = window.print() {
                eprintln!("Inkorg: cannot print: {e}");
            }
        }
    })
    .build()
    .map(|_| ())
    .map_err(|e| CommandError::internal(format!("cannot open the print view: {e}")))
}

/// A forwarded message's path as the suffix of a name: each index after `sep` ("-2-0").
fn joined(part: &[u32], sep: &str) -> String {
    part.iter().map(|p| format!("{sep}{p}")).collect()
}

/// How deep forwarded messages may nest for the viewer.
const MAX_DEPTH: usize = 8;

fn checked_part(part: Option<Vec<u32>>) -> inkorg_core::Result<Vec<u32>> {
    let part = part.unwrap_or_default();
    if part.len() > MAX_DEPTH {
        return Err(inkorg_core::Error::InvalidInput {
            field: "part".into(),
            message: format!("forwarded messages nest at most {MAX_DEPTH} deep here"),
        });
    }
    Ok(part)
}

/// Where a frame's document is served on this platform.
fn frame_url(key: &FrameKey) -> Option<tauri::Url> {
    let base = if cfg!(windows) {
        "http://inkorg-msg.localhost"
    } else {
        "inkorg-msg://localhost"
    };
    let lang = if key.sv { "sv" } else { "en" };
    let path = joined(&key.part, "/");
    tauri::Url::parse(&format!(
        "{base}/{}{path}?remote={}&lang={lang}&print={}",
        key.id,
        u8::from(key.remote),
        u8::from(key.print)
    ))
    .ok()
}

/// "Visa alltid från avsändaren" (`on`), or its revocation in Email options.
#[tauri::command]
pub async fn set_remote_content_sender(
    state: State<'_, AppState>,
    address: String,
    on: bool,
) -> Result<()> {
    Ok(state
        .engine
        .set_remote_content_allowed(&address, on)
        .await?)
}

/// What is kept for offline reading, for Email options.
#[tauri::command]
pub async fn offline_usage(state: State<'_, AppState>) -> Result<crate::dto::OfflineUsageDto> {
    Ok(state.engine.offline_usage().await?.into())
}

/// The senders whose remote content is always shown.
#[tauri::command]
pub async fn list_remote_content_senders(state: State<'_, AppState>) -> Result<Vec<String>> {
    Ok(state.engine.remote_content_senders().await?)
}

/// "Spara": the system's save dialog, with the attachment's safe name; `None` if cancelled.
#[tauri::command]
pub async fn save_attachment<R: Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    id: i64,
    index: u32,
    part: Option<Vec<u32>>,
) -> Result<Option<String>> {
    use tauri_plugin_dialog::DialogExt;
    let part = checked_part(part)?;
    let data = state.engine.attachment_in(id, &part, index).await?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_file_name(&data.info.name)
        .save_file(move |path| {
            let _ = tx.send(path.and_then(|p| p.into_path().ok()));
        });
    let Some(path) = rx
        .await
        .map_err(|_| CommandError::internal("the save dialog closed unexpectedly"))?
    else {
        return Ok(None);
    };
    state
        .engine
        .save_attachment_in(id, &part, index, &path)
        .await?;
    Ok(Some(path.to_string_lossy().into_owned()))
}

/// "Spara alla": a folder from the system's dialog; each attachment under its safe name
/// (" (2)" and so on where a name is taken). Returns how many were saved.
#[tauri::command]
pub async fn save_all_attachments<R: Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    id: i64,
    indexes: Vec<u32>,
    part: Option<Vec<u32>>,
) -> Result<u32> {
    use tauri_plugin_dialog::DialogExt;
    let part = checked_part(part)?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog().file().pick_folder(move |path| {
        let _ = tx.send(path.and_then(|p| p.into_path().ok()));
    });
    let Some(dir) = rx
        .await
        .map_err(|_| CommandError::internal("the folder dialog closed unexpectedly"))?
    else {
        return Ok(0);
    };
    let mut saved = 0;
    for index in indexes {
        let data = state.engine.attachment_in(id, &part, index).await?;
        let path = free_name(&dir, &data.info.name);
        state
            .engine
            .save_attachment_in(id, &part, index, &path)
            .await?;
        saved += 1;
    }
    Ok(saved)
}

/// `name` in `dir`, or "name (2).ext" and so on when it is taken.
fn free_name(dir: &std::path::Path, name: &str) -> std::path::PathBuf {
    let first = dir.join(name);
    if !first.exists() {
        return first;
    }
    let (stem, ext) = match name.rfind('.') {
        Some(dot) if dot > 0 => (&name[..dot], &name[dot..]),
        _ => (name, ""),
    };
    (2..10_000)
        .map(|n| dir.join(format!("{stem} ({n}){ext}")))
        .find(|p| !p.exists())
        .unwrap_or(first)
}

/// "Öppna": saved into a private temporary folder (only this user can read it), then handed
/// to the system. The UI asks first for programs and scripts; nothing opens by itself.
#[tauri::command]
pub async fn open_attachment<R: Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    id: i64,
    index: u32,
    part: Option<Vec<u32>>,
) -> Result<()> {
    let part = checked_part(part)?;
    let data = state.engine.attachment_in(id, &part, index).await?;
    let steps = joined(&part, "-");
    let base = app
        .path()
        .app_cache_dir()
        .unwrap_or_else(|_| std::env::temp_dir().join("inkorg"))
        .join("opened")
        .join(format!("{id}{steps}-{index}"));
    private_dir(&base)
        .map_err(|e| CommandError::internal(format!("cannot make {}: {e}", base.display())))?;
    let path = base.join(&data.info.name);
    state
        .engine
        .save_attachment_in(id, &part, index, &path)
        .await?;
    open::that_detached(&path)
        .map_err(|e| CommandError::internal(format!("cannot open {}: {e}", path.display())))
}

fn private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for d in dir.ancestors().take(3) {
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o700))?;
        }
    }
    Ok(())
}

/// A link from a message (http, https): opened by the system's browser after the UI showed
/// the real target.
#[tauri::command]
pub async fn open_message_link(url: String) -> Result<()> {
    let parsed = tauri::Url::parse(&url).map_err(|e| {
        CommandError::from(inkorg_core::Error::InvalidInput {
            field: "url".into(),
            message: format!("{url:?} is not a link: {e}"),
        })
    })?;
    if !matches!(parsed.scheme(), "https" | "http") || parsed.host_str().is_none() {
        return Err(CommandError::from(inkorg_core::Error::InvalidInput {
            field: "url".into(),
            message: format!("only web links are opened, not {url:?}"),
        }));
    }
    open::that_detached(parsed.as_str())
        .map_err(|e| CommandError::internal(format!("cannot open {url}: {e}")))
}

/// Whether `url` is a message frame (what the frame itself may load).
pub fn is_frame(url: &tauri::Url) -> bool {
    match url.scheme() {
        SCHEME => url.host_str() == Some("localhost"),
        "http" | "https" => url.host_str() == Some("inkorg-msg.localhost"),
        _ => false,
    }
}

/// `/ID` or `/ID/INDEX/…` (a forwarded message): the message and the part.
fn message_path(path: &str) -> Option<(i64, Vec<u32>)> {
    let mut steps = path.strip_prefix('/')?.split('/');
    let id: i64 = steps.next()?.parse().ok()?;
    let part: Vec<u32> = steps.map(|s| s.parse().ok()).collect::<Option<_>>()?;
    (part.len() <= MAX_DEPTH).then_some((id, part))
}

fn frame_key(request: &Request<Vec<u8>>) -> Option<FrameKey> {
    let uri = request.uri();
    let (id, part) = message_path(uri.path())?;
    let query = uri.query().unwrap_or("");
    let param = |name: &str| {
        query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    };
    Some(FrameKey {
        id,
        part,
        remote: param("remote") == Some("1"),
        sv: param("lang") == Some("sv"),
        print: param("print") == Some("1"),
    })
}

fn respond(
    status: StatusCode,
    csp: &str,
    body: Vec<u8>,
    html: bool,
) -> Response<Cow<'static, [u8]>> {
    let kind = if html {
        "text/html; charset=utf-8"
    } else {
        "text/plain; charset=utf-8"
    };
    Response::builder()
        .status(status)
        .header("Content-Type", kind)
        .header("Content-Security-Policy", csp)
        .header("X-Content-Type-Options", "nosniff")
        .header("Referrer-Policy", "no-referrer")
        .header("Cache-Control", "no-store")
        .body(Cow::Owned(body))
        .unwrap_or_else(|_| Response::new(Cow::Borrowed(&b""[..])))
}

/// The link a click in a frame asked for: `…/ID[/INDEX…]?…&link=N`.
fn link_request(request: &Request<Vec<u8>>) -> Option<usize> {
    request
        .uri()
        .query()?
        .split('&')
        .find_map(|kv| kv.strip_prefix("link="))?
        .parse()
        .ok()
}

/// Hands a link to the UI of window `label`, which shows its real target first where it
/// needs to; only web and mail addresses. Whether it was handed on.
pub(crate) fn hand_link<R: Runtime>(app: &tauri::AppHandle<R>, label: &str, url: &str) -> bool {
    use tauri::Emitter;
    let scheme = url.split(':').next().unwrap_or("").to_ascii_lowercase();
    if !matches!(scheme.as_str(), "http" | "https" | "mailto") {
        return false;
    }
    if let Err(e) = app.emit_to(label, "inkorg://link", url) {
        eprintln!("Inkorg: cannot hand a link to the window: {e}");
    }
    true
}

/// The document as the frame of `key` gets it: its links (`?link=N`) carry the frame's own
/// query, so the frame a click reloads is the same variant (remote content, language).
fn frame_html(doc: &Document, key: &FrameKey) -> Vec<u8> {
    let lang = if key.sv { "sv" } else { "en" };
    let query = format!(
        "href=\"?remote={}&amp;lang={lang}&amp;print={}&amp;link=",
        u8::from(key.remote),
        u8::from(key.print)
    );
    doc.html.replace("href=\"?link=", &query).into_bytes()
}

/// Serves `inkorg-msg://localhost/ID[/INDEX…]?remote=0|1&lang=sv|en` to the frame in window
/// `label`. A request with `link=N` is a click on the document's link N: its address goes to
/// that window's UI, and the frame gets the same document again (WebKitGTK does not keep a
/// frame's document on "204 No Content" from a custom scheme), so it never leaves the message.
pub fn serve<R: Runtime>(
    app: tauri::AppHandle<R>,
    label: &str,
    request: Request<Vec<u8>>,
    responder: tauri::UriSchemeResponder,
) {
    let Some(key) = frame_key(&request) else {
        responder.respond(respond(
            StatusCode::NOT_FOUND,
            &inkorg_core::content_security_policy(false),
            b"no such message".to_vec(),
            false,
        ));
        return;
    };
    let link = link_request(&request);
    let label = label.to_string();
    tauri::async_runtime::spawn(async move {
        let csp = inkorg_core::content_security_policy(key.remote);
        let frames = app.state::<Frames>();
        let doc = match frames.get(&key) {
            Some(doc) => Ok(doc),
            None if key.print => Err(inkorg_core::Error::InvalidInput {
                field: "print".into(),
                message: "this print view is closed".into(),
            }),
            None => {
                let state = app.state::<AppState>();
                render(&state.engine, &frames, key.clone())
                    .await
                    .map(|(_, d)| d)
            }
        };
        if let (Some(n), Ok(doc)) = (link, &doc) {
            match doc.link(n) {
                Some(url) if hand_link(&app, &label, url) => {}
                Some(url) => eprintln!("Inkorg: refused to open {url}"),
                None => eprintln!("Inkorg: message {} has no link {n}", key.id),
            }
        }
        let response = match doc {
            Ok(doc) => respond(StatusCode::OK, &csp, frame_html(&doc, &key), true),
            Err(e) => respond(
                StatusCode::NOT_FOUND,
                &csp,
                e.to_string().into_bytes(),
                false,
            ),
        };
        responder.respond(response);
    });
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn only_the_message_frames_own_addresses_count_as_the_frame() {
        for ok in [
            "inkorg-msg://localhost/12?remote=0&lang=sv",
            "http://inkorg-msg.localhost/12",
        ] {
            assert!(is_frame(&tauri::Url::parse(ok).unwrap()), "{ok}");
        }
        for no in [
            "inkorg-msg://evil.example/12",
            "http://inkorg-msg.localhost.evil.example/",
            "https://example.se/",
            "tauri://localhost/",
        ] {
            assert!(!is_frame(&tauri::Url::parse(no).unwrap()), "{no}");
        }
    }

    #[test]
    fn a_frame_request_names_its_message_remote_language_and_print() {
        let req = |uri: &str| Request::builder().uri(uri).body(Vec::new()).unwrap();
        let key = frame_key(&req("inkorg-msg://localhost/42?remote=1&lang=sv")).unwrap();
        assert_eq!(
            key,
            FrameKey {
                id: 42,
                part: Vec::new(),
                remote: true,
                sv: true,
                print: false
            }
        );
        let key = frame_key(&req("inkorg-msg://localhost/42?print=1")).unwrap();
        assert!(key.print && !key.remote && !key.sv);
        assert!(frame_key(&req("inkorg-msg://localhost/../etc/passwd")).is_none());
        assert_eq!(
            link_request(&req("inkorg-msg://localhost/42?link=3")),
            Some(3)
        );
        assert_eq!(
            link_request(&req(
                "http://inkorg-msg.localhost/42?remote=0&lang=sv&link=0"
            )),
            Some(0)
        );
        let click = req("inkorg-msg://localhost/42/1/0?remote=1&lang=sv&print=0&link=2");
        assert_eq!(link_request(&click), Some(2));
        let clicked = frame_key(&click).unwrap();
        assert_eq!(
            (clicked.part.as_slice(), clicked.remote, clicked.sv),
            (&[1, 0][..], true, true)
        );
        assert_eq!(
            link_request(&req("inkorg-msg://localhost/42?remote=1")),
            None
        );
        assert_eq!(link_request(&req("inkorg-msg://localhost/42?link=x")), None);
        let fwd = frame_key(&req("inkorg-msg://localhost/42/1?lang=sv")).unwrap();
        assert_eq!(fwd.part, [1]);
        assert_eq!(
            frame_url(&fwd).unwrap().as_str(),
            "inkorg-msg://localhost/42/1?remote=0&lang=sv&print=0"
        );
        assert!(frame_key(&req("inkorg-msg://localhost/42/x")).is_none());
        assert!(frame_key(&req("inkorg-msg://localhost/42/1/1/1/1/1/1/1/1/1")).is_none());
        assert_eq!(
            link_request(&req("inkorg-msg://localhost/42?remote=1")),
            None
        );
        assert_eq!(link_request(&req("inkorg-msg://localhost/42?link=x")), None);
        assert_eq!(
            frame_url(&key).unwrap().as_str(),
            "inkorg-msg://localhost/42?remote=0&lang=en&print=1"
        );
    }

    #[test]
    fn a_frames_links_keep_its_variant_so_a_click_reloads_the_same_document() {
        let doc = Document {
            html: r#"<p><a href="?link=0" rel="noopener noreferrer">a</a></p>"#.into(),
            links: vec!["https://example.se/".into()],
        };
        let key = FrameKey {
            id: 7,
            part: Vec::new(),
            remote: true,
            sv: true,
            print: false,
        };
        let html = String::from_utf8(frame_html(&doc, &key)).unwrap();
        assert!(
            html.contains(r#"href="?remote=1&amp;lang=sv&amp;print=0&amp;link=0""#),
            "{html}"
        );
    }

    #[test]
    fn save_all_never_overwrites_a_file_of_the_same_name() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(free_name(dir.path(), "a.pdf"), dir.path().join("a.pdf"));
        std::fs::write(dir.path().join("a.pdf"), b"x").unwrap();
        assert_eq!(free_name(dir.path(), "a.pdf"), dir.path().join("a (2).pdf"));
        std::fs::write(dir.path().join("a (2).pdf"), b"x").unwrap();
        assert_eq!(free_name(dir.path(), "a.pdf"), dir.path().join("a (3).pdf"));
        std::fs::write(dir.path().join("README"), b"x").unwrap();
        assert_eq!(
            free_name(dir.path(), "README"),
            dir.path().join("README (2)")
        );
    }
}
