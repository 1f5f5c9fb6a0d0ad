-- 0004: the queue of the person's actions (read, flag, move, delete) that the server has not
-- applied yet. The local rows change at once, in the same transaction as the queue entry; the
-- account loop replays the queue in order (lowest id first) and deletes each entry once the
-- server confirmed it.
CREATE TABLE actions (
    -- AUTOINCREMENT: an id is never used twice, since a message moved locally waits in its
    -- new folder under the UID minus-this-id until that folder's sync finds it.
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('flags', 'move', 'expunge')),
    -- messages.id when the action was taken (no foreign key: the row may be gone by replay).
    message_row  INTEGER,
    -- Where the message is on the server: folder (server name), UIDVALIDITY and UID. A UID of 0
    -- means "not known yet" (the message was moved here locally): replay reads it from the row.
    folder       TEXT NOT NULL,
    uidvalidity  INTEGER NOT NULL DEFAULT 0,
    uid          INTEGER NOT NULL,
    add_flags    TEXT NOT NULL DEFAULT '',
    remove_flags TEXT NOT NULL DEFAULT '',
    -- The folder a move goes to (server name).
    target       TEXT,
    message_id   TEXT,
    created_at   INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT
) STRICT;

CREATE INDEX actions_by_row ON actions (message_row);
CREATE INDEX actions_by_source ON actions (folder, uid);
