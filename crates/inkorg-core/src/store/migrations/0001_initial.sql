-- 0001: accounts, pinned certificates, folders with sync state, message headers.
-- Passwords are never stored here: they live in the OS keyring.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL DEFAULT '',
    imap_host     TEXT NOT NULL,
    imap_port     INTEGER NOT NULL CHECK (imap_port BETWEEN 1 AND 65535),
    imap_security TEXT NOT NULL CHECK (imap_security IN ('tls', 'starttls', 'none')),
    imap_user     TEXT NOT NULL,
    smtp_host     TEXT NOT NULL,
    smtp_port     INTEGER NOT NULL CHECK (smtp_port BETWEEN 1 AND 65535),
    smtp_security TEXT NOT NULL CHECK (smtp_security IN ('tls', 'starttls', 'none')),
    smtp_user     TEXT NOT NULL,
    -- 1 when the outgoing server has its own keyring entry.
    smtp_own_password INTEGER NOT NULL DEFAULT 0,
    ca_file       TEXT,
    created_at    INTEGER NOT NULL
) STRICT;

-- Certificates the person explicitly accepted, per host and port.
CREATE TABLE pinned_certs (
    host        TEXT NOT NULL,
    port        INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    accepted_at INTEGER NOT NULL,
    PRIMARY KEY (host, port)
) STRICT;

CREATE TABLE folders (
    id             INTEGER PRIMARY KEY,
    account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    delimiter      TEXT,
    special_use    TEXT,
    selectable     INTEGER NOT NULL DEFAULT 1,
    uidvalidity    INTEGER,
    uidnext        INTEGER,
    highestmodseq  INTEGER,
    last_sync      INTEGER,
    UNIQUE (account_id, name)
) STRICT;

CREATE TABLE messages (
    id             INTEGER PRIMARY KEY,
    folder_id      INTEGER NOT NULL REFERENCES folders (id) ON DELETE CASCADE,
    uid            INTEGER NOT NULL,
    flags          TEXT NOT NULL DEFAULT '',
    seen           INTEGER NOT NULL DEFAULT 0,
    flagged        INTEGER NOT NULL DEFAULT 0,
    from_name      TEXT NOT NULL DEFAULT '',
    from_addr      TEXT NOT NULL DEFAULT '',
    to_addrs       TEXT NOT NULL DEFAULT '',
    cc_addrs       TEXT NOT NULL DEFAULT '',
    subject        TEXT NOT NULL DEFAULT '',
    -- The Date header, or the server's INTERNALDATE when there is none (seconds since epoch).
    date           INTEGER NOT NULL,
    internal_date  INTEGER,
    size           INTEGER,
    message_id     TEXT,
    in_reply_to    TEXT,
    refs           TEXT NOT NULL DEFAULT '',
    snippet        TEXT,
    has_attachment INTEGER NOT NULL DEFAULT 0,
    modseq         INTEGER,
    UNIQUE (folder_id, uid)
) STRICT;

CREATE INDEX messages_newest_first ON messages (folder_id, date DESC, uid DESC);
CREATE INDEX messages_by_message_id ON messages (message_id);
