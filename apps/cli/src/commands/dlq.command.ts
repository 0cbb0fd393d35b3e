import type { Command } from 'commander';
import { DELIVERY_KINDS, type DeliveryKind, type DeliveryOut, type EndpointOut } from '@herald/schemas';
import { ApiRefusedError, type ApiClient } from '../api-client.js';
import { kindArgument, limitArgument, nonBlankArgument, replayTarget, sinceArgument, type ReplayFlags, type ReplayTarget } from '../arguments.js';
import { confirm } from '../confirm.js';
import type { CommandContext } from '../context.js';
import { CliError, ExitCode, usageError } from '../exit-codes.js';
import { Progress } from '../progress.js';
import { formatTable, formatTime, type Column } from '../table.js';
import { endpointState, MAX_ENDPOINTS } from './endpoints.command.js';

/** Counting before the prompt stops here and says "at least". */
export const MAX_COUNT = 10_000;

/** Refusals that concern one delivery (unknown, already pending, endpoint disabled); others (401, 403) end the run. */
const PER_DELIVERY_REFUSALS = new Set([400, 404, 409, 422]);

const DEAD_COLUMNS: Column<DeliveryOut>[] = [
  { header: 'ID', value: (d) => d.id },
  { header: 'EVENT TYPE', value: (d) => d.event_type, maxWidth: 32 },
  { header: 'KIND', value: (d) => d.kind },
  // A webhook's endpoint, an email's recipient.
  { header: 'TO', value: (d) => d.endpoint_id ?? d.recipient, maxWidth: 40 },
  { header: 'ATTEMPTS', value: (d) => `${d.attempts}/${d.max_attempts}`, align: 'right' },
  { header: 'LAST RESULT', value: (d) => lastResult(d), maxWidth: 48 },
  { header: 'CREATED', value: (d) => formatTime(d.created_at) },
];

