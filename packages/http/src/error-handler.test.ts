import { toAppError } from './error-handler.js';

describe('toAppError', () => {
  it('answers a path with bad percent-encoding with 400, not 500', () => {
    // What express's router throws for /things/%E0%A4%A.
    const error = Object.assign(new URIError("Failed to decode param '%E0%A4%A'"), { status: 400 });
    expect(toAppError(error)).toMatchObject({ code: 'validation_failed', status: 400, message: expect.stringMatching(/percent-encoding/) });
  });

  it('answers other 4xx errors of express and body-parser with 400', () => {
    // body-parser wraps a Content-Encoding that does not decode as a 400 without a `type`.
    const error = Object.assign(new Error('incorrect header check'), { status: 400, expose: true });
    expect(toAppError(error)).toMatchObject({ code: 'validation_failed', status: 400 });
  });

  it('answers text PostgreSQL cannot store with 422, however wrapped', () => {
    const adapter = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), {
      cause: { code: '22021', kind: 'postgres' },
    });
    const raw = Object.assign(new Error('Raw query failed. Code: `22021`.'), {
      code: 'P2010',
      meta: { driverAdapterError: { name: 'DriverAdapterError', cause: { code: '22021' } } },
    });
    const jsonb = Object.assign(new Error('unsupported Unicode escape sequence'), { cause: { code: '22P05' } });
    for (const error of [adapter, raw, jsonb]) {
      expect(toAppError(error)).toMatchObject({ code: 'validation_failed', status: 422 });
    }
  });

  it('keeps anything else a 500 without its message', () => {
    const error = toAppError(new Error('secret internals'));
    expect(error).toMatchObject({ code: 'internal', status: 500, message: 'Internal error.' });
    expect(toAppError(Object.assign(new Error('x'), { status: 502 }))).toMatchObject({ status: 500 });
  });
});
