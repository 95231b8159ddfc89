/** Keys whose values are credentials: never shown by the API (Mistral shows them; Sirocco does not). */
const SECRET_KEY = /pass(word|wd)?$|password|secret|token|trust_id|api_key|private_key|credential/i;

export const MASK = '***';

/** A copy of `value` with every secret-named key's value replaced by `***`, at any depth. */
export function maskSecrets<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => maskSecrets(item)) as T;
  if (value === null || typeof value !== 'object') return value;
  const masked: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const hidden = SECRET_KEY.test(key) && item !== null && item !== undefined && item !== '' && typeof item !== 'boolean';
    masked[key] = hidden ? MASK : maskSecrets(item);
  }
  return masked as T;
}
