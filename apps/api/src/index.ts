export { parseApiConfig } from './config.js';
export type { ApiConfig } from './config.js';
export { startApi } from './create-api.js';
export type { ApiOptions, RunningApi } from './create-api.js';
