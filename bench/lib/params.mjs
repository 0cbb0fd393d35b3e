// Sizes. Runs are sized to the machine: a calibration run measures the rate, then each
// measured run sends min(maxEvents, rate × runSeconds) events (the same number in every run
// of a scenario), so a slow machine still finishes in ~20 minutes and a fast one sends 20,000.
export const FULL = {
  runs: 3,
  // Phase 0 (signing): timed loops of calls per scheme and payload.
  signingCalls: 10_000,
  signingRuns: 5,
  maxEvents: 20_000,
  minEvents: 1_000,
  runSeconds: 12,
  calibrationEvents: 1_000,
  singleConcurrency: 64,
  batchSize: 100,
  batchConcurrency: 4,
  concurrencyOne: 32,
  concurrencyMany: 4,
  baselineConcurrency: 32,
  latencyRates: [250, 500, 1000],
  latencyEndpoints: 10,
  latencyMs: 20_000,
  warmupMs: 2_000,
  /**
   * Where the receipt p99 target (bench/report/latency.mjs TARGETS) is missed, the rates tried
   * (highest first, one run each) for the measured limit: the highest rate whose p99 meets it.
   */
  limitRates: [400, 300, 200, 150, 100, 50],
  /** A rate above this share of the measured maximum cannot reach a steady state. */
  sustainableShare: 0.8,
  /** Overloaded rates: one short run, to show what happens. */
  overloadMs: 5_000,
  isoEndpoints: 1000,
  isoRate: 500,
  isoMs: 20_000,
  isoWarmupMs: 3_000,
  slowMs: 5_000,
  memEvents: 5_000,
  drainMaxMs: 30_000,
  spreadEndpoints: 1000,
  faninRegistered: 10_000,
  faninActive: 1000,
  faninMaxPerEndpoint: 20,
  faninBurstSeconds: 20,
  idleWindowMs: 30_000,
  runTimeoutMs: 180_000,
  /** Phase 7 (ordering): events per run, unordered and fifo. */
  orderingEvents: 3_000,
};

/** `--quick`: 1 run per figure, shorter durations and fewer endpoints. */
export const QUICK = {
  ...FULL,
  runs: 1,
  signingCalls: 5_000,
  signingRuns: 3,
  maxEvents: 5_000,
  minEvents: 500,
  runSeconds: 5,
  calibrationEvents: 500,
  latencyMs: 5_000,
  warmupMs: 1_000,
  overloadMs: 2_000,
  isoEndpoints: 200,
  isoMs: 5_000,
  isoWarmupMs: 1_000,
  memEvents: 2_000,
  drainMaxMs: 10_000,
  spreadEndpoints: 200,
  faninRegistered: 2_000,
  faninActive: 200,
  faninBurstSeconds: 8,
  idleWindowMs: 10_000,
  runTimeoutMs: 90_000,
  orderingEvents: 1_000,
};

/** Events per measured run: the calibrated rate × runSeconds, rounded to a whole batch, within [minEvents, maxEvents]. */
export function eventsFor(P, rate) {
  const n = Math.round((rate * P.runSeconds) / P.batchSize) * P.batchSize;
  return Math.min(P.maxEvents, Math.max(P.minEvents, n));
}
