import type { Command } from 'commander';
import type { CliIo, WithGateway } from './migration-commands';

/** `registry token create | list | revoke`: read tokens of an organization's MCP Registry. */
export function registerRegistryCommands(program: Command, io: CliIo, withGateway: WithGateway): void {
  const registry = program.command('registry').description("an organization's MCP Registry (/registry/{org_id})");
  const token = registry.command('token').description('read tokens, for clients that cannot send headers');
  token
    .command('create')
    .description('issue a read token for one organization; printed once, stored only as a hash')
    .requiredOption('--org <org_id>', 'the organization whose registry it reads')
    .option('--label <text>', 'what it is for (shown by list)')
    .option('--json', 'print one JSON object')
    .action((options: { org: string; label?: string; json?: boolean }) =>
      withGateway(async ({ registryTokens }, config) => {
        const { token: value, view } = await registryTokens.create(options.org, options.label);
        const base = config.publicUrl ?? `http://localhost:${config.port}`;
        const url = `${base}/registry/${encodeURIComponent(options.org)}/token/${value}`;
        if (options.json) return io.out(JSON.stringify({ id: view.id, organizationId: view.organizationId, token: value, registryUrl: url }));
        io.out(`Created registry token ${view.id} for ${view.organizationId}. Store it now; it is not shown again.`);
        io.out(`  token:        ${value}   (Authorization: Bearer)`);
        io.out(`  registry URL: ${url}   (for clients that cannot send headers)`);
      }),
    );
  token
    .command('list')
    .description("an organization's registry tokens (never their values)")
    .requiredOption('--org <org_id>', 'organization')
    .option('--json', 'print one JSON object per line')
    .action((options: { org: string; json?: boolean }) =>
      withGateway(async ({ registryTokens }) => {
        for (const t of await registryTokens.list(options.org))
          io.out(
            options.json
              ? JSON.stringify(t)
              : `${t.id}  ${new Date(t.createdAt).toISOString()}  ${t.revokedAt === null ? 'active ' : 'revoked'}  ${t.label ?? ''}`.trimEnd(),
          );
      }),
    );
  token
    .command('revoke <id>')
    .description('revoke a registry token at once')
    .action((id: string) =>
      withGateway(async ({ registryTokens }) => {
        await registryTokens.revoke(id);
        io.out(`revoked registry token ${id}`);
      }),
    );
}
