/**
 * Finds where values sit in JSON text without building them: enough grammar
 * to skip strings (escapes included), numbers, literals, objects and arrays.
 * It only ever runs on text JSON.parse has accepted, so anything unexpected
 * means a bug here, reported by throwing.
 */
class JsonScanner {
  constructor(private readonly text: string) {}

  skipWhitespace(i: number): number {
    const t = this.text;
    for (let c = t.charCodeAt(i); c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d; c = t.charCodeAt(++i));
    return i;
  }

  /** The index after the string that opens at `i`. */
  private stringEnd(i: number): number {
    const t = this.text;
    for (let from = i + 1; ; ) {
      const quote = t.indexOf('"', from);
      if (quote === -1) throw new Error('unterminated string');
      let backslashes = 0;
      while (t.charCodeAt(quote - 1 - backslashes) === 0x5c) backslashes++;
      if (backslashes % 2 === 0) return quote + 1;
      from = quote + 1;
    }
  }

  /** The index after the value that starts at `i`. */
  valueEnd(i: number): number {
    const t = this.text;
    const first = t.charCodeAt(i);
    if (first === 0x22) return this.stringEnd(i);
    if (first === 0x7b || first === 0x5b) {
      let depth = 0;
      for (let j = i; j < t.length; ) {
        const c = t.charCodeAt(j);
        if (c === 0x22) {
          j = this.stringEnd(j);
          continue;
        }
        if (c === 0x7b || c === 0x5b) depth++;
        else if ((c === 0x7d || c === 0x5d) && --depth === 0) return j + 1;
        j++;
      }
      throw new Error('unterminated object or array');
    }
    // A number or a literal: it runs to the next delimiter.
    let j = i;
    for (let c = t.charCodeAt(j); j < t.length && !(c === 0x2c || c === 0x7d || c === 0x5d || c <= 0x20); c = t.charCodeAt(++j));
    if (j === i) throw new Error(`no value at ${i}`);
    return j;
  }

  private expect(i: number, char: string): void {
    if (this.text[i] !== char) throw new Error(`expected '${char}' at ${i}`);
  }

  /**
   * Each member of the object at `i`, by its key as JSON.parse reads it
   * (escapes decoded), to the [start, end) of its value. A repeated key keeps
   * its last value, as JSON.parse does.
   */
  members(i: number): Map<string, [number, number]> {
    this.expect(i, '{');
    const out = new Map<string, [number, number]>();
    let j = this.skipWhitespace(i + 1);
    if (this.text[j] === '}') return out;
    for (;;) {
      this.expect(j, '"');
      const keyEnd = this.stringEnd(j);
      const raw = this.text.slice(j + 1, keyEnd - 1);
      const key = raw.includes('\\') ? (JSON.parse(this.text.slice(j, keyEnd)) as string) : raw;
      j = this.skipWhitespace(keyEnd);
      this.expect(j, ':');
      const start = this.skipWhitespace(j + 1);
      const end = this.valueEnd(start);
      out.set(key, [start, end]);
      j = this.skipWhitespace(end);
      if (this.text[j] === '}') return out;
      this.expect(j, ',');
      j = this.skipWhitespace(j + 1);
    }
  }

  /** The [start, end) of each element of the array at `i`. */
  elements(i: number): [number, number][] {
    this.expect(i, '[');
    const out: [number, number][] = [];
    let j = this.skipWhitespace(i + 1);
    if (this.text[j] === ']') return out;
    for (;;) {
      const end = this.valueEnd(j);
      out.push([j, end]);
      j = this.skipWhitespace(end);
      if (this.text[j] === ']') return out;
      this.expect(j, ',');
      j = this.skipWhitespace(j + 1);
    }
  }
}

/** The text of member `key` of the object at `at`, or undefined when there is none or no object. */
function memberText(text: string, scanner: JsonScanner, at: number, key: string): string | undefined {
  if (text[at] !== '{') return undefined;
  const span = scanner.members(at).get(key);
  return span && text.slice(span[0], span[1]);
}

/** The exact text of `payload` in a `POST /api/v1/events` body, or undefined. */
export function singlePayloadText(body: string): string | undefined {
  try {
    const scanner = new JsonScanner(body);
    return memberText(body, scanner, scanner.skipWhitespace(0), 'payload');
  } catch {
    return undefined;
  }
}

/** The exact text of each `events[i].payload` in a `POST /api/v1/events/batch` body (undefined where there is none). */
export function batchPayloadTexts(body: string): (string | undefined)[] {
  try {
    const scanner = new JsonScanner(body);
    const root = scanner.skipWhitespace(0);
    const events = body[root] === '{' ? scanner.members(root).get('events') : undefined;
    if (!events || body[events[0]] !== '[') return [];
    return scanner.elements(events[0]).map(([start]) => memberText(body, scanner, start, 'payload'));
  } catch {
    return [];
  }
}

/**
 * Whether two values JSON.parse made are the same JSON: same members in the
 * same order, same elements, same primitives (-0 apart from 0). Much cheaper
 * than a general deep equality, which the JSON values never need.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const keys = Object.keys(a);
  const other = Object.keys(b);
  if (keys.length !== other.length) return false;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (key !== other[i] || !sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return true;
}

/**
 * The payload text to store: the producer's own bytes when `text` is exactly
 * this payload (checked by parsing it again, so a mistake here can never
 * deliver something else than what was validated), otherwise its compact
 * re-serialisation, the form Herald stored before it kept the producer's text.
 */
export function storedPayloadText(text: string | undefined, payload: unknown): string {
  if (text !== undefined) {
    try {
      if (sameJson(JSON.parse(text), payload)) return text;
    } catch {
      // not this payload: fall through
    }
  }
  return JSON.stringify(payload);
}
