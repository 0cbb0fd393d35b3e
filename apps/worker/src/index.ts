export { parseWorkerConfig } from './config.js';
export type { WorkerConfig } from './config.js';
export { startWorker } from './create-worker.js';
export type { RunningWorker, WorkerOptions } from './create-worker.js';
