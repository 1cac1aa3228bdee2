import { createHash } from 'node:crypto';

/** The documented tool_hash, computed independently of the gateway's code. */
export function toolHashOf(description: string, inputSchema: unknown): string {
  const canonical = (value: unknown): string => {
    if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
    if (value && typeof value === 'object') {
      return `{${Object.keys(value)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
        .join(',')}}`;
    }
    return JSON.stringify(value);
  };
  return createHash('sha256')
    .update(canonical({ description, input_schema: inputSchema }))
    .digest('hex');
}
