import { MicroBatcher } from './micro-batch.js';

describe('MicroBatcher', () => {
  it('runs the calls of one turn together, per key, and answers each caller its own output', async () => {
    const runs: string[][] = [];
    const batcher = new MicroBatcher<string, string>(
      async (inputs) => {
        runs.push(inputs);
        return inputs.map((i) => i.toUpperCase());
      },
      { key: (i) => i[0]! },
    );
    const answers = await Promise.all(['a1', 'b1', 'a2', 'a3', 'b2'].map((i) => batcher.add(i)));
    expect(answers).toEqual(['A1', 'B1', 'A2', 'A3', 'B2']);
    expect(runs).toEqual([
      ['a1', 'a2', 'a3'],
      ['b1', 'b2'],
    ]);
    // A later turn is a new batch.
    expect(await batcher.add('a4')).toBe('A4');
    expect(runs.at(-1)).toEqual(['a4']);
  });

  it('runs a full group at once, without waiting for the turn to end', async () => {
    const runs: number[][] = [];
    const batcher = new MicroBatcher<number, number>(
      async (inputs) => {
        runs.push(inputs);
        return inputs;
      },
      { maxBatch: 2 },
    );
    const pending = [1, 2, 3].map((i) => batcher.add(i));
    expect(runs).toEqual([[1, 2]]); // before the turn ends
    await Promise.all(pending);
    expect(runs).toEqual([[1, 2], [3]]);
  });

  it('gives every caller of a failed batch the error, and keeps working after', async () => {
    let fail = true;
    const batcher = new MicroBatcher<number, number>(async (inputs) => {
      if (fail) throw new Error('database down');
      return inputs.map((i) => i * 2);
    });
    const results = await Promise.allSettled([batcher.add(1), batcher.add(2)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason.message).toBe('database down');
    fail = false;
    expect(await batcher.add(3)).toBe(6);
  });

  it('turns a synchronous throw of run into a rejection', async () => {
    const batcher = new MicroBatcher<number, number>(() => {
      throw new Error('bad');
    });
    await expect(batcher.add(1)).rejects.toThrow('bad');
  });

  it("with holdMs, holds what arrives while the key's latest call runs, and runs it together when that call ends", async () => {
    const runs: string[][] = [];
    const gates: (() => void)[] = [];
    const batcher = new MicroBatcher<string, string>(
      (inputs) => {
        runs.push(inputs);
        return new Promise((resolve) => gates.push(() => resolve(inputs.map((i) => i.toUpperCase()))));
      },
      { key: (i) => i[0]!, holdMs: 60_000 },
    );
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    const first = batcher.add('a1');
    await turn();
    expect(runs).toEqual([['a1']]);
    // a2 and a3 come in later turns while a1's call runs: they wait; b1 has a key of its own.
    const held = [batcher.add('a2')];
    await turn();
    held.push(batcher.add('a3'), batcher.add('b1'));
    await turn();
    await turn();
    expect(runs).toEqual([['a1'], ['b1']]);
    gates.shift()!(); // a1's call ends
    expect(await first).toBe('A1');
    await turn();
    await turn();
    expect(runs).toEqual([['a1'], ['b1'], ['a2', 'a3']]);
    for (const open of gates.splice(0)) open();
    expect(await Promise.all(held)).toEqual(['A2', 'A3', 'B1']);
  });

  it('with holdMs, a call that hangs holds the next inputs back for holdMs at most', async () => {
    const runs: number[][] = [];
    const batcher = new MicroBatcher<number, number>(
      (inputs) => {
        runs.push(inputs);
        // The first call never ends (a statement on a connection that went silent).
        return inputs[0] === 1 ? new Promise<number[]>(() => undefined) : Promise.resolve(inputs);
      },
      { holdMs: 50 },
    );
    void batcher.add(1);
    await new Promise((resolve) => setImmediate(resolve));
    const started = performance.now();
    const held = [batcher.add(2), batcher.add(3)];
    expect(await Promise.all(held)).toEqual([2, 3]);
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(40);
    expect(runs).toEqual([[1], [2, 3]]);
  });

  it('with holdMs, a failed call frees its place', async () => {
    let fail = true;
    const batcher = new MicroBatcher<number, number>(
      async (inputs) => {
        if (fail) throw new Error('database down');
        return inputs;
      },
      { holdMs: 60_000 },
    );
    await expect(batcher.add(1)).rejects.toThrow('database down');
    fail = false;
    expect(await batcher.add(2)).toBe(2);
  });
});
