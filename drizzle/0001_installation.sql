CREATE TABLE "installation" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"install_id" text NOT NULL,
	"installed_at" timestamp with time zone NOT NULL
);
