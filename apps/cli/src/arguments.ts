import { InvalidArgumentError } from 'commander';
import { DELIVERY_KINDS, type DeliveryKind } from '@herald/schemas';
import { DurationError, parseSince, parseWindow } from './duration.js';
import { usageError } from './exit-codes.js';

/** The most `dlq list --limit` fetches: 100 pages of the api's maximum. */
export const MAX_LIST_LIMIT = 10_000;

/** Commander reports an InvalidArgumentError as a usage error (exit 1) naming the option. */
function invalid(error: unknown): never {
  throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
}

/** `--limit N`: a whole number from 1 to MAX_LIST_LIMIT. */
export function limitArgument(text: string): number {
  if (!/^\d+$/.test(text.trim())) invalid(`must be a whole number from 1 to ${MAX_LIST_LIMIT}`);
  const n = Number(text);
  if (n < 1 || n > MAX_LIST_LIMIT) invalid(`must be a whole number from 1 to ${MAX_LIST_LIMIT}`);
  return n;
}

/** `--kind webhook|email`: a delivery kind. */
export function kindArgument(text: string): DeliveryKind {
  if (!(DELIVERY_KINDS as readonly string[]).includes(text)) invalid(`must be ${DELIVERY_KINDS.join(' or ')}`);
  return text as DeliveryKind;
}

/** `--since 2h` or an ISO time, as the ISO time the api takes, relative to `now`. */
export function sinceArgument(now: () => Date): (text: string) => string {
  return (text) => {
    try {
      return parseSince(text, now());
    } catch (error) {
      if (error instanceof DurationError) invalid(error);
      throw error;
    }
  };
}

/** `--window 24h`. */
export function windowArgument(text: string): string {
  try {
    return parseWindow(text);
  } catch (error) {
    if (error instanceof DurationError) invalid(error);
    throw error;
  }
}

/** Any value that must not be blank (`--endpoint ""` is a mistake, not "all"). */
export function nonBlankArgument(text: string): string {
  if (!text.trim()) invalid('must not be empty');
  return text.trim();
}

/** The replay flags as given on the command line. */
export interface ReplayFlags {
  all?: boolean;
  endpoint?: string;
  eventType?: string;
  since?: string;
}

/** What `dlq replay` is asked to replay. */
export type ReplayTarget =
  | { kind: 'ids'; ids: string[] }
  | { kind: 'filter'; endpointId?: string; eventType?: string; since?: string };

/**
 * Checks that exactly one of `--all`, `--endpoint ID` and delivery ids was
 * given, and that the ids look like delivery ids; throws a usage error otherwise.
 */
export function replayTarget(ids: readonly string[], flags: ReplayFlags): ReplayTarget {
  const forms = [flags.all ? '--all' : null, flags.endpoint !== undefined ? '--endpoint' : null, ids.length > 0 ? 'delivery ids' : null].filter(
    (f) => f !== null,
  );
  if (forms.length === 0) {
    throw usageError('say what to replay: --all, --endpoint ID, or one or more delivery ids', "see 'herald dlq replay --help'");
  }
  if (forms.length > 1) throw usageError(`choose one of --all, --endpoint ID or delivery ids (got ${forms.join(' and ')})`);
  if (ids.length === 0) return { kind: 'filter', endpointId: flags.endpoint, eventType: flags.eventType, since: flags.since };

  if (flags.eventType !== undefined || flags.since !== undefined) {
    throw usageError('--event-type and --since go with --all or --endpoint, not with delivery ids');
  }
  for (const id of ids) {
    if (!/^dlv_[A-Za-z0-9_-]+$/.test(id)) {
      throw usageError(
        `'${id}' is not a delivery id (dlv_...)`,
        id.startsWith('ep_') ? `to replay an endpoint's dead deliveries use --endpoint ${id}` : "find them with 'herald dlq list'",
      );
    }
  }
  return { kind: 'ids', ids: [...new Set(ids)] };
}

/** A tenant name as the api takes it: 1..200 characters, not blank. */
export function tenantNameArgument(text: string): string {
  const name = text.trim();
  if (name.length < 1 || name.length > 200) invalid('must be 1 to 200 characters');
  return name;
}
