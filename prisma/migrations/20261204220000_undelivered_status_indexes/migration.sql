-- Delivered rows leave three indexes of deliveries that are there to find the other ones.
--
-- A delivery's status changes when it is delivered, and a status change is never a HOT update
-- (status is indexed), so every delivery the worker records as delivered writes a new entry into
-- every index of the table. Three of those indexes are there to find rows that delivered ones are
-- not:
--
-- - (tenant_id, status, id) lists a tenant's deliveries of one status (the outbox filter). Most
--   rows are delivered, so a list of delivered ones walks (tenant_id, id) and finds one at almost
--   every step; the index is needed for the rare statuses (pending, dead, cancelled).
-- - (endpoint_id, status) finds an endpoint's pending deliveries (to turn them dead or cancelled
--   when it is disabled or deleted, to count them before its ordering changes) and its dead ones
--   (its hourly figures). Its stats count delivered ones by (tenant_id, endpoint_id, id).
-- - (tenant_id, kind, id) lists a tenant's deliveries of one kind. Webhooks are most rows, emails
--   few: only emails need an index; webhooks are listed by (tenant_id, id).
--
-- Measured in isolation (20,000 deliveries inserted in statements of 100, then marked delivered
-- in statements of 32, three interleaved rounds): marking one delivered cost PostgreSQL 64-81 us
-- of CPU before, 42-60 us after; inserting one, the same (31-39 us). With the benchmark's
-- throughput scenario in batches of 100 (the same services and database, these three indexes
-- swapped between interleaved runs of 9,000 events, to 1 and to 100 endpoints, 13 pairs):
-- PostgreSQL CPU per delivered event lower in 13 of 13 (by 2-18 %, median 10 %), the rate higher
-- in 11 of 13 (median +10 %).
--
-- A partial index serves a query only when PostgreSQL sees the query's value while planning:
-- the queries that filter on these columns write it out or pass it as a parameter of the
-- column's own type (`$1::"DeliveryStatus"`), not as text cast to it as Prisma's own filters do,
-- so the outbox list (packages/db deliveries.repo.ts listDeliveries) and an endpoint's deletion
-- (endpoints.repo.ts deleteEndpoint) send SQL of their own.
--
-- Prisma's schema cannot state a partial index: they live here only (see the comment in
-- schema.prisma), and a migration generated with `prisma migrate diff` must not drop them.
--
-- Built without CONCURRENTLY (a migration runs in a transaction): on a large deliveries table,
-- writes to it wait while the three indexes are built.
DROP INDEX "deliveries_tenant_id_status_id_idx";
DROP INDEX "deliveries_endpoint_id_status_idx";
DROP INDEX "deliveries_tenant_id_kind_id_idx";
CREATE INDEX "deliveries_tenant_id_status_id_undelivered_idx" ON "deliveries"("tenant_id", "status", "id") WHERE "status" <> 'delivered';
CREATE INDEX "deliveries_endpoint_id_status_undelivered_idx" ON "deliveries"("endpoint_id", "status") WHERE "status" <> 'delivered';
CREATE INDEX "deliveries_tenant_id_email_id_idx" ON "deliveries"("tenant_id", "id") WHERE "kind" = 'email';
