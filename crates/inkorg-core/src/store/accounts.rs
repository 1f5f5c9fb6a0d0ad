//! Accounts (never their passwords), the person's own settings and pinned certificates.

use rusqlite::{params, OptionalExtension};

use super::*;

impl Db {
    // ---- accounts -------------------------------------------------------------------------

    pub fn account(&self) -> Result<Option<StoredAccount>> {
        let row = self
            .conn
            .query_row(
                "SELECT id, email, display_name, imap_host, imap_port, imap_security, imap_user,
                        smtp_host, smtp_port, smtp_security, smtp_user, smtp_own_password, ca_file,
                        plaintext_consent
                 FROM accounts ORDER BY id LIMIT 1",
                [],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        (
                            r.get::<_, String>(3)?,
                            r.get::<_, u16>(4)?,
                            r.get::<_, String>(5)?,
                            r.get::<_, String>(6)?,
                        ),
                        (
                            r.get::<_, String>(7)?,
                            r.get::<_, u16>(8)?,
                            r.get::<_, String>(9)?,
                            r.get::<_, String>(10)?,
                        ),
                        r.get::<_, bool>(11)?,
                        r.get::<_, Option<String>>(12)?,
                        r.get::<_, bool>(13)?,
                    ))
                },
            )
            .optional()?;
        let Some((id, email, display_name, imap, smtp, smtp_own_password, ca_file, plaintext)) =
            row
        else {
            return Ok(None);
        };
        let server =
            |(host, port, sec, user): (String, u16, String, String)| -> Result<ServerSettings> {
                Ok(ServerSettings {
                    host,
                    port,
                    security: sec.parse::<Security>()?,
                    username: user,
                })
            };
        Ok(Some(StoredAccount {
            id,
            settings: AccountSettings {
                email,
                display_name,
                imap: server(imap)?,
                smtp: server(smtp)?,
                ca_file: ca_file.map(PathBuf::from),
                allow_plaintext: plaintext,
            },
            smtp_own_password,
        }))
    }

    /// Saves the account (settings already validated), replacing one with the same address.
    pub fn save_account(&mut self, s: &AccountSettings, smtp_own_password: bool) -> Result<i64> {
        let ca = s.ca_file.as_ref().map(|p| p.to_string_lossy().into_owned());
        self.conn.execute(
            "INSERT INTO accounts (email, display_name, imap_host, imap_port, imap_security, imap_user,
                                   smtp_host, smtp_port, smtp_security, smtp_user, smtp_own_password,
                                   ca_file, plaintext_consent, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
             ON CONFLICT (email) DO UPDATE SET
                display_name = excluded.display_name,
                imap_host = excluded.imap_host, imap_port = excluded.imap_port,
                imap_security = excluded.imap_security, imap_user = excluded.imap_user,
                smtp_host = excluded.smtp_host, smtp_port = excluded.smtp_port,
                smtp_security = excluded.smtp_security, smtp_user = excluded.smtp_user,
                smtp_own_password = excluded.smtp_own_password, ca_file = excluded.ca_file,
                plaintext_consent = excluded.plaintext_consent",
            params![
                s.email,
                s.display_name,
                s.imap.host,
                s.imap.port,
                s.imap.security.to_string(),
                s.imap.username,
                s.smtp.host,
                s.smtp.port,
                s.smtp.security.to_string(),
                s.smtp.username,
                smtp_own_password,
                ca,
                s.allow_plaintext,
                now()
            ],
        )?;
        Ok(self.conn.query_row(
            "SELECT id FROM accounts WHERE email = ?1",
            params![s.email],
            |r| r.get(0),
        )?)
    }

    /// Deletes the account with its folders and messages.
    pub fn delete_account(&mut self, id: i64) -> Result<()> {
        self.conn
            .execute("DELETE FROM accounts WHERE id = ?1", params![id])?;
        Ok(())
    }

    // ---- personal settings -----------------------------------------------------------------

    /// The JSON stored under `key`, if any.
    pub fn preference(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT value FROM preferences WHERE key = ?1",
                params![key],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn set_preference(&self, key: &str, json: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO preferences (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, json],
        )?;
        Ok(())
    }

    /// My contact card: the name and the addresses in order (first is position 0).
    pub fn contact_card(&self) -> Result<(String, Vec<String>)> {
        let name: Option<String> = self
            .conn
            .query_row("SELECT name FROM contact_card WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?;
        let mut stmt = self
            .conn
            .prepare("SELECT address FROM contact_addresses ORDER BY position")?;
        let addresses = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok((name.unwrap_or_default(), addresses))
    }

    /// Replaces the contact card (addresses already validated and free of duplicates).
    pub fn set_contact_card(&mut self, name: &str, addresses: &[String]) -> Result<()> {
        // A savepoint, so this also works inside `in_transaction`.
        let tx = self.conn.savepoint()?;
        tx.execute(
            "INSERT INTO contact_card (id, name) VALUES (1, ?1)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name",
            params![name],
        )?;
        tx.execute("DELETE FROM contact_addresses", [])?;
        for (i, a) in addresses.iter().enumerate() {
            tx.execute(
                "INSERT INTO contact_addresses (position, address) VALUES (?1, ?2)",
                params![i as i64, a],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    // ---- pinned certificates -------------------------------------------------------------

    pub fn pin(&self, host: &str, port: u16, fingerprint: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO pinned_certs (host, port, fingerprint, accepted_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (host, port) DO UPDATE SET fingerprint = excluded.fingerprint,
                                                    accepted_at = excluded.accepted_at",
            params![host, port, fingerprint, now()],
        )?;
        Ok(())
    }

    pub fn pinned(&self, host: &str, port: u16) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT fingerprint FROM pinned_certs WHERE host = ?1 AND port = ?2",
                params![host, port],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn unpin(&self, host: &str, port: u16) -> Result<()> {
        self.conn.execute(
            "DELETE FROM pinned_certs WHERE host = ?1 AND port = ?2",
            params![host, port],
        )?;
        Ok(())
    }
}
