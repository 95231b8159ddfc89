import cronstrue from 'cronstrue';

/**
 * A cron pattern in words with its zone, e.g. "At 05:00, every day (Europe/Zurich)". Sirocco's
 * 6-field patterns have seconds last (croniter); cronstrue reads seconds first, so they are moved.
 */
export function patternInWords(pattern: string | null, timezone: string): string {
  if (!pattern) return `once (${timezone})`;
  const macros: Record<string, string> = {
    '@yearly': '0 0 1 1 *',
    '@annually': '0 0 1 1 *',
    '@monthly': '0 0 1 * *',
    '@weekly': '0 0 * * 0',
    '@daily': '0 0 * * *',
    '@midnight': '0 0 * * *',
    '@hourly': '0 * * * *',
  };
  let fields = (macros[pattern.trim().toLowerCase()] ?? pattern).trim().split(/\s+/);
  if (fields.length === 6) fields = [fields[5], ...fields.slice(0, 5)];
  try {
    const words = cronstrue.toString(fields.join(' '), { use24HourTimeFormat: true, verbose: false, throwExceptionOnParseError: true });
    // cronstrue says "At 05:00" for a daily time: say which days
    const daily = fields.length >= 5 && fields.slice(-3).every((field) => field === '*') && /^At \d/.test(words);
    return `${daily ? `Every day at ${words.slice(3)}` : words} (${timezone})`;
  } catch {
    return `${pattern} (${timezone})`;
  }
}
