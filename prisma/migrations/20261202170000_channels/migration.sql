-- Channels scope events and endpoints per app: an endpoint receives an event when its
-- event filter matches and it has no channels or shares one with the event
-- (packages/schemas channels.ts). Deliveries carry their event's channels so the
-- outbox, stats and replay filter by channel without a join.
-- AlterTable
ALTER TABLE "deliveries" ADD COLUMN     "channels" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- AlterTable
ALTER TABLE "endpoints" ADD COLUMN     "channels" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- AlterTable
ALTER TABLE "events" ADD COLUMN     "channels" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateIndex
CREATE INDEX "deliveries_channels_idx" ON "deliveries" USING GIN ("channels");

-- Ingest caches endpoints' channels with their filters: a change must move config_version.
DROP TRIGGER "endpoints_config_version" ON "endpoints";
CREATE TRIGGER "endpoints_config_version"
  AFTER INSERT OR DELETE OR UPDATE OF "enabled", "deleted_at", "events", "channels", "max_attempts", "tenant_id" ON "endpoints"
  FOR EACH ROW EXECUTE FUNCTION "herald_bump_config_version"();
