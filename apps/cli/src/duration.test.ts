import { DurationError, parseDuration, parseSince, parseWindow } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['2h', 7_200_000],
    ['7d', 604_800_000],
    ['1w', 604_800_000],
    [' 2h ', 7_200_000],
  ])('%s is %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '2', 'h', '2x', '1.5h', '-2h', '2 h', '2H', '0m', '2h30m'])('refuses %p', (text) => {
    expect(() => parseDuration(text)).toThrow(DurationError);
  });
});

describe('parseSince', () => {
  const now = new Date('2026-01-08T10:00:00.000Z');

  it('counts a duration back from now', () => {
    expect(parseSince('2h', now)).toBe('2026-01-08T08:00:00.000Z');
    expect(parseSince('30m', now)).toBe('2026-01-08T09:30:00.000Z');
    expect(parseSince('7d', now)).toBe('2026-01-01T10:00:00.000Z');
  });

  it('takes an ISO time and answers it in UTC', () => {
    expect(parseSince('2026-01-08T09:15:00Z', now)).toBe('2026-01-08T09:15:00.000Z');
    expect(parseSince('2026-01-08T11:15:00+02:00', now)).toBe('2026-01-08T09:15:00.000Z');
    expect(parseSince('2026-01-07', now)).toBe('2026-01-07T00:00:00.000Z');
  });

  it.each(['yesterday', '2h ago', '08/01/2026', '2026-13-45', '2026-01-08T25:00:00Z', '5y'])('refuses %p', (text) => {
    expect(() => parseSince(text, now)).toThrow(DurationError);
  });

  it('refuses a time in the future (it would match nothing)', () => {
    expect(() => parseSince('2026-01-09T00:00:00Z', now)).toThrow(/future/);
  });
});

describe('parseWindow', () => {
  it.each(['15m', '24h', '7d', '30d'])('keeps %s as the api takes it', (text) => {
    expect(parseWindow(text)).toBe(text);
  });

  it.each(['24', '1w', '90s', '0h', 'day', '1234567h'])('refuses %p', (text) => {
    expect(() => parseWindow(text)).toThrow(/not a window/);
  });
});
