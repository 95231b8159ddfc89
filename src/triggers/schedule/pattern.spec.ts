import { compilePattern, matchingWallTimes, validatePattern } from './pattern';
import { ScheduleError } from './schedule-error';

describe('cron patterns', () => {
  it.each([
    '*/5 * * * *',
    '0 5 * * 1-5',
    '0 5 * * MON-FRI',
    '0 0 1 JAN,jul *',
    '0 0 L * *',
    '0 12 * * 1#1',
    '0 0 ? * *',
    '0 0 29 2 *',
    '0 0 30 2 0', // day of month or day of week: Sundays in February
    ' 0 5 * * * ', // croniter splits on whitespace too
    '0\t5 * * *\t*',
    '* * * * * */10', // 6 fields: seconds last, as croniter reads them
    '0 5 * * * 30',
    '*/10 * * * * *', // every second of every tenth minute
    '@yearly',
    '@annually',
    '@monthly',
    '@weekly',
    '@daily',
    '@midnight',
    '@hourly',
    '@Daily',
  ])('accepts %j as Mistral does', (pattern) => expect(() => validatePattern(pattern)).not.toThrow());

  it.each([
    ['out of range minute', '61 * * * *'],
    ['out of range hour', '0 25 * * *'],
    ['out of range day', '0 0 32 * *'],
    ['out of range month', '0 0 * 13 *'],
    ['out of range weekday', '0 0 * * 8'],
    ['out of range second', '* * * * * 60'],
    ['out of range second (a sixth field)', '0 5 * * * 75'],
    ['zero step', '*/0 * * * *'],
    ['backwards range', '5-1 * * * *'],
    ['negative', '-1 * * * *'],
    ['garbage', 'every minute please'],
    ['garbage of five words', 'a b c d e'],
    ['empty', ''],
    ['blank', '   '],
    ['too few fields (cron-parser would pad them to "every minute")', '* * *'],
    ['four fields', '0 5 * *'],
    ['seven fields', '0 0 0 1 1 * 2099'],
    ['eight fields', '* * * * * * * *'],
    ['unknown macro', '@sometimes'],
    ['cron-parser-only macro', '@minutely'],
    ['cron-parser-only macro', '@weekdays'],
    ['hash (a random value)', 'H * * * *'],
    ['hash range', '0 H(0-5) * * *'],
    ['never fires', '0 0 30 2 *'],
    ['never fires', '0 0 31 4,6 *'],
    ['bad list', '1,,2 * * * *'],
    ['decimal', '1.5 * * * *'],
  ])("refuses %s: %j with Mistral's message", (_why, pattern) => {
    expect(() => validatePattern(pattern)).toThrow(ScheduleError);
    expect(() => validatePattern(pattern)).toThrow(`The specified pattern is not valid: ${pattern}`);
  });

  it('does not take THU or MAR for a hash', () => {
    expect(() => validatePattern('0 0 * MAR THU')).not.toThrow();
  });

  it.each<[string, string]>([
    ['@yearly', '0 0 1 1 *'],
    ['@annually', '0 0 1 1 *'],
    ['@monthly', '0 0 1 * *'],
    ['@weekly', '0 0 * * 0'],
    ['@daily', '0 0 * * *'],
    ['@midnight', '0 0 * * *'],
    ['@hourly', '0 * * * *'],
  ])('reads %s as %s', (macro, expression) => expect(compilePattern(macro).expression).toBe(expression));

  it.each<[string, boolean]>([
    ['0 * * * *', true],
    ['*/15 * * * *', true],
    ['0 0-23 * * *', true],
    ['0 */1 * * *', true],
    ['* * * * * */10', true],
    ['0 5 * * * 30', false],
    ['@hourly', true],
    ['0 * * * 0', true],
    ['30 2 * * *', false],
    ['* 2 * * *', false],
    ['0 */2 * * *', false],
    ['0 0-22 * * *', false],
    ['@daily', false],
  ])('%s runs every hour: %s', (pattern, everyHour) => expect(compilePattern(pattern).everyHour).toBe(everyHour));

  it.each<[string, string]>([
    ['0 5 * * * 30', '30 0 5 * * *'],
    ['* * * * * */10', '*/10 * * * * *'],
    ['15 2 1 JAN MON 5', '5 15 2 1 JAN MON'],
  ])('reads the sixth field of %j as seconds (croniter): %j for cron-parser', (pattern, expression) => {
    expect(compilePattern(pattern).expression).toBe(expression);
  });

  it('lists matching wall times in UTC, where no clock jumps', () => {
    const walls = matchingWallTimes(compilePattern('30 2 * * *'), Date.UTC(2026, 2, 28, 12));
    const first = [walls.next().value, walls.next().value].map((wall) => new Date(wall as number).toISOString());
    expect(first).toEqual(['2026-03-29T02:30:00.000Z', '2026-03-30T02:30:00.000Z']);
  });

  it('lists the seconds of a six-field pattern (0 5 * * * 30 is 05:00:30)', () => {
    const walls = matchingWallTimes(compilePattern('0 5 * * * 30'), Date.UTC(2026, 2, 28, 12));
    const first = [walls.next().value, walls.next().value].map((wall) => new Date(wall as number).toISOString());
    expect(first).toEqual(['2026-03-29T05:00:30.000Z', '2026-03-30T05:00:30.000Z']);
  });
});
