import type { NextFunction, Request, Response } from 'express';
import { mistralErrorBody } from './mistral-error.filter';

/**
 * Refuses, before any handler runs, what PostgreSQL or a recursive walk cannot take: NUL
 * characters (text and jsonb refuse `\u0000`) in the path, the query or the body, and JSON nested
 * deeper than the limit, including JSON given as text in a field (the CLI sends `input` so).
 */
export function requestInputGuard(maxDepth: number) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const problem = findProblem(request, maxDepth);
    if (problem === undefined) {
      next();
      return;
    }
    response.status(400).json(mistralErrorBody(400, problem));
  };
}

const NUL = '\u0000';

function findProblem(request: Request, maxDepth: number): string | undefined {
  let path: string;
  try {
    path = decodeURIComponent(request.path);
  } catch {
    return `the URL path is not valid percent-encoding: ${request.path.slice(0, 200)}`;
  }
  if (path.includes(NUL)) return 'the URL path holds a NUL character (\\u0000), which is not allowed';
  const rawQuery = request.originalUrl.includes('?') ? request.originalUrl.slice(request.originalUrl.indexOf('?') + 1) : '';
  if (/%00/.test(rawQuery) || rawQuery.includes(NUL)) {
    const field = [...new URLSearchParams(rawQuery)].find(([key, value]) => key.includes(NUL) || value.includes(NUL))?.[0];
    return `query parameter '${(field ?? '?').replace(/\u0000/g, '\\u0000')}' holds a NUL character (\\u0000), which is not allowed`;
  }
  const body: unknown = request.body;
  if (typeof body === 'string') {
    return body.includes(NUL) ? 'the request body holds a NUL character (\\u0000), which is not allowed' : undefined;
  }
  return body !== null && typeof body === 'object' ? checkValue(body, maxDepth) : undefined;
}

/** Walks the parsed body without recursion; the first problem, naming its field. */
function checkValue(root: object, maxDepth: number): string | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: root, path: '', depth: 0 }];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const { value, path, depth } = entry;
    const field = path || 'body';
    if (typeof value === 'string') {
      if (value.includes(NUL)) return `${field} holds a NUL character (\\u0000), which is not allowed`;
      const text = value.trimStart();
      if (text.startsWith('{') || text.startsWith('[')) {
        const problem = jsonTextProblem(text, maxDepth - depth, maxDepth);
        if (problem) return `${field} ${problem}`;
      }
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= maxDepth) return `${field} is nested more than ${maxDepth} levels deep: more than the limit (SIROCCO_MAX_NESTING_DEPTH)`;
    for (const [key, child] of Object.entries(value)) {
      if (key.includes(NUL)) return `${field} has a key holding a NUL character (\\u0000), which is not allowed`;
      stack.push({ value: child, path: Array.isArray(value) ? `${field}[${key}]` : path ? `${path}.${key}` : key, depth: depth + 1 });
    }
  }
  return undefined;
}

/** Nesting and `\u0000` escapes of JSON text, found by one linear scan (no parse). */
function jsonTextProblem(text: string, maxDepth: number, limit: number): string | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') {
        if (text.startsWith('u0000', i + 1)) return 'holds a NUL character (\\u0000), which is not allowed';
        i += 1;
      } else if (char === '"') {
        inString = false;
      }
    } else if (char === '"') {
      inString = true;
    } else if (char === '{' || char === '[') {
      depth += 1;
      if (depth > maxDepth) return `is nested more than ${limit} levels deep: more than the limit (SIROCCO_MAX_NESTING_DEPTH)`;
    } else if (char === '}' || char === ']') {
      depth -= 1;
    }
  }
  return undefined;
}
