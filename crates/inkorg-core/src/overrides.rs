//! Settings read from the environment, for test beds and for companies with their own DNS,
//! provider database or CA: `INKORG_DNS_SERVER`, `INKORG_ISPDB_URL` and `INKORG_EXTRA_CA`.
//! They apply to this run only (nothing of them is stored with an account), each is checked
//! (an ISPDB must be https or on this machine), and a front end says once at start which are
//! active, so they never work unseen.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::detect::{ispdb_url_is_safe, DetectConfig};
use crate::error::Result;
use crate::net;
use crate::tls::Trust;

#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// One DNS server for every lookup (MX, SRV, A) instead of the system's resolver.
    pub dns_server: Option<SocketAddr>,
    /// Another provider database (https, or http on this machine).
    pub ispdb_url: Option<String>,
    /// A PEM file of CA certificates trusted for this run, on top of the system's.
    pub extra_ca: Option<PathBuf>,
}

impl Overrides {
    /// Reads the variables. One that cannot be used is left out, with the reason in the
    /// second list, so a typo never stops the app from starting.
    pub fn from_env() -> (Overrides, Vec<String>) {
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let mut o = Overrides::default();
        let mut refused = Vec::new();
        if let Some(v) = var("INKORG_DNS_SERVER") {
            match net::parse_dns_server(&v) {
                Ok(a) => o.dns_server = Some(a),
                Err(e) => refused.push(format!("INKORG_DNS_SERVER={v} is not used: {e}")),
            }
        }
        if let Some(v) = var("INKORG_ISPDB_URL") {
            if ispdb_url_is_safe(&v) {
                o.ispdb_url = Some(v);
            } else {
                refused.push(format!(
                    "INKORG_ISPDB_URL={v} is not used: the provider database must be https (or http on this machine)"
                ));
            }
        }
        if let Some(v) = var("INKORG_EXTRA_CA") {
            match Trust::default().with_ca_file(Some(std::path::Path::new(&v))) {
                Ok(_) => o.extra_ca = Some(PathBuf::from(v)),
                Err(e) => refused.push(format!("INKORG_EXTRA_CA={v} is not used: {e}")),
            }
        }
        (o, refused)
    }

    /// Points every lookup of this process at the DNS server, when one is set.
    pub fn apply_dns(&self) {
        if let Some(a) = self.dns_server {
            net::set_dns_server(Some(a));
        }
    }

    /// Autodetection's settings with these applied.
    pub fn detect_config(&self) -> Result<DetectConfig> {
        let mut c = DetectConfig::default();
        if let Some(u) = &self.ispdb_url {
            c = c.with_ispdb_url(u)?;
        }
        if let Some(ca) = &self.extra_ca {
            c = c.with_ca_file(ca.clone())?;
        }
        Ok(c)
    }

    /// One line naming the active overrides, or `None` when there are none.
    pub fn describe(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(a) = self.dns_server {
            parts.push(format!("INKORG_DNS_SERVER={a} (every name lookup)"));
        }
        if let Some(u) = &self.ispdb_url {
            parts.push(format!("INKORG_ISPDB_URL={u} (provider database)"));
        }
        if let Some(c) = &self.extra_ca {
            parts.push(format!(
                "INKORG_EXTRA_CA={} (trusted for this run, not stored)",
                c.display()
            ));
        }
        (!parts.is_empty()).then(|| format!("overrides active: {}", parts.join("; ")))
    }
}
