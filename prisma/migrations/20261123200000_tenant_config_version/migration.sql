-- A counter per tenant that moves whenever something ingest caches changes:
-- API keys (created, revoked, deleted), event types (created, schema changed,
-- deleted) and endpoints (created, enabled/disabled, deleted, filter or
-- max_attempts changed). Ingest caches keys, event types and fan-out targets
-- in memory and stores an event only if the counter is still the one its cache
-- was read at (checked inside the insert statement), so a stale cache can never
-- store an event against changed settings.
ALTER TABLE "tenants" ADD COLUMN "config_version" BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION "herald_bump_config_version"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    UPDATE "tenants" SET "config_version" = "config_version" + 1 WHERE "id" = OLD."tenant_id";
  ELSE
    UPDATE "tenants" SET "config_version" = "config_version" + 1 WHERE "id" = NEW."tenant_id";
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER "api_keys_config_version"
  AFTER INSERT OR DELETE OR UPDATE OF "revoked_at", "scope", "key_digest", "tenant_id" ON "api_keys"
  FOR EACH ROW EXECUTE FUNCTION "herald_bump_config_version"();

CREATE TRIGGER "event_types_config_version"
  AFTER INSERT OR DELETE OR UPDATE OF "schema", "name", "tenant_id" ON "event_types"
  FOR EACH ROW EXECUTE FUNCTION "herald_bump_config_version"();

CREATE TRIGGER "endpoints_config_version"
  AFTER INSERT OR DELETE OR UPDATE OF "enabled", "deleted_at", "events", "max_attempts", "tenant_id" ON "endpoints"
  FOR EACH ROW EXECUTE FUNCTION "herald_bump_config_version"();
