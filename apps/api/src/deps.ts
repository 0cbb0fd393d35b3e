import type { Logger, SecretBox } from '@herald/core';
import type { PrismaClient, Sql } from '@herald/db';
import type { PayloadSchemas } from '@herald/json-schema';
import type { AttemptSender } from '@herald/delivery';
import type { Resolve, Transport } from '@herald/outbound';
import type { DeliveryEnqueuer, RedisClient } from '@herald/queue';
import type { ApiConfig } from './config.js';

/** Everything the api's routes use, passed in one object. */
export interface ApiDeps {
  config: ApiConfig;
  logger: Logger;
  db: PrismaClient;
  /** The pg pool for the few hot-path queries (see packages/db/src/sql.ts). */
  sql: Sql;
  secretBox: SecretBox;
  payloadSchemas: PayloadSchemas;
  /** Redis, for the delivery queues (purge, replay). */
  redis: RedisClient;
  /** The SSRF-checking outbound client (the same one the worker uses), closed on stop. */
  transport: Transport;
  /** How test sends go out: that transport, the signing keys, Herald's headers. */
  sender: AttemptSender;
  /** Puts replayed deliveries back into their endpoints' queues. */
  enqueuer: DeliveryEnqueuer;
  /** Name resolution for URL checks (the system resolver when absent). */
  resolve?: Resolve;
}
