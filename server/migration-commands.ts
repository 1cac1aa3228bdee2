import { randomBytes } from 'node:crypto';
import { closeSync, constants, fchmodSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { toAitronosCreateBodies } from '../adapters/migration/aitronos.format';
import { FormatError } from '../adapters/migration/format-error';
import { IMPORT_FORMATS, readImport, type ImportFormat } from '../adapters/migration/formats';
import { toZuduExport } from '../adapters/migration/zudu.format';
import { AesGcmCipher } from '../core/secrets/aes-gcm-cipher';
import { CONFLICT_STRATEGIES, type ConflictStrategy, type ImportReport } from '../core/services/importer';
import type { GatewayConfig } from './config';
import type { GatewayServices } from './gateway';
import { forTerminal } from './terminal-text';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Rewrites the current stderr line (a progress bar), when stderr is a terminal. */
  progress?: (text: string) => void;
}

export type WithGateway = <T>(work: (gateway: GatewayServices, config: GatewayConfig) => Promise<T>) => Promise<T>;

/** A mistake in how a command was called: exit status 2. */
export class UsageError extends Error {}

const MAX_FILE_BYTES = 256 * 1024 * 1024;
const PROGRESS_ABOVE = 36;

function readJson(path: string): unknown {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new UsageError(`cannot read ${path}`);
  }
  if (size > MAX_FILE_BYTES) throw new UsageError(`${path} is larger than ${MAX_FILE_BYTES / 1024 / 1024} MB`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new FormatError(`${path} is not valid JSON`);
  }
}

/** A bar that redraws in a terminal, or a line every tenth of the way when stderr is a file. */
function progressReporter(io: CliIo, total: number): ((done: number) => void) | undefined {
  if (total <= PROGRESS_ABOVE) return undefined;
  let lastTenth = -1;
  return (done) => {
    if (io.progress) {
      const width = 30;
      const filled = Math.round((done / total) * width);
      io.progress(`importing [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${done === total ? '\n' : ''}`);
      return;
    }
    const tenth = Math.floor((done / total) * 10);
    if (tenth !== lastTenth) {
      lastTenth = tenth;
      io.err(`imported ${done}/${total}`);
    }
  };
}

function printReport(io: CliIo, report: ImportReport): void {
  for (const s of report.secrets) io.out(`secret ${s.id}: ${s.outcome}${s.error ? ` (${s.error})` : ''}`);
  const widths = [6, 9, 30];
  for (const r of report.results) {
    const row = [
      r.action.padEnd(widths[0]!),
      r.outcome.padEnd(widths[1]!),
      r.targetName.slice(0, 60).padEnd(widths[2]!),
      r.error ? `FAILED: ${r.error}` : r.reason,
    ];
    io.out(row.join('  '));
    for (const warning of r.warnings) io.out(`${' '.repeat(widths[0]! + widths[1]! + 4)}note: ${warning}`);
  }
  const { summary } = report;
  io.out('');
  io.out(`${report.dryRun ? 'Dry run (nothing written)' : 'Summary'} for ${report.results.length} server(s) read as ${report.format}:`);
  io.out(
    `  create ${summary.create}  update ${summary.update}  rename ${summary.rename}  skip ${summary.skip}${summary.refuse ? `  refuse ${summary.refuse}` : ''}`,
  );
  if (!report.dryRun) io.out(`  imported ${summary.imported}  failed ${summary.failed}`);
}