/** `HTTP 500`, `timeout after 10000 ms`, or both; an email's `SMTP 550 …`. */
function lastResult(d: DeliveryOut): string | null {
  const status = d.last_response_status === null || d.kind === 'email' ? null : `HTTP ${d.last_response_status}`;
  const parts = [status, d.last_error].filter(Boolean);
  return parts.length > 0 ? [...new Set(parts)].join(': ') : null;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The api's outbox filter for dead deliveries. */
function deadFilter(target: { endpointId?: string; eventType?: string; channel?: string; since?: string; deliveryKind?: DeliveryKind }) {
  return { status: 'dead' as const, kind: target.deliveryKind, endpoint_id: target.endpointId, event_type: target.eventType, channel: target.channel, since: target.since };
}

/** `of endpoint ep_1 with event type x created since …`, for the prompt. */
function describeFilter(target: Extract<ReplayTarget, { kind: 'filter' }>): string {
  return [
    target.endpointId ? `of endpoint ${target.endpointId}` : 'of all endpoints',
    target.eventType ? `with event type ${target.eventType}` : null,
    target.since ? `created since ${formatTime(target.since)}` : null,
  ]
    .filter(Boolean)
    .join(' ');
}

/**
 * How many dead deliveries the bulk replay would take: the api skips those
 * of disabled or deleted endpoints, so they are counted apart.
 */
async function countReplayable(api: ApiClient, target: Extract<ReplayTarget, { kind: 'filter' }>) {
  const [dead, enabled] = await Promise.all([
    api.list<DeliveryOut>('/api/v1/outbox', deadFilter(target), MAX_COUNT),
    api.list<EndpointOut>('/api/v1/endpoints', { enabled: 'true' }, MAX_ENDPOINTS),
  ]);
  const live = new Set(enabled.data.map((e) => e.id));
  // Emails have no endpoint: the api replays them whenever email is configured.
  const replayable = dead.data.filter((d) => d.endpoint_id === null || live.has(d.endpoint_id)).length;
  return { replayable, skipped: dead.data.length - replayable, atLeast: dead.next_cursor !== null };
}

async function askOrAbort(ctx: CommandContext, question: string): Promise<void> {
  if (!(await confirm(question, ctx.io.stdin, ctx.io.stderr))) throw usageError('not confirmed: nothing was replayed');
}

/** `--all` / `--endpoint`: one bulk request; prints `{ replayed }`. */
async function replayMatching(ctx: CommandContext, target: Extract<ReplayTarget, { kind: 'filter' }>, yes: boolean): Promise<void> {
  const api = ctx.api();
  if (target.endpointId) {
    // A typo should say "not found", not "replayed 0".
    const endpoint = await api.get<EndpointOut>(`/api/v1/endpoints/${encodeURIComponent(target.endpointId)}`);
    if (!endpoint.enabled) {
      ctx.note(`warning: endpoint ${endpoint.id} is ${endpointState(endpoint)}; its dead deliveries are replayed only once it is enabled again`);
    }
  }
  if (!yes) {
    const count = await countReplayable(api, target);
    if (count.skipped > 0) {
      ctx.note(`${plural(count.skipped, 'dead delivery belongs', 'dead deliveries belong')} to disabled or deleted endpoints and will not be replayed.`);
    }
    if (count.replayable === 0) {
      if (ctx.json) return ctx.printJson({ replayed: 0 });
      return ctx.out(`Nothing to replay: no dead deliveries ${describeFilter(target)}.`);
    }
    const n = `${count.atLeast ? 'at least ' : ''}${plural(count.replayable, 'dead delivery', 'dead deliveries')}`;
    await askOrAbort(ctx, `Replay ${n} ${describeFilter(target)}?`);
  }
  const { replayed } = await api.post<{ replayed: number }>('/api/v1/outbox/replay', deadFilter(target));
  if (ctx.json) return ctx.printJson({ replayed });
  ctx.out(replayed === 0 ? 'Nothing to replay.' : `Replayed ${plural(replayed, 'dead delivery', 'dead deliveries')}: queued for delivery now.`);
}

interface FailedReplay {
  id: string;
  status: number;
  code: string | null;
  message: string;
}

/** DELIVERY_ID...: one request each, with progress; failures are listed and the rest go on. */
async function replayIds(ctx: CommandContext, ids: string[], yes: boolean): Promise<void> {
  const api = ctx.api();
  if (!yes) await askOrAbort(ctx, `Replay ${plural(ids.length, 'delivery', 'deliveries')}?`);
  const progress = new Progress(ctx.io.stderr, ids.length, 'replaying');
  const failed: FailedReplay[] = [];
  let replayed = 0;
  for (const id of ids) {
    try {
      await api.post(`/api/v1/outbox/${encodeURIComponent(id)}/replay`);
      replayed += 1;
    } catch (error) {
      if (!(error instanceof ApiRefusedError) || !PER_DELIVERY_REFUSALS.has(error.status)) {
        progress.finish();
        if (replayed > 0) ctx.note(`${plural(replayed, 'delivery was', 'deliveries were')} queued before this error.`);
        throw error;
      }
      failed.push({ id, status: error.status, code: error.code, message: error.apiMessage });
      progress.log(`${id}: ${error.message}`);
    }
    progress.tick();
  }
  progress.finish();

  if (ctx.json) ctx.printJson({ replayed, failed });
  else ctx.out(`Replayed ${replayed} of ${plural(ids.length, 'delivery', 'deliveries')}${replayed > 0 ? ': queued for delivery now' : ''}.`);
  if (failed.length === 0) return;
  if (replayed === 0) throw new CliError(ExitCode.ApiRefused, `the api refused every replay (${failed.length})`);
  throw new CliError(ExitCode.PartialFailure, `${failed.length} of ${ids.length} replays failed`);
}

/** `herald dlq list` and `herald dlq replay`. */
export function registerDlqCommands(program: Command, contextOf: (command: Command) => CommandContext, now: () => Date): void {
  const dlq = program.command('dlq').description('dead letters: deliveries whose attempts ran out (or whose endpoint was disabled)');

  dlq
    .command('list')
    .description('list dead deliveries, newest first')
    .option('--endpoint <id>', 'only this endpoint (ep_...)', nonBlankArgument)
    .option('--event-type <type>', 'only this event type', nonBlankArgument)
    .option('--channel <channel>', "only this channel's events", nonBlankArgument)
    .option('--kind <kind>', `only this kind of delivery: ${DELIVERY_KINDS.join(' or ')}`, kindArgument)
    .option('--since <when>', 'only those created since: 30m, 2h, 7d or an ISO time', sinceArgument(now))
    .option('--limit <n>', 'at most this many', limitArgument, 100)
    .action(async (options: { endpoint?: string; eventType?: string; channel?: string; kind?: DeliveryKind; since?: string; limit: number }, command: Command) => {
      const ctx = contextOf(command);
      const filter = deadFilter({ endpointId: options.endpoint, eventType: options.eventType, channel: options.channel, since: options.since, deliveryKind: options.kind });
      const page = await ctx.api().list<DeliveryOut>('/api/v1/outbox', filter, options.limit);
      if (ctx.json) return ctx.printJson(page);
      if (page.data.length === 0) return ctx.out('No dead deliveries match.');
      ctx.out(formatTable(DEAD_COLUMNS, page.data));
      if (page.next_cursor) ctx.note(`Showing the newest ${page.data.length}; more match (--limit takes up to 10000).`);
    });

  dlq
    .command('replay')
    .description('replay dead deliveries: their attempts restart at 0 and they are queued at once')
    .argument('[delivery_ids...]', 'deliveries to replay, one request each (dlv_...)')
    .option('--all', 'every dead delivery of the tenant (one request)')
    .option('--endpoint <id>', "an endpoint's dead deliveries (one request)", nonBlankArgument)
    .option('--event-type <type>', 'with --all or --endpoint: only this event type', nonBlankArgument)
    .option('--since <when>', 'with --all or --endpoint: only those created since (30m, 2h, 7d or an ISO time)', sinceArgument(now))
    .option('-y, --yes', 'replay without asking (required when stdin is not a terminal)')
    .addHelpText(
      'after',
      '\nAsks first, showing how many will be replayed. Exits 4 when some of the given deliveries could not be replayed.',
    )
    .action(async (ids: string[], options: ReplayFlags & { yes?: boolean }, command: Command) => {
      const target = replayTarget(ids, options);
      const ctx = contextOf(command);
      const yes = options.yes === true;
      if (!yes && !ctx.io.stdin.isTTY) {
        throw usageError('not replaying without confirmation: stdin is not a terminal', 'pass --yes to replay without being asked');
      }
      if (target.kind === 'ids') await replayIds(ctx, target.ids, yes);
      else await replayMatching(ctx, target, yes);
    });
}
