-- The outbox list filtered by endpoint or by event type, newest first, as the console's
-- deliveries screen asks for it: without these, PostgreSQL walks the tenant's deliveries by
-- id until it has a page, and for a rare endpoint or type that is all of them
-- (bench/console-outbox.mjs shows the plans).
-- CreateIndex
CREATE INDEX "deliveries_tenant_id_endpoint_id_id_idx" ON "deliveries"("tenant_id", "endpoint_id", "id");

-- CreateIndex
CREATE INDEX "deliveries_tenant_id_event_type_id_idx" ON "deliveries"("tenant_id", "event_type", "id");
