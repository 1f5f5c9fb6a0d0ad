-- 0003: a server without encryption is used only after the person confirmed the risk in
-- Advanced settings (or with the CLI's --allow-plaintext); that yes is kept with the account.
-- Accounts saved before this schema never gave it, so they start without it.

ALTER TABLE accounts ADD COLUMN plaintext_consent INTEGER NOT NULL DEFAULT 0
    CHECK (plaintext_consent IN (0, 1));
