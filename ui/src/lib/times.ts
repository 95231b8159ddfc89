/** The API's times are "YYYY-MM-DD HH:MM:SS" in UTC. */
export function parseApiTime(text: string | null | undefined): Date | null {
  if (!text) return null;
  const date = new Date(`${text.replace(' ', 'T')}Z`);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** A time in a zone, e.g. "2026-12-03 05:00 Europe/Zurich". */
export function formatInZone(date: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(date);
  const get = (type: string) => parts.find((part) => part.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')} ${timeZone}`;
}

export function viewerZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** "3 h 05 min", "42 s": how long from `from` to `to`. */
export function formatDuration(milliseconds: number): string {
  const seconds = Math.max(0, Math.round(milliseconds / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(seconds % 60).padStart(2, '0')} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

export function durationBetween(start: string | null, end: string | null, now: Date = new Date()): string {
  const from = parseApiTime(start);
  if (!from) return '';
  const to = parseApiTime(end) ?? now;
  return formatDuration(to.getTime() - from.getTime());
}

/** "YYYY-MM-DDTHH:MM" of a datetime-local input to the API's "YYYY-MM-DD HH:MM:SS" (UTC). */
export function localInputToApi(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString().slice(0, 19).replace('T', ' ');
}
