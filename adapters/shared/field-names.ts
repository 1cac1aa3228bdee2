/**
 * Core errors name fields in core terms (`url`, `auth.apiKey`, `requestHeaders.X-Key`) and
 * begin their message with that name. A dialect renames both with its own table.
 */
export type FieldRenamer = (coreField: string) => string;

/** Rewrites the leading field name and every `auth.*` mention of a core message. */
export function inDialectWords(message: string, coreField: string | undefined, rename: FieldRenamer): string {
  let text = message;
  if (coreField && text.startsWith(coreField)) text = rename(coreField) + text.slice(coreField.length);
  return text.replace(/\bauth\.\w+/g, (field) => rename(field));
}

/** Renames by exact match first, then by the longest matching prefix (`requestHeaders.X` → `request_headers.X`). */
export function renamer(exact: Record<string, string>, prefixes: Array<[string, string]>): FieldRenamer {
  return (field) => {
    if (exact[field] !== undefined) return exact[field];
    for (const [from, to] of prefixes) if (field.startsWith(from)) return to + field.slice(from.length);
    return field;
  };
}
