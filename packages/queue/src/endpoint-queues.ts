import { Job, Queue, type JobsOptions } from 'bullmq';
import type { DeliverJob } from '@herald/schemas';
import { DELIVER_JOB } from './delivery-jobs.js';
import { endpointQueueName, jobKey, queueMetaKey } from './names.js';
import type { RedisClient } from './redis.js';

/** A job taken for processing, and what the queue said about the next one. */
export interface Fetched {
  /** The job now active and locked with the caller's token, or null. */
  job: Job<DeliverJob> | null;
  /** When set, the endpoint's rate limit is reached: ms until it opens again. */
  limitedForMs: number;
  /** When set and no job came: the time (ms since the epoch) the next delayed job is due. */
  nextDueAt: number;
}

/**
 * The BullMQ internals used here, checked once so an upgrade that changes
 * them fails loudly at start (the workspaces ask for ^6.7.0 and
 * package-lock.json holds the version tested): a queue's backend runs
 * its scripts, and `forQueue` gives a sibling backend bound to another queue
 * on the same connection (what BullMQ's FlowProducer uses), far cheaper than
 * a Queue object per endpoint.
 */
interface Backend {
  /** BullMQ's wrapped client, which runs its scripts (`runCommand`). */
  client: Promise<unknown>;
  keys: Record<string, string>;
  toKey(type: string): string;
  qualifiedName: string;
  forQueue(queueName: string, prefix: string): Backend;
  moveToActive(token: string, name?: string): Promise<unknown[]>;
  moveJobFromActiveToWait(jobId: string, token: string): Promise<number>;
  promote(jobId: string): Promise<void>;
}

function backendOf(queue: Queue): Backend {
  const backend = (queue as unknown as { backend?: Partial<Backend> }).backend;
  if (
    typeof backend?.moveToActive !== 'function' ||
    typeof backend.moveJobFromActiveToWait !== 'function' ||
    typeof backend.forQueue !== 'function' ||
    typeof backend.promote !== 'function'
  ) {
    throw new Error('bullmq internals changed: Queue#backend.moveToActive/moveJobFromActiveToWait/forQueue are gone (packages/queue pins bullmq for them)');
  }
  return backend as Backend;
}

/** What BullMQ's Job needs of its queue, over a sibling backend (as FlowProducer builds it, with tracing passed through). */
export type QueueLike = { name: string; backend: Backend };

function queueLike(backend: Backend, name: string, prefix: string): QueueLike {
  return {
    name,
    keys: backend.keys,
    toKey: (type: string) => backend.toKey(type),
    opts: { prefix, connection: {} },
    qualifiedName: backend.qualifiedName,
    closing: false,
    backend,
    waitUntilReady: async () => undefined,
    emit: () => false,
    on: () => undefined,
    removeListener: () => undefined,
    trace: (_kind: unknown, _operation: unknown, _destination: unknown, callback: (span?: unknown) => unknown) => callback(),
  } as unknown as QueueLike;
}

/** Reads BullMQ's "next job" answer ([job json, id, limit ms, next delayed at]). */
function fetchedOf(queue: QueueLike, raw: unknown[] | undefined): Fetched {
  const [json, id, limitUntil, delayUntil] = raw ?? [];
  return {
    job: json ? (Job.fromJSON(queue as never, json as never, id as string) as Job<DeliverJob>) : null,
    limitedForMs: Number(limitUntil) || 0,
    nextDueAt: Number(delayUntil) || 0,
  };
}

export interface EndpointQueuesOptions {
  redis: RedisClient;
  prefix: string;
  /** How long a taken job stays locked unless renewed (HERALD_JOB_LOCK_MS); needed only to take jobs. */
  lockMs?: number;
  /** Handles kept (least recently used closed beyond this many). */
  maxHandles?: number;
}

/**
 * Handles on the per-endpoint BullMQ queues over one shared connection, and
 * the operations the worker's dispatcher runs on them. BullMQ's Worker keeps
 * a blocking connection per queue; taking jobs through these handles instead
 * (BullMQ's own scripts: moveToActive, moveToFinished with fetch-next,
 * moveToDelayed) keeps one connection for every endpoint, while each queue's
 * own limits — global concurrency and rate limit in its meta — still hold for
 * every worker process at once.
 */
export class EndpointQueues {
  /** One real Queue: its backend owns the connection wrapper; the endpoints' handles are its siblings. */
  private readonly base: Queue;
  private readonly handles = new Map<string, QueueLike>();
  private readonly maxHandles: number;

  constructor(private readonly options: EndpointQueuesOptions) {
    this.maxHandles = options.maxHandles ?? 10_000;
    this.base = new Queue('herald', {
      connection: options.redis,
      prefix: options.prefix,
      skipMetasUpdate: true,
      skipVersionCheck: true,
      // Read by BullMQ's scripts when a handle takes a job (the lock it sets); siblings inherit it.
      lockDuration: options.lockMs,
    } as ConstructorParameters<typeof Queue>[1]);
    // Connection errors are logged once by the connection's owner (createRedis).
    this.base.on('error', () => undefined);
    backendOf(this.base);
  }

