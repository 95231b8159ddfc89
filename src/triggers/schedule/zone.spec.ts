import { ScheduleError } from './schedule-error';
import {
  formatInZone,
  formatUtc,
  HOUR,
  instantsOfWall,
  latestWallUpTo,
  lowestWallAfter,
  offsetAt,
  transitionBetween,
  validateTimezone,
  wallAt,
} from './zone';

const ms = (iso: string) => Date.parse(iso);
/** a wall time, written as ISO without zone: the clock reading */
const wall = (reading: string) => Date.parse(`${reading}Z`);

describe('time zones', () => {
  describe('validateTimezone', () => {
    it.each([
      'UTC',
      'GMT',
      'Etc/UTC',
      'Europe/Zurich',
      'America/New_York',
      'America/Argentina/Buenos_Aires',
      'America/Port-au-Prince',
      'Asia/Kolkata',
      'Asia/Calcutta',
      'Asia/Kathmandu',
      'US/Eastern',
      'Etc/GMT+5',
      'Australia/Lord_Howe',
    ])('accepts %s', (zone) => expect(() => validateTimezone(zone)).not.toThrow());

    it.each([
      ['unknown', 'Europe/Atlantis'],
      ['unknown area', 'Mars/Base'],
      ['empty', ''],
      ['padded', ' UTC'],
      ['padded', 'Europe/Zurich '],
      ['lower case', 'utc'],
      ['lower case', 'europe/zurich'],
      ['wrong case', 'Europe/ZURICH'],
      ['abbreviation (IANA EST is a fixed -05:00)', 'EST'],
      ['abbreviation', 'CET'],
      ['legacy rule name', 'PST8PDT'],
      ['country link', 'Japan'],
      ['offset', '+01:00'],
      ['offset', 'UTC+1'],
      ['offset', 'GMT+1'],
      ['path', '../etc/passwd'],
      ['trailing slash', 'Europe/Zurich/'],
    ])('refuses %s: %j', (_why, zone) => {
      expect(() => validateTimezone(zone)).toThrow(ScheduleError);
      expect(() => validateTimezone(zone)).toThrow(`Unknown time zone '${zone}' (use an IANA name such as Europe/Zurich or UTC)`);
    });
  });

  describe('offsets and wall times', () => {
    it.each<[string, string, number]>([
      ['Europe/Zurich', '2026-01-15T12:00:00Z', 1],
      ['Europe/Zurich', '2026-07-15T12:00:00Z', 2],
      ['Europe/Zurich', '2026-03-29T00:59:59Z', 1],
      ['Europe/Zurich', '2026-03-29T01:00:00Z', 2],
      ['Europe/Zurich', '2026-10-25T00:59:59Z', 2],
      ['Europe/Zurich', '2026-10-25T01:00:00Z', 1],
      ['America/New_York', '2026-03-08T06:59:59Z', -5],
      ['America/New_York', '2026-03-08T07:00:00Z', -4],
      ['America/New_York', '2026-11-01T06:00:00Z', -5],
      ['Asia/Kolkata', '2026-06-01T00:00:00Z', 5.5],
      ['Asia/Kathmandu', '2026-06-01T00:00:00Z', 5.75],
      ['Australia/Lord_Howe', '2026-01-15T00:00:00Z', 11],
      ['Australia/Lord_Howe', '2026-07-15T00:00:00Z', 10.5],
      ['UTC', '2026-07-15T00:00:00Z', 0],
    ])('%s at %s is UTC%s h', (zone, at, hours) => {
      expect(offsetAt(ms(at), zone)).toBe(hours * HOUR);
    });

    it('reads the clock as Intl formatToParts does, in many zones over years', () => {
      const zones = ['Europe/Zurich', 'America/New_York', 'America/Santiago', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Pacific/Chatham', 'Pacific/Kiritimati', 'Pacific/Pago_Pago'];
      for (const zone of zones) {
        const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
        for (let instant = ms('1990-01-01T00:00:00Z'); instant < ms('2040-01-01T00:00:00Z'); instant += 7 * 86_400_000 + 3_601_234) {
          const p = Object.fromEntries(parts.formatToParts(instant).map((part) => [part.type, Number(part.value)]));
          const expected = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
          expect(wallAt(instant, zone)).toBe(expected);
        }
      }
    });

    it('finds the instant of a change to the second', () => {
      expect(new Date(transitionBetween(ms('2026-03-28T12:00:00Z'), ms('2026-03-29T12:00:00Z'), 'Europe/Zurich')).toISOString()).toBe('2026-03-29T01:00:00.000Z');
      expect(new Date(transitionBetween(ms('2026-11-01T00:00:00Z'), ms('2026-11-01T12:00:00Z'), 'America/New_York')).toISOString()).toBe('2026-11-01T06:00:00.000Z');
      // Lord Howe changes by half an hour, at 02:00 local
      expect(new Date(transitionBetween(ms('2026-04-04T00:00:00Z'), ms('2026-04-05T00:00:00Z'), 'Australia/Lord_Howe')).toISOString()).toBe('2026-04-04T15:00:00.000Z');
    });
  });

  describe('instantsOfWall', () => {
    const iso = (instants: number[]) => instants.map((instant) => new Date(instant).toISOString());

    it('maps an ordinary wall time to its one instant', () => {
      expect(instantsOfWall(wall('2026-01-15T05:00:00'), 'Europe/Zurich')).toEqual({ kind: 'exists', instants: [ms('2026-01-15T04:00:00Z')] });
      expect(instantsOfWall(wall('2026-07-15T05:00:00'), 'Europe/Zurich')).toEqual({ kind: 'exists', instants: [ms('2026-07-15T03:00:00Z')] });
      expect(instantsOfWall(wall('2026-03-29T03:00:00'), 'Europe/Zurich')).toEqual({ kind: 'exists', instants: [ms('2026-03-29T01:00:00Z')] });
      expect(instantsOfWall(wall('2026-03-29T01:59:59'), 'Europe/Zurich')).toEqual({ kind: 'exists', instants: [ms('2026-03-29T00:59:59Z')] });
    });

    it('gives both instants of a repeated wall time, earlier first', () => {
      const repeated = instantsOfWall(wall('2026-10-25T02:30:00'), 'Europe/Zurich');
      expect(repeated.kind).toBe('exists');
      expect(repeated.kind === 'exists' && iso(repeated.instants)).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z']);
      const newYork = instantsOfWall(wall('2026-11-01T01:00:00'), 'America/New_York');
      expect(newYork.kind === 'exists' && iso(newYork.instants)).toEqual(['2026-11-01T05:00:00.000Z', '2026-11-01T06:00:00.000Z']);
      // 02:00 is not repeated in Zurich: at 03:00 CEST the clocks go to 02:00 CET, so 02:00 shows twice, 03:00 once
      const atChange = instantsOfWall(wall('2026-10-25T03:00:00'), 'Europe/Zurich');
      expect(atChange.kind === 'exists' && iso(atChange.instants)).toEqual(['2026-10-25T02:00:00.000Z']);
    });

    it('says a skipped wall time is skipped, and when the day resumes', () => {
      expect(instantsOfWall(wall('2026-03-29T02:30:00'), 'Europe/Zurich')).toEqual({ kind: 'skipped', gapEnd: ms('2026-03-29T01:00:00Z') });
      expect(instantsOfWall(wall('2026-03-29T02:00:00'), 'Europe/Zurich')).toEqual({ kind: 'skipped', gapEnd: ms('2026-03-29T01:00:00Z') });
      expect(instantsOfWall(wall('2026-03-08T02:59:59'), 'America/New_York')).toEqual({ kind: 'skipped', gapEnd: ms('2026-03-08T07:00:00Z') });
      // Santiago skips midnight: 2026-09-06 00:00 -04 becomes 01:00 -03
      expect(instantsOfWall(wall('2026-09-06T00:00:00'), 'America/Santiago')).toEqual({ kind: 'skipped', gapEnd: ms('2026-09-06T04:00:00Z') });
    });
  });

  describe('bounds on wall times around a fall-back change', () => {
    it('knows the clocks read up to 03:00 CEST before the change, however early they read after it', () => {
      expect(latestWallUpTo(ms('2026-10-25T01:10:00Z'), 'Europe/Zurich')).toBe(wall('2026-10-25T03:00:00'));
      expect(latestWallUpTo(ms('2026-10-25T00:10:00Z'), 'Europe/Zurich')).toBe(wall('2026-10-25T02:10:00'));
      expect(latestWallUpTo(ms('2026-10-25T02:10:00Z'), 'Europe/Zurich')).toBe(wall('2026-10-25T03:10:00'));
      expect(latestWallUpTo(ms('2026-03-29T01:10:00Z'), 'Europe/Zurich')).toBe(wall('2026-03-29T03:10:00'));
    });

    it('starts an enumeration an hour early on the eve of a fall-back change only', () => {
      expect(lowestWallAfter(ms('2026-10-24T12:00:00Z'), 'Europe/Zurich')).toBe(wall('2026-10-24T13:00:00'));
      expect(lowestWallAfter(ms('2026-10-20T12:00:00Z'), 'Europe/Zurich')).toBe(wall('2026-10-20T14:00:00'));
      expect(lowestWallAfter(ms('2026-03-28T12:00:00Z'), 'Europe/Zurich')).toBe(wall('2026-03-28T13:00:00'));
    });
  });

  describe('formatting', () => {
    it.each<[string, string, string]>([
      ['2026-03-29T00:59:59Z', 'Europe/Zurich', '2026-03-29 01:59:59'],
      ['2026-03-29T01:00:00Z', 'Europe/Zurich', '2026-03-29 03:00:00'],
      ['2026-10-25T00:30:00Z', 'Europe/Zurich', '2026-10-25 02:30:00'],
      ['2026-10-25T01:30:00Z', 'Europe/Zurich', '2026-10-25 02:30:00'],
      ['2026-11-22T23:30:00Z', 'Asia/Kolkata', '2026-11-23 05:00:00'],
      ['2026-11-22T12:00:00Z', 'America/New_York', '2026-11-22 07:00:00'],
      ['2026-11-22T12:00:00.999Z', 'UTC', '2026-11-22 12:00:00'],
    ])('%s in %s reads %s', (at, zone, text) => {
      expect(formatInZone(new Date(at), zone)).toBe(text);
    });

    it("writes UTC in Mistral's format", () => {
      expect(formatUtc(new Date('2026-11-22T12:34:56.789Z'))).toBe('2026-11-22 12:34:56');
      expect(formatUtc(new Date('2099-01-01T00:00:00Z'))).toBe('2099-01-01 00:00:00');
    });
  });
});
