// Prisma CLI configuration. This machine cannot download Prisma's native engines, so the
// CLI runs its WASM schema engine (`engine: "js"`) through a pg driver adapter; see
// docs/development.md ("Prisma without its binary engines") and prisma/migrate-adapter.ts.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'prisma/config';
import { MigratePg } from './prisma/migrate-adapter.ts';

const root = path.dirname(fileURLToPath(import.meta.url));

// With a config file Prisma does not load .env itself. Variables already set win.
const envFile = path.join(root, '.env');
if (existsSync(envFile)) process.loadEnvFile(envFile);

// schema.prisma reads env("DATABASE_URL"): give it a value even without a database so
// `prisma generate` never fails (or tries to download an engine) for want of one.
process.env.DATABASE_URL ||= 'postgresql://postgres@127.0.0.1:5432/herald';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join(root, 'prisma', 'schema.prisma'),
  migrations: { path: path.join(root, 'prisma', 'migrations') },
  async adapter() {
    return new MigratePg(process.env.DATABASE_URL as string);
  },
});
