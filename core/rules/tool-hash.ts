import { createHash } from 'node:crypto';
import { ValidationError } from '../errors';
import { LIMITS } from './server.rules';

/** JSON with object keys sorted at every depth, so equal schemas hash equally. */
function canonicalJson(value: unknown): string {
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
 * The fingerprint of a tool's definition: SHA-256 (hex) of the canonical JSON of
 * `{"description": …, "input_schema": …}` (a missing description is "", a missing schema {}).
 * When a server changes a tool, its hash changes and an approval given for the old one is stale.
 */
export function toolHash(description: string | null | undefined, inputSchema: unknown): string {
  return createHash('sha256')
    .update(canonicalJson({ description: description ?? '', input_schema: inputSchema ?? {} }), 'utf8')
    .digest('hex');
}

export function checkToolName(name: string, field = 'toolName'): string {
  if (name === '' || name.length > LIMITS.toolName || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new ValidationError(field, `${field} must be 1 to ${LIMITS.toolName} characters without control characters`);
  }
  return name;
}

export function checkToolHash(hash: string, field = 'toolHash'): string {
  if (!/^[0-9a-f]{64}$/i.test(hash)) throw new ValidationError(field, `${field} must be a SHA-256 hex digest (64 hexadecimal characters)`);
  return hash.toLowerCase();
}
