import { PassThrough } from 'node:stream';
import { createLogger } from './logger.js';

describe('logger', () => {
  it('writes JSON and redacts secrets by key and by shape', async () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    stream.on('data', (chunk) => lines.push(...String(chunk).trim().split('\n')));
    const logger = createLogger({ service: 'test', stream });
    logger.info('created', { signing_secret: 'whsec_AAAA', headers: { authorization: 'Bearer x' } });
    logger.info('sent with v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= and whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    logger.warn('key herald_admin_abcDEF123 used', { nested: { list: ['herald_read_zzz'] } });
    await new Promise((r) => setImmediate(r));
    const text = lines.join('\n');
    expect(lines.map((l) => JSON.parse(l).service)).toEqual(['test', 'test', 'test']);
    for (const secret of ['whsec_', 'Bearer x', 'g0hM9SsE', 'herald_admin_abc', 'herald_read_zzz']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('[redacted]');
  });
});

describe('logger redaction of less obvious places', () => {
  it('redacts the stack of a logged error and percent-encoded secrets', async () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    stream.on('data', (chunk) => lines.push(...String(chunk).trim().split('\n')));
    const logger = createLogger({ service: 'test', stream });
    logger.error('request failed', { error: new Error('decrypt failed for whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw') });
    logger.info('request', {
      path: '/api/v1/endpoints/whsec_MfKQ9r8G%2BKYqrTwjU%2FPD8ILPZIo2LaLaSw%3D',
      other: 'v1%2Cg0hM9SsE%2BOTPJTGt%2FtmIKtSyZlE3uFJELVlNIOLJ1OE%3D',
    });
    await new Promise((r) => setImmediate(r));
    const text = lines.join('\n');
    expect(JSON.parse(lines[0]!).error.stack).toContain('[redacted]');
    for (const secret of ['MfKQ9r8G', 'KYqrTwjU', 'PD8ILPZIo2LaLaSw', 'g0hM9SsE', 'tmIKtSyZlE3uFJELVlNIOLJ1OE']) {
      expect(text).not.toContain(secret);
    }
  });
});

describe('logger redaction of configured secrets', () => {
  it('redacts each given value wherever it appears, as sent and percent-encoded', async () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    stream.on('data', (chunk) => lines.push(...String(chunk).trim().split('\n')));
    const token = 'root+token/with=odd_chars_0123456789';
    const logger = createLogger({ service: 'test', stream, redact: [token, ''] });
    logger.info('request', { path: `/api/v1/endpoints/${encodeURIComponent(token)}`, request_id: token, note: `x${token}y` });
    logger.error('request failed', { error: new Error(`no route for ${token}`) });
    await new Promise((r) => setImmediate(r));
    const text = lines.join('\n');
    expect(text).not.toContain(token);
    expect(text).not.toContain(encodeURIComponent(token));
    expect(JSON.parse(lines[0]!)).toMatchObject({ path: '/api/v1/endpoints/[redacted]', request_id: '[redacted]', note: 'x[redacted]y' });
  });
});
