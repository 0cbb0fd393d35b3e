import type { Logger } from '@herald/core';
import { disableEndpoint, type DisabledReason, type EndpointFailureRun, type PrismaClient } from '@herald/db';

export interface EndpointHealthOptions {
  db: PrismaClient;
  logger: Logger;
  /** HERALD_DISABLE_AFTER_MS: how long an endpoint may fail without a single success. */
  disableAfterMs: number;
  /** Called after an endpoint was disabled (e.g. to empty its queue). */
  onDisabled?: (endpointId: string) => Promise<void>;
  now?: () => number;
}

/**
 * The one place that disables endpoints automatically: at once on `410 Gone`
 * (reason `gone`), or once its failure run (`first_failure_at`, cleared by any
 * success) is older than HERALD_DISABLE_AFTER_MS (reason `failing`). Pending
 * deliveries become `dead` with the reason, replayable.
 */
export class EndpointHealth {
  constructor(private readonly options: EndpointHealthOptions) {}

  /** The endpoint answered 410 Gone. */
  async gone(tenantId: string, endpointId: string): Promise<void> {
    await this.disable(tenantId, endpointId, 'gone');
  }

  /** Checks failure runs after a batch of attempts was written. */
  async checkFailureRuns(runs: readonly EndpointFailureRun[]): Promise<void> {
    const now = (this.options.now ?? Date.now)();
    for (const run of runs) {
      if (run.firstFailureAt && now - run.firstFailureAt.getTime() >= this.options.disableAfterMs) {
        await this.disable(run.tenantId, run.endpointId, 'failing');
      }
    }
  }

  private async disable(tenantId: string, endpointId: string, reason: DisabledReason): Promise<void> {
    const dead = await disableEndpoint(this.options.db, tenantId, endpointId, reason);
    if (dead === null) return;
    this.options.logger.warn('endpoint disabled', { tenant_id: tenantId, endpoint_id: endpointId, reason, deliveries_dead: dead });
    await this.options.onDisabled?.(endpointId);
  }
}
