import { type Command, Option } from 'commander';
import { ROLES, type Role } from '../core/model/principal';
import { INTERFACES, keyedInterface } from './interfaces';
import { type CliIo, UsageError, type WithGateway } from './migration-commands';

const collect = (value: string, previous: string[]) => [...previous, value];

/** The interfaces that issue gateway keys: `keys create --dialect` offers exactly these. */
const KEYED = INTERFACES.filter((i) => i.keyFormat !== null);

/** `keys create | list | revoke`: keys of every interface that has a key format. */
export function registerKeyCommands(program: Command, io: CliIo, withGateway: WithGateway): void {
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
    .option(
      '--org <org_id>',
      `organization the key belongs to (required; repeat for several with ${KEYED.filter((i) => !i.keyFormat!.singleOrganization)
        .map((i) => i.name)
        .join(' or ')} keys)`,
      collect,
      [],
    )
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
}
