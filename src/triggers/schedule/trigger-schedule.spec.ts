import {
  formatInZone,
  jitterOffsetSeconds,
  nextSlots,
  parseFirstExecutionTime,
  ScheduleError,
  slotsToRun,
  validatePattern,
  validateTimezone,
  type TriggerSchedule,
} from './trigger-schedule';

const at = (iso: string) => new Date(iso);
const iso = (dates: Date[]) => dates.map((date) => date.toISOString().replace('.000Z', 'Z'));
const every = (pattern: string, timezone = 'UTC'): TriggerSchedule => ({ pattern, timezone, firstExecutionTime: null });

describe('trigger schedule', () => {
  describe('patterns', () => {
    it.each(['*/5 * * * *', '0 5 * * 1-5', '*/10 * * * * *', '@hourly', '@daily', '@weekly', '@monthly', '@yearly', '0 0 30 2 0'])(
      'accepts %s as Mistral does',
      (pattern) => expect(() => validatePattern(pattern)).not.toThrow(),
    );

    it.each(['61 * * * *', 'every minute please', '', '* * *', '* * * * * * * *', '0 25 * * *', '@sometimes'])(
      "refuses '%s' with Mistral's message",
      (pattern) => {
        expect(() => validatePattern(pattern)).toThrow(ScheduleError);
        expect(() => validatePattern(pattern)).toThrow(`The specified pattern is not valid: ${pattern}`);
      },
    );

    it('knows IANA zones and refuses others by name', () => {
      for (const zone of ['UTC', 'Europe/Zurich', 'America/New_York', 'Asia/Kolkata']) expect(() => validateTimezone(zone)).not.toThrow();
      for (const zone of ['Europe/Atlantis', '', 'Mars/Base', ' UTC']) {
        expect(() => validateTimezone(zone)).toThrow(`Unknown time zone '${zone}'`);
      }
    });
  });

  describe('next slots', () => {
    it.each<[string, string, string, string[]]>([
      ['*/15 * * * *', 'UTC', '2026-11-22T12:07:00Z', ['2026-11-22T12:15:00Z', '2026-11-22T12:30:00Z']],
      ['*/10 * * * * *', 'UTC', '2026-11-22T12:00:00Z', ['2026-11-22T12:00:10Z', '2026-11-22T12:00:20Z']],
      ['@hourly', 'UTC', '2026-11-22T12:00:00Z', ['2026-11-22T13:00:00Z', '2026-11-22T14:00:00Z']],
      // 05:00 in Zurich is 04:00 UTC in winter (CET) and 03:00 UTC in summer (CEST)
      ['0 5 * * *', 'Europe/Zurich', '2026-11-22T12:00:00Z', ['2026-11-23T04:00:00Z', '2026-11-24T04:00:00Z']],
      ['0 5 * * *', 'Europe/Zurich', '2026-07-01T12:00:00Z', ['2026-07-02T03:00:00Z', '2026-07-03T03:00:00Z']],
      ['0 5 * * *', 'America/New_York', '2026-11-22T12:00:00Z', ['2026-11-23T10:00:00Z', '2026-11-24T10:00:00Z']],
      ['30 5 * * *', 'Asia/Kolkata', '2026-11-22T12:00:00Z', ['2026-11-23T00:00:00Z', '2026-11-24T00:00:00Z']],
    ])('%s in %s after %s', (pattern, zone, after, expected) => {
      expect(iso(nextSlots(every(pattern, zone), at(after), expected.length))).toEqual(expected);
    });

    it('fires a daily time skipped by the spring change once, shifted by the gap', () => {
      // Zurich, 2026-03-29: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist that day
      expect(iso(nextSlots(every('30 2 * * *', 'Europe/Zurich'), at('2026-03-27T12:00:00Z'), 4))).toEqual([
        '2026-03-28T01:30:00Z', // 02:30 CET
        '2026-03-29T01:30:00Z', // 03:30 CEST: once
        '2026-03-30T00:30:00Z', // 02:30 CEST
        '2026-03-31T00:30:00Z',
      ]);
      // New York, 2026-03-08
      expect(iso(nextSlots(every('30 2 * * *', 'America/New_York'), at('2026-03-07T12:00:00Z'), 3))).toEqual([
        '2026-03-08T07:30:00Z',
        '2026-03-09T06:30:00Z',
        '2026-03-10T06:30:00Z',
      ]);
    });

    it('fires a daily time repeated by the autumn change once, at its first occurrence', () => {
      // Zurich, 2026-10-25: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice
      expect(iso(nextSlots(every('30 2 * * *', 'Europe/Zurich'), at('2026-10-23T12:00:00Z'), 4))).toEqual([
        '2026-10-24T00:30:00Z',
        '2026-10-25T00:30:00Z', // 02:30 CEST, not again at 02:30 CET
        '2026-10-26T01:30:00Z',
        '2026-10-27T01:30:00Z',
      ]);
      expect(iso(nextSlots(every('30 1 * * *', 'America/New_York'), at('2026-10-31T12:00:00Z'), 3))).toEqual([
        '2026-11-01T05:30:00Z',
        '2026-11-02T06:30:00Z',
        '2026-11-03T06:30:00Z',
      ]);
    });

    it('runs an hourly pattern every real hour across both changes, none twice, none lost', () => {
      const spring = nextSlots(every('0 * * * *', 'Europe/Zurich'), at('2026-03-28T22:30:00Z'), 6);
      const autumn = nextSlots(every('0 * * * *', 'Europe/Zurich'), at('2026-10-24T22:30:00Z'), 6);
      for (const slots of [spring, autumn]) {
        expect(new Set(iso(slots)).size).toBe(6);
        slots.slice(1).forEach((slot, index) => expect(slot.getTime() - slots[index].getTime()).toBe(3600_000));
      }
      expect(spring.map((slot) => formatInZone(slot, 'Europe/Zurich').slice(11, 13))).toEqual(['00', '01', '03', '04', '05', '06']);
      expect(autumn.map((slot) => formatInZone(slot, 'Europe/Zurich').slice(11, 13))).toEqual(['01', '02', '02', '03', '04', '05']);
    });

    it('starts with first_execution_time, then follows the pattern; a one-shot has one slot', () => {
      const first = at('2026-12-01T10:00:00Z');
      expect(iso(nextSlots({ pattern: '0 12 * * *', timezone: 'UTC', firstExecutionTime: first }, at('2026-11-22T00:00:00Z'), 3))).toEqual([
        '2026-12-01T10:00:00Z',
        '2026-12-01T12:00:00Z',
        '2026-12-02T12:00:00Z',
      ]);
      expect(iso(nextSlots({ pattern: null, timezone: 'UTC', firstExecutionTime: first }, at('2026-11-22T00:00:00Z'), 3))).toEqual(['2026-12-01T10:00:00Z']);
      expect(nextSlots({ pattern: null, timezone: 'UTC', firstExecutionTime: first }, first, 3)).toEqual([]);
    });

    it('ends a pattern that never matches instead of looping', () => {
      expect(nextSlots(every('0 0 30 2 *'), at('2026-11-22T00:00:00Z'), 2)).toEqual([]);
    });
  });

  describe('first_execution_time', () => {
    const now = at('2026-11-22T12:00:00Z');
    it('reads "YYYY-MM-DD HH:MM" as UTC', () => {
      expect(parseFirstExecutionTime('2099-01-01 00:00', now).toISOString()).toBe('2099-01-01T00:00:00.000Z');
    });
    it.each([
      ['2099-01-01T00:00', "time data '2099-01-01T00:00' does not match format '%Y-%m-%d %H:%M'"],
      ['2099-01-01 00:00:00', 'unconverted data remains: :00'],
      ['2099-02-30 00:00', "time data '2099-02-30 00:00' does not match format '%Y-%m-%d %H:%M'"],
      ['2026-11-22 12:00', 'first_execution_time must be at least 1 minute in the future.'],
      ['2020-01-01 00:00', 'first_execution_time must be at least 1 minute in the future.'],
    ])("refuses '%s' with Mistral's message", (text, message) => {
      expect(() => parseFirstExecutionTime(text, now)).toThrow(message);
    });
  });

  describe('jitter', () => {
    it('is deterministic, inside the window, and spreads triggers out', () => {
      expect(jitterOffsetSeconds('a', 0)).toBe(0);
      expect(jitterOffsetSeconds('trigger-1', 300)).toBe(jitterOffsetSeconds('trigger-1', 300));
      const buckets = new Array(30).fill(0);
      for (let index = 0; index < 500; index += 1) {
        const offset = jitterOffsetSeconds(`00000000-0000-4000-8000-${String(index).padStart(12, '0')}`, 300);
        expect(offset).toBeGreaterThanOrEqual(0);
        expect(offset).toBeLessThan(300);
        buckets[Math.floor(offset / 10)] += 1;
      }
      // 500 over 30 buckets of 10 s: about 17 each; none more than 4 times that
      expect(Math.max(...buckets)).toBeLessThan(4 * (500 / 30));
    });
  });

  describe('after downtime', () => {
    const minutely = every('* * * * *');
    const due = at('2026-11-22T12:00:00Z');
    const now = at('2026-11-22T12:05:30Z');

    it('run_once runs the latest missed slot once, then goes on from now', () => {
      expect(slotsToRun(minutely, due, now, 'run_once', 3600)).toEqual({ run: [at('2026-11-22T12:05:00Z')], next: at('2026-11-22T12:06:00Z') });
    });

    it('skip runs none of them, but a slot that is simply on time still runs', () => {
      expect(slotsToRun(minutely, due, now, 'skip', 3600)).toEqual({ run: [], next: at('2026-11-22T12:06:00Z') });
      expect(slotsToRun(minutely, due, at('2026-11-22T12:00:01Z'), 'skip', 3600).run).toEqual([due]);
    });

    it('catch_up runs each missed slot inside the window, oldest first', () => {
      expect(iso(slotsToRun(minutely, due, now, 'catch_up', 3600).run)).toEqual([
        '2026-11-22T12:00:00Z', '2026-11-22T12:01:00Z', '2026-11-22T12:02:00Z', '2026-11-22T12:03:00Z', '2026-11-22T12:04:00Z', '2026-11-22T12:05:00Z',
      ]);
      expect(iso(slotsToRun(minutely, due, now, 'catch_up', 150).run)).toEqual(['2026-11-22T12:03:00Z', '2026-11-22T12:04:00Z', '2026-11-22T12:05:00Z']);
    });

    it('on time, every policy runs the one due slot', () => {
      for (const policy of ['run_once', 'skip', 'catch_up'] as const) {
        expect(slotsToRun(minutely, due, at('2026-11-22T12:00:00.500Z'), policy, 3600)).toEqual({ run: [due], next: at('2026-11-22T12:01:00Z') });
      }
    });
  });
});
