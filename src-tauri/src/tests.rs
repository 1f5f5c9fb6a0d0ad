//! Command dispatch through Tauri's IPC with the mock runtime: argument parsing, state, and
//! the one error shape. (Logging in for real is covered by the end-to-end tests.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindowBuilder;

fn invoke(
    webview: &tauri::WebviewWindow<tauri::test::MockRuntime>,
    cmd: &str,
    args: Value,
) -> Result<Value, Value> {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().unwrap(),
        body: InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(webview, request).map(|b| b.deserialize::<Value>().unwrap())
}

fn server(host: &str, port: u16) -> Value {
    json!({ "host": host, "port": port, "security": "tls", "username": "" })
}

#[test]
fn commands_dispatch_parse_arguments_and_return_one_error_shape() {
    let dir = tempfile::tempdir().unwrap();
    // The only test in this binary that sets it, so no other test sees a different value.
    std::env::set_var("INKORG_DATA_DIR", dir.path());
    let app = crate::app(mock_builder())
        .build(mock_context(noop_assets()))
        .unwrap();
    // The mock runtime does not run the setup hook; do what it does.
    crate::init(app.handle()).unwrap();
    let webview = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();

    // First run: no account.
    assert_eq!(invoke(&webview, "get_account", json!({})), Ok(Value::Null));

    // Listing before logging in is the not_logged_in kind.
    let err = invoke(
        &webview,
        "list_messages",
        json!({ "folder": "INBOX", "offset": 0, "limit": 50 }),
    )
    .unwrap_err();
    assert_eq!(err["kind"], "not_logged_in", "{err}");
    assert!(err["message"].is_string());

    // Invalid input names the field; nothing is saved.
    let request = json!({
        "email": "not an address", "displayName": "", "password": "x",
        "imap": server("imap.example.se", 993), "smtp": server("smtp.example.se", 465),
        "acceptFingerprints": []
    });
    let err = invoke(&webview, "login", json!({ "request": request })).unwrap_err();
    assert_eq!(err["kind"], "invalid_input", "{err}");
    assert_eq!(err["field"], "email");
    assert_eq!(invoke(&webview, "get_account", json!({})), Ok(Value::Null));

    // A request missing a field is refused by argument parsing, not half-used.
    let err = invoke(
        &webview,
        "login",
        json!({ "request": { "email": "a@b.se" } }),
    )
    .unwrap_err();
    assert!(err.to_string().contains("missing field"), "{err}");

    // Autodetection: a known domain comes from the built-in table, with no network.
    let found = invoke(
        &webview,
        "detect",
        json!({ "email": "eva@gmail.com", "onStage": "__CHANNEL__:7" }),
    )
    .unwrap();
    assert_eq!(found["source"], "builtIn", "{found}");
    assert_eq!(found["incoming"]["settings"]["host"], "imap.gmail.com");
    assert_eq!(found["provider"]["requirement"], "appPassword");
    assert_eq!(found["verified"], false);
    let err = invoke(
        &webview,
        "detect",
        json!({ "email": "no-at-sign", "onStage": "__CHANNEL__:7" }),
    )
    .unwrap_err();
    assert_eq!(err["kind"], "invalid_input", "{err}");
    assert_eq!(
        found["needsConfirmation"],
        Value::Null,
        "a table host needs no question"
    );

    // "Log in" signs in only to what "Next" found for that same address, and saves only what
    // was verified.
    let err = invoke(
        &webview,
        "verify_detected",
        json!({ "email": "eva@other.se", "password": "pw", "trustFoundHosts": false,
                "onStage": "__CHANNEL__:8" }),
    )
    .unwrap_err();
    assert_eq!(err["field"], "detection", "{err}");
    let err = invoke(
        &webview,
        "save_detected",
        json!({ "email": "eva@gmail.com", "displayName": "", "password": "pw" }),
    )
    .unwrap_err();
    assert_eq!(err["field"], "detection", "not verified yet: {err}");
    assert_eq!(invoke(&webview, "get_account", json!({})), Ok(Value::Null));

    // Email options (General): defaults, a round trip, and a bad value named by its field.
    let prefs = invoke(&webview, "get_preferences", json!({})).unwrap();
    assert_eq!(prefs["saveSentCopy"], true);
    assert_eq!(prefs["showInlineImages"], false);
    assert_eq!(prefs["markReadInPreview"], false);
    assert_eq!(prefs["language"], "system");
    let mut changed = prefs.clone();
    changed["language"] = json!("sv");
    changed["fontSize"] = json!(12);
    invoke(
        &webview,
        "set_preferences",
        json!({ "preferences": changed }),
    )
    .unwrap();
    assert_eq!(
        invoke(&webview, "get_preferences", json!({})).unwrap(),
        changed
    );
    changed["fontColor"] = json!("red");
    let err = invoke(
        &webview,
        "set_preferences",
        json!({ "preferences": changed }),
    )
    .unwrap_err();
    assert_eq!(err["kind"], "invalid_input");
    assert_eq!(err["field"], "font_color");

    // My contact card and the one-click fix.
    let card = json!({ "name": "Eva", "addresses": ["eva@work.test", "eva@example.se"] });
    invoke(&webview, "set_contact_card", json!({ "card": card })).unwrap();
    let fixed = invoke(
        &webview,
        "make_first_on_card",
        json!({ "email": "eva@example.se" }),
    )
    .unwrap();
    assert_eq!(
        fixed["addresses"],
        json!(["eva@example.se", "eva@work.test"])
    );
    assert_eq!(
        invoke(&webview, "get_contact_card", json!({})).unwrap(),
        fixed
    );

    // The OS language is asked of Rust; links open only when they are https.
    assert!(invoke(&webview, "system_language", json!({})).is_ok());
    for bad in [
        "http://example.com/",
        "javascript:alert(1)",
        "file:///etc/passwd",
    ] {
        let err = invoke(&webview, "open_link", json!({ "url": bad })).unwrap_err();
        assert_eq!(err["kind"], "invalid_input", "{bad}: {err}");
    }

    // An unknown command is refused.
    assert!(invoke(&webview, "delete_everything", json!({})).is_err());
}

