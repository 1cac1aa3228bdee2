import { Command } from 'commander';
import { CoreError } from '../core/errors';
import { summarizeDatabaseError } from '../core/store/sql-quirks';
import { FormatError } from '../adapters/migration/format-error';
import { ConfigError, loadConfig, type GatewayConfig } from './config';
import { openGateway, type GatewayServices } from './gateway';
import { createLogger } from './logger';
import { ImportFailed, registerMigrationCommands, UsageError, type CliIo } from './migration-commands';
import { registerKeyCommands } from './key-commands';
import { AuditChainBroken, registerAuditCommands } from './audit-commands';
import { RekeyIncomplete, registerSecretCommands } from './secret-commands';
import { registerRegistryCommands } from './registry-commands';
import { runServer } from './run-server';
import { startTelemetry } from './telemetry';
import { terminalSafe } from './terminal-text';

type Io = CliIo;

const defaultIo: Io = {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
  progress: process.stderr.isTTY ? (t) => process.stderr.write(`\r${t}`) : undefined,
};

/** Opens the gateway from the environment for one CLI command, then closes it. */
async function withGateway<T>(work: (gateway: GatewayServices, config: GatewayConfig) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, process.stderr as never);
  const gateway = await openGateway({ ...config, logger });
  try {
    return await work(gateway, config);
  } finally {
    await gateway.close();
  }
}

export function buildCli(io: Io = defaultIo): Command {
  const program = new Command('mcp-gateway')
    .description('MCP server registry serving the Aitronos and Zudu APIs from one core')
    .configureOutput({ writeOut: (t) => io.out(t.trimEnd()), writeErr: (t) => io.err(t.trimEnd()) })
    .exitOverride();

  program
    .command('serve')
    .description('start the HTTP server (PORT, DATABASE_URL, …)')
    .action(async () => {
      const config = loadConfig();
      // OTEL_*: traces through OpenTelemetry's SDK, started before anything is served.
      const telemetry = await startTelemetry();
      await runServer(config, createLogger(config.logLevel), io.out, telemetry ? () => telemetry.shutdown() : undefined);
    });

  program
    .command('migrate')
    .description('bring the database schema up to date (serve and every command also do this)')
    .action(() => withGateway(async () => io.out('database schema is up to date')));

  registerKeyCommands(program, io, withGateway);
  registerMigrationCommands(program, io, withGateway);
  registerAuditCommands(program, io, withGateway);
  registerSecretCommands(program, io, withGateway);
  registerRegistryCommands(program, io, withGateway);
  return program;
}

/** Runs the CLI; returns the exit code instead of exiting, except for `serve` which keeps running. */
export async function runCli(argv: string[], given: Io = defaultIo): Promise<number> {
  // Every line the command line prints, human or JSON, leaves with terminal controls escaped.
  const io = terminalSafe(given);
  try {
    await buildCli(io).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    const e = error as { code?: string; exitCode?: number; message?: string };
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) return e.exitCode ?? 2;
    if (error instanceof UsageError) {
      io.err(`error: ${e.message}`);
      return 2;
    }
    if (error instanceof AuditChainBroken || error instanceof RekeyIncomplete) return 1;
    if (error instanceof ImportFailed) {
      io.err(`mcp-gateway: ${e.message}`);
      return 1;
    }
    if (error instanceof ConfigError || error instanceof CoreError || error instanceof FormatError) {
      io.err(`mcp-gateway: ${e.message}`);
      return 1;
    }
    // Anything else is unexpected: say what failed, without a stack trace (nor, for a database
    // error, the statement: only its code and operation).
    const database = summarizeDatabaseError(error);
    if (database) io.err(`mcp-gateway: database error ${database.code} (${database.operation})`);
    else io.err(`mcp-gateway: ${e.message ?? String(error)}`);
    return 1;
  }
}
