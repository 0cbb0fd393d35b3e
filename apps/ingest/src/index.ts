export { parseIngestConfig } from './config.js';
export type { IngestConfig } from './config.js';
export { startIngest } from './create-ingest.js';
export type { IngestOptions, RunningIngest } from './create-ingest.js';
