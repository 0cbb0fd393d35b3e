import { pathTooDeep } from './json-body.js';

describe('pathTooDeep', () => {
  it('counts the value itself as the first level', () => {
    expect(pathTooDeep({}, 1)).toBeNull();
    expect(pathTooDeep([], 1)).toBeNull();
    expect(pathTooDeep({ a: {} }, 1)).toEqual(['a']);
    expect(pathTooDeep('text', 0)).toBeNull();
  });

  it('names the path down to the first container past the limit', () => {
    const value = { ok: [1, 2, { fine: true }], bad: [0, [[{ x: 1 }]]] };
    expect(pathTooDeep(value, 5)).toBeNull();
    expect(pathTooDeep(value, 4)).toEqual(['bad', '1', '0', '0']);
    expect(pathTooDeep(value, 3)).toEqual(['bad', '1', '0']);
    expect(pathTooDeep(value, 2)).toEqual(['ok', '2']);
  });

  it('handles a value nested far deeper than the stack would allow to recurse into', () => {
    let value: unknown = 1;
    for (let i = 0; i < 200_000; i++) value = [value];
    expect(pathTooDeep(value, 64)).toHaveLength(64);
  });
});
