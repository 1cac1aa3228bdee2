import type { Command } from 'commander';
import { AesGcmCipher } from '../core/secrets/aes-gcm-cipher';
import { rekeyEverything } from '../core/store/rekey';
import { type CliIo, UsageError, type WithGateway } from './migration-commands';

/** Some values opened under neither key: `secrets rekey` exits 1 after naming them. */
export class RekeyIncomplete extends Error {}

/** `secrets rekey`: moves every encrypted value to a new key. */
export function registerSecretCommands(program: Command, io: CliIo, withGateway: WithGateway): void {
  const secrets = program.command('secrets').description('the encryption of stored secrets');
  secrets
    .command('rekey')
    .description(
      're-encrypt every stored secret under MCP_GATEWAY_ENCRYPTION_KEY (new) from MCP_GATEWAY_PREVIOUS_ENCRYPTION_KEY (old); safe to stop and run again',
    )
    .action(() =>
      withGateway(async (gateway, config) => {
        if (!config.encryptionKey || !config.previousEncryptionKey)
          throw new UsageError('secrets rekey needs MCP_GATEWAY_ENCRYPTION_KEY (the new key) and MCP_GATEWAY_PREVIOUS_ENCRYPTION_KEY (the old one)');
        const done = await rekeyEverything(
          gateway.db.knex,
          { current: new AesGcmCipher(config.encryptionKey), previous: new AesGcmCipher(config.previousEncryptionKey) },
          (p) => io.progress?.(`re-encrypted ${p.rekeyed}, already under the new key ${p.alreadyCurrent}`),
        );
        if (io.progress) io.err('');
        io.out(`re-encrypted ${done.rekeyed} value(s); ${done.alreadyCurrent} already under the new key`);
        if (done.unreadable.length) {
          for (const u of done.unreadable) io.err(`not readable under either key: ${u.table}.${u.column} (${u.row})`);
          throw new RekeyIncomplete();
        }
        if (done.remaining > 0) {
          io.err(`${done.remaining} value(s) were written under the old key again while this ran: run secrets rekey again`);
          throw new RekeyIncomplete();
        }
        io.out('every value is under the new key: MCP_GATEWAY_PREVIOUS_ENCRYPTION_KEY can be removed once every instance runs with the new key');
      }),
    );
}
