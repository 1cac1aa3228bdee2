import { resolve } from 'node:path';
import { ConfigError, loadConfig } from '../../server/config';

const KEY = Buffer.alloc(32, 7).toString('base64');

describe('loadConfig', () => {
  it('defaults to port 8080 and the embedded SQLite file', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8080);
    expect(config.database).toEqual({ engine: 'sqlite', filename: resolve('./data/mcp-gateway.sqlite') });
    expect(config.encryptionKey).toBeNull();
    expect(config.demo).toBe(true);
    // Background health checks are off unless asked for; no previous key outside a rotation.
    expect(config.health).toBeNull();
    expect(config.previousEncryptionKey).toBeNull();
  });

  it('reads the health-check interval and concurrency, and a previous encryption key beside the current one', () => {
    expect(loadConfig({ MCP_GATEWAY_HEALTH_INTERVAL_S: '300' }).health).toEqual({ intervalMs: 300_000, concurrency: 4 });
    expect(loadConfig({ MCP_GATEWAY_HEALTH_INTERVAL_S: '60', MCP_GATEWAY_HEALTH_CONCURRENCY: '8' }).health).toEqual({ intervalMs: 60_000, concurrency: 8 });
    const other = Buffer.alloc(32, 8).toString('base64');
    expect(loadConfig({ MCP_GATEWAY_ENCRYPTION_KEY: KEY, MCP_GATEWAY_PREVIOUS_ENCRYPTION_KEY: other }).previousEncryptionKey).toEqual(Buffer.alloc(32, 8));
  });

  it('reads sqlite:<path> and postgres:// URLs', () => {
    expect(loadConfig({ DATABASE_URL: 'sqlite:/tmp/x.sqlite' }).database).toEqual({ engine: 'sqlite', filename: '/tmp/x.sqlite' });
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h:5432/db', MCP_GATEWAY_ENCRYPTION_KEY: KEY }).database).toEqual({
      engine: 'postgres',
      url: 'postgres://u@h:5432/db',
    });
  });

  it.each([
    [{ PORT: 'eighty' }, /^PORT/],
    [{ PORT: '70000' }, /^PORT/],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL/],
    [{ MCP_GATEWAY_ENCRYPTION_KEY: 'too-short' }, /^MCP_GATEWAY_ENCRYPTION_KEY/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL/],
    [{ MCP_GATEWAY_DEMO: 'perhaps' }, /^MCP_GATEWAY_DEMO/],
    [{ MCP_GATEWAY_PROBE_TIMEOUT_MS: '5' }, /^MCP_GATEWAY_PROBE_TIMEOUT_MS/],
    [{ MCP_GATEWAY_PROBE_CONCURRENCY: '0' }, /^MCP_GATEWAY_PROBE_CONCURRENCY/],
    [{ MCP_GATEWAY_ALLOWED_HOSTS: '10.0.0.0/99' }, /^MCP_GATEWAY_ALLOWED_HOSTS/],
    [{ MCP_GATEWAY_ALLOW_PRIVATE_NETWORKS: 'sure' }, /^MCP_GATEWAY_ALLOW_PRIVATE_NETWORKS/],
    [{ MCP_GATEWAY_RATE_LIMIT_PER_MINUTE: '-1' }, /^MCP_GATEWAY_RATE_LIMIT_PER_MINUTE/],
    [{ MCP_GATEWAY_CORS_ORIGINS: 'not an origin' }, /^MCP_GATEWAY_CORS_ORIGINS/],
    [{ MCP_GATEWAY_SHUTDOWN_TIMEOUT_MS: 'soon' }, /^MCP_GATEWAY_SHUTDOWN_TIMEOUT_MS/],
    [{ MCP_GATEWAY_TRUST_PROXY: 'maybe' }, /^MCP_GATEWAY_TRUST_PROXY/],
    [{ MCP_GATEWAY_SOURCE_ENCRYPTION_KEY: 'short' }, /^MCP_GATEWAY_SOURCE_ENCRYPTION_KEY/],
    [{ WORKERS: '0' }, /^WORKERS/],
    [{ MCP_GATEWAY_ENCRYPTION_KEY: KEY, MCP_GATEWAY_PREVIOUS_ENCRYPTION_KEY: 'short' }, /^MCP_GATEWAY_PREVIOUS_ENCRYPTION_KEY/],
    [
      { MCP_GATEWAY_PREVIOUS_ENCRYPTION_KEY: KEY },
      /^MCP_GATEWAY_PREVIOUS_ENCRYPTION_KEY is the old key of a rotation: set the new one in MCP_GATEWAY_ENCRYPTION_KEY/,
    ],
    [{ MCP_GATEWAY_ENCRYPTION_KEY: KEY, MCP_GATEWAY_PREVIOUS_ENCRYPTION_KEY: KEY }, /^MCP_GATEWAY_PREVIOUS_ENCRYPTION_KEY is the same key/],
    [{ MCP_GATEWAY_HEALTH_INTERVAL_S: '-5' }, /^MCP_GATEWAY_HEALTH_INTERVAL_S/],
    [{ MCP_GATEWAY_HEALTH_INTERVAL_S: 'hourly' }, /^MCP_GATEWAY_HEALTH_INTERVAL_S/],
    [{ MCP_GATEWAY_HEALTH_CONCURRENCY: '0' }, /^MCP_GATEWAY_HEALTH_CONCURRENCY/],
  ])('refuses %j with a message naming the variable', (env, pattern) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(pattern);
  });

  it('refuses PostgreSQL without an encryption key, and says how to make one', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://u@h/db' })).toThrow(/MCP_GATEWAY_ENCRYPTION_KEY is required with PostgreSQL.*openssl rand -base64 32/);
  });
});

describe('the configuration is documented', () => {
  const { readFileSync } = require('node:fs') as typeof import('node:fs');
  const { join } = require('node:path') as typeof import('node:path');
  const { configSchema } = require('../../server/config') as typeof import('../../server/config');
  const variables = Object.keys(configSchema.shape).sort();

  it('lists every variable in .env.example, and nothing else', () => {
    const example = readFileSync(join(__dirname, '..', '..', '.env.example'), 'utf8');
    const listed = [...example.matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]).sort();
    expect(listed).toEqual(variables);
  });

  it('lists every variable in the README configuration table, and nothing else', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 5));
    const listed = [...section.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]).sort();
    expect(listed).toEqual(variables);
  });
});
