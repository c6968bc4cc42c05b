CREATE TABLE "ops_alerts" (
	"kind" text PRIMARY KEY NOT NULL,
	"firing" boolean DEFAULT false NOT NULL,
	"notified" boolean DEFAULT false NOT NULL,
	"detail" text DEFAULT '' NOT NULL,
	"since" timestamp with time zone,
	"last_sent_at" timestamp with time zone,
	"updated_at" timestamp with time zone NOT NULL
);
