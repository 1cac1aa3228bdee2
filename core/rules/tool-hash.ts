import { createHash } from 'node:crypto';
import { ValidationError } from '../errors';
import { LIMITS } from './server.rules';

/** JSON with object keys sorted at every depth, so equal schemas (or arguments) hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * How deep a tool's input schema may nest objects and arrays (the schema itself is level 1).
 * The probe holds upstream tools to the same bound (core/probe/mcp-probe.ts), so hashing, which
 * recurses, never meets a deeper one.
 */
export const MAX_INPUT_SCHEMA_DEPTH = 64;

/** Whether JSON data nests objects and arrays deeper than `limit`; iterative, so any depth is safe. */
export function exceedsDepth(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Object.values(node)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

/** Refuses a schema nested past the bound. */
export function checkInputSchemaDepth(schema: unknown, field = 'inputSchema'): void {
  if (exceedsDepth(schema, MAX_INPUT_SCHEMA_DEPTH)) throw new ValidationError(field, { rule: 'depth', limit: MAX_INPUT_SCHEMA_DEPTH });
}

/**
 * The fingerprint of a tool's definition: SHA-256 (hex) of the canonical JSON of
 * `{"description": …, "input_schema": …}` (a missing description is "", a missing schema {}).
 * When a server changes a tool, its hash changes and an approval given for the old one is stale.
 * A schema deeper than MAX_INPUT_SCHEMA_DEPTH is a ValidationError of `inputSchema`.
 */
export function toolHash(description: string | null | undefined, inputSchema: unknown): string {
  checkInputSchemaDepth(inputSchema);
  return createHash('sha256')
    .update(canonicalJson({ description: description ?? '', input_schema: inputSchema ?? {} }), 'utf8')
    .digest('hex');
}

export function checkToolName(name: string, field = 'toolName'): string {
  if (name === '' || name.length > LIMITS.toolName || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new ValidationError(field, { rule: 'tool_name_text', limit: LIMITS.toolName });
  }
  return name;
}

export function checkToolHash(hash: string, field = 'toolHash'): string {
  if (!/^[0-9a-f]{64}$/i.test(hash)) throw new ValidationError(field, { rule: 'sha256' });
  return hash.toLowerCase();
}
