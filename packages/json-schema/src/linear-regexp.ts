import { RE2JS } from 're2js';

/** Longest pattern compiled at all: compiling takes time in proportion to the program it makes. */
export const MAX_PATTERN_LENGTH = 512;

/**
 * Largest compiled program run (in RE2 instructions; `[a-z]{1,100}` is about
 * 200). Matching is linear in the input, times the program's size when RE2
 * must fall back from its DFA (`.*a.{900}b`): at this size a 256 KiB string
 * takes about 0.15 s, at 40 times it a 40 KB string took 100 s.
 */
export const MAX_PATTERN_PROGRAM = 1000;

/** A `pattern` (or `patternProperties` key) of a schema that Herald will not run. */
export class UnsupportedPatternError extends Error {
  constructor(
    /** The pattern as the schema has it. */
    readonly pattern: string,
    reason: string,
  ) {
    super(`pattern ${JSON.stringify(pattern.length > 60 ? `${pattern.slice(0, 60)}…` : pattern)} ${reason}`);
    this.name = 'UnsupportedPatternError';
  }
}

/** What Ajv calls to make the regular expressions of a schema (its `code.regExp` option). */
export interface LinearRegExpEngine {
  (pattern: string, flags: string): { test(input: string): boolean; toString(): string };
  /** How Ajv's standalone code would name this engine. */
  code: string;
}

/**
 * The regular expressions of tenants' schemas, run by RE2 (the re2js port:
 * plain JavaScript, no native build) so a match takes time linear in the
 * input. With the built-in engine a pattern such as `^(a+)+$` against 40
 * characters takes seconds to minutes of the one thread every tenant's
 * ingest shares.
 *
 * A pattern must be valid ECMA-262 (what JSON Schema specifies; checked by
 * compiling it, which runs nothing), within what RE2 can run (no
 * backreferences, no lookahead or lookbehind) and small enough
 * ({@link MAX_PATTERN_LENGTH}, {@link MAX_PATTERN_PROGRAM}). Otherwise it
 * throws {@link UnsupportedPatternError}.
 */
export const linearRegExp: LinearRegExpEngine = Object.assign(
  (pattern: string, flags: string) => {
    if (pattern.length > MAX_PATTERN_LENGTH) {
      throw new UnsupportedPatternError(pattern, `is longer than ${MAX_PATTERN_LENGTH} characters`);
    }
    try {
      new RegExp(pattern, flags);
    } catch (error) {
      throw new UnsupportedPatternError(pattern, `is not a valid regular expression (${(error as Error).message})`);
    }
    let re2: RE2JS;
    try {
      re2 = RE2JS.compile(RE2JS.translateRegExp(pattern));
    } catch (error) {
      throw new UnsupportedPatternError(
        pattern,
        `cannot be matched in linear time (${(error as Error).message}): backreferences, lookahead and lookbehind are not supported`,
      );
    }
    const size = (re2.re2().prog as { numInst(): number }).numInst();
    if (size > MAX_PATTERN_PROGRAM) {
      throw new UnsupportedPatternError(pattern, `is too large to match quickly (${size} steps, at most ${MAX_PATTERN_PROGRAM}); use maxLength for lengths`);
    }
    // Ajv tells compiled patterns apart by toString(), as it would RegExps.
    return { test: (input: string) => re2.test(input), toString: () => `/${pattern}/${flags}` };
  },
  { code: 'require("@herald/json-schema").linearRegExp' },
);
