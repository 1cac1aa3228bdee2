import fc from 'fast-check';
import type { Database } from '../../core/store/database';
import type { KnexStore } from '../../core/store/knex-store';
import { foldText, searchText } from '../../core/rules/name-key';
import type { McpServer } from '../../core/model/server';
import { testEngine } from '../support/test-database';
import { openTestStore, type TestStore } from '../support/test-store';
import { aServer } from './store-contract';
import { createTrigramIndex } from '../../core/store/migrations/008_search_index';
import { INDEXED_SEARCH_MIN_SERVERS } from '../../core/store/servers.knex-store';

const NAMES = [
  'Billing Server 1',
  'billing-tools',
  'Docs Tools 42',
  'Weather5 feed',
  'Straße Süd',
  'ＦＵＬＬ width',
  'a*b?c[d]e',
  '50% off_sale',
  'back\\slash',
];

let opened: TestStore;
let database: Database;
let store: KnexStore;
beforeAll(async () => {
  opened = await openTestStore();
  ({ database, store } = opened);
});
afterAll(() => opened.close());

let sequence = 0;
async function add(name: string, overrides: Partial<McpServer> = {}): Promise<McpServer> {
  sequence += 1;
  const server = aServer({
    id: `srv_search_${sequence}`,
    organizationId: 'org_search_unnamed',
    name,
    description: `server number ${sequence}`,
    url: `https://host${sequence}.example.com/mcp`,
    createdAt: 1_000 + sequence,
    updatedAt: 1_000 + sequence,
    ...overrides,
  });
  await store.servers.insert(server);
  return server;
}

/** What search means, written out: the folded term inside the folded name, description or URL, of a live server of the organization. */
function expected(all: McpServer[], term: string, org: string): string[] {
  const folded = foldText(term);
  return all
    .filter((s) => s.organizationId === org && s.deletedAt === null && searchText(s.name, s.description, s.url).includes(folded))
    .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
    .map((s) => s.id);
}

async function found(term: string, org: string): Promise<{ ids: string[]; total: number }> {
  const { items, total } = await store.servers.list({ organizationId: org, search: term, sort: 'created_at', order: 'asc' });
  return { ids: items.map((s) => s.id), total };
}

/**
 * On SQLite an organization with fewer than INDEXED_SEARCH_MIN_SERVERS live servers scans its own
 * servers and a larger one searches through the trigram index: every check runs both ways (the
 * kept count is raised by hand to make an organization "large").
 */
async function makeLarge(org: string): Promise<void> {
  await database.knex.raw(
    'INSERT INTO mcp_server_counts (organization_id, live) VALUES (?, ?) ON CONFLICT (organization_id) DO UPDATE SET live = mcp_server_counts.live + ?',
    [org, INDEXED_SEARCH_MIN_SERVERS, INDEXED_SEARCH_MIN_SERVERS],
  );
}

