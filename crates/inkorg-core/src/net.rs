//! Name resolution for every connection the engine opens, and a small, size-limited HTTP(S)
//! GET for autoconfiguration files.
//!
//! Production uses the operating system's resolver (for A/AAAA) and its configured name
//! servers (for MX and SRV). A test network, or a person debugging one, sets one DNS server
//! for everything with `INKORG_DNS_SERVER=IP[:PORT]` or [`set_dns_server`] (the CLI's
//! `--dns-server`); then IMAP, SMTP and HTTP connections resolve through it too, so detected
//! settings are verified against the same hosts they were found for.

use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::RData;
use hickory_resolver::TokioResolver;
use std::net::{IpAddr, SocketAddr};
use std::sync::OnceLock;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

static DNS_SERVER: OnceLock<Option<SocketAddr>> = OnceLock::new();

/// Parses `IP` or `IP:PORT` (port 53 when left out).
pub fn parse_dns_server(text: &str) -> Result<SocketAddr, String> {
    let text = text.trim();
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    text.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .map(|ip| SocketAddr::new(ip, 53))
        .map_err(|_| format!("\"{text}\" is not an IP address or IP:PORT"))
}

/// Uses one DNS server for every lookup in this process. Call before the first connection;
/// later calls are ignored (returns false then).
pub fn set_dns_server(addr: Option<SocketAddr>) -> bool {
    DNS_SERVER.set(addr).is_ok()
}

/// The configured DNS server, if any (from [`set_dns_server`] or `INKORG_DNS_SERVER`).
pub fn dns_server() -> Option<SocketAddr> {
    *DNS_SERVER.get_or_init(|| {
        std::env::var("INKORG_DNS_SERVER")
            .ok()
            .filter(|v| !v.trim().is_empty())
            .and_then(|v| parse_dns_server(&v).ok())
    })
}

/// A DNS client for MX/SRV (and A/AAAA when a DNS server is configured). Cheap to build; build
/// one per detection so it lives on the caller's runtime.
pub struct Dns {
    resolver: Option<TokioResolver>,
}

impl Dns {
    pub fn new() -> Dns {
        let resolver = match dns_server() {
            Some(addr) => {
                let mut udp = ConnectionConfig::udp();
                udp.port = addr.port();
                let mut tcp = ConnectionConfig::tcp();
                tcp.port = addr.port();
                let ns = NameServerConfig::new(addr.ip(), true, vec![udp, tcp]);
                let mut b = TokioResolver::builder_with_config(
                    ResolverConfig::from_name_servers(vec![ns]),
                    TokioRuntimeProvider::default(),
                );
                tune(b.options_mut());
                b.build().ok()
            }
            None => TokioResolver::builder_tokio().ok().and_then(|mut b| {
                tune(b.options_mut());
                b.build().ok()
            }),
        };
        Dns { resolver }
    }

    /// MX hosts, best preference first, without the trailing dot.
    pub async fn mx(&self, domain: &str) -> Result<Vec<String>, String> {
        let r = self
            .resolver
            .as_ref()
            .ok_or("no DNS resolver is configured")?;
        let lookup = r
            .mx_lookup(fqdn(domain))
            .await
            .map_err(|e| short_dns_error(&e.to_string()))?;
        let mut hosts: Vec<(u16, String)> = lookup
            .answers()
            .iter()
            .filter_map(|rec| match &rec.data {
                RData::MX(mx) => Some((mx.preference, host_text(&mx.exchange.to_ascii()))),
                _ => None,
            })
            .filter(|(_, h)| !h.is_empty())
            .collect();
        hosts.sort();
        Ok(hosts.into_iter().map(|(_, h)| h).collect())
    }

    /// SRV targets as (host, port), by priority then weight; "." (service not offered) dropped.
    pub async fn srv(&self, name: &str) -> Result<Vec<(String, u16)>, String> {
        let r = self
            .resolver
            .as_ref()
            .ok_or("no DNS resolver is configured")?;
        let lookup = r
            .srv_lookup(fqdn(name))
            .await
            .map_err(|e| short_dns_error(&e.to_string()))?;
        let mut out: Vec<(u16, std::cmp::Reverse<u16>, String, u16)> = lookup
            .answers()
            .iter()
            .filter_map(|rec| match &rec.data {
                RData::SRV(s) => Some((
                    s.priority,
                    std::cmp::Reverse(s.weight),
                    host_text(&s.target.to_ascii()),
                    s.port,
                )),
                _ => None,
            })
            .filter(|(_, _, h, port)| !h.is_empty() && *port != 0)
            .collect();
        out.sort();
        Ok(out.into_iter().map(|(_, _, h, p)| (h, p)).collect())
    }

