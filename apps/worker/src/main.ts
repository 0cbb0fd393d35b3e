import { loadDotEnv } from '@herald/core';
import { runMain } from '@herald/http';
import { parseWorkerConfig } from './config.js';
import { startWorker } from './create-worker.js';

runMain('worker', async () => {
  loadDotEnv();
  const worker = await startWorker(parseWorkerConfig(process.env));
  return worker.stop;
});
