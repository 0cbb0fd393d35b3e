import { loadDotEnv } from '@herald/core';
import { runMain } from '@herald/http';
import { parseApiConfig } from './config.js';
import { startApi } from './create-api.js';

runMain('api', async () => {
  loadDotEnv();
  const api = await startApi(parseApiConfig(process.env));
  return api.stop;
});
