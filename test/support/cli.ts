import { runCli } from '../../server/cli';

/** Runs the CLI in-process against a database, capturing what it prints. */
export async function cli(databaseUrl: string, encryptionKey: string, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const saved = { url: process.env.DATABASE_URL, key: process.env.MCP_GATEWAY_ENCRYPTION_KEY };
  process.env.DATABASE_URL = databaseUrl;
  process.env.MCP_GATEWAY_ENCRYPTION_KEY = encryptionKey;
  try {
    const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    restore('DATABASE_URL', saved.url);
    restore('MCP_GATEWAY_ENCRYPTION_KEY', saved.key);
  }
}

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
