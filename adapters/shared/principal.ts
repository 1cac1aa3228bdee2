import type { Response } from 'express';
import type { Principal } from '../../core/model/principal';

/** The principal an authenticator put on the response; routes run only after one has. */
export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) throw new Error('No principal: the route was mounted without its authenticator');
  return principal;
}
