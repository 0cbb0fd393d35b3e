import { z } from 'zod';

/** Most channels one event or one endpoint may name. */
export const MAX_CHANNELS = 10;

/** What a channel name is made of. */
export const CHANNEL_NAME = /^[a-z0-9_.:-]{1,64}$/;

/**
 * `channels` as a request carries it: a list of strings (else 400). Whether
 * the names are acceptable is {@link channelProblems}'s question (422).
 */
export const ChannelsInSchema = z.array(z.string()).meta({
  description: `0..${MAX_CHANNELS} channel names, each 1..64 of 'a-z 0-9 _ . : -'; a bad name or too many is answered 422.`,
});

/** One channel as a query parameter (`?channel=`). */
export const ChannelQuerySchema = z
  .string()
  .regex(CHANNEL_NAME, "must be 1..64 characters of 'a-z 0-9 _ . : -'")
  .describe('A channel name.');

/** What is wrong with a list of channel names, as error details under `path` (none when it is acceptable). */
export function channelProblems(channels: readonly string[], path: string): { path: string; message: string }[] {
  const problems = channels.flatMap((c, i) =>
    CHANNEL_NAME.test(c) ? [] : [{ path: `${path}.${i}`, message: "must be 1..64 characters of 'a-z 0-9 _ . : -'" }],
  );
  if (channels.length > MAX_CHANNELS) problems.unshift({ path, message: `at most ${MAX_CHANNELS} channels` });
  return problems;
}

/** The channels as stored: each once, in the order first given. */
export function normalizeChannels(channels: readonly string[] | undefined): string[] {
  return [...new Set(channels ?? [])];
}

/**
 * Whether an endpoint listening on `endpointChannels` receives an event sent
 * on `eventChannels`: an endpoint without channels receives every event, one
 * with channels only events that share one with it. The one definition of
 * the rule: ingest's fan-out (with {@link matchesEventType}) and backfill ask it.
 */
export function matchesChannels(endpointChannels: readonly string[], eventChannels: readonly string[]): boolean {
  return endpointChannels.length === 0 || endpointChannels.some((c) => eventChannels.includes(c));
}
