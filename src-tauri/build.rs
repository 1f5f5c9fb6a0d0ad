//! tauri-build: the capabilities live in src-tauri/capabilities, and the app manifest lists our
//! own commands, so each needs an explicit `allow-…` permission in a capability.

fn main() {
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(&[
            "get_account",
            "detect",
            "verify_detected",
            "save_detected",
            "login",
            "pick_ca_file",
            "list_messages",
            "list_folders",
            "logout",
            "get_preferences",
            "set_preferences",
            "get_contact_card",
            "set_contact_card",
            "make_first_on_card",
            "system_language",
            "open_link",
            "sync_now",
            "mark_messages",
            "move_messages",
            "delete_messages",
            "archive_messages",
            "list_queue",
            "set_folder_subscribed",
            "get_health",
            "read_message",
            "set_remote_content_sender",
            "list_remote_content_senders",
            "offline_usage",
            "save_attachment",
            "save_all_attachments",
            "open_attachment",
            "open_message_link",
            "open_message_window",
            "print_message",
            "open_composer",
            "get_draft",
            "list_drafts",
            "save_draft",
            "pick_draft_attachments",
            "drop_draft_attachment",
            "remove_draft_attachment",
            "discard_draft",
            "send_draft",
            "undo_send",
            "list_outbox",
            "send_again",
            "confirm_arrived",
            "suggest_addresses",
        ]));
    if let Err(e) = tauri_build::try_build(attributes) {
        eprintln!("tauri-build failed: {e:#}");
        std::process::exit(1);
    }
}
