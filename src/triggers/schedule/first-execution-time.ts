import { ScheduleError } from './schedule-error';

/**
 * Python's `datetime.strptime(text, '%Y-%m-%d %H:%M')`, which Mistral applies to first_execution_time,
 * with its exact messages. CPython (Lib/_strptime.py) turns the format into a regular expression,
 * matches it at the start of the text (a space in the format matches any run of whitespace), then:
 * no match → "time data %r does not match format %r"; text left over → "unconverted data remains: %s".
 * The alternatives below are CPython's, in CPython's order, so backtracking agrees too: single
 * digits are allowed ('2099-1-2 3:4'), '24:00' does not match, and '00:00:00' leaves ':00'.
 */
const STRPTIME_YMD_HM = new RegExp(
  '^([0-9]{4})' + // %Y
    '-(1[0-2]|0[1-9]|[1-9])' + // %m
    '-(3[01]|[12][0-9]|0[1-9]|[1-9]| [1-9])' + // %d
    '\\s+(2[0-3]|[0-1][0-9]|[0-9])' + // %H
    ':([0-5][0-9]|[0-9])', // %M
  'i',
);

/** Python's repr() of a str, as %r shows it: single quotes unless the text holds one and no double quote. */
export function pythonRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === '\\') out += '\\\\';
    else if (char === quote) out += `\\${quote}`;
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += char;
  }
  return `${quote}${out}${quote}`;
}

function daysInMonth(year: number, month: number): number {
  return [31, year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

/** `datetime.strptime(text, '%Y-%m-%d %H:%M')` read as UTC (Mistral's naive datetimes are UTC). */
export function strptimeYmdHm(text: string): Date {
  const match = STRPTIME_YMD_HM.exec(text);
  if (!match) throw new ScheduleError(`time data ${pythonRepr(text)} does not match format '%Y-%m-%d %H:%M'`);
  if (match[0].length !== text.length) throw new ScheduleError(`unconverted data remains: ${text.slice(match[0].length)}`);
  const [year, month, day, hour, minute] = match.slice(1, 6).map((part) => Number(part.trim()));
  if (year < 1) throw new ScheduleError(`year ${year} is out of range`);
  if (day > daysInMonth(year, month)) throw new ScheduleError('day is out of range for month');
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute));
  date.setUTCFullYear(year);
  return date;
}

/**
 * Mistral's first_execution_time: "YYYY-MM-DD HH:MM", UTC, and at least a minute after `now`
 * (Mistral: `utcnow() + 60 s > first_time` is refused), with Mistral's messages:
 * - `time data '2099-01-01T00:00' does not match format '%Y-%m-%d %H:%M'`
 * - `unconverted data remains: :00` (seconds given)
 * - `day is out of range for month` (2099-02-30)
 * - `first_execution_time must be at least 1 minute in the future.`
 */
export function parseFirstExecutionTime(text: string, now: Date): Date {
  const date = strptimeYmdHm(text);
  if (date.getTime() < now.getTime() + 60_000) {
    throw new ScheduleError('first_execution_time must be at least 1 minute in the future.');
  }
  return date;
}
