import type { Job } from 'bullmq';
import type { Logger } from '@herald/core';
import { RetryLaterError } from '@herald/delivery';
import { queueKeys, type EndpointQueues, type Fetched, type RedisClient } from '@herald/queue';
import type { DeliverJob } from '@herald/schemas';
import type { DeliverResult, DeliveryRun } from './deliver.processor.js';
import type { Fleet } from './fleet.js';

/**
 * BullMQ's rate limiter lets `max` jobs through per `duration` window, the
 * window starting at its first job. Short windows keep bursts small (20/s
 * becomes 4 per 200 ms rather than 20 at the top of each second); not
 * shorter than 200 ms, because each window starts a little late (the time
 * to notice it opened), which would cost a larger share of a shorter one.
 */
export function limiterFor(ratePerSecond: number): { max: number; durationMs: number } {
  for (const durationMs of [200, 250, 500]) {
    if ((ratePerSecond * durationMs) % 1000 === 0) return { max: (ratePerSecond * durationMs) / 1000, durationMs };
  }
  return { max: ratePerSecond, durationMs: 1000 };
}

// Jobs of one endpoint a slot runs back to back before the endpoint goes to the back of the line (when others wait).
const QUANTUM = 16;
// Longest a slot waits for its endpoint's rate limit to open rather than setting a timer.
const LOCAL_WAIT_MS = 250;
// How often due timers are moved to the ready set, and the ready backlog is read, while this
// process runs deliveries (the backlog decides when a slot yields its endpoint).
const TICK_MS = 50;
// The same while idle: a timer this process set wakes it on its own (wakeAt), and the sweep
// answers when the next timer of any process is due, so this only bounds how late a timer
// whose process died is promoted.
const IDLE_TICK_MS = 1000;
// Longest a blocking pop waits, so closing and timers are looked at in between.
const BLOCK_SECONDS = 1;

// How long a process's slot counts stand for it after it wrote them (a sweep writes them every TICK_MS while the
// process delivers, every IDLE_TICK_MS while idle): counts older than this are a process gone, and are removed.
const SLOT_COUNTS_TTL_MS = 3 * IDLE_TICK_MS;
// A slot hands its endpoint over to another process only when that one runs at least this many deliveries fewer:
// a handover moves one slot's work, closing the gap by two.
const HANDOVER_GAP = 2;

// Moves the endpoints whose timer is due from `timers` to `ready` (scored by when they became due, so they keep their turn);
// writes this process's slots taken and free (KEYS[3], expiring by Redis's own clock, so the processes' clocks need
// not agree) and drops counts that expired; answers when the next timer is due (-1: none), how many endpoints wait
// in `ready`, and the fewest slots taken by another process that has one free (-1: no such process).
const PROMOTE_DUE = 'heraldPromoteDue';
const PROMOTE_DUE_LUA = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
for i = 1, #due, 2 do
  redis.call('ZREM', KEYS[1], due[i])
  redis.call('ZADD', KEYS[2], 'NX', due[i + 1], due[i])
end
local nextDue = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('HSET', KEYS[3], ARGV[3], ARGV[4] .. ':' .. ARGV[5] .. ':' .. (now + tonumber(ARGV[6])))
local fewest = -1
local counts = redis.call('HGETALL', KEYS[3])
for i = 1, #counts, 2 do
  if counts[i] ~= ARGV[3] then
    local taken, free, expires = string.match(counts[i + 1], '^(%d+):(%d+):(%d+)$')
    if not expires or tonumber(expires) < now then redis.call('HDEL', KEYS[3], counts[i])
    elseif tonumber(free) > 0 and (fewest < 0 or tonumber(taken) < fewest) then fewest = tonumber(taken) end
  end
