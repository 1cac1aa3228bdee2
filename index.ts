/**
 * mcp-gateway as a library: the translations between other platforms' formats and the core
 * record, for teams that script their migration in TypeScript. See the README's migration guide.
 */
export { fromAitronosCreateBodies, fromAitronosListResponse, toAitronosCreateBodies } from './adapters/migration/aitronos.format';
export { fromElevenLabsListResponse } from './adapters/migration/elevenlabs.format';
export { FormatError } from './adapters/migration/format-error';
export { IMPORT_FORMATS, readImport, type ImportFormat, type ParsedImport } from './adapters/migration/formats';
export { fromMcpJson } from './adapters/migration/mcp-json.format';
export { fromNativeBackup } from './adapters/migration/native.format';
export { fromZuduCreateBodies, fromZuduExport, fromZuduListResponse, toZuduExport } from './adapters/migration/zudu.format';
export type { AuthInput, Credentials } from './core/model/input';
export type { ExportedServer, ImportCandidate, ImportSecret, ImportSource, NativeBackup } from './core/model/migration';
export type { McpServer, ServerAuth, ToolApproval, Transport } from './core/model/server';
export { toolHash } from './core/rules/tool-hash';
