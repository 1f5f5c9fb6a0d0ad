-- 0008: the outbox (every message the person sends, until it is in Sent) and drafts.

-- One row per message to send. The bytes are rendered once, when the person presses Send,
-- and stored here (the person's own copy, with Bcc; the SMTP server gets them without it).
-- state: queued (waiting for send_at: the undo delay or "send later") → sending (the SMTP
-- transaction has begun) → sent (the server accepted it; the copy for Sent is next) and the
-- row is deleted once that copy is saved. 'uncertain': the program stopped between handing
-- the message over and hearing the answer, and it was not found afterwards; it waits for
-- the person. 'failed': refused for good (5.x.x), with the provider's words.
CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    message_id    TEXT NOT NULL,
    state         TEXT NOT NULL
                  CHECK (state IN ('queued', 'sending', 'sent', 'uncertain', 'failed')),
    send_at       INTEGER NOT NULL,
    queued_at     INTEGER NOT NULL,
    subject       TEXT NOT NULL,
    -- The To line as a person reads it, for the Utkorg list.
    to_display    TEXT NOT NULL,
    envelope_from TEXT NOT NULL,
    -- Every envelope recipient (To, Cc, Bcc), one per line.
    recipients    TEXT NOT NULL,
    raw           BLOB NOT NULL,
    -- Save a copy in Sent (the setting when queued; off where the provider saves it).
    save_copy     INTEGER NOT NULL,
    -- The message this answers or forwards (messages.id) and the flag it gets once sent.
    replied_row   INTEGER,
    replied_flag  TEXT,
    -- The draft this was written in: deleted, here and in Drafts, once the message is sent.
    draft_id      INTEGER,
    -- When the content began to be written (0: not in this try): from then on the server may
    -- have the message.
    handed_over   INTEGER NOT NULL DEFAULT 0,
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_try_at   INTEGER,
    error_kind    TEXT,
    last_error    TEXT,
    server_text   TEXT,
    sent_at       INTEGER
) STRICT;

CREATE INDEX outbox_due ON outbox (account_id, state, send_at);

-- Drafts, saved a few seconds after each change. The text fields are one JSON object (to,
-- cc, bcc, subject, html, thread); attachments are rows of their own, written once when
-- added. The version in the Drafts folder carries the draft's own Message-ID, so the
-- previous version there is found and replaced without UIDPLUS.
CREATE TABLE drafts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    message_id   TEXT NOT NULL,
    fields       TEXT NOT NULL,
    updated_at   INTEGER NOT NULL,
    -- Bumped by every change; `uploaded` is the revision the Drafts folder has.
    revision     INTEGER NOT NULL DEFAULT 1,
    uploaded     INTEGER NOT NULL DEFAULT 0,
    -- Sent or discarded: the local row goes once its copy in Drafts is removed.
    gone         INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE draft_attachments (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    draft_id  INTEGER NOT NULL REFERENCES drafts (id) ON DELETE CASCADE,
    name      TEXT NOT NULL,
    mime_type TEXT NOT NULL,
    bytes     BLOB NOT NULL
) STRICT;

CREATE INDEX draft_attachments_by_draft ON draft_attachments (draft_id);