#[test]
fn the_window_shows_only_the_apps_own_pages() {
    use crate::own_page;
    let url = |u: &str| tauri::Url::parse(u).unwrap();
    assert!(own_page(&url("tauri://localhost/")));
    assert!(own_page(&url("tauri://localhost/index.html#inbox")));
    assert!(own_page(&url("http://tauri.localhost/")));
    for bad in [
        "https://accounts.google.com/",
        "http://localhost:5173/",
        "tauri://localhost.attacker.test/",
        "https://tauri.localhost.attacker.test/",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "data:text/html,<script>1</script>",
        "about:blank",
    ] {
        assert!(!own_page(&url(bad)), "{bad}");
    }
}

#[test]
fn a_subject_or_sender_with_bidi_overrides_reaches_the_ui_neutralised() {
    let m = inkorg_core::MessageSummary {
        id: 1,
        folder: "INBOX".into(),
        uid: 1,
        flags: Vec::new(),
        seen: false,
        flagged: false,
        from_name: "Banken\u{202E}moc.evil".into(),
        from_addr: "kund\u{200B}tjanst@bank.example".into(),
        to: "eva@example.se".into(),
        cc: String::new(),
        subject: "Faktura\u{2067}exe.pdf\u{2069} bifogad".into(),
        date: 0,
        size: None,
        message_id: None,
        in_reply_to: None,
        references: String::new(),
        has_attachment: true,
    };
    let dto = crate::dto::MessageDto::from(m);
    assert_eq!(dto.from_name, "Bankenmoc.evil");
    assert_eq!(dto.from_addr, "kundtjanst@bank.example");
    assert_eq!(dto.subject, "Fakturaexe.pdf bifogad");
}
