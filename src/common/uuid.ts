const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether the text is a UUID (any version, any case): every stored id is one. */
export function isUuid(text: string): boolean {
  return UUID.test(text);
}
