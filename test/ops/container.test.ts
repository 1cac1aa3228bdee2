import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { configSchema, loadConfig } from '../../server/config';
import { createLogger } from '../../server/logger';
import { serve } from '../../server/serve';
import { cli } from '../support/cli';
import { lineSink } from '../support/log-lines';

const ROOT = join(__dirname, '..', '..');

// No Docker engine runs here: these check what can be checked without one.
describe('the container files', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

  it('build in two stages and run as a non-root user', () => {
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^FROM node:20[^\n]* AS build$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^CMD \["node", "--max-old-space-size=256", "bin\/mcp-gateway.js", "serve"\]$/m);
  });

  it('copy every folder the build needs', () => {
    const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
    for (const entry of build.include) expect(dockerfile).toMatch(new RegExp(`COPY [^\\n]*\\b${entry.replace('.', '\\.')}\\b`));
    // `npm run build` also copies the console's page files with scripts/copy-console-assets.js.
    expect(dockerfile).toMatch(/^COPY scripts scripts$/m);
  });

  it('compose the gateway with PostgreSQL using only variables the gateway knows', () => {
    const compose = parse(readFileSync(join(ROOT, 'compose.yaml'), 'utf8')) as {
      services: Record<string, { environment?: Record<string, string>; image?: string }>;
    };
    expect(compose.services.postgres!.image).toMatch(/^postgres:/);
    const env = compose.services.gateway!.environment!;
    expect(env.DATABASE_URL).toMatch(/^postgres:\/\/.+@postgres:5432\//);
    for (const name of Object.keys(env)) expect(Object.keys(configSchema.shape)).toContain(name);
    expect(env.MCP_GATEWAY_ENCRYPTION_KEY).toBeDefined();
  });
});

/** The ENV of the runtime stage (the last FROM), as the container's processes see it. */
function runtimeEnv(dockerfile: string): Record<string, string> {
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const match of runtime.matchAll(/^ENV ((?:[^\n]*\\\n)*[^\n]*)$/gm)) {
    for (const pair of match[1]!.replace(/\\\n/g, ' ').trim().split(/\s+/)) {
      const [name, ...value] = pair.split('=');
      env[name!] = value.join('=');
    }
  }
  return env;
}

describe('the production image', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

  it('starts without the demo organization, in the image and in compose', () => {
    expect(runtimeEnv(dockerfile)).toMatchObject({ NODE_ENV: 'production', MCP_GATEWAY_DEMO: 'false', DATABASE_URL: 'sqlite:/data/mcp-gateway.sqlite' });
    const compose = parse(readFileSync(join(ROOT, 'compose.yaml'), 'utf8')) as { services: Record<string, { environment?: Record<string, string> }> };
    expect(compose.services.gateway!.environment!.MCP_GATEWAY_DEMO).toBe('false');
  });

  it('puts mcp-gateway on the PATH, so `docker exec … mcp-gateway keys create` works', () => {
    expect(dockerfile).toMatch(/^RUN [^\n]*\bln -s \/app\/bin\/mcp-gateway\.js \/usr\/local\/bin\/mcp-gateway\b/m);
    const bin = join(ROOT, 'bin', 'mcp-gateway.js');
    expect(readFileSync(bin, 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
    expect(statSync(bin).mode & 0o111).toBe(0o111);
  });

  it('with its environment, prints no key on a first start, and the first key comes from keys create as the README says', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-gateway-image-'));
    const databaseUrl = `sqlite:${join(dir, 'mcp-gateway.sqlite')}`;
    const printed: string[] = [];
    const { lines, stream } = lineSink();
    const logger = createLogger('info', stream);
    const running = await serve(loadConfig({ ...runtimeEnv(dockerfile), DATABASE_URL: databaseUrl, PORT: '0', HOST: '127.0.0.1' }), logger, (t) =>
      printed.push(t),
    );
    try {
      expect(printed).toEqual([]);
      expect(lines.join('')).not.toMatch(/ak_|sk_|s3cr3t_|org_demo/);
      const key = readFileSync(join(dir, 'mcp-gateway.sqlite.key'), 'utf8').trim();
      expect((await cli(databaseUrl, key, 'keys', 'list', '--json')).stdout.trim()).toBe('[]');
      const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
      const documented = /docker exec [^\n]*? mcp-gateway (keys create [^\n#]*?)\s*(#|\n)/.exec(readme)?.[1];
      expect(documented).toBeDefined();
      const argv = documented!.replace('<org>', 'org_first').split(/\s+/).concat('--json');
      const created = await cli(databaseUrl, key, ...argv);
      expect(created.code).toBe(0);
      const res = await fetch(`http://127.0.0.1:${running.port}/v1/mcp-configurations?organization_id=org_first`, {
        headers: { 'X-API-Key': JSON.parse(created.stdout).apiKey },
      });
      expect(res.status).toBe(200);
    } finally {
      await running.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
