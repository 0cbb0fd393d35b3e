import { isId, newId } from './ids.js';

describe('newId', () => {
  it('is prefixed and recognisable', () => {
    const id = newId('evt');
    expect(id).toMatch(/^evt_[0-9A-Z]{26}$/);
    expect(isId('evt', id)).toBe(true);
    expect(isId('dlv', id)).toBe(false);
  });

  it('sorts by creation time, also within one millisecond', () => {
    const ids = [newId('dlv', 1_700_000_000_000), newId('dlv', 1_700_000_000_000), newId('dlv', 1_700_000_000_001)];
    const more = Array.from({ length: 1000 }, () => newId('att'));
    expect([...ids].sort()).toEqual(ids);
    expect([...more].sort()).toEqual(more);
    expect(new Set(more).size).toBe(1000);
  });
});
