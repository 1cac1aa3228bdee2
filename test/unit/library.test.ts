import { join } from 'node:path';

describe('the package as a library', () => {
  it('exports every format translation from its main entry (the built package)', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const lib = require(join(__dirname, '..', '..')) as Record<string, unknown>;
    for (const name of [
      'readImport',
      'fromAitronosListResponse',
      'fromAitronosCreateBodies',
      'toAitronosCreateBodies',
      'fromZuduListResponse',
      'fromZuduCreateBodies',
      'fromZuduExport',
      'toZuduExport',
      'fromElevenLabsListResponse',
      'fromMcpJson',
      'fromNativeBackup',
      'toolHash',
    ]) {
      expect({ name, type: typeof lib[name] }).toEqual({ name, type: 'function' });
    }
    const readImport = lib.readImport as (data: unknown) => { kind: string; source: { candidates: Array<{ name: string }> } };
    expect(readImport({ mcpServers: { docs: { url: 'https://docs.example.com/mcp' } } }).source.candidates[0]!.name).toBe('docs');
  });
});