    async fn ips(&self, host: &str) -> Result<Vec<IpAddr>, String> {
        let r = self
            .resolver
            .as_ref()
            .ok_or("no DNS resolver is configured")?;
        let lookup = r
            .lookup_ip(fqdn(host))
            .await
            .map_err(|e| short_dns_error(&e.to_string()))?;
        Ok(lookup.iter().collect())
    }
}

impl Default for Dns {
    fn default() -> Self {
        Dns::new()
    }
}

fn tune(opts: &mut hickory_resolver::config::ResolverOpts) {
    opts.timeout = Duration::from_secs(3);
    opts.attempts = 1;
}

fn fqdn(name: &str) -> String {
    if name.ends_with('.') {
        name.to_string()
    } else {
        format!("{name}.")
    }
}

fn host_text(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

fn short_dns_error(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    if lower.contains("no record") || lower.contains("nxdomain") || lower.contains("no records") {
        "no such record".into()
    } else if lower.contains("timed out") || lower.contains("timeout") {
        "the DNS server did not answer in time".into()
    } else {
        text.chars().take(160).collect()
    }
}

/// Addresses for `host:port`: an IP as is; otherwise the configured DNS server or the OS.
pub async fn resolve(host: &str, port: u16) -> std::io::Result<Vec<SocketAddr>> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    // RFC 6761: "localhost" is this machine, whatever a DNS server says.
    if bare.eq_ignore_ascii_case("localhost") || bare.to_ascii_lowercase().ends_with(".localhost") {
        return Ok(vec![
            SocketAddr::new(IpAddr::from([127, 0, 0, 1]), port),
            SocketAddr::new(IpAddr::from(std::net::Ipv6Addr::LOCALHOST), port),
        ]);
    }
    if dns_server().is_some() {
        return match Dns::new().ips(host).await {
            Ok(ips) if !ips.is_empty() => Ok(ips
                .into_iter()
                .map(|ip| SocketAddr::new(ip, port))
                .collect()),
            Ok(_) | Err(_) => Err(std::io::Error::other(
                "failed to lookup address information: the server name was not found",
            )),
        };
    }
    Ok(tokio::net::lookup_host((host, port)).await?.collect())
}

/// Resolves and connects, trying each address in turn, all within `limit`.
pub async fn connect(host: &str, port: u16, limit: Duration) -> std::io::Result<TcpStream> {
    let attempt = async {
        let addrs = resolve(host, port).await?;
        let mut last = None;
        for addr in addrs {
            match TcpStream::connect(addr).await {
                Ok(s) => {
                    let _ = s.set_nodelay(true);
                    return Ok(s);
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| {
            std::io::Error::other("failed to lookup address information: no addresses")
        }))
    };
    match tokio::time::timeout(limit, attempt).await {
        Ok(r) => r,
        Err(_) => Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "timed out",
        )),
    }
}

/// Whether `url` is an https link a person may be sent to (the system browser opens it):
/// https, a host, and no whitespace or control characters.
pub fn is_https_link(url: &str) -> bool {
    Url::parse(url).is_ok_and(|u| u.https)
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A parsed http(s) URL: only what a GET needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    pub https: bool,
    pub host: String,
    pub port: u16,
    /// Path and query, starting with '/'.
    pub target: String,
}

