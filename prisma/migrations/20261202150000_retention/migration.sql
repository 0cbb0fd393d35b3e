-- Retention (apps/worker pruner.ts, packages/db retention.repo.ts).
--
-- Finished deliveries by status and by when they finished (updated_at: a finished delivery
-- changes again only when replayed, which makes it pending). Partial, so the pending ones
-- (the rows that change most) never enter it, and each pruning batch is a range scan of the
-- oldest rows of one status. Prisma's schema cannot state a partial index: it lives here only,
-- and a migration generated with `prisma migrate diff` must not drop it.
CREATE INDEX "deliveries_finished_status_updated_at_idx" ON "deliveries"("status", "updated_at") WHERE "status" <> 'pending';

-- Events by age, oldest first: the pruner walks the events older than the window to find the
-- ones no delivery holds (an event nobody subscribed to has none), and /metrics reports the
-- age of the oldest one.
-- CreateIndex
CREATE INDEX "events_created_at_id_idx" ON "events"("created_at", "id");

-- Attempts by event: deleting an event makes PostgreSQL look for its attempts (the foreign
-- key attempts.event_id, ON DELETE CASCADE) and, without this, scan the whole table once per
-- event deleted.
-- CreateIndex
CREATE INDEX "attempts_event_id_idx" ON "attempts"("event_id");
