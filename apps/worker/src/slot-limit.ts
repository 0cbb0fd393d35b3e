import { performance, type EventLoopUtilization } from 'node:perf_hooks';

// How often the limit is looked at again.
export const SLOT_LIMIT_WINDOW_MS = 250;
// A window whose event loop was busy at least this share of the time: the process is the bottleneck.
const SATURATED = 0.95;
// Below this share the process has time to spare: more deliveries at once may go faster.
const SPARE = 0.85;
// Each saturated window takes away this share of the limit.
const DECREASE = 0.8;

/**
 * How many of its HERALD_WORKER_SLOTS a worker process fills now.
 *
 * A slot is a delivery in flight. While the receivers take their time, more
 * of them at once is more throughput: the process waits on the network, not
 * on itself. Once its event loop is busy all the time, another delivery in
 * flight only waits for the loop: it adds no throughput, holds its request,
 * response and job in memory for longer (garbage collection pays for that),
 * and makes every timer of the process late, its lease and lock renewals
 * among them (the benchmark with 100 fast endpoints, saturated: loop delay
 * 17 against 48 ms, median of quarter-second means; docs/operations.md).
 *
 * So the limit follows the event loop's utilisation, window by window: a
 * saturated loop lowers it by a fifth, down to a quarter of the slots (never
 * below 32, nor above the slots), and a loop with time to spare raises it by
 * a sixteenth of the slots, up to all of them; in between it stays. With slow
 * receivers the loop is seldom saturated, so the limit is the slots; when a
 * saturated process lowered it, the slots it held for slow receivers leave
 * the loop idle and the limit rises again within seconds. A slow endpoint
 * still holds at most its concurrency.
 */
export class SlotLimit {
  private current: number;
  readonly floor: number;
  private readonly step: number;

  constructor(readonly slots: number) {
    this.current = slots;
    this.floor = Math.min(slots, Math.max(32, Math.ceil(slots / 4)));
    this.step = Math.max(1, Math.ceil(slots / 16));
  }

  get value(): number {
    return this.current;
  }

  /** Takes one window's event loop utilisation (0..1); answers the limit for the next window. */
  next(utilization: number): number {
    if (utilization >= SATURATED) this.current = Math.max(this.floor, Math.floor(this.current * DECREASE));
    else if (utilization < SPARE) this.current = Math.min(this.slots, this.current + this.step);
    return this.current;
  }
}

/** Feeds a SlotLimit this process's event loop utilisation every window; `raised` is told when it went up. */
export function followEventLoop(limit: SlotLimit, raised: () => void): () => void {
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const before = limit.value;
    if (limit.next(performance.eventLoopUtilization(now, last).utilization) > before) raised();
    last = now;
  }, SLOT_LIMIT_WINDOW_MS);
  timer.unref();
  return () => clearInterval(timer);
}
