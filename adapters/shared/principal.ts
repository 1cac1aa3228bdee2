import type { Response } from 'express';
import type { Principal } from '../../core/model/principal';

/** The principal an authenticator put on the response; routes run only after one has. */
export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) throw new Error('No principal: the route was mounted without its authenticator');
  // The request id rides along for the audit trail.
  const requestId = res.locals.requestId as string | undefined;
  return requestId === undefined || principal.requestId === requestId ? principal : { ...principal, requestId };
}
