import type { z } from 'zod';

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
  const issue = parsed.error.issues[0]!;
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  throw new FormatError(`Not a valid ${format}: ${path || 'the top level'}: ${issue.message}`);
}

/** ISO 8601 or epoch milliseconds/seconds to epoch milliseconds; undefined when absent or unreadable. */
export function toMillis(value: unknown, unit: 'ms' | 's' = 'ms'): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.round(unit === 's' ? value * 1000 : value);
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}
