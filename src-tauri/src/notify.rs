//! Desktop notifications for new mail in the inbox: sender and subject, one notification per
//! message for a few, one that counts them for more. None for an account's first sync (the
//! engine reports a folder's first sync as `synced`, not as new messages), none for mail the
//! person has already read elsewhere, and none when Email options' General tab turns them off.
//!
//! The shell posts them itself through notify-rust (the notification plugin's desktop side
//! drops the handle, so a click could not be answered): each notification declares the
//! "default" action, and a thread waits for the response. A click raises the window and tells
//! the UI which message to open (`inkorg://open-message`, the local id, or null for the inbox).

use inkorg_core::for_display;
use inkorg_core::{Engine, Language};
use std::sync::Arc;
use std::time::Duration;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tokio::sync::mpsc;

/// How long the notifier gathers new mail before it speaks, so that a sync that brings ten
/// messages makes one notification, not ten.
const GATHER: Duration = Duration::from_millis(800);

/// More than this many at once are counted in one notification.
const ONE_EACH: usize = 3;

/// At most this many notifications wait for a click at once (a thread each). A desktop that
/// keeps notifications forever (never says "closed") must not collect threads for days: past
/// this, new ones are shown without waiting (a click then only brings the window forward, as
/// the desktop does by itself).
const WAITING_MAX: usize = 16;
static WAITING: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A message that arrived in the inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMail {
    pub id: i64,
    pub from: String,
    pub subject: String,
}

/// What one notification says, and what a click on it opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub summary: String,
    pub body: String,
    /// The message to open, or None for the inbox.
    pub open: Option<i64>,
}

/// The language notifications speak: the person's choice, else the OS's.
pub fn language(choice: Language, system: Option<&str>) -> Language {
    match choice {
        Language::System => {
            if system.is_some_and(|l| l.to_ascii_lowercase().starts_with("sv")) {
                Language::Sv
            } else {
                Language::En
            }
        }
        chosen => chosen,
    }
}

/// Whether an engine event is mail to announce: new, unread and in the inbox.
pub fn announced(event: &inkorg_core::Event) -> Option<NewMail> {
    match event {
        inkorg_core::Event::NewMessage {
            id,
            folder,
            from,
            subject,
            seen: false,
            ..
        } if folder.eq_ignore_ascii_case("INBOX") => Some(NewMail {
            id: *id,
            from: from.clone(),
            subject: subject.clone(),
        }),
        _ => None,
    }
}

/// The notifications for mail that arrived together, in `lang` (only Swedish or English).
pub fn notes(batch: &[NewMail], lang: Language) -> Vec<Note> {
    let sv = lang == Language::Sv;
    let sender = |m: &NewMail| {
        let from = for_display(&m.from);
        let from = from.trim();
        if from.is_empty() {
            (if sv {
                "(okänd avsändare)"
            } else {
                "(unknown sender)"
            })
            .to_string()
        } else {
            from.to_string()
        }
    };
    if batch.len() <= ONE_EACH {
        return batch
            .iter()
            .map(|m| {
                let subject = for_display(&m.subject);
                let subject = subject.trim();
                Note {
                    summary: sender(m),
                    body: if subject.is_empty() {
                        (if sv { "(inget ämne)" } else { "(no subject)" }).to_string()
                    } else {
                        subject.to_string()
                    },
                    open: Some(m.id),
                }
            })
            .collect();
    }
    let mut senders: Vec<String> = Vec::new();
    for m in batch {
        let s = sender(m);
        if !senders.contains(&s) {
            senders.push(s);
        }
    }
    let more = senders.len().saturating_sub(ONE_EACH);
    senders.truncate(ONE_EACH);
    let mut body = senders.join(", ");
    if more > 0 {
        body.push_str(&if sv {
            format!(" och {more} till")
        } else {
            format!(" and {more} more")
        });
    }
    let n = batch.len();
    vec![Note {
        summary: if sv {
            format!("{n} nya meddelanden i Inkorgen")
        } else {
            format!("{n} new messages in the Inbox")
        },
        body: format!("{} {body}", if sv { "Från" } else { "From" }),
        open: None,
    }]
}

/// Starts the notifier; the returned sender takes the inbox's new mail.
pub fn spawn<R: Runtime>(app: AppHandle<R>, engine: Arc<Engine>) -> mpsc::UnboundedSender<NewMail> {
    let (tx, mut rx) = mpsc::unbounded_channel::<NewMail>();
    tauri::async_runtime::spawn(async move {
        while let Some(first) = rx.recv().await {
            let mut batch = vec![first];
            let until = tokio::time::Instant::now() + GATHER;
            while let Ok(Some(m)) = tokio::time::timeout_at(until, rx.recv()).await {
                batch.push(m);
            }
            let prefs = match engine.preferences().await {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("Inkorg: no notification: cannot read Email options: {e}");
                    continue;
                }
            };
            if !prefs.notify_new_mail {
                continue;
            }
            let lang = language(prefs.language, sys_locale::get_locale().as_deref());
            for note in notes(&batch, lang) {
                let app = app.clone();
                let open = if lang == Language::Sv {
                    "Öppna"
                } else {
                    "Open"
                };
                // Showing and waiting for the click block: a thread per notification, which
                // ends when the notification is clicked or closed.
                let spawned = std::thread::Builder::new()
                    .name("inkorg-notification".into())
                    .spawn(move || show(&app, &note, open));
                if let Err(e) = spawned {
                    eprintln!("Inkorg: cannot show a notification: {e}");
                }
            }
        }
    });
    tx
}

