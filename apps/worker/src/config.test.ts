import { ConfigError } from '@herald/core';
import { parseWorkerConfig } from './config.js';

const base = { HERALD_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') };

describe('parseWorkerConfig: retention', () => {
  it('keeps 30 days of finished and of dead deliveries, prunes every minute and keeps 4 KiB of a response body by default', () => {
    expect(parseWorkerConfig(base)).toMatchObject({
      HERALD_RETENTION_DAYS: 30,
      HERALD_DEAD_RETENTION_DAYS: 30,
      HERALD_RETENTION_INTERVAL_MS: 60_000,
      HERALD_ATTEMPT_BODY_MAX_BYTES: 4096,
    });
  });

  it.each([
    ['HERALD_RETENTION_DAYS', '-1', /^Invalid configuration: HERALD_RETENTION_DAYS must be at least 1 \(day\)$/],
    ['HERALD_RETENTION_DAYS', '0', /^Invalid configuration: HERALD_RETENTION_DAYS must be at least 1/],
    ['HERALD_RETENTION_DAYS', '1.5', /^Invalid configuration: HERALD_RETENTION_DAYS must be a whole number of days$/],
    ['HERALD_RETENTION_DAYS', 'thirty', /^Invalid configuration: HERALD_RETENTION_DAYS must be a whole number of days$/],
    ['HERALD_DEAD_RETENTION_DAYS', '-30', /^Invalid configuration: HERALD_DEAD_RETENTION_DAYS must be at least 1/],
    ['HERALD_RETENTION_INTERVAL_MS', '10', /^Invalid configuration: HERALD_RETENTION_INTERVAL_MS /],
    ['HERALD_ATTEMPT_BODY_MAX_BYTES', '-1', /^Invalid configuration: HERALD_ATTEMPT_BODY_MAX_BYTES /],
    ['HERALD_ATTEMPT_BODY_MAX_BYTES', '4096.5', /^Invalid configuration: HERALD_ATTEMPT_BODY_MAX_BYTES /],
  ])('refuses %s=%s with one line naming it', (name, value, message) => {
    expect(() => parseWorkerConfig({ ...base, [name]: value })).toThrow(ConfigError);
    expect(() => parseWorkerConfig({ ...base, [name]: value })).toThrow(message);
  });

  it('refuses a dead retention shorter than the retry window, naming the variable and the least it takes', () => {
    // Waits of up to a day: 50 attempts can keep a delivery pending for 49+ days.
    const env = { ...base, HERALD_RETRY_MAX_DELAY_MS: String(24 * 60 * 60 * 1000) };
    expect(() => parseWorkerConfig(env)).toThrow(
      /^Invalid configuration: HERALD_DEAD_RETENTION_DAYS \(30\) is shorter than the retry window \(49\.\d days: 50 attempts with waits up to HERALD_RETRY_MAX_DELAY_MS\); set it to at least 50$/,
    );
    expect(parseWorkerConfig({ ...env, HERALD_DEAD_RETENTION_DAYS: '50' }).HERALD_DEAD_RETENTION_DAYS).toBe(50);
    // The default schedule (waits up to 4 h) fits in 9 days.
    expect(() => parseWorkerConfig({ ...base, HERALD_DEAD_RETENTION_DAYS: '8' })).toThrow(/set it to at least 9$/);
    expect(parseWorkerConfig({ ...base, HERALD_DEAD_RETENTION_DAYS: '9' }).HERALD_DEAD_RETENTION_DAYS).toBe(9);
  });
});
