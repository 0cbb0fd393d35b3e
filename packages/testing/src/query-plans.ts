import type { Sql } from '@herald/db';

/** One node of a plan from `EXPLAIN (ANALYZE, FORMAT JSON)`. */
export type PlanNode = Record<string, unknown> & { Plans?: PlanNode[] };

/**
 * The plans of the statements `run` sends through `sql` (captured, not run), each prepared and
 * explained with ANALYZE (so the rows actually read) under `mode`. `force_generic_plan` is the
 * plan a named statement may settle on after five calls, made without its values; an unnamed
 * statement is planned once with its values (`force_custom_plan`). The values go in as pg would
 * send them: dates as ISO text, arrays as array literals. A statement that writes does write: run
 * it on rows where that is harmless.
 */
export async function explainStatements(sql: Sql, mode: 'force_generic_plan' | 'force_custom_plan', run: (sql: Sql) => Promise<unknown>): Promise<PlanNode[]> {
  const statements: { text: string; values: unknown[] }[] = [];
  // The repository functions read their first row: one with no fields reads as "nothing found".
  const capture = { query: async (config: (typeof statements)[number]) => (statements.push(config), { rows: [{}] }) };
  await run(capture as unknown as Sql);
  const client = await sql.connect();
  try {
    await client.query(`SET plan_cache_mode = ${mode}`);
    const plans: PlanNode[] = [];
    for (const [i, s] of statements.entries()) {
      const name = `herald_explained_${i}`;
      await client.query(`PREPARE ${name} AS ${s.text}`);
      try {
        const args = s.values.map((v) => (v === null ? 'NULL' : client.escapeLiteral(v instanceof Date ? v.toISOString() : Array.isArray(v) ? arrayLiteral(v) : String(v))));
        const { rows } = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE ${name}${args.length ? `(${args.join(', ')})` : ''}`);
        plans.push(rows[0]['QUERY PLAN'][0].Plan as PlanNode);
      } finally {
        await client.query(`DEALLOCATE ${name}`);
      }
    }
    return plans;
  } finally {
    await client.query('RESET plan_cache_mode');
    client.release();
  }
}

/** Rows a plan read from `relation` (returned, and removed by a filter or recheck), over every loop. */
export function rowsRead(plan: PlanNode, relation: string): number {
  let n = 0;
  const walk = (node: PlanNode) => {
    if (node['Relation Name'] === relation) {
      const loops = Number(node['Actual Loops'] ?? 1);
      n += (Number(node['Actual Rows'] ?? 0) + Number(node['Rows Removed by Filter'] ?? 0) + Number(node['Rows Removed by Index Recheck'] ?? 0)) * loops;
    }
    for (const child of node.Plans ?? []) walk(child);
  };
  walk(plan);
  return n;
}

/** An array value as PostgreSQL's array literal text: every element quoted (`"` and `\` escaped), null as NULL. */
function arrayLiteral(items: readonly unknown[]): string {
  return `{${items.map((item) => (item === null ? 'NULL' : `"${String(item).replace(/["\\]/g, '\\$&')}"`)).join(',')}}`;
}