impl Url {
    pub fn parse(text: &str) -> Result<Url, String> {
        let text = text.trim();
        let (https, rest) = if let Some(r) = text.strip_prefix("https://") {
            (true, r)
        } else if let Some(r) = text.strip_prefix("http://") {
            (false, r)
        } else {
            return Err(format!("\"{text}\" is not an http or https URL"));
        };
        let (authority, target) = match rest.find(['/', '?']) {
            Some(i) if rest[i..].starts_with('/') => (&rest[..i], rest[i..].to_string()),
            Some(i) => (&rest[..i], format!("/{}", &rest[i..])),
            None => (rest, "/".to_string()),
        };
        if authority.contains('@') {
            return Err("URLs with user information are not used".into());
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => {
                let port = p
                    .parse::<u16>()
                    .map_err(|_| format!("bad port in \"{text}\""))?;
                (h, port)
            }
            _ => (authority, if https { 443 } else { 80 }),
        };
        let host = crate::settings::normalize_host(host)?;
        if target.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("the URL contains spaces or control characters".into());
        }
        Ok(Url {
            https,
            host,
            port,
            target,
        })
    }

    pub fn join(&self, location: &str) -> Result<Url, String> {
        if location.starts_with("http://") || location.starts_with("https://") {
            return Url::parse(location);
        }
        if location.starts_with('/') {
            return Ok(Url {
                target: location.to_string(),
                ..self.clone()
            });
        }
        Err(format!("unsupported redirect target \"{location}\""))
    }
}

impl std::fmt::Display for Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = if self.https { "https" } else { "http" };
        let default = if self.https { 443 } else { 80 };
        if self.port == default {
            write!(f, "{scheme}://{}{}", self.host, self.target)
        } else {
            write!(f, "{scheme}://{}:{}{}", self.host, self.port, self.target)
        }
    }
}

/// Limits for one GET.
#[derive(Debug, Clone)]
pub struct HttpLimits {
    /// The whole exchange (connect, TLS, request, every byte of the answer), per request.
    pub time: Duration,
    /// The largest body accepted; a longer one is an error, not a truncated file.
    pub max_body: usize,
    /// Redirects followed. A redirect from https never leads to http.
    pub max_redirects: u8,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            time: Duration::from_secs(8),
            max_body: 256 * 1024,
            max_redirects: 3,
        }
    }
}

/// GET `url` and return the body of a 200 answer. Certificates are verified (OS store plus
/// `extra_roots_pem`); nothing but the URL is sent: no cookies, no credentials.
pub async fn http_get(
    url: &Url,
    extra_roots_pem: &[Vec<u8>],
    limits: &HttpLimits,
) -> Result<Vec<u8>, String> {
    let deadline = tokio::time::Instant::now() + limits.time;
    let mut current = url.clone();
    for _ in 0..=limits.max_redirects {
        let step = get_once(&current, extra_roots_pem, limits.max_body);
        let answer = match tokio::time::timeout_at(deadline, step).await {
            Err(_) => return Err(format!("no answer within {} s", limits.time.as_secs())),
            Ok(r) => r?,
        };
        match answer {
            Answer::Body(body) => return Ok(body),
            Answer::Redirect(location) => {
                let next = current.join(&location)?;
                if current.https && !next.https {
                    return Err(format!("refused a redirect from https to {next}"));
                }
                current = next;
            }
        }
    }
    Err("too many redirects".into())
}

enum Answer {
    Body(Vec<u8>),
    Redirect(String),
}

async fn get_once(
    url: &Url,
    extra_roots_pem: &[Vec<u8>],
    max_body: usize,
) -> Result<Answer, String> {
    let tcp = connect(&url.host, url.port, Duration::from_secs(5))
        .await
        .map_err(|e| describe_connect(&e))?;
    if url.https {
        // The same verified connector as the mail connections (OS store + extra roots, TLS 1.2+).
        let trust = crate::tls::Trust {
            extra_roots_pem: extra_roots_pem.to_vec(),
            pinned: None,
        };
        let connector = trust
            .native_connector(false)
            .map_err(|e| format!("{e:#}"))?;
        let connector = tokio_native_tls::TlsConnector::from(connector);
        let tls = connector
            .connect(&url.host, tcp)
            .await
            .map_err(|e| format!("TLS: {e}"))?;
        exchange(tls, url, max_body).await
    } else {
        exchange(tcp, url, max_body).await
    }
}

fn describe_connect(e: &std::io::Error) -> String {
    let text = e.to_string();
    if text.contains("failed to lookup address") {
        "the host name was not found (DNS)".into()
    } else if e.kind() == std::io::ErrorKind::ConnectionRefused {
        "connection refused".into()
    } else if e.kind() == std::io::ErrorKind::TimedOut {
        "no connection in time".into()
    } else {
        text
    }
}

