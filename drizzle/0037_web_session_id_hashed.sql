-- A session's id is kept as its SHA-256 (hex), never as written in the cookie: a database dump (a backup
-- holds one, beside the session key) then names no session a forged cookie could claim.
UPDATE "web_sessions" SET "id" = encode(sha256(convert_to("id", 'UTF8')), 'hex');
