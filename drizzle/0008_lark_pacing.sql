-- Unlogged: scratch pacing state, no WAL flush per Lark call (lost on a crash, which only resets the pace).
CREATE UNLOGGED TABLE "lark_pacing" (
	"key" text PRIMARY KEY NOT NULL,
	"tat" timestamp with time zone NOT NULL
);
