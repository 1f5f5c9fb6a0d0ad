-- 0005: which folders the person follows (Email options, Folders). A folder not followed is
-- not synced and not in the folder pane; the mail already stored stays. Every folder starts
-- followed, whatever the server's own subscription list says (many servers list nothing for
-- folders another program made). `subscription_pending` marks a change the server has not been
-- told yet: the account loop sends SUBSCRIBE or UNSUBSCRIBE and clears it.
ALTER TABLE folders ADD COLUMN subscribed INTEGER NOT NULL DEFAULT 1;
ALTER TABLE folders ADD COLUMN subscription_pending INTEGER NOT NULL DEFAULT 0;
