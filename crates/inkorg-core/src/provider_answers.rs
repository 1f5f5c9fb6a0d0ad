//! Recognises what providers answer when they refuse a sign-in (the table in product.md), so a
//! person is told what to do instead of "login failed". Pure: text in, verdict out. Matching is
//! on response codes and stable prefixes, case-insensitive; the provider's URL is taken from the
//! text itself.

use crate::error::BlockReason;

/// What a refused login means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The user name or password is wrong (or an app password expired).
    WrongCredentials,
    /// The provider blocked it for a reason a new password will not fix.
    Blocked {
        reason: BlockReason,
        url: Option<String>,
    },
}

/// Classifies the text of an IMAP `NO` answer to LOGIN or an SMTP AUTH reply.
/// `text` may be the raw server line or a library's rendering of it.
pub fn classify(text: &str) -> Verdict {
    let t = text.to_ascii_lowercase();
    let url = find_url(text);
    let blocked = |reason| Verdict::Blocked {
        reason,
        url: url.clone(),
    };
    // Order matters: more specific answers first.
    if t.contains("application-specific password required") || t.contains("5.7.9") {
        return blocked(BlockReason::AppPasswordRequired);
    }
    if t.contains("webalert")
        || t.contains("log in via your web browser")
        || t.contains("web login required")
        || t.contains("5.7.14")
    {
        return blocked(BlockReason::WebLoginRequired);
    }
    if t.contains("too many simultaneous connections") {
        return blocked(BlockReason::TooManyConnections);
    }
    if t.contains("overquota") || t.contains("throttled") {
        return blocked(BlockReason::Throttled);
    }
    if t.contains("smtpclientauthentication is disabled") {
        return blocked(BlockReason::SmtpAuthDisabledByAdmin);
    }
    if t.contains("basic authentication is disabled")
        || t.contains("basic authentication is not supported")
        || t.contains("5.7.30")
        || (t.contains("5.7.139") && t.contains("basic authentication"))
    {
        return blocked(BlockReason::OauthRequired);
    }
    // Microsoft 365 answers a bare "LOGIN failed." to password sign-ins it will never allow.
    if t.trim_end_matches(['.', '"', ')'])
        .ends_with("login failed")
        && !t.contains("[auth")
    {
        return blocked(BlockReason::OauthRequired);
    }
    if t.contains("authenticationfailed")
        || t.contains("invalid credentials")
        || t.contains("5.7.8")
        || t.contains("5.7.3")
        || t.contains("authentication failed")
        || t.contains("authentication unsuccessful")
    {
        return Verdict::WrongCredentials;
    }
    // An [ALERT] we do not recognise is shown as the provider wrote it and never retried.
    if t.contains("[alert]") || t.contains("some(alert)") {
        return blocked(BlockReason::Other);
    }
    Verdict::WrongCredentials
}

/// The first http(s) URL in the text, without trailing punctuation.
pub fn find_url(text: &str) -> Option<String> {
    let start = text.find("https://").or_else(|| text.find("http://"))?;
    let url: String = text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && !"<>\"'\\]".contains(*c))
        .collect();
    let url = url.trim_end_matches(['.', ',', ')', ';']).to_string();
    (url.len() > "https://".len()).then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The answers from product.md, as the servers send them, and what each must mean.
    #[test]
    fn every_answer_in_the_product_table_is_recognised() {
        use BlockReason::*;
        let cases: &[(&str, Option<BlockReason>, Option<&str>)] = &[
            ("a1 NO [ALERT] Application-specific password required: https://support.google.com/accounts/answer/185833 (Failure)",
             Some(AppPasswordRequired), Some("https://support.google.com/accounts/answer/185833")),
            ("534-5.7.9 Application-specific password required. Learn more at\n534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor",
             Some(AppPasswordRequired), Some("https://support.google.com/mail/?p=InvalidSecondFactor")),
            ("a1 NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)", None, None),
            ("535-5.7.8 Username and Password not accepted. For more information, go to\n535 5.7.8  https://support.google.com/mail/?p=BadCredentials",
             None, None),
            ("a1 NO [ALERT] Please log in via your web browser: https://support.google.com/mail/accounts/answer/78754 (Failure)",
             Some(WebLoginRequired), Some("https://support.google.com/mail/accounts/answer/78754")),
            ("a1 NO [WEBALERT https://accounts.google.com/signin/continue?sarp=1] Web login required.",
             Some(WebLoginRequired), Some("https://accounts.google.com/signin/continue?sarp=1")),
            ("534-5.7.14 <https://accounts.google.com/signin/continue?x=1> Please log in via your web browser and\n534-5.7.14 then try again.",
             Some(WebLoginRequired), Some("https://accounts.google.com/signin/continue?x=1")),
            ("a1 NO [ALERT] Too many simultaneous connections. (Failure)", Some(TooManyConnections), None),
            ("a1 NO [OVERQUOTA] Account exceeded command or bandwidth limits.", Some(Throttled), None),
            ("a1 NO [THROTTLED] Account exceeded command or bandwidth limits.", Some(Throttled), None),
            ("a1 NO LOGIN failed.", Some(OauthRequired), None),
            ("a1 NO Basic authentication is disabled.", Some(OauthRequired), None),
            ("535 5.7.139 Authentication unsuccessful, basic authentication is disabled. [AM0PR10CA0001.EURPRD10.PROD.OUTLOOK.COM]",
             Some(OauthRequired), None),
            ("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.",
             Some(SmtpAuthDisabledByAdmin), Some("https://aka.ms/smtp_auth_disabled")),
            ("535 5.7.3 Authentication unsuccessful [SN4PR0601CA0002.namprd06.prod.outlook.com]", None, None),
            ("550 5.7.30 Basic authentication is not supported for Client Submission.", Some(OauthRequired), None),
        ];
        for (text, reason, url) in cases {
            let got = classify(text);
            match reason {
                None => assert_eq!(got, Verdict::WrongCredentials, "{text}"),
                Some(r) => assert_eq!(
                    got,
                    Verdict::Blocked {
                        reason: *r,
                        url: url.map(String::from)
                    },
                    "{text}"
                ),
            }
        }
    }

    /// async-imap renders a NO as `code: Some(Alert), info: Some("…")`; the same rules apply.
    #[test]
    fn library_renderings_of_a_no_answer_are_recognised() {
        let text = r#"no response: code: Some(Alert), info: Some("Application-specific password required: https://support.google.com/accounts/answer/185833 (Failure)")"#;
        assert_eq!(
            classify(text),
            Verdict::Blocked {
                reason: BlockReason::AppPasswordRequired,
                url: Some("https://support.google.com/accounts/answer/185833".into())
            }
        );
        let unknown = r#"no response: code: Some(Alert), info: Some("Your account is on hold")"#;
        assert!(matches!(
            classify(unknown),
            Verdict::Blocked {
                reason: BlockReason::Other,
                ..
            }
        ));
        // Dovecot's ordinary refusal.
        let dovecot = r#"no response: code: None, info: Some("[AUTHENTICATIONFAILED] Authentication failed.")"#;
        assert_eq!(classify(dovecot), Verdict::WrongCredentials);
    }
}
