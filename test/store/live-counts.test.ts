import fc from 'fast-check';
import type { Database } from '../../core/store/database';
import type { KnexStore } from '../../core/store/knex-store';
import { testEngine } from '../support/test-database';
import { openTestStore, type TestStore } from '../support/test-store';
import { aServer } from './store-contract';

let opened: TestStore;
let database: Database;
let store: KnexStore;
beforeAll(async () => {
  opened = await openTestStore();
  ({ database, store } = opened);
});
afterAll(() => opened.close());

const ORGS = ['org_count_a', 'org_count_b'];

type Step = { op: 'insert'; org: number } | { op: 'softDelete' | 'hardDelete' | 'restore' | 'move' | 'rename'; pick: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant('insert' as const), org: fc.integer({ min: 0, max: 1 }) }),
  fc.record({ op: fc.constantFrom('softDelete' as const, 'hardDelete' as const, 'restore' as const, 'move' as const, 'rename' as const), pick: fc.nat() }),
);

let sequence = 0;

describe(`an unfiltered list's total on ${testEngine()}`, () => {
  it('is the number of live servers of the organization after any inserts, renames, moves, soft and hard deletes and restores', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 25 }), async (steps) => {
        await database.knex('mcp_servers').whereIn('organization_id', ORGS).delete();
        for (const s of steps) {
          const rows = (await database
            .knex('mcp_servers')
            .whereIn('organization_id', ORGS)
            .orderBy('id')
            .select('id', 'organization_id', 'deleted_at')) as Array<{
            id: string;
            organization_id: string;
            deleted_at: unknown;
          }>;
          if (s.op === 'insert') {
            sequence += 1;
            await store.servers.insert(aServer({ id: `srv_count_${sequence}`, organizationId: ORGS[s.org]!, name: `counted ${sequence}` }));
            continue;
          }
          const row = rows[s.pick % Math.max(rows.length, 1)];
          if (!row) continue;
          const where = database.knex('mcp_servers').where({ id: row.id });
          if (s.op === 'softDelete') await where.update({ deleted_at: 5_000 });
          else if (s.op === 'hardDelete') await where.delete();
          else if (s.op === 'rename') await where.update({ name: `renamed ${row.id}`, name_key: `renamed ${row.id}` });
          else if (s.op === 'move') await where.update({ organization_id: ORGS.find((o) => o !== row.organization_id)!, name_key: `moved ${row.id}` });
          // A restore may collide with a live server of the same name: then nothing changes, as in the gateway.
          else await where.update({ deleted_at: null }).catch(() => undefined);
        }
        for (const org of ORGS) {
          const [{ n }] = (await database.knex('mcp_servers').where({ organization_id: org }).whereNull('deleted_at').count({ n: '*' })) as [{ n: unknown }];
          const { total, items } = await store.servers.list({ organizationId: org, sort: 'created_at', order: 'asc' });
          expect(total).toBe(Number(n));
          expect(items).toHaveLength(Number(n));
        }
      }),
      { numRuns: 40 },
    );
  });
});
