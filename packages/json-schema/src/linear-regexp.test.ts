import { linearRegExp, MAX_PATTERN_LENGTH, UnsupportedPatternError } from './linear-regexp.js';

describe('linearRegExp', () => {
  it('matches like RegExp.test (anywhere in the input, anchors honoured, Unicode aware)', () => {
    expect(linearRegExp('^[A-Z]{2}-\\d+$', 'u').test('US-123')).toBe(true);
    expect(linearRegExp('^[A-Z]{2}-\\d+$', 'u').test('xUS-123')).toBe(false);
    expect(linearRegExp('\\d{3}', 'u').test('ab123cd')).toBe(true);
    expect(linearRegExp('^\\p{L}+$', 'u').test('Zoë')).toBe(true);
    expect(linearRegExp('^.$', 'u').test('😀')).toBe(true);
    expect(linearRegExp('^(?<year>\\d{4})$', 'u').test('2026')).toBe(true);
    expect(linearRegExp('^\\u00e9$', 'u').test('é')).toBe(true);
  });

  it('answers a catastrophic-backtracking pattern in linear time', () => {
    const re = linearRegExp('^(a+)+$', 'u');
    expect(re.test(`${'a'.repeat(100_000)}b`)).toBe(false);
    expect(re.test('a'.repeat(100_000))).toBe(true);
  });

  it.each([
    ['a backreference', '^(a)\\1$', /linear time/],
    ['a lookahead', '^(?=a)a$', /linear time/],
    ['a negative lookahead', '^(?!a)', /linear time/],
    ['a lookbehind', '(?<=a)b', /linear time/],
    ['invalid ECMA-262', '(?i)abc', /not a valid regular expression/],
    ['an unbalanced group', '(a', /not a valid regular expression/],
    ['a program too large', '.*a.{900}b.{900}c', /too large/],
    ['a pattern too long', 'a'.repeat(MAX_PATTERN_LENGTH + 1), /longer than/],
  ])('refuses %s', (_what, pattern, message) => {
    let thrown: unknown;
    try {
      linearRegExp(pattern, 'u');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UnsupportedPatternError);
    expect((thrown as UnsupportedPatternError).pattern).toBe(pattern);
    expect((thrown as Error).message).toMatch(message);
  });
});
