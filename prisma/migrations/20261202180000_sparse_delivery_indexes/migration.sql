-- Two indexes on deliveries made partial: each now holds only the rows it is there to find.
--
-- Most deliveries have no channels and no ordering key, so in the full indexes every such row
-- had the same key ('{}' in the GIN index; (endpoint, NULL, NULL) in the ordering one). Rows
-- with one key pile onto the same index pages: each delivery inserted by ingest and each one
-- moved on by the worker (a status change is never a HOT update) wrote to those pages, and on
-- an endpoint with many deliveries in flight they became the hot spot of the whole database.
-- Measured with `npm run bench` (one endpoint, 8,000 events in batches): PostgreSQL CPU per
-- event 436–801 µs before, 230–239 µs after.
--
-- Prisma's schema cannot state a partial index: they live here only (see the comment in
-- schema.prisma), and a migration generated with `prisma migrate diff` must not drop them.
-- The queries that use them repeat the predicate (packages/db order.repo.ts, outbox.repo.ts,
-- endpoints.repo.ts).

-- The outbox, stats and replay filter by channel.
DROP INDEX "deliveries_channels_idx";
CREATE INDEX "deliveries_channels_idx" ON "deliveries" USING GIN ("channels") WHERE "channels" <> '{}';

-- The FIFO check: the earliest pending delivery on an (endpoint, ordering key).
DROP INDEX "deliveries_endpoint_id_ordering_key_order_seq_idx";
CREATE INDEX "deliveries_endpoint_id_ordering_key_order_seq_idx" ON "deliveries"("endpoint_id", "ordering_key", "order_seq") WHERE "ordering_key" IS NOT NULL;
