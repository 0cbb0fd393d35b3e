-- Ordered delivery (docs/architecture.md, "Ordered delivery"): a `fifo` endpoint's deliveries
-- carry an ordering key and a place on it, taken from one sequence at fan-out, backfill and
-- replay; the worker sends a delivery only when no earlier one on its key is pending.
-- AlterTable
ALTER TABLE "deliveries" ADD COLUMN     "order_broken_by" TEXT,
ADD COLUMN     "order_seq" BIGINT,
ADD COLUMN     "ordering_key" TEXT;

-- AlterTable
ALTER TABLE "endpoints" ADD COLUMN     "ordering" TEXT NOT NULL DEFAULT 'none';

-- AlterTable
ALTER TABLE "events" ADD COLUMN     "ordering_key" TEXT;

-- CreateIndex
CREATE INDEX "deliveries_endpoint_id_ordering_key_order_seq_idx" ON "deliveries"("endpoint_id", "ordering_key", "order_seq");

CREATE SEQUENCE "delivery_order_seq";

-- Ingest caches each endpoint's ordering (it decides whether a delivery gets a key).
DROP TRIGGER "endpoints_config_version" ON "endpoints";
CREATE TRIGGER "endpoints_config_version"
  AFTER INSERT OR DELETE OR UPDATE OF "enabled", "deleted_at", "events", "channels", "ordering", "max_attempts", "tenant_id" ON "endpoints"
  FOR EACH ROW EXECUTE FUNCTION "herald_bump_config_version"();