describe.each([
  ['through the trigram index', true],
  ['by scanning the organization', false],
])(`search over servers on ${testEngine()}, %s`, (_way, large) => {
  const ORG = large ? 'org_search_large' : 'org_search_small';
  const PROPERTY_ORG = `${ORG}_property`;
  const live: McpServer[] = [];

  beforeAll(async () => {
    if (large) for (const org of [ORG, PROPERTY_ORG]) await makeLarge(org);
    for (const name of NAMES) live.push(await add(name, { organizationId: ORG }));
    // Another organization's server matches too, and is never found.
    await add('Billing Server elsewhere', { organizationId: `${ORG}_other` });
  });

  it.each([
    'billing',
    'BILLING SERVER',
    'docs tools',
    'weather5',
    'strasse',
    'straße',
    'full',
    'a*b',
    'b?c',
    'c[d]e',
    '[d]',
    '50%',
    '%',
    'off_',
    '_',
    'back\\',
    'host3.example',
    'number 1',
    'zz',
    'no such words',
  ])('finds exactly the servers whose folded text holds %j, in order', async (term) => {
    const result = await found(term, ORG);
    expect(result.ids).toEqual(expected(live, term, ORG));
    expect(result.total).toBe(result.ids.length);
  });

  it('follows renames, soft deletes and hard deletes, also after VACUUM renumbers rows', async () => {
    const renamed = await add('Original Name', { organizationId: ORG });
    const removed = await add('Removed Later', { organizationId: ORG });
    const purged = await add('Purged Later', { organizationId: ORG });
    if (testEngine() === 'sqlite') await database.knex.raw('VACUUM');
    const next = { ...renamed, name: 'Quite Different', updatedAt: renamed.updatedAt + 1 };
    await store.servers.update(next);
    await store.servers.update({ ...removed, deletedAt: 5_000 });
    await database.knex('mcp_servers').where({ id: purged.id }).delete();
    if (testEngine() === 'sqlite') await database.knex.raw('VACUUM');
    expect((await found('original name', ORG)).ids).toEqual([]);
    expect((await found('quite different', ORG)).ids).toEqual([renamed.id]);
    expect((await found('removed later', ORG)).ids).toEqual([]);
    expect((await found('purged later', ORG)).ids).toEqual([]);
    const survivor = await add('Added After Vacuum', { organizationId: ORG });
    expect((await found('after vacuum', ORG)).ids).toEqual([survivor.id]);
    expect((await found('quite different', ORG)).ids).toEqual([renamed.id]);
  });

  it('agrees with the written-out meaning for any term and any names', async () => {
    const org = PROPERTY_ORG;
    const alphabet = fc.constantFrom('a', 'b', 'A', 'ß', 'ẞ', 'ｆ', ' ', '%', '_', '*', '?', '[', ']', '\\', '-', '1');
    const text = fc.array(alphabet, { minLength: 0, maxLength: 8 }).map((cs) => cs.join(''));
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(
          text.filter((t) => t.trim().length > 0),
          { minLength: 1, maxLength: 6, selector: (t) => foldText(t.trim()) },
        ),
        // A term, never empty (an empty search is no search; in the "large" way the kept count is made up).
        text.filter((t) => t.length > 0),
        async (names, term) => {
          await database.knex('mcp_servers').where({ organization_id: org }).delete();
          const servers: McpServer[] = [];
          for (const name of names) servers.push(await add(name, { organizationId: org, description: '', url: 'u' }));
          const { items, total } = await store.servers.list({ organizationId: org, search: term, sort: 'created_at', order: 'asc' });
          const folded = foldText(term);
          const want = servers.filter((s) => searchText(s.name, s.description, s.url).includes(folded)).map((s) => s.id);
          expect(items.map((s) => s.id)).toEqual(want);
          expect(total).toBe(want.length);
        },
      ),
      { numRuns: 60 },
    );
  });

  it(large ? 'answers from the index, not by reading every server of the organization' : 'reads only its own organization, never the index', async () => {
    if (testEngine() === 'sqlite') {
      const reader = database.reader()!;
      const run = jest.spyOn(reader, 'all');
      await found('billing', ORG);
      const searches = run.mock.calls.filter(([sql]) => sql.includes('GLOB') || sql.includes('LIKE'));
      run.mockRestore();
      expect(searches).toHaveLength(2);
      for (const [sql, bindings] of searches) {
        const plan = reader.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, bindings).map((p) => p.detail);
        if (large) {
          expect(plan[0]).toMatch(/^SCAN mcp_server_search VIRTUAL TABLE INDEX 0:G/);
          expect(plan.join('; ')).not.toMatch(/SCAN mcp_servers/);
        } else {
          expect(plan.join('; ')).not.toMatch(/mcp_server_search/);
          expect(plan.join('; ')).toMatch(/SEARCH mcp_servers USING (COVERING )?INDEX mcp_servers_live_\w+ \(organization_id=\?/);
        }
      }
    } else {
      const queries: Array<{ sql: string; bindings: unknown[] }> = [];
      const listen = (q: { sql: string; bindings: unknown[] }) => queries.push(q);
      database.knex.on('query', listen);
      await found('billing', ORG);
      database.knex.off('query', listen);
      const searches = queries.filter((q) => q.sql.includes('LIKE'));
      expect(searches).toHaveLength(2);
      // With a handful of rows other plans are cheaper; with the sequential scan ruled out, the
      // planner shows the trigram index serves the store's very LIKE pattern.
      const pattern = searches[0]!.bindings.find((b) => typeof b === 'string' && b.startsWith('%'));
      expect(pattern).toBe('%billing%');
      await database.knex.transaction(async (trx) => {
        await trx.raw('SET LOCAL enable_seqscan = off');
        const plan = (await trx.raw("EXPLAIN SELECT id FROM mcp_servers WHERE search_text LIKE ? ESCAPE '\\'", [pattern as string])) as {
          rows: Array<{ 'QUERY PLAN': string }>;
        };
        expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toContain('mcp_servers_search_trgm');
      });
    }
  });
});

(testEngine() === 'postgres' ? describe : describe.skip)('search without pg_trgm (an operator who cannot create the extension)', () => {
  it('finds the same servers by scanning, and gets the index back once it can be made', async () => {
    for (const name of ['fallback alpha', 'fallback beta', 'other']) await add(name, { organizationId: 'org_fallback' });
    const search = async (term: string) =>
      (await store.servers.list({ organizationId: 'org_fallback', search: term, sort: 'created_at', order: 'asc' })).items.map((s) => s.name);
    const withIndex = await search('fallback');
    await database.knex.raw('DROP INDEX mcp_servers_search_trgm');
    expect(await search('fallback')).toEqual(withIndex);
    expect(withIndex).toEqual(['fallback alpha', 'fallback beta']);
    expect(await createTrigramIndex(database.knex)).toBe(true);
    expect(await search('fallback')).toEqual(withIndex);
  });
});
