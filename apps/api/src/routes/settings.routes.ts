import { AppError } from '@herald/core';
import { findTenant, updateTenant, type Tenant } from '@herald/db';
import { principalOf, type RouteTable } from '@herald/http';
import { SettingsOutSchema, SettingsPatchSchema, type SettingsOut } from '@herald/schemas';
import type { ApiDeps } from '../deps.js';
import { primaryContact } from './tenants.routes.js';

/** The tenant's own settings, read and changed with its admin key (the console's notifications screen). */
export function settingsRoutes(routes: RouteTable, { db, config }: ApiDeps): void {
  const settingsOut = (t: Tenant): SettingsOut => ({
    tenant_id: t.id,
    name: t.name,
    primary_contact_email: t.primaryContactEmail,
    email_configured: config.HERALD_SMTP_URL !== undefined,
  });

  routes.add(
    {
      method: 'get',
      path: '/api/v1/settings',
      summary: "The tenant's settings: its primary contact, and whether this Herald can send email",
      tag: 'Settings',
      auth: 'admin',
      responses: { 200: { description: 'The settings.', schema: SettingsOutSchema } },
    },
    async (_input, _req, res) => {
      const tenant = await findTenant(db, principalOf(res).tenantId);
      if (!tenant) throw AppError.notFound('Tenant');
      res.json(settingsOut(tenant));
    },
  );

  routes.add(
    {
      method: 'patch',
      path: '/api/v1/settings',
      summary: "Set or remove (null) the tenant's primary contact email",
      tag: 'Settings',
      auth: 'admin',
      body: SettingsPatchSchema,
      responses: {
        200: { description: 'The settings as changed.', schema: SettingsOutSchema },
        422: { description: 'Not one email address, or email is not configured on this Herald.' },
      },
    },
    async ({ body }, _req, res) => {
      const tenant = await updateTenant(db, principalOf(res).tenantId, { primaryContactEmail: primaryContact(config, body.primary_contact_email) });
      if (!tenant) throw AppError.notFound('Tenant');
      res.json(settingsOut(tenant));
    },
  );
}
