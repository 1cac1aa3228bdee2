import { createHash } from 'node:crypto';

/**
 * Tool names on the organization endpoint: `<server>__<tool>`. Clients hold tool names to
 * `^[A-Za-z0-9_-]{1,64}$` (the strictest common rule: Anthropic's and OpenAI's APIs), so every
 * name stays within it:
 *
 * - `<server>` is the server's name folded to `[a-z0-9-]`, at most 20 characters (`server` when
 *   nothing is left); where two servers fold to the same, each gets the first 13 characters, `_`
 *   and 6 hex characters of the SHA-256 of its id. A folded name has no `_`, so no server can be
 *   named into another's hashed prefix; it never contains `__`, so the first `__` always ends it.
 *   Should two prefixes still be equal (a hash collision), the organization endpoint serves
 *   neither (see ambiguousPrefixes).
 * - `<tool>` is the upstream's name when it fits and uses only those characters; otherwise its
 *   allowed characters (others become `_`), cut to fit, then `_` and 8 hex characters of the
 *   SHA-256 of the original name, so two names never meet.
 */
export const MAX_TOOL_NAME = 64;
export const SEPARATOR = '__';
const PREFIX_LENGTH = 20;
const CLEAN = /^[A-Za-z0-9_-]+$/;

const hex = (text: string, length: number) => createHash('sha256').update(text, 'utf8').digest('hex').slice(0, length);

function slug(name: string): string {
  const folded = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, PREFIX_LENGTH)
    .replace(/-+$/, '');
  return folded || 'server';
}

/** Each server's prefix, unique within the list. */
export function serverPrefixes(servers: ReadonlyArray<{ id: string; name: string }>): Map<string, string> {
  const slugs = servers.map((s) => slug(s.name));
  const count = new Map<string, number>();
  for (const s of slugs) count.set(s, (count.get(s) ?? 0) + 1);
  return new Map(servers.map((s, i) => [s.id, count.get(slugs[i]!)! > 1 ? `${slugs[i]!.slice(0, 13).replace(/-+$/, '')}_${hex(s.id, 6)}` : slugs[i]!]));
}

/** Prefixes that more than one server ended up with. */
export function ambiguousPrefixes(prefixes: Map<string, string>): Set<string> {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const prefix of prefixes.values()) (seen.has(prefix) ? twice : seen).add(prefix);
  return twice;
}

export function namespacedTool(prefix: string, tool: string): string {
  const room = MAX_TOOL_NAME - prefix.length - SEPARATOR.length;
  if (CLEAN.test(tool) && tool.length <= room && !HASHED.test(tool)) return `${prefix}${SEPARATOR}${tool}`;
  const kept = tool.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, room - 9);
  return `${prefix}${SEPARATOR}${kept}_${hex(tool, 8)}`;
}

/** A tool part that namespacedTool made (or that looks like one): it is resolved against the upstream's list. */
const HASHED = /_[0-9a-f]{8}$/;

/** The prefix and the tool part of a namespaced name, or null when it has no separator. */
export function splitNamespaced(name: string): { prefix: string; tool: string; hashed: boolean } | null {
  const at = name.indexOf(SEPARATOR);
  if (at <= 0) return null;
  const tool = name.slice(at + SEPARATOR.length);
  return { prefix: name.slice(0, at), tool, hashed: HASHED.test(tool) };
}
