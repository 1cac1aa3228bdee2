import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { configSchema } from '../../server/config';

const ROOT = join(__dirname, '..', '..');

// No Docker engine runs here: these check what can be checked without one.
describe('the container files', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

  it('build in two stages and run as a non-root user', () => {
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^FROM node:20[^\n]* AS build$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^CMD \["node", "--max-semi-space-size=8", "bin\/mcp-gateway.js", "serve"\]$/m);
  });

  it('copy every folder the build needs', () => {
    const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
    for (const entry of build.include) expect(dockerfile).toMatch(new RegExp(`COPY [^\\n]*\\b${entry.replace('.', '\\.')}\\b`));
  });

  it('compose the gateway with PostgreSQL using only variables the gateway knows', () => {
    const compose = parse(readFileSync(join(ROOT, 'compose.yaml'), 'utf8')) as { services: Record<string, { environment?: Record<string, string>; image?: string }> };
    expect(compose.services.postgres!.image).toMatch(/^postgres:/);
    const env = compose.services.gateway!.environment!;
    expect(env.DATABASE_URL).toMatch(/^postgres:\/\/.+@postgres:5432\//);
    for (const name of Object.keys(env)) expect(Object.keys(configSchema.shape)).toContain(name);
    expect(env.MCP_GATEWAY_ENCRYPTION_KEY).toBeDefined();
  });
});
