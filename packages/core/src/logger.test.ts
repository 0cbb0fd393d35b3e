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
