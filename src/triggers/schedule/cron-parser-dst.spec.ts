import { CronExpressionParser } from 'cron-parser';
import { nextSlots } from './trigger-schedule';

/**
 * What cron-parser 5.10.5 does by itself with `tz` around DST changes, next to what this module
 * gives: the reason slots.ts maps wall times to instants itself. If one of the cron-parser
 * expectations fails after an upgrade, cron-parser changed: re-read the comment in slots.ts.
 */
describe('cron-parser alone around DST changes (why slots.ts maps wall times itself)', () => {
  const withTz = (pattern: string, tz: string, after: string, count: number): string[] => {
    const iterator = CronExpressionParser.parse(pattern, { tz, currentDate: new Date(after) });
    return Array.from({ length: count }, () => iterator.next().toDate().toISOString());
  };
  const ours = (pattern: string, timezone: string, after: string, count: number): string[] =>
    nextSlots({ pattern, timezone, firstExecutionTime: null }, new Date(after), count).map((slot) => slot.toISOString());

  it('moves a skipped 02:30 by the gap (03:30), where the day resumes at 03:00', () => {
    expect(withTz('30 2 * * *', 'Europe/Zurich', '2026-03-28T12:00:00Z', 1)).toEqual(['2026-03-29T01:30:00.000Z']);
    expect(ours('30 2 * * *', 'Europe/Zurich', '2026-03-28T12:00:00Z', 1)).toEqual(['2026-03-29T01:00:00.000Z']);
  });

  it('replays the whole skipped hour of `* 2 * * *` from 03:00 to 03:59', () => {
    const replayed = withTz('* 2 * * *', 'Europe/Zurich', '2026-03-28T12:00:00Z', 61);
    expect([replayed[0], replayed[59], replayed[60]]).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-29T01:59:00.000Z', '2026-03-30T00:00:00.000Z']);
    expect(ours('* 2 * * *', 'Europe/Zurich', '2026-03-28T12:00:00Z', 2)).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-30T00:00:00.000Z']);
  });

  it('loses a skipped time that lands on a real one', () => {
    expect(withTz('15 2,3 * * *', 'Europe/Zurich', '2026-03-28T12:00:00Z', 2)).toEqual(['2026-03-29T01:15:00.000Z', '2026-03-30T00:15:00.000Z']);
    expect(ours('15 2,3 * * *', 'Europe/Zurich', '2026-03-28T12:00:00Z', 2)).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-29T01:15:00.000Z']);
  });

  it('fires a repeated midnight in Havana at its second occurrence, unlike 02:30 in Zurich', () => {
    expect(withTz('0 0 * * *', 'America/Havana', '2026-10-31T12:00:00Z', 1)).toEqual(['2026-11-01T05:00:00.000Z']);
    expect(ours('0 0 * * *', 'America/Havana', '2026-10-31T12:00:00Z', 1)).toEqual(['2026-11-01T04:00:00.000Z']);
  });

  it('gives up on an hourly pattern at the half-hour change of Lord Howe', () => {
    expect(() => withTz('0 * * * *', 'Australia/Lord_Howe', '2026-04-04T12:30:00Z', 48)).toThrow('loop limit exceeded');
    expect(ours('0 * * * *', 'Australia/Lord_Howe', '2026-04-04T12:30:00Z', 48)).toHaveLength(48);
  });
});
