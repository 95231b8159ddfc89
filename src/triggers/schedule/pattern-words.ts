import cronstrue from 'cronstrue';
import { CRON_MACROS } from './cron-macros';

/**
 * A cron pattern in words, with its zone: `0 5 * * *` in Europe/Zurich is "Every day at 05:00
 * (Europe/Zurich)". Sirocco's 6-field patterns have the seconds last (croniter); cronstrue reads
 * them first, so they are moved. An unreadable pattern is given back as it is. Pure (cronstrue
 * only): the web UI and the CLI show patterns with it without loading the service.
 */
export function patternInWords(pattern: string | null | undefined, timezone?: string | null): string {
  const zone = (text: string) => (timezone ? `${text} (${timezone})` : text);
  if (!pattern) return zone('once');
  const trimmed = pattern.trim();
  let fields = (CRON_MACROS[trimmed.toLowerCase()] ?? trimmed).split(/\s+/);
  if (fields.length === 6) fields = [fields[5], ...fields.slice(0, 5)];
  try {
    const words = cronstrue.toString(fields.join(' '), { use24HourTimeFormat: true, verbose: false, throwExceptionOnParseError: true });
    // cronstrue says "At 05:00" for a time every day: say it
    const daily = fields.slice(-3).every((field) => field === '*') && /^At \d/.test(words);
    return zone(daily ? `Every day at ${words.slice(3)}` : words);
  } catch {
    return zone(pattern);
  }
}
