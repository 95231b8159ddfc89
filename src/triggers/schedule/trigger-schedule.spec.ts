import { CronExpressionParser } from 'cron-parser';
import {
  fireInstant,
  formatInZone,
  jitterOffsetSeconds,
  latestSlots,
  MAX_CATCH_UP_SLOTS,
  nextSlots,
  ScheduleError,
  slotsAfter,
  slotsToRun,
  validatePattern,
  validateTimezone,
  type MisfirePolicy,
  type TriggerSchedule,
} from './trigger-schedule';

const at = (iso: string) => new Date(iso);
const iso = (dates: Date[]) => dates.map((date) => date.toISOString().replace('.000Z', 'Z'));
const every = (pattern: string, timezone = 'UTC'): TriggerSchedule => ({ pattern, timezone, firstExecutionTime: null });
const next = (pattern: string, timezone: string, after: string, count: number) => iso(nextSlots(every(pattern, timezone), at(after), count));
const local = (dates: Date[], timezone: string) => dates.map((date) => formatInZone(date, timezone));

/** every slot in (from, to] */
function between(schedule: TriggerSchedule, from: number, to: number): number[] {
  const slots: number[] = [];
  for (const slot of slotsAfter(schedule, new Date(from))) {
    if (slot.getTime() > to) break;
    slots.push(slot.getTime());
  }
  return slots;
}

