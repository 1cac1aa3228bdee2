import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { AITRONOS_AUTH_TYPES_IN, AITRONOS_AUTH_TYPES_OUT, AITRONOS_TRANSPORTS_IN, AITRONOS_TRANSPORTS_OUT } from '../../adapters/aitronos/aitronos.vocabulary';
import { ZUDU_DEFAULTS, ZUDU_TRANSPORTS_IN, ZUDU_TRANSPORTS_OUT } from '../../adapters/zudu/zudu.vocabulary';
import { SORT_FIELDS } from '../../core/model/input';
import { FAILURE_CLASSES } from '../../core/model/probe';
import { APPROVAL_POLICIES, CONNECTION_STATUSES, SERVER_TYPES, TOOL_APPROVAL_STATES, TRANSPORTS } from '../../core/model/server';
import { LIMITS } from '../../core/rules/server.rules';

/**
 * The contracts in schemas/ restate the core's enums and limits and the dialects' word tables;
 * the compiler sees only the generated types, so this reads the YAML itself: a value or a limit
 * edited on one side only fails here.
 */
type Spec = Record<string, unknown>;
const load = (name: string): Spec => parse(readFileSync(path.join(__dirname, '../../schemas', `${name}.openapi.yaml`), 'utf8'));
const aitronos = load('aitronos');
const zudu = load('zudu');