async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    url: &Url,
    max_body: usize,
) -> Result<Answer, String> {
    let host = if (url.https && url.port == 443) || (!url.https && url.port == 80) {
        url.host.clone()
    } else {
        format!("{}:{}", url.host, url.port)
    };
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: Inkorg\r\nAccept: application/xml, text/xml\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n",
        url.target
    );
    s.write_all(request.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    // Head first (at most 16 KiB), then the body with the size limit.
    let mut buf = Vec::with_capacity(8192);
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > 16 * 1024 {
            return Err("the answer's header is too large".into());
        }
        let mut chunk = [0u8; 8192];
        let n = s.read(&mut chunk).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("the server closed the connection without an answer".into());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut rest = buf[head_end + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| {
            format!(
                "not an HTTP answer: {}",
                status_line.chars().take(60).collect::<String>()
            )
        })?;
    let mut length: Option<usize> = None;
    let mut chunked = false;
    let mut location = None;
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            let value = value.trim();
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => length = value.parse().ok(),
                "transfer-encoding" => chunked = value.to_ascii_lowercase().contains("chunked"),
                "location" => location = Some(value.to_string()),
                _ => {}
            }
        }
    }
    if (300..400).contains(&status) {
        return location
            .map(Answer::Redirect)
            .ok_or_else(|| format!("HTTP {status} without a Location"));
    }
    if status != 200 {
        return Err(format!("HTTP {status}"));
    }
    if let Some(n) = length {
        if n > max_body {
            return Err(format!(
                "the answer is {n} bytes, more than the {max_body} accepted"
            ));
        }
    }
    // Read to the end (Connection: close), never past the limit (plus chunk framing).
    let cap = max_body + max_body / 8 + 1024;
    loop {
        if rest.len() > cap {
            return Err(format!(
                "the answer is larger than the {max_body} bytes accepted"
            ));
        }
        if let Some(n) = length {
            if rest.len() >= n {
                rest.truncate(n);
                break;
            }
        }
        let mut chunk = [0u8; 16384];
        let n = match s.read(&mut chunk).await {
            Ok(n) => n,
            // Many servers end TLS without close_notify; what arrived is what was sent.
            Err(_) if !rest.is_empty() => 0,
            Err(e) => return Err(e.to_string()),
        };
        if n == 0 {
            break;
        }
        rest.extend_from_slice(&chunk[..n]);
    }
    let body = if chunked {
        dechunk(&rest, max_body)?
    } else {
        rest
    };
    if body.len() > max_body {
        return Err(format!(
            "the answer is larger than the {max_body} bytes accepted"
        ));
    }
    if let Some(n) = length {
        if body.len() < n {
            return Err("the answer ended early".into());
        }
    }
    Ok(Answer::Body(body))
}

