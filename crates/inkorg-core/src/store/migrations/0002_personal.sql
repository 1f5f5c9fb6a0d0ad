-- 0002: the person's own settings in this profile: Email options (General) and "my contact
-- card". They belong to the person, not to the account: removing the account keeps them.

-- One row per group of settings; the value is JSON so that a new option needs no migration.
CREATE TABLE preferences (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- My contact card: a name and an ordered list of email addresses. Sending needs the account's
-- address to be the first one (position 0).
CREATE TABLE contact_card (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE contact_addresses (
    position INTEGER PRIMARY KEY CHECK (position >= 0),
    address  TEXT NOT NULL UNIQUE COLLATE NOCASE
) STRICT;
