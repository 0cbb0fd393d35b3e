import type { Command } from 'commander';
import type { TenantCreatedOut } from '@herald/schemas';
import { tenantNameArgument } from '../arguments.js';
import type { CommandContext } from '../context.js';
import { formatPairs, formatTime } from '../table.js';

/** `herald tenant create <name>` (root token). */
export function registerTenantCommands(program: Command, contextOf: (command: Command) => CommandContext): void {
  const tenant = program.command('tenant').description('manage tenants (needs the root token)');

  tenant
    .command('create')
    .description('create a tenant and print its admin, read and ingest keys (shown only this once)')
    .argument('<name>', 'the tenant name, e.g. "Acme"', tenantNameArgument)
    .action(async (name: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const created = await ctx.rootApi().post<TenantCreatedOut>('/api/v1/tenants', { name });
      if (ctx.json) return ctx.printJson(created);
      ctx.out(
        formatPairs([
          ['id', created.id],
          ['name', created.name],
          ['created', formatTime(created.created_at)],
          ['admin key', created.api_keys.admin],
          ['read key', created.api_keys.read],
          ['ingest key', created.api_keys.ingest],
        ]),
      );
      ctx.note('Save these keys now: they will not be shown again.');
    });
}