/// Joins a chunked body. Every size is checked against what is left of `data` (which the
/// caller already capped) before it is used, so a hostile size near `usize::MAX` is refused,
/// never added up.
fn dechunk(data: &[u8], max_body: usize) -> Result<Vec<u8>, String> {
    const ENDED_EARLY: &str = "the chunked answer ended early";
    let mut out = Vec::new();
    let mut pos = 0;
    loop {
        let rest = data.get(pos..).ok_or(ENDED_EARLY)?;
        let line_end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("a broken chunked answer")?;
        let size_text = String::from_utf8_lossy(&rest[..line_end]).into_owned();
        let size_hex = size_text.split(';').next().unwrap_or_default().trim();
        if size_hex.is_empty() || size_hex.len() > 16 {
            return Err("a broken chunk size".into());
        }
        let size = usize::from_str_radix(size_hex, 16).map_err(|_| "a broken chunk size")?;
        pos += line_end + 2;
        if size == 0 {
            return Ok(out);
        }
        if size > max_body.saturating_sub(out.len()) {
            return Err(format!(
                "the answer is larger than the {max_body} bytes accepted"
            ));
        }
        let left = data.len() - pos;
        if size > left {
            return Err(ENDED_EARLY.into());
        }
        out.extend_from_slice(&data[pos..pos + size]);
        // The chunk's own CRLF follows; `pos` may then point just past the end.
        pos = pos + size + 2;
        if pos > data.len() {
            return Err(ENDED_EARLY.into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_and_print() {
        let u =
            Url::parse("https://autoconfig.example.com/mail/config-v1.1.xml?emailaddress=a%40b.se")
                .unwrap();
        assert!(u.https);
        assert_eq!(u.host, "autoconfig.example.com");
        assert_eq!(u.port, 443);
        assert_eq!(u.target, "/mail/config-v1.1.xml?emailaddress=a%40b.se");
        let p = Url::parse("http://ispdb.test:8080").unwrap();
        assert_eq!((p.port, p.target.as_str()), (8080, "/"));
        assert_eq!(p.to_string(), "http://ispdb.test:8080/");
        assert!(Url::parse("ftp://x.se/").is_err());
        assert!(Url::parse("https://user:pw@x.se/").is_err());
        assert_eq!(
            Url::parse("https://BÜCHER.de/x").unwrap().host,
            "xn--bcher-kva.de"
        );
    }

    #[test]
    fn redirects_resolve_against_the_current_url() {
        let u = Url::parse("https://a.se/x").unwrap();
        assert_eq!(u.join("/y").unwrap().to_string(), "https://a.se/y");
        assert_eq!(
            u.join("http://b.se/z").unwrap().to_string(),
            "http://b.se/z"
        );
        assert!(u.join("y").is_err());
    }

    #[test]
    fn chunked_bodies_are_joined() {
        let body = dechunk(b"4\r\nWiki\r\n5;x=y\r\npedia\r\n0\r\n\r\n", 100).unwrap();
        assert_eq!(body, b"Wikipedia");
        assert!(dechunk(b"ff\r\nshort", 1000).is_err());
    }

    #[test]
    fn an_absurd_chunk_size_is_refused_not_a_crash() {
        for size in [
            "ffffffffffffffff",
            "fffffffffffffffe",
            "7fffffffffffffff",
            "10000000000000000",
        ] {
            let body = format!("{size}\r\nabc\r\n0\r\n\r\n");
            assert!(dechunk(body.as_bytes(), 1 << 20).is_err(), "{size}");
        }
        assert!(
            dechunk(b"3\r\nabc", 100).is_err(),
            "no CRLF after the last chunk"
        );
        assert!(dechunk(b"\r\n", 100).is_err(), "an empty size");
        let err = dechunk(b"200\r\n", 100).unwrap_err();
        assert!(err.contains("larger than the 100 bytes"), "{err}");
    }

    /// Random chunk headers and bodies (a small xorshift, so a failure repeats): dechunk
    /// answers Ok or Err for every one of them, and never returns more than it was given.
    #[test]
    fn random_chunk_headers_never_panic() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let alphabet = b"0123456789abcdefABCDEF;= \r\nxz\0";
        for _ in 0..20_000 {
            let mut data = Vec::new();
            for _ in 0..(next() % 5) {
                let n = next();
                let size = match n % 4 {
                    0 => format!("{:x}", next()),
                    1 => format!("{:x}", next() % 64),
                    2 => format!("{:X};ext=1", next() % 4096),
                    _ => (0..(next() % 20))
                        .map(|_| alphabet[(next() % alphabet.len() as u64) as usize] as char)
                        .collect(),
                };
                data.extend_from_slice(size.as_bytes());
                data.extend_from_slice(b"\r\n");
                for _ in 0..(next() % 80) {
                    data.push(alphabet[(next() % alphabet.len() as u64) as usize]);
                }
                if next() % 2 == 0 {
                    data.extend_from_slice(b"\r\n");
                }
            }
            if next() % 3 == 0 {
                data.extend_from_slice(b"0\r\n\r\n");
            }
            if let Ok(body) = dechunk(&data, 256) {
                assert!(body.len() <= data.len() && body.len() <= 256);
            }
        }
    }

    #[test]
    fn dns_servers_parse_with_and_without_port() {
        assert_eq!(parse_dns_server("127.0.0.1").unwrap().port(), 53);
        assert_eq!(parse_dns_server("127.0.0.1:10053").unwrap().port(), 10053);
        assert!(parse_dns_server("dns.example").is_err());
    }
}
