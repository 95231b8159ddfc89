/** Mistral's timestamp text: UTC, `YYYY-MM-DD HH:MM:SS`, no zone suffix. */
export function formatMistralTime(value: Date | null | undefined): string | null {
  if (!value) return null;
  return value.toISOString().slice(0, 19).replace('T', ' ');
}
