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
}

/**
 * Coalesces the calls made in the same turn of the event loop into one call
 * of `run` with all their inputs (per key), and hands each caller its own
 * output. Under load, the requests or jobs that arrive together then share
 * one database statement or Redis round trip; alone, a call waits only until
 * the end of the current turn (setImmediate). `run` must answer one output
 * per input, in order; if it throws, every caller of that batch gets the error.
 */
export class MicroBatcher<In, Out> {
  private readonly waiting = new Map<string, Waiting<In, Out>[]>();
  private scheduled = false;
  private readonly maxBatch: number;

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
      if (group.length >= this.maxBatch) {
        this.waiting.delete(key);
        this.runGroup(group);
      } else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const groups = [...this.waiting.values()];
    this.waiting.clear();
    for (const group of groups) this.runGroup(group);
  }

  private runGroup(group: Waiting<In, Out>[]): void {
    let outputs: Promise<Out[]>;
    try {
      outputs = this.run(group.map((w) => w.input));
    } catch (error) {
      outputs = Promise.reject(error);
    }
    outputs.then(
      (results) => {
        group.forEach((w, i) => w.resolve(results[i]!));
      },
      (error: unknown) => {
        for (const w of group) w.reject(error);
      },
    );
  }
}
