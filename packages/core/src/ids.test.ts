import { idFloorAt, isId, newId } from './ids.js';

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

  it('draws fresh random bits for each new millisecond, well past what one draw from the system holds', () => {
    // Later than any id made so far in this process, earlier than the times idFloorAt's test uses.
    const base = Date.now() + 365 * 86_400_000;
    const ids = Array.from({ length: 5000 }, (_, i) => newId('evt', base + i));
    expect(ids.every((id) => isId('evt', id))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    // An id's random part is its last 16 characters; an increment would change only the last ones.
    expect(new Set(ids.map((id) => id.slice(-16, -1))).size).toBe(5000);
  });
});

describe('idFloorAt', () => {
  it('sorts below every id made at or after its time and above every id made before', () => {
    // Later than any id made so far in this process: newId never goes back in time.
    const at = Date.now() + 10 * 365 * 86_400_000;
    const floor = idFloorAt('dlv', at);
    expect(newId('dlv', at - 1) < floor).toBe(true);
    expect(floor <= newId('dlv', at + 1)).toBe(true);
    expect(floor).toMatch(/^dlv_[0-9A-HJKMNP-TV-Z]{10}$/);
  });
});