export function registerMigrationCommands(program: Command, io: CliIo, withGateway: WithGateway): void {
  program
    .command('import <file>')
    .description("import MCP servers from another platform's file (plan first; --dry-run writes nothing)")
    .requiredOption('--org <org_id>', 'organization to import into')
    .addOption(new Option('--format <format>', "the file's format").choices(IMPORT_FORMATS).default('auto'))
    .option('--dry-run', 'print the plan and write nothing')
    .addOption(new Option('--on-conflict <strategy>', 'what to do with a server whose name exists').choices(CONFLICT_STRATEGIES).default('skip'))
    .option('--rekey', "native backups: decrypt with MCP_GATEWAY_SOURCE_ENCRYPTION_KEY, re-encrypt under this gateway's key")
    .option('--json', 'print the report as one JSON object')
    .action((file: string, options: { org: string; format: ImportFormat; dryRun?: boolean; onConflict: ConflictStrategy; rekey?: boolean; json?: boolean }) =>
      withGateway(async (gateway, config) => {
        const parsed = readImport(readJson(file), options.format);
        const total = parsed.kind === 'native' ? parsed.backup.servers.length : parsed.source.candidates.length;
        const onProgress = options.json ? undefined : progressReporter(io, total);
        const common = { strategy: options.onConflict, dryRun: options.dryRun ?? false, onProgress };
        let report: ImportReport;
        if (parsed.kind === 'native') {
          if (options.rekey && !config.sourceEncryptionKey)
            throw new UsageError('--rekey needs MCP_GATEWAY_SOURCE_ENCRYPTION_KEY: the key the backup was written under');
          const sourceCipher = options.rekey && config.sourceEncryptionKey ? new AesGcmCipher(config.sourceEncryptionKey) : undefined;
          report = await gateway.restore.run(options.org, parsed.backup, { ...common, sourceCipher });
        } else {
          if (options.rekey) throw new UsageError('--rekey applies to native backups only');
          report = await gateway.importer.run(options.org, parsed.source, common);
        }
        if (options.json) io.out(JSON.stringify(report));
        else printReport(io, report);
        const failed = report.summary.failed + report.secrets.filter((s) => s.outcome === 'failed').length;
        if (failed > 0) throw new ImportFailed(failed);
      }),
    );

  program
    .command('export')
    .description("export an organization's MCP servers for another platform, or as a native backup")
    .requiredOption('--org <org_id>', 'organization to export')
    .addOption(
      new Option('--format <format>', 'aitronos: create bodies; zudu: secrets + create bodies; native: full backup')
        .choices(['aitronos', 'zudu', 'native'])
        .makeOptionMandatory(),
    )
    .option('--include-secrets', 'write secret values in clear text (aitronos and zudu formats); the file is created with mode 0600')
    .option('--out <file>', 'write to this new file (mode 0600) instead of standard output')
    .option('--force', 'with --out: replace an existing file (or symlink) by a new file')
    .action((options: { org: string; format: 'aitronos' | 'zudu' | 'native'; includeSecrets?: boolean; out?: string; force?: boolean }) =>
      withGateway(async (gateway) => {
        if (options.format === 'native' && options.includeSecrets)
          throw new UsageError('--include-secrets does not apply to native backups: they keep secrets encrypted');
        let document: unknown;
        let warnings: string[] = [];
        if (options.format === 'native') {
          document = await gateway.exporter.native(options.org);
        } else {
          const servers = await gateway.exporter.servers(options.org, options.includeSecrets ?? false);
          ({ file: document, warnings } = options.format === 'aitronos' ? toAitronosCreateBodies(servers, options.org) : toZuduExport(servers));
        }
        const text = `${JSON.stringify(document, null, 2)}\n`;
        if (options.out) {
          writePrivateFile(options.out, forTerminal(text), options.force ?? false);
        } else {
          io.out(text.trimEnd());
        }
        for (const warning of warnings) io.err(`note: ${warning}`);
      }),
    );
}

/**
 * Writes an export where only its owner can read it, never through a symlink and never into a
 * file that exists: the text goes to a new file created with O_EXCL|O_NOFOLLOW and mode 0600
 * (fchmod'ed, so no umask narrows or widens it) next to the target, then takes the target's
 * name in one step: a hard link that fails if the name exists, or with --force a rename that
 * replaces the name itself (a symlink there is replaced, its target never touched).
 */
function writePrivateFile(path: string, text: string, force: boolean): void {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number;
  try {
    fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    throw new UsageError(`cannot create a file in ${dirname(path)}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    try {
      fchmodSync(fd, 0o600);
      writeFileSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (force) renameSync(temp, path);
    else linkSync(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`${path} exists: pass --force to replace it`);
    throw error;
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // Renamed into place: nothing left to remove.
    }
  }
}

/** Some servers or secrets did not import: exit status 1, after the report. */
export class ImportFailed extends Error {
  constructor(readonly count: number) {
    super(`${count} item(s) failed to import`);
  }
}
