-- 0006: the folder pane's unread counts without reading every message: at 100,000 messages a
-- count of `seen = 0` rows scanned the whole folder (about 25 ms, several times per sync).
CREATE INDEX messages_unread ON messages (folder_id) WHERE seen = 0;
