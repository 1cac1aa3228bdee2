import type { KeyFormat } from '../../core/model/api-key';

/** Zudu key pairs: `sk_…` with `s3cr3t_…`, sent as `X-API-KEY` + `X-API-SECRET`; one organization. */
export const ZUDU_KEY_FORMAT: KeyFormat = {
  kind: 'zudu',
  keyPrefix: 'sk_',
  secretPrefix: 's3cr3t_',
  singleOrganization: true,
  label: 'A Zudu key pair',
};