describe('trigger schedule', () => {
  it('exports the validators', () => {
    expect(() => validatePattern('61 * * * *')).toThrow(new ScheduleError('The specified pattern is not valid: 61 * * * *'));
    expect(() => validateTimezone('Europe/Atlantis')).toThrow(new ScheduleError("Unknown time zone 'Europe/Atlantis' (use an IANA name such as Europe/Zurich or UTC)"));
  });

  describe('next slots: patterns x zones x dates', () => {
    it.each<[string, string, string, string[]]>([
      ['*/15 * * * *', 'UTC', '2026-11-22T12:07:00Z', ['2026-11-22T12:15:00Z', '2026-11-22T12:30:00Z', '2026-11-22T12:45:00Z']],
      ['*/15 * * * *', 'UTC', '2026-11-22T12:15:00Z', ['2026-11-22T12:30:00Z']], // strictly after
      ['*/15 * * * *', 'UTC', '2026-11-22T12:14:59.999Z', ['2026-11-22T12:15:00Z']],
      ['* * * * * */10', 'UTC', '2026-11-22T12:00:00Z', ['2026-11-22T12:00:10Z', '2026-11-22T12:00:20Z']],
      ['0 12 * * * 30', 'UTC', '2026-11-22T00:00:00Z', ['2026-11-22T12:00:30Z', '2026-11-23T12:00:30Z']],
      ['0 5 * * * 30', 'UTC', '2026-11-22T05:00:30Z', ['2026-11-23T05:00:30Z']], // strictly after
      ['*/10 * * * * *', 'UTC', '2026-11-22T12:09:58Z', ['2026-11-22T12:10:00Z', '2026-11-22T12:10:01Z']], // seconds of minutes 0, 10...
      // 05:00:30 in Zurich, winter and summer
      ['0 5 * * * 30', 'Europe/Zurich', '2026-01-15T12:00:00Z', ['2026-01-16T04:00:30Z', '2026-01-17T04:00:30Z']],
      ['0 5 * * * 30', 'Europe/Zurich', '2026-07-01T12:00:00Z', ['2026-07-02T03:00:30Z']],
      // 05:00 in Zurich: 04:00 UTC in winter (CET), 03:00 UTC in summer (CEST)
      ['0 5 * * *', 'Europe/Zurich', '2026-01-15T12:00:00Z', ['2026-01-16T04:00:00Z', '2026-01-17T04:00:00Z']],
      ['0 5 * * *', 'Europe/Zurich', '2026-07-01T12:00:00Z', ['2026-07-02T03:00:00Z', '2026-07-03T03:00:00Z']],
      ['0 5 * * *', 'Europe/Zurich', '2026-03-27T12:00:00Z', ['2026-03-28T04:00:00Z', '2026-03-29T03:00:00Z', '2026-03-30T03:00:00Z']],
      ['0 5 * * *', 'Europe/Zurich', '2026-10-23T12:00:00Z', ['2026-10-24T03:00:00Z', '2026-10-25T04:00:00Z', '2026-10-26T04:00:00Z']],
      ['0 5 * * *', 'America/New_York', '2026-11-22T12:00:00Z', ['2026-11-23T10:00:00Z', '2026-11-24T10:00:00Z']],
      ['0 5 * * *', 'America/New_York', '2026-07-01T12:00:00Z', ['2026-07-02T09:00:00Z', '2026-07-03T09:00:00Z']],
      ['30 5 * * *', 'Asia/Kolkata', '2026-11-22T12:00:00Z', ['2026-11-23T00:00:00Z', '2026-11-24T00:00:00Z']],
      ['0 */6 * * *', 'Asia/Kathmandu', '2026-11-22T00:00:00Z', ['2026-11-22T00:15:00Z', '2026-11-22T06:15:00Z', '2026-11-22T12:15:00Z']],
      ['0 9 * * 1-5', 'Europe/Zurich', '2026-11-20T12:00:00Z', ['2026-11-23T08:00:00Z', '2026-11-24T08:00:00Z']], // Friday noon: next is Monday
      ['5 4 * * SUN', 'America/Los_Angeles', '2026-11-22T00:00:00Z', ['2026-11-22T12:05:00Z', '2026-11-29T12:05:00Z']],
      ['0 0 1 * 1', 'UTC', '2026-11-28T00:00:00Z', ['2026-11-30T00:00:00Z', '2026-12-01T00:00:00Z', '2026-12-07T00:00:00Z']], // the 1st or a Monday
      ['0 12 * * 1#1', 'UTC', '2026-11-01T00:00:00Z', ['2026-11-02T12:00:00Z', '2026-12-07T12:00:00Z']],
      ['0 0 L * *', 'UTC', '2026-02-01T00:00:00Z', ['2026-02-28T00:00:00Z', '2026-03-31T00:00:00Z']],
      ['0 0 29 2 *', 'UTC', '2026-01-01T00:00:00Z', ['2028-02-29T00:00:00Z', '2032-02-29T00:00:00Z']],
      ['@yearly', 'Europe/Zurich', '2026-06-01T00:00:00Z', ['2026-12-31T23:00:00Z', '2027-12-31T23:00:00Z']],
      ['@annually', 'UTC', '2026-06-01T00:00:00Z', ['2027-01-01T00:00:00Z']],
      ['@monthly', 'America/New_York', '2026-02-15T00:00:00Z', ['2026-03-01T05:00:00Z', '2026-04-01T04:00:00Z']],
      ['@weekly', 'UTC', '2026-11-25T00:00:00Z', ['2026-11-29T00:00:00Z', '2026-12-06T00:00:00Z']],
      ['@daily', 'Asia/Tokyo', '2026-11-22T00:00:00Z', ['2026-11-22T15:00:00Z', '2026-11-23T15:00:00Z']],
      ['@midnight', 'Asia/Tokyo', '2026-11-22T00:00:00Z', ['2026-11-22T15:00:00Z', '2026-11-23T15:00:00Z']],
      ['@hourly', 'Australia/Sydney', '2026-11-22T00:10:00Z', ['2026-11-22T01:00:00Z', '2026-11-22T02:00:00Z']],
    ])('%s in %s after %s', (pattern, zone, after, expected) => {
      expect(next(pattern, zone, after, expected.length)).toEqual(expected);
    });

    it('gives nothing for count 0, and refuses what it cannot read', () => {
      expect(nextSlots(every('* * * * *'), at('2026-01-01T00:00:00Z'), 0)).toEqual([]);
      expect(() => nextSlots(every('61 * * * *'), at('2026-01-01T00:00:00Z'), 1)).toThrow('The specified pattern is not valid: 61 * * * *');
      expect(() => nextSlots(every('* * * * *', 'Mars/Base'), at('2026-01-01T00:00:00Z'), 1)).toThrow("Unknown time zone 'Mars/Base'");
    });
  });

  describe('DST: a time skipped by the spring change', () => {
    it('fires a daily 02:30 once on the skipped day, when the day resumes (03:00 local)', () => {
      // Zurich 2026-03-29: at 02:00 CET (01:00 UTC) the clocks jump to 03:00 CEST
      const zurich = nextSlots(every('30 2 * * *', 'Europe/Zurich'), at('2026-03-27T12:00:00Z'), 4);
      expect(iso(zurich)).toEqual(['2026-03-28T01:30:00Z', '2026-03-29T01:00:00Z', '2026-03-30T00:30:00Z', '2026-03-31T00:30:00Z']);
      expect(local(zurich, 'Europe/Zurich')).toEqual(['2026-03-28 02:30:00', '2026-03-29 03:00:00', '2026-03-30 02:30:00', '2026-03-31 02:30:00']);
      // New York 2026-03-08: at 02:00 EST (07:00 UTC) the clocks jump to 03:00 EDT
      const newYork = nextSlots(every('30 2 * * *', 'America/New_York'), at('2026-03-07T12:00:00Z'), 3);
      expect(iso(newYork)).toEqual(['2026-03-08T07:00:00Z', '2026-03-09T06:30:00Z', '2026-03-10T06:30:00Z']);
      expect(local(newYork, 'America/New_York')).toEqual(['2026-03-08 03:00:00', '2026-03-09 02:30:00', '2026-03-10 02:30:00']);
    });

    it('fires the same slot from any starting point before it', () => {
      for (const after of ['2026-03-28T02:00:00Z', '2026-03-29T00:00:00Z', '2026-03-29T00:59:59Z']) {
        expect(next('30 2 * * *', 'Europe/Zurich', after, 1)).toEqual(['2026-03-29T01:00:00Z']);
      }
      expect(next('30 2 * * *', 'Europe/Zurich', '2026-03-29T01:00:00Z', 1)).toEqual(['2026-03-30T00:30:00Z']);
    });

    it('fires once at 03:00 for all of a time-of-day pattern\'s skipped times, and its real ones as usual', () => {
      expect(next('15 2,3 * * *', 'Europe/Zurich', '2026-03-28T20:00:00Z', 3)).toEqual(['2026-03-29T01:00:00Z', '2026-03-29T01:15:00Z', '2026-03-30T00:15:00Z']);
      expect(next('0 2,3 * * *', 'Europe/Zurich', '2026-03-28T20:00:00Z', 2)).toEqual(['2026-03-29T01:00:00Z', '2026-03-30T00:00:00Z']);
      expect(next('* 2 * * *', 'Europe/Zurich', '2026-03-28T20:00:00Z', 2)).toEqual(['2026-03-29T01:00:00Z', '2026-03-30T00:00:00Z']);
      expect(next('30 2 * * * 0', 'Europe/Zurich', '2026-03-28T20:00:00Z', 1)).toEqual(['2026-03-29T01:00:00Z']); // 6 fields
      expect(next('30 2 * * * 15', 'Europe/Zurich', '2026-03-28T20:00:00Z', 2)).toEqual(['2026-03-29T01:00:00Z', '2026-03-30T00:30:15Z']);
      // Santiago skips midnight (2026-09-06 00:00 -04 is 01:00 -03): the midnight run happens at 01:00
      expect(next('0 0 * * *', 'America/Santiago', '2026-09-04T12:00:00Z', 3)).toEqual(['2026-09-05T04:00:00Z', '2026-09-06T04:00:00Z', '2026-09-07T03:00:00Z']);
      // Beirut too (2026-03-29 00:00 EET is 01:00 EEST)
      expect(next('0 0 * * *', 'Asia/Beirut', '2026-03-27T12:00:00Z', 3)).toEqual(['2026-03-27T22:00:00Z', '2026-03-28T22:00:00Z', '2026-03-29T21:00:00Z']);
    });
  });

  describe('DST: a time repeated by the autumn change', () => {
    it('fires a daily 02:30 once, at its first occurrence', () => {
      // Zurich 2026-10-25: at 03:00 CEST (01:00 UTC) the clocks go back to 02:00 CET; 02:30 shows twice
      const zurich = nextSlots(every('30 2 * * *', 'Europe/Zurich'), at('2026-10-23T12:00:00Z'), 4);
      expect(iso(zurich)).toEqual(['2026-10-24T00:30:00Z', '2026-10-25T00:30:00Z', '2026-10-26T01:30:00Z', '2026-10-27T01:30:00Z']);
      // New York 2026-11-01: at 02:00 EDT (06:00 UTC) the clocks go back to 01:00 EST; 01:30 shows twice
      expect(next('30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z', 3)).toEqual(['2026-11-01T05:30:00Z', '2026-11-02T06:30:00Z', '2026-11-03T06:30:00Z']);
    });

    it('does not fire the second occurrence when starting between the two', () => {
      expect(next('30 2 * * *', 'Europe/Zurich', '2026-10-25T00:45:00Z', 1)).toEqual(['2026-10-26T01:30:00Z']);
      expect(next('30 1 * * *', 'America/New_York', '2026-11-01T05:45:00Z', 1)).toEqual(['2026-11-02T06:30:00Z']);
    });

    it('fires a time-of-day pattern once per wall time, an every-hour one at each real instant', () => {
      // 0 */2: 02:00 CEST fires, 02:00 CET does not
      expect(next('0 */2 * * *', 'Europe/Zurich', '2026-10-24T21:00:00Z', 3)).toEqual(['2026-10-24T22:00:00Z', '2026-10-25T00:00:00Z', '2026-10-25T03:00:00Z']);
      // * 2: every minute of the first 02:xx, none of the second
      const minutes = nextSlots(every('* 2 * * *', 'Europe/Zurich'), at('2026-10-24T23:00:00Z'), 61);
      expect(minutes).toHaveLength(61);
      expect(iso([minutes[0], minutes[59], minutes[60]])).toEqual(['2026-10-25T00:00:00Z', '2026-10-25T00:59:00Z', '2026-10-26T01:00:00Z']);
      // 30 *: both 02:30s, one real hour apart
      expect(next('30 * * * *', 'Europe/Zurich', '2026-10-25T00:45:00Z', 2)).toEqual(['2026-10-25T01:30:00Z', '2026-10-25T02:30:00Z']);
      // Santiago repeats 23:xx (2026-04-05 00:00 -03 goes back to 2026-04-04 23:00 -04)
      expect(next('45 23 * * *', 'America/Santiago', '2026-04-03T12:00:00Z', 3)).toEqual(['2026-04-04T02:45:00Z', '2026-04-05T02:45:00Z', '2026-04-06T03:45:00Z']);
    });
  });

  describe('DST: every-hour patterns follow real time', () => {
    const hoursApart = (slots: Date[], hours: number) =>
      slots.slice(1).forEach((slot, index) => expect(slot.getTime() - slots[index].getTime()).toBe(hours * 3600_000));

    it.each<[string, string, string, string[]]>([
      ['Europe/Zurich', 'spring', '2026-03-28T21:30:00Z', ['23', '00', '01', '03', '04', '05']],
      ['Europe/Zurich', 'autumn', '2026-10-24T21:30:00Z', ['00', '01', '02', '02', '03', '04']],
      ['America/New_York', 'spring', '2026-03-08T04:30:00Z', ['00', '01', '03', '04', '05', '06']],
      ['America/New_York', 'autumn', '2026-11-01T03:30:00Z', ['00', '01', '01', '02', '03', '04']],
    ])('0 * * * * in %s, %s: one slot per real hour, only the missing hour left out', (zone, _season, after, hours) => {
      const slots = nextSlots(every('0 * * * *', zone), at(after), 6);
      expect(new Set(iso(slots)).size).toBe(6);
      hoursApart(slots, 1);
      expect(local(slots, zone).map((text) => text.slice(11, 13))).toEqual(hours);
    });

    it('moves no :30 slot to 03:00 when an hour is skipped', () => {
      const slots = nextSlots(every('30 * * * *', 'Europe/Zurich'), at('2026-03-28T23:00:00Z'), 4);
      expect(iso(slots)).toEqual(['2026-03-28T23:30:00Z', '2026-03-29T00:30:00Z', '2026-03-29T01:30:00Z', '2026-03-29T02:30:00Z']);
      expect(local(slots, 'Europe/Zurich').map((text) => text.slice(11, 16))).toEqual(['00:30', '01:30', '03:30', '04:30']);
    });

    it('keeps */20 and */10 s at their pace through both changes', () => {
      for (const after of ['2026-03-29T00:30:00Z', '2026-10-25T00:30:00Z']) {
        const slots = nextSlots(every('*/20 * * * *', 'Europe/Zurich'), at(after), 9);
        slots.slice(1).forEach((slot, index) => expect(slot.getTime() - slots[index].getTime()).toBe(20 * 60_000));
      }
      for (const after of ['2026-03-29T00:59:30Z', '2026-10-25T00:59:30Z']) {
        const slots = nextSlots(every('* * * * * */10', 'Europe/Zurich'), at(after), 12);
        expect(slots[0].toISOString()).toBe(after.replace(':30Z', ':40.000Z'));
        slots.slice(1).forEach((slot, index) => expect(slot.getTime() - slots[index].getTime()).toBe(10_000));
      }
    });

    it('follows half-hour changes too (Lord Howe: +11 to +10:30)', () => {
      expect(local(nextSlots(every('0 * * * *', 'Australia/Lord_Howe'), at('2026-04-04T12:30:00Z'), 4), 'Australia/Lord_Howe')).toEqual([
        '2026-04-05 00:00:00',
        '2026-04-05 01:00:00',
        '2026-04-05 02:00:00', // 90 real minutes after 01:00: at 02:00 +11 the clocks went back to 01:30
        '2026-04-05 03:00:00',
      ]);
    });
  });

  it('fires a daily pattern exactly once on every day of 2026, at its time or when a skipped day resumes', () => {
    for (const zone of ['Europe/Zurich', 'America/New_York', 'America/Santiago']) {
      for (const time of ['0 0', '30 1', '30 2', '59 2', '0 3', '0 5', '59 23']) {
        const [minute, hour] = time.split(' ');
        const slots = nextSlots(every(`${minute} ${hour} * * *`, zone), at('2025-12-31T12:00:00Z'), 400);
        const days = local(slots, zone).map((text) => text.slice(0, 10)).filter((day) => day.startsWith('2026'));
        expect(days).toHaveLength(365);
        expect(new Set(days).size).toBe(365);
        const offTime = local(slots, zone).filter((text) => text.startsWith('2026') && text.slice(11, 16) !== `${hour.padStart(2, '0')}:${minute.padStart(2, '0')}`);
        expect(offTime.length).toBeLessThanOrEqual(1); // only on the day that skips that time
      }
    }
  });

  describe('agrees with a minute-by-minute reading of the clock around every change', () => {
    /**
     * The rule, written plainly and computed the slow way: walk real time minute by minute, read the
     * clock with Intl; an every-hour pattern fires whenever the clock reading matches; a time-of-day
     * pattern fires at the first instant showing a matching reading, and at the end of a gap in
     * which the clock skipped over a matching reading.
     */
    function clockReadings(zone: string, from: number, to: number): Map<number, number> {
      const clock = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
      const readings = new Map<number, number>();
      for (let instant = from - 60_000; instant <= to; instant += 60_000) {
        const p = Object.fromEntries(clock.formatToParts(instant).map((part) => [part.type, Number(part.value)]));
        readings.set(instant, Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute));
      }
      return readings;
    }

    function reference(pattern: string, readings: Map<number, number>, from: number, to: number): number[] {
      const parsed = CronExpressionParser.parse(pattern, { tz: 'UTC', currentDate: new Date(from - 2 * 86_400_000) });
      const everyHour = parsed.fields.hour.values.length === 24;
      const matches = new Set<number>();
      for (let wall = parsed.next().getTime(); wall < to + 2 * 86_400_000; wall = parsed.next().getTime()) matches.add(wall);
      const slots: number[] = [];
      const seen = new Set<number>();
      let previous = readings.get(from - 60_000)!;
      for (let instant = from; instant <= to; instant += 60_000) {
        const wall = readings.get(instant)!;
        let fires = matches.has(wall) && (everyHour || !seen.has(wall));
        if (!everyHour && wall - previous > 60_000) {
          for (let skipped = previous + 60_000; skipped < wall; skipped += 60_000) if (matches.has(skipped)) fires = true;
        }
        if (fires) slots.push(instant);
        seen.add(wall);
        previous = wall;
      }
      return slots;
    }

    const changes: Array<[string, string]> = [
      ['Europe/Zurich', '2026-03-29'],
      ['Europe/Zurich', '2026-10-25'],
      ['America/New_York', '2026-03-08'],
      ['America/New_York', '2026-11-01'],
      ['America/Santiago', '2026-04-05'],
      ['America/Santiago', '2026-09-06'],
      ['Australia/Lord_Howe', '2026-04-05'],
      ['Australia/Lord_Howe', '2026-10-04'],
      ['Asia/Beirut', '2026-03-29'],
      ['Asia/Beirut', '2026-10-25'],
      ['America/Havana', '2026-03-08'],
      ['America/Havana', '2026-11-01'],
      ['Pacific/Chatham', '2026-04-05'],
      ['Pacific/Chatham', '2026-09-27'],
    ];
    const patterns = ['0 0 * * *', '30 2 * * *', '30 1 * * *', '45 23 * * *', '0 * * * *', '30 * * * *', '*/20 * * * *', '15 1,2,3 * * *', '* 2 * * *', '0 */2 * * *', '0 0 * * 0', '59 0-3 * * *'];

    it.each(changes)('%s on %s', (zone, day) => {
      const from = Date.parse(`${day}T00:00:00Z`) - 18 * 3600_000;
      const to = Date.parse(`${day}T00:00:00Z`) + 42 * 3600_000;
      const offset = (instant: number) => new Date(instant).toLocaleString('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
      expect(offset(from).slice(-9)).not.toBe(offset(to).slice(-9)); // the window holds a change
      const readings = clockReadings(zone, from, to);
      for (const pattern of patterns) {
        const expected = reference(pattern, readings, from, to);
        const actual = between(every(pattern, zone), from - 1, to);
        expect({ pattern, slots: iso(actual.map((slot) => new Date(slot))) }).toEqual({ pattern, slots: iso(expected.map((slot) => new Date(slot))) });
      }
    });
  });

  describe('first_execution_time', () => {
    const first = at('2026-12-01T10:07:00Z');

    it('comes first, then the pattern from there', () => {
      expect(iso(nextSlots({ pattern: '0 12 * * *', timezone: 'UTC', firstExecutionTime: first }, at('2026-11-22T00:00:00Z'), 3))).toEqual([
        '2026-12-01T10:07:00Z',
        '2026-12-01T12:00:00Z',
        '2026-12-02T12:00:00Z',
      ]);
      // once past, only the pattern
      expect(iso(nextSlots({ pattern: '0 12 * * *', timezone: 'UTC', firstExecutionTime: first }, first, 2))).toEqual(['2026-12-01T12:00:00Z', '2026-12-02T12:00:00Z']);
      expect(iso(nextSlots({ pattern: '0 12 * * *', timezone: 'UTC', firstExecutionTime: first }, at('2026-12-05T00:00:00Z'), 1))).toEqual(['2026-12-05T12:00:00Z']);
    });

    it('is not doubled when the pattern also names it', () => {
      expect(iso(nextSlots({ pattern: '7 10 * * *', timezone: 'UTC', firstExecutionTime: first }, at('2026-11-22T00:00:00Z'), 2))).toEqual([
        '2026-12-01T10:07:00Z',
        '2026-12-02T10:07:00Z',
      ]);
    });

    it('is the one slot of a trigger without pattern', () => {
      const oneShot: TriggerSchedule = { pattern: null, timezone: 'UTC', firstExecutionTime: first };
      expect(iso(nextSlots(oneShot, at('2026-11-22T00:00:00Z'), 3))).toEqual(['2026-12-01T10:07:00Z']);
      expect(nextSlots(oneShot, first, 3)).toEqual([]);
      expect(nextSlots({ pattern: null, timezone: 'UTC', firstExecutionTime: null }, first, 3)).toEqual([]);
    });

    it('is followed by the pattern read in the zone', () => {
      expect(iso(nextSlots({ pattern: '0 5 * * *', timezone: 'Europe/Zurich', firstExecutionTime: first }, at('2026-11-22T00:00:00Z'), 2))).toEqual([
        '2026-12-01T10:07:00Z',
        '2026-12-02T04:00:00Z',
      ]);
    });
  });

  describe('jitter', () => {
    const ids = Array.from({ length: 500 }, (_, index) => `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`);

    it('is 0 without a window', () => {
      for (const window of [0, -5, 0.5, Number.NaN]) expect(jitterOffsetSeconds('trigger-1', window)).toBe(0);
      expect(jitterOffsetSeconds('trigger-1', 1)).toBe(0);
    });

    it('is the same every time for an id, whole seconds in [0, window)', () => {
      expect(jitterOffsetSeconds('trigger-1', 300)).toBe(jitterOffsetSeconds('trigger-1', 300));
      for (const id of ids) {
        const offset = jitterOffsetSeconds(id, 300);
        expect(Number.isInteger(offset)).toBe(true);
        expect(offset).toBeGreaterThanOrEqual(0);
        expect(offset).toBeLessThan(300);
        expect(jitterOffsetSeconds(id, 300.9)).toBe(offset);
      }
      expect(new Set(ids.map((id) => jitterOffsetSeconds(id, 300))).size).toBeGreaterThan(150);
    });

    it('spreads 500 triggers over a 300 s window: no 10 s bucket holds more than 4 times its share', () => {
      const buckets = new Array<number>(30).fill(0);
      for (const id of ids) buckets[Math.floor(jitterOffsetSeconds(id, 300) / 10)] += 1;
      const share = 500 / 30;
      expect(Math.max(...buckets)).toBeLessThan(4 * share);
      expect(Math.min(...buckets)).toBeGreaterThan(0);
      // and random-looking ids (UUIDs) as well
      const uuids = Array.from({ length: 500 }, (_, index) => `${(index * 2654435761) % 4294967296}`.padStart(8, '0') + '-5f1e-4c2a-9b7d-1e2f3a4b5c6d');
      const uuidBuckets = new Array<number>(30).fill(0);
      for (const id of uuids) uuidBuckets[Math.floor(jitterOffsetSeconds(id, 300) / 10)] += 1;
      expect(Math.max(...uuidBuckets)).toBeLessThan(4 * share);
    });

    it('puts the fire instant at slot + offset', () => {
      const slot = at('2026-11-23T04:00:00Z');
      expect(fireInstant(slot, 'trigger-1', 300).getTime()).toBe(slot.getTime() + jitterOffsetSeconds('trigger-1', 300) * 1000);
      expect(fireInstant(slot, 'trigger-1', 0)).toEqual(slot);
    });
  });

  describe('slots to run when one is found due', () => {
    const minutely = every('* * * * *');
    const due = at('2026-11-22T12:00:00Z');
    const now = at('2026-11-22T12:05:30Z');
    const policies: MisfirePolicy[] = ['run_once', 'skip', 'catch_up'];

    it('on time, every policy runs the one due slot', () => {
      for (const policy of policies) {
        for (const when of ['2026-11-22T12:00:00Z', '2026-11-22T12:00:00.500Z', '2026-11-22T12:00:59.999Z']) {
          expect(slotsToRun(minutely, due, at(when), policy, 3600)).toEqual({ run: [due], next: at('2026-11-22T12:01:00Z') });
        }
      }
    });

    it('run_once (Mistral): one run for all missed slots, at the latest, then on from now', () => {
      expect(slotsToRun(minutely, due, now, 'run_once', 3600)).toEqual({ run: [at('2026-11-22T12:05:00Z')], next: at('2026-11-22T12:06:00Z') });
      expect(slotsToRun(every('0 5 * * *', 'Europe/Zurich'), at('2026-11-01T04:00:00Z'), at('2026-11-22T12:00:00Z'), 'run_once', 3600)).toEqual({
        run: [at('2026-11-22T04:00:00Z')],
        next: at('2026-11-23T04:00:00Z'),
      });
    });

    it('skip: none of the missed slots, unless the due one is under 60 s old', () => {
      expect(slotsToRun(minutely, due, now, 'skip', 3600)).toEqual({ run: [], next: at('2026-11-22T12:06:00Z') });
      expect(slotsToRun(minutely, due, at('2026-11-22T12:01:00Z'), 'skip', 3600)).toEqual({ run: [], next: at('2026-11-22T12:02:00Z') });
      expect(slotsToRun(minutely, due, at('2026-11-22T12:00:59Z'), 'skip', 3600)).toEqual({ run: [due], next: at('2026-11-22T12:01:00Z') });
    });

    it('catch_up: every missed slot inside the window, oldest first', () => {
      expect(iso(slotsToRun(minutely, due, now, 'catch_up', 3600).run)).toEqual([
        '2026-11-22T12:00:00Z',
        '2026-11-22T12:01:00Z',
        '2026-11-22T12:02:00Z',
        '2026-11-22T12:03:00Z',
        '2026-11-22T12:04:00Z',
        '2026-11-22T12:05:00Z',
      ]);
      expect(slotsToRun(minutely, due, now, 'catch_up', 3600).next).toEqual(at('2026-11-22T12:06:00Z'));
      // window 150 s: from 12:03:00 on
      expect(iso(slotsToRun(minutely, due, now, 'catch_up', 150).run)).toEqual(['2026-11-22T12:03:00Z', '2026-11-22T12:04:00Z', '2026-11-22T12:05:00Z']);
      // a window under a minute still runs what is on time
      expect(iso(slotsToRun(minutely, due, now, 'catch_up', 0).run)).toEqual(['2026-11-22T12:05:00Z']);
      expect(iso(slotsToRun(every('0 * * * *'), at('2026-11-22T09:00:00Z'), at('2026-11-22T12:30:00Z'), 'catch_up', 0).run)).toEqual([]);
    });

    it('catch_up runs at most the latest 1000', () => {
      const seconds = every('* * * * * */10');
      const plan = slotsToRun(seconds, at('2026-11-21T12:00:00Z'), at('2026-11-22T12:00:05Z'), 'catch_up', 86_400);
      expect(plan.run).toHaveLength(MAX_CATCH_UP_SLOTS);
      expect(plan.run[plan.run.length - 1]).toEqual(at('2026-11-22T12:00:00Z'));
      expect(plan.run[0]).toEqual(at('2026-11-22T09:13:30Z'));
      plan.run.slice(1).forEach((slot, index) => expect(slot.getTime() - plan.run[index].getTime()).toBe(10_000));
      expect(plan.next).toEqual(at('2026-11-22T12:00:10Z'));
    });

    it('stays quick after a month of downtime of a seconds pattern', () => {
      const started = Date.now();
      const plan = slotsToRun(every('* * * * * *'), at('2026-10-22T12:00:00Z'), at('2026-11-22T12:00:00.500Z'), 'run_once', 3600);
      expect(plan).toEqual({ run: [at('2026-11-22T12:00:00Z')], next: at('2026-11-22T12:00:01Z') });
      expect(slotsToRun(every('* * * * * *'), at('2026-10-22T12:00:00Z'), at('2026-11-22T12:00:00.500Z'), 'skip', 3600).run).toEqual([]);
      expect(Date.now() - started).toBeLessThan(5000);
    });

    it('runs across DST changes by real instants', () => {
      // hourly in Zurich, due at 02:00 CEST, found at 02:30 CET: both 02:00s were slots
      const hourly = every('0 * * * *', 'Europe/Zurich');
      expect(iso(slotsToRun(hourly, at('2026-10-25T00:00:00Z'), at('2026-10-25T01:30:00Z'), 'catch_up', 3600 * 3).run)).toEqual(['2026-10-25T00:00:00Z', '2026-10-25T01:00:00Z']);
      expect(slotsToRun(hourly, at('2026-10-25T00:00:00Z'), at('2026-10-25T01:30:00Z'), 'run_once', 0)).toEqual({ run: [at('2026-10-25T01:00:00Z')], next: at('2026-10-25T02:00:00Z') });
      const daily = every('30 2 * * *', 'Europe/Zurich');
      expect(slotsToRun(daily, at('2026-03-28T01:30:00Z'), at('2026-03-29T12:00:00Z'), 'catch_up', 86_400 * 2)).toEqual({
        run: [at('2026-03-28T01:30:00Z'), at('2026-03-29T01:00:00Z')],
        next: at('2026-03-30T00:30:00Z'),
      });
    });

    it('treats first_execution_time as the first slot, and a one-shot as having no next', () => {
      const schedule: TriggerSchedule = { pattern: '0 * * * *', timezone: 'UTC', firstExecutionTime: at('2026-11-22T10:07:00Z') };
      expect(slotsToRun(schedule, at('2026-11-22T10:07:00Z'), at('2026-11-22T10:07:10Z'), 'run_once', 3600)).toEqual({ run: [at('2026-11-22T10:07:00Z')], next: at('2026-11-22T11:00:00Z') });
      expect(slotsToRun(schedule, at('2026-11-22T10:07:00Z'), at('2026-11-22T12:30:00Z'), 'run_once', 3600)).toEqual({ run: [at('2026-11-22T12:00:00Z')], next: at('2026-11-22T13:00:00Z') });
      expect(iso(slotsToRun(schedule, at('2026-11-22T10:07:00Z'), at('2026-11-22T12:30:00Z'), 'catch_up', 3 * 3600).run)).toEqual([
        '2026-11-22T10:07:00Z',
        '2026-11-22T11:00:00Z',
        '2026-11-22T12:00:00Z',
      ]);
      const oneShot: TriggerSchedule = { pattern: null, timezone: 'UTC', firstExecutionTime: at('2026-11-22T10:07:00Z') };
      expect(slotsToRun(oneShot, at('2026-11-22T10:07:00Z'), at('2026-11-22T10:07:10Z'), 'skip', 0)).toEqual({ run: [at('2026-11-22T10:07:00Z')], next: null });
      expect(slotsToRun(oneShot, at('2026-11-22T10:07:00Z'), at('2026-11-22T12:00:00Z'), 'skip', 0)).toEqual({ run: [], next: null });
      expect(slotsToRun(oneShot, at('2026-11-22T10:07:00Z'), at('2026-11-22T12:00:00Z'), 'run_once', 0)).toEqual({ run: [at('2026-11-22T10:07:00Z')], next: null });
      expect(slotsToRun(oneShot, at('2026-11-22T10:07:00Z'), at('2026-11-22T12:00:00Z'), 'catch_up', 3 * 3600)).toEqual({ run: [at('2026-11-22T10:07:00Z')], next: null });
      expect(slotsToRun(oneShot, at('2026-11-22T10:07:00Z'), at('2026-11-22T12:00:00Z'), 'catch_up', 3600)).toEqual({ run: [], next: null });
    });

    it('runs nothing for a slot not yet due', () => {
      expect(slotsToRun(minutely, at('2026-11-22T12:10:00Z'), now, 'run_once', 3600)).toEqual({ run: [], next: at('2026-11-22T12:10:00Z') });
    });

    it('measures from the fire instant when given the jitter offset', () => {
      const daily = every('0 5 * * *');
      const slot = at('2026-11-22T05:00:00Z');
      const found = at('2026-11-22T05:02:30Z'); // offset 120 s: fired 30 s after its fire instant
      expect(slotsToRun(daily, slot, found, 'skip', 0)).toEqual({ run: [], next: at('2026-11-23T05:00:00Z') });
      expect(slotsToRun(daily, slot, found, 'skip', 0, 120)).toEqual({ run: [slot], next: at('2026-11-23T05:00:00Z') });
      expect(slotsToRun(daily, slot, at('2026-11-22T05:01:00Z'), 'run_once', 0, 120)).toEqual({ run: [], next: slot });
    });

    it('refuses an unknown policy', () => {
      expect(() => slotsToRun(minutely, due, now, 'sometimes' as MisfirePolicy, 0)).toThrow(ScheduleError);
    });
  });

  it('lists the latest slots before an instant', () => {
    expect(iso(latestSlots(every('0 5 * * *'), at('2026-01-01T00:00:00Z'), at('2026-11-22T12:00:00Z'), 2))).toEqual(['2026-11-21T05:00:00Z', '2026-11-22T05:00:00Z']);
    expect(iso(latestSlots(every('0 5 1 1 *'), at('2025-01-01T00:00:00Z'), at('2026-11-22T12:00:00Z'), 5))).toEqual(['2025-01-01T05:00:00Z', '2026-01-01T05:00:00Z']);
    expect(latestSlots(every('0 5 * * *'), at('2026-11-22T12:00:00Z'), at('2026-11-22T12:00:00Z'), 2)).toEqual([]);
  });
});
