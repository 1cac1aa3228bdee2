import type { NextFunction, Request, Response } from 'express';
import type { ApiKeyService } from '../../core/services/api-keys';

/** Reads `X-API-Key: ak_…` or `Authorization: Bearer ak_…` and puts the principal on res.locals. */
export function aitronosAuthentication(keys: ApiKeyService) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const header = req.get('x-api-key');
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '')?.[1];
    res.locals.principal = await keys.authenticateAitronos(header?.trim() || bearer);
    next();
  };
}
