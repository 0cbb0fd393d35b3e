import type { Command } from 'commander';
import type { EndpointOut, EndpointStatsOut } from '@herald/schemas';
import { nonBlankArgument, windowArgument } from '../arguments.js';
import type { CommandContext } from '../context.js';
import { formatPairs, formatTable, type Column } from '../table.js';
import { endpointState, MAX_ENDPOINTS } from './endpoints.command.js';

/** Stats requests in flight at once when listing every endpoint. */
const CONCURRENCY = 4;

type EndpointStatsRow = EndpointStatsOut & { endpoint_id: string; name: string; url: string; state: string };

/** `0.9523` as `95.2%`. */
function percent(rate: number | null): string | null {
  return rate === null ? null : `${(rate * 100).toFixed(1)}%`;
}

function ms(value: number | null): string | null {
  return value === null ? null : `${value} ms`;
}

const COLUMNS: Column<EndpointStatsRow>[] = [
  { header: 'ENDPOINT', value: (s) => s.endpoint_id },
  { header: 'NAME', value: (s) => s.name, maxWidth: 24 },
  { header: 'STATE', value: (s) => s.state },
  { header: 'DELIVERED', value: (s) => s.delivered, align: 'right' },
  { header: 'FAILED ATTEMPTS', value: (s) => s.failed_attempts, align: 'right' },
  { header: 'PENDING', value: (s) => s.pending, align: 'right' },
  { header: 'DEAD', value: (s) => s.dead, align: 'right' },
  { header: 'SUCCESS', value: (s) => percent(s.success_rate), align: 'right' },
  { header: 'P50', value: (s) => ms(s.p50_latency_ms), align: 'right' },
  { header: 'P99', value: (s) => ms(s.p99_latency_ms), align: 'right' },
];

/** `fn` over `items`, `limit` at a time, results in order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** `herald stats`: one endpoint's stats, or a row per endpoint. */
export function registerStatsCommand(program: Command, contextOf: (command: Command) => CommandContext): void {
  program
    .command('stats')
    .description('delivery stats over a window: for one endpoint, or a row per endpoint')
    .option('--endpoint <id>', 'only this endpoint (ep_...)', nonBlankArgument)
    .option('--window <window>', 'how far back: minutes, hours or days, up to 30d', windowArgument, '24h')
    .option('--channel <channel>', "only deliveries of this channel's events (without --endpoint: the endpoints listing it)", nonBlankArgument)
    .action(async (options: { endpoint?: string; window: string; channel?: string }, command: Command) => {
      const ctx = contextOf(command);
      const api = ctx.api();
      const statsOf = (id: string) =>
        api.get<EndpointStatsOut>(`/api/v1/endpoints/${encodeURIComponent(id)}/stats`, { window: options.window, channel: options.channel });

      if (options.endpoint) {
        const stats = { endpoint_id: options.endpoint, ...(await statsOf(options.endpoint)) };
        if (ctx.json) return ctx.printJson(stats);
        return ctx.out(
          formatPairs([
            ['endpoint', stats.endpoint_id],
            ['window', stats.window],
            ['delivered', stats.delivered],
            ['failed attempts', stats.failed_attempts],
            ['pending now', stats.pending],
            ['dead', stats.dead],
            ['success rate', percent(stats.success_rate)],
            ['p50 latency', ms(stats.p50_latency_ms)],
            ['p99 latency', ms(stats.p99_latency_ms)],
          ]),
        );
      }

      const endpoints = (await api.list<EndpointOut>('/api/v1/endpoints', { channel: options.channel }, MAX_ENDPOINTS)).data;
      const rows = await mapLimit(endpoints, CONCURRENCY, async (e): Promise<EndpointStatsRow> => ({
        endpoint_id: e.id,
        name: e.name,
        url: e.url,
        state: endpointState(e),
        ...(await statsOf(e.id)),
      }));
      if (ctx.json) return ctx.printJson({ window: options.window, data: rows });
      if (rows.length === 0) return ctx.out('No endpoints.');
      ctx.out(`Window: ${options.window}\n${formatTable(COLUMNS, rows)}`);
    });
}
