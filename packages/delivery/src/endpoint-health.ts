import type { Logger } from '@herald/core';
import type { DisabledReason } from './delivery-reason.js';

/** An endpoint's failure run after its attempts were written: when it started, or null once a success cleared it. */
export interface EndpointFailureRun {
  endpointId: string;
  tenantId: string;
  firstFailureAt: Date | null;
  /** The run a herald.endpoint.failing notice was emitted for, if any (a recovery is due when firstFailureAt is null). */
  failingNoticeFor?: Date | null;
}

/** Whether a failure run has lasted long enough to disable its endpoint (`failing`). */
export function failingTooLong(firstFailureAt: Date | null, now: number, disableAfterMs: number): boolean {
  return firstFailureAt !== null && now - firstFailureAt.getTime() >= disableAfterMs;
}

export interface EndpointHealthOptions {
  /**
   * Disables the endpoint and makes its pending deliveries dead, in one
   * transaction; resolves how many became dead, or null if it is not a live
   * endpoint of this tenant.
   */
  disable: (tenantId: string, endpointId: string, reason: DisabledReason) => Promise<number | null>;
  logger: Logger;
  /** HERALD_DISABLE_AFTER_MS: how long an endpoint may fail without a single success. */
  disableAfterMs: number;
  /** Called after an endpoint was disabled, with how many pending deliveries became dead (e.g. to empty its queue, to count them). */
  onDisabled?: (endpointId: string, deadDeliveries: number) => Promise<void>;
  /**
   * Operational notices (herald.endpoint.failing and .recovered): told of the
   * runs failing for at least `failingAfterMs` not yet noticed, and of the
   * noticed runs a success ended. They claim each notice once (in PostgreSQL).
   */
  notices?: {
    failingAfterMs: number;
    failing: (runs: EndpointFailureRun[]) => Promise<void>;
    recovered: (runs: EndpointFailureRun[]) => Promise<void>;
  };
  now?: () => number;
}

/**
 * The one place that disables endpoints automatically: at once when an
 * attempt's decision says so (`410 Gone`), or once its failure run
 * (`first_failure_at`, cleared by any success) is older than
 * HERALD_DISABLE_AFTER_MS (reason `failing`). Pending deliveries become
 * `dead` with the reason, replayable. It also tells who emits the
 * herald.endpoint.failing and .recovered notices when a run crosses their line.
 */
export class EndpointHealth {
  constructor(private readonly options: EndpointHealthOptions) {}

  /** Checks failure runs after a batch of attempts was written. */
  async checkFailureRuns(runs: readonly EndpointFailureRun[]): Promise<void> {
    const now = (this.options.now ?? Date.now)();
    const { notices } = this.options;
    const failing: EndpointFailureRun[] = [];
    const recovered: EndpointFailureRun[] = [];
    for (const run of runs) {
      if (failingTooLong(run.firstFailureAt, now, this.options.disableAfterMs)) await this.disable(run.tenantId, run.endpointId, 'failing');
      else if (notices && failingTooLong(run.firstFailureAt, now, notices.failingAfterMs) && run.failingNoticeFor?.getTime() !== run.firstFailureAt!.getTime()) {
        failing.push(run);
      } else if (notices && run.firstFailureAt === null && run.failingNoticeFor) recovered.push(run);
    }
    if (failing.length > 0) await notices!.failing(failing);
    if (recovered.length > 0) await notices!.recovered(recovered);
  }

  /** Disables an endpoint (an attempt's decision said so). */
  async disable(tenantId: string, endpointId: string, reason: DisabledReason): Promise<void> {
    const dead = await this.options.disable(tenantId, endpointId, reason);
    if (dead === null) return;
    this.options.logger.warn('endpoint disabled', { tenant_id: tenantId, endpoint_id: endpointId, reason, deliveries_dead: dead });
    await this.options.onDisabled?.(endpointId, dead);
  }
}
