// Run after `prisma generate`: makes the generated client emit declarations under
// `tsc --declaration` with TypeScript 6 (prisma/orm#29549, still open for Prisma 6.19).
// The generator's `export const DbNull = runtime.objectEnumValues.instances.DbNull` (and
// JsonNull, AnyNull, and the `as const` objects holding them) have an anonymous class type
// with a native #private brand, which a .d.ts cannot spell (TS4094). Annotating them with
// the exact same types fixes the emit without changing any type. Idempotent.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const dir = path.join(import.meta.dirname, '..', 'src', 'generated', 'prisma', 'internal');
const NULLS = '(DbNull|JsonNull|AnyNull)';
let patched = 0;

for (const file of ['prismaNamespace.ts', 'prismaNamespaceBrowser.ts']) {
  const target = path.join(dir, file);
  if (!existsSync(target)) throw new Error(`patch-generated: ${target} is missing; run prisma generate first`);
  const before = readFileSync(target, 'utf8');
  const after = before
    // export const DbNull = runtime.objectEnumValues.instances.DbNull
    .replace(
      new RegExp(`^export const ${NULLS} = (runtime\\.objectEnumValues\\.instances\\.\\1)$`, 'gm'),
      (_, name, value) => `export const ${name}: typeof ${value} = ${value}`,
    )
    // export const JsonNullValueFilter = {\n  DbNull: DbNull,\n ... } as const
    .replace(
      new RegExp(`^export const (\\w+) = \\{\\n((?:  \\w+: ${NULLS},?\\n)+)\\} as const`, 'gm'),
      (_, name, body) => {
        const fields = [...body.matchAll(/(\w+): (\w+)/g)].map(([, key, value]) => `readonly ${key}: typeof ${value}`);
        return `export const ${name}: { ${fields.join('; ')} } = {\n${body}} as const`;
      },
    );
  if (after !== before) {
    writeFileSync(target, after);
    patched++;
  }
}
if (patched) console.log(`patch-generated: annotated the Prisma null types in ${patched} generated file(s)`);
