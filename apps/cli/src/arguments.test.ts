import { InvalidArgumentError } from 'commander';
import { limitArgument, nonBlankArgument, replayTarget, sinceArgument, tenantNameArgument, windowArgument } from './arguments.js';
import { CliError, ExitCode } from './exit-codes.js';

function usage(fn: () => unknown): CliError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(ExitCode.Usage);
    return error as CliError;
  }
  throw new Error('expected a usage error');
}

describe('replayTarget', () => {
  it('takes --all, --endpoint or delivery ids', () => {
    expect(replayTarget([], { all: true })).toEqual({ kind: 'filter' });
    expect(replayTarget([], { endpoint: 'ep_1', eventType: 'a.b', since: '2026-01-08T00:00:00.000Z' })).toEqual({
      kind: 'filter',
      endpointId: 'ep_1',
      eventType: 'a.b',
      since: '2026-01-08T00:00:00.000Z',
    });
    expect(replayTarget(['dlv_1', 'dlv_2', 'dlv_1'], {})).toEqual({ kind: 'ids', ids: ['dlv_1', 'dlv_2'] });
  });

  it('refuses nothing to replay', () => {
    expect(usage(() => replayTarget([], {})).message).toMatch(/--all, --endpoint ID, or one or more delivery ids/);
  });

  it.each([
    [[], { all: true, endpoint: 'ep_1' }, '--all and --endpoint'],
    [['dlv_1'], { all: true }, '--all and delivery ids'],
    [['dlv_1'], { endpoint: 'ep_1' }, '--endpoint and delivery ids'],
  ])('refuses two forms at once: %p %p', (ids, flags, named) => {
    expect(usage(() => replayTarget(ids, flags)).message).toContain(named);
  });

  it('refuses filters with delivery ids', () => {
    expect(usage(() => replayTarget(['dlv_1'], { eventType: 'a.b' })).message).toMatch(/--event-type and --since go with --all or --endpoint/);
  });

  it('refuses something that is not a delivery id, pointing an endpoint id to --endpoint', () => {
    const error = usage(() => replayTarget(['dlv_1', 'ep_9'], {}));
    expect(error.message).toBe("'ep_9' is not a delivery id (dlv_...)");
    expect(error.hint).toBe("to replay an endpoint's dead deliveries use --endpoint ep_9");
    expect(usage(() => replayTarget(['dlv_1;rm'], {})).hint).toMatch(/herald dlq list/);
  });
});

describe('option parsers', () => {
  it('--limit is a whole number from 1 to 10000', () => {
    expect(limitArgument('1')).toBe(1);
    expect(limitArgument('10000')).toBe(10000);
    for (const bad of ['0', '10001', '-1', '1.5', 'ten', '']) expect(() => limitArgument(bad)).toThrow(InvalidArgumentError);
  });

  it('--since turns a duration into an ISO time from the given clock', () => {
    const since = sinceArgument(() => new Date('2026-01-08T10:00:00.000Z'));
    expect(since('2h')).toBe('2026-01-08T08:00:00.000Z');
    expect(() => since('2 hours')).toThrow(InvalidArgumentError);
  });

  it('--window is minutes, hours or days', () => {
    expect(windowArgument('7d')).toBe('7d');
    expect(() => windowArgument('1w')).toThrow(InvalidArgumentError);
  });

  it('refuses blank values and tenant names that are too long', () => {
    expect(nonBlankArgument(' ep_1 ')).toBe('ep_1');
    expect(() => nonBlankArgument('  ')).toThrow(InvalidArgumentError);
    expect(tenantNameArgument(' Acme ')).toBe('Acme');
    expect(() => tenantNameArgument('x'.repeat(201))).toThrow(InvalidArgumentError);
  });
});
