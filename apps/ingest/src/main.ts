import { loadDotEnv } from '@herald/core';
import { runMain } from '@herald/http';
import { parseIngestConfig } from './config.js';
import { startIngest } from './create-ingest.js';

runMain('ingest', async () => {
  loadDotEnv();
  const ingest = await startIngest(parseIngestConfig(process.env));
  return ingest.stop;
});
