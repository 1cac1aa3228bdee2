/**
 * How text is folded for comparison: Unicode-compatible forms unified (NFKC), case ignored.
 * Both database engines then compare plain strings, with the same result.
 */
export function foldText(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/** What "the same name" means: folded, outer white space trimmed. "GitHub" and "github " are one name. */
export function nameKey(name: string): string {
  return foldText(name.trim());
}

/** The text a case-insensitive search over name, description and URL looks in. */
export function searchText(name: string, description: string, url: string): string {
  return [name, description, url].map(foldText).join('\n');
}
