import { parseFirstExecutionTime, pythonRepr, strptimeYmdHm } from './first-execution-time';
import { ScheduleError } from './schedule-error';

describe('first_execution_time', () => {
  // every row checked against CPython 3.11: datetime.datetime.strptime(text, '%Y-%m-%d %H:%M')
  it.each<[string, string]>([
    ['2099-01-01 00:00', '2099-01-01T00:00:00.000Z'],
    ['2099-1-2 3:4', '2099-01-02T03:04:00.000Z'],
    ['2096-02-29 23:59', '2096-02-29T23:59:00.000Z'],
    ['2099-01-01  00:00', '2099-01-01T00:00:00.000Z'],
    ['2099-01-01\t00:00', '2099-01-01T00:00:00.000Z'],
    ['2099-01- 5 00:00', '2099-01-05T00:00:00.000Z'],
  ])('reads %j as Python does, in UTC', (text, expected) => {
    expect(strptimeYmdHm(text).toISOString()).toBe(expected);
  });

  it.each<[string, string]>([
    ['2099-01-01T00:00', "time data '2099-01-01T00:00' does not match format '%Y-%m-%d %H:%M'"],
    ['2099-01-01 00:00:00', 'unconverted data remains: :00'],
    ['2099-02-30 00:00', 'day is out of range for month'],
    ['2100-02-29 00:00', 'day is out of range for month'],
    ['2099-01-01 24:00', "time data '2099-01-01 24:00' does not match format '%Y-%m-%d %H:%M'"],
    ['2099-01-01 23:60', 'unconverted data remains: 0'],
    ['2099-13-01 00:00', "time data '2099-13-01 00:00' does not match format '%Y-%m-%d %H:%M'"],
    ['2099-01-01 00:00 ', 'unconverted data remains:  '],
    [' 2099-01-01 00:00', "time data ' 2099-01-01 00:00' does not match format '%Y-%m-%d %H:%M'"],
    ['', "time data '' does not match format '%Y-%m-%d %H:%M'"],
    ['2099-01-01', "time data '2099-01-01' does not match format '%Y-%m-%d %H:%M'"],
    ['99-01-01 00:00', "time data '99-01-01 00:00' does not match format '%Y-%m-%d %H:%M'"],
    ['0000-01-01 00:00', 'year 0 is out of range'],
    ["it's 2099", 'time data "it\'s 2099" does not match format \'%Y-%m-%d %H:%M\''],
    ['2099-01-01 00:000', 'unconverted data remains: 0'],
    ['2099/01/01 00:00', "time data '2099/01/01 00:00' does not match format '%Y-%m-%d %H:%M'"],
    ['2099-01-01 00:00Z', 'unconverted data remains: Z'],
  ])("refuses %j with Python's message", (text, message) => {
    let error: unknown;
    try {
      strptimeYmdHm(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ScheduleError);
    expect((error as Error).message).toBe(message);
  });

  it('quotes as Python repr() does', () => {
    expect(pythonRepr('a')).toBe("'a'");
    expect(pythonRepr("a'b")).toBe('"a\'b"');
    expect(pythonRepr('a\'b"c')).toBe("'a\\'b\"c'");
    expect(pythonRepr('a\\b\n')).toBe("'a\\\\b\\n'");
  });

  describe('at least a minute ahead (Mistral: utcnow() + 60 s > first_time is refused)', () => {
    const now = new Date('2026-11-22T12:00:00Z');
    it('takes exactly one minute ahead, and later', () => {
      expect(parseFirstExecutionTime('2026-11-22 12:01', now).toISOString()).toBe('2026-11-22T12:01:00.000Z');
      expect(parseFirstExecutionTime('2099-01-01 00:00', now).toISOString()).toBe('2099-01-01T00:00:00.000Z');
    });
    it.each<[string, Date]>([
      ['2026-11-22 12:00', now],
      ['2026-11-22 12:01', new Date('2026-11-22T12:00:00.001Z')],
      ['2026-11-22 12:01', new Date('2026-11-22T12:00:30Z')],
      ['2020-01-01 00:00', now],
    ])('refuses %s at %s', (text, at) => {
      expect(() => parseFirstExecutionTime(text, at)).toThrow(new ScheduleError('first_execution_time must be at least 1 minute in the future.'));
    });
    it('reports the format before the time', () => {
      expect(() => parseFirstExecutionTime('2020-01-01T00:00', now)).toThrow("time data '2020-01-01T00:00' does not match format '%Y-%m-%d %H:%M'");
    });
  });
});
