import type { SortField } from '../../core/model/input';
import type { ApprovalPolicy, ToolApprovalState, Transport } from '../../core/model/server';
import type { LiveApprovalState } from '../../core/rules/tool-policy';
import type { Differ, NoneLeft } from '../shared/wire-checks';
import type { components, operations } from './zudu.wire';

/**
 * The Zudu words for core values, in one place: the mapper and the migration format both read
 * these. Tables are typed by the contract's enum on one side and the core's on the other, so a
 * value added to either (schemas/zudu.openapi.yaml or core/model/server.ts) is a compiler error
 * here until it is given its word; test/contract/vocabulary.test.ts proves the YAML says the same.
 */
type Schemas = components['schemas'];
export type ZuduTransport = Schemas['Transport'];

export const ZUDU_TRANSPORTS_IN: Readonly<Record<ZuduTransport, Transport>> = { SSE: 'sse', STREAMABLE_HTTP: 'streamable_http' };
export const ZUDU_TRANSPORTS_OUT: Readonly<Record<Transport, ZuduTransport>> = { sse: 'SSE', streamable_http: 'STREAMABLE_HTTP' };

type ListQuery = NonNullable<operations['listMcpServers']['parameters']['query']>;

/**
 * What a create or a list leaves out means: the transport and policy as the seed API defines
 * them, the list parameters as the contract's `default`s say (test/contract/vocabulary.test.ts).
 */
export const ZUDU_DEFAULTS = {
  transport: 'SSE',
  approvalPolicy: 'auto_approve_all',
  list: { page: 0, limit: 20, sort: 'created_at', order: 'desc' },
} as const satisfies { transport: ZuduTransport; approvalPolicy: ApprovalPolicy; list: Required<Omit<ListQuery, 'search'>> };

// Zudu spells approval policies, tool approval states and sort fields as the core does, so they
// pass through unmapped; these proofs fail the build, naming the value, the day one side spells
// one differently.
type LiveTool = operations['listLiveTools']['responses'][200]['content']['application/json']['data'][number];
export type ZuduVocabularyProofs = [
  NoneLeft<Differ<Schemas['ApprovalPolicy'], ApprovalPolicy>>,
  NoneLeft<Differ<Schemas['ToolApprovalState'], ToolApprovalState>>,
  NoneLeft<Differ<NonNullable<ListQuery['sort']>, SortField>>,
  NoneLeft<Differ<LiveTool['approval_state'], LiveApprovalState>>,
];
