CREATE TABLE "transfer_package_changes" (
	"package_id" bigint NOT NULL,
	"record_id" bigint NOT NULL,
	CONSTRAINT "transfer_package_changes_package_id_record_id_pk" PRIMARY KEY("package_id","record_id")
);
--> statement-breakpoint
CREATE TABLE "transfer_package_units" (
	"unit_id" bigint NOT NULL,
	"package_id" bigint NOT NULL,
	CONSTRAINT "transfer_package_units_unit_id_package_id_pk" PRIMARY KEY("unit_id","package_id")
);
--> statement-breakpoint
ALTER TABLE "transfer_package_changes" ADD CONSTRAINT "transfer_package_changes_package_id_transfer_packages_id_fk" FOREIGN KEY ("package_id") REFERENCES "public"."transfer_packages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transfer_package_changes" ADD CONSTRAINT "transfer_package_changes_record_id_archive_records_id_fk" FOREIGN KEY ("record_id") REFERENCES "public"."archive_records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transfer_package_units" ADD CONSTRAINT "transfer_package_units_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transfer_package_units" ADD CONSTRAINT "transfer_package_units_package_id_transfer_packages_id_fk" FOREIGN KEY ("package_id") REFERENCES "public"."transfer_packages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "transfer_package_changes_record_idx" ON "transfer_package_changes" USING btree ("record_id");--> statement-breakpoint
CREATE INDEX "transfer_package_units_package_idx" ON "transfer_package_units" USING btree ("package_id");--> statement-breakpoint
-- The packages recorded so far: the units whose 件 each carried.
INSERT INTO "transfer_package_units" ("unit_id", "package_id")
SELECT DISTINCT ar.unit_id, r.package_id
FROM "transfer_package_records" r JOIN "archive_records" ar ON ar.id = r.record_id;--> statement-breakpoint
-- Every 移交包 so far stated all the 移交后变更 of its scope: each counts as stated by the first of them.
INSERT INTO "transfer_package_changes" ("package_id", "record_id")
SELECT DISTINCT ON (ar.id) p.id, ar.id
FROM "archive_records" ar
  JOIN "units" au ON au.id = ar.unit_id
  JOIN "transfer_packages" p ON NOT p.pre_check AND p.year = ar.year AND p.created_at > ar.withdrawn_at
  JOIN "units" pu ON pu.id = p.unit_id AND au.path LIKE pu.path || '%'
WHERE ar.status = 'withdrawn' AND EXISTS (
  SELECT 1 FROM "transfer_package_records" r JOIN "transfer_packages" q ON q.id = r.package_id
  WHERE r.record_id = ar.id AND NOT q.pre_check AND ar.withdrawn_at >= q.created_at)
ORDER BY ar.id, p.created_at, p.id;