/** The value at a path of keys; a path the contract no longer has fails loudly, naming it. */
function at(spec: Spec, ...keys: Array<string | number>): unknown {
  let node: unknown = spec;
  for (const key of keys) {
    if (typeof node !== 'object' || node === null || !(key in node)) throw new Error(`the contract has no ${keys.join(' › ')}`);
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}
const schema = (spec: Spec, name: string, ...keys: string[]) => at(spec, 'components', 'schemas', name, ...keys);
const prop = (spec: Spec, name: string, field: string, ...keys: string[]) => schema(spec, name, 'properties', field, ...keys);
/** A request body's schema, given inline in the path. */
const body = (spec: Spec, route: string, method: string, field: string, ...keys: string[]) =>
  at(spec, 'paths', route, method, 'requestBody', 'content', 'application/json', 'schema', 'properties', field, ...keys);
/** A field of one tool in the Zudu live tool list. */
const liveTool = (...keys: string[]) =>
  at(
    zudu,
    'paths',
    '/mcp-servers/{id}/tools',
    'get',
    'responses',
    '200',
    'content',
    'application/json',
    'schema',
    'allOf',
    1,
    'properties',
    'data',
    'items',
    'properties',
    ...keys,
  );
const sorted = (values: readonly unknown[]) => [...values].map(String).sort();

describe('the wire vocabularies agree with the contracts', () => {
  it.each([
    ['Aitronos ConfigurationType', schema(aitronos, 'ConfigurationType', 'enum'), SERVER_TYPES],
    ['Aitronos Configuration.transportType', prop(aitronos, 'Configuration', 'transportType', 'enum'), Object.values(AITRONOS_TRANSPORTS_OUT)],
    ['Aitronos CreateConfiguration.transport_type', prop(aitronos, 'CreateConfiguration', 'transport_type', 'enum'), Object.keys(AITRONOS_TRANSPORTS_IN)],
    ['Aitronos Configuration.authType', prop(aitronos, 'Configuration', 'authType', 'enum'), Object.values(AITRONOS_AUTH_TYPES_OUT)],
    ['Aitronos CreateConfiguration.auth_type', prop(aitronos, 'CreateConfiguration', 'auth_type', 'enum'), Object.keys(AITRONOS_AUTH_TYPES_IN)],
    ['Aitronos Configuration.connectionStatus', prop(aitronos, 'Configuration', 'connectionStatus', 'enum'), CONNECTION_STATUSES],
    ['Aitronos ConnectionTestResult.failure_class', prop(aitronos, 'ConnectionTestResult', 'failure_class', 'enum'), [...FAILURE_CLASSES, null]],
    ['Zudu Transport', schema(zudu, 'Transport', 'enum'), Object.values(ZUDU_TRANSPORTS_OUT)],
    ['Zudu Transport (read)', schema(zudu, 'Transport', 'enum'), Object.keys(ZUDU_TRANSPORTS_IN)],
    ['Zudu ApprovalPolicy', schema(zudu, 'ApprovalPolicy', 'enum'), APPROVAL_POLICIES],
    ['Zudu ToolApprovalState', schema(zudu, 'ToolApprovalState', 'enum'), TOOL_APPROVAL_STATES],
    ['Zudu live approval_state', liveTool('approval_state', 'enum'), [...TOOL_APPROVAL_STATES, 'stale']],
    ['Zudu list sort', at(zudu, 'paths', '/mcp-servers', 'get', 'parameters', 2, 'schema', 'enum'), SORT_FIELDS],
  ])('%s lists exactly the values the code maps', (_where, inContract, inCode) => {
    expect(sorted(inContract as unknown[])).toEqual(sorted(inCode));
  });

  it('maps every core transport to a word each dialect admits, and back to itself', () => {
    for (const transport of TRANSPORTS) {
      expect(AITRONOS_TRANSPORTS_IN[AITRONOS_TRANSPORTS_OUT[transport]]).toBe(transport);
      expect(ZUDU_TRANSPORTS_IN[ZUDU_TRANSPORTS_OUT[transport]]).toBe(transport);
    }
  });

  it("fills what a Zudu list leaves out with the contract's defaults", () => {
    const parameters = at(zudu, 'paths', '/mcp-servers', 'get', 'parameters') as Array<{ name: string; schema: { default?: unknown } }>;
    const defaults = Object.fromEntries(parameters.filter((p) => p.schema.default !== undefined).map((p) => [p.name, p.schema.default]));
    expect(defaults).toEqual(ZUDU_DEFAULTS.list);
  });
});

describe("the contracts' limits are the core's LIMITS", () => {
  it.each([
    ['Aitronos CreateConfiguration.name', prop(aitronos, 'CreateConfiguration', 'name', 'maxLength'), LIMITS.name],
    ['Aitronos UpdateConfiguration.name', prop(aitronos, 'UpdateConfiguration', 'name', 'maxLength'), LIMITS.name],
    ['Aitronos CreateConfiguration.server_url', prop(aitronos, 'CreateConfiguration', 'server_url', 'maxLength'), LIMITS.url],
    ['Aitronos UpdateConfiguration.server_url', prop(aitronos, 'UpdateConfiguration', 'server_url', 'maxLength'), LIMITS.url],
    ['Aitronos Credentials.token_url', prop(aitronos, 'Credentials', 'token_url', 'maxLength'), LIMITS.url],
    ['Aitronos SecretValue', schema(aitronos, 'SecretValue', 'maxLength'), LIMITS.secretValue],
    ['Aitronos Credentials.header_name', prop(aitronos, 'Credentials', 'header_name', 'maxLength'), LIMITS.headerName],
    ['Aitronos Credentials.client_id', prop(aitronos, 'Credentials', 'client_id', 'maxLength'), LIMITS.clientId],
    ['Aitronos Credentials.scope', prop(aitronos, 'Credentials', 'scope', 'maxLength'), LIMITS.scope],
    ['Aitronos allowed_tools (count)', prop(aitronos, 'ToolConfigurationInput', 'allowed_tools', 'maxItems'), LIMITS.allowedTools],
    ['Aitronos allowed_tools (each name)', prop(aitronos, 'ToolConfigurationInput', 'allowed_tools', 'items', 'maxLength'), LIMITS.toolName],
    ...(['CreateServerConfig', 'UpdateServerConfig', 'UpdateServerRequest'] as const).flatMap((name) => [
      [`Zudu ${name}.url`, prop(zudu, name, 'url', 'maxLength'), LIMITS.url],
      [`Zudu ${name}.name`, prop(zudu, name, 'name', 'maxLength'), LIMITS.name],
      [`Zudu ${name}.description`, prop(zudu, name, 'description', 'maxLength'), LIMITS.description],
    ]),
    ['Zudu RequestHeaders (count)', schema(zudu, 'RequestHeaders', 'maxProperties'), LIMITS.headerCount],
    ['Zudu RequestHeaders (each value)', schema(zudu, 'RequestHeaders', 'additionalProperties', 'maxLength'), LIMITS.headerValue],
    ['Zudu SecretToken.secret_id', prop(zudu, 'SecretToken', 'secret_id', 'maxLength'), LIMITS.secretId],
    ['Zudu SecretTokenOrNull.secret_id', prop(zudu, 'SecretTokenOrNull', 'secret_id', 'maxLength'), LIMITS.secretId],
    ['Zudu create secret: secret_id', body(zudu, '/secrets', 'post', 'secret_id', 'maxLength'), LIMITS.secretId],
    ['Zudu create secret: name', body(zudu, '/secrets', 'post', 'name', 'maxLength'), LIMITS.name],
    ['Zudu create secret: value', body(zudu, '/secrets', 'post', 'value', 'maxLength'), LIMITS.secretValue],
    ['Zudu update secret: name', body(zudu, '/secrets/{secret_id}', 'patch', 'name', 'maxLength'), LIMITS.name],
    ['Zudu update secret: value', body(zudu, '/secrets/{secret_id}', 'patch', 'value', 'maxLength'), LIMITS.secretValue],
    ['Zudu tool approval: tool_name', body(zudu, '/mcp-servers/{id}/tool-approvals', 'post', 'tool_name', 'maxLength'), LIMITS.toolName],
  ])('%s', (_where, inContract, inCore) => {
    expect(inContract).toBe(inCore);
  });
});
