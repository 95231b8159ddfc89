import cronstrue from 'cronstrue';

/** The macros Sirocco accepts (as Mistral's croniter), written out for cronstrue. */
const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/**
 * A cron pattern in words, in the trigger's zone: `0 5 * * *` in Europe/Zurich is
 * "At 05:00 (Europe/Zurich)". A sixth field is the seconds (croniter's order, last), which
 * cronstrue wants first. An unreadable pattern is given back as it is.
 */
export function patternInWords(pattern: string | null | undefined, timezone?: string | null): string {
  if (!pattern) return 'no pattern (runs once)';
  const trimmed = pattern.trim();
  const fields = (MACROS[trimmed.toLowerCase()] ?? trimmed).split(/\s+/);
  const expression = (fields.length === 6 ? [fields[5], ...fields.slice(0, 5)] : fields).join(' ');
  let words: string;
  try {
    words = cronstrue.toString(expression, { use24HourTimeFormat: true, throwExceptionOnParseError: true });
  } catch {
    return pattern;
  }
  return timezone ? `${words} (${timezone})` : words;
}
