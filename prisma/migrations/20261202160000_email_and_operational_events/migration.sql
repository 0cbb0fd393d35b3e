-- Email as a second kind of delivery, and Herald's own operational events (herald.*).
-- A delivery is a webhook to an endpoint or an email to one recipient; both go through
-- the same outbox rows, retries, dead letters, replay and attempt log.
-- CreateEnum
CREATE TYPE "DeliveryKind" AS ENUM ('webhook', 'email');

-- AlterTable
ALTER TABLE "attempts" ALTER COLUMN "endpoint_id" DROP NOT NULL;

-- AlterTable
ALTER TABLE "deliveries" ADD COLUMN     "kind" "DeliveryKind" NOT NULL DEFAULT 'webhook',
ADD COLUMN     "recipient" TEXT,
ALTER COLUMN "endpoint_id" DROP NOT NULL;

-- AlterTable
ALTER TABLE "endpoints" ADD COLUMN     "failing_notice_for" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "event_types" ADD COLUMN     "email_enabled" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "email_subscribers" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- AlterTable
ALTER TABLE "tenants" ADD COLUMN     "primary_contact_email" TEXT;

-- CreateTable
CREATE TABLE "dead_notice_windows" (
    "endpoint_id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "opened_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "count" INTEGER NOT NULL,

    CONSTRAINT "dead_notice_windows_pkey" PRIMARY KEY ("endpoint_id")
);

-- CreateIndex
CREATE INDEX "dead_notice_windows_opened_at_idx" ON "dead_notice_windows"("opened_at");

-- CreateIndex
CREATE INDEX "deliveries_tenant_id_kind_id_idx" ON "deliveries"("tenant_id", "kind", "id");

-- AddForeignKey
ALTER TABLE "dead_notice_windows" ADD CONSTRAINT "dead_notice_windows_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "endpoints"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Exactly one target per delivery: an endpoint for a webhook, an address for an email.
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_kind_target_check"
  CHECK (("kind" = 'webhook' AND "endpoint_id" IS NOT NULL AND "recipient" IS NULL)
      OR ("kind" = 'email' AND "endpoint_id" IS NULL AND "recipient" IS NOT NULL));

-- Ingest caches who gets an email of each event type: the email settings and the
-- primary contact move the tenant's config_version too.
DROP TRIGGER "event_types_config_version" ON "event_types";
CREATE TRIGGER "event_types_config_version"
  AFTER INSERT OR DELETE OR UPDATE OF "schema", "name", "tenant_id", "email_enabled", "email_subscribers" ON "event_types"
  FOR EACH ROW EXECUTE FUNCTION "herald_bump_config_version"();

CREATE FUNCTION "herald_bump_own_config_version"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."primary_contact_email" IS DISTINCT FROM OLD."primary_contact_email" THEN
    NEW."config_version" := OLD."config_version" + 1;
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER "tenants_config_version"
  BEFORE UPDATE OF "primary_contact_email" ON "tenants"
  FOR EACH ROW EXECUTE FUNCTION "herald_bump_own_config_version"();

-- Every tenant has Herald's operational event types (read-only, like webhook.test);
-- herald.endpoint.disabled is emailed to the primary contact unless turned off.
INSERT INTO "event_types" ("tenant_id", "name", "description", "email_enabled", "created_at", "updated_at")
SELECT t."id", v."name", v."description", v."email_enabled", now(), now()
FROM "tenants" t CROSS JOIN (VALUES
  ('herald.endpoint.disabled', 'Herald disabled an endpoint (reason gone or failing).', true),
  ('herald.endpoint.failing', 'An endpoint has failed continuously for HERALD_FAILING_NOTICE_MS.', false),
  ('herald.endpoint.recovered', 'An endpoint reported failing delivered again.', false),
  ('herald.delivery.dead', 'Deliveries to an endpoint died (attempts exhausted); one per window, with the count.', false)
) AS v("name", "description", "email_enabled")
ON CONFLICT DO NOTHING;
