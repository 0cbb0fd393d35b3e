import { channelProblems, matchesChannels, normalizeChannels } from './channels.js';

describe('matchesChannels', () => {
  it('lets an endpoint without channels receive everything, one with channels only events sharing one', () => {
    expect(matchesChannels([], [])).toBe(true);
    expect(matchesChannels([], ['eu'])).toBe(true);
    expect(matchesChannels(['eu'], [])).toBe(false);
    expect(matchesChannels(['eu', 'us'], ['pos', 'us'])).toBe(true);
    expect(matchesChannels(['eu'], ['us'])).toBe(false);
  });
});

describe('channelProblems', () => {
  it('names each bad name and a list longer than 10', () => {
    expect(channelProblems(['shop-eu', 'app:1.x_y'], 'channels')).toEqual([]);
    expect(channelProblems(['ok', 'Not OK', ''], 'channels').map((p) => p.path)).toEqual(['channels.1', 'channels.2']);
    expect(channelProblems(Array.from({ length: 11 }, (_, i) => `c${i}`), 'channels')).toEqual([{ path: 'channels', message: 'at most 10 channels' }]);
  });

  it('stores each channel once, in the order first given', () => {
    expect(normalizeChannels(['b', 'a', 'b'])).toEqual(['b', 'a']);
    expect(normalizeChannels(undefined)).toEqual([]);
  });
});