fn show<R: Runtime>(app: &AppHandle<R>, note: &Note, open_label: &str) {
    use notify_rust::{Notification, NotificationResponse};
    let mut n = Notification::new();
    n.appname("Inkorg")
        .summary(&note.summary)
        .body(&note.body)
        .icon("mail-message-new")
        .action("default", open_label);
    #[cfg(all(unix, not(target_os = "macos")))]
    n.hint(notify_rust::Hint::Category("email.arrived".into()));
    #[cfg(target_os = "windows")]
    n.app_id(&app.config().identifier);
    use std::sync::atomic::Ordering;
    let handle = match n.show() {
        Ok(h) => h,
        Err(e) => {
            eprintln!("Inkorg: cannot show a notification: {e}");
            return;
        }
    };
    if WAITING.fetch_add(1, Ordering::SeqCst) >= WAITING_MAX {
        WAITING.fetch_sub(1, Ordering::SeqCst);
        return;
    }
    let clicked = |r: &NotificationResponse| {
        matches!(r, NotificationResponse::Default)
            || matches!(r, NotificationResponse::Action(a) if a == "default")
    };
    let result = handle.wait_for_response(|r: &NotificationResponse| {
        if clicked(r) {
            opened(app, note.open);
        }
    });
    WAITING.fetch_sub(1, Ordering::SeqCst);
    if let Err(e) = result {
        eprintln!("Inkorg: a notification's answer was lost: {e}");
    }
}

/// A click on a notification: the window comes forward and the UI opens the message.
fn opened<R: Runtime>(app: &AppHandle<R>, message: Option<i64>) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
    let _ = app.emit("inkorg://open-message", message);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(id: i64, from: &str, subject: &str) -> NewMail {
        NewMail {
            id,
            from: from.into(),
            subject: subject.into(),
        }
    }

    #[test]
    fn a_new_message_says_who_and_what_and_opens_that_message() {
        let n = notes(&[mail(7, "Anna Berg", "Fika?")], Language::Sv);
        assert_eq!(
            n,
            [Note {
                summary: "Anna Berg".into(),
                body: "Fika?".into(),
                open: Some(7)
            }]
        );
        let n = notes(&[mail(8, "", "  ")], Language::En);
        assert_eq!(
            (n[0].summary.as_str(), n[0].body.as_str()),
            ("(unknown sender)", "(no subject)")
        );
        let n = notes(&[mail(8, "", "")], Language::Sv);
        assert_eq!(
            (n[0].summary.as_str(), n[0].body.as_str()),
            ("(okänd avsändare)", "(inget ämne)")
        );
    }

    #[test]
    fn many_at_once_make_one_notification_that_counts_them() {
        let batch: Vec<_> = (0..12)
            .map(|i| mail(i, &format!("Avsändare {}", i % 5), "x"))
            .collect();
        let sv = notes(&batch, Language::Sv);
        assert_eq!(sv.len(), 1);
        assert_eq!(sv[0].summary, "12 nya meddelanden i Inkorgen");
        assert_eq!(
            sv[0].body,
            "Från Avsändare 0, Avsändare 1, Avsändare 2 och 2 till"
        );
        assert_eq!(sv[0].open, None, "a click opens the inbox");
        let en = notes(&batch[..4], Language::En);
        assert_eq!(en[0].summary, "4 new messages in the Inbox");
        assert_eq!(
            en[0].body,
            "From Avsändare 0, Avsändare 1, Avsändare 2 and 1 more"
        );
        assert_eq!(
            notes(&batch[..3], Language::En).len(),
            3,
            "three still come one by one"
        );
    }

    #[test]
    fn only_unread_mail_in_the_inbox_is_announced() {
        let new = |folder: &str, seen| inkorg_core::Event::NewMessage {
            id: 1,
            folder: folder.into(),
            uid: 1,
            from: "a".into(),
            subject: "s".into(),
            date: 0,
            seen,
        };
        assert!(announced(&new("INBOX", false)).is_some());
        assert!(
            announced(&new("INBOX", true)).is_none(),
            "read elsewhere already"
        );
        assert!(announced(&new("Skräppost", false)).is_none());
        assert!(announced(&inkorg_core::Event::Folders).is_none());
    }

    #[test]
    fn a_sender_name_cannot_reverse_the_text_of_a_notification() {
        let n = notes(
            &[mail(1, "evil\u{202e}gpj.exe", "hi\u{2066}")],
            Language::En,
        );
        assert!(!n[0].summary.contains('\u{202e}') && !n[0].body.contains('\u{2066}'));
    }

    #[test]
    fn notifications_speak_the_chosen_language_or_the_systems() {
        assert_eq!(language(Language::System, Some("sv-SE")), Language::Sv);
        assert_eq!(language(Language::System, Some("de-DE")), Language::En);
        assert_eq!(language(Language::System, None), Language::En);
        assert_eq!(language(Language::En, Some("sv-SE")), Language::En);
    }
}
