import { z } from 'zod';
import type { ImportCandidate } from '../../core/model/migration';
import { checkInstant } from '../../core/rules/server.rules';

/** A file that does not have the shape its format promises; names where it went wrong. */
export class FormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FormatError';
  }
}

/** Parses with a zod schema, turning the first issue into a FormatError naming the path. */
export function parseShape<T>(schema: z.ZodType<T>, data: unknown, format: string): T {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  // zod reports at least one issue whenever parsing fails.
  const issue = parsed.error.issues[0] as z.core.$ZodIssue;
  const path = issue.path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
  throw new FormatError(`Not a valid ${format}: ${path || 'the top level'}: ${issue.message}`);
}

/**
 * A JSON object of names to values, read as data: `z.record` would assign each name to a fresh
 * object, so an entry named `__proto__` would vanish; a Map keeps it, and `Object.fromEntries`
 * gives it back as an own property.
 */
export function recordOf<T extends z.ZodType>(value: T) {
  const toMap = (v: unknown) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? new Map(Object.entries(v)) : v);
  return z.preprocess(toMap, z.map(z.string(), value, { error: 'expected an object' })).transform((m) => Object.fromEntries(m) as Record<string, z.output<T>>);
}

export { lookup } from '../shared/wire-checks';

/**
 * Sets the candidate's creation time from ISO 8601 or epoch milliseconds/seconds; a value that
 * is no instant in the accepted range refuses the entry, naming the file's field.
 */
export function readCreatedAt(candidate: ImportCandidate, value: unknown, field: string, unit: 'ms' | 's' = 'ms'): void {
  if (value === undefined || value === null) return;
  let ms = value;
  if (typeof value === 'string') ms = Date.parse(value);
  else if (typeof value === 'number' && unit === 's' && Number.isFinite(value)) ms = Math.round(value * 1000);
  try {
    candidate.createdAt = checkInstant(ms, field);
  } catch (error) {
    candidate.invalid ??= (error as Error).message;
  }
}
