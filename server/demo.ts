import { AITRONOS_KEY_FORMAT } from '../adapters/aitronos/aitronos.keys';
import { ZUDU_KEY_FORMAT } from '../adapters/zudu/zudu.keys';
import type { ApiKeyService } from '../core/services/api-keys';

export const DEMO_ORGANIZATION_ID = 'org_demo';
export const DEMO_USER_ID = 'usr_demo';

/**
 * On the first start with an empty key table, issues an admin key for a demo organization so
 * the README's walk-through works at once. Returns the printable banner, or null when keys exist.
 */
export async function bootstrapDemo(apiKeys: ApiKeyService): Promise<string | null> {
  if (await apiKeys.hasAnyKey()) return null;
  const aitronos = await apiKeys.issue({ format: AITRONOS_KEY_FORMAT, organizationIds: [DEMO_ORGANIZATION_ID], userId: DEMO_USER_ID, role: 'admin' });
  // One user behind both keys, so what either creates the other may change as its owner.
  const zudu = await apiKeys.issue({ format: ZUDU_KEY_FORMAT, organizationIds: [DEMO_ORGANIZATION_ID], userId: DEMO_USER_ID, role: 'admin' });
  return [
    '',
    'First start: created the demo organization and its keys. They are shown once; store them now.',
    `  organization: ${DEMO_ORGANIZATION_ID}`,
    `  Aitronos key: ${aitronos.apiKey}        (X-API-Key, for /v1)`,
    `  Zudu key:     ${zudu.apiKey}        (X-API-KEY, for /api)`,
    `  Zudu secret:  ${zudu.apiSecret}    (X-API-SECRET)`,
    'More keys: mcp-gateway keys create --dialect aitronos|zudu --org <org_id>',
    '',
  ].join('\n');
}
