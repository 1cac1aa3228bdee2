import type { NextFunction, Request, Response } from 'express';
import type { Principal } from '../../core/model/principal';
import type { ApiKeyService } from '../../core/services/api-keys';

/** Reads `X-API-KEY` + `X-API-SECRET` and puts the principal on res.locals. */
export function zuduAuthentication(keys: ApiKeyService) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    res.locals.principal = await keys.authenticateZudu(req.get('x-api-key')?.trim(), req.get('x-api-secret')?.trim());
    next();
  };
}

/** A Zudu key pair belongs to exactly one organization: the one every request acts in. */
export function zuduOrganization(principal: Principal): string {
  return principal.organizationIds[0]!;
}
