import { timingSafeEqual, createHash } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Queue } from 'bullmq';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { AppError } from '@herald/core';
import { sendError } from '@herald/http';
import { endpointQueueName, queueKeys } from '@herald/queue';
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

/**
 * bull-board at `/admin/queues`, protected by the root token, showing the
 * per-endpoint queues that exist now (the endpoints with work), refreshed on
 * every visit.
 */
export function queueDashboard({ config, redis }: ApiDeps): { router: Router; close(): Promise<void> } {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(BASE_PATH);
  const board = createBullBoard({ queues: [], serverAdapter, options: { uiConfig: { boardTitle: 'Herald queues' } } });
  const prefix = config.HERALD_REDIS_PREFIX;
  let queues = new Map<string, Queue>();

  async function refresh(): Promise<void> {
    const ids = (await redis.smembers(queueKeys(prefix).activeEndpoints)).sort().slice(0, MAX_QUEUES);
    const next = new Map<string, Queue>();
    for (const id of ids) {
      next.set(id, queues.get(id) ?? new Queue(endpointQueueName(id), { connection: redis, prefix, skipMetasUpdate: true }));
    }
    for (const [id, queue] of queues) if (!next.has(id)) await queue.close();
    queues = next;
    board.replaceQueues([...queues.values()].map((q) => new BullMQAdapter(q, { readOnlyMode: false })));
  }

  const router = Router();
  router.use(
    BASE_PATH,
    rootGuard(config.HERALD_ROOT_TOKEN),
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
