-- 0007: message bodies kept for reading (a second open and offline reading are instant), and
-- the senders whose remote content the person chose to always show.

-- The raw RFC 5322 bytes as the server sent them (BODY.PEEK[]); parsed when shown. Keyed by
-- the message's local id, so a message moved locally keeps its body; removed with it.
CREATE TABLE bodies (
    message_id INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    raw        BLOB NOT NULL,
    size       INTEGER NOT NULL,
    fetched_at INTEGER NOT NULL
) STRICT;

-- "Visa alltid från avsändaren": remote content is shown for mail from these addresses
-- (lowercase). Revocable in Email options.
CREATE TABLE remote_content_senders (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    address    TEXT NOT NULL,
    allowed_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, address)
) STRICT;
