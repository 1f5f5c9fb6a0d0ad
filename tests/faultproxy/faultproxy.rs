//! A TCP proxy that injects faults, for the tests of what a person never sees: a connection
//! cut in the middle of a sync, an IDLE or a replay; a server that cannot be reached at all.
//! Std threads only, so any test can use it: `FaultProxy::start(upstream)` listens on a free
//! loopback port and forwards each connection to `upstream`.
//!
//! - `set_down(true)`: every open connection is cut and new ones are closed at once (the
//!   network is gone); `set_down(false)` brings it back.
//! - `cut_all()`: cuts every open connection once (a server restart, a NAT timeout).
//! - `cut_after(Some((min, max)))`: each new connection is cut after a random number of bytes
//!   from the server in that range (repeatable: a seeded xorshift), so cuts land at random
//!   points of whatever the client was doing. `cuts()` counts the cuts made.
//!
//! Include it with `#[path = ".../tests/faultproxy/faultproxy.rs"] mod faultproxy;`.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

#[derive(Default)]
struct State {
    down: AtomicBool,
    cuts: AtomicUsize,
    connections: AtomicUsize,
    seed: AtomicU64,
    cut_range: Mutex<Option<(u64, u64)>>,
    open: Mutex<Vec<TcpStream>>,
}

pub struct FaultProxy {
    pub port: u16,
    state: Arc<State>,
}

impl FaultProxy {
    pub fn start(upstream: SocketAddr) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().expect("local address").port();
        let state = Arc::new(State {
            seed: AtomicU64::new(0x9E37_79B9_7F4A_7C15),
            ..Default::default()
        });
        let st = Arc::clone(&state);
        thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if st.down.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(upstream) else {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                };
                st.connections.fetch_add(1, Ordering::SeqCst);
                // Both directions draw on one budget, so a cut can land on a command as well
                // as on an answer.
                let budget = st.next_budget().map(|b| Arc::new(AtomicI64::new(b as i64)));
                st.remember(&client);
                st.remember(&server);
                pipe(
                    &st,
                    client.try_clone().ok(),
                    server.try_clone().ok(),
                    budget.clone(),
                );
                pipe(
                    &st,
                    server.try_clone().ok(),
                    client.try_clone().ok(),
                    budget,
                );
            }
        });
        FaultProxy { port, state }
    }

    pub fn set_down(&self, down: bool) {
        self.state.down.store(down, Ordering::SeqCst);
        if down {
            self.cut_all();
        }
    }

    pub fn cut_all(&self) {
        let open = std::mem::take(&mut *self.state.open.lock().expect("lock"));
        if !open.is_empty() {
            self.state.cuts.fetch_add(1, Ordering::SeqCst);
        }
        for s in open {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    pub fn cut_after(&self, range: Option<(u64, u64)>) {
        *self.state.cut_range.lock().expect("lock") = range;
    }

    pub fn cuts(&self) -> usize {
        self.state.cuts.load(Ordering::SeqCst)
    }

    pub fn connections(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.set_down(true);
    }
}

impl State {
    fn remember(&self, s: &TcpStream) {
        if let Ok(c) = s.try_clone() {
            let mut open = self.open.lock().expect("lock");
            // Forget connections that are already closed.
            open.retain(|s| s.peer_addr().is_ok());
            open.push(c);
        }
    }

    fn next_budget(&self) -> Option<u64> {
        let range = *self.cut_range.lock().expect("lock");
        let (lo, hi) = range?;
        let mut x = self.seed.load(Ordering::SeqCst);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.seed.store(x, Ordering::SeqCst);
        Some(lo + x % (hi - lo).max(1))
    }
}

/// Copies `from` → `to`; with a budget (shared by both directions), cuts both once the
/// connection has carried that many bytes.
fn pipe(
    st: &Arc<State>,
    from: Option<TcpStream>,
    to: Option<TcpStream>,
    budget: Option<Arc<AtomicI64>>,
) {
    let (Some(mut from), Some(mut to)) = (from, to) else {
        return;
    };
    let st = Arc::clone(st);
    thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        loop {
            let n = match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if let Some(b) = &budget {
                let before = b.fetch_sub(n as i64, Ordering::SeqCst);
                if before <= n as i64 {
                    if before > 0 {
                        let _ = to.write_all(&buf[..before as usize]);
                        st.cuts.fetch_add(1, Ordering::SeqCst);
                    }
                    break;
                }
            }
            if to.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = from.shutdown(Shutdown::Both);
        let _ = to.shutdown(Shutdown::Both);
    });
}
