import type { FieldNamer } from '../../core/errors';

export type { FieldNamer } from '../../core/errors';

/**
 * A dialect's names for core field paths (`url`, `auth.apiKey`, `requestHeaders.X-Key`), by
 * exact match first, then by the longest matching prefix (`requestHeaders.X` →
 * `request_headers.X`). Only paths are renamed: sentences are written from the error's data.
 */
export function renamer(exact: Record<string, string>, prefixes: Array<[string, string]>): FieldNamer {
  return (field) => {
    if (Object.hasOwn(exact, field)) return exact[field]!;
    for (const [from, to] of prefixes) if (field.startsWith(from)) return to + field.slice(from.length);
    return field;
  };
}
