import { readFileSync } from 'node:fs';

/** The api's version, from its package.json. */
export const API_VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** What the api's own outbound calls (test sends) say they are, like the worker's. */
export const USER_AGENT = `Herald/${API_VERSION}`;
