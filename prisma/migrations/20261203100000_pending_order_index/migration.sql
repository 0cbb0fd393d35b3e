-- The fifo check reads only the pending deliveries of a key.
--
-- Before sending, a fifo delivery asks whether an earlier delivery on its (endpoint, ordering
-- key) is still pending, and a finished one looks for the earliest pending one to hand the
-- turn to (packages/db order.repo.ts). The index they used held every ordered delivery, so
-- both walked the key's delivered history to reach its pending rows (or, planned generically,
-- the endpoint's whole backlog through (endpoint_id, status)); and each parked job asks again
-- every HERALD_FIFO_RECHECK_MS. Measured with `npm run bench` (phase ordering, 3,000 events on
-- one key per run): the second run on the same endpoint delivered 579 of 3,000 in 3 minutes,
-- each check taking 0.3-1.5 s; a check read 6,001 rows with 5,000 delivered and 500 pending on
-- the key (apps/worker fifo-turns.int.test.ts). Holding only pending ordered deliveries, the
-- index answers both with its first entry on the key, whatever the history, and stays as
-- small as the backlog.
--
-- Prisma's schema cannot state a partial index: it lives here only (see the comment in
-- schema.prisma), and a migration generated with `prisma migrate diff` must not drop it. The
-- queries repeat its predicate.
DROP INDEX "deliveries_endpoint_id_ordering_key_order_seq_idx";
CREATE INDEX "deliveries_pending_order_idx" ON "deliveries"("endpoint_id", "ordering_key", "order_seq") WHERE "ordering_key" IS NOT NULL AND "status" = 'pending';
