import type { ImportSource, NativeBackup } from '../../core/model/migration';
import { fromAitronosCreateBodies, fromAitronosListResponse, isAitronosCreateBodies, isAitronosListResponse } from './aitronos.format';
import { fromElevenLabsListResponse, isElevenLabsListResponse } from './elevenlabs.format';
import { FormatError } from './format-error';
import { fromMcpJson, isMcpJson } from './mcp-json.format';
import { fromNativeBackup, isNativeBackup } from './native.format';
import { fromZuduCreateBodies, fromZuduExport, fromZuduListResponse, isZuduCreateBodies, isZuduExport, isZuduListResponse } from './zudu.format';

export const IMPORT_FORMATS = ['auto', 'aitronos', 'zudu', 'elevenlabs', 'mcp-json', 'native'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

const EXPECTED =
  'expected one of: an Aitronos list response ({configurations, total}) or an array of Aitronos create bodies; ' +
  'a Zudu list response ({data: {servers}}), an array of Zudu create bodies ([{config}]) or a Zudu export ({secrets, servers}); ' +
  'an ElevenLabs list response ({mcp_servers}); a desktop mcpServers file ({mcpServers}); or an mcp-gateway native backup';

/** Each format's shapes, in the order they are tried when the format is not given. */
const READERS: Array<{ format: Exclude<ImportFormat, 'auto' | 'native'>; matches: (d: unknown) => boolean; read: (d: unknown) => ImportSource }> = [
  { format: 'aitronos', matches: isAitronosListResponse, read: fromAitronosListResponse },
  { format: 'aitronos', matches: isAitronosCreateBodies, read: fromAitronosCreateBodies },
  { format: 'zudu', matches: isZuduListResponse, read: fromZuduListResponse },
  { format: 'zudu', matches: isZuduExport, read: fromZuduExport },
  { format: 'zudu', matches: isZuduCreateBodies, read: fromZuduCreateBodies },
  { format: 'elevenlabs', matches: isElevenLabsListResponse, read: fromElevenLabsListResponse },
  { format: 'mcp-json', matches: isMcpJson, read: fromMcpJson },
];

export type ParsedImport = { kind: 'servers'; source: ImportSource } | { kind: 'native'; backup: NativeBackup };

/** Reads a parsed JSON document in the given format, or the one its shape matches. */
export function readImport(data: unknown, format: ImportFormat = 'auto'): ParsedImport {
  if (format === 'native' || (format === 'auto' && isNativeBackup(data))) return { kind: 'native', backup: fromNativeBackup(data) };
  const reader = READERS.find((r) => (format === 'auto' || r.format === format) && r.matches(data));
  if (!reader) {
    throw new FormatError(format === 'auto' ? `The file matches no known format: ${EXPECTED}` : `The file is not in the ${format} format: ${EXPECTED}`);
  }
  return { kind: 'servers', source: reader.read(data) };
}
