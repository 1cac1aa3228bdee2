import { createWriteStream } from 'node:fs';
import { type Command, Option } from 'commander';
import type { AuditEvent } from '../core/model/audit';
import { type CliIo, UsageError, type WithGateway } from './migration-commands';

/** A broken chain: `audit verify` exits 1 after naming the first broken link (already printed). */
export class AuditChainBroken extends Error {}

/** One exported line: every recorded field, as stored (ISO time added for readers), for SIEM ingestion. */
function exportLine(e: AuditEvent): string {
  return JSON.stringify({
    organization_id: e.organizationId,
    sequence: e.seq,
    at: e.at,
    time: new Date(e.at).toISOString(),
    actor: { key_id: e.actor.keyId, user_id: e.actor.userId, dialect: e.actor.dialect },
    action: e.action,
    target_type: e.targetType,
    target_id: e.targetId,
    fields: e.fields,
    outcome: e.outcome,
    detail: e.detail,
    request_id: e.requestId,
    previous_hash: e.prevHash,
    hash: e.hash,
  });
}

function parseSince(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const at = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(at)) throw new UsageError(`--since must be an ISO 8601 time or epoch milliseconds, not '${text}'`);
  return at;
}

/** `audit verify | export | prune`: the audit trail from the operator's side. */
export function registerAuditCommands(program: Command, io: CliIo, withGateway: WithGateway): void {
  const audit = program.command('audit').description('check and export the audit trail');
  audit
    .command('verify')
    .description("check an organization's hash chain; names the first broken link (exit 1)")
    .requiredOption('--org <org_id>', 'organization')
    .option('--json', 'print one JSON object')
    .action((options: { org: string; json?: boolean }) =>
      withGateway(async ({ audit: trail }) => {
        const result = await trail.verify(options.org);
        if (options.json) io.out(JSON.stringify({ organization_id: options.org, ...result }));
        else if (result.intact)
          io.out(`audit chain of ${options.org}: intact, ${result.checked} event(s) checked (${result.checked ? `${result.from} to ${result.head}` : 'none'})`);
        else
          io.out(
            `audit chain of ${options.org}: BROKEN at event ${result.broken.seq} (${
              {
                missing: 'missing: deleted, or the chain was cut',
                edited: 'edited: its content no longer matches its hash',
                relinked: 'relinked: it does not follow the event before it',
                unanchored: "unanchored: events past, or without, the organization's head record",
              }[result.broken.problem]
            }); ${result.checked} event(s) before it hold`,
          );
        if (!result.intact) throw new AuditChainBroken('audit chain broken');
      }),
    );
  audit
    .command('export')
    .description("write an organization's audit events, oldest first, one JSON object per line")
    .requiredOption('--org <org_id>', 'organization')
    .option('--since <time>', 'only events at or after this time (ISO 8601 or epoch milliseconds)')
    .addOption(new Option('--format <format>', 'output format').choices(['jsonl']).default('jsonl'))
    .option('--out <file>', 'write to this file instead of standard output')
    .action((options: { org: string; since?: string; out?: string }) =>
      withGateway(async ({ audit: trail }) => {
        const since = parseSince(options.since);
        const file = options.out ? createWriteStream(options.out, { flags: 'wx', mode: 0o600 }) : null;
        for await (const event of trail.events(options.org, since)) {
          if (file) file.write(`${exportLine(event)}\n`);
          else io.out(exportLine(event));
        }
        if (file) await new Promise<void>((resolve, reject) => file.end((error?: Error | null) => (error ? reject(error) : resolve())));
      }),
    );
  audit
    .command('prune')
    .description('drop events older than MCP_GATEWAY_AUDIT_RETENTION_DAYS now (serve also does this hourly); the pruning is itself recorded')
    .action(() =>
      withGateway(async ({ audit: trail }, config) => {
        if (config.auditRetentionDays === null) throw new UsageError('MCP_GATEWAY_AUDIT_RETENTION_DAYS is not set: every event is kept');
        const pruned = await trail.prune();
        io.out(pruned.length ? pruned.map((p) => `${p.organizationId}: ${p.pruned} event(s) pruned`).join('\n') : 'nothing to prune');
      }),
    );
}
