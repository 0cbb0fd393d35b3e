-- One delivery per (event, endpoint): ingest makes one per matching endpoint, replay reuses
-- the row, and backfill inserts ON CONFLICT DO NOTHING, so running it twice sends nothing
-- twice. The unique index also serves lookups by event id, which the old index did.
-- DropIndex
DROP INDEX "deliveries_event_id_idx";

-- CreateIndex
CREATE UNIQUE INDEX "deliveries_event_id_endpoint_id_key" ON "deliveries"("event_id", "endpoint_id");