  /** The endpoint's queue handle (kept: least recently used dropped beyond maxHandles). */
  queue(endpointId: string): QueueLike {
    let queue = this.handles.get(endpointId);
    if (queue) {
      this.handles.delete(endpointId); // re-inserted below: most recently used last
    } else {
      const name = endpointQueueName(endpointId);
      queue = queueLike(backendOf(this.base).forQueue(name, this.options.prefix), name, this.options.prefix);
      if (this.handles.size >= this.maxHandles) this.handles.delete(this.handles.keys().next().value!);
    }
    this.handles.set(endpointId, queue);
    return queue;
  }

  /** Takes the endpoint's next job, locked with `token`, unless its limits say not now. */
  async fetch(endpointId: string, token: string): Promise<Fetched> {
    if (!this.options.lockMs) throw new Error('EndpointQueues needs lockMs to take jobs');
    const queue = this.queue(endpointId);
    return fetchedOf(queue, await queue.backend.moveToActive(token));
  }

  /**
   * Takes the endpoint's next job as fetch() does, and says whether another
   * may be there for a second slot: jobs waited besides this one, or delayed
   * ones exist (BullMQ's fetch moves those that are due to waiting). The
   * counts are sent just before the script, which BullMQ sends after an await
   * on the same connection, so they see the queue as the script found it.
   */
  async fetchFirst(endpointId: string, token: string): Promise<Fetched & { more: boolean }> {
    const { keys } = this.queue(endpointId).backend;
    const counts = Promise.all([this.options.redis.llen(keys.wait!), this.options.redis.zcard(keys.delayed!)]);
    const fetched = await this.fetch(endpointId, token);
    const [waiting, delayed] = await counts;
    return { ...fetched, more: waiting > 1 || delayed > 0 };
  }

  /**
   * Sends one add per job to its endpoint's queue, in order; resolves once
   * all are sent (what the caller sends next on the connection reaches Redis
   * after them) with one promise per add, settling on Redis's answer.
   */
  async sendAdds(jobs: readonly { endpointId: string; data: DeliverJob; opts: JobsOptions }[]): Promise<Promise<void>[]> {
    const client = await backendOf(this.base).client;
    // BullMQ's addJob sends its script before its first await: each add is on the wire when the call returns.
    return jobs.map(({ endpointId, data, opts }) =>
      new Job(this.queue(endpointId) as never, DELIVER_JOB, data, opts, opts.jobId).addJob(client as never).then(() => undefined),
    );
  }

  /** Finishes a job (removed at once) and, with `fetchNext`, takes the endpoint's next one in the same round trip. */
  async complete(endpointId: string, job: Job<DeliverJob>, token: string, fetchNext: boolean): Promise<Fetched> {
    const raw = (await job.moveToCompleted('', token, fetchNext)) as unknown[] | undefined;
    return fetchedOf(this.queue(endpointId), raw);
  }

  /** Puts a job back as delayed until `at` (ms since the epoch), for its next attempt. */
  async retryAt(job: Job<DeliverJob>, token: string, at: number): Promise<void> {
    await job.moveToDelayed(at, token);
  }

  /**
   * Moves a delayed job to waiting now (a fifo delivery whose turn came).
   * Resolves false when the job is not delayed (running, waiting already, or
   * gone): whoever holds it checks its turn itself.
   */
  async promote(endpointId: string, jobId: string): Promise<boolean> {
    try {
      await this.queue(endpointId).backend.promote(jobId);
      return true;
    } catch {
      return false;
    }
  }

  /** Renews a job's lock. */
  async extendLock(job: Job<DeliverJob>, token: string): Promise<void> {
    if (!this.options.lockMs) throw new Error('EndpointQueues needs lockMs to take jobs');
    await job.extendLock(token, this.options.lockMs);
  }

  /**
   * Moves active jobs of an endpoint back to waiting when `isOrphan(lockToken)`
   * says their holder is gone (a dead worker's token, or no lock at all).
   * Resolves how many were moved.
   */
  async releaseOrphans(endpointId: string, isOrphan: (lockToken: string | null) => boolean): Promise<number> {
    const { redis, prefix } = this.options;
    const queue = this.queue(endpointId);
    const name = endpointQueueName(endpointId);
    const active = await redis.lrange(jobKey(prefix, name, 'active'), 0, -1);
    let released = 0;
    for (const jobId of active) {
      const lock = await redis.get(`${jobKey(prefix, name, jobId)}:lock`);
      if (!isOrphan(lock)) continue;
      // Token '0' moves it whatever the lock: the check above is what vouches for it.
      await queue.backend.moveJobFromActiveToWait(jobId, '0');
      released++;
    }
    return released;
  }

  /**
   * Sets the queue's fleet-wide limits in its meta, the fields BullMQ's
   * scripts read (Queue#setGlobalConcurrency / setGlobalRateLimit): jobs in
   * flight at once, and a rate (per `durationMs`) or none.
   */
  async setLimits(endpointId: string, concurrency: number, rate: { max: number; durationMs: number } | null): Promise<void> {
    const meta = queueMetaKey(this.options.prefix, endpointQueueName(endpointId));
    const { redis } = this.options;
    await Promise.all([
      redis.hset(meta, 'concurrency', concurrency),
      rate ? redis.hset(meta, 'max', rate.max, 'duration', rate.durationMs) : redis.hdel(meta, 'max', 'duration'),
    ]);
  }

  async close(): Promise<void> {
    this.handles.clear();
    await this.base.close();
  }
}
