import type { Logger, SecretBox } from '@herald/core';
import type { PrismaClient } from '@herald/db';
import type { RequestHandler } from 'express';
import type { ApiConfig } from './config.js';

/** Everything the api's routes use, passed in one object. */
export interface ApiDeps {
  config: ApiConfig;
  logger: Logger;
  db: PrismaClient;
  secretBox: SecretBox;
  /** 401 unless the request has a valid API key; mount on each tenant-scoped path. */
  authenticate: RequestHandler;
}
