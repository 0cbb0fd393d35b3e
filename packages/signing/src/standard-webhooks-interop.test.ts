// Proves receivers using the reference npm library accept what Herald sends,
// and that our verify accepts what that library produces.
import { Webhook } from 'standardwebhooks';
import { generateSecret } from './secret.js';
import { signatureHeader, sign } from './sign.js';
import { verify } from './verify.js';
import { WebhookVerificationError } from './webhook-verification-error.js';

const id = 'msg_2mQYwZkPZ8ur3SLjYp7KdfRgAbc';
const body = JSON.stringify({ schema_version: '2025-01-01', event_id: 'evt_1', payload: { n: 1, s: 'é ✓' } });

function currentSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

describe('the standardwebhooks library receiving from us', () => {
  it('verifies a message we signed with a current timestamp', () => {
    const secret = generateSecret();
    const timestamp = currentSeconds();
    const headers = {
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': sign({ secret, id, timestamp, body }),
    };
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('verifies a two-secret rotation header with either secret, and not with a third', () => {
    const [oldSecret, newSecret, strangerSecret] = [generateSecret(), generateSecret(), generateSecret()];
    const timestamp = currentSeconds();
    const headers = {
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signatureHeader([oldSecret, newSecret], id, timestamp, body),
    };
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);

    expect(new Webhook(oldSecret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(newSecret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(strangerSecret).verify(body, headers)).toThrow('No matching signature found');
  });

  it('rejects what we signed once the body is altered', () => {
    const secret = generateSecret();
    const timestamp = currentSeconds();
    const headers = {
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': sign({ secret, id, timestamp, body }),
    };
    expect(() => new Webhook(secret).verify(body.replace('evt_1', 'evt_2'), headers)).toThrow(
      'No matching signature found',
    );
  });
});

describe('our verify receiving from the standardwebhooks library', () => {
  function signedByLibrary(secret: string, at: Date, payload = body): Record<string, string> {
    return {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(id, at, payload),
    };
  }

  function reasonOf(run: () => unknown): string | undefined {
    try {
      run();
    } catch (error) {
      if (error instanceof WebhookVerificationError) return error.reason;
      throw error;
    }
    return undefined;
  }

  it('accepts what the library signs', () => {
    const secret = generateSecret(24);
    expect(verify({ secret, headers: signedByLibrary(secret, new Date()), body })).toEqual(JSON.parse(body));
  });

  it('signs byte-for-byte what the library signs', () => {
    const secret = generateSecret(64);
    const at = new Date();
    const timestamp = Math.floor(at.getTime() / 1000);
    expect(sign({ secret, id, timestamp, body })).toBe(new Webhook(secret).sign(id, at, body));
  });

  it('rejects a tampered body', () => {
    const secret = generateSecret();
    const headers = signedByLibrary(secret, new Date());
    expect(reasonOf(() => verify({ secret, headers, body: body.replace('"n":1', '"n":2') }))).toBe('invalid_signature');
  });

  it('rejects the wrong secret', () => {
    const headers = signedByLibrary(generateSecret(), new Date());
    expect(reasonOf(() => verify({ secret: generateSecret(), headers, body }))).toBe('invalid_signature');
  });

  it('rejects an old timestamp', () => {
    const secret = generateSecret();
    const headers = signedByLibrary(secret, new Date(Date.now() - 10 * 60_000));
    expect(reasonOf(() => verify({ secret, headers, body }))).toBe('timestamp_too_old');
  });

  it('rejects a future timestamp', () => {
    const secret = generateSecret();
    const headers = signedByLibrary(secret, new Date(Date.now() + 10 * 60_000));
    expect(reasonOf(() => verify({ secret, headers, body }))).toBe('timestamp_too_new');
  });

  it('rejects missing headers', () => {
    const secret = generateSecret();
    const { 'webhook-signature': _dropped, ...headers } = signedByLibrary(secret, new Date());
    expect(reasonOf(() => verify({ secret, headers, body }))).toBe('missing_headers');
  });
});
