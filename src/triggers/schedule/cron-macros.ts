/**
 * The macros Mistral (croniter) knows, written out; croniter has no @minutely, @weekdays...
 * Plain data, so the CLI can read patterns the way the service does without loading the service.
 */
export const CRON_MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};
