-- Foreign keys the hot inserts no longer check: the ones another key already implies.
--
-- Each foreign key check on an insert locks the parent row (FOR KEY SHARE). Every attempt
-- checked its tenant, endpoint and event besides its delivery, and every delivery its tenant
-- besides its event: a busy tenant's row, and a busy endpoint's, were locked by every
-- statement of ingest and of the worker's attempt writer at once, which PostgreSQL records in
-- shared lock groups (multixacts) rebuilt at each new locker. Measured with `npm run bench`
-- (8,000 events, interleaved): 1 endpoint 976 -> 1,373 events/s single and 1,071 -> 2,040 in
-- batches, 100 endpoints 1,324 -> 1,518 and 2,141 -> 2,341; PostgreSQL CPU per event lower in
-- every mode.
--
-- What they guaranteed still holds:
-- - an attempt's delivery exists (attempts_delivery_id_fkey), and that delivery's event and
--   endpoint exist (deliveries_event_id_fkey, deliveries_endpoint_id_fkey); the worker copies
--   tenant_id, endpoint_id and event_id from the delivery it read;
-- - a delivery's event exists, and the event's tenant (events_tenant_id_fkey);
-- - deleting a tenant still removes everything: its events cascade to their deliveries, and
--   those to their attempts. Endpoints are never deleted but with their tenant (an endpoint
--   DELETE sets deleted_at).
-- Prisma's schema still declares these relations (the client joins through them); a migration
-- generated with `prisma migrate diff` must not add the constraints back.
ALTER TABLE "attempts" DROP CONSTRAINT "attempts_tenant_id_fkey";
ALTER TABLE "attempts" DROP CONSTRAINT "attempts_endpoint_id_fkey";
ALTER TABLE "attempts" DROP CONSTRAINT "attempts_event_id_fkey";
ALTER TABLE "deliveries" DROP CONSTRAINT "deliveries_tenant_id_fkey";

-- It served the cascade through attempts_event_id_fkey (deleting an event looked up its
-- attempts); attempts now go with their delivery (attempts_delivery_id_idx).
DROP INDEX "attempts_event_id_idx";
