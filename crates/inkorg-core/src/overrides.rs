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
        Overrides::from_lookup(|name| std::env::var(name).ok())
    }

    fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> (Overrides, Vec<String>) {
        let var = |name: &str| {
            lookup(name)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn read(vars: &[(&str, &str)]) -> (Overrides, Vec<String>) {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Overrides::from_lookup(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn none_set_means_nothing_to_say() {
        let (o, refused) = read(&[]);
        assert!(o.describe().is_none() && refused.is_empty());
    }

    #[test]
    fn active_overrides_are_named_in_one_line() {
        let (o, refused) = read(&[
            ("INKORG_DNS_SERVER", "127.0.0.1:10053"),
            ("INKORG_ISPDB_URL", "https://ispdb.example/v1.1/"),
        ]);
        assert!(refused.is_empty(), "{refused:?}");
        let line = o.describe().unwrap();
        assert!(line.contains("INKORG_DNS_SERVER=127.0.0.1:10053"), "{line}");
        assert!(
            line.contains("INKORG_ISPDB_URL=https://ispdb.example/v1.1/"),
            "{line}"
        );
        assert_eq!(
            o.detect_config().unwrap().ispdb_url,
            "https://ispdb.example/v1.1/"
        );
    }

    #[test]
    fn an_http_ispdb_elsewhere_and_a_missing_ca_file_are_refused_with_the_reason() {
        let (o, refused) = read(&[
            ("INKORG_ISPDB_URL", "http://ispdb.example/v1.1/"),
            ("INKORG_EXTRA_CA", "/nonexistent/ca.pem"),
            ("INKORG_DNS_SERVER", "dns.example"),
        ]);
        assert!(o.ispdb_url.is_none() && o.extra_ca.is_none() && o.dns_server.is_none());
        assert_eq!(refused.len(), 3, "{refused:?}");
        assert!(
            refused.iter().any(|r| r.contains("must be https")),
            "{refused:?}"
        );
        assert!(o.describe().is_none());
    }
}
