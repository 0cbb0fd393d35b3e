export { createRedis } from './redis.js';
export { endpointIdOfQueue, endpointQueueName, jobKey, queueKeys, queueMetaKey } from './names.js';
export type { QueueKeys } from './names.js';
export { BACKOFF_TYPE, DELIVER_JOB, deliverJobOptions, EVENTS_MAX_LEN } from './delivery-jobs.js';
export type { DeliveryJobSpec } from './delivery-jobs.js';
export { DeliveryEnqueuer, SIGNAL_REPEAT_MS } from './delivery-enqueuer.js';
export type { DeliveryEnqueuerOptions } from './delivery-enqueuer.js';
export { announceEndpointChanged, drainEndpointQueue, purgeEndpointQueue } from './endpoint-queue.js';
export { deliveriesWithoutJob } from './job-presence.js';
