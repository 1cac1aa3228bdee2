import type { ImportCandidate, ImportSource } from '../../core/model/migration';
import { Importer } from '../../core/services/importer';
import { admin, newServer, ORG, useCaseWorld, type UseCaseWorld } from './use-case-world';

let world: UseCaseWorld;
let importer: Importer;
beforeEach(() => {
  world = useCaseWorld();
  importer = new Importer({ ...world, registry: world.registry });
});

const candidate = (overrides: Partial<ImportCandidate> = {}): ImportCandidate => ({
  source: 'servers[0]',
  name: 'GitHub',
  url: 'https://mcp.example.com/mcp',
  transport: 'streamable_http',
  auth: { type: 'bearer', credentials: { token: 'imported-token' } },
  warnings: [],
  ...overrides,
});

const file = (...candidates: ImportCandidate[]): ImportSource => ({ format: 'test', candidates, secrets: [] });

const names = async () => (await world.store.servers.list({ organizationId: ORG, sort: 'name' })).items.map((s) => s.name);

describe('Importer', () => {
  it('creates each server with its credentials, and a second run of the same file changes nothing', async () => {
    const first = await importer.run(ORG, file(candidate(), candidate({ source: 'servers[1]', name: 'Maps', auth: null })), {
      strategy: 'skip',
      dryRun: false,
    });
    expect(first.summary).toMatchObject({ create: 2, imported: 2, failed: 0 });
    const [github] = (await world.store.servers.list({ organizationId: ORG, search: 'github' })).items;
    expect(await world.secretValue(ORG, (github!.auth as { secretId: string }).secretId)).toBe('imported-token');
    const again = await importer.run(ORG, file(candidate(), candidate({ source: 'servers[1]', name: 'Maps', auth: null })), {
      strategy: 'update',
      dryRun: false,
    });
    expect(again.results.map((r) => r.action)).toEqual(['skip', 'skip']);
    expect(await names()).toEqual(['GitHub', 'Maps']);
    expect(await world.store.secrets.listByOrganization(ORG)).toHaveLength(1);
  });

  it('resolves a name taken in the organization by the chosen strategy', async () => {
    await world.registry.create(admin(), newServer({ name: 'github', url: 'https://old.example.com/mcp' }));
    const skipped = await importer.run(ORG, file(candidate()), { strategy: 'skip', dryRun: false });
    expect(skipped.results[0]).toMatchObject({ action: 'skip' });
    const renamed = await importer.run(ORG, file(candidate()), { strategy: 'rename', dryRun: false });
    expect(renamed.results[0]).toMatchObject({ action: 'rename', targetName: 'GitHub (2)', outcome: 'imported' });
    const updated = await importer.run(ORG, file(candidate()), { strategy: 'update', dryRun: false });
    expect(updated.results[0]).toMatchObject({ action: 'update', outcome: 'imported' });
    expect((await world.store.servers.list({ organizationId: ORG, search: 'old.example' })).total).toBe(0);
    expect(await names()).toEqual(['github', 'GitHub (2)']);
  });

  it('writes nothing in a dry run, and reports what it would do', async () => {
    const report = await importer.run(ORG, file(candidate()), { strategy: 'skip', dryRun: true });
    expect(report.results[0]).toMatchObject({ action: 'create', outcome: 'planned' });
    expect(await names()).toEqual([]);
    expect(await world.store.secrets.listByOrganization(ORG)).toEqual([]);
  });
});
