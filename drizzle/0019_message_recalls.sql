-- Recalls (撤回): message_recalls keeps every recall Lark tells (whether or not the bot saw the message).
-- Hand-written below the generated table: the insert triggers that mark a message or material arriving
-- after its recall (usecases/recall-message.ts takes the same lock).
CREATE TABLE "message_recalls" (
	"message_id" text NOT NULL,
	"chat_id" text NOT NULL,
	"recalled_at" timestamp with time zone NOT NULL,
	"recall_type" text,
	"recorded_at" timestamp with time zone NOT NULL,
	CONSTRAINT "message_recalls_pkey" PRIMARY KEY("message_id","chat_id")
);

--> statement-breakpoint
-- A message or material inserted after its message was recalled (撤回) is marked at once, whoever inserts
-- it: a material `recalled` (and the insert queues no download for it), a message without its text. The
-- advisory lock is the one usecases/recall-message.ts takes first: whichever of the recall and the capture
-- comes second waits for the other and then sees it (each statement below reads a new snapshot).
-- Keyed by the top-level message: a merged forward's children follow their forward.
CREATE FUNCTION recalled_material_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('recall:' || coalesce(NEW.forward_root_id, NEW.message_id)));
  IF EXISTS (SELECT 1 FROM message_recalls r
             WHERE r.message_id = coalesce(NEW.forward_root_id, NEW.message_id) AND r.chat_id = NEW.chat_id) THEN
    NEW.status := 'recalled';
    NEW.caption := NULL;
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER materials_recalled BEFORE INSERT ON materials
  FOR EACH ROW EXECUTE FUNCTION recalled_material_on_insert();
--> statement-breakpoint
CREATE FUNCTION recalled_message_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('recall:' || coalesce(NEW.forward_root_id, NEW.message_id)));
  IF NEW.text IS NOT NULL AND EXISTS (SELECT 1 FROM message_recalls r
             WHERE r.message_id = coalesce(NEW.forward_root_id, NEW.message_id) AND r.chat_id = NEW.chat_id) THEN
    NEW.text := NULL;
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER messages_recalled BEFORE INSERT ON messages
  FOR EACH ROW EXECUTE FUNCTION recalled_message_on_insert();