end
return {nextDue[2] or '-1', redis.call('ZCARD', KEYS[2]), fewest}`;

export interface DispatcherOptions {
  /** Shared connection for everything but the blocking pop. */
  redis: RedisClient;
  /** Connection of its own for BZPOPMIN on the ready set. */
  blocking: RedisClient;
  queues: EndpointQueues;
  fleet: Fleet;
  prefix: string;
  /** HERALD_WORKER_SLOTS: deliveries this process runs at once, whatever the number of endpoints. */
  slots: number;
  /** HERALD_WORKER_CONCURRENCY: deliveries in flight at once per endpoint, across every worker process. */
  concurrency: number;
  deliver: (run: DeliveryRun) => Promise<DeliverResult>;
  /** The endpoint's rate limit per second, or null. */
  rateLimitOf: (endpointId: string) => Promise<number | null>;
  /** Wait before trying again a job that failed for a reason of Herald's (e.g. PostgreSQL down before sending). */
  fallbackDelayMs: number;
  /** Told after a job was parked for its turn (a fifo delivery): it looks once more (fifo-turns.ts). */
  parked?: (endpointId: string, job: Job<DeliverJob>) => Promise<void>;
  /** HERALD_JOB_LOCK_MS: jobs running longer than a third of it have their lock renewed. */
  lockMs: number;
  logger: Logger;
}

/** A job this process runs now. */
interface Running {
  endpointId: string;
  job: Job<DeliverJob>;
  startedAt: number;
}

/**
 * Delivers from every endpoint's queue with a bounded pool of slots and a
 * fixed number of Redis connections, sharing the work with any number of
 * other worker processes:
 *
 * - An endpoint with jobs to try is in the `ready` sorted set, oldest first.
 *   A free slot pops one (BZPOPMIN when idle), registers it with the fleet,
 *   and takes up to the endpoint's concurrency of jobs through BullMQ's own
 *   scripts. Each slot then runs its endpoint's jobs back to back (completing
 *   one fetches the next in the same round trip) until the queue is empty, or
 *   for QUANTUM jobs when other endpoints wait, then puts it back at the end.
 * - Processes share the work: each writes how many slots it has taken (and
 *   free) as it sweeps the timers, and a slot that ran QUANTUM jobs while
 *   another process with a free slot runs HANDOVER_GAP deliveries fewer puts
 *   its endpoint back in `ready` for that one to take. So a process that joins
 *   a busy fleet takes a share even when the others hold every endpoint at its
 *   concurrency (nothing waits in `ready`), and a backlog is drained by every
 *   process, not by the first alone.
 * - Per-endpoint concurrency and rate limit are the queue's global limits
 *   (its meta), which BullMQ's scripts apply for every process at once; a
 *   slow endpoint holds at most its concurrency of slots, so it delays only
 *   itself.
 * - A retry is a delayed job plus a timer; a rate-limited or scheduled
 *   endpoint waits in `timers` until due, then goes back to `ready`.
 */
export class Dispatcher {
  private readonly keys: ReturnType<typeof queueKeys>;
  private readonly running = new Map<string, Running>();
  /** Slots taken now (a slot is taken before a job is fetched into it). */
  private busy = 0;
  private slotWaiters: (() => void)[] = [];
  /** Endpoints whose queue limits this process has written (their rate limit, as written). */
  private readonly limitsSet = new Map<string, number | null>();
  /** Endpoints in `ready` when last counted. */
  private readyBacklog = 0;
  /** The fewest slots taken by another worker process with one free, when last counted (-1: none), plus the handovers since. */
  private othersTaken = -1;
  private closing = false;
  private loop?: Promise<void>;
  private tickTimer?: NodeJS.Timeout;
  private lockTimer?: NodeJS.Timeout;
  private chains = new Set<Promise<void>>();
  /** The next local wake-up for due timers. */
  private wake?: { at: number; timer: NodeJS.Timeout };
  /** When a failed sweep was last logged (at most one warning a minute). */
  private sweepWarnedAt = 0;

  constructor(private readonly options: DispatcherOptions) {
    this.keys = queueKeys(options.prefix);
  }

  /** Deliveries running now. */
  get inFlight(): number {
    return this.running.size;
  }

  start(): void {
    if (!(PROMOTE_DUE in this.options.redis)) this.options.redis.defineCommand(PROMOTE_DUE, { numberOfKeys: 3, lua: PROMOTE_DUE_LUA });
    this.scheduleTick();
    const renewEvery = Math.max(100, Math.round(this.options.lockMs / 3));
    this.lockTimer = setInterval(() => void this.renewLocks(renewEvery), renewEvery);
    this.lockTimer.unref();
    this.loop = this.claimLoop();
  }

  /** Writes an endpoint's limits again (its settings changed); they apply to the next job taken. */
  async refreshLimits(endpointId: string): Promise<void> {
    this.limitsSet.delete(endpointId);
    if (this.running.size > 0 && [...this.running.values()].some((r) => r.endpointId === endpointId)) await this.ensureLimits(endpointId);
  }

  /** Endpoints waiting in `ready` and in `timers`, fleet-wide. */
  async backlog(): Promise<{ ready: number; scheduled: number }> {
    const [ready, scheduled] = await Promise.all([this.options.redis.zcard(this.keys.ready), this.options.redis.zcard(this.keys.timers)]);
    return { ready, scheduled };
  }

  /** Stops taking jobs and waits for the ones running to finish. */
  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.tickTimer);
    if (this.wake) clearTimeout(this.wake.timer);
    for (const wake of this.slotWaiters.splice(0)) wake();
    await this.loop;
    while (this.chains.size > 0) await Promise.allSettled([...this.chains]);
    // Locks are renewed until the last delivery ended.
    clearInterval(this.lockTimer);
    // The others stop handing endpoints over to this process (else its count would expire by itself).
    await this.options.redis.hdel(this.keys.slotCounts, this.options.fleet.id).catch(() => undefined);
  }

  private freeSlots(): number {
    return this.options.slots - this.busy;
  }

  private takeSlot(): boolean {
    if (this.closing || this.busy >= this.options.slots) return false;
    this.busy++;
    return true;
  }

  private giveSlot(): void {
    this.busy--;
    this.slotWaiters.shift()?.();
  }

  /** Pops ready endpoints while slots are free. */
  private async claimLoop(): Promise<void> {
    const { redis, blocking, logger } = this.options;
    // Whether the last pop found `ready` empty. Then the next one blocks at once, unless the last sweep
    // counted a backlog: at a steady rate each event readies its endpoint alone, and a ZPOPMIN before
    // each BZPOPMIN was an empty round trip per event.
    let drained = false;
    while (!this.closing) {
      if (this.freeSlots() <= 0) {
        await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
        continue;
      }
      try {
        let ids: string[] = drained && this.readyBacklog === 0 ? [] : pairsToIds(await redis.zpopmin(this.keys.ready, this.freeSlots()));
        drained = ids.length === 0;
        if (drained) {
          const popped = await blocking.bzpopmin(this.keys.ready, BLOCK_SECONDS);
          ids = popped ? [popped[1]] : [];
        }
        for (const id of ids) {
          // Each popped endpoint gets a slot now, so the next pop asks only for what is still free.
          if (this.takeSlot()) this.serve(id);
          else await this.markReady(id, Date.now(), 'ready');
        }
      } catch (error) {
        if (this.closing) break;
        logger.warn('taking ready endpoints failed', { error });
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  /** Takes up to the endpoint's concurrency of jobs, each into a slot of its own (the first slot is taken by the caller). */
  private serve(endpointId: string): void {
    const chain = this.startJobs(endpointId).catch((error: unknown) => {
      this.options.logger.warn('serving an endpoint failed', { endpoint_id: endpointId, error });
      return this.markReady(endpointId, Date.now() + this.options.fallbackDelayMs, 'timers');
    });
    this.track(chain);
  }

  private async startJobs(endpointId: string): Promise<void> {
    try {
      await this.ensureLimits(endpointId);
    } catch (error) {
      this.giveSlot();
      throw error;
    }
    let started = 0;
    // Whether the queue may hold another job for a further slot (known after the first fetch): at a steady
    // rate an endpoint is readied for one job, and a second fetch that finds nothing was a round trip per event.
    let more = true;
    while (started < this.options.concurrency && more) {
      if (started > 0 && !this.takeSlot()) {
        // Out of slots (or closing) with jobs maybe left: let another process, or a later slot here, take the rest.
        await this.markReady(endpointId, Date.now(), 'ready');
        return;
      }
      try {
        await this.options.fleet.hold(endpointId);
      } catch (error) {
        this.giveSlot();
        throw error;
      }
      let fetched: Fetched;
      try {
        if (started === 0) ({ more, ...fetched } = await this.options.queues.fetchFirst(endpointId, this.options.fleet.id));
        else fetched = await this.options.queues.fetch(endpointId, this.options.fleet.id);
      } catch (error) {
        this.options.fleet.release(endpointId);
        this.giveSlot();
        throw error;
      }
      if (!fetched.job) {
        this.options.fleet.release(endpointId);
        this.giveSlot();
        await this.whenEmpty(endpointId, fetched);
        return;
      }
      started++;
      this.track(this.runChain(endpointId, fetched.job));
    }
  }

  /** Runs an endpoint's jobs back to back in one slot. */
  private async runChain(endpointId: string, first: Job<DeliverJob>): Promise<void> {
    const { queues, fleet, logger } = this.options;
    let job: Job<DeliverJob> | null = first;
    let run = 0;
    try {
      while (job) {
        const { retryAt, parked } = await this.process(endpointId, job);
        run++;
        let yieldTurn = this.closing;
        if (!yieldTurn && run >= QUANTUM) {
          if (this.othersTaken >= 0 && this.busy - this.othersTaken >= HANDOVER_GAP) {
            // Another process runs fewer: hand the endpoint over. It counts as taken there until the next sweep, so
            // the slots that reach their quantum meanwhile hand over only what closes the gap.
            yieldTurn = true;
            this.othersTaken++;
          } else if (this.readyBacklog > 0) {
            // Ingest puts a busy endpoint back in `ready` as it adds jobs: yield only to another endpoint.
            yieldTurn = await this.othersReady(endpointId);
          }
          if (!yieldTurn) run = 0;
        }
        let next: Fetched;
        if (retryAt !== null) {
          await queues.retryAt(job, fleet.id, retryAt);
          await this.markReady(endpointId, retryAt, 'timers');
          if (parked) await this.options.parked?.(endpointId, job);
          next = yieldTurn ? emptyFetch : await queues.fetch(endpointId, fleet.id);
        } else {
          next = await queues.complete(endpointId, job, fleet.id, !yieldTurn);
        }
        // A rate limit that opens soon is waited out here, holding the slot: going through the timers would
        // make each window late by a round of promote, pop and fetch.
        while (!next.job && !yieldTurn && !this.closing && next.limitedForMs > 0 && next.limitedForMs <= LOCAL_WAIT_MS) {
          await new Promise((resolve) => setTimeout(resolve, next.limitedForMs));
          next = await queues.fetch(endpointId, fleet.id);
        }
        if (!next.job) {
          if (yieldTurn) await this.markReady(endpointId, Date.now(), 'ready');
          else await this.whenEmpty(endpointId, next);
        }
        job = next.job;
      }
    } catch (error) {
      // E.g. the job's lock was lost (this process was taken for dead): whoever has it now finishes it.
      logger.warn('finishing a job failed', { endpoint_id: endpointId, job_id: job?.id, error });
      await this.markReady(endpointId, Date.now(), 'ready').catch(() => undefined);
    } finally {
      fleet.release(endpointId);
      this.giveSlot();
    }
  }

  /**
   * Delivers one job; resolves when to try it again (ms since the epoch), or
   * null when it is finished, and whether it was parked waiting for its turn.
   */
  private async process(endpointId: string, job: Job<DeliverJob>): Promise<{ retryAt: number | null; parked: boolean }> {
    this.running.set(job.id!, { endpointId, job, startedAt: Date.now() });
    try {
      await this.options.deliver({
        ...job.data,
        endpointId,
        maxAttempts: job.opts.attempts ?? 1,
        // Started once: never fetched before (no retry, not handed back after a crash).
        firstTry: job.attemptsStarted <= 1,
        dueAt: job.timestamp + (job.delay ?? 0),
      });
      return { retryAt: null, parked: false };
    } catch (error) {
      if (error instanceof RetryLaterError) return { retryAt: Date.now() + error.delayMs, parked: error.name === 'NotYourTurnError' };
      this.options.logger.warn('delivery job failed; trying again later', { endpoint_id: endpointId, delivery_id: job.id, error });
      return { retryAt: Date.now() + this.options.fallbackDelayMs, parked: false };
    } finally {
      this.running.delete(job.id!);
    }
  }

  /** Whether an endpoint other than this one waits in `ready`. */
  private async othersReady(endpointId: string): Promise<boolean> {
    const [count, own] = await Promise.all([this.options.redis.zcard(this.keys.ready), this.options.redis.zscore(this.keys.ready, endpointId)]);
    this.readyBacklog = count;
    return count > (own === null ? 0 : 1);
  }

  /** The queue gave no job: look again when its rate limit opens or its next delayed job is due. */
  private async whenEmpty(endpointId: string, fetched: Fetched): Promise<void> {
    if (fetched.limitedForMs > 0) await this.markReady(endpointId, Date.now() + fetched.limitedForMs, 'timers');
    else if (fetched.nextDueAt > 0) await this.markReady(endpointId, fetched.nextDueAt, 'timers');
    // Otherwise it is empty, or at its concurrency: the process running those jobs fetches the next.
  }

  /**
   * Puts an endpoint in `ready` (keeping an earlier place) or sets its timer
   * (an earlier one wins). A timer set here also wakes this process when due,
   * so a rate-limited endpoint's next window is not late by a tick.
   */
  private async markReady(endpointId: string, at: number, where: 'ready' | 'timers'): Promise<void> {
    if (where === 'ready') {
      await this.options.redis.zadd(this.keys.ready, 'NX', at, endpointId);
      return;
    }
    await this.options.redis.zadd(this.keys.timers, 'LT', at, endpointId);
    this.wakeAt(at);
  }

  /** Moves due timers at `at` (the earliest wake-up asked for wins). */
  private wakeAt(at: number): void {
    if (this.closing || (this.wake && this.wake.at <= at)) return;
    if (this.wake) clearTimeout(this.wake.timer);
    const timer = setTimeout(() => {
      this.wake = undefined;
      void this.tick();
    }, Math.max(0, at - Date.now()));
    timer.unref();
    this.wake = { at, timer };
  }

  /** Writes the endpoint's fleet-wide limits into its queue, once per process and after each change. */
  private async ensureLimits(endpointId: string): Promise<void> {
    const rate = await this.options.rateLimitOf(endpointId);
    if (this.limitsSet.has(endpointId) && this.limitsSet.get(endpointId) === rate) return;
    await this.options.queues.setLimits(endpointId, this.options.concurrency, rate ? limiterFor(rate) : null);
    if (this.limitsSet.size > 100_000) this.limitsSet.clear();
    this.limitsSet.set(endpointId, rate);
  }

  /** The next sweep of due timers: soon while this process delivers, seldom while idle. */
  private scheduleTick(): void {
    if (this.closing) return;
    this.tickTimer = setTimeout(() => void this.tick().finally(() => this.scheduleTick()), this.busy > 0 ? TICK_MS : IDLE_TICK_MS);
    this.tickTimer.unref();
  }

  /** Moves due timers to `ready`, counts the backlog (for the quantum), and wakes for the next timer due. */
  private async tick(): Promise<void> {
    try {
      const { redis } = this.options;
      const run = (redis as unknown as Record<string, (...args: unknown[]) => Promise<[string, number, number]>>)[PROMOTE_DUE]!;
      // Called on the connection: an ioredis command reads its options from `this`.
      const [nextDue, ready, othersTaken] = await run.call(
        redis,
        this.keys.timers,
        this.keys.ready,
        this.keys.slotCounts,
        Date.now(),
        1000,
        this.options.fleet.id,
        this.busy,
        this.closing ? 0 : this.freeSlots(),
        SLOT_COUNTS_TTL_MS,
      );
      this.readyBacklog = ready;
      this.othersTaken = othersTaken;
      if (Number(nextDue) >= 0) this.wakeAt(Number(nextDue));
    } catch (error) {
      // A warning, not debug: a sweep that keeps failing leaves retries waiting. Once a minute at most (an outage repeats it every tick).
      if (Date.now() - this.sweepWarnedAt >= 60_000) {
        this.sweepWarnedAt = Date.now();
        this.options.logger.warn('moving due timers failed; retries wait until it works again', { error });
      }
    }
  }

  /** Renews the locks of jobs that have run for a while (a delivery may take up to 30 s). */
  private async renewLocks(olderThanMs: number): Promise<void> {
    const now = Date.now();
    await Promise.all(
      [...this.running.values()]
        .filter((r) => now - r.startedAt >= olderThanMs)
        .map((r) => this.options.queues.extendLock(r.job, this.options.fleet.id).catch(() => undefined)),
    );
  }

  private track(chain: Promise<void>): void {
    this.chains.add(chain);
    void chain.finally(() => this.chains.delete(chain));
  }
}

const emptyFetch: Fetched = { job: null, limitedForMs: 0, nextDueAt: 0 };

/** ZPOPMIN's flat [member, score, …] as members. */
function pairsToIds(flat: string[]): string[] {
  const ids: string[] = [];
  for (let i = 0; i < flat.length; i += 2) ids.push(flat[i]!);
  return ids;
}
