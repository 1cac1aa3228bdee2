import type { NextFunction, Request, Response } from 'express';
import { AuthenticationRequired } from '../../core/errors';
import type { ApiKeyService } from '../../core/services/api-keys';
import { AITRONOS_KEY_FORMAT } from './aitronos.keys';

/** Reads `X-API-Key: ak_…` or `Authorization: Bearer ak_…` and puts the principal on res.locals. */
export function aitronosAuthentication(keys: ApiKeyService) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const header = req.get('x-api-key');
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '')?.[1];
    const key = header?.trim() || bearer;
    if (!key) throw new AuthenticationRequired('An API key is required: send X-API-Key or Authorization: Bearer');
    res.locals.principal = await keys.authenticate(AITRONOS_KEY_FORMAT, { key });
    next();
  };
}
