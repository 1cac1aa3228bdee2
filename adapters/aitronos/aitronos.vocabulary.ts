import type { AuthType, Transport } from '../../core/model/server';
import type { components } from './aitronos.wire';

/**
 * The Aitronos words for core values, in one place: the mapper and the migration format both read
 * these tables. Each is typed by the contract's enum on one side and the core's on the other, so
 * a value added to either (in schemas/aitronos.openapi.yaml or core/model/server.ts) is a
 * compiler error here until it is given its word; test/contract/vocabulary.test.ts proves the
 * YAML says the same.
 */
type Schemas = components['schemas'];
export type AitronosTransportIn = Schemas['CreateConfiguration']['transport_type'];
export type AitronosTransport = Schemas['Configuration']['transportType'];
export type AitronosAuthTypeIn = Schemas['CreateConfiguration']['auth_type'];
export type AitronosAuthType = Schemas['Configuration']['authType'];

/** null: a transport the contract names only to refuse it with a reason (stdio). */
export const AITRONOS_TRANSPORTS_IN: Readonly<Record<AitronosTransportIn, Transport | null>> = { sse: 'sse', streamable_http: 'streamable_http', stdio: null };
export const AITRONOS_TRANSPORTS_OUT: Readonly<Record<Transport, AitronosTransport>> = { sse: 'sse', streamable_http: 'streamable_http' };

/** `bearer` is accepted as an alias of `bearer_token`; responses always say `bearer_token`. */
export const AITRONOS_AUTH_TYPES_IN: Readonly<Record<AitronosAuthTypeIn, AuthType>> = {
  none: 'none',
  api_key: 'api_key',
  bearer_token: 'bearer',
  bearer: 'bearer',
  oauth: 'oauth',
};
export const AITRONOS_AUTH_TYPES_OUT: Readonly<Record<AuthType, AitronosAuthType>> = {
  none: 'none',
  api_key: 'api_key',
  bearer: 'bearer_token',
  oauth: 'oauth',
};
