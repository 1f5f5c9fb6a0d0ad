//! tauri-build: the capabilities live in src-tauri/capabilities, and the app manifest lists our
//! own commands, so each needs an explicit `allow-…` permission in a capability.

fn main() {
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(&[
            "get_account",
            "detect",
            "login",
            "sync",
            "list_messages",
            "list_folders",
            "logout",
        ]));
    if let Err(e) = tauri_build::try_build(attributes) {
        eprintln!("tauri-build failed: {e:#}");
        std::process::exit(1);
    }
}
