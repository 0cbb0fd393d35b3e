/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { eventually, startReceiver } from '@herald/testing';
import { launchChromium } from '../src/browser.js';
import { startSmtpSink } from '../src/smtp-sink.js';
import { call, createTenant, startStack } from '../src/stack.js';

const OUT = fileURLToPath(new URL('../../../docs/console/', import.meta.url));

/**
 * Seeds a Herald with a few endpoints, event types and a day's worth of
 * deliveries, then photographs each main screen of the console at 1280×800
 * (and two at phone width) into docs/console/. It also prints the first-load
 * time and the bundle's size as the browser received it.
 */
it('takes the console screenshots', async () => {
  mkdirSync(OUT, { recursive: true });
  const smtp = await startSmtpSink();
  const stack = await startStack({ HERALD_SMTP_URL: smtp.url });
  const browser = await launchChromium();
  const good = await startReceiver(() => ({ status: 204 }));
  const flaky = await startReceiver((_req, i) => (i % 3 === 0 ? { status: 503, body: 'busy' } : { status: 200, body: '{"ok":true}', headers: { 'content-type': 'application/json' } }));
  const down = await startReceiver(() => ({ status: 500, body: 'Internal Server Error' }));
  try {
    const tenant = await createTenant(stack, 'Acme');
    const admin = (method: string, path: string, body?: unknown) => call(stack.api.url, method, path, { token: tenant.admin, body });
    const schema = {
      type: 'object',
      required: ['invoice_id', 'amount', 'currency'],
      properties: {
        invoice_id: { type: 'string', examples: ['INV-2026-0042'] },
        amount: { type: 'integer', minimum: 0 },
        currency: { type: 'string', enum: ['EUR', 'USD'] },
        paid_at: { type: 'string', format: 'date-time' },
      },
    };
    await admin('POST', '/api/v1/event-types', { name: 'invoice.paid', description: 'An invoice was paid in full', schema });
    for (const name of ['invoice.voided', 'order.created', 'order.shipped', 'customer.updated']) await admin('POST', '/api/v1/event-types', { name, description: '' });
    const billing = (await admin('POST', '/api/v1/endpoints', { url: `${good.url}/billing`, name: 'Billing service', events: ['invoice.*'] })).body;
    await admin('POST', '/api/v1/endpoints', { url: `${flaky.url}/warehouse`, name: 'Warehouse', events: ['order.*'], max_attempts: 3 });
    await admin('POST', '/api/v1/endpoints', { url: `${down.url}/crm`, name: 'Legacy CRM', events: ['*'], max_attempts: 2 });
    const types = ['invoice.paid', 'order.created', 'order.shipped', 'customer.updated', 'invoice.voided'];
    for (let i = 0; i < 40; i++) {
      const type = types[i % types.length]!;
      const payload = type === 'invoice.paid' ? { invoice_id: `INV-2026-${String(i).padStart(4, '0')}`, amount: 1200 + i, currency: 'EUR' } : { id: i };
      await call(stack.ingest.url, 'POST', '/api/v1/events', { token: tenant.ingest, body: { event_type: type, payload } });
    }
    await eventually(async () => {
      const pending = await call(stack.api.url, 'GET', '/api/v1/outbox?status=pending', { token: tenant.read });
      return pending.body.data.length === 0;
    }, 60_000);

    const shoot = async (page: Page, name: string) => {
      await page.waitForLoadState('networkidle');
      await page.screenshot({ path: `${OUT}${name}.png`, fullPage: false });
    };
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();

    // First load: a cold cache, to the sign-in form, then to the signed-in endpoints list.
    const started = Date.now();
    await page.goto(`${stack.api.url}/console/`);
    await page.getByLabel('API key').waitFor();
    const toSignIn = Date.now() - started;
    const transfer = await page.evaluate(() =>
      (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
        .filter((r) => r.name.includes('/console/assets/'))
        .map((r) => ({ name: r.name.replace(/.*\/assets\//, ''), bytes: r.encodedBodySize })),
    );
    await shoot(page, 'sign-in');
    await page.getByLabel('API key').fill(tenant.admin);
    const signInAt = Date.now();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Billing service' }).waitFor();
    const toList = Date.now() - signInAt;
    await page.getByText('%').first().waitFor();
    await shoot(page, 'endpoints');

    await page.getByRole('checkbox', { name: 'Select Legacy CRM' }).check();
    await page.getByRole('checkbox', { name: 'Select Warehouse' }).check();
    await page.getByRole('button', { name: 'Disable selected' }).click();
    await shoot(page, 'endpoints-bulk-confirm');
    await page.getByRole('button', { name: 'Cancel' }).click();

    await page.getByRole('link', { name: 'Billing service' }).click();
    await page.getByRole('heading', { name: 'Delivery status, last 24 hours' }).waitFor();
    await page.getByRole('button', { name: 'Send test event' }).click();
    await page.getByRole('status', { name: 'Test result' }).waitFor();
    await shoot(page, 'endpoint-detail');

    await page.goto(`${stack.api.url}/console/#/endpoints/new`);
    await page.getByLabel('URL').fill('https://hooks.example.com/herald');
    await page.getByLabel('Name', { exact: true }).fill('Analytics');
    await page.getByLabel('order.*', { exact: true }).check();
    await shoot(page, 'endpoint-form');

    await page.goto(`${stack.api.url}/console/#/deliveries`);
    await page.getByRole('table', { name: 'Deliveries' }).waitFor();
    await shoot(page, 'deliveries');
    await page.goto(`${stack.api.url}/console/#/deliveries?status=dead`);
    await page.getByRole('table', { name: 'Deliveries' }).waitFor();
    await page.getByRole('button', { name: 'Replay dead letters…' }).click();
    await page.getByTestId('replay-count').waitFor();
    await shoot(page, 'deliveries-replay-confirm');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('link', { name: /^Delivery dlv_/ }).first().click();
    await page.getByRole('heading', { name: /^Delivery dlv_/ }).waitFor();
    await shoot(page, 'delivery-detail');

    await admin('PATCH', '/api/v1/settings', { primary_contact_email: 'ops@acme.example' });
    await admin('PATCH', '/api/v1/event-types/invoice.voided', { email: { enabled: true, subscribers: ['finance@acme.example', 'audit@acme.example'] } });
    await page.goto(`${stack.api.url}/console/#/notifications`);
    await page.getByLabel('Subscribers of invoice.voided').waitFor();
    await shoot(page, 'notifications');

    await page.goto(`${stack.api.url}/console/#/event-types/invoice.paid`);
    await page.getByLabel('Sample payload (checked against the schema, not saved)').fill('{\n  "invoice_id": "INV-1",\n  "amount": -5,\n  "currency": "GBP"\n}');
    await page.getByText('payload.amount').waitFor();
    await shoot(page, 'event-type-editor');

    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const small = await phone.newPage();
    await small.goto(`${stack.api.url}/console/`);
    await small.getByLabel('API key').fill(tenant.read);
    await small.getByRole('button', { name: 'Sign in' }).click();
    await small.getByRole('link', { name: 'Billing service' }).waitFor();
    await shoot(small, 'phone-endpoints');
    await small.goto(`${stack.api.url}/console/#/endpoints/${billing.id}`);
    await small.getByRole('heading', { name: 'Delivery status, last 24 hours' }).waitFor();
    await shoot(small, 'phone-endpoint-detail');

    process.stdout.write(
      `\nconsole first load (cold cache): sign-in form after ${toSignIn} ms; endpoints list ${toList} ms after signing in\n` +
        `assets as transferred: ${transfer.map((t) => `${t.name} ${t.bytes} B`).join(', ')}\n`,
    );
  } finally {
    await browser.close();
    await good.close();
    await flaky.close();
    await down.close();
    await stack.stop();
    await smtp.close();
  }
});
