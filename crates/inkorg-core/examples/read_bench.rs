//! The reading benchmark's engine half (scripts/bench-read.sh runs it): with a profile that
//! `inkorg-cli login` and `sync` set up, opens every INBOX message as the app does
//! (`read_message`: the body fetched over the body connection when it is not stored, parsed
//! and sanitised off the async threads, then the frame's document made) and prints figures:
//! the first open of messages not yet stored, the open of stored ones, and a large message
//! (its text, then its attachment decoded only when asked for). Never fails on time.
//!
//!   cargo run --release -p inkorg-core --example read_bench -- DATA_DIR [LARGE_SUBJECT]

use std::time::{Duration, Instant};

use inkorg_core::{Engine, Language, OpenOptions};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn stats(mut v: Vec<f64>) -> String {
    if v.is_empty() {
        return "no messages".into();
    }
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    format!(
        "median {:.1} ms, p95 {:.1} ms, max {:.1} ms (n = {})",
        at(0.5),
        at(0.95),
        at(1.0),
        v.len()
    )
}

async fn open(engine: &Engine, id: i64) -> inkorg_core::Result<(Duration, usize)> {
    let start = Instant::now();
    let m = engine
        .read_message(
            id,
            OpenOptions {
                remote_once: false,
                language: Language::Sv,
            },
        )
        .await?;
    let doc = inkorg_core::reader_document(&m.body);
    Ok((start.elapsed(), doc.html.len() + m.body.text.len()))
}

#[tokio::main]
async fn main() -> inkorg_core::Result<()> {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: read_bench DATA_DIR [LARGE_SUBJECT]");
        std::process::exit(2);
    };
    let large_subject = args.next().unwrap_or_else(|| "Stor bilaga".into());
    let engine = Engine::open(&dir).await?;
    let all = engine.list("INBOX", 100_000, 0).await?;
    let (large, normal): (Vec<_>, Vec<_>) = all.iter().partition(|m| m.subject == large_subject);

    let mut first = Vec::new();
    for m in &normal {
        first.push(ms(open(&engine, m.id).await?.0));
    }
    let mut stored = Vec::new();
    for _ in 0..5 {
        for m in &normal {
            stored.push(ms(open(&engine, m.id).await?.0));
        }
    }
    println!(
        "reading {} messages of INBOX (parsed, sanitised, the frame's document made)",
        normal.len()
    );
    println!(
        "  first open, body fetched from the server:  {}",
        stats(first)
    );
    println!(
        "  open of a stored message (5 rounds):       {}",
        stats(stored)
    );
    println!("    target: at most 50 ms median from a click to painted text (the app adds the frame's load)");

    for m in large {
        let size = m.size.unwrap_or(0);
        let (t_first, shown) = open(&engine, m.id).await?;
        let (t_again, _) = open(&engine, m.id).await?;
        let att = Instant::now();
        let a = engine.attachment(m.id, 0).await?;
        let t_att = att.elapsed();
        println!(
            "a large message \"{}\" ({:.1} MB, its attachment {:.1} MB decoded)",
            m.subject,
            size as f64 / 1e6,
            a.bytes.len() as f64 / 1e6
        );
        println!(
            "  first open (fetch + text): {:.0} ms; stored open: {:.1} ms; {} bytes shown",
            ms(t_first),
            ms(t_again),
            shown
        );
        println!(
            "  its attachment decoded only when asked for: {:.0} ms (target: the text in at most 300 ms)",
            ms(t_att)
        );
    }
    Ok(())
}
