import { Option, type Command } from 'commander';
import type { EndpointOut } from '@herald/schemas';
import { nonBlankArgument } from '../arguments.js';
import type { CommandContext } from '../context.js';
import { formatTable, formatTime, type Column } from '../table.js';

/** Endpoints of a tenant are few; this bounds a runaway listing all the same. */
export const MAX_ENDPOINTS = 10_000;

/** `enabled`, or `disabled (gone)`. */
export function endpointState(endpoint: Pick<EndpointOut, 'enabled' | 'disabled_reason'>): string {
  if (endpoint.enabled) return 'enabled';
  return endpoint.disabled_reason ? `disabled (${endpoint.disabled_reason})` : 'disabled';
}

const COLUMNS: Column<EndpointOut>[] = [
  { header: 'ID', value: (e) => e.id },
  { header: 'NAME', value: (e) => e.name, maxWidth: 24 },
  { header: 'URL', value: (e) => e.url, maxWidth: 48 },
  { header: 'EVENTS', value: (e) => e.events.join(','), maxWidth: 32 },
  { header: 'CHANNELS', value: (e) => (e.channels.length > 0 ? e.channels.join(',') : '*'), maxWidth: 32 },
  { header: 'STATE', value: endpointState },
  { header: 'SIGNATURE', value: (e) => e.signature.scheme },
  {
    header: 'LAST DELIVERY',
    value: (e) =>
      e.last_delivery_at
        ? `${e.last_delivery_status ?? '?'}${e.last_response_status === null ? '' : ` (HTTP ${e.last_response_status})`} ${formatTime(e.last_delivery_at)}`
        : null,
  },
];

/** `herald endpoints list`. */
export function registerEndpointCommands(program: Command, contextOf: (command: Command) => CommandContext): void {
  const endpoints = program.command('endpoints').description("a tenant's endpoints (subscriptions)");

  endpoints
    .command('list')
    .description('list endpoints, newest first')
    .addOption(new Option('--enabled <state>', 'only enabled (true) or disabled (false) endpoints').choices(['true', 'false']))
    .option('--event-type <type>', 'only endpoints subscribed to this event type', nonBlankArgument)
    .option('--channel <channel>', 'only endpoints that list this channel', nonBlankArgument)
    .action(async (options: { enabled?: 'true' | 'false'; eventType?: string; channel?: string }, command: Command) => {
      const ctx = contextOf(command);
      const page = await ctx
        .api()
        .list<EndpointOut>('/api/v1/endpoints', { enabled: options.enabled, event_type: options.eventType, channel: options.channel }, MAX_ENDPOINTS);
      if (ctx.json) return ctx.printJson({ data: page.data });
      if (page.data.length === 0) return ctx.out('No endpoints match.');
      ctx.out(formatTable(COLUMNS, page.data));
    });
}
