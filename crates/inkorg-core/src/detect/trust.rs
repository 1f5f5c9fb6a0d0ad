//! Where a password may go without asking. DNS and plain HTTP are not authenticated, so anyone
//! who can answer them for the person can name a host of their own, with a valid certificate
//! of its own. The password therefore goes, without a question, only to
//! - hosts from the built-in table (also when an MX led there) or from an ISPDB fetched over
//!   https (or from this machine);
//! - hosts from https autoconfig or the well-known path on the address's own domain;
//! - hosts inside the address's registrable domain (Public Suffix List), which the engine only
//!   ever reaches over TLS that verifies for that host.
//!
//! Every other host (autoconfig or ISPDB reached through an MX on another domain, SRV targets
//! elsewhere, plain http) needs the person's confirmation first. This module only decides; the
//! caller (`detect::verify`) refuses to sign in where the answer is no.

use serde::Serialize;

use super::Source;
use crate::net::Url;

impl Source {
    /// Whether the source, as such, speaks for the address's owner and so may name any host.
    /// The ISPDB counts only because it is fetched over https or from this machine
    /// ([`ispdb_url_is_safe`]; any other ISPDB URL is never asked).
    pub fn trusted(self) -> bool {
        match self {
            Source::BuiltIn
            | Source::MxBuiltIn
            | Source::Autoconfig
            | Source::WellKnown
            | Source::Ispdb => true,
            Source::MxAutoconfig
            | Source::MxIspdb
            | Source::Srv
            | Source::HttpAutoconfig
            | Source::Guess => false,
        }
    }
}

/// An ISPDB may be asked over https, or over http on this machine (a test bed, a company's
/// local mirror): nobody on the network can change those answers.
pub fn ispdb_url_is_safe(url: &str) -> bool {
    Url::parse(url).is_ok_and(|u| u.https || is_loopback_host(&u.host))
}

fn is_loopback_host(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The registrable domain ("eTLD+1") of a name: `mail.foo.co.uk` → `foo.co.uk`.
fn registrable(name: &str) -> String {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    psl::domain_str(&name).map_or(name.clone(), str::to_string)
}

/// `host` is `domain`'s registrable domain or a name under it.
pub fn inside_domain(host: &str, domain: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let reg = registrable(domain);
    if reg.is_empty() || host.parse::<std::net::IpAddr>().is_ok() {
        return false;
    }
    host == reg || host.ends_with(&format!(".{reg}"))
}

/// Whether the password may be sent to `host`, named by `source`, without asking.
pub(crate) fn automatic(source: Source, host: &str, domain: &str) -> bool {
    source.trusted() || inside_domain(host, domain)
}

/// Servers that need the person's yes before the password goes there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Confirmation {
    /// How Inkorg found them.
    pub source: Source,
    /// The URL or DNS name that named them.
    pub origin: String,
    /// The host names, as the question shows them.
    pub hosts: Vec<String>,
    /// Why the question is asked, in English (the UI words it from `source`).
    pub why: String,
}

impl Confirmation {
    pub(crate) fn new(source: Source, origin: String, hosts: Vec<String>, domain: &str) -> Self {
        let why = format!(
            "found through {} ({origin}), which does not prove that {domain} uses them, and \
             outside {domain}: the password goes there only after you confirm",
            source.describe()
        );
        Confirmation {
            source,
            origin,
            hosts,
            why,
        }
    }
}

impl Source {
    /// A few words for where settings came from, in English.
    pub fn describe(self) -> &'static str {
        match self {
            Source::BuiltIn => "the built-in provider table",
            Source::Autoconfig => "the domain's https autoconfig",
            Source::WellKnown => "the domain's well-known autoconfig",
            Source::Ispdb => "the provider database (ISPDB)",
            Source::MxBuiltIn => "the mail exchanger (MX) and the provider table",
            Source::MxAutoconfig => "the mail exchanger (MX) and its domain's autoconfig",
            Source::MxIspdb => "the mail exchanger (MX) and the provider database",
            Source::Srv => "DNS service (SRV) records",
            Source::HttpAutoconfig => "an unencrypted (http) autoconfig file",
            Source::Guess => "common server names",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_inside_the_registrable_domain_need_no_question() {
        assert!(inside_domain("imap.example.se", "example.se"));
        assert!(inside_domain("example.se", "example.se"));
        assert!(inside_domain("imap.example.se", "mail.example.se"));
        assert!(inside_domain("IMAP.Foo.co.uk.", "foo.co.uk"));
        assert!(!inside_domain(
            "imap.example.se.attacker.test",
            "example.se"
        ));
        assert!(!inside_domain("notexample.se", "example.se"));
        assert!(!inside_domain("imap.other.co.uk", "foo.co.uk"));
        assert!(!inside_domain("127.0.0.1", "example.se"));
    }

    #[test]
    fn only_sources_that_speak_for_the_owner_may_name_any_host() {
        for s in [
            Source::BuiltIn,
            Source::MxBuiltIn,
            Source::Autoconfig,
            Source::WellKnown,
            Source::Ispdb,
        ] {
            assert!(automatic(s, "imap.attacker.test", "example.se"), "{s:?}");
        }
        for s in [
            Source::MxAutoconfig,
            Source::MxIspdb,
            Source::Srv,
            Source::HttpAutoconfig,
            Source::Guess,
        ] {
            assert!(!automatic(s, "imap.attacker.test", "example.se"), "{s:?}");
            assert!(automatic(s, "imap.example.se", "example.se"), "{s:?}");
        }
    }

    #[test]
    fn an_ispdb_is_asked_only_over_https_or_on_this_machine() {
        assert!(ispdb_url_is_safe(
            "https://autoconfig.thunderbird.net/v1.1/"
        ));
        assert!(ispdb_url_is_safe("http://127.0.0.1:8080/v1.1/"));
        assert!(ispdb_url_is_safe("http://localhost/v1.1/"));
        assert!(!ispdb_url_is_safe("http://ispdb.example/v1.1/"));
        assert!(!ispdb_url_is_safe("http://10.0.0.1/"));
        assert!(!ispdb_url_is_safe("ftp://x/"));
    }
}
