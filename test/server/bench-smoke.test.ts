import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

describe('the benchmark harness', () => {
  it('seeds, starts the gateway and both baselines, measures, and writes its JSON report (a smoke run: no speed asserted)', async () => {
    if (!existsSync(join(ROOT, 'dist', 'bench', 'run.js'))) throw new Error('dist/ is missing: npm test builds it first');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { runBench } = require(join(ROOT, 'dist', 'bench', 'run.js')) as typeof import('../../bench/run');
    const out = join(mkdtempSync(join(tmpdir(), 'bench-smoke-')), 'results.json');
    const engine = process.env.MCP_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';
    if (engine === 'postgres') process.env.BENCH_DATABASE_URL = process.env.TEST_DATABASE_URL;
    const report = await runBench({ smoke: true, db: engine, connections: 4, out }, () => undefined);
    const written = JSON.parse(readFileSync(out, 'utf8'));
    expect(written).toEqual(JSON.parse(JSON.stringify(report)));
    const [row] = report.rows;
    expect(row).toMatchObject({ scenario: 'get one (Aitronos)', errors: 0 });
    expect(row!.requests).toBeGreaterThan(0);
    expect(row!.vsExpress).toEqual(expect.any(Number));
    if (engine === 'sqlite') expect(row!.vsRawNode).toEqual(expect.any(Number));
    // Issue 16's targets: 0.85 of baseline (b) on SQLite, 0.8 on PostgreSQL; peak memory under 150 MB.
    expect(report.targets.getOneVsExpress.target).toBe(engine === 'postgres' ? 0.8 : 0.85);
    expect(report.targets.peakMemoryMb.target).toBe(150);
    // The proxy scenario: a tools/call through the gateway's MCP endpoint and straight to the upstream.
    const proxied = report.rows.find((r) => r.scenario === 'tools/call (2025 request)');
    expect(proxied).toMatchObject({ errors: 0, vsDirect: expect.any(Number), baselines: { direct: expect.objectContaining({ errors: 0 }) } });
    expect(proxied!.requests).toBeGreaterThan(0);
  }, 60000);
});
