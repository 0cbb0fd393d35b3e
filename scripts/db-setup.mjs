#!/usr/bin/env node
// Creates Herald's PostgreSQL database if it is missing and applies pending migrations
// (`prisma migrate deploy`, see prisma.config.ts). Used by `npm start`; needs the build
// (`npx turbo run build`) for packages/db/dist. Prints one line per step.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const log = (message) => process.stdout.write(`[db-setup] ${message}\n`);
const fail = (message) => {
  process.stderr.write(`[db-setup] ${message}\n`);
  process.exit(1);
};

// Variables already set in the environment win over .env; an empty value counts as unset.
const envFile = path.join(root, '.env');
if (existsSync(envFile)) process.loadEnvFile(envFile);

const migrateModule = path.join(root, 'packages', 'db', 'dist', 'migrate.js');
if (!existsSync(migrateModule)) fail('packages/db/dist is missing: run `npx turbo run build` first');
const { DEFAULT_DATABASE_URL, applyMigrations, databaseNameOf, ensureDatabase } = await import(
  pathToFileURL(migrateModule).href
);

const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;

/** The URL without its password, for messages. */
function redact(url) {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(invalid URL)';
  }
}

let name;
try {
  name = databaseNameOf(databaseUrl);
} catch (error) {
  fail(`DATABASE_URL: ${error.message}`);
}
try {
  const created = await ensureDatabase(databaseUrl);
  log(`database ${name} ${created ? 'created' : 'exists'} (${redact(databaseUrl)})`);
} catch (error) {
  fail(`cannot create or reach database ${name} (${redact(databaseUrl)}): ${error.message || error.code || error}`);
}
try {
  const { applied } = await applyMigrations(databaseUrl);
  log(applied.length > 0 ? `applied ${applied.length} migration(s): ${applied.join(', ')}` : 'migrations up to date');
} catch (error) {
  fail(`migrating ${name} failed: ${error.message}`);
}
