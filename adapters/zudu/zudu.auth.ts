import type { NextFunction, Request, Response } from 'express';
import type { Principal } from '../../core/model/principal';
import { AuthenticationRequired } from '../../core/errors';
import type { ApiKeyService } from '../../core/services/api-keys';
import { ZUDU_KEY_FORMAT } from './zudu.keys';

/** Reads `X-API-KEY` + `X-API-SECRET` and puts the principal on res.locals. */
export function zuduAuthentication(keys: ApiKeyService) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const key = req.get('x-api-key')?.trim();
    const secret = req.get('x-api-secret')?.trim();
    if (!key && !secret) throw new AuthenticationRequired('X-API-KEY and X-API-SECRET are required');
    // A right key with a missing or wrong secret is an unknown key.
    res.locals.principal = await keys.authenticate(ZUDU_KEY_FORMAT, { key: key ?? '', secret });
    next();
  };
}

/** A Zudu key pair belongs to exactly one organization: the one every request acts in. */
export function zuduOrganization(principal: Principal): string {
  return principal.organizationIds[0]!;
}
