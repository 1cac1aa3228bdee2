import type { KeyFormat } from '../../core/model/api-key';

/** Aitronos keys: `ak_…`, sent as `X-API-Key` or `Authorization: Bearer`; several organizations. */
export const AITRONOS_KEY_FORMAT: KeyFormat = {
  kind: 'aitronos',
  keyPrefix: 'ak_',
  secretPrefix: null,
  singleOrganization: false,
  label: 'An Aitronos key',
};
