import { SlotLimit } from './slot-limit.js';

describe('SlotLimit', () => {
  it('starts with every slot', () => {
    expect(new SlotLimit(256).value).toBe(256);
  });

  it('loses a fifth per saturated window, down to a quarter of the slots', () => {
    const limit = new SlotLimit(256);
    const seen = Array.from({ length: 8 }, () => limit.next(0.99));
    expect(seen).toEqual([204, 163, 130, 104, 83, 66, 64, 64]);
  });

  it('gains a sixteenth of the slots per window with time to spare, up to every slot', () => {
    const limit = new SlotLimit(256);
    while (limit.value > limit.floor) limit.next(1);
    const seen = Array.from({ length: 13 }, () => limit.next(0.5));
    expect(seen).toEqual([80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 256]);
  });

  it('stays where it is while the loop is busy but not saturated', () => {
    const limit = new SlotLimit(256);
    limit.next(1);
    expect([limit.next(0.9), limit.next(0.85), limit.next(0.949)]).toEqual([204, 204, 204]);
  });

  it('never goes below 32 slots, nor lowers 32 or fewer', () => {
    expect(new SlotLimit(100).floor).toBe(32);
    expect(new SlotLimit(1000).floor).toBe(250);
    const few = new SlotLimit(16);
    expect([few.next(1), few.next(1)]).toEqual([16, 16]);
  });
});
