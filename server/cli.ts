import { Command, Option } from 'commander';
import { CoreError } from '../core/errors';
import { ROLES, type Role } from '../core/model/principal';
import { summarizeDatabaseError } from '../core/store/sql-quirks';
import { FormatError } from '../adapters/migration/format-error';
import { ConfigError, loadConfig, type GatewayConfig } from './config';
import { openGateway, type GatewayServices } from './gateway';
import { createLogger } from './logger';
import { ImportFailed, registerMigrationCommands, UsageError, type CliIo } from './migration-commands';
import { INTERFACES, keyedInterface } from './interfaces';
import { runServer } from './run-server';
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

const collect = (value: string, previous: string[]) => [...previous, value];

/** The interfaces that issue gateway keys: `keys create --dialect` offers exactly these. */
const KEYED = INTERFACES.filter((i) => i.keyFormat !== null);

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
      await runServer(config, createLogger(config.logLevel), io.out);
    });

  program
    .command('migrate')
    .description('bring the database schema up to date (serve and every command also do this)')
    .action(() => withGateway(async () => io.out('database schema is up to date')));

  const keys = program.command('keys').description('manage API keys');
  keys
    .command('create')
    .description('issue a key; it is printed once and stored only as a hash')
    .addOption(
      new Option(
        '--dialect <dialect>',
        KEYED.map((i) => `${i.name} (${i.keyFormat!.keyPrefix}… key${i.keyFormat!.secretPrefix ? ` and ${i.keyFormat!.secretPrefix}… secret` : ''})`).join(
          ' or ',
        ),
      )
        .choices(KEYED.map((i) => i.name))
        .makeOptionMandatory(),
    )
    .option('--org <org_id>', 'organization the key belongs to (required; repeat for several, Aitronos only)', collect, [])
    .option('--user <usr_id>', 'user the key acts for, in either dialect: what it creates is owned by this user (default: a new one)')
    .addOption(new Option('--role <role>', 'admin manages every configuration, member only its own').choices(ROLES).default('admin'))
    .option('--json', 'print one JSON object')
    .action((options: { dialect: string; org: string[]; user?: string; role: Role; json?: boolean }) =>
      withGateway(async ({ apiKeys }) => {
        if (options.org.length === 0) throw new UsageError("required option '--org <org_id>' not specified");
        const format = keyedInterface(options.dialect)!.keyFormat!;
        const issued = await apiKeys.issue({ format, organizationIds: options.org, userId: options.user, role: options.role });
        const r = issued.record;
        // A pair shows its secret; a one-organization key names its organization, others list theirs.
        const summary = {
          dialect: r.kind,
          id: r.id,
          apiKey: issued.apiKey,
          ...(format.secretPrefix !== null ? { apiSecret: issued.apiSecret } : {}),
          userId: r.userId,
          ...(format.singleOrganization ? { organizationId: r.organizationIds[0] } : { organizationIds: r.organizationIds }),
          role: r.role,
        };
        if (options.json) return io.out(JSON.stringify(summary));
        io.out(`Created ${r.kind} key ${r.id} for ${r.organizationIds.join(', ')} (user ${r.userId}, role ${r.role}). Store it now; it is not shown again.`);
        io.out(`  API key:    ${issued.apiKey}`);
        if (issued.apiSecret) io.out(`  API secret: ${issued.apiSecret}`);
      }),
    );

  keys
    .command('list')
    .description('list keys (ids and prefixes only; keys are stored as hashes)')
    .option('--json', 'print a JSON array')
    .action((options: { json?: boolean }) =>
      withGateway(async ({ apiKeys }) => {
        const rows = (await apiKeys.list()).map((k) => ({
          id: k.id,
          dialect: k.kind,
          prefix: `${k.keyPrefix}…`,
          userId: k.userId,
          organizationIds: k.organizationIds,
          role: k.role,
          createdAt: new Date(k.createdAt).toISOString(),
          revokedAt: k.revokedAt === null ? null : new Date(k.revokedAt).toISOString(),
        }));
        if (options.json) return io.out(JSON.stringify(rows));
        if (rows.length === 0) return io.out('no keys');
        for (const k of rows) {
          io.out(
            `${k.id}  ${k.dialect.padEnd(8)}  ${k.prefix.padEnd(12)}  ${k.role.padEnd(6)}  ${k.organizationIds.join(',')}  ${k.revokedAt ? `revoked ${k.revokedAt}` : 'active'}`,
          );
        }
      }),
    );

  keys
    .command('revoke <key_id>')
    .description('revoke a key; requests with it are refused at once')
    .action((id: string) =>
      withGateway(async ({ apiKeys }) => {
        await apiKeys.revoke(id);
        io.out(`revoked ${id}`);
      }),
    );

  registerMigrationCommands(program, io, withGateway);
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
