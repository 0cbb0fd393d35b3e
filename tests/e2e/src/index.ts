export { call, createTenant, createTenantWithEndpoints, startStack } from './stack.js';
export type { Stack } from './stack.js';
export { spawnWorker } from './worker-process.js';
export type { WorkerProcess } from './worker-process.js';
export { CHROMIUM_PATH, launchChromium } from './browser.js';
export { pythonWithFlask, runPython } from './python.js';
export { startSmtpSink } from './smtp-sink.js';
export type { SmtpReply, SmtpSink, SunkMail } from './smtp-sink.js';
