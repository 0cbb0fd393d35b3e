interface Waiting<In, Out> {
  input: In;
  resolve: (output: Out) => void;
  reject: (error: unknown) => void;
}

export interface MicroBatcherOptions<In> {
  /** Most inputs per call of `run`; a full group runs at once. */
  maxBatch?: number;
  /** Inputs with different keys never share a call of `run`. */
  key?: (input: In) => string;
  /**
   * Group commit: while the key's latest call is in flight, new inputs wait
   * for it to end and then go together in one call, but for at most this
   * long after that call started, so a call that hangs holds nothing back
   * for longer. Unset: each turn's inputs go at once, whatever is in flight.
   */
  holdMs?: number;
}

/** A key's latest call, while it is in flight. */
interface Latest {
  startedAt: number;
}

/**
 * Coalesces the calls made in the same turn of the event loop into one call
 * of `run` with all their inputs (per key), and hands each caller its own
 * output. Under load, the requests or jobs that arrive together then share
 * one database statement or Redis round trip; alone, a call waits only until
 * the end of the current turn (setImmediate). With `holdMs`, what arrives
 * while the key's latest call runs also waits for it. `run` must answer one
 * output per input, in order; if it throws, every caller of that batch gets
 * the error.
 */
export class MicroBatcher<In, Out> {
  private readonly waiting = new Map<string, Waiting<In, Out>[]>();
  private scheduled = false;
  private readonly maxBatch: number;
  /** Per key, its latest call while in flight (with holdMs only). */
  private readonly latest = new Map<string, Latest>();
  /** Per key, the timer that ends its inputs' hold. */
  private readonly holdTimers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly run: (inputs: In[]) => Promise<Out[]>,
    private readonly options: MicroBatcherOptions<In> = {},
  ) {
    this.maxBatch = options.maxBatch ?? 100;
  }

  add(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      const key = this.options.key?.(input) ?? '';
      let group = this.waiting.get(key);
      if (!group) this.waiting.set(key, (group = []));
      group.push({ input, resolve, reject });
      if (group.length >= this.maxBatch) this.start(key);
      else this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      for (const key of [...this.waiting.keys()]) this.startOrHold(key);
    });
  }

  /** Runs the key's waiting inputs, or holds them while its latest call is in flight (at most holdMs after it started). */
  private startOrHold(key: string): void {
    if (!this.waiting.has(key)) return;
    const latest = this.latest.get(key);
    const wait = latest ? latest.startedAt + this.options.holdMs! - performance.now() : 0;
    if (wait > 0) {
      if (!this.holdTimers.has(key)) {
        this.holdTimers.set(
          key,
          setTimeout(() => {
            this.holdTimers.delete(key);
            this.startOrHold(key);
          }, wait),
        );
      }
      return;
    }
    clearTimeout(this.holdTimers.get(key));
    this.holdTimers.delete(key);
    while (this.waiting.has(key)) this.start(key);
  }

  /** Runs up to maxBatch of the key's waiting inputs in one call. */
  private start(key: string): void {
    const waiting = this.waiting.get(key)!;
    const group = waiting.splice(0, this.maxBatch);
    if (waiting.length === 0) this.waiting.delete(key);
    const call: Latest = { startedAt: performance.now() };
    if (this.options.holdMs !== undefined) this.latest.set(key, call);
    let outputs: Promise<Out[]>;
    try {
      outputs = this.run(group.map((w) => w.input));
    } catch (error) {
      outputs = Promise.reject(error);
    }
    outputs
      .then(
        (results) => {
          group.forEach((w, i) => w.resolve(results[i]!));
        },
        (error: unknown) => {
          for (const w of group) w.reject(error);
        },
      )
      .finally(() => {
        if (this.latest.get(key) !== call) return;
        // What it held goes now, with whatever else arrives in this turn.
        this.latest.delete(key);
        if (this.waiting.has(key)) this.schedule();
      });
  }
}
