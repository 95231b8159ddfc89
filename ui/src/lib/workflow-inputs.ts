/** A workflow's inputs as the API lists them ("instance, pattern=\"{0}_snapshot\", max_snapshots=0"), as form fields. */
export interface InputField {
  name: string;
  /** the default, as JSON text ('' when the input is required) */
  defaultText: string;
  required: boolean;
}

/** Splits on commas outside quotes, brackets and braces. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let current = '';
  for (const char of text) {
    if (quote) {
      if (char === quote) quote = null;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === '[' || char === '{' || char === '(') depth++;
    else if (char === ']' || char === '}' || char === ')') depth--;
    else if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  if (current.trim()) parts.push(current);
  return parts.map((part) => part.trim()).filter(Boolean);
}

export function parseInputList(list: string | null | undefined): InputField[] {
  return splitTopLevel(list ?? '').map((part) => {
    const at = part.indexOf('=');
    if (at < 0) return { name: part, defaultText: '', required: true };
    return { name: part.slice(0, at).trim(), defaultText: part.slice(at + 1).trim(), required: false };
  });
}

/** A field's text as a value: JSON when it parses (numbers, booleans, null, lists), else the text itself. */
export function inputValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The form's values as the workflow input: only fields the user set or that are required. */
export function formInput(fields: InputField[], values: Record<string, string>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const field of fields) {
    const text = values[field.name];
    if (text === undefined || (text === field.defaultText && !field.required)) continue;
    if (text === '' && !field.required) continue;
    input[field.name] = inputValue(text);
  }
  return input;
}
