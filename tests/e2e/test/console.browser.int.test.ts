/// <reference lib="dom" />
// page.evaluate callbacks run in the browser: DOM types for them.
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { eventually, startReceiver, type Receiver } from '@herald/testing';
import { launchChromium } from '../src/browser.js';
import { startSmtpSink, type SmtpSink } from '../src/smtp-sink.js';
import { call, createTenant, startStack, type Stack } from '../src/stack.js';

/**
 * The console in a real browser (Debian's Chromium through playwright-core),
 * against a whole Herald: every screen it uses reaches the public API with
 * the session cookie only.
 */
describe('the web console in Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  let tenant: { id: string; admin: string; read: string; ingest: string };
  let receiver: Receiver;
  const contexts: BrowserContext[] = [];
  /** Anything the pages logged as an error (a CSP violation would show here). */
  const pageErrors: string[] = [];

  let smtp: SmtpSink;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    stack = await startStack({ HERALD_SMTP_URL: smtp.url });
    browser = await launchChromium();
    tenant = await createTenant(stack, 'Console Co');
    receiver = await startReceiver(() => ({ status: 204 }));
    for (const name of ['invoice.paid', 'invoice.voided', 'order.created']) {
      expect((await call(stack.api.url, 'POST', '/api/v1/event-types', { token: tenant.admin, body: { name } })).status).toBe(201);
    }
  }, 60_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await receiver?.close();
    await stack?.stop();
    await smtp?.close();
  });

  afterEach(() => {
    expect(pageErrors).toEqual([]);
  });

  const consoleUrl = () => `${stack.api.url}/console/`;

  /** A fresh browser profile's tab at 1280×800, signed in with this key. */
  async function signedIn(key: string, viewport = { width: 1280, height: 800 }): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport });
    contexts.push(context);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(stack.api.url).origin });
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      // Chromium logs every 4xx the API answers (401, 403 on purpose here); a CSP refusal or a script error is something else.
      if (message.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())) pageErrors.push(message.text());
    });
    await page.goto(consoleUrl());
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Endpoints' }).waitFor();
    return { context, page };
  }

  it('serves the console with a strict CSP, hashed assets cached for a year and index.html never cached', async () => {
    const index = await fetch(consoleUrl());
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const csp = index.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe');
    const html = await index.text();
    const assets = [...html.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    // Nothing from another host, nothing inline.
    expect(html).not.toMatch(/(?:src|href)="https?:/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    for (const asset of assets) {
      const res = await fetch(`${stack.api.url}${asset}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    }
    expect((await fetch(`${stack.api.url}/console/assets/nope-123.js`)).status).toBe(404);
  });

  it('signs in with an admin key, creates an endpoint, copies its secret, and shows a sent event delivered with its attempt', async () => {
    const { context, page } = await signedIn(tenant.admin);
    const cookie = (await context.cookies()).find((c) => c.name === 'herald_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api/v1', secure: false });
    expect(await page.evaluate(() => document.cookie)).toBe('');

    await page.getByRole('link', { name: 'New endpoint' }).first().click();
    await page.getByLabel('URL').fill(`${receiver.url}/billing`);
    await page.getByLabel('Name', { exact: true }).fill('Billing receiver');
    await page.getByLabel('invoice.*', { exact: true }).check();
    await page.getByLabel('Max attempts').fill('3');
    await page.getByRole('button', { name: 'Add header' }).click();
    await page.getByLabel('Header name').fill('X-Team');
    await page.getByLabel('Value').fill('billing');
    await page.getByRole('button', { name: 'Create endpoint' }).click();

    const shown = (await page.getByTestId('signing-secret').textContent())!;
    expect(shown).toMatch(/^whsec_/);
    await page.getByRole('button', { name: 'Copy secret' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(shown);
    await page.getByRole('button', { name: 'I have saved it' }).click();
    await page.getByRole('heading', { name: 'Billing receiver' }).waitFor();

    const sent = await call(stack.ingest.url, 'POST', '/api/v1/events', { token: tenant.ingest, body: { event_type: 'invoice.paid', payload: { invoice: 'INV-7', amount: 1200 } } });
    expect(sent.status).toBe(202);
    expect(sent.body.deliveries).toBe(1);
    const [got] = await receiver.waitFor(1, 20_000);
    // The copied secret is the endpoint's: it verifies what the receiver got.
    expect(() => new Webhook(copied).verify(got!.body, got!.headers as Record<string, string>)).not.toThrow();
    expect(got!.headers['x-team']).toBe('billing');

    await page.getByRole('link', { name: 'Deliveries' }).click();
    await page.getByLabel('Status').selectOption('delivered');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const row = page.getByRole('row').filter({ hasText: 'invoice.paid' });
    await row.getByText('delivered', { exact: true }).waitFor();
    await row.getByRole('link', { name: /^Delivery dlv_/ }).click();
    await page.getByRole('heading', { name: /^Delivery dlv_/ }).waitFor();
    await expect(page.getByText(sent.body.event_id).first().isVisible()).resolves.toBe(true);
    const headers = page.getByRole('table', { name: 'Attempt 1 request headers' });
    await expect(headers.getByRole('row', { name: /webhook-signature/ }).textContent()).resolves.toContain('v1,');
    await expect(headers.getByRole('row', { name: /webhook-id/ }).textContent()).resolves.toContain(sent.body.event_id);
    await expect(page.getByLabel('Attempt 1 request body').textContent()).resolves.toContain('"invoice": "INV-7"');
    await expect(page.locator('details.attempt summary').first().textContent()).resolves.toMatch(/Attempt 1 · succeeded · 204 · \d+ ms/);
  }, 60_000);

  it('sets the primary contact and an event type\'s email subscribers, refuses a bad address, and shows the emails in the delivery log', async () => {
    const { page } = await signedIn(tenant.admin);
    await page.getByRole('link', { name: 'Notifications' }).click();
    await page.getByRole('heading', { name: 'Notifications' }).waitFor();
    await page.getByRole('textbox', { name: 'Primary contact' }).fill('Owner@Example.com');
    await page.getByRole('form', { name: 'Primary contact' }).getByRole('button', { name: 'Save' }).click();
    await page.getByRole('form', { name: 'Primary contact' }).getByText('Saved.').waitFor();
    await expect(page.getByRole('textbox', { name: 'Primary contact' }).inputValue()).resolves.toBe('owner@example.com');

    await page.getByLabel('Email invoice.voided').check();
    await page.getByLabel('Subscribers of invoice.voided').fill('finance@example.com, not an address');
    await page.getByRole('button', { name: 'Save email of invoice.voided' }).click();
    await page.getByText('Could not save the email of invoice.voided').waitFor();
    await page.getByLabel('Subscribers of invoice.voided').fill('finance@example.com, FINANCE@example.com');
    await page.getByRole('button', { name: 'Save email of invoice.voided' }).click();
    await page.getByRole('row').filter({ hasText: 'invoice.voided' }).getByText('Saved.').waitFor();
    await expect(page.getByLabel('Subscribers of invoice.voided').inputValue()).resolves.toBe('finance@example.com');

    const sent = await call(stack.ingest.url, 'POST', '/api/v1/events', { token: tenant.ingest, body: { event_type: 'invoice.voided', payload: { invoice: 7 } } });
    // Two emails (endpoints of earlier tests may take the event too).
    const event = await call(stack.api.url, 'GET', `/api/v1/events/${sent.body.event_id}`, { token: tenant.read });
    expect(event.body.deliveries.filter((d: { kind: string }) => d.kind === 'email')).toHaveLength(2);
    await smtp.waitFor(2);
    expect(smtp.mails.map((m) => m.to[0]).sort()).toEqual(['finance@example.com', 'owner@example.com']);
    await page.getByRole('link', { name: 'Deliveries' }).click();
    for (const recipient of ['finance@example.com', 'owner@example.com']) {
      const row = page.getByRole('row').filter({ hasText: recipient });
      await row.getByText('email', { exact: true }).waitFor();
      await eventually(async () => {
        await page.reload();
        await row.getByText('delivered', { exact: true }).waitFor({ timeout: 1_000 });
        return true;
      });
    }
  }, 60_000);

  it('creates an endpoint with a GitHub-style signature and the bare payload, and keeps them when other settings are edited', async () => {
    const { page } = await signedIn(tenant.admin);
    await page.getByRole('link', { name: 'New endpoint' }).first().click();
    await page.getByLabel('URL').fill(`${receiver.url}/orders`);
    await page.getByLabel('Name', { exact: true }).fill('Orders receiver');
    await page.getByLabel('order.created', { exact: true }).check();
    await page.getByLabel('Signature scheme').selectOption('hmac-sha256');
    await page.getByLabel('Signature header').fill('X-Hub-Signature-256');
    await page.getByLabel('Prefix').fill('sha256=');
    await page.getByLabel('Body', { exact: true }).selectOption('payload');
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    const secret = (await page.getByTestId('signing-secret').textContent())!;
    await page.getByRole('button', { name: 'I have saved it' }).click();
    await page.getByRole('heading', { name: 'Orders receiver' }).waitFor();
    await page.getByText('HMAC-SHA256 in X-Hub-Signature-256').waitFor();

    const payload = '{"order":"ORD-9","note":"caf\u00e9 \u2615"}';
    const before = receiver.requests.length;
    const sent = await fetch(`${stack.ingest.url}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.ingest}`, 'content-type': 'application/json' },
      body: `{"event_type":"order.created","payload":${payload}}`,
    });
    expect(sent.status).toBe(202);
    const got = (await receiver.waitFor(before + 1, 20_000))[before]!;
    expect(got.body).toBe(payload);
    expect(got.headers['x-hub-signature-256']).toBe(`sha256=${createHmac('sha256', secret).update(got.body).digest('hex')}`);
    expect(got.headers['webhook-signature']).toBeUndefined();

    // Saving another setting sends no signature: the scheme and its settings stay as they were.
    await page.getByRole('link', { name: 'Edit' }).click();
    await expect(page.getByLabel('Signature scheme').inputValue()).resolves.toBe('hmac-sha256');
    await page.getByLabel('Name', { exact: true }).fill('Orders (GitHub-style)');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'Orders (GitHub-style)' }).waitFor();
    const id = /ep_[0-9A-Za-z]+/.exec(page.url())![0];
    const endpoint = await call(stack.api.url, 'GET', `/api/v1/endpoints/${id}`, { token: tenant.read });
    expect(endpoint.body).toMatchObject({ body: 'payload', signature: { scheme: 'hmac-sha256', header: 'X-Hub-Signature-256', prefix: 'sha256=', encoding: 'hex', timestamp_header: null } });
  }, 60_000);

  it('replays the filtered dead letters after showing their count, and the replay is delivered', async () => {
    const failing = await startReceiver(() => ({ status: 500, body: 'down for maintenance' }));
    try {
      const endpoint = await call(stack.api.url, 'POST', '/api/v1/endpoints', {
        token: tenant.admin,
        body: { url: `${failing.url}/orders`, name: 'Orders', events: ['order.created'], max_attempts: 1 },
      });
      expect(endpoint.status).toBe(201);
      const sent = await call(stack.ingest.url, 'POST', '/api/v1/events', { token: tenant.ingest, body: { event_type: 'order.created', payload: { order: 42 } } });
      expect(sent.status).toBe(202);
      await eventually(async () => {
        const dead = await call(stack.api.url, 'GET', `/api/v1/outbox?status=dead&endpoint_id=${endpoint.body.id}`, { token: tenant.read });
        expect(dead.body.data).toHaveLength(1);
        return true;
      });
      failing.reply(() => ({ status: 200, body: 'back' }));

      const { page } = await signedIn(tenant.admin);
      await page.goto(`${consoleUrl()}#/deliveries?status=dead&endpoint_id=${endpoint.body.id}`);
      await page.getByRole('row').filter({ hasText: 'order.created' }).getByText('dead', { exact: true }).waitFor();
      await page.getByRole('button', { name: 'Replay dead letters…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Replay dead letters?' });
      await expect(dialog.getByTestId('replay-count').textContent()).resolves.toMatch(/^1 dead delivery matches .*; 1 will be replayed now\.$/);
      await dialog.getByRole('button', { name: 'Replay 1' }).click();
      await page.getByText('1 dead deliveries replayed.').waitFor();

      const [, replayed] = await failing.waitFor(2, 20_000);
      expect(replayed!.headers['webhook-id']).toBe(sent.body.event_id);
      await eventually(async () => {
        await page.getByLabel('Status').selectOption('delivered');
        await page.getByRole('button', { name: 'Apply filters' }).click();
        await page.getByRole('row').filter({ hasText: 'order.created' }).getByText('delivered', { exact: true }).waitFor({ timeout: 1_000 });
        return true;
      });
    } finally {
      await failing.close();
    }
  }, 60_000);

  it('gives a read key a console without write controls, and the API refuses its writes anyway', async () => {
    const { page } = await signedIn(tenant.read);
    await page.getByText('read-only').waitFor();
    await page.getByRole('link', { name: 'Billing receiver' }).waitFor();
    expect(await page.getByRole('link', { name: 'New endpoint' }).count()).toBe(0);
    expect(await page.getByRole('checkbox').count()).toBe(0);
    expect(await page.getByRole('toolbar', { name: 'Bulk actions' }).count()).toBe(0);

    await page.getByRole('link', { name: 'Billing receiver' }).click();
    await page.getByRole('heading', { name: 'Delivery status, last 24 hours' }).waitFor();
    for (const name of ['Edit', 'Send test event', 'Disable', 'Rotate secret', 'Delete']) {
      expect(await page.getByRole('button', { name, exact: true }).count() + (await page.getByRole('link', { name, exact: true }).count())).toBe(0);
    }
    await page.getByRole('link', { name: 'Deliveries' }).click();
    await page.getByRole('table', { name: 'Deliveries' }).waitFor();
    expect(await page.getByRole('button', { name: 'Replay dead letters…' }).count()).toBe(0);
    await page.getByRole('link', { name: /^Delivery dlv_/ }).first().click();
    await page.getByRole('heading', { name: 'Attempts', exact: false }).waitFor();
    expect(await page.getByRole('button', { name: 'Replay' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Event types' }).click();
    await page.getByRole('link', { name: 'invoice.paid' }).click();
    await page.getByRole('heading', { name: 'JSON Schema' }).waitFor();
    expect(await page.getByRole('textbox').count()).toBe(0);

    // The session is read-only at the API too, with a valid CSRF token.
    const status = await page.evaluate(async () => {
      const session = (await (await fetch('/api/v1/sessions/current')).json()) as { csrf_token: string };
      const res = await fetch('/api/v1/event-types', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrf_token },
        body: JSON.stringify({ name: 'read.cannot' }),
      });
      return res.status;
    });
    expect(status).toBe(403);
  }, 60_000);

  it("refuses a revoked key's session on its next request and asks to sign in again", async () => {
    const created = await call(stack.api.url, 'POST', '/api/v1/api-keys', { token: tenant.admin, body: { scope: 'admin', name: 'on-call laptop' } });
    expect(created.status).toBe(201);
    const { context, page } = await signedIn(created.body.key);
    await page.getByRole('link', { name: 'Billing receiver' }).waitFor();
    // Each row loads its success rate after the list; one still in flight when the key is revoked
    // would be the session's next request and end it before the click below.
    await page.waitForFunction(() => ![...document.querySelectorAll('td span.muted')].some((cell) => cell.textContent === '…'));

    expect((await call(stack.api.url, 'DELETE', `/api/v1/api-keys/${created.body.id}`, { token: tenant.admin })).status).toBe(200);
    const refused = await context.request.get(`${stack.api.url}/api/v1/endpoints`);
    expect(refused.status()).toBe(401);
    await page.getByRole('link', { name: 'Deliveries' }).click();
    await page.getByText('Your session has ended').waitFor();
    await page.getByLabel('API key').waitFor();
  }, 60_000);

  it('refuses a write made with the session cookie but without its CSRF token, before judging the body', async () => {
    const { page } = await signedIn(tenant.admin);
    const answers = await page.evaluate(async () => {
      const post = async (headers: Record<string, string>, body: string) => {
        const res = await fetch('/api/v1/event-types', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
        return { status: res.status, body: (await res.json()) as { error: { code: string; message: string } } };
      };
      const good = JSON.stringify({ name: 'csrf.probe' });
      const { csrf_token: token } = (await (await fetch('/api/v1/sessions/current')).json()) as { csrf_token: string };
      return {
        none: await post({}, good),
        malformedNone: await post({}, '{"name": '),
        wrong: await post({ 'x-csrf-token': 'f'.repeat(64) }, good),
        right: await post({ 'x-csrf-token': token }, good),
      };
    });
    for (const refused of [answers.none, answers.malformedNone, answers.wrong]) {
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('forbidden');
      expect(refused.body.error.message).toMatch(/CSRF/);
    }
    expect(answers.right.status).toBe(201);
  }, 60_000);
});
