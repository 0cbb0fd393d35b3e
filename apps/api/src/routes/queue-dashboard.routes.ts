import { timingSafeEqual, createHash } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { AppError } from '@herald/core';
import { sendError } from '@herald/http';
import { endpointsWithWork, openEndpointQueue } from '@herald/queue';
import type { ApiDeps } from '../deps.js';

const BASE_PATH = '/admin/queues';
/** At most this many queues are shown (the endpoints with work, newest signal first is not tracked). */
const MAX_QUEUES = 500;

const sha256 = (value: string) => createHash('sha256').update(value).digest();

/**
 * The root token as a Bearer token, or as the password of HTTP Basic auth so
 * a browser can open the dashboard (it prompts; any user name).
 */
function rootGuard(rootToken: string) {
  const expected = sha256(rootToken);
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.get('authorization') ?? '';
    let given: string | null = null;
    const bearer = /^Bearer\s+(\S+)$/i.exec(header);
    const basic = /^Basic\s+(\S+)$/i.exec(header);
    if (bearer) given = bearer[1]!;
    else if (basic) given = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':').slice(1).join(':');
    if (given !== null && timingSafeEqual(sha256(given), expected)) return next();
    res.setHeader('WWW-Authenticate', 'Basic realm="Herald queues", charset="UTF-8"');
    sendError(res, new AppError('unauthorized', 'The queue dashboard needs the root token (Bearer, or as the Basic auth password).'));
  };
}

// What the dashboard's browser code reads (relative to BASE_PATH), and nothing else under /api:
// counts, states, ids, timings and errors. Not job logs, nor job schedulers (their templates
// carry job data), nor whatever a later bull-board adds.
const READABLE_API = [
  /^\/api\/queues$/,
  /^\/api\/redis\/stats$/,
  /^\/api\/queues\/[^/]+\/(?:metrics|workers|rate-limit|default-job-options|job-data-schema)$/,
  /^\/api\/queues\/[^/]+\/[^/]+$/,
  /^\/api\/queues\/[^/]+\/[^/]+\/flow$/,
];

/**
 * The root token manages tenants; it must not read their data nor make
 * deliveries. A job added, retried or promoted through the dashboard would be
 * delivered by the worker signed with the tenant's secret: a forged webhook.
 * So only GET (and HEAD) pass, and under `/api` only the routes in READABLE_API.
 */
function readOnlyGuard(req: Request, res: Response, next: NextFunction): void {
  const readable = (req.method === 'GET' || req.method === 'HEAD') && (!req.path.startsWith('/api/') || READABLE_API.some((r) => r.test(req.path)));
  if (readable) return next();
  sendError(res, new AppError('forbidden', 'The queue dashboard is read-only and shows no job data: it cannot add, retry, promote, clean or pause jobs.'));
}

/** What the dashboard shows of a job's data: its ids, never the event or its payload. */
function jobIds(data: unknown): Record<string, string> {
  const { deliveryId, tenantId } = (data ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries({ deliveryId, tenantId }).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
}

/** A read-only bull-board view of one endpoint's queue, showing no job data. */
function readOnlyAdapter(queue: Queue): BullMQAdapter {
  const adapter = new BullMQAdapter(queue, { readOnlyMode: true, allowRetries: false });
  adapter.setFormatter('data', jobIds);
  adapter.setFormatter('returnValue', () => null);
  adapter.setFormatter('progress', () => null);
  return adapter;
}

/**
 * bull-board at `/admin/queues`, protected by the root token, showing the
 * per-endpoint queues that exist now (the endpoints with work), refreshed on
 * every visit. Read-only, and without job data (see readOnlyGuard).
 */
export function queueDashboard({ config, redis }: ApiDeps): { router: Router; close(): Promise<void> } {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(BASE_PATH);
  const board = createBullBoard({ queues: [], serverAdapter, options: { uiConfig: { boardTitle: 'Herald queues' } } });
  const prefix = config.HERALD_REDIS_PREFIX;
  let queues = new Map<string, Queue>();

  async function refresh(): Promise<void> {
    const ids = await endpointsWithWork(redis, prefix, MAX_QUEUES);
    const next = new Map<string, Queue>();
    for (const id of ids) {
      next.set(id, queues.get(id) ?? openEndpointQueue(redis, prefix, id));
    }
    for (const [id, queue] of queues) if (!next.has(id)) await queue.close();
    queues = next;
    board.replaceQueues([...queues.values()].map(readOnlyAdapter));
  }

  const router = Router();
  router.use(
    BASE_PATH,
    rootGuard(config.HERALD_ROOT_TOKEN),
    readOnlyGuard,
    async (_req, _res, next) => {
      await refresh();
      next();
    },
    serverAdapter.getRouter() as Router,
  );
  return {
    router,
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
    },
  };
}
