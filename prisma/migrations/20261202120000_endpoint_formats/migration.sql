-- Per-endpoint delivery formats (signature scheme, body, envelope version), the
-- ed25519 key pair of standard-webhooks-ed25519 endpoints, tenants' external ids,
-- the last HTTP status on endpoints and the format each attempt was sent in.

-- Each attempt records how its body was built, so the outbox shows the exact body
-- sent; attempts made before this migration were all the 2025-01-01 envelope (null).
ALTER TABLE "attempts" ADD COLUMN     "request_format" JSONB;

-- Existing endpoints keep what they were getting: Standard Webhooks v1 over the
-- 2025-01-01 envelope. New endpoints get the newest version from the api, so the
-- column keeps no default.
ALTER TABLE "endpoints" ADD COLUMN     "body_format" TEXT NOT NULL DEFAULT 'envelope',
ADD COLUMN     "last_response_status" INTEGER,
ADD COLUMN     "previous_signing_key_ciphertext" TEXT,
ADD COLUMN     "schema_version" TEXT NOT NULL DEFAULT '2025-01-01',
ADD COLUMN     "signature" JSONB NOT NULL DEFAULT '{"scheme": "standard-webhooks"}',
ADD COLUMN     "signing_key_ciphertext" TEXT,
ADD COLUMN     "signing_public_key" TEXT;
ALTER TABLE "endpoints" ALTER COLUMN "schema_version" DROP DEFAULT;

-- The envelope version is the endpoint's now, not the event's (HERALD_SCHEMA_VERSION
-- no longer exists; docs/operations.md, "Envelope versions").
ALTER TABLE "events" DROP COLUMN "schema_version";

ALTER TABLE "tenants" ADD COLUMN     "external_id" TEXT;
